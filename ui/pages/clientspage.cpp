#include "clientspage.h"

#include "ui/models/clienttablemodel.h"
#include "ui/models/sortproxy.h"
#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 500;
} // namespace

ClientsPage::ClientsPage(QWidget* parent)
    : SessionPage(parent)
    , m_model(new ClientTableModel(this))
    , m_proxy(new SortProxy(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        tr("<b>Clients</b> — every client connection of the cluster, like <i>nats top</i>"), this));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("clientsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("clientsFilter"));
    m_filter->setPlaceholderText(tr("Filter: name, server, account, address or library"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ClientTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_view = new QTableView(split);
    m_view->setObjectName(QStringLiteral("clients"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ClientTableModel::OutMsgsColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    split->addWidget(m_view);

    auto* lower = new QWidget(split);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    m_subsTitle = new QLabel(tr("Choose a connection to see its subscriptions."), lower);
    m_subsTitle->setObjectName(QStringLiteral("subscriptionsTitle"));
    m_subsTitle->setWordWrap(true);
    lowerLayout->addWidget(m_subsTitle);
    m_subs = new QTableWidget(0, 3, lower);
    m_subs->setObjectName(QStringLiteral("subscriptions"));
    m_subs->setHorizontalHeaderLabels({tr("Subject"), tr("Queue group"), tr("Messages")});
    m_subs->verticalHeader()->hide();
    m_subs->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_subs->setSortingEnabled(true);
    m_subs->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_subs->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_subs->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    lowerLayout->addWidget(m_subs);
    split->addWidget(lower);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { onSelection(); });
    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        return tr("No clients yet: every server's connections come through the system "
                  "account (or --monitor) every few seconds; the line above says what is "
                  "missing, if anything.");
    });
    addEmptyState(m_subs, [this] {
        return connection() ? tr("Select a client to see its subscriptions.") : notConnectedText();
    });
    setRefreshInterval(kRefreshMs);
    refresh();
}

ClientsPage::~ClientsPage() = default;

void ClientsPage::attached() {
    connect(session(), &Session::clientMonitorChanged, this, [this] {
        if (isShown())
            refresh();
    });
}

void ClientsPage::showEvent(QShowEvent* event) {
    // The cluster is asked for its connections only while somebody looks at them.
    if (session())
        session()->watchClients(true);
    SessionPage::showEvent(event);
}

void ClientsPage::hideEvent(QHideEvent* event) {
    if (session())
        session()->watchClients(false);
    SessionPage::hideEvent(event);
}

QString ClientsPage::statusText() const {
    return m_status->text();
}

QString ClientsPage::subscriptionsText() const {
    return m_subsTitle->text();
}

void ClientsPage::refresh() {
    sys::ClientMonitor* mon = session() ? session()->clientMonitor() : nullptr;
    if (mon != m_shownMonitor) {
        m_shownMonitor = mon;
        m_shownRound = 0;
        m_model->update({});
    }
    if (!connection() || !mon) {
        m_status->setText(tr("Not connected: connect to a server of the cluster (with a user of "
                             "its system account) to see every client connection."));
        m_status->setStyleSheet(QString());
        return;
    }
    if (mon->rounds() != m_shownRound) {
        m_shownRound = mon->rounds();
        m_model->update(mon->clients());
    }
    const RequestBudget* budget = session()->budget();
    switch (mon->access()) {
    case sys::Access::NoSystemUser:
        m_status->setText(session()->systemAccessHint());
        m_status->setStyleSheet(textStyle(ColorRole::Warning));
        return;
    case sys::Access::NotConnected:
        m_status->setText(
            tr("Waiting for the connection; the connections below are as last listed."));
        m_status->setStyleSheet(textStyle(ColorRole::Busy));
        return;
    case sys::Access::Unknown:
        m_status->setText(tr("Asking the servers for their connections..."));
        m_status->setStyleSheet(QString());
        return;
    case sys::Access::System:
    case sys::Access::MonitorPorts:
        break;
    }
    QStringList truncated;
    int total = 0;
    for (const sys::ServerConnections& s : mon->servers()) {
        total += s.total;
        if (s.listed < s.total)
            truncated << tr("%1 lists %2 of %3 (the first by connection id)")
                             .arg(s.server, format::count(quint64(s.listed)),
                                  format::count(quint64(s.total)));
    }
    const qint64 age =
        mon->lastRound().isValid() ? mon->lastRound().msecsTo(QDateTime::currentDateTime()) : -1;
    QString text = tr("%1 connection(s) on %2 server(s)%3 · data %4 old · one CONNZ round every "
                      "%5 while this page is shown, paid from a budget of %6 requests/s%7")
                       .arg(format::count(quint64(total)))
                       .arg(mon->servers().size())
                       .arg(m_proxy->rowCount() != m_model->rowCount()
                                ? tr(" (%1 shown)").arg(m_proxy->rowCount())
                                : QString())
                       .arg(age < 0 ? QStringLiteral("–") : format::duration(age))
                       .arg(format::duration(mon->intervalMs()))
                       .arg(budget->perSecond(), 0, 'f', 0)
                       .arg(mon->roundsDelayed() > 0
                                ? tr(" (%1 round(s) waited for it)").arg(mon->roundsDelayed())
                                : QString());
    if (mon->accountOnly())
        text = tr("Only this account's connections (the user is not in the system account; a "
                  "user of the system account sees every connection of the cluster): ") +
               text;
    if (mon->access() == sys::Access::MonitorPorts)
        text += tr(" · from each server's /connz on its monitoring port (the user is not in the "
                   "system account)");
    if (!truncated.isEmpty())
        text += QStringLiteral(" · ") + truncated.join(QStringLiteral("; "));
    if (!mon->problems().isEmpty())
        text += QStringLiteral(" · ") +
                tr("left out: %1").arg(mon->problems().join(QStringLiteral("; ")));
    m_status->setText(text);
    m_status->setStyleSheet(!truncated.isEmpty() || !mon->problems().isEmpty()
                                ? textStyle(ColorRole::Warning)
                                : QString());
}

void ClientsPage::onSelection() {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    sys::ClientMonitor* mon = session() ? session()->clientMonitor() : nullptr;
    const sys::ClientRow* row =
        rows.isEmpty() ? nullptr : m_model->rowAt(m_proxy->mapToSource(rows.first()).row());
    if (!row || !mon) {
        m_subsKey.clear();
        m_subsContext.reset();
        m_subs->setRowCount(0);
        m_subsTitle->setText(tr("Choose a connection to see its subscriptions."));
        return;
    }
    if (row->key() == m_subsKey)
        return;
    m_subsKey = row->key();
    const QString who = tr("%1 (connection %2 on %3)")
                            .arg(row->conn.name.isEmpty() ? tr("unnamed") : row->conn.name)
                            .arg(row->conn.cid)
                            .arg(row->server);
    m_subsTitle->setText(tr("Asking %1 for the subscriptions of %2...").arg(row->server, who));
    m_subsTitle->setStyleSheet(QString());
    m_subsContext = std::make_unique<QObject>();
    mon->requestSubscriptions(
        row->serverId, row->conn.cid, m_subsContext.get(),
        [this, who](const Result<sys::ClientConn>& c) {
            m_subs->setSortingEnabled(false);
            m_subs->setRowCount(0);
            if (!c) {
                m_subsTitle->setText(tr("Subscriptions of %1: %2").arg(who, c.error().message));
                m_subsTitle->setStyleSheet(textStyle(ColorRole::Bad));
                return;
            }
            const auto& subs = c->subscriptionsDetail;
            m_subs->setRowCount(int(subs.size()));
            for (int i = 0; i < subs.size(); ++i) {
                m_subs->setItem(i, 0, new QTableWidgetItem(subs[i].subject));
                m_subs->setItem(i, 1, new QTableWidgetItem(subs[i].queue));
                auto* msgs = new QTableWidgetItem;
                msgs->setData(Qt::DisplayRole, qulonglong(subs[i].msgs));
                msgs->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                m_subs->setItem(i, 2, msgs);
            }
            m_subs->setSortingEnabled(true);
            m_subsTitle->setText(
                tr("%1 subscription(s) of %2, with the messages each received, "
                   "as of %3")
                    .arg(subs.size())
                    .arg(who, QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
        });
}

} // namespace jetdeck
