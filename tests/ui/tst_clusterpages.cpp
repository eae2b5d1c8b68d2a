// The pages that watch the whole cluster (servers, clients, JetStream) against a real
// three-server cluster with a system account and an application account.
// Servers: every server on its row with the numbers its own /varz has (within one poll), the
// meta group, a killed server marked within two seconds (and in the log), its row back after a
// restart. Clients: every connection of every server as its own /connz lists it, rates from
// the server's counters, a connection's subscriptions with their message counts. JetStream:
// the meta group, each stream's and consumer's replicas, a mirror and a source that cannot
// copy; a killed follower shown on its replicas, then caught up after its restart. A user
// outside the system account is told what is needed, and sees its own account's replicas and
// limits. The models under QAbstractItemModelTester.
#include "core/jetstream/jetstream.h"
#include "core/metrics/registry.h"
#include "core/system/monitorports.h"
#include "core/system/systemmonitor.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/clienttablemodel.h"
#include "ui/models/replicatablemodel.h"
#include "ui/models/servertablemodel.h"
#include "ui/pages/clientspage.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/jetstreampage.h"
#include "ui/pages/serverspage.h"
#include "ui/pages/streamspage.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>

#include <QJsonArray>
#include <QJsonDocument>

#include <QJsonObject>
#include <QLineEdit>
#include <QSettings>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <optional>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

constexpr int kWaitMs = 20000;

QString cell(const ServerTableModel* m, const QString& server, int column) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, ServerTableModel::NameColumn).data().toString() == server)
            return m->index(r, column).data().toString();
    return {};
}

/// The first row of `m` whose `column` shows `text`; -1 when none does.
int rowWith(const QAbstractItemModel* m, int column, const QString& text) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, column).data().toString() == text)
            return r;
    return -1;
}

QString replicaCell(const ReplicaTableModel* m, const QString& stream, const QString& consumer,
                    int column) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, ReplicaTableModel::StreamColumn).data().toString() == stream &&
            m->index(r, ReplicaTableModel::ConsumerColumn).data().toString() == consumer)
            return m->index(r, column).data().toString();
    return {};
}

/// The value of the exposition's sample whose line starts with `prefix` (name and labels, up to
/// the closing brace); NaN when there is none.
double sample(const QByteArray& exposition, const QByteArray& prefix) {
    for (const QByteArray& line : exposition.split('\n'))
        if (line.startsWith(QByteArray(prefix + ' ')))
            return line.mid(prefix.size() + 1).toDouble();
    return std::nan("");
}

QJsonArray connz(quint16 monitorPort) {
    bool ok = false;
    return QJsonDocument::fromJson(httpGet(monitorPort, "/connz?auth=1&limit=1024", &ok))
        .object()
        .value(QStringLiteral("connections"))
        .toArray();
}

/// An application's connection: named, in the APP account, on one server.
std::unique_ptr<ConnectionThread> appClient(const NatsServerProcess& server, const QString& name) {
    Options o = fastOptions(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(server.port()));
    o.name = name;
    auto c = std::make_unique<ConnectionThread>(o, name);
    return c;
}

/// A server's own document from its monitoring port; an empty object when it does not answer.
QJsonObject portDoc(const NatsServerProcess& s, const QByteArray& path) {
    bool ok = false;
    return QJsonDocument::fromJson(httpGet(s.config().monitorPort, path, &ok)).object();
}

/// The servers page's row of `s` shows its connections and routes as its own /varz says,
/// within one poll.
void sameAsVarz(const ServerTableModel* model, const NatsServerProcess& s, int waitMs) {
    const QString name = s.config().name;
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(model, name, ServerTableModel::ConnectionsColumn),
        QString::number(portDoc(s, "/varz").value(QStringLiteral("connections")).toInt()), waitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(model, name, ServerTableModel::RoutesColumn),
        QString::number(portDoc(s, "/varz").value(QStringLiteral("routes")).toInt()), waitMs);
}

/// The chosen server's links on the servers page equal its own /routez: every route, to the
/// other servers by name.
void checkLinks(ServersPage* page, const std::vector<std::unique_ptr<NatsServerProcess>>& servers,
                int waitMs) {
    page->view()->selectRow(0);
    const QString chosen =
        page->view()->model()->index(0, ServerTableModel::NameColumn).data().toString();
    const NatsServerProcess* server = nullptr;
    for (const auto& s : servers)
        if (s->config().name == chosen)
            server = s.get();
    QVERIFY(server);
    bool ok = false;
    const QJsonObject routez =
        QJsonDocument::fromJson(httpGet(server->config().monitorPort, "/routez", &ok)).object();
    QVERIFY(ok);
    const int routes = routez.value(QStringLiteral("num_routes")).toInt();
    QCOMPARE(routes, int(servers.size()) - 1);
    QTRY_VERIFY2_WITH_TIMEOUT(
        page->linksText().startsWith(
            QStringLiteral("Links of %1: %2 route(s), 0 gateway connection(s), 0 leaf node(s)")
                .arg(chosen)
                .arg(routes)),
        qPrintable(page->linksText()), waitMs);
    QStringList to;
    for (int r = 0; r < page->linksTable()->rowCount(); ++r)
        to << page->linksTable()->item(r, 1)->text();
    to.sort();
    QStringList others;
    for (const auto& s : servers)
        if (s->config().name != chosen)
            others << s->config().name;
    others.sort();
    QCOMPARE(to, others);
}

} // namespace

class TestClusterPages : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyServerAsItsVarzSays();
    void everyClientAsItsServerSays();
    void replicasAcrossTheCluster();
    void outsideTheSystemAccount();
    void systemAccountUserBeside();
    void throughTheMonitoringPorts();
    void portsWhileTheConnectionIsDown();

private:
    std::vector<std::unique_ptr<NatsServerProcess>> m_servers;
};

void TestClusterPages::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_clusterpages"));
    QSettings().clear();
    VERIFY_OK(startSystemCluster(3, &m_servers, QStringLiteral("deck")));
}

void TestClusterPages::everyServerAsItsVarzSays() {
    MainWindow w;
    w.resize(1300, 800);
    w.show();
    ServersPage* page = w.serversPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(m_servers[0]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    // Nothing is watched before somebody looks.
    QVERIFY(!w.session()->systemMonitor());
    w.showPage(MainWindow::Page::Servers);
    QVERIFY(w.session()->systemMonitor());
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 3, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(page->metaText().contains(QStringLiteral("meta group deck")) &&
                                 !page->metaText().contains(QStringLiteral("NONE")),
                             kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(page->statusText().startsWith(QStringLiteral("3 of 3 server(s)")),
                             kWaitMs);
    // Each row shows what the server's own /varz says, within one poll.
    for (const auto& s : m_servers) {
        const QString name = s->config().name;
        QTRY_COMPARE_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn),
                                  QStringLiteral("ok"), kWaitMs);
        QCOMPARE(cell(page->model(), name, ServerTableModel::VersionColumn),
                 QStringLiteral("2.9.10"));
        QCOMPARE(cell(page->model(), name, ServerTableModel::ClusterColumn),
                 QStringLiteral("deck"));
        sameAsVarz(page->model(), *s, kWaitMs);
        QVERIFY(cell(page->model(), name, ServerTableModel::JsMemoryColumn).contains(u'/'));
    }
    // The metrics endpoint and the JSON export say the same, a series per server.
    metrics::MetricsRegistry* reg = w.session()->registry();
    for (const auto& s : m_servers) {
        const QByteArray labels =
            QStringLiteral("{server=\"%1\",cluster=\"deck\"}").arg(s->config().name).toUtf8();
        const auto varzConnections = [&] {
            bool ok = false;
            return QJsonDocument::fromJson(httpGet(s->config().monitorPort, "/varz", &ok))
                .object()
                .value(QStringLiteral("connections"))
                .toInt();
        };
        QCOMPARE(sample(reg->prometheusText(), "jetdeck_server_up" + labels), 1.0);
        QTRY_COMPARE_WITH_TIMEOUT(
            sample(reg->prometheusText(), "jetdeck_server_connections" + labels),
            double(varzConnections()), kWaitMs);
    }
    QCOMPARE(reg->toJson().value(QStringLiteral("servers")).toArray().size(), 3);
    // The chart follows the chosen server.
    page->view()->selectRow(1);
    const QString chosen =
        page->view()->model()->index(1, ServerTableModel::NameColumn).data().toString();
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        QTest::qWait(15000); // some chart points
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-servers.png")));
    }
    QVERIFY(!chosen.isEmpty());

    // Kill one we are not connected to: marked within two seconds, and in the log.
    NatsServerProcess* victim = m_servers[2].get();
    const QString name = victim->config().name;
    QElapsedTimer t;
    victim->kill();
    t.start();
    QTRY_VERIFY_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn)
                                 .startsWith(QStringLiteral("not answering")),
                             5000);
    QVERIFY2(t.elapsed() < 2000, qPrintable(QStringLiteral("%1 ms").arg(t.elapsed())));
    QTRY_VERIFY(page->statusText().startsWith(QStringLiteral("2 of 3 server(s)")));
    QCOMPARE(sample(reg->prometheusText(), QStringLiteral("jetdeck_server_up{server=\"%1\","
                                                          "cluster=\"deck\"}")
                                               .arg(name)
                                               .toUtf8()),
             0.0);
    QCOMPARE(cell(page->model(), name, ServerTableModel::ConnectionsColumn), QStringLiteral("–"));
    // The other two keep their numbers.
    QCOMPARE(cell(page->model(), m_servers[0]->config().name, ServerTableModel::StateColumn),
             QStringLiteral("ok"));
    VERIFY_OK(victim->restart());
    QTRY_COMPARE_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn),
                              QStringLiteral("ok"), kWaitMs);
    QCOMPARE(page->model()->rowCount(), 3);
}

void TestClusterPages::everyClientAsItsServerSays() {
    // Three application clients, one per server: a publisher, a subscriber with a queue group.
    std::vector<std::unique_ptr<ConnectionThread>> apps;
    for (int i = 0; i < 3; ++i) {
        apps.push_back(appClient(*m_servers[size_t(i)], QStringLiteral("worker-%1").arg(i)));
        VERIFY_OK(apps.back()->connection()->connectSync());
    }
    auto orders = apps[1]->connection()->subscribe("orders.>");
    QVERIFY(orders.ok());
    SubscribeOptions queue;
    queue.queue = "workers";
    auto jobs = apps[1]->connection()->subscribe("jobs", queue);
    QVERIFY(jobs.ok());
    VERIFY_OK(apps[1]->connection()->flushSync());
    QTimer publisher;
    int published = 0;
    connect(&publisher, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 20; ++i, ++published)
            apps[0]->connection()->publish("orders.new", "x");
    });
    publisher.start(20); // about 1,000 a second

    MainWindow w;
    w.resize(1400, 800);
    w.show();
    ClientsPage* page = w.clientsPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(m_servers[0]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(MainWindow::Page::Clients);
    QVERIFY(w.session()->clientMonitor()->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(page->model()->rowCount() >= 4, kWaitMs);

    // Every server's connections as its own /connz lists them (within one round): the same
    // connection ids, names and accounts; the applications' subscription counts.
    for (const auto& s : m_servers) {
        const QString server = s->config().name;
        const auto same = [&] {
            QMap<quint64, QString> theirs, ours;
            for (const QJsonValue& v : connz(s->config().monitorPort)) {
                const QJsonObject o = v.toObject();
                theirs.insert(quint64(o.value(QStringLiteral("cid")).toInteger()),
                              o.value(QStringLiteral("name")).toString() + QLatin1Char('|') +
                                  o.value(QStringLiteral("account")).toString());
            }
            for (int r = 0; r < page->model()->rowCount(); ++r) {
                const sys::ClientRow* row = page->model()->rowAt(r);
                if (row->server == server)
                    ours.insert(row->conn.cid,
                                row->conn.name + QLatin1Char('|') + row->conn.account);
            }
            return !theirs.isEmpty() && theirs == ours;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(same(), qPrintable(server), kWaitMs);
    }
    const QAbstractItemModel* m = page->model();
    const int subscriber = rowWith(m, ClientTableModel::NameColumn, QStringLiteral("worker-1"));
    QVERIFY(subscriber >= 0);
    QCOMPARE(m->index(subscriber, ClientTableModel::AccountColumn).data().toString(),
             QStringLiteral("APP"));
    QCOMPARE(m->index(subscriber, ClientTableModel::ServerColumn).data().toString(),
             m_servers[1]->config().name);
    QCOMPARE(m->index(subscriber, ClientTableModel::SubscriptionsColumn).data().toString(),
             QStringLiteral("2"));
    QVERIFY(m->index(subscriber, ClientTableModel::ClientColumn)
                .data()
                .toString()
                .startsWith(QStringLiteral("cpp-qt ")));
    // Rates from the server's counters: the publisher's ~1,000 a second in, the subscriber's out.
    const auto rateOf = [&](const QString& name, int column) {
        const int r = rowWith(m, ClientTableModel::NameColumn, name);
        return r < 0 ? -1.0 : m->index(r, column).data(ClientTableModel::SortRole).toDouble();
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        rateOf(QStringLiteral("worker-0"), ClientTableModel::InMsgsColumn) > 300, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        rateOf(QStringLiteral("worker-1"), ClientTableModel::OutMsgsColumn) > 300, kWaitMs);
    QVERIFY(rateOf(QStringLiteral("worker-0"), ClientTableModel::InMsgsColumn) < 3000);

    // The filter; the status line counts what is shown.
    page->findChild<QLineEdit*>(QStringLiteral("clientsFilter"))->setText(QStringLiteral("WORKER"));
    QCOMPARE(page->proxy()->rowCount(), 3);
    // One click: the subscriber's subscriptions, with what each received, from its server.
    page->view()->selectRow(
        page->proxy()->mapFromSource(page->model()->index(subscriber, 0)).row());
    QTRY_VERIFY_WITH_TIMEOUT(page->subscriptionsText().startsWith(QStringLiteral("2 subscription")),
                             kWaitMs);
    QTableWidget* subs = page->subscriptionsView();
    QCOMPARE(subs->rowCount(), 2);
    const int ordersRow =
        subs->findItems(QStringLiteral("orders.>"), Qt::MatchExactly).first()->row();
    QVERIFY(subs->item(ordersRow, 2)->data(Qt::DisplayRole).toULongLong() > 0);
    const int jobsRow = subs->findItems(QStringLiteral("jobs"), Qt::MatchExactly).first()->row();
    QCOMPARE(subs->item(jobsRow, 1)->text(), QStringLiteral("workers"));
    QTRY_VERIFY(page->statusText().contains(QStringLiteral("(3 shown)")));
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        page->findChild<QLineEdit*>(QStringLiteral("clientsFilter"))->clear();
        QTest::qWait(2500);
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-clients.png")));
    }

    // Stopped, the publisher's rate drops to nothing within a round, and its count equals the
    // server's.
    publisher.stop();
    VERIFY_OK(apps[0]->connection()->flushSync());
    QTRY_COMPARE_WITH_TIMEOUT(rateOf(QStringLiteral("worker-0"), ClientTableModel::InMsgsColumn),
                              0.0, kWaitMs);
    const int pubRow = rowWith(m, ClientTableModel::NameColumn, QStringLiteral("worker-0"));
    QCOMPARE(page->model()->rowAt(pubRow)->conn.inMsgs, quint64(published));

    // A closed connection leaves the table with the next round; the page hidden, no more rounds.
    apps[2].reset();
    QTRY_COMPARE_WITH_TIMEOUT(rowWith(m, ClientTableModel::NameColumn, QStringLiteral("worker-2")),
                              -1, kWaitMs);
    w.showPage(MainWindow::Page::Servers);
    QVERIFY(!w.session()->clientMonitor()->isRunning());
    const quint64 rounds = w.session()->clientMonitor()->rounds();
    QVERIFY(holdsFor(3000, [&] { return w.session()->clientMonitor()->rounds() == rounds; }));
}

void TestClusterPages::replicasAcrossTheCluster() {
    // The application's JetStream: ORDERS on three replicas with a durable on three, a mirror
    // of it, and a stream sourcing from it and from a stream that does not exist.
    auto app = appClient(*m_servers[0], QStringLiteral("setup"));
    VERIFY_OK(app->connection()->connectSync());
    js::JetStream js(app->connection());
    js::StreamConfig orders;
    orders.name = QStringLiteral("ORDERS");
    orders.subjects = {QStringLiteral("orders.>")};
    orders.replicas = 3;
    QVERIFY(js::addStreamWhenReady(js, orders).ok());
    js::ConsumerConfig w3;
    w3.durableName = QStringLiteral("W");
    QVERIFY(js::addConsumerWhenReady(js, QStringLiteral("ORDERS"), w3).ok());
    js::StreamConfig copy;
    copy.name = QStringLiteral("ORDERS_COPY");
    copy.extra = {{"mirror", {{"name", "ORDERS"}}}};
    Result<js::StreamInfo> made = js.addStream(copy);
    QVERIFY2(made.ok(), qPrintable(made.error().message));
    js::StreamConfig agg;
    agg.name = QStringLiteral("AGG");
    agg.extra = {{"sources", {{{"name", "ORDERS"}}, {{"name", "GONE"}}}}};
    made = js.addStream(agg);
    QVERIFY2(made.ok(), qPrintable(made.error().message));
    for (int i = 0; i < 20; ++i)
        QVERIFY(js.publish("orders.new", "x").ok());

    MainWindow w;
    w.resize(1400, 800);
    w.show();
    JetStreamPage* page = w.jetStreamPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(m_servers[0]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(MainWindow::Page::JetStream);
    const ReplicaTableModel* m = page->model();
    QTRY_VERIFY_WITH_TIMEOUT(page->metaText().contains(QStringLiteral("Meta group deck: leader")) &&
                                 page->metaText().contains(QStringLiteral("0 offline, 0 behind")),
                             kWaitMs);
    QCOMPARE(page->metaView()->rowCount(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::HealthColumn),
        QStringLiteral("ok"), kWaitMs);
    QCOMPARE(replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::AccountColumn),
             QStringLiteral("APP"));
    QCOMPARE(replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::ReplicasColumn),
             QStringLiteral("3"));
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::MessagesColumn),
        QStringLiteral("20"), kWaitMs);
    const QString followers =
        replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::FollowersColumn);
    QCOMPARE(followers.count(QStringLiteral(" current")), 2);
    QCOMPARE(replicaCell(m, QStringLiteral("ORDERS"), QStringLiteral("W"),
                         ReplicaTableModel::ReplicasColumn),
             QStringLiteral("3"));
    QTRY_COMPARE_WITH_TIMEOUT(replicaCell(m, QStringLiteral("ORDERS"), QStringLiteral("W"),
                                          ReplicaTableModel::MessagesColumn),
                              QStringLiteral("20 pending, 0 unacked"), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaCell(m, QStringLiteral("ORDERS_COPY"), {}, ReplicaTableModel::OriginColumn),
        QStringLiteral("mirror of ORDERS (lag 0)"), kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(
        replicaCell(m, QStringLiteral("AGG"), {}, ReplicaTableModel::HealthColumn) ==
            QLatin1String("degraded"),
        qPrintable(replicaCell(m, QStringLiteral("AGG"), {}, ReplicaTableModel::OriginColumn)),
        kWaitMs);
    // A clustered server does not say "stream not found": the source is never heard from.
    QCOMPARE(replicaCell(m, QStringLiteral("AGG"), {}, ReplicaTableModel::ProblemsColumn),
             QStringLiteral("source GONE: never heard from it"));
    QVERIFY(page->statusText().contains(QStringLiteral("3 stream(s), 1 consumer(s): 3 ok, 0 "
                                                       "lagging, 1 degraded")));
    page->setOnlyProblems(true);
    QCOMPARE(page->filter()->rowCount(), 1);
    // Exported alike: 2 is degraded; the mirror's lag.
    metrics::MetricsRegistry* reg = w.session()->registry();
    QTRY_COMPARE_WITH_TIMEOUT(sample(reg->prometheusText(),
                                     "jetdeck_jetstream_replica_health{account=\"APP\","
                                     "stream=\"AGG\"}"),
                              2.0, kWaitMs);
    QCOMPARE(sample(reg->prometheusText(),
                    "jetdeck_jetstream_replica_health{account=\"APP\",stream=\"ORDERS\","
                    "consumer=\"W\"}"),
             0.0);
    QCOMPARE(sample(reg->prometheusText(), "jetdeck_jetstream_source_lag_messages{account=\"APP\","
                                           "stream=\"ORDERS_COPY\",source=\"ORDERS\","
                                           "kind=\"mirror\"}"),
             0.0);

    // A server other than the console's is killed: one that holds a single-replica stream
    // (which no other server can report) and, with three replicas, a replica of ORDERS.
    const QString consoleServer = m_servers[0]->config().name;
    QString victimName, orphan;
    QStringList spares;
    for (const char* r1 : {"AGG", "ORDERS_COPY"}) {
        const QString host = replicaCell(m, QLatin1String(r1), {}, ReplicaTableModel::LeaderColumn);
        if (victimName.isEmpty() && !host.isEmpty() && host != consoleServer) {
            victimName = host;
            orphan = QLatin1String(r1);
        }
    }
    // Both on the console's server: more single-replica streams until one lands elsewhere.
    for (int i = 0; i < 8 && victimName.isEmpty(); ++i) {
        js::StreamConfig spare;
        spare.name = QStringLiteral("SPARE%1").arg(i);
        spare.subjects = {QStringLiteral("spare.%1").arg(i)};
        QVERIFY(js.addStream(spare).ok());
        spares << spare.name;
        QTRY_VERIFY_WITH_TIMEOUT(
            !replicaCell(m, spare.name, {}, ReplicaTableModel::LeaderColumn).isEmpty(), kWaitMs);
        const QString host = replicaCell(m, spare.name, {}, ReplicaTableModel::LeaderColumn);
        if (host != consoleServer) {
            victimName = host;
            orphan = spare.name;
        }
    }
    QVERIFY(!victimName.isEmpty());
    NatsServerProcess* victim = nullptr;
    for (const auto& s : m_servers)
        if (s->config().name == victimName)
            victim = s.get();
    victim->kill();
    QTRY_VERIFY_WITH_TIMEOUT(
        replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::HealthColumn) !=
                QLatin1String("ok") &&
            replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::ProblemsColumn)
                .contains(victimName),
        40000);
    QTRY_VERIFY_WITH_TIMEOUT(!page->metaText().contains(QStringLiteral("0 offline, 0 behind")),
                             40000);
    QVERIFY(page->filter()->rowCount() >= 2); // ORDERS joined AGG among the problems
    // The stream only the killed server held stays on the page, marked, instead of vanishing.
    QTRY_VERIFY_WITH_TIMEOUT(replicaCell(m, orphan, {}, ReplicaTableModel::ProblemsColumn)
                                 .startsWith(QStringLiteral("no server has reported it since")),
                             kWaitMs);
    QCOMPARE(replicaCell(m, orphan, {}, ReplicaTableModel::HealthColumn),
             QStringLiteral("degraded"));
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        page->setOnlyProblems(false);
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-jetstream.png")));
        page->setOnlyProblems(true);
    }
    VERIFY_OK(victim->restart());
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaCell(m, QStringLiteral("ORDERS"), {}, ReplicaTableModel::HealthColumn),
        QStringLiteral("ok"), 40000);
    QTRY_VERIFY_WITH_TIMEOUT(page->metaText().contains(QStringLiteral("0 offline, 0 behind")),
                             40000);
    QTRY_VERIFY_WITH_TIMEOUT(!replicaCell(m, orphan, {}, ReplicaTableModel::ProblemsColumn)
                                  .startsWith(QStringLiteral("no server")),
                             kWaitMs);
    for (const QString& spare : std::as_const(spares))
        VERIFY_OK(js.deleteStream(spare));
}

void TestClusterPages::outsideTheSystemAccount() {
    MainWindow w;
    w.show();
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(m_servers[1]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(MainWindow::Page::Servers);
    QTRY_VERIFY_WITH_TIMEOUT(
        w.serversPage()->statusText().contains(QStringLiteral("not in the system account")),
        kWaitMs);
    QCOMPARE(w.serversPage()->model()->rowCount(), 0);
    // nats-server lists an account's own connections to its users: the page says that is all.
    w.showPage(MainWindow::Page::Clients);
    QTRY_VERIFY2_WITH_TIMEOUT(
        w.clientsPage()->statusText().startsWith(QStringLiteral("Only this account's")),
        qPrintable(w.clientsPage()->statusText()), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsPage()->model()->rowCount() > 0, kWaitMs);
    for (int r = 0; r < w.clientsPage()->model()->rowCount(); ++r)
        QCOMPARE(w.clientsPage()->model()->rowAt(r)->conn.account, QStringLiteral("APP"));
    // The JetStream page falls back on the account's own listing, and says what it misses.
    w.showPage(MainWindow::Page::JetStream);
    JetStreamPage* js = w.jetStreamPage();
    QTRY_VERIFY_WITH_TIMEOUT(js->statusText().contains(QStringLiteral("this account only")),
                             kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(js->metaText().contains(QStringLiteral("not in the system account")),
                             kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaCell(js->model(), QStringLiteral("ORDERS"), {}, ReplicaTableModel::ReplicasColumn),
        QStringLiteral("3"), kWaitMs);
    QCOMPARE(
        replicaCell(js->model(), QStringLiteral("ORDERS"), {}, ReplicaTableModel::AccountColumn),
        QStringLiteral("(this one)"));
    QTRY_VERIFY_WITH_TIMEOUT(replicaCell(js->model(), QStringLiteral("ORDERS"), {},
                                         ReplicaTableModel::HealthColumn) == QStringLiteral("ok"),
                             kWaitMs);
    // The account against its limits ($JS.API.INFO): three streams, one consumer.
    QTRY_VERIFY_WITH_TIMEOUT(js->accountText().contains(QStringLiteral("streams 3")), kWaitMs);
    QVERIFY2(js->accountText().contains(QStringLiteral("consumers 1")),
             qPrintable(js->accountText()));
}

void TestClusterPages::systemAccountUserBeside() {
    // The connection's user is APP's; the system account's user comes beside it (a saved
    // connection's "System account" fields, jetdeck --sys-user, the demo).
    MainWindow w;
    w.show();
    w.setSystemCredentials(SystemCredentials{QStringLiteral("sys"), QStringLiteral("sys"), {}});
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(m_servers[1]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    QVERIFY(w.session()->systemConnection());
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->systemConnection()->connection()->isConnected(), kWaitMs);
    w.showPage(MainWindow::Page::Connection);
    QTRY_VERIFY2_WITH_TIMEOUT(
        w.connectionPage()
            ->valueText(QStringLiteral("systemAccount"))
            .contains(QStringLiteral("its own connection as sys: CONNECTED")),
        qPrintable(w.connectionPage()->valueText(QStringLiteral("systemAccount"))), kWaitMs);
    // Every server answers, through the system connection.
    w.showPage(MainWindow::Page::Servers);
    QTRY_COMPARE_WITH_TIMEOUT(w.serversPage()->model()->rowCount(), int(m_servers.size()), kWaitMs);
    QVERIFY2(!w.serversPage()->statusText().contains(QStringLiteral("not in the system account")),
             qPrintable(w.serversPage()->statusText()));
    checkLinks(w.serversPage(), m_servers, kWaitMs);
    if (QTest::currentTestFailed())
        return;
    // Every account's connections, the console's two among them.
    w.showPage(MainWindow::Page::Clients);
    const QString name = w.connection()->options().name;
    const auto has = [&](const QString& connName, const QString& account) {
        const ClientTableModel* m = w.clientsPage()->model();
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->rowAt(r)->conn.name == connName && m->rowAt(r)->conn.account == account)
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(has(name, QStringLiteral("APP")), kWaitMs);
    QVERIFY(has(name + QStringLiteral("-sys"), QStringLiteral("SYS")));
    QVERIFY2(!w.clientsPage()->statusText().startsWith(QStringLiteral("Only this account's")),
             qPrintable(w.clientsPage()->statusText()));
    // The meta group is seen; the streams are APP's, named so.
    w.showPage(MainWindow::Page::JetStream);
    JetStreamPage* js = w.jetStreamPage();
    QTRY_VERIFY2_WITH_TIMEOUT(js->metaText().contains(QStringLiteral("0 offline, 0 behind")),
                              qPrintable(js->metaText()), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaCell(js->model(), QStringLiteral("ORDERS"), {}, ReplicaTableModel::AccountColumn),
        QStringLiteral("APP"), kWaitMs);
    // The streams page: the account listed by one JSZ round through the system account, the
    // same streams and consumers as the account's own API says.
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->listingThroughSystem(), kWaitMs);
    w.showPage(MainWindow::Page::Streams);
    QTRY_VERIFY2_WITH_TIMEOUT(w.streamsPage()->statusText().contains(
                                  QStringLiteral("one JSZ round through the system account")),
                              qPrintable(w.streamsPage()->statusText()), kWaitMs);
    {
        const js::JetStream api(w.connection());
        auto names = api.streamNames();
        VERIFY_OK(names.error());
        QList<QPair<QString, QString>> expected;
        for (const QString& s : names.value()) {
            auto consumers = api.consumerNames(s);
            VERIFY_OK(consumers.error());
            for (const QString& c : consumers.value())
                expected.append({s, c});
        }
        QVERIFY(!expected.isEmpty());
        std::sort(expected.begin(), expected.end());
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                auto shown = w.streamsPage()->consumerList();
                std::sort(shown.begin(), shown.end());
                return shown == expected;
            }(),
            kWaitMs);
    }

    // A user that is not the system account's, given as if it were: the page says so.
    w.setSystemCredentials(SystemCredentials{QStringLiteral("app"), QStringLiteral("app"), {}});
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(m_servers[0]->port())));
    w.showPage(MainWindow::Page::Servers);
    QTRY_VERIFY2_WITH_TIMEOUT(w.serversPage()->statusText().contains(
                                  QStringLiteral("credentials given (the user app) are not")),
                              qPrintable(w.serversPage()->statusText()), kWaitMs);
    // The streams are listed page by page then.
    w.showPage(MainWindow::Page::Streams);
    QTRY_VERIFY2_WITH_TIMEOUT(
        w.streamsPage()->statusText().contains(QStringLiteral("consumer(s) as of")),
        qPrintable(w.streamsPage()->statusText()), kWaitMs);
    QVERIFY(!w.session()->listingThroughSystem());
    QVERIFY(!w.streamsPage()->statusText().contains(QStringLiteral("JSZ")));
    // A wrong password: the connection page says why the system connection is not up.
    w.setSystemCredentials(SystemCredentials{QStringLiteral("sys"), QStringLiteral("nope"), {}});
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(m_servers[0]->port())));
    w.showPage(MainWindow::Page::Connection);
    QTRY_VERIFY2_WITH_TIMEOUT(
        w.connectionPage()
            ->valueText(QStringLiteral("systemAccount"))
            .contains(QStringLiteral("uthorization"), Qt::CaseInsensitive),
        qPrintable(w.connectionPage()->valueText(QStringLiteral("systemAccount"))), kWaitMs);
}

QTEST_MAIN(TestClusterPages)
void TestClusterPages::throughTheMonitoringPorts() {
    // Bad --monitor input is named.
    const auto error = [](const QString& text) {
        const auto r = sys::MonitorPorts::parseUrls(text);
        return r ? QString() : r.error().message;
    };
    QVERIFY(error(QString()).contains(QStringLiteral("no monitoring URL")));
    QVERIFY(
        error(QStringLiteral("nats://127.0.0.1:4222")).contains(QStringLiteral("http or https")));
    QVERIFY(
        error(QStringLiteral("http://127.0.0.1:8222/varz")).contains(QStringLiteral("not a path")));
    QVERIFY(
        error(QStringLiteral("http://u:p@127.0.0.1:8222")).contains(QStringLiteral("credentials")));
    QVERIFY(error(QStringLiteral("http://:8222")).contains(QStringLiteral("\"http://:8222\"")));

    // A user outside the system account, with every server's monitoring port and one port
    // nothing listens on: the servers and JetStream pages read the ports, the dead one is named.
    const quint16 dead = NatsServerProcess::freePort();
    QString text;
    for (const auto& s : m_servers)
        text += QStringLiteral("127.0.0.1:%1, ").arg(s->config().monitorPort);
    text += QStringLiteral("http://127.0.0.1:%1").arg(dead);
    const auto urls = sys::MonitorPorts::parseUrls(text);
    VERIFY_OK(urls.error());
    QCOMPARE(urls->size(), qsizetype(m_servers.size() + 1));
    MainWindow w;
    w.show();
    w.setMonitorUrls(urls.value());
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(m_servers[1]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(MainWindow::Page::Servers);
    ServersPage* page = w.serversPage();
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), int(m_servers.size()), kWaitMs);
    QCOMPARE(w.session()->systemMonitor()->access(), sys::Access::MonitorPorts);
    QTRY_VERIFY2_WITH_TIMEOUT(
        page->statusText().contains(QStringLiteral("through the monitoring ports")) &&
            page->statusText().contains(
                QStringLiteral("not answering: http://127.0.0.1:%1").arg(dead)),
        qPrintable(page->statusText()), kWaitMs);
    for (const auto& s : m_servers) {
        const QString name = s->config().name;
        // The health as the port's own /healthz says it.
        const auto healthz = [&] {
            return portDoc(*s, "/healthz").value(QStringLiteral("status")).toString() ==
                           QStringLiteral("ok")
                       ? QStringLiteral("ok")
                       : QStringLiteral("unhealthy");
        };
        QTRY_COMPARE_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn),
                                  healthz(), kWaitMs);
        QCOMPARE(cell(page->model(), name, ServerTableModel::VersionColumn),
                 QStringLiteral("2.9.10"));
        sameAsVarz(page->model(), *s, kWaitMs);
    }
    checkLinks(page, m_servers, kWaitMs);
    if (QTest::currentTestFailed())
        return;
    // Every account's connections, from each port's /connz: as many as the ports list.
    w.showPage(MainWindow::Page::Clients);
    const auto portsTotal = [&] {
        int total = 0;
        for (const auto& s : m_servers) {
            bool ok = false;
            total += QJsonDocument::fromJson(httpGet(s->config().monitorPort, "/connz", &ok))
                         .object()
                         .value(QStringLiteral("num_connections"))
                         .toInt();
        }
        return total;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(w.clientsPage()->statusText().contains(QStringLiteral("/connz")),
                              qPrintable(w.clientsPage()->statusText()), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(w.clientsPage()->model()->rowCount(), portsTotal(), kWaitMs);
    bool consoleListed = false;
    for (int r = 0; r < w.clientsPage()->model()->rowCount(); ++r) {
        const sys::ClientRow* row = w.clientsPage()->model()->rowAt(r);
        if (row->conn.name == w.connection()->options().name) {
            QCOMPARE(row->conn.account, QStringLiteral("APP"));
            consoleListed = true;
        }
    }
    QVERIFY(consoleListed);
    // One connection's subscriptions, from its own server's port.
    {
        const sys::ClientRow* console = nullptr;
        for (int r = 0; r < w.clientsPage()->model()->rowCount(); ++r)
            if (w.clientsPage()->model()->rowAt(r)->conn.name == w.connection()->options().name)
                console = w.clientsPage()->model()->rowAt(r);
        QVERIFY(console);
        QObject context;
        std::optional<Result<sys::ClientConn>> got;
        w.session()->clientMonitor()->requestSubscriptions(
            console->serverId, console->conn.cid, &context,
            [&](const Result<sys::ClientConn>& c) { got = c; });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        VERIFY_OK(got->error());
        QCOMPARE(got->value().cid, console->conn.cid);
        QVERIFY(!got->value().subscriptionsDetail.isEmpty());
    }

    // Every account's replicas and the meta group, from each port's /jsz.
    w.showPage(MainWindow::Page::JetStream);
    JetStreamPage* js = w.jetStreamPage();
    QTRY_VERIFY2_WITH_TIMEOUT(js->statusText().contains(QStringLiteral("monitoring port")),
                              qPrintable(js->statusText()), kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(js->metaText().contains(QStringLiteral("0 offline")),
                              qPrintable(js->metaText()), kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(
        replicaCell(js->model(), QStringLiteral("ORDERS"), {}, ReplicaTableModel::AccountColumn) ==
            QStringLiteral("APP"),
        qPrintable(QStringLiteral("%1 rows, %2 streams in the view")
                       .arg(js->model()->rowCount())
                       .arg(w.session()->systemMonitor()->jetStream().assets.streams.size())),
        kWaitMs);
}

void TestClusterPages::portsWhileTheConnectionIsDown() {
    // A user of the system account, pinned to one server, with every monitoring port given:
    // while its server is down the servers page reads the ports (and says why), then goes back
    // to the system account once the connection is back.
    QString text;
    for (const auto& s : m_servers)
        text += QStringLiteral("127.0.0.1:%1,").arg(s->config().monitorPort);
    const auto urls = sys::MonitorPorts::parseUrls(text);
    VERIFY_OK(urls.error());
    NatsServerProcess* pinned = m_servers[2].get();
    MainWindow w;
    w.show();
    Options base = fastOptions(pinned->url());
    base.ignoreDiscoveredServers = true;
    w.setBaseOptions(base);
    w.setMonitorUrls(urls.value());
    QVERIFY(w.connectToUrls(QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(pinned->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(MainWindow::Page::Servers);
    ServersPage* page = w.serversPage();
    QTRY_VERIFY2_WITH_TIMEOUT(page->statusText().startsWith(QStringLiteral("3 of 3 server(s)")),
                              qPrintable(page->statusText()), kWaitMs);
    QCOMPARE(w.session()->systemMonitor()->access(), sys::Access::System);

    pinned->kill();
    QTRY_VERIFY_WITH_TIMEOUT(!w.connection()->isConnected(), kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(
        page->statusText().contains(QStringLiteral("(the connection is down)")) &&
            page->statusText().contains(QStringLiteral("not answering: http://127.0.0.1:%1")
                                            .arg(pinned->config().monitorPort)),
        qPrintable(page->statusText()), kWaitMs);
    QCOMPARE(w.session()->systemMonitor()->access(), sys::Access::MonitorPorts);
    for (int i = 0; i < 2; ++i)
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(page->model(), m_servers[size_t(i)]->config().name, ServerTableModel::StateColumn),
            QStringLiteral("ok"), kWaitMs);
    QVERIFY(cell(page->model(), pinned->config().name, ServerTableModel::StateColumn)
                .startsWith(QStringLiteral("not answering")));

    VERIFY_OK(pinned->restart());
    QTRY_VERIFY_WITH_TIMEOUT(w.connection()->isConnected(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(w.session()->systemMonitor()->access(), sys::Access::System, kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(page->statusText().startsWith(QStringLiteral("3 of 3 server(s)")) &&
                                  !page->statusText().contains(QStringLiteral("monitoring ports")),
                              qPrintable(page->statusText()), kWaitMs);
}

#include "tst_clusterpages.moc"
