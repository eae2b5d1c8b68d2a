#include "messagespage.h"

#include "core/base/naturalsort.h"
#include "core/protocol/subject.h"
#include "ui/models/storedmessagemodel.h"
#include "ui/widgets/background.h"
#include "ui/widgets/confirm.h"
#include "ui/widgets/format.h"
#include "ui/widgets/messageviewer.h"
#include "ui/widgets/theme.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPalette>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace jetdeck {

namespace {

QToolButton* toolButton(QWidget* parent, const QString& text, const QString& name,
                        const QString& tip) {
    auto* b = new QToolButton(parent);
    b->setText(text);
    b->setObjectName(name);
    b->setToolTip(tip);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

/// One word for a POSIX shell: as it is when it is plain, else in single quotes.
QString shellQuote(const QString& s) {
    static const QString plain =
        QStringLiteral("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:=@,+");
    bool isPlain = !s.isEmpty();
    for (QChar c : s)
        if (!plain.contains(c)) {
            isPlain = false;
            break;
        }
    if (isPlain)
        return s;
    QString q = s;
    q.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

bool isCommandLineText(const QByteArray& data) {
    return !data.contains('\0') && QString::fromUtf8(data).toUtf8() == data;
}

enum FromIndex { FromFirst, FromSequence, FromTime, FromNewest, FromLastPerSubject };

} // namespace

MessagesPage::MessagesPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);

    // The form: which stream, where to start, which subjects, how many.
    auto* form = new QHBoxLayout;
    m_streamCombo = new QComboBox(this);
    m_streamCombo->setObjectName(QStringLiteral("messagesStream"));
    m_streamCombo->setEditable(true);
    m_streamCombo->setInsertPolicy(QComboBox::NoInsert);
    m_streamCombo->setMinimumContentsLength(14);
    m_streamCombo->lineEdit()->setPlaceholderText(tr("Stream"));
    m_from = new QComboBox(this);
    m_from->setObjectName(QStringLiteral("messagesFrom"));
    m_from->addItem(tr("From the first"));
    m_from->addItem(tr("From sequence"));
    m_from->addItem(tr("Since"));
    m_from->addItem(tr("Newest"));
    m_from->addItem(tr("Last of each subject"));
    m_seq = new QLineEdit(this);
    m_seq->setObjectName(QStringLiteral("messagesSeq"));
    m_seq->setPlaceholderText(tr("sequence"));
    m_seq->setMaximumWidth(120);
    m_since = new QLineEdit(this);
    m_since->setObjectName(QStringLiteral("messagesSince"));
    m_since->setPlaceholderText(tr("10m, 2h, 1d or 2026-12-07T08:00:00Z"));
    m_since->setMaximumWidth(220);
    m_subject = new QLineEdit(this);
    m_subject->setObjectName(QStringLiteral("messagesSubject"));
    m_subject->setPlaceholderText(tr("Subject filter (orders.*, orders.>)"));
    m_subject->setClearButtonEnabled(true);
    m_count = new QSpinBox(this);
    m_count->setObjectName(QStringLiteral("messagesCount"));
    m_count->setRange(1, js::BrowseRequest::kMaxCount);
    m_count->setValue(50);
    m_count->setSuffix(tr(" a page"));
    m_readButton = new QPushButton(tr("&Read"), this);
    m_readButton->setObjectName(QStringLiteral("messagesRead"));
    m_readButton->setDefault(true);
    form->addWidget(m_streamCombo);
    form->addWidget(m_from);
    form->addWidget(m_seq);
    form->addWidget(m_since);
    form->addWidget(m_subject, 1);
    form->addWidget(m_count);
    form->addWidget(m_readButton);
    layout->addLayout(form);

    auto* bar = new QHBoxLayout;
    m_previousButton = toolButton(this, tr("◀ &Previous"), QStringLiteral("messagesPrevious"),
                                  tr("The page before this one"));
    m_nextButton = toolButton(this, tr("N&ext ▶"), QStringLiteral("messagesNext"),
                              tr("The page after this one"));
    auto* refreshButton = toolButton(this, tr("Re&fresh"), QStringLiteral("messagesRefresh"),
                                     tr("Read this page again"));
    m_copyButton = toolButton(this, tr("&Copy as command"), QStringLiteral("messagesCopy"),
                              tr("Copy a jetdeck-cli command that reads this message"));
    m_publishButton = toolButton(this, tr("Publish a c&opy..."), QStringLiteral("messagesPublish"),
                                 tr("Publish this message again, edited or not, to a subject"));
    m_exportButton = toolButton(this, tr("E&xport..."), QStringLiteral("messagesExport"),
                                tr("Save the selected messages (or the whole page) as JSON lines"));
    m_deleteButton = toolButton(this, tr("&Delete..."), QStringLiteral("messagesDelete"),
                                tr("Remove this message from the stream (asks first)"));
    for (QWidget* w : {m_previousButton, m_nextButton, refreshButton, m_copyButton, m_publishButton,
                       m_exportButton, m_deleteButton})
        bar->addWidget(w);
    bar->addStretch(1);
    layout->addLayout(bar);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("messagesSplitter"));
    auto* tableBox = new QWidget(split);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    m_model = new StoredMessageModel(this);
    m_view = new QTableView(tableBox);
    m_view->setObjectName(QStringLiteral("messagesTable"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setSectionResizeMode(StoredMessageModel::SubjectColumn,
                                                     QHeaderView::Stretch);
    m_view->setColumnWidth(StoredMessageModel::SeqColumn, 90);
    m_view->setColumnWidth(StoredMessageModel::TimeColumn, 190);
    tableLayout->addWidget(m_view, 1);
    m_viewer = new MessageViewer(split);
    split->addWidget(tableBox);
    split->addWidget(m_viewer);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("messagesStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    connect(m_readButton, &QPushButton::clicked, this, &MessagesPage::readFromForm);
    for (QLineEdit* e : {m_seq, m_since, m_subject})
        connect(e, &QLineEdit::returnPressed, this, &MessagesPage::readFromForm);
    connect(m_streamCombo->lineEdit(), &QLineEdit::returnPressed, this,
            &MessagesPage::readFromForm);
    connect(m_streamCombo, &QComboBox::activated, this, [this] { readFromForm(); });
    connect(m_from, &QComboBox::currentIndexChanged, this, &MessagesPage::updateForm);
    connect(m_previousButton, &QToolButton::clicked, this, &MessagesPage::readPrevious);
    connect(m_nextButton, &QToolButton::clicked, this, &MessagesPage::readNext);
    connect(refreshButton, &QToolButton::clicked, this, &MessagesPage::refresh);
    connect(m_deleteButton, &QToolButton::clicked, this, [this] {
        const QList<quint64> s = selectedSequences();
        if (s.size() == 1)
            deleteMessage(s.first());
    });
    connect(m_copyButton, &QToolButton::clicked, this, [this] {
        const QList<quint64> s = selectedSequences();
        if (s.size() == 1) {
            QApplication::clipboard()->setText(getCommand(s.first()));
            setStatus(tr("Copied: %1").arg(getCommand(s.first())), false);
        }
    });
    connect(m_publishButton, &QToolButton::clicked, this, [this] {
        const QList<quint64> s = selectedSequences();
        if (s.size() == 1)
            askPublishCopy(s.first());
    });
    connect(m_exportButton, &QToolButton::clicked, this, &MessagesPage::askExport);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        showSelected();
        updateActions();
    });
    connect(m_view, &QTableView::customContextMenuRequested, this, &MessagesPage::contextMenu);

    updateForm();
    updateActions();
    addEmptyState(m_view, [this]() -> QString {
        if (!connection())
            return notConnectedText();
        if (m_reading)
            return tr("Reading ...");
        if (m_stream.isEmpty())
            return tr("Choose a stream and press Read. Messages are read one by one with "
                      "STREAM.MSG.GET: no consumer is made, nothing is taken from the stream's "
                      "consumers.");
        if (m_page.total == 0)
            return tr("Stream %1 holds no messages. Publish to one of its subjects and press "
                      "Refresh.")
                .arg(m_stream);
        return tr("No message matches. Try another start, a wider subject filter (orders.>), "
                  "or Newest.");
    });
    setStatus(tr("Not connected"), false);
}

MessagesPage::~MessagesPage() = default;

void MessagesPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    ++m_generation; // a read under way belongs to the old connection
    m_reading = false;
    m_model->setMessages({});
    m_page = {};
    m_history.clear();
    m_viewer->clear();
    setStatus(connection ? tr("Choose a stream and press Read") : tr("Not connected"), false);
    updateActions();
}

void MessagesPage::setStreams(const QStringList& names) {
    const QString current = m_streamCombo->currentText();
    QStringList sorted = names;
    std::sort(sorted.begin(), sorted.end(),
              [](const QString& a, const QString& b) { return naturalCompare(a, b) < 0; });
    QStringList had;
    for (int i = 0; i < m_streamCombo->count(); ++i)
        had << m_streamCombo->itemText(i);
    if (had == sorted)
        return;
    m_streamCombo->clear();
    m_streamCombo->addItems(sorted);
    m_streamCombo->setCurrentText(current);
}

void MessagesPage::openStream(const QString& stream) {
    m_streamCombo->setCurrentText(stream);
    m_from->setCurrentIndex(FromFirst);
    m_subject->clear();
    readFromForm();
}

QString MessagesPage::stream() const {
    return m_streamCombo->currentText().trimmed();
}

void MessagesPage::updateForm() {
    const int from = m_from->currentIndex();
    m_seq->setVisible(from == FromSequence);
    m_since->setVisible(from == FromTime);
}

void MessagesPage::readFromForm() {
    js::BrowseRequest r;
    r.count = m_count->value();
    r.subject = m_subject->text().trimmed();
    switch (m_from->currentIndex()) {
    case FromSequence: {
        bool ok = false;
        r.seq = m_seq->text().trimmed().toULongLong(&ok);
        if (!ok || r.seq == 0) {
            setStatus(tr("Sequence: '%1' is not a sequence number (1 or more)")
                          .arg(m_seq->text().trimmed()),
                      true);
            emit pageRead(false);
            return;
        }
        r.from = js::BrowseFrom::Sequence;
        break;
    }
    case FromTime: {
        auto t = js::parseSince(m_since->text(), QDateTime::currentDateTimeUtc());
        if (!t) {
            setStatus(tr("Since: %1").arg(t.error().message), true);
            emit pageRead(false);
            return;
        }
        r.from = js::BrowseFrom::Time;
        r.time = t.value();
        break;
    }
    case FromNewest:
        r.from = js::BrowseFrom::Newest;
        break;
    case FromLastPerSubject:
        r.from = js::BrowseFrom::LastPerSubject;
        break;
    default:
        r.from = js::BrowseFrom::First;
    }
    m_history.clear();
    read(r);
}

void MessagesPage::read(const js::BrowseRequest& request) {
    readPage(stream(), request);
}

void MessagesPage::readPage(const QString& name, const js::BrowseRequest& request) {
    auto fail = [this](const QString& why) {
        setStatus(why, true);
        emit pageRead(false);
    };
    if (!connection() || !session())
        return fail(tr("Not connected"));
    if (Status s = js::validateName(name, tr("stream name")); !s.ok())
        return fail(name.isEmpty() ? tr("Choose a stream first") : s.message);
    if (Status s = request.validate(); !s.ok())
        return fail(s.message);
    const quint64 generation = ++m_generation;
    m_reading = true;
    updateActions();
    updateEmptyStates();
    setStatus(tr("Reading %1...").arg(name), false);
    runInBackground(
        this,
        [conn = connection(), js = session()->jetStream(), name, request] {
            return js::MessageBrowser(js).read(name, request);
        },
        [this, generation, name, request](const Result<js::BrowsePage>& page) {
            if (generation != m_generation)
                return; // another read, or another connection, came since
            m_reading = false;
            if (!page) {
                setStatus(tr("%1: %2").arg(name, page.error().toString()), true);
                updateActions();
                updateEmptyStates();
                emit pageRead(false);
                return;
            }
            if (m_stream != name)
                m_history.clear();
            m_stream = name;
            m_request = request;
            m_page = page.value();
            ++m_pagesRead;
            m_model->setMessages(m_page.messages);
            if (m_view->selectionModel()->selectedRows().isEmpty()) {
                if (m_model->rowCount() > 0)
                    m_view->selectRow(0);
                else
                    m_viewer->clear(tr("No message on this page"));
            }
            QString text;
            if (m_page.messages.isEmpty()) {
                text = m_page.total == 0 ? tr("Stream %1 is empty").arg(name)
                                         : tr("No message of %1 here (%2 stored, sequences %3..%4)")
                                               .arg(name, format::count(m_page.total))
                                               .arg(m_page.firstSeq)
                                               .arg(m_page.lastSeq);
            } else {
                const quint64 lo = m_page.messages.first().seq;
                const quint64 hi = m_page.messages.last().seq;
                text = tr("%1: %2 message(s), sequences %3..%4 of %5..%6 (%7 stored)")
                           .arg(name)
                           .arg(m_page.messages.size())
                           .arg(lo)
                           .arg(hi)
                           .arg(m_page.firstSeq)
                           .arg(m_page.lastSeq)
                           .arg(format::count(m_page.total));
                if (request.from == js::BrowseFrom::LastPerSubject)
                    text = tr("%1: the last message of %2 subject(s) of %3 (from %4)")
                               .arg(name)
                               .arg(m_page.messages.size())
                               .arg(m_page.subjects)
                               .arg(request.offset + 1);
            }
            if (!request.subject.isEmpty())
                text += tr("; subject %1").arg(request.subject);
            if (m_page.scanCapped)
                text += tr("; stopped after reading back %1 messages: start by time or "
                           "sequence to go further")
                            .arg(js::MessageBrowser::kNewestScanLimit);
            text += tr(" · %n request(s)", nullptr, m_page.requests) +
                    (m_page.direct ? tr(" (DIRECT.GET: any replica answers)") : QString());
            setStatus(text, false);
            updateEmptyStates();
            updateActions();
            emit pageRead(true);
        });
}

void MessagesPage::refresh() {
    if (m_stream.isEmpty() || m_reading)
        return;
    readPage(m_stream, m_request);
}

bool MessagesPage::hasNext() const {
    return !m_stream.isEmpty() && m_page.more && m_page.next > 0;
}

void MessagesPage::readNext() {
    if (!hasNext() || m_reading)
        return;
    js::BrowseRequest next = m_request;
    if (m_request.from == js::BrowseFrom::LastPerSubject) {
        next.offset = int(m_page.next);
    } else {
        next.from = js::BrowseFrom::Sequence;
        next.seq = m_page.next;
    }
    m_history.append(m_request);
    readPage(m_stream, next);
}

void MessagesPage::readPrevious() {
    if (m_history.isEmpty() || m_reading)
        return;
    readPage(m_stream, m_history.takeLast());
}

QList<quint64> MessagesPage::selectedSequences() const {
    QList<quint64> out;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
        if (const js::StoredMessage* m = m_model->rowAt(i.row()))
            out << m->seq;
    std::sort(out.begin(), out.end());
    return out;
}

const js::StoredMessage* MessagesPage::messageAt(quint64 seq) const {
    return m_model->rowAt(m_model->rowOfSequence(seq));
}

void MessagesPage::showSelected() {
    const QList<quint64> s = selectedSequences();
    if (s.size() != 1) {
        m_viewer->clear(s.isEmpty() ? tr("Select a message")
                                    : tr("%n messages selected", nullptr, int(s.size())));
        return;
    }
    const js::StoredMessage* m = messageAt(s.first());
    if (!m)
        return;
    m_viewer->show(m->subject, m->headers, m->data,
                   {{tr("Stream"), m_stream},
                    {tr("Sequence"), QString::number(m->seq)},
                    {tr("Stored"), m->time.toUTC().toString(Qt::ISODateWithMs)},
                    {tr("Size"), format::bytes(m->data.size())}});
}

void MessagesPage::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText,
               error ? roleColor(ColorRole::Bad) : palette().color(QPalette::WindowText));
    m_status->setPalette(p);
}

QString MessagesPage::statusText() const {
    return m_status->text();
}

void MessagesPage::updateActions() {
    const QList<quint64> s = selectedSequences();
    const bool one = s.size() == 1 && !m_reading;
    m_deleteButton->setEnabled(one && connection());
    m_copyButton->setEnabled(one);
    m_publishButton->setEnabled(one && connection());
    m_exportButton->setEnabled(m_model->rowCount() > 0);
    m_nextButton->setEnabled(hasNext() && !m_reading);
    m_previousButton->setEnabled(hasPrevious() && !m_reading);
    m_readButton->setEnabled(connection() != nullptr);
}

void MessagesPage::contextMenu(const QPoint& pos) {
    const QModelIndex idx = m_view->indexAt(pos);
    if (!idx.isValid())
        return;
    if (!m_view->selectionModel()->isRowSelected(idx.row(), {}))
        m_view->selectRow(idx.row());
    const js::StoredMessage* m = m_model->rowAt(idx.row());
    if (!m)
        return;
    const quint64 seq = m->seq;
    QMenu menu(this);
    menu.addAction(tr("Copy as jetdeck-cli stream get"), this, [this, seq] {
        QApplication::clipboard()->setText(getCommand(seq));
        setStatus(tr("Copied: %1").arg(getCommand(seq)), false);
    });
    QAction* pub = menu.addAction(tr("Copy as jetdeck-cli pub"), this, [this, seq] {
        QApplication::clipboard()->setText(pubCommand(seq));
        setStatus(tr("Copied a pub command for message %1").arg(seq), false);
    });
    pub->setEnabled(!pubCommand(seq).isEmpty());
    if (!pub->isEnabled())
        pub->setText(tr("Copy as jetdeck-cli pub (binary payload: not on a command line)"));
    menu.addAction(tr("Publish a copy..."), this, [this, seq] { askPublishCopy(seq); });
    menu.addAction(tr("Export selection..."), this, &MessagesPage::askExport);
    menu.addSeparator();
    menu.addAction(tr("Delete message %1...").arg(seq), this, [this, seq] { deleteMessage(seq); });
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

void MessagesPage::deleteMessage(quint64 seq, bool confirmed) {
    const js::StoredMessage* m = messageAt(seq);
    if (!connection() || !session() || m_stream.isEmpty())
        return;
    const QString stream = m_stream;
    const QString subject = m ? m->subject : QString();
    if (!confirmed &&
        !Confirm::destructive(this, tr("Delete message"),
                              tr("Delete message %1 (subject %2) from stream %3?\n\nThe stream "
                                 "loses it for every consumer; this cannot be undone.")
                                  .arg(seq)
                                  .arg(subject, stream)))
        return;
    setStatus(tr("Deleting message %1 from %2...").arg(seq).arg(stream), false);
    runInBackground(
        this,
        [conn = connection(), js = session()->jetStream(), stream, seq] {
            return js.deleteMessage(stream, seq);
        },
        [this, stream, seq](const Status& s) {
            const QString msg =
                s.ok() ? tr("Deleted message %1 from %2").arg(seq).arg(stream)
                       : tr("Message %1 of %2 not deleted: %3").arg(seq).arg(stream, s.toString());
            setStatus(msg, !s.ok());
            emit actionFinished(s.ok(), msg);
            if (s.ok() && stream == m_stream) {
                // Read the page again; the status line says what was done until it comes.
                connect(
                    this, &MessagesPage::pageRead, this,
                    [this, msg](bool) {
                        setStatus(msg + QStringLiteral(" · ") + statusText(), false);
                    },
                    Qt::SingleShotConnection);
                refresh();
            }
        });
}

QString MessagesPage::serverArgument() const {
    if (!connection())
        return {};
    QStringList urls;
    // The configured servers without credentials: a command on the clipboard carries no secret.
    for (const ServerUrl& u : connection()->connection()->options().servers)
        urls << (u.tls ? QStringLiteral("tls://") : QStringLiteral("nats://")) + u.hostPort();
    return urls.isEmpty() ? QString()
                          : QStringLiteral("-s %1 ").arg(shellQuote(urls.join(QLatin1Char(','))));
}

QString MessagesPage::getCommand(quint64 seq) const {
    return QStringLiteral("jetdeck-cli %1stream get %2 --seq %3")
        .arg(serverArgument(), shellQuote(m_stream))
        .arg(seq);
}

QString MessagesPage::pubCommand(quint64 seq) const {
    const js::StoredMessage* m = messageAt(seq);
    if (!m || !isCommandLineText(m->data))
        return {};
    QString cmd =
        QStringLiteral("jetdeck-cli %1pub %2").arg(serverArgument(), shellQuote(m->subject));
    for (const auto& e : m->headers.entries()) {
        // The stream's own headers (Nats-Msg-Id aside, a copy must not be a duplicate) stay.
        if (e.first.startsWith("Nats-Msg-Id"))
            continue;
        cmd += QStringLiteral(" --header %1")
                   .arg(shellQuote(QString::fromUtf8(e.first + ':' + e.second)));
    }
    cmd += QLatin1Char(' ') + shellQuote(QString::fromUtf8(m->data));
    return cmd;
}

void MessagesPage::publishCopy(quint64 seq, const QString& subjectText, const QByteArray& payload,
                               bool withHeaders) {
    const js::StoredMessage* m = messageAt(seq);
    const QByteArray subj = subjectText.trimmed().toUtf8();
    auto done = [this](bool ok, const QString& msg) {
        setStatus(msg, !ok);
        emit actionFinished(ok, msg);
    };
    if (!m || !connection())
        return done(false, tr("No message %1 on this page").arg(seq));
    if (Status s = subject::validatePublish(subj); !s.ok())
        return done(false, tr("Subject: %1").arg(s.message));
    Headers headers;
    if (withHeaders)
        for (const auto& e : m->headers.entries())
            if (!e.first.startsWith("Nats-Msg-Id")) // a copy is not a duplicate of the original
                headers.append(e.first, e.second);
    const qint64 maxPayload = connection()->connection()->serverInfo().maxPayload;
    if (maxPayload > 0 && payload.size() > maxPayload)
        return done(false, tr("%1 is larger than the server's max_payload of %2")
                               .arg(format::bytes(payload.size()), format::bytes(maxPayload)));
    setStatus(tr("Publishing a copy of %1 to %2...").arg(seq).arg(subjectText), false);
    runInBackground(
        this,
        [conn = connection(), subj, headers, payload]() -> Status {
            Connection* c = conn->connection();
            Status s =
                headers.isEmpty() ? c->publish(subj, payload) : c->publish(subj, headers, payload);
            if (!s.ok())
                return s;
            return c->flushSync(5000); // the server has it once it answers the PING
        },
        [done, seq, subjectText, size = payload.size()](const Status& s) {
            done(s.ok(),
                 s.ok() ? tr("Published a copy of %1 to %2 (%3); the server has it")
                              .arg(seq)
                              .arg(subjectText, format::bytes(size))
                        : tr("The copy of %1 was not published: %2").arg(seq).arg(s.toString()));
        });
}

void MessagesPage::askPublishCopy(quint64 seq) {
    const js::StoredMessage* m = messageAt(seq);
    if (!m)
        return;
    QDialog dlg(this);
    dlg.setWindowTitle(tr("Publish a copy of message %1").arg(seq));
    auto* form = new QFormLayout(&dlg);
    auto* subjectEdit = new QLineEdit(m->subject, &dlg);
    auto* body = new QPlainTextEdit(&dlg);
    const bool text = isCommandLineText(m->data);
    body->setPlainText(text ? QString::fromUtf8(m->data) : QString());
    body->setReadOnly(!text);
    if (!text)
        body->setPlaceholderText(
            tr("Binary payload (%1): published as stored").arg(format::bytes(m->data.size())));
    auto* withHeaders = new QCheckBox(
        tr("With its %n header(s) (not Nats-Msg-Id)", nullptr, int(m->headers.entries().size())),
        &dlg);
    withHeaders->setChecked(true);
    auto* note = new QLabel(tr("A subject a stream listens on stores the copy as a new "
                               "message."),
                            &dlg);
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Publish"));
    form->addRow(tr("Subject"), subjectEdit);
    form->addRow(tr("Payload"), body);
    form->addRow(QString(), withHeaders);
    form->addRow(note);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, [&] {
        if (Status s = subject::validatePublish(subjectEdit->text().trimmed().toUtf8()); !s.ok()) {
            note->setText(tr("Subject: %1").arg(s.message));
            return;
        }
        dlg.accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    dlg.resize(560, 360);
    if (dlg.exec() != QDialog::Accepted)
        return;
    publishCopy(seq, subjectEdit->text(), text ? body->toPlainText().toUtf8() : m->data,
                withHeaders->isChecked());
}

Status MessagesPage::exportSelection(const QString& path) const {
    QList<quint64> seqs = selectedSequences();
    if (seqs.isEmpty())
        for (int r = 0; r < m_model->rowCount(); ++r)
            seqs << m_model->rowAt(r)->seq;
    if (seqs.isEmpty())
        return Error{ErrorKind::InvalidArgument, tr("nothing to export: read a page first")};
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return Error{ErrorKind::Io, tr("cannot write %1: %2").arg(path, f.errorString())};
    for (quint64 seq : std::as_const(seqs))
        if (const js::StoredMessage* m = messageAt(seq)) {
            const std::string line = js::messageRecord(m_stream, *m).dump();
            f.write(line.data(), qint64(line.size()));
            f.write("\n", 1);
        }
    if (!f.commit())
        return Error{ErrorKind::Io, tr("cannot write %1: %2").arg(path, f.errorString())};
    return {};
}

void MessagesPage::askExport() {
    if (m_model->rowCount() == 0)
        return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export messages"), QStringLiteral("%1-messages.jsonl").arg(m_stream),
        tr("JSON lines (*.jsonl *.json)"));
    if (path.isEmpty())
        return;
    const int n =
        selectedSequences().isEmpty() ? m_model->rowCount() : int(selectedSequences().size());
    const Status s = exportSelection(path);
    const QString msg =
        s.ok() ? tr("Exported %n message(s) to %1", nullptr, n).arg(path) : s.message;
    setStatus(msg, !s.ok());
    emit actionFinished(s.ok(), msg);
}

} // namespace jetdeck
