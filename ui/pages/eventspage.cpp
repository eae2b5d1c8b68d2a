#include "eventspage.h"

#include "core/protocol/json.h"
#include "ui/models/systemeventmodel.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 1000;
/// The kind combo's data for "every kind" and "warnings and errors".
constexpr int kAllKinds = -1;
constexpr int kWarnings = -2;
} // namespace

EventsPage::EventsPage(QWidget* parent)
    : SessionPage(parent)
    , m_model(new SystemEventModel(5000, this))
    , m_filter(new SystemEventFilter(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("<b>Events</b> — what the servers announce, as it happens"), this));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("eventsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto* bar = new QHBoxLayout;
    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("eventsFilter"));
    m_text->setPlaceholderText(tr("Filter: stream, consumer, server, client or words"));
    m_text->setClearButtonEnabled(true);
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("eventsKind"));
    m_kind->addItem(tr("Every kind"), kAllKinds);
    m_kind->addItem(tr("Warnings and errors"), kWarnings);
    for (int k = 0; k < sys::kEventKindCount; ++k)
        m_kind->addItem(sys::eventKindName(sys::EventKind(k)), k);
    auto* exportButton = new QPushButton(tr("E&xport..."), this);
    exportButton->setObjectName(QStringLiteral("exportEvents"));
    exportButton->setToolTip(
        tr("The events shown, as JSON lines (the server's own event in each)"));
    auto* clearButton = new QPushButton(tr("&Clear"), this);
    clearButton->setObjectName(QStringLiteral("clearEvents"));
    bar->addWidget(m_text, 1);
    bar->addWidget(m_kind);
    bar->addWidget(exportButton);
    bar->addWidget(clearButton);
    layout->addLayout(bar);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(SystemEventModel::SortRole);
    m_view = new QTableView(split);
    m_view->setObjectName(QStringLiteral("events"));
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SystemEventModel::TimeColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(SystemEventModel::TimeColumn, 100);
    m_view->setColumnWidth(SystemEventModel::SeverityColumn, 70);
    m_view->setColumnWidth(SystemEventModel::KindColumn, 170);
    m_view->setColumnWidth(SystemEventModel::WhereColumn, 170);
    split->addWidget(m_view);
    m_detail = new QPlainTextEdit(split);
    m_detail->setObjectName(QStringLiteral("eventDetail"));
    m_detail->setReadOnly(true);
    m_detail->setPlaceholderText(tr("Choose an event to see it as the server sent it."));
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_text, &QLineEdit::textChanged, m_filter, &SystemEventFilter::setText);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &EventsPage::applyKindChoice);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EventsPage::showDetail);
    connect(clearButton, &QPushButton::clicked, this, [this] {
        m_model->clear();
        m_detail->clear();
        refresh();
    });
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export events"), QStringLiteral("jetdeck-events.jsonl"),
            tr("JSON lines (*.jsonl *.json);;All files (*)"));
        if (path.isEmpty())
            return;
        if (Status s = exportJsonLines(path); !s.ok())
            m_status->setText(s.toString());
    });
    // The newest event stays in view unless the user scrolled up to read older ones.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        auto* sb = m_view->verticalScrollBar();
        if (sb->value() >= sb->maximum() - 2)
            m_view->scrollToBottom();
        if (isShown())
            refresh();
    });
    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        return tr("No events yet. The servers' own events (connections, leaders elected, "
                  "quorum lost, slow consumers...) and JetStream advisories show here as they "
                  "happen; the servers' events need the system account.");
    });
    setRefreshInterval(kRefreshMs);
    refresh();
}

void EventsPage::attached() {
    // Hidden or shown, the page keeps what arrives: it is the history.
    connect(session(), &Session::systemEventsArrived, m_model, &SystemEventModel::append);
}

void EventsPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    // The events of the previous connection stay (they happened); new ones follow.
    Q_UNUSED(connection);
    refresh();
}

void EventsPage::applyKindChoice() {
    const int choice = m_kind->currentData().toInt();
    m_filter->setWarningsOnly(choice == kWarnings);
    m_filter->setKind(choice >= 0 ? std::optional<sys::EventKind>(sys::EventKind(choice))
                                  : std::nullopt);
    refresh();
}

void EventsPage::showDetail() {
    const QModelIndex current = m_filter->mapToSource(m_view->currentIndex());
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const sys::SystemEvent& e = m_model->eventAt(current.row());
    const nlohmann::json j = json::parse(e.payload);
    m_detail->setPlainText(
        tr("%1 on %2\n%3\n\n")
            .arg(e.type, QString::fromUtf8(e.subject),
                 e.client.isEmpty() ? e.summary : e.summary + tr("\nclient: ") + e.client) +
        (j.is_discarded() ? QString::fromUtf8(e.payload)
                          : QString::fromStdString(json::dump(j, 2))));
}

QString EventsPage::detailText() const {
    return m_detail->toPlainText();
}

QString EventsPage::statusText() const {
    return m_status->text();
}

Status EventsPage::exportJsonLines(const QString& path) const {
    QList<int> rows;
    for (int r = 0; r < m_filter->rowCount(); ++r)
        rows.append(m_filter->mapToSource(m_filter->index(r, 0)).row());
    const QByteArray lines = m_model->toJsonLines(rows);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(lines) != lines.size())
        return Error{ErrorKind::Io,
                     tr("cannot write the events to %1: %2").arg(path, f.errorString())};
    return {};
}

void EventsPage::refresh() {
    const sys::EventWatcher* w = session() ? session()->eventWatcher() : nullptr;
    if (!w) {
        m_status->setText(tr("Not connected. Events are listened to from the moment a connection "
                             "opens; what arrived before stays here."));
        return;
    }
    const sys::EventWatcher::Counts n = w->counts();
    QString text;
    if (m_model->rowCount() == 0)
        text = tr("No events yet. JetStream announces here, as they happen: messages that reached "
                  "MaxDeliver or were terminated by any worker, streams and consumers created, "
                  "changed or deleted, leader elections, lost quorums and API errors. Client "
                  "connects, disconnects and failed logins come too when the user is in the "
                  "system account.");
    else
        text = tr("%1 of %2 event(s) shown").arg(m_filter->rowCount()).arg(m_model->rowCount());
    QStringList notes;
    if (n.ignored > 0)
        notes << tr("%1 successful API request(s) left out").arg(n.ignored);
    if (n.malformed > 0)
        notes << tr("%1 unreadable (the last: %2)")
                     .arg(n.malformed)
                     .arg(w->lastMalformed().toString());
    if (n.dropped > 0)
        notes << tr("%1 dropped in a storm").arg(n.dropped);
    if (m_model->trimmed() > 0)
        notes << tr("%1 older one(s) let go (the newest %2 are kept)")
                     .arg(m_model->trimmed())
                     .arg(m_model->capacity());
    if (!notes.isEmpty())
        text += QStringLiteral(" · ") + notes.join(QStringLiteral(" · "));
    m_status->setText(text);
}

} // namespace jetdeck
