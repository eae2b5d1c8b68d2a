#include "publishpage.h"

#include "core/metrics/registry.h"
#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 100;
constexpr int kMaxRuns = 200;
} // namespace

PublishPage::PublishPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        tr("<b>Publish</b> — controlled publishes: a rate, a count or a duration, bursts, "
           "templates, headers, core or JetStream with acknowledgements"),
        this));

    auto* split = new QSplitter(Qt::Horizontal, this);
    auto* formBox = new QWidget(split);
    auto* form = new QFormLayout(formBox);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_subject = new QLineEdit(formBox);
    m_subject->setObjectName(QStringLiteral("subject"));
    m_subject->setPlaceholderText(tr("orders.new"));
    form->addRow(tr("&Subject:"), m_subject);

    m_mode = new QComboBox(formBox);
    m_mode->setObjectName(QStringLiteral("mode"));
    m_mode->addItem(tr("Core NATS (no acknowledgement)"), int(PublishMode::Core));
    m_mode->addItem(tr("JetStream, many PubAcks in flight"), int(PublishMode::JetStreamAsync));
    m_mode->addItem(tr("JetStream, one at a time"), int(PublishMode::JetStreamSync));
    form->addRow(tr("&Mode:"), m_mode);

    m_payload = new QPlainTextEdit(formBox);
    m_payload->setObjectName(QStringLiteral("payload"));
    m_payload->setPlaceholderText(tr("Body, or a template: {\"order\": {seq}, \"at\": {ts}, "
                                     "\"id\": \"{uuid}\"}"));
    m_payload->setMaximumHeight(90);
    form->addRow(tr("&Body:"), m_payload);

    m_size = new QSpinBox(formBox);
    m_size->setObjectName(QStringLiteral("size"));
    m_size->setRange(-1, 64 * 1024 * 1024);
    m_size->setValue(-1);
    m_size->setSpecialValueText(tr("as written"));
    m_size->setSuffix(tr(" bytes"));
    m_size->setToolTip(tr("Pads the body with filler up to this size (no body: this many "
                          "filler bytes)"));
    form->addRow(tr("Si&ze:"), m_size);

    m_headers = new QPlainTextEdit(formBox);
    m_headers->setObjectName(QStringLiteral("headers"));
    m_headers->setPlaceholderText(tr("Key: Value, one per line (values may use {seq})"));
    m_headers->setMaximumHeight(60);
    form->addRow(tr("&Headers:"), m_headers);

    m_msgId = new QLineEdit(formBox);
    m_msgId->setObjectName(QStringLiteral("msgId"));
    m_msgId->setPlaceholderText(tr("none; order-{seq} numbers them"));
    m_msgId->setToolTip(tr("Nats-Msg-Id: the stream keeps one copy per id within its duplicate "
                           "window"));
    form->addRow(tr("Msg-&Id:"), m_msgId);

    m_stamp = new QCheckBox(tr("Stamp the send time (end-to-end latency)"), formBox);
    m_stamp->setObjectName(QStringLiteral("stamp"));
    m_stamp->setChecked(true);
    form->addRow(QString(), m_stamp);

    m_count = new QSpinBox(formBox);
    m_count->setObjectName(QStringLiteral("count"));
    m_count->setRange(0, 2'000'000'000);
    m_count->setValue(1000);
    m_count->setGroupSeparatorShown(true);
    m_count->setSpecialValueText(tr("until the duration ends"));
    form->addRow(tr("&Count:"), m_count);

    m_duration = new QDoubleSpinBox(formBox);
    m_duration->setObjectName(QStringLiteral("duration"));
    m_duration->setRange(0, 86400);
    m_duration->setDecimals(1);
    m_duration->setSuffix(tr(" s"));
    m_duration->setSpecialValueText(tr("no limit"));
    form->addRow(tr("&Duration:"), m_duration);

    m_rate = new QDoubleSpinBox(formBox);
    m_rate->setObjectName(QStringLiteral("rate"));
    m_rate->setRange(0, 10'000'000);
    m_rate->setDecimals(1);
    m_rate->setValue(100);
    m_rate->setGroupSeparatorShown(true);
    m_rate->setSuffix(tr(" msgs/s"));
    m_rate->setSpecialValueText(tr("as fast as possible"));
    form->addRow(tr("&Rate:"), m_rate);

    m_burst = new QSpinBox(formBox);
    m_burst->setObjectName(QStringLiteral("burst"));
    m_burst->setRange(1, 100000);
    m_burst->setToolTip(tr("Messages sent back to back at each step; the average rate stays"));
    form->addRow(tr("B&urst:"), m_burst);

    m_window = new QSpinBox(formBox);
    m_window->setObjectName(QStringLiteral("window"));
    m_window->setRange(1, 1'000'000);
    m_window->setValue(4000);
    m_window->setSuffix(tr(" in flight"));
    form->addRow(tr("PubAck &window:"), m_window);

    m_ackTimeout = new QSpinBox(formBox);
    m_ackTimeout->setObjectName(QStringLiteral("ackTimeout"));
    m_ackTimeout->setRange(100, 600000);
    m_ackTimeout->setValue(5000);
    m_ackTimeout->setSuffix(tr(" ms"));
    form->addRow(tr("PubAck &timeout:"), m_ackTimeout);

    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("&Publish"), formBox);
    m_start->setObjectName(QStringLiteral("publish"));
    m_start->setToolTip(tr("Ctrl+Return"));
    m_stop = new QPushButton(tr("S&top"), formBox);
    m_stop->setObjectName(QStringLiteral("stop"));
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addStretch(1);
    form->addRow(buttons);
    m_error = new QLabel(formBox);
    m_error->setObjectName(QStringLiteral("formError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(textStyle(ColorRole::Bad));
    form->addRow(m_error);
    split->addWidget(formBox);

    auto* right = new QWidget(split);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_progress = new QProgressBar(right);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));
    rightLayout->addWidget(m_progress);
    m_live = new QLabel(tr("No run yet."), right);
    m_live->setObjectName(QStringLiteral("live"));
    m_live->setWordWrap(true);
    rightLayout->addWidget(m_live);
    m_summary = new QPlainTextEdit(right);
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setReadOnly(true);
    m_summary->setMaximumHeight(120);
    m_summary->setPlaceholderText(tr("Where every message of the last run ended shows here."));
    rightLayout->addWidget(m_summary);
    m_model = new PublishRunModel(this);
    m_view = new QTableView(right);
    m_view->setObjectName(QStringLiteral("runs"));
    m_view->setModel(m_model);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    rightLayout->addWidget(m_view, 1);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({400, 600});
    layout->addWidget(split, 1);

    connect(m_start, &QPushButton::clicked, this, &PublishPage::startRun);
    connect(m_stop, &QPushButton::clicked, this, &PublishPage::stopRun);
    auto* go = new QAction(this);
    go->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    go->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(go, &QAction::triggered, this, [this] {
        if (!isRunning())
            startRun();
    });
    addAction(go);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &PublishPage::updateControls);
    // A field edited after an error: the message no longer describes the form.
    for (QLineEdit* e : {m_subject, m_msgId})
        connect(e, &QLineEdit::textEdited, this, [this] { m_error->clear(); });

    addEmptyState(m_view, [this] {
        return connection() ? tr("No runs yet: fill in the form and press Start; every run "
                                 "stays here with where its messages went.")
                            : notConnectedText();
    });
    setRefreshInterval(kRefreshMs);
    setRefreshPaused(true); // until a run starts
    updateControls();
}

PublishPage::~PublishPage() {
    stopAndDiscard();
}

void PublishPage::connectionChanged(const std::shared_ptr<ConnectionThread>&) {
    stopAndDiscard();
    updateControls();
}

void PublishPage::stopAndDiscard() {
    if (!m_publisher)
        return;
    RatePublisher* pub = std::exchange(m_publisher, nullptr);
    disconnect(pub, nullptr, this, nullptr);
    // It lives on the connection's thread: delete it there, before that thread goes.
    QMetaObject::invokeMethod(
        pub, [pub] { delete pub; }, Qt::BlockingQueuedConnection);
    if (!m_runs.isEmpty() && !m_runs.last().summary) {
        PublishSummary s;
        s.mode = m_runs.last().mode;
        s.attempted = m_runs.last().progress.attempted;
        s.accepted = m_runs.last().progress.accepted;
        s.stopped = true;
        m_runs.last().summary = s;
        m_summary->setPlainText(tr("The run was abandoned with its connection after %1 "
                                   "messages; where they ended is unknown.")
                                    .arg(s.attempted));
        m_model->update(m_runs);
    }
    setRefreshPaused(true);
    updateControls();
}

Result<PublishPlan> PublishPage::planFromForm() const {
    PublishPlan p;
    p.subject = m_subject->text().trimmed().toUtf8();
    p.mode = PublishMode(m_mode->currentData().toInt());
    p.payload = m_payload->toPlainText().toUtf8();
    p.size = m_size->value();
    auto headers = parseHeaderLines(m_headers->toPlainText().split(QLatin1Char('\n')));
    if (!headers)
        return Error{ErrorKind::InvalidArgument, tr("Headers: %1").arg(headers.error().message)};
    p.headers = headers.value();
    p.msgId = m_msgId->text().trimmed().toUtf8();
    p.stampSentTime = m_stamp->isChecked();
    p.count = m_count->value();
    p.durationMs = qint64(m_duration->value() * 1000.0);
    p.rate = m_rate->value();
    p.burst = m_burst->value();
    p.jsWindow = m_window->value();
    p.ackTimeoutMs = m_ackTimeout->value();
    const qint64 maxPayload = connection() && connection()->connection()->isConnected()
                                  ? connection()->connection()->serverInfo().maxPayload
                                  : 0;
    if (Status s = p.validate(maxPayload); !s.ok())
        return s;
    return p;
}

QString PublishPage::errorText() const {
    return m_error->text();
}

QString PublishPage::summaryText() const {
    return m_summary->toPlainText();
}

void PublishPage::showError(const QString& text) {
    m_error->setText(text);
}

bool PublishPage::startRun() {
    if (m_publisher) {
        showError(tr("A run is in progress; stop it first."));
        return false;
    }
    auto plan = planFromForm();
    if (!plan) {
        showError(plan.error().message);
        return false;
    }
    if (!connection()) {
        showError(tr("Not connected: connect to a server first."));
        return false;
    }
    Connection* c = connection()->connection();
    if (c->state() == ConnectionState::Closed) {
        showError(tr("The connection is closed: connect again first."));
        return false;
    }
    if (plan->mode != PublishMode::Core && !c->isConnected()) {
        showError(tr("JetStream publishes need the server (%1 now); core publishes would wait "
                     "in the outbound queue.")
                      .arg(connectionStateName(c->state())));
        return false;
    }
    m_error->clear();
    auto* pub = new RatePublisher(c, plan.value());
    if (registry() && plan->mode != PublishMode::Core)
        pub->setAckLatencyProbe(
            registry()->probe(QLatin1String(metrics::probe::PublishAck),
                              {{QStringLiteral("subject"), QString::fromUtf8(plan->subject)}}));
    pub->moveToThread(connection()->thread());
    connect(pub, &RatePublisher::finished, this, &PublishPage::onFinished, Qt::QueuedConnection);
    m_publisher = pub;
    PublishRun run;
    run.id = ++m_lastRunId;
    run.started = QDateTime::currentDateTime();
    run.subject = QString::fromUtf8(plan->subject);
    run.mode = plan->mode;
    run.progress.total =
        plan->count > 0 ? plan->count : qint64(plan->rate * double(plan->durationMs) / 1000.0);
    run.progress.running = true;
    m_runs.append(run);
    while (m_runs.size() > kMaxRuns)
        m_runs.removeFirst();
    m_model->update(m_runs);
    m_view->scrollToBottom();
    m_summary->clear();
    QMetaObject::invokeMethod(pub, &RatePublisher::start, Qt::QueuedConnection);
    setRefreshPaused(false);
    updateControls();
    refresh();
    return true;
}

void PublishPage::presetForDemo() {
    m_subject->setText(QStringLiteral("demo.orders.created"));
    m_mode->setCurrentIndex(m_mode->findData(int(PublishMode::JetStreamAsync)));
    m_payload->setPlainText(QStringLiteral("{\"order\": {seq}, \"at\": {ts}, \"id\": \"{uuid}\"}"));
    m_msgId->setText(QStringLiteral("console-{uuid}"));
    m_count->setValue(1000);
    m_rate->setValue(200);
}

void PublishPage::stopRun() {
    if (m_publisher)
        QMetaObject::invokeMethod(m_publisher, &RatePublisher::stop, Qt::QueuedConnection);
}

void PublishPage::onFinished(const PublishSummary& summary) {
    if (!m_publisher)
        return;
    m_publisher->deleteLater(); // on its own thread
    m_publisher = nullptr;
    setRefreshPaused(true);
    if (!m_runs.isEmpty()) {
        m_runs.last().summary = summary;
        m_runs.last().progress.running = false;
        m_runs.last().progress.attempted = summary.attempted;
    }
    m_model->update(m_runs);
    m_summary->setPlainText(summary.toText());
    QString live = tr("%1 of %2 accepted in %3 (%4)")
                       .arg(format::count(quint64(summary.accepted)),
                            format::count(quint64(summary.attempted)),
                            format::duration(qint64(summary.seconds * 1000)),
                            format::rate(summary.achievedRate));
    if (summary.mode != PublishMode::Core)
        live += tr(", %1 acked, %2 failed or timed out")
                    .arg(format::count(quint64(summary.acked)),
                         format::count(quint64(summary.failed + summary.timedOut)));
    m_live->setText(live);
    m_progress->setValue(m_progress->maximum());
    m_progress->setFormat(summary.clean() ? tr("done: all delivered") : tr("done: see below"));
    m_progress->setStyleSheet(summary.clean()
                                  ? QString()
                                  : QStringLiteral("QProgressBar::chunk { background: %1; }")
                                        .arg(roleColorName(ColorRole::Bad)));
    updateControls();
    emit runFinished(summary);
}

void PublishPage::refresh() {
    if (!m_publisher || m_runs.isEmpty())
        return;
    const PublishProgress p = m_publisher->progress();
    PublishRun& run = m_runs.last();
    run.progress = p;
    m_model->update(m_runs);
    const double fraction = p.total > 0 ? qMin(1.0, double(p.attempted) / double(p.total)) : 0;
    m_progress->setStyleSheet(QString());
    m_progress->setValue(int(fraction * m_progress->maximum()));
    m_progress->setFormat(
        tr("%1 of %2").arg(format::count(quint64(p.attempted)), format::count(quint64(p.total))));
    QString text =
        tr("%1 sent in %2 (%3)")
            .arg(format::count(quint64(p.accepted)), format::duration(qint64(p.seconds * 1000)),
                 format::rate(p.seconds > 0 ? double(p.attempted) / p.seconds : 0));
    if (run.mode != PublishMode::Core)
        text += tr(", %1 acked, %2 failed")
                    .arg(format::count(quint64(p.acked)), format::count(quint64(p.failed)));
    if (p.rejected > 0)
        text += tr(", %1 rejected").arg(format::count(quint64(p.rejected)));
    m_live->setText(text);
}

void PublishPage::updateControls() {
    const bool running = m_publisher != nullptr;
    const bool js = PublishMode(m_mode->currentData().toInt()) != PublishMode::Core;
    m_start->setEnabled(!running && connection());
    m_stop->setEnabled(running);
    m_window->setEnabled(PublishMode(m_mode->currentData().toInt()) == PublishMode::JetStreamAsync);
    m_ackTimeout->setEnabled(js);
    if (!running && !connection())
        m_live->setText(tr("Not connected."));
}

} // namespace jetdeck
