#include "tailpage.h"

#include "core/client/connection.h"
#include "core/protocol/subject.h"
#include "core/workload/publishplan.h"
#include "ui/models/tailmodel.h"
#include "ui/widgets/format.h"
#include "ui/widgets/messageviewer.h"
#include "ui/widgets/theme.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 100;
constexpr int kKeepPerTick = 100; // at most 1,000 rows a second reach the table
constexpr int kHistory = 100;
} // namespace

TailPage::TailPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("liveTabs"));
    layout->addWidget(m_tabs);

    // --- tail ---------------------------------------------------------------------------
    auto* tail = new QWidget(m_tabs);
    auto* tl = new QVBoxLayout(tail);
    auto* bar = new QHBoxLayout;
    m_subject = new QLineEdit(tail);
    m_subject->setObjectName(QStringLiteral("tailSubject"));
    m_subject->setPlaceholderText(tr("Subject to watch: orders.>, orders.*.created, >"));
    m_startButton = new QPushButton(tr("&Watch"), tail);
    m_startButton->setObjectName(QStringLiteral("tailStart"));
    m_pauseButton = new QPushButton(tr("&Pause"), tail);
    m_pauseButton->setObjectName(QStringLiteral("tailPause"));
    m_pauseButton->setCheckable(true);
    m_filter = new QLineEdit(tail);
    m_filter->setObjectName(QStringLiteral("tailFilter"));
    m_filter->setPlaceholderText(tr("Filter the rows (subject or payload)"));
    m_filter->setClearButtonEnabled(true);
    m_keep = new QSpinBox(tail);
    m_keep->setObjectName(QStringLiteral("tailKeep"));
    m_keep->setRange(10, 10000);
    m_keep->setValue(500);
    m_keep->setPrefix(tr("keep "));
    m_keep->setToolTip(tr("The newest messages the table keeps; older ones make room"));
    bar->addWidget(m_subject, 2);
    bar->addWidget(m_startButton);
    bar->addWidget(m_pauseButton);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_keep);
    tl->addLayout(bar);
    m_tailStatus = new QLabel(tail);
    m_tailStatus->setObjectName(QStringLiteral("tailStatus"));
    m_tailStatus->setWordWrap(true);
    tl->addWidget(m_tailStatus);
    auto* split = new QSplitter(Qt::Vertical, tail);
    m_model = new TailModel(m_keep->value(), this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view = new QTableView(split);
    m_view->setObjectName(QStringLiteral("tailTable"));
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setAlternatingRowColors(true);
    m_view->horizontalHeader()->setSectionResizeMode(TailModel::PayloadColumn,
                                                     QHeaderView::Stretch);
    m_view->setColumnWidth(TailModel::TimeColumn, 110);
    m_view->setColumnWidth(TailModel::SubjectColumn, 220);
    m_viewer = new MessageViewer(split);
    split->addWidget(m_view);
    split->addWidget(m_viewer);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    tl->addWidget(split, 1);
    m_tabs->addTab(tail, tr("Tail"));

    // --- request ------------------------------------------------------------------------
    auto* req = new QWidget(m_tabs);
    auto* rl = new QHBoxLayout(req);
    auto* left = new QWidget(req);
    auto* form = new QFormLayout(left);
    m_reqSubject = new QLineEdit(left);
    m_reqSubject->setObjectName(QStringLiteral("requestSubject"));
    m_reqSubject->setPlaceholderText(tr("svc.echo"));
    m_reqHeaders = new QPlainTextEdit(left);
    m_reqHeaders->setObjectName(QStringLiteral("requestHeaders"));
    m_reqHeaders->setPlaceholderText(tr("Key: Value, one a line"));
    m_reqHeaders->setMaximumHeight(70);
    m_reqPayload = new QPlainTextEdit(left);
    m_reqPayload->setObjectName(QStringLiteral("requestPayload"));
    m_reqPayload->setPlaceholderText(tr("The request's body"));
    m_reqTimeout = new QSpinBox(left);
    m_reqTimeout->setObjectName(QStringLiteral("requestTimeout"));
    m_reqTimeout->setRange(10, 600000);
    m_reqTimeout->setValue(2000);
    m_reqTimeout->setSuffix(tr(" ms"));
    m_sendButton = new QPushButton(tr("&Send request"), left);
    m_sendButton->setObjectName(QStringLiteral("requestSend"));
    m_reqStatus = new QLabel(left);
    m_reqStatus->setObjectName(QStringLiteral("requestStatus"));
    m_reqStatus->setWordWrap(true);
    m_history = new QTreeWidget(left);
    m_history->setObjectName(QStringLiteral("requestHistory"));
    m_history->setRootIsDecorated(false);
    m_history->setHeaderLabels({tr("Sent"), tr("Subject"), tr("Outcome"), tr("Round trip")});
    m_history->setColumnWidth(0, 90);
    m_history->setColumnWidth(1, 160);
    form->addRow(tr("Subject"), m_reqSubject);
    form->addRow(tr("Headers"), m_reqHeaders);
    form->addRow(tr("Payload"), m_reqPayload);
    form->addRow(tr("Timeout"), m_reqTimeout);
    form->addRow(QString(), m_sendButton);
    form->addRow(m_reqStatus);
    form->addRow(new QLabel(tr("History (a click loads it again):"), left));
    form->addRow(m_history);
    m_replyViewer = new MessageViewer(req);
    m_replyViewer->clear(tr("The reply shows here"));
    rl->addWidget(left, 1);
    rl->addWidget(m_replyViewer, 1);
    m_tabs->addTab(req, tr("Request"));

    connect(m_startButton, &QPushButton::clicked, this, [this] {
        if (isTailing() && m_subject->text().trimmed() == m_tailSubject) {
            stopTail();
            return;
        }
        if (Status s = startTail(m_subject->text().trimmed()); !s.ok())
            setTailStatus(s.message, true);
    });
    connect(m_subject, &QLineEdit::returnPressed, this, [this] {
        if (Status s = startTail(m_subject->text().trimmed()); !s.ok())
            setTailStatus(s.message, true);
    });
    connect(m_pauseButton, &QPushButton::toggled, this, &TailPage::setPaused);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_keep, &QSpinBox::valueChanged, m_model, &TailModel::setCapacity);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TailPage::showSelected);
    connect(m_sendButton, &QPushButton::clicked, this, [this] {
        sendRequest(m_reqSubject->text().trimmed(), m_reqPayload->toPlainText().toUtf8(),
                    m_reqHeaders->toPlainText(), m_reqTimeout->value());
    });
    connect(m_history, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (!item)
            return;
        const int i = m_history->indexOfTopLevelItem(item);
        // The newest is on top: row 0 is the last one sent.
        const int at = int(m_sent.size()) - 1 - i;
        if (at < 0 || at >= m_sent.size())
            return;
        const Sent& s = m_sent[at];
        m_reqSubject->setText(s.subject);
        m_reqPayload->setPlainText(QString::fromUtf8(s.payload));
        m_reqHeaders->setPlainText(s.headers);
        m_reqTimeout->setValue(s.timeoutMs);
        if (s.ok)
            m_replyViewer->show(QString::fromUtf8(s.reply.subject()), s.reply.headers(),
                                s.reply.payload().toByteArray(),
                                {{tr("Round trip"), format::micros(s.rttUs)}});
        else
            m_replyViewer->clear(s.outcome);
    });

    setTailStatus(tr("Type a subject and press Watch: the messages on it show here as they "
                     "come. Nothing is taken from anyone: a tail is one more subscriber."),
                  false);
    m_pauseButton->setEnabled(false);
    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        if (!isTailing())
            return tr("Type a subject above and press Watch.");
        if (!m_filter->text().isEmpty() && m_model->rowCount() > 0)
            return tr("No row matches '%1'.").arg(m_filter->text());
        return tr("Watching %1: nothing has come yet.").arg(m_tailSubject);
    });
    addEmptyState(m_history, [] { return tr("The requests you send show here."); });
    setRefreshInterval(kRefreshMs);
    setRefreshPaused(true); // until there is a tail to draw
}

TailPage::~TailPage() {
    stopTail();
}

void TailPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    // The subscription belonged to the connection that went; a new one starts without a tail.
    const bool was = isTailing();
    stopTail();
    if (was)
        setTailStatus(connection ? tr("The connection changed: the tail stopped; press Watch "
                                      "to start it on the new one.")
                                 : tr("Not connected: the tail stopped."),
                      false);
    m_sendButton->setEnabled(connection != nullptr);
}

Status TailPage::startTail(const QString& subjectText) {
    if (!connection())
        return Error{ErrorKind::NotConnected, tr("Not connected: connect first, then watch.")};
    const QByteArray subj = subjectText.toUtf8();
    if (subj.isEmpty())
        return Error{ErrorKind::InvalidArgument,
                     tr("Which subject? orders.>, orders.*.created, or > for everything")};
    if (Status s = subject::validateSubscribe(subj); !s.ok())
        return Error{ErrorKind::InvalidArgument, tr("Subject: %1").arg(s.message)};
    stopTail();
    auto sampler = std::make_shared<TailSampler>(kKeepPerTick);
    auto sub = connection()->connection()->subscribeInline(
        subj, [sampler](const MsgView& m) { sampler->offer(m); });
    if (!sub)
        return sub.error();
    m_sampler = sampler;
    m_sub = sub.value();
    m_tailSubject = subjectText;
    m_subject->setText(subjectText);
    m_model->clear();
    m_viewer->clear(tr("Select a message"));
    m_arrived = m_skipped = m_arrivedBytes = m_pausedCount = 0;
    m_rate = 0;
    m_rateClock.start();
    setPaused(false);
    m_pauseButton->setEnabled(true);
    m_startButton->setText(tr("&Stop"));
    setTailStatus(tr("Watching %1 ...").arg(subjectText), false);
    setRefreshPaused(false);
    updateEmptyStates();
    return {};
}

void TailPage::stopTail() {
    if (m_sub) {
        m_sub->unsubscribe();
        m_sub.reset();
    }
    if (m_sampler) {
        drain(); // the last of it
        m_sampler.reset();
        setTailStatus(tr("Stopped watching %1 after %n message(s).", nullptr, int(m_arrived))
                          .arg(m_tailSubject),
                      false);
    }
    m_pauseButton->setChecked(false);
    m_pauseButton->setEnabled(false);
    m_startButton->setText(tr("&Watch"));
    setRefreshPaused(true);
    updateEmptyStates();
}

void TailPage::setPaused(bool paused) {
    m_paused = paused;
    if (m_pauseButton->isChecked() != paused)
        m_pauseButton->setChecked(paused);
    m_pauseButton->setText(paused ? tr("&Resume") : tr("&Pause"));
}

void TailPage::refresh() {
    drain();
}

void TailPage::drain() {
    if (!m_sampler)
        return;
    TailSampler::Batch b = m_sampler->take();
    m_arrived += b.arrived;
    m_arrivedBytes += b.arrivedBytes;
    const double dt = double(m_rateClock.nsecsElapsed()) / 1e9;
    if (dt >= 0.05) {
        // Smoothed over about a second.
        const double a = qMin(1.0, dt);
        m_rate = m_rate * (1 - a) + a * double(b.arrived) / dt;
        m_rateClock.restart();
    }
    // Paused: counted, not shown. Running: the sample goes to the table.
    if (m_paused)
        m_pausedCount += b.arrived;
    else {
        m_skipped += b.skipped;
        m_model->append(b.kept);
    }
    QString text =
        tr("%1: %2 message(s) (%3), %4/s")
            .arg(m_tailSubject, format::count(m_arrived), format::bytes(qint64(m_arrivedBytes)),
                 format::count(quint64(m_rate + 0.5)));
    if (m_skipped > 0)
        text += tr("; %1 counted and not shown (a sample: the table takes at most %2 a second)")
                    .arg(format::count(m_skipped))
                    .arg(kKeepPerTick * 1000 / kRefreshMs);
    if (m_pausedCount > 0 || m_paused)
        text += tr("; %1 came while paused").arg(format::count(m_pausedCount));
    if (m_paused)
        text += tr(" (paused: Resume shows them again)");
    setTailStatus(text, false);
}

QString TailPage::tailStatus() const {
    return m_tailStatus->text();
}

void TailPage::setTailStatus(const QString& text, bool error) {
    m_tailStatus->setText(text);
    m_tailStatus->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
}

void TailPage::showSelected() {
    const QModelIndex i = m_proxy->mapToSource(m_view->currentIndex());
    const TailSampler::Kept* k = m_model->rowAt(i.row());
    if (!k) {
        m_viewer->clear(tr("Select a message"));
        return;
    }
    QList<QPair<QString, QString>> meta{
        {tr("Received"), k->received.toUTC().toString(Qt::ISODateWithMs)}};
    if (!k->message.reply().isEmpty())
        meta.append({tr("Reply to"), QString::fromUtf8(k->message.reply())});
    m_viewer->show(QString::fromUtf8(k->message.subject()), k->message.headers(),
                   k->message.payload().toByteArray(), meta);
}

// --- request --------------------------------------------------------------------------

void TailPage::sendRequest(const QString& subjectText, const QByteArray& payload,
                           const QString& headersText, int timeoutMs) {
    auto refuse = [this](const QString& why) {
        setRequestStatus(why, true);
        emit requestFinished(false, why);
    };
    if (!connection())
        return refuse(tr("Not connected: connect first."));
    const QByteArray subj = subjectText.toUtf8();
    if (Status s = subject::validatePublish(subj); !s.ok())
        return refuse(tr("Subject: %1").arg(subj.isEmpty() ? tr("which one?") : s.message));
    auto headers = parseHeaderLines(headersText.split(QLatin1Char('\n')));
    if (!headers)
        return refuse(tr("Headers: %1").arg(headers.error().message));
    const qint64 maxPayload = connection()->connection()->serverInfo().maxPayload;
    if (maxPayload > 0 && payload.size() > maxPayload)
        return refuse(tr("The payload (%1) is larger than the server's max_payload of %2")
                          .arg(format::bytes(payload.size()), format::bytes(maxPayload)));
    Sent sent;
    sent.subject = subjectText;
    sent.payload = payload;
    sent.headers = headersText;
    sent.timeoutMs = timeoutMs;
    ++m_inFlight;
    setRequestStatus(
        tr("Waiting up to %1 for a reply on %2 ...").arg(format::duration(timeoutMs), subjectText),
        false);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    const Headers h = headers.value();
    connection()->connection()->request(
        subj, payload, timeoutMs, this,
        [this, sent, clock](const Result<Message>& r) mutable {
            --m_inFlight;
            const qint64 rttUs = clock->nsecsElapsed() / 1000;
            sent.rttUs = rttUs;
            if (r) {
                sent.ok = true;
                sent.reply = r.value();
                sent.outcome = tr("reply, %1").arg(format::bytes(r->payload().size()));
                m_replyViewer->show(QString::fromUtf8(r->subject()), r->headers(),
                                    r->payload().toByteArray(),
                                    {{tr("Round trip"), format::micros(rttUs)}});
                setRequestStatus(
                    tr("Reply in %1 (%2)")
                        .arg(format::micros(rttUs), format::bytes(r->payload().size())),
                    false);
            } else {
                sent.outcome = r.error().kind == ErrorKind::NoResponders ? tr("no responders")
                               : r.error().kind == ErrorKind::Timeout
                                   ? tr("no reply within %1").arg(format::duration(sent.timeoutMs))
                                   : r.error().message;
                m_replyViewer->clear(sent.outcome);
                setRequestStatus(tr("No reply: %1").arg(sent.outcome), true);
            }
            addHistory(sent);
            emit requestFinished(sent.ok, sent.outcome);
        },
        h.isEmpty() ? nullptr : &h);
}

void TailPage::addHistory(const Sent& sent) {
    m_sent.append(sent);
    auto* item = new QTreeWidgetItem(
        {QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")), sent.subject,
         sent.outcome, sent.ok ? format::micros(sent.rttUs) : QStringLiteral("–")});
    if (!sent.ok)
        item->setForeground(2, roleColor(ColorRole::Bad));
    const QSignalBlocker quiet(m_history); // adding does not load it into the form
    m_history->insertTopLevelItem(0, item);
    while (m_sent.size() > kHistory) {
        m_sent.removeFirst();
        delete m_history->takeTopLevelItem(m_history->topLevelItemCount() - 1);
    }
}

QString TailPage::requestStatus() const {
    return m_reqStatus->text();
}

void TailPage::setRequestStatus(const QString& text, bool error) {
    m_reqStatus->setText(text);
    m_reqStatus->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
}

} // namespace jetdeck
