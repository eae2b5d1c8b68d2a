#include "consumerpage.h"

#include "core/metrics/registry.h"
#include "ui/widgets/background.h"
#include "ui/widgets/consumercharts.h"
#include "ui/widgets/format.h"
#include "ui/widgets/messageviewer.h"
#include "ui/widgets/theme.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QThreadPool>
#include <QVBoxLayout>

#include <optional>

namespace jetdeck {

namespace {
/// Whether a consumer's sample_freq asks for samples ("", "0" and "0%" do not).
bool isSampling(const QString& freq) {
    QString f = freq.trimmed();
    if (f.endsWith(QLatin1Char('%')))
        f.chop(1);
    return !f.isEmpty() && f.toDouble() > 0;
}
} // namespace

namespace {
constexpr int kRefreshMs = 1000;
constexpr int kMaxRows = 1000;

QString nsText(qint64 ns) {
    return ns > 0 ? format::duration(ns / 1000000) : QObject::tr("server default");
}

QString ackPolicyText(js::AckPolicy p) {
    switch (p) {
    case js::AckPolicy::None:
        return QStringLiteral("none");
    case js::AckPolicy::All:
        return QStringLiteral("all");
    case js::AckPolicy::Explicit:
        return QStringLiteral("explicit");
    }
    return {};
}
} // namespace

ConsumerPage::ConsumerPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* head = new QHBoxLayout;
    head->addWidget(new QLabel(tr("<b>Consumer</b>"), this));
    m_chooser = new QComboBox(this);
    m_chooser->setObjectName(QStringLiteral("chooser"));
    m_chooser->setMinimumContentsLength(24);
    m_chooser->setPlaceholderText(tr("choose a consumer"));
    head->addWidget(m_chooser);
    m_config = new QLabel(this);
    m_config->setObjectName(QStringLiteral("config"));
    m_config->setWordWrap(true);
    m_config->setTextInteractionFlags(Qt::TextSelectableByMouse);
    head->addWidget(m_config, 1);
    layout->addLayout(head);

    auto* grid = new QGridLayout;
    const QList<QPair<QString, QString>> numbers{
        {QStringLiteral("pending"), tr("Unprocessed")},
        {QStringLiteral("ackPending"), tr("Ack pending")},
        {QStringLiteral("redelivered"), tr("Redelivered")},
        {QStringLiteral("waiting"), tr("Waiting pulls")},
        {QStringLiteral("delivered"), tr("Delivered")},
        {QStringLiteral("ackFloor"), tr("Ack floor")},
        {QStringLiteral("rate"), tr("Deliveries")},
        {QStringLiteral("processingP95"), tr("Processing P95")},
        {QStringLiteral("workersP95"), tr("All workers P95")},
        {QStringLiteral("backpressure"), tr("Backpressure")},
    };
    for (int i = 0; i < numbers.size(); ++i) {
        auto* value = new QLabel(QStringLiteral("–"), this);
        value->setObjectName(numbers[i].first);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        QFont f = value->font();
        f.setBold(true);
        value->setFont(f);
        grid->addWidget(new QLabel(numbers[i].second + QLatin1Char(':'), this), i / 5, (i % 5) * 2);
        grid->addWidget(value, i / 5, (i % 5) * 2 + 1);
        m_numbers.insert(numbers[i].first, value);
    }
    grid->setColumnStretch(9, 1);
    layout->addLayout(grid);

    auto* vsplit = new QSplitter(Qt::Vertical, this);
    auto* top = new QWidget(vsplit);
    auto* charts = new QHBoxLayout(top);
    charts->setContentsMargins(0, 0, 0, 0);

    m_charts = new ConsumerCharts(top);
    charts->addWidget(m_charts, 9);

    m_events = new QListWidget(top);
    m_events->setObjectName(QStringLiteral("events"));
    m_events->setToolTip(tr("Messages that hit MaxDeliver or were terminated (the server's "
                            "advisories and this console's own terms)"));
    m_events->setWordWrap(true);
    charts->addWidget(m_events, 2);
    vsplit->addWidget(top);

    auto* bottom = new QWidget(vsplit);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    auto* actions = new QHBoxLayout;
    m_fetchCount = new QSpinBox(bottom);
    m_fetchCount->setObjectName(QStringLiteral("fetchCount"));
    m_fetchCount->setRange(1, 1000);
    m_fetchCount->setValue(10);
    m_fetchCount->setPrefix(tr("Fetch "));
    m_fetchExpires = new QSpinBox(bottom);
    m_fetchExpires->setRange(100, 60000);
    m_fetchExpires->setValue(2000);
    m_fetchExpires->setPrefix(tr("wait up to "));
    m_fetchExpires->setSuffix(tr(" ms"));
    m_fetchButton = new QPushButton(tr("&Fetch"), bottom);
    m_fetchButton->setObjectName(QStringLiteral("fetch"));
    m_ackButton = new QPushButton(tr("&Ack"), bottom);
    m_ackButton->setObjectName(QStringLiteral("ack"));
    m_nakButton = new QPushButton(tr("&NAK"), bottom);
    m_nakButton->setObjectName(QStringLiteral("nak"));
    m_nakMode = new QComboBox(bottom);
    m_nakMode->setObjectName(QStringLiteral("nakMode"));
    m_nakMode->addItem(tr("at once"));
    m_nakMode->addItem(tr("after"));
    m_nakMode->addItem(tr("backoff from"));
    m_nakMode->setToolTip(
        tr("When the server redelivers a NAKed message: at once, after a fixed delay, or after "
           "a delay that doubles with each delivery (from the first delay up to the longest, "
           "give or take the jitter, so a burst of NAKs does not come back at once)"));
    m_nakDelay = new QSpinBox(bottom);
    m_nakDelay->setObjectName(QStringLiteral("nakDelay"));
    m_nakDelay->setRange(1, 3'600'000);
    m_nakDelay->setValue(1000);
    m_nakDelay->setSuffix(tr(" ms"));
    m_nakMax = new QSpinBox(bottom);
    m_nakMax->setObjectName(QStringLiteral("nakMax"));
    m_nakMax->setRange(1, 12 * 3'600'000);
    m_nakMax->setValue(60000);
    m_nakMax->setPrefix(tr("to "));
    m_nakMax->setSuffix(tr(" ms"));
    m_nakJitter = new QSpinBox(bottom);
    m_nakJitter->setObjectName(QStringLiteral("nakJitter"));
    m_nakJitter->setRange(0, 100);
    m_nakJitter->setValue(20);
    m_nakJitter->setPrefix(tr("±"));
    m_nakJitter->setSuffix(tr(" %"));
    m_wpiButton = new QPushButton(tr("In &progress"), bottom);
    m_wpiButton->setObjectName(QStringLiteral("inProgress"));
    m_termButton = new QPushButton(tr("&Term"), bottom);
    m_termButton->setObjectName(QStringLiteral("term"));
    m_termReason = new QLineEdit(bottom);
    m_termReason->setPlaceholderText(tr("term reason (optional)"));
    // Two rows: fetching (and sampling) above, answering below, so the NAK's delay fields fit
    // a 1366-pixel screen.
    for (QWidget* w : std::initializer_list<QWidget*>{m_fetchCount, m_fetchExpires, m_fetchButton})
        actions->addWidget(w);
    actions->addStretch(1);
    m_sampleButton = new QPushButton(tr("Sample acks..."), bottom);
    m_sampleButton->setObjectName(QStringLiteral("sampleAcks"));
    m_sampleButton->setToolTip(
        tr("Ask the server to sample this consumer's acks (sample_freq): the processing time "
           "of every worker, any service's, then shows as \"All workers P95\""));
    actions->addWidget(m_sampleButton);
    bottomLayout->addLayout(actions);
    auto* answers = new QHBoxLayout;
    for (QWidget* w :
         std::initializer_list<QWidget*>{m_ackButton, m_nakButton, m_nakMode, m_nakDelay, m_nakMax,
                                         m_nakJitter, m_wpiButton, m_termButton, m_termReason})
        answers->addWidget(w);
    answers->addStretch(1);
    bottomLayout->addLayout(answers);

    auto* hsplit = new QSplitter(Qt::Horizontal, bottom);
    m_messages = new FetchedMessageModel(this);
    m_view = new QTableView(hsplit);
    m_view->setObjectName(QStringLiteral("fetched"));
    m_view->setModel(m_messages);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_viewer = new MessageViewer(hsplit);
    hsplit->addWidget(m_view);
    hsplit->addWidget(m_viewer);
    hsplit->setStretchFactor(0, 3);
    hsplit->setStretchFactor(1, 2);
    bottomLayout->addWidget(hsplit, 1);
    vsplit->addWidget(bottom);
    vsplit->setStretchFactor(0, 2);
    vsplit->setStretchFactor(1, 3);
    layout->addWidget(vsplit, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_chooser, &QComboBox::activated, this, [this](int index) {
        const QStringList parts = m_chooser->itemData(index).toStringList();
        if (parts.size() == 2)
            openConsumer(parts[0], parts[1]);
    });
    connect(m_fetchButton, &QPushButton::clicked, this,
            [this] { fetch(m_fetchCount->value(), m_fetchExpires->value()); });
    connect(m_ackButton, &QPushButton::clicked, this, [this] { answerSelected(js::AckKind::Ack); });
    connect(m_nakButton, &QPushButton::clicked, this, [this] { answerSelected(js::AckKind::Nak); });
    connect(m_nakMode, &QComboBox::currentIndexChanged, this, &ConsumerPage::updateNakFields);
    updateNakFields();
    connect(m_wpiButton, &QPushButton::clicked, this,
            [this] { answerSelected(js::AckKind::InProgress); });
    connect(m_termButton, &QPushButton::clicked, this,
            [this] { answerSelected(js::AckKind::Term); });
    connect(m_sampleButton, &QPushButton::clicked, this,
            [this] { setAckSampling(isSampling(m_sampleFreq) ? 0 : 100); });
    m_numbers.value(QStringLiteral("processingP95"))
        ->setToolTip(tr("What this page fetched and answered: delivery to ack, NAK or term"));
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ConsumerPage::onSelectionChanged);

    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        if (m_stream.isEmpty())
            return tr("Choose a consumer above (or double-click one on the streams page).");
        if (m_isPush)
            return tr("%1 is a push consumer: the server sends its messages to its deliver "
                      "subject, nothing to fetch here.")
                .arg(m_consumer);
        return tr("Fetch messages to read them here and answer them: Ack, NAK, In progress or "
                  "Term. They are yours until you answer or AckWait runs out.");
    });
    addEmptyState(m_events, [this] {
        return tr("Messages that hit MaxDeliver or were terminated show here, from the "
                  "server's advisories.");
    });
    setRefreshInterval(kRefreshMs);
    setRefreshPaused(true); // until a consumer is open
    setStatus(tr("Choose a consumer above, or open one from the streams page."), false);
    updateActions();
}

void ConsumerPage::setAckSampling(int percent, bool confirmed) {
    if (!connection() || m_stream.isEmpty())
        return;
    percent = qBound(0, percent, 100);
    if (!confirmed && percent > 0 &&
        QMessageBox::question(
            this, tr("Sample acks"),
            tr("Ask the server to sample %1 % of the acks of %2 > %3?\n\nFor each sampled ack "
               "the server publishes one small message on $JS.EVENT.METRIC.CONSUMER.ACK.%2.%3 "
               "(at %1 % and 5,000 acks a second: %4 messages a second in this account). The "
               "consumer's configuration changes (sample_freq); its workers and its messages "
               "are not touched. \"Stop sampling\" sets it back.")
                .arg(percent)
                .arg(m_stream, m_consumer)
                .arg(5000 * percent / 100),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    const QString freq = QStringLiteral("%1%").arg(percent);
    runInBackground(
        this,
        [conn = connection(), js = session()->jetStream(), stream = m_stream, consumer = m_consumer,
         freq]() -> Status {
            Result<js::ConsumerInfo> info = js.consumerInfo(stream, consumer);
            if (!info)
                return info.error();
            js::ConsumerConfig cfg = info->config;
            cfg.sampleFrequency = freq;
            Result<js::ConsumerInfo> updated = js.addConsumer(stream, cfg);
            return updated ? Status{} : Status(updated.error());
        },
        [this, percent, stream = m_stream, consumer = m_consumer](const Status& s) {
            const QString msg =
                !s.ok() ? tr("Sampling acks of %1 > %2: %3").arg(stream, consumer, s.toString())
                : percent > 0 ? tr("The server samples %1 % of the acks of %2 > %3 from now on")
                                    .arg(percent)
                                    .arg(stream, consumer)
                              : tr("Ack sampling of %1 > %2 stopped").arg(stream, consumer);
            setStatus(msg, !s.ok());
            emit samplingChanged(s.ok(), msg);
        });
}

ConsumerPage::~ConsumerPage() {
    closeConsumer();
}

void ConsumerPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    const QString stream = m_stream, consumer = m_consumer;
    closeConsumer();
    if (connection && !stream.isEmpty())
        openConsumer(stream, consumer);
    updateActions();
}

void ConsumerPage::setConsumers(const QList<QPair<QString, QString>>& consumers) {
    QList<QPair<QString, QString>> current;
    for (int i = 0; i < m_chooser->count(); ++i) {
        const QStringList p = m_chooser->itemData(i).toStringList();
        current.append({p.value(0), p.value(1)});
    }
    if (current == consumers)
        return;
    const QSignalBlocker block(m_chooser);
    m_chooser->clear();
    for (const auto& [stream, consumer] : consumers)
        m_chooser->addItem(stream + QStringLiteral(" / ") + consumer,
                           QStringList{stream, consumer});
    m_chooser->setCurrentIndex(int(consumers.indexOf({m_stream, m_consumer})));
}

void ConsumerPage::closeConsumer() {
    ++m_generation; // a fetch still running reports to nobody
    m_fetching = false;
    if (m_monitor)
        m_monitor->stop();
    m_monitor.reset();
    if (m_advisories)
        m_advisories->unsubscribe();
    m_advisories.reset();
    m_tracker.reset();
    m_rows.clear();
    m_messages->update(m_rows);
    m_viewer->clear();
    m_charts->reset();
    m_events->clear();
    setRefreshPaused(true);
}

void ConsumerPage::openConsumer(const QString& stream, const QString& consumer) {
    if (stream == m_stream && consumer == m_consumer && m_monitor)
        return;
    closeConsumer();
    m_stream = stream;
    m_consumer = consumer;
    m_isPush = false;
    for (int i = 0; i < m_chooser->count(); ++i)
        if (m_chooser->itemData(i).toStringList() == QStringList{stream, consumer})
            m_chooser->setCurrentIndex(i);
    if (!connection()) {
        setStatus(tr("Not connected."), true);
        updateActions();
        return;
    }
    // The monitor polls shown or hidden: its history is the pending chart's.
    m_monitor = std::make_unique<js::ConsumerMonitor>(session()->jetStream(), stream, consumer,
                                                      kRefreshMs, ConsumerCharts::kWindowS);
    m_monitor->setBudget(session()->budget()); // one request a second, within the session's
    connect(m_monitor.get(), &js::ConsumerMonitor::pollFailed, this,
            [this](const Error& e) { setStatus(e.toString(), true); });
    connect(m_monitor.get(), &js::ConsumerMonitor::updated, this, [this] {
        if (isShown())
            refresh();
    });
    m_monitor->start();
    // The consumer's tracker: the one the console already keeps (the demo's workers), or one
    // for what this page fetches, so the counts and the processing probe cover both.
    m_tracker = registry() ? registry()->tracker(stream, consumer) : nullptr;
    if (!m_tracker) {
        m_tracker = std::make_shared<js::RedeliveryTracker>(stream, consumer);
        m_ownTrackers.insert(m_tracker.get());
        if (registry())
            registry()->attachTracker(m_tracker);
    }
    if (m_ownTrackers.contains(m_tracker.get())) {
        // MaxDeliver and termination news comes from the server's advisories.
        auto sub = js::watchAdvisories(connection()->connection(), m_tracker);
        if (sub)
            m_advisories = sub.value();
    }
    m_charts->reset(m_tracker->stats());
    setRefreshPaused(false);
    setStatus(tr("Watching %1 / %2").arg(stream, consumer), false);
    updateActions();
    refresh();
    updateEmptyStates();
}

bool ConsumerPage::fetch(int count, int expiresMs) {
    if (!connection() || m_stream.isEmpty()) {
        setStatus(tr("Choose a consumer first."), true);
        return false;
    }
    if (m_isPush) {
        setStatus(tr("%1 is a push consumer: the server sends its messages to its deliver "
                     "subject. Fetch works on pull consumers.")
                      .arg(m_consumer),
                  true);
        return false;
    }
    if (m_fetching) {
        setStatus(tr("A fetch is already running."), true);
        return false;
    }
    if (!connection()->connection()->isConnected()) {
        setStatus(
            tr("Not connected (%1).").arg(connectionStateName(connection()->connection()->state())),
            true);
        return false;
    }
    m_fetching = true;
    updateActions();
    setStatus(tr("Fetching up to %1 from %2 / %3 ...").arg(count).arg(m_stream, m_consumer), false);
    // The pull blocks until the batch fills or the server ends it: on a worker thread, with
    // its own short-lived pull consumer; the answer comes back to this thread.
    const quint64 generation = m_generation;
    QPointer<ConsumerPage> self(this);
    QThreadPool::globalInstance()->start(
        [conn = connection(), js = session()->jetStream(), tracker = m_tracker, stream = m_stream,
         consumer = m_consumer, count, expiresMs, generation, self] {
            Result<js::FetchOutcome> outcome = Error{ErrorKind::InvalidArgument, QString()};
            {
                js::PullConsumer pull(js, stream, consumer, tracker);
                js::FetchOptions fo;
                fo.batch = count;
                fo.expiresMs = expiresMs;
                outcome = pull.fetch(fo);
            }
            QMetaObject::invokeMethod(
                qApp,
                [self, generation, outcome] {
                    if (self)
                        self->onFetched(generation, outcome);
                },
                Qt::QueuedConnection);
        });
    return true;
}

void ConsumerPage::onFetched(quint64 generation, const Result<js::FetchOutcome>& outcome) {
    if (generation != m_generation)
        return;
    m_fetching = false;
    if (!outcome) {
        setStatus(tr("Fetch failed: %1").arg(outcome.error().toString()), true);
        updateActions();
        emit fetched(0, outcome.error().toString());
        return;
    }
    const QDateTime now = QDateTime::currentDateTime();
    for (const js::JsMessage& m : outcome->messages)
        m_rows.append({std::make_shared<js::JsMessage>(m), now, tr("pending")});
    while (m_rows.size() > kMaxRows)
        m_rows.removeFirst();
    m_messages->update(m_rows);
    QString how;
    if (outcome->status == 404)
        how = tr(" (nothing more pending)");
    else if (outcome->status == 408)
        how = tr(" (the wait ran out)");
    else if (outcome->status != 0)
        how = QStringLiteral(" (%1 %2)").arg(outcome->status).arg(outcome->statusText);
    setStatus(tr("Fetched %n message(s)%1; answer them below, or leave them and the server "
                 "redelivers after AckWait.",
                 nullptr, int(outcome->messages.size()))
                  .arg(how),
              false);
    if (!outcome->messages.isEmpty() && m_view->selectionModel()->selectedRows().isEmpty())
        m_view->selectRow(int(m_rows.size() - outcome->messages.size()));
    updateActions();
    if (m_monitor)
        m_monitor->pollNow();
    emit fetched(int(outcome->messages.size()), outcome->statusText);
}

void ConsumerPage::answerSelected(js::AckKind kind) {
    QList<int> rows;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
        rows.append(i.row());
    if (rows.isEmpty())
        for (int r = 0; r < m_rows.size(); ++r)
            rows.append(r);
    int done = 0, failed = 0;
    QString lastError;
    for (int r : std::as_const(rows)) {
        FetchedMessage& f = m_rows[r];
        if (f.message->isAcked())
            continue; // answered for good already (ack, NAK or term)
        Status s;
        QString state;
        switch (kind) {
        case js::AckKind::Ack:
            s = f.message->ack();
            state = tr("acked");
            break;
        case js::AckKind::Nak: {
            // The backoff's delay follows this message's own delivery count.
            const auto backoff = nakBackoff();
            const qint64 delayNs = backoff ? backoff->delayNs(f.message->metadata().delivered)
                                   : m_nakMode->currentIndex() == 1
                                       ? qint64(m_nakDelay->value()) * 1000000
                                       : 0;
            s = f.message->nak(delayNs);
            state = delayNs > 0 ? tr("NAKed (redeliver in %1%2)")
                                      .arg(format::duration(delayNs / 1000000),
                                           backoff ? tr(", backoff") : QString())
                                : tr("NAKed");
            break;
        }
        case js::AckKind::InProgress:
            s = f.message->inProgress();
            state = tr("in progress");
            break;
        case js::AckKind::Term:
            s = f.message->term(m_termReason->text().trimmed());
            state = tr("terminated");
            break;
        }
        if (!s.ok()) {
            ++failed;
            lastError = s.toString();
            f.state = tr("error: %1").arg(s.message);
        } else {
            ++done;
            f.state = state;
        }
    }
    m_messages->update(m_rows);
    if (failed > 0)
        setStatus(tr("%1 answered, %2 failed: %3").arg(done).arg(failed).arg(lastError), true);
    else if (done == 0)
        setStatus(tr("Nothing to answer: every message shown was answered already."), false);
    else
        setStatus(tr("%n message(s) answered.", nullptr, done), false);
    if (m_monitor)
        m_monitor->pollNow();
    updateActions();
}

void ConsumerPage::onSelectionChanged() {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_viewer->clear();
        return;
    }
    const FetchedMessage& f = m_rows.value(rows.last().row());
    if (!f.message)
        return;
    const js::JsMetadata& meta = f.message->metadata();
    m_viewer->show(QString::fromUtf8(f.message->subject()), f.message->headers(),
                   f.message->message().payload().toByteArray(),
                   {{tr("stream"), meta.stream},
                    {tr("consumer"), meta.consumer},
                    {tr("stream seq"), QString::number(meta.streamSeq)},
                    {tr("consumer seq"), QString::number(meta.consumerSeq)},
                    {tr("delivered"), tr("%n time(s)", nullptr, int(meta.delivered))},
                    {tr("stored"), meta.timestamp.toLocalTime().toString(Qt::ISODateWithMs)},
                    {tr("pending after it"), QString::number(meta.pending)},
                    {tr("state"), f.state}});
}

void ConsumerPage::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
}

void ConsumerPage::updateActions() {
    const bool open = connection() && m_monitor;
    m_fetchButton->setEnabled(open && !m_isPush && !m_fetching);
    m_fetchButton->setToolTip(m_isPush ? tr("Push consumer: fetch works on pull consumers")
                                       : QString());
    bool anyPending = false;
    for (const FetchedMessage& f : std::as_const(m_rows))
        anyPending = anyPending || !f.message->isAcked();
    for (QPushButton* b : {m_ackButton, m_nakButton, m_wpiButton, m_termButton})
        b->setEnabled(anyPending);
}

QString ConsumerPage::numberText(const QString& name) const {
    const QLabel* l = m_numbers.value(name);
    return l ? l->text() : QString();
}

QString ConsumerPage::statusText() const {
    return m_status->text();
}

QList<qreal> ConsumerPage::deliveryCountBars() const {
    return m_charts->deliveryCountBars();
}

QStringList ConsumerPage::eventLines() const {
    QStringList out;
    for (int i = 0; i < m_events->count(); ++i)
        out << m_events->item(i)->text();
    return out;
}

void ConsumerPage::refresh() {
    if (!m_monitor)
        return;
    auto set = [&](const char* name, const QString& text) {
        m_numbers.value(QLatin1String(name))->setText(text);
    };
    const js::ConsumerSample s = m_monitor->latest();
    if (s.time.isValid()) {
        const js::ConsumerInfo info = m_monitor->latestInfo();
        const js::ConsumerConfig& c = info.config;
        if (m_isPush != c.isPush()) {
            m_isPush = c.isPush();
            updateActions();
        }
        QStringList cfg{
            m_isPush ? tr("push to %1%2")
                           .arg(c.deliverSubject, c.deliverGroup.isEmpty()
                                                      ? QString()
                                                      : tr(" (group %1)").arg(c.deliverGroup))
                     : tr("pull"),
            tr("ack %1").arg(ackPolicyText(c.ackPolicy)), tr("AckWait %1").arg(nsText(c.ackWaitNs)),
            c.maxDeliver > 0 ? tr("MaxDeliver %1").arg(c.maxDeliver) : tr("MaxDeliver unlimited")};
        if (!c.backoffNs.isEmpty()) {
            QStringList b;
            for (qint64 ns : c.backoffNs)
                b << format::duration(ns / 1000000);
            cfg << tr("backoff %1").arg(b.join(QStringLiteral(", ")));
        }
        if (!c.filterSubject.isEmpty())
            cfg << tr("filter %1").arg(c.filterSubject);
        m_sampleFreq = c.sampleFrequency;
        cfg << (isSampling(m_sampleFreq) ? tr("acks sampled at %1").arg(m_sampleFreq)
                                         : tr("acks not sampled"));
        m_sampleButton->setText(isSampling(m_sampleFreq) ? tr("Stop sampling")
                                                         : tr("Sample acks..."));
        m_config->setText(cfg.join(QStringLiteral(" · ")));
        set("pending", format::count(quint64(s.numPending)));
        set("ackPending", format::count(quint64(s.numAckPending)));
        set("redelivered", format::count(quint64(s.numRedelivered)));
        set("waiting", format::count(quint64(s.numWaiting)));
        set("delivered", format::count(s.deliveredConsumerSeq));
        set("ackFloor", format::count(s.ackFloorStreamSeq));
        if (m_status->text().startsWith(tr("Watching")) ||
            m_status->text().contains(tr("not found")))
            setStatus(tr("Watching %1 / %2: CONSUMER.INFO every second, last at %3")
                          .arg(m_stream, m_consumer,
                               s.time.toLocalTime().toString(QStringLiteral("HH:mm:ss"))),
                      false);
    }
    std::optional<js::RedeliveryStats> st;
    if (m_tracker) {
        st = m_tracker->stats();
        m_charts->recordRates(*st);
    }
    m_charts->draw(m_monitor->history(), st ? &*st : nullptr, faultMarks());

    // What the registry knows: processing time, backpressure, rate, and the events.
    if (metrics::MetricsRegistry* reg = registry()) {
        for (const metrics::ConsumerMetrics& m : reg->consumers()) {
            if (m.stream != m_stream || m.consumer != m_consumer)
                continue;
            set("processingP95", m.processing.count > 0 ? format::micros(qint64(m.processing.p95))
                                                        : QStringLiteral("–"));
            QLabel* workers = m_numbers.value(QStringLiteral("workersP95"));
            workers->setText(m.sampled.count > 0        ? format::micros(qint64(m.sampled.p95))
                             : isSampling(m_sampleFreq) ? tr("no acks yet")
                                                        : tr("not sampled"));
            workers->setToolTip(
                tr("From the server's ack samples ($JS.EVENT.METRIC.CONSUMER.ACK.%1.%2): every "
                   "worker's time from delivery to ack, whichever service runs it.\n"
                   "Last minute: %3 sample(s), P50 %4, P95 %5, P99 %6.\n"
                   "%7 sample(s) since JetDeck started, %8 of them acked after a redelivery.")
                    .arg(m_stream, m_consumer)
                    .arg(m.sampled.count)
                    .arg(format::micros(qint64(m.sampled.p50)),
                         format::micros(qint64(m.sampled.p95)),
                         format::micros(qint64(m.sampled.p99)))
                    .arg(m.sampledAcks)
                    .arg(m.sampledRedelivered));
            set("rate", format::rate(m.deliveriesPerSec));
            auto* bp = m_numbers.value(QStringLiteral("backpressure"));
            bp->setText(metrics::backpressureLevelName(m.backpressure.level));
            bp->setToolTip(m.backpressure.reason);
            bp->setStyleSheet(textStyle(
                m.backpressure.level == metrics::BackpressureLevel::Critical ? ColorRole::Bad
                : m.backpressure.level == metrics::BackpressureLevel::Warn   ? ColorRole::Warning
                                                                             : ColorRole::Good));
        }
        const QList<js::RedeliveryEvent> events = reg->recentEvents(m_stream, m_consumer);
        if (events.size() != m_events->count()) {
            m_events->clear();
            for (const js::RedeliveryEvent& e : events) {
                const QString when = e.time.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
                m_events->addItem(e.kind == js::RedeliveryEvent::Kind::MaxDeliveries
                                      ? tr("%1 MaxDeliver: seq %2 after %3 deliveries")
                                            .arg(when)
                                            .arg(e.streamSeq)
                                            .arg(e.deliveries)
                                      : tr("%1 terminated: seq %2%3")
                                            .arg(when)
                                            .arg(e.streamSeq)
                                            .arg(e.reason.isEmpty()
                                                     ? QString()
                                                     : QStringLiteral(" (%1)").arg(e.reason)));
            }
            m_events->scrollToBottom();
        }
    }
    m_messages->update(m_rows); // the "stored ... ago" column moves
}

void ConsumerPage::recordHistory() {
    if (m_tracker)
        m_charts->recordRates(m_tracker->stats());
}

void ConsumerPage::updateNakFields() {
    const int mode = m_nakMode->currentIndex();
    m_nakDelay->setVisible(mode >= 1);
    m_nakMax->setVisible(mode == 2);
    m_nakJitter->setVisible(mode == 2);
    m_nakDelay->setToolTip(mode == 2 ? tr("The delay after the first delivery; it doubles with "
                                          "each further one")
                                     : tr("How long the server waits before redelivering"));
}

void ConsumerPage::setNakDelay(qint64 ms) {
    if (ms <= 0) {
        m_nakMode->setCurrentIndex(0);
        return;
    }
    m_nakMode->setCurrentIndex(1);
    m_nakDelay->setValue(int(qMin<qint64>(ms, m_nakDelay->maximum())));
}

void ConsumerPage::setNakBackoff(const js::NakDelayPolicy& policy) {
    m_nakMode->setCurrentIndex(2);
    m_nakDelay->setValue(int(qBound(qint64(1), policy.initialMs, qint64(m_nakDelay->maximum()))));
    m_nakMax->setValue(int(qBound(qint64(1), policy.maxMs, qint64(m_nakMax->maximum()))));
    m_nakJitter->setValue(policy.jitterPercent);
}

std::optional<js::NakDelayPolicy> ConsumerPage::nakBackoff() const {
    if (m_nakMode->currentIndex() != 2)
        return std::nullopt;
    js::NakDelayPolicy p;
    p.initialMs = m_nakDelay->value();
    // A longest delay below the first one means "no growth": the first one, always.
    p.maxMs = qMax(m_nakMax->value(), m_nakDelay->value());
    p.jitterPercent = m_nakJitter->value();
    return p;
}

} // namespace jetdeck
