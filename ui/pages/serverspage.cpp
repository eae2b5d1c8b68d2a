#include "serverspage.h"

#include "core/client/connection.h"
#include "ui/models/servertablemodel.h"
#include "ui/models/sortproxy.h"
#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"
#include "ui/widgets/timechart.h"

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 500;
constexpr int kChartWindowS = 180;
constexpr qint64 kLinksEveryMs = 5000;
} // namespace

ServersPage::ServersPage(QWidget* parent)
    : SessionPage(parent)
    , m_model(new ServerTableModel(this))
    , m_proxy(new SortProxy(this)) {
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(tr("<b>Servers</b> — every server of the cluster, through the system "
                            "account"),
                         this);
    layout->addWidget(m_title);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("systemStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ServerTableModel::SortRole);
    m_view = new QTableView(split);
    m_view->setObjectName(QStringLiteral("servers"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ServerTableModel::NameColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    split->addWidget(m_view);

    auto* lower = new QWidget(split);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    m_meta = new QLabel(lower);
    m_meta->setObjectName(QStringLiteral("metaGroup"));
    m_meta->setWordWrap(true);
    lowerLayout->addWidget(m_meta);
    auto* charts = new QHBoxLayout;
    m_rateChart =
        charts::makeTimeChart(tr("Messages per second"), kChartWindowS, &m_rateX, &m_rateY);
    m_in = charts::addLine(m_rateChart, m_rateX, m_rateY, tr("in"),
                           chartColor(ChartColor::MessagesIn));
    m_out = charts::addLine(m_rateChart, m_rateX, m_rateY, tr("out"),
                            chartColor(ChartColor::MessagesOut));
    m_connChart = charts::makeTimeChart(tr("Connections"), kChartWindowS, &m_connX, &m_connY);
    m_conns = charts::addLine(m_connChart, m_connX, m_connY, tr("connections"),
                              chartColor(ChartColor::Rtt));
    m_slow = charts::addLine(m_connChart, m_connX, m_connY, tr("slow consumers"),
                             chartColor(ChartColor::AfterNak));
    for (QChart* c : {m_rateChart, m_connChart}) {
        auto* view = new QChartView(c, lower);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(200);
        charts->addWidget(view);
    }
    lowerLayout->addLayout(charts);
    m_linksTitle = new QLabel(lower);
    m_linksTitle->setObjectName(QStringLiteral("linksTitle"));
    m_linksTitle->setWordWrap(true);
    lowerLayout->addWidget(m_linksTitle);
    m_linkTable = new QTableWidget(0, 9, lower);
    m_linkTable->setObjectName(QStringLiteral("links"));
    m_linkTable->setHorizontalHeaderLabels({tr("Link"), tr("To"), tr("Address"), tr("RTT"),
                                            tr("Pending"), tr("Msgs in / out"),
                                            tr("Bytes in / out"), tr("Subscriptions"), tr("Up")});
    m_linkTable->verticalHeader()->hide();
    m_linkTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_linkTable->setSelectionMode(QAbstractItemView::NoSelection);
    m_linkTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_linkTable->horizontalHeader()->setStretchLastSection(true);
    m_linkTable->setMinimumHeight(110);
    lowerLayout->addWidget(m_linkTable);
    split->addWidget(lower);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateCharts();
        updateLinks();
    });
    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        return tr("No servers yet: they answer through the system account (or the monitoring "
                  "ports given with --monitor) every few seconds. The line above says what is "
                  "missing, if anything.");
    });
    addEmptyState(m_linkTable, [this] {
        return connection() ? tr("The selected server's routes, gateways and leaf nodes show "
                                 "here; a single server has none.")
                            : notConnectedText();
    });
    setRefreshInterval(kRefreshMs);
    refresh();
}

void ServersPage::attached() {
    connect(session(), &Session::systemMonitorChanged, this, [this] {
        if (isShown())
            refresh();
    });
}

void ServersPage::showEvent(QShowEvent* event) {
    // Watching starts when somebody looks, and goes on from then (charts without gaps).
    if (session())
        session()->watchSystem();
    SessionPage::showEvent(event);
}

QString ServersPage::statusText() const {
    return m_status->text();
}

QString ServersPage::metaText() const {
    return m_meta->text();
}

QString ServersPage::linksText() const {
    return m_linksTitle->text();
}

void ServersPage::updateLinks() {
    sys::SystemMonitor* mon = session() ? session()->systemMonitor() : nullptr;
    const QString name = chosenServer();
    if (!mon || !mon->seesServers() || name.isEmpty()) {
        m_linksTitle->clear();
        m_linkTable->setRowCount(0);
        return;
    }
    if (name != m_linksOf) {
        // Another server: what was asked for the previous one is dropped with its context.
        delete m_linksContext;
        m_linksContext = nullptr;
        m_linksInFlight = false;
        m_linksOf = name;
        m_links.clear();
        m_linksError.clear();
        m_linksAskedMs = 0;
        showLinks();
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_linksInFlight || (m_linksAskedMs > 0 && now - m_linksAskedMs < kLinksEveryMs))
        return;
    QString id;
    for (const sys::ServerRow& r : mon->servers())
        if (sys::serverKey(r.id) == name && r.answering)
            id = r.id.id;
    if (id.isEmpty())
        return; // not answering: its links cannot be asked for
    if (!m_linksContext)
        m_linksContext = new QObject(this);
    const bool asked =
        mon->requestLinks(id, m_linksContext, [this](const Result<QList<sys::ServerLink>>& links) {
            m_linksInFlight = false;
            if (links) {
                m_links = links.value();
                m_linksError.clear();
            } else {
                m_linksError = links.error().message;
            }
            showLinks();
        });
    if (asked) {
        m_linksInFlight = true;
        m_linksAskedMs = now;
        if (m_links.isEmpty() && m_linksError.isEmpty())
            showLinks(); // "asking it..."
    }
}

void ServersPage::showLinks() {
    sys::SystemMonitor* mon = session() ? session()->systemMonitor() : nullptr;
    // Routes name the remote server by id: shown by name where the monitor knows it.
    QHash<QString, QString> nameOf;
    if (mon)
        for (const sys::ServerRow& r : mon->servers())
            nameOf.insert(r.id.id, sys::serverKey(r.id));
    int routes = 0, gateways = 0, leafs = 0;
    m_linkTable->setRowCount(int(m_links.size()));
    for (int i = 0; i < int(m_links.size()); ++i) {
        const sys::ServerLink& l = m_links[i];
        switch (l.kind) {
        case sys::ServerLink::Kind::Route:
            ++routes;
            break;
        case sys::ServerLink::Kind::GatewayOut:
        case sys::ServerLink::Kind::GatewayIn:
            ++gateways;
            break;
        case sys::ServerLink::Kind::Leaf:
            ++leafs;
            break;
        }
        const QString to = l.kind == sys::ServerLink::Kind::Route ? nameOf.value(l.remote, l.remote)
                           : l.kind == sys::ServerLink::Kind::Leaf ? tr("account %1").arg(l.remote)
                                                                   : tr("cluster %1").arg(l.remote);
        const QStringList cells{
            sys::linkKindName(l.kind) + (l.configured ? tr(" (configured)") : QString()),
            to,
            l.address,
            l.rtt,
            format::bytes(l.pendingBytes),
            QStringLiteral("%1 / %2").arg(format::count(l.inMsgs), format::count(l.outMsgs)),
            QStringLiteral("%1 / %2").arg(format::bytes(qint64(l.inBytes)),
                                          format::bytes(qint64(l.outBytes))),
            QString::number(l.subscriptions),
            l.uptime};
        for (int c = 0; c < int(cells.size()); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c == 4 && l.pendingBytes > 0)
                item->setForeground(roleColor(ColorRole::Warning));
            m_linkTable->setItem(i, c, item);
        }
    }
    if (m_linksOf.isEmpty()) {
        m_linksTitle->clear();
        return;
    }
    QString title = tr("Links of %1: %n route(s), ", nullptr, routes).arg(m_linksOf) +
                    tr("%n gateway connection(s), ", nullptr, gateways) +
                    tr("%n leaf node(s)", nullptr, leafs);
    if (m_links.isEmpty() && m_linksError.isEmpty() && m_linksAskedMs > 0 && m_linksInFlight)
        title = tr("Links of %1: asking it...").arg(m_linksOf);
    if (!m_linksError.isEmpty())
        title += tr(" · the last request failed: %1").arg(m_linksError);
    m_linksTitle->setText(title);
    m_linksTitle->setStyleSheet(m_linksError.isEmpty() ? QString() : textStyle(ColorRole::Bad));
}

QString ServersPage::chosenServer() const {
    const QModelIndexList rows =
        m_view->selectionModel()->selectedRows(ServerTableModel::NameColumn);
    if (!rows.isEmpty())
        return rows.first().data().toString();
    return m_proxy->rowCount() > 0
               ? m_proxy->index(0, ServerTableModel::NameColumn).data().toString()
               : QString();
}

void ServersPage::refresh() {
    sys::SystemMonitor* mon = session() ? session()->systemMonitor() : nullptr;
    if (!connection() || !mon) {
        m_model->update({}, {});
        m_status->setText(connection() ? tr("Starting to watch the servers...")
                                       : tr("Not connected: connect to a server of the cluster "
                                            "(with a user of its system account) to see every "
                                            "server."));
        m_status->setStyleSheet(QString());
        m_meta->clear();
        updateCharts();
        return;
    }
    const QList<sys::ServerRow> rows = mon->servers();
    m_model->update(rows, mon->lastRound());
    const RequestBudget* budget = session()->budget();
    switch (mon->access()) {
    case sys::Access::NoSystemUser:
        m_status->setText(session()->systemAccessHint());
        m_status->setStyleSheet(textStyle(ColorRole::Warning));
        break;
    case sys::Access::NotConnected:
        m_status->setText(tr("Waiting for the connection; the servers below are as last seen."));
        m_status->setStyleSheet(textStyle(ColorRole::Busy));
        break;
    case sys::Access::Unknown:
        m_status->setText(tr("Asking the servers..."));
        m_status->setStyleSheet(QString());
        break;
    case sys::Access::System:
    case sys::Access::MonitorPorts: {
        int answering = 0;
        for (const sys::ServerRow& r : rows)
            answering += r.answering;
        const qint64 age = mon->lastRound().isValid()
                               ? mon->lastRound().msecsTo(QDateTime::currentDateTime())
                               : -1;
        const bool ports = mon->access() == sys::Access::MonitorPorts;
        m_title->setText(ports ? tr("<b>Servers</b> — every server of the cluster, through their "
                                    "monitoring ports")
                               : tr("<b>Servers</b> — every server of the cluster, through the "
                                    "system account"));
        const QStringList unanswered = mon->unanswered();
        QString text =
            tr("%1 of %2 server(s) answering · data %3 old · one round every %4, paid from a "
               "budget of %5 requests/s%6")
                .arg(answering)
                .arg(rows.size())
                .arg(age < 0 ? QStringLiteral("–") : format::duration(age))
                .arg(format::duration(mon->intervalMs()))
                .arg(budget->perSecond(), 0, 'f', 0)
                .arg(mon->roundsDelayed() > 0
                         ? tr(" (%1 round(s) waited for it)").arg(mon->roundsDelayed())
                         : QString());
        if (ports)
            text += tr(" · through the monitoring ports %1 (%2)")
                        .arg(mon->monitorPorts()->describe(),
                             mon->systemRefused() ? tr("the user is not in the system account")
                                                  : tr("the connection is down"));
        if (!unanswered.isEmpty())
            text += tr(" · not answering: %1").arg(unanswered.join(QStringLiteral("; ")));
        m_status->setText(text);
        m_status->setStyleSheet(answering < rows.size() || !unanswered.isEmpty()
                                    ? textStyle(ColorRole::Bad)
                                    : QString());
        break;
    }
    }
    const sys::JetStreamView& js = mon->jetStream();
    if (js.meta.name.isEmpty()) {
        m_meta->setText(js.at.isValid() ? tr("JetStream: not clustered, or not enabled.")
                                        : QString());
    } else {
        QStringList peers;
        for (const js::PeerInfo& p : js.meta.replicas)
            peers << QStringLiteral("%1 %2%3").arg(p.name,
                                                   p.offline   ? tr("OFFLINE")
                                                   : p.current ? tr("current")
                                                               : tr("behind"),
                                                   p.lag > 0 ? tr(" (lag %1)").arg(p.lag)
                                                             : QString());
        m_meta->setText(
            tr("JetStream meta group %1: leader %2 · %3 server(s)%4 · %5 stream(s), "
               "%6 consumer(s) · as of %7")
                .arg(js.meta.name, js.meta.leader.isEmpty() ? tr("NONE") : js.meta.leader)
                .arg(js.meta.clusterSize)
                .arg(peers.isEmpty() ? QString() : QStringLiteral(" · ") + peers.join(tr(", ")))
                .arg(js.assets.streams.size())
                .arg(js.assets.consumers.size())
                .arg(js.at.toString(QStringLiteral("HH:mm:ss"))));
        m_meta->setStyleSheet(js.meta.leader.isEmpty() ? textStyle(ColorRole::Bad) : QString());
    }
    updateCharts();
    updateLinks();
}

void ServersPage::updateCharts() {
    sys::SystemMonitor* mon = session() ? session()->systemMonitor() : nullptr;
    const QString name = chosenServer();
    const QList<sys::ServerPoint> points =
        mon && !name.isEmpty() ? mon->history(name) : QList<sys::ServerPoint>();
    std::deque<QPointF> in, out, conns, slow;
    for (const sys::ServerPoint& p : points) {
        const double t = double(p.atMs) / 1000.0;
        in.emplace_back(t, p.inMsgsPerSec);
        out.emplace_back(t, p.outMsgsPerSec);
        if (p.answering) {
            conns.emplace_back(t, p.connections);
            slow.emplace_back(t, double(p.slowConsumers));
        }
    }
    const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    const double maxRate =
        qMax(charts::replaceRelative(m_in, in, now), charts::replaceRelative(m_out, out, now));
    charts::setYMax(m_rateY, maxRate, 10.0);
    const double maxConns = qMax(charts::replaceRelative(m_conns, conns, now),
                                 charts::replaceRelative(m_slow, slow, now));
    charts::setYMax(m_connY, maxConns, 5.0);
    const QString suffix = name.isEmpty() ? QString() : QStringLiteral(" — %1").arg(name);
    m_rateChart->setTitle(tr("Messages per second") + suffix);
    m_connChart->setTitle(tr("Connections") + suffix);
}

} // namespace jetdeck
