// The whole system through the system account, against a real three-server cluster with an
// accounts block (SYS as the system account, APP with JetStream): the fan-out reaches every
// server, what it reads equals each server's own /varz, /jsz and /connz over HTTP, a user
// outside the system account is told what it needs, a killed server shows as not answering
// within 2 s and comes back, the request budget holds, and jetdeck-cli server ... prints it.
#include "core/jetstream/jetstream.h"
#include "core/system/fanout.h"
#include "core/system/systemmonitor.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QThread>
#include <QUrl>

#include <optional>

using namespace jetdeck;
using namespace jetdeck::sys;
using namespace jetdeck::test;

namespace {

constexpr int kWaitMs = 15000;

Options as(const NatsServerProcess* s, const QString& user, const QString& name = {}) {
    Options o = fastOptions(s->url());
    o.auth.user = user;
    o.auth.password = user;
    if (!name.isEmpty())
        o.name = name;
    return o;
}

/// One fan-out, waited for here.
FanoutResult collect(Connection* c, Doc doc, const QByteArray& body = {}, int expected = 0) {
    FanoutResult out;
    bool done = false;
    QObject context;
    FanoutOptions o;
    o.expected = expected;
    fanout(c, pingSubject(doc), body, o, &context, [&](const FanoutResult& r) {
        out = r;
        done = true;
    });
    (void)QTest::qWaitFor([&] { return done; }, kWaitMs);
    return out;
}

QJsonObject monitor(const NatsServerProcess* s, const QByteArray& path) {
    bool ok = false;
    const QByteArray body = httpGet(s->config().monitorPort, path, &ok);
    return ok ? QJsonDocument::fromJson(body).object() : QJsonObject();
}

quint64 num(const QJsonObject& o, const char* key) {
    return quint64(o.value(QLatin1String(key)).toDouble());
}

} // namespace

class TestSystem : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void fanoutReachesEveryServer();
    void fanoutReadOffThread();
    void outsideTheSystemAccount();
    void serversEqualTheirVarz();
    void jetStreamEqualsJsz();
    void connectionsEqualConnz();
    void killedServerShownAtOnce();
    void budgetHolds();
    void cli();

private:
    NatsServerProcess* server(int i) { return m_servers[size_t(i)].get(); }
    std::vector<std::unique_ptr<NatsServerProcess>> m_servers;
    std::unique_ptr<ConnectionThread> m_sys;
};

void TestSystem::initTestCase() {
    VERIFY_OK(startSystemCluster(3, &m_servers, QStringLiteral("sysc"), QStringLiteral("sys")));
    m_sys = std::make_unique<ConnectionThread>(as(server(0), QStringLiteral("sys")));
    VERIFY_OK((*m_sys)->connectSync());
    // The cluster is formed when every server answers and the meta group has its leader.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const FanoutResult r = collect(m_sys->connection(), Doc::Jsz, {}, 3);
            if (r.replies.size() != 3)
                return false;
            for (const ServerReply& reply : r.replies) {
                const Result<Jsz> z = Jsz::fromJson(reply.data);
                if (!z || z->meta.leader.isEmpty())
                    return false;
            }
            return true;
        }(),
        30000);
    ConnectionThread app(as(server(1), QStringLiteral("app")));
    VERIFY_OK(app->connectSync());
    js::JetStream js(app.connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("ORDERS");
    sc.subjects = {QStringLiteral("orders.>")};
    sc.replicas = 3;
    sc.storage = js::StorageType::Memory;
    Result<js::StreamInfo> s = Error{};
    QTRY_VERIFY_WITH_TIMEOUT((s = js.addStream(sc)).ok(), 30000);
    sc.name = QStringLiteral("SOLO");
    sc.subjects = {QStringLiteral("solo.>")};
    sc.replicas = 1;
    VERIFY_OK(js.addStream(sc).error());
    for (const char* name : {"W1", "W2"}) {
        js::ConsumerConfig cc;
        cc.durableName = QLatin1String(name);
        cc.ackPolicy = js::AckPolicy::Explicit;
        cc.replicas = 3;
        QVERIFY(js.addConsumer(QStringLiteral("ORDERS"), cc).ok());
    }
    for (int i = 0; i < 25; ++i)
        VERIFY_OK(js.publish("orders.new", QByteArray::number(i)).error());
}

void TestSystem::fanoutReachesEveryServer() {
    // Expected count known: done as soon as all three are in.
    QElapsedTimer t;
    t.start();
    FanoutResult r = collect(m_sys->connection(), Doc::Varz, {}, 3);
    QVERIFY(r.ok());
    QCOMPARE(r.replies.size(), qsizetype(3));
    QVERIFY2(t.elapsed() < 250, qPrintable(QString::number(t.elapsed())));
    QStringList names;
    for (const ServerReply& reply : r.replies) {
        names << reply.server.name;
        QCOMPARE(reply.server.cluster, QStringLiteral("sysc"));
        QVERIFY(reply.error.ok());
        QVERIFY(reply.elapsedMs <= r.elapsedMs);
    }
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("sys-1"), QStringLiteral("sys-2"),
                                 QStringLiteral("sys-3")}));
    QVERIFY(r.malformed.isEmpty());
    // Unknown: a quiet gap after the last reply ends it, with every server in.
    r = collect(m_sys->connection(), Doc::Healthz);
    QCOMPARE(r.replies.size(), qsizetype(3));
    QVERIFY(r.elapsedMs >= 300);
    for (const ServerReply& reply : r.replies)
        QVERIFY(Healthz::fromJson(reply.data)->ok());
    // A server's error comes back as its error, not as a document.
    r = collect(m_sys->connection(), Doc::Connz, R"({"sort":"nonsense"})", 3);
    QCOMPARE(r.replies.size(), qsizetype(3));
    for (const ServerReply& reply : r.replies)
        QVERIFY2(reply.error.message.contains(QStringLiteral("invalid sorting option")),
                 qPrintable(reply.error.message));
}

void TestSystem::fanoutReadOffThread() {
    // The large answers (JSZ with every consumer) are read on the background thread; what the
    // digest made reaches the caller's thread; the same replies as the plain fan-out's.
    struct Read {
        QThread* thread = nullptr;
        QStringList servers;
        QStringList accounts;
        bool ok = false;
    };
    QObject context;
    std::optional<Read> got;
    QThread* doneOn = nullptr;
    FanoutOptions o;
    o.expected = 3;
    fanoutDigested<Read>(
        m_sys->connection(), pingSubject(Doc::Jsz), jszDetailRequest(), o, &context,
        [](const FanoutResult& r) {
            Read read;
            read.thread = QThread::currentThread();
            read.ok = r.ok() && r.malformed.isEmpty();
            for (const ServerReply& reply : r.replies) {
                read.servers << reply.server.name;
                if (const Result<Jsz> z = Jsz::fromJson(reply.data))
                    for (const AccountJetStream& a : z->accounts)
                        read.accounts << a.name;
            }
            read.servers.sort();
            return read;
        },
        [&](Read&& read) {
            doneOn = QThread::currentThread();
            got = std::move(read);
        });
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
    QVERIFY(got->ok);
    QVERIFY(got->thread != nullptr);
    QVERIFY(got->thread != QThread::currentThread());
    QCOMPARE(doneOn, QThread::currentThread());
    QCOMPARE(got->servers, (QStringList{QStringLiteral("sys-1"), QStringLiteral("sys-2"),
                                        QStringLiteral("sys-3")}));
    QVERIFY2(got->accounts.contains(QStringLiteral("APP")),
             qPrintable(got->accounts.join(QLatin1Char(','))));

    // Nobody listening: the digest is told so, like fanout()'s callback.
    ConnectionThread app(as(server(2), QStringLiteral("app")));
    VERIFY_OK(app->connectSync());
    std::optional<bool> noResponders;
    fanoutDigested<bool>(
        app.connection(), pingSubject(Doc::Jsz), {}, o, &context,
        [](const FanoutResult& r) { return r.noResponders; },
        [&](bool&& no) { noResponders = no; });
    QTRY_VERIFY_WITH_TIMEOUT(noResponders.has_value(), kWaitMs);
    QVERIFY(*noResponders);

    // A context gone before the answers: nothing runs on the caller's side.
    bool delivered = false;
    bool digested = false;
    {
        QObject shortLived;
        fanoutDigested<int>(
            m_sys->connection(), pingSubject(Doc::Varz), {}, o, &shortLived,
            [&](const FanoutResult&) {
                digested = true;
                return 1;
            },
            [&](int&&) { delivered = true; });
    }
    QTest::qWait(1000);
    QVERIFY(!digested); // the collector went with its context: nothing was read either
    QVERIFY(!delivered);
}

void TestSystem::outsideTheSystemAccount() {
    ConnectionThread app(as(server(2), QStringLiteral("app")));
    VERIFY_OK(app->connectSync());
    const FanoutResult r = collect(app.connection(), Doc::Varz, {}, 3);
    QVERIFY(r.noResponders);
    QVERIFY(!r.ok());
    QVERIFY(r.replies.isEmpty());
    QVERIFY(r.elapsedMs < 1000); // told at once, not after a timeout
    QVERIFY(systemAccessHint().contains(QStringLiteral("system account")));
    QVERIFY(systemAccessHint().contains(QStringLiteral("--sys-user")));

    RequestBudget budget;
    SystemMonitor mon(app.connection(), &budget);
    QSignalSpy access(&mon, &SystemMonitor::accessChanged);
    mon.start();
    QTRY_COMPARE(mon.access(), Access::NoSystemUser);
    QVERIFY(mon.servers().isEmpty());
}

void TestSystem::serversEqualTheirVarz() {
    RequestBudget budget;
    SystemMonitor mon(m_sys->connection(), &budget);
    mon.start();
    QTRY_VERIFY_WITH_TIMEOUT(mon.servers().size() == 3 && mon.rounds() >= 2, kWaitMs);
    QCOMPARE(mon.access(), Access::System);
    // One more round, then each server's own /varz over HTTP: equal within that one poll.
    const quint64 before = mon.rounds();
    QTRY_VERIFY_WITH_TIMEOUT(mon.rounds() > before, kWaitMs);
    mon.stop();
    const QList<ServerRow> rows = mon.servers();
    for (int i = 0; i < 3; ++i) {
        const QJsonObject http = monitor(server(i), "/varz");
        QVERIFY(!http.isEmpty());
        const QString name = http.value(QStringLiteral("server_name")).toString();
        const auto row = std::find_if(rows.cbegin(), rows.cend(),
                                      [&](const ServerRow& r) { return r.id.name == name; });
        QVERIFY2(row != rows.cend(), qPrintable(name));
        QVERIFY(row->answering);
        QVERIFY(row->varz.has_value());
        const Varz& v = *row->varz;
        QCOMPARE(v.serverId, http.value(QStringLiteral("server_id")).toString());
        QCOMPARE(quint64(v.connections), num(http, "connections"));
        QCOMPARE(v.totalConnections, num(http, "total_connections"));
        QCOMPARE(quint64(v.routes), num(http, "routes"));
        QCOMPARE(v.version, http.value(QStringLiteral("version")).toString());
        QCOMPARE(v.slowConsumers, num(http, "slow_consumers"));
        // Counters that our own fan-outs move: the HTTP reading is later, never smaller, and
        // no more than a few rounds of requests ahead.
        for (const auto& [ours, key] :
             {std::pair{v.inMsgs, "in_msgs"}, std::pair{v.outMsgs, "out_msgs"}}) {
            const quint64 theirs = num(http, key);
            QVERIFY2(theirs >= ours && theirs - ours <= 20,
                     qPrintable(QStringLiteral("%1 %2: ours %3, /varz %4")
                                    .arg(name, QLatin1String(key))
                                    .arg(ours)
                                    .arg(theirs)));
        }
        // Our inbox for the round was one more subscription (on every server, by the routes).
        const quint64 subs = num(http, "subscriptions");
        QVERIFY2(
            v.subscriptions >= subs && v.subscriptions <= subs + 2,
            qPrintable(
                QStringLiteral("%1: ours %2, /varz %3").arg(name).arg(v.subscriptions).arg(subs)));
        QCOMPARE(v.js.maxMemory, quint64(http.value(QStringLiteral("jetstream"))
                                             .toObject()
                                             .value(QStringLiteral("config"))
                                             .toObject()
                                             .value(QStringLiteral("max_memory"))
                                             .toDouble()));
        QVERIFY(row->health.has_value() && row->health->ok());
        QVERIFY(!mon.history(name).isEmpty());
    }
}

void TestSystem::jetStreamEqualsJsz() {
    RequestBudget budget;
    SystemMonitor mon(m_sys->connection(), &budget);
    QSignalSpy js(&mon, &SystemMonitor::jetStreamUpdated);
    mon.start();
    QTRY_VERIFY_WITH_TIMEOUT(js.size() >= 1, kWaitMs);
    mon.stop();
    const JetStreamView& v = mon.jetStream();
    QVERIFY(v.at.isValid());
    QCOMPARE(v.meta.clusterSize, 3);
    QCOMPARE(v.meta.replicas.size(), qsizetype(2));
    QCOMPARE(v.usageByServer.size(), qsizetype(3));
    // Each stream and consumer once, in its leader's view, as the leader's /jsz has it.
    QCOMPARE(v.assets.streams.size(), qsizetype(2));
    const JetStreamAssets::Stream& orders = v.assets.streams[0];
    QCOMPARE(orders.info.config.name, QStringLiteral("ORDERS"));
    QCOMPARE(orders.account, QStringLiteral("APP"));
    QCOMPARE(orders.reports, 3);
    QCOMPARE(orders.server, orders.info.cluster.leader);
    QVERIFY(!orders.leaderless);
    QCOMPARE(orders.info.state.messages, quint64(25));
    QCOMPARE(orders.info.cluster.replicas.size(), qsizetype(2));
    QCOMPARE(v.assets.streams[1].info.config.name, QStringLiteral("SOLO"));
    QCOMPARE(v.assets.streams[1].reports, 1);
    QCOMPARE(v.assets.consumers.size(), qsizetype(2));
    for (const JetStreamAssets::Consumer& c : v.assets.consumers) {
        QCOMPARE(c.info.numPending, qint64(25));
        QCOMPARE(c.server, c.info.cluster.leader);
    }
    for (int i = 0; i < 3; ++i) {
        const QJsonObject http = monitor(server(i), "/jsz");
        const QString id = http.value(QStringLiteral("server_id")).toString();
        const QString name = std::find_if(m_servers.cbegin(), m_servers.cend(),
                                          [&](const auto& s) { return s.get() == server(i); })
                                 ->get()
                                 ->config()
                                 .name;
        const auto usage = std::find_if(v.usageByServer.cbegin(), v.usageByServer.cend(),
                                        [&](const auto& u) { return u.first == name; });
        QVERIFY2(usage != v.usageByServer.cend(), qPrintable(name));
        QCOMPARE(usage->second.memory, num(http, "memory"));
        QCOMPARE(usage->second.storage, num(http, "storage"));
        QCOMPARE(quint64(usage->second.haAssets), num(http, "ha_assets"));
        QVERIFY(!id.isEmpty());
    }
}

void TestSystem::connectionsEqualConnz() {
    // Two named application clients, on two servers.
    ConnectionThread a(as(server(1), QStringLiteral("app"), QStringLiteral("worker-a")));
    ConnectionThread b(as(server(2), QStringLiteral("app"), QStringLiteral("worker-b")));
    VERIFY_OK(a->connectSync());
    VERIFY_OK(b->connectSync());
    QVERIFY(a->subscribe("work.a").ok());
    VERIFY_OK(a->flushSync());
    VERIFY_OK(b->flushSync());
    const FanoutResult r =
        collect(m_sys->connection(), Doc::Connz, R"({"auth":true,"subscriptions":true})", 3);
    QCOMPARE(r.replies.size(), qsizetype(3));
    int found = 0;
    for (const ServerReply& reply : r.replies) {
        const Result<Connz> z = Connz::fromJson(reply.data);
        QVERIFY2(z.ok(), qPrintable(z.error().message));
        NatsServerProcess* s = nullptr;
        for (const auto& p : m_servers)
            if (p->config().name == reply.server.name)
                s = p.get();
        QVERIFY(s);
        const QJsonObject http = monitor(s, "/connz?auth=true");
        QCOMPARE(z->total, int(num(http, "total")));
        for (const ClientConn& c : z->connections) {
            if (!c.name.startsWith(QLatin1String("worker-")))
                continue;
            ++found;
            QCOMPARE(c.account, QStringLiteral("APP"));
            QCOMPARE(c.user, QStringLiteral("app"));
            QCOMPARE(c.lang, QStringLiteral("cpp-qt"));
            QVERIFY(c.rttUs > 0);
            QCOMPARE(reply.server.name, c.name == QLatin1String("worker-a")
                                            ? server(1)->config().name
                                            : server(2)->config().name);
            if (c.name == QLatin1String("worker-a"))
                QVERIFY(c.subscriptionsList.contains(QStringLiteral("work.a")));
        }
    }
    QCOMPARE(found, 2);
}

void TestSystem::killedServerShownAtOnce() {
    RequestBudget budget;
    SystemMonitor mon(m_sys->connection(), &budget);
    QSignalSpy lost(&mon, &SystemMonitor::serverLost);
    QSignalSpy back(&mon, &SystemMonitor::serverBack);
    mon.start();
    QTRY_VERIFY_WITH_TIMEOUT(mon.servers().size() == 3 && mon.rounds() >= 2, kWaitMs);
    NatsServerProcess* victim = server(2); // not the one we are connected to
    const QString name = victim->config().name;
    QElapsedTimer t;
    victim->kill();
    t.start();
    QTRY_VERIFY_WITH_TIMEOUT(lost.size() >= 1, 5000);
    const qint64 ms = t.elapsed();
    QVERIFY2(ms < 2000, qPrintable(QStringLiteral("shown after %1 ms").arg(ms)));
    QCOMPARE(lost[0][0].toString(), name);
    const auto row = [&] {
        for (const ServerRow& r : mon.servers())
            if (r.id.name == name)
                return r;
        return ServerRow{};
    };
    QVERIFY(!row().answering);
    QVERIFY(row().lastSeen.isValid());
    QVERIFY(!mon.history(name).back().answering);
    // The two others still answer, in the same rounds.
    int answering = 0;
    for (const ServerRow& r : mon.servers())
        answering += r.answering;
    QCOMPARE(answering, 2);

    VERIFY_OK(victim->restart());
    QTRY_VERIFY_WITH_TIMEOUT(back.size() >= 1, kWaitMs);
    QCOMPARE(back[0][0].toString(), name);
    QTRY_VERIFY_WITH_TIMEOUT(row().answering && row().varz.has_value(), kWaitMs);
    QCOMPARE(mon.servers().size(), qsizetype(3)); // the same row, not a new one
}

void TestSystem::budgetHolds() {
    // 3 servers a round, a budget of 4 requests a second: one round a second at the most,
    // though the monitor asks for one every 100 ms.
    RequestBudget budget(4);
    SystemMonitor mon(m_sys->connection(), &budget);
    mon.setIntervalMs(100);
    mon.setDetailEvery(1000000);
    QElapsedTimer t;
    t.start();
    mon.start();
    QTest::qWait(4000); // the claim is about a span of time
    mon.stop();
    const double seconds = double(t.elapsed()) / 1000.0;
    QVERIFY2(budget.taken() <= 4 * seconds + 4,
             qPrintable(QStringLiteral("%1 requests in %2 s").arg(budget.taken()).arg(seconds)));
    QVERIFY(budget.refused() > 0);
    QVERIFY(mon.roundsDelayed() > 0);
    QVERIFY2(mon.rounds() >= 3 && mon.rounds() <= 6, qPrintable(QString::number(mon.rounds())));
}

void TestSystem::cli() {
    auto cli = [](const QStringList& args, QByteArray* out, QByteArray* err = nullptr) {
        QProcess p;
        p.start(QStringLiteral(JETDECK_CLI_PATH), args);
        if (!p.waitForFinished(30000))
            return -1;
        *out = p.readAllStandardOutput();
        if (err)
            *err = p.readAllStandardError();
        return p.exitCode();
    };
    const QString sysUrl = QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(server(0)->port());
    QByteArray out, err;
    QCOMPARE(cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("--json"),
                  QStringLiteral("--expect"), QStringLiteral("3"), QStringLiteral("-s"), sysUrl},
                 &out, &err),
             0);
    const QJsonArray servers =
        QJsonDocument::fromJson(out).object().value(QStringLiteral("servers")).toArray();
    QCOMPARE(servers.size(), 3);
    for (const QJsonValue& s : servers)
        QCOMPARE(s.toObject()
                     .value(QStringLiteral("varz"))
                     .toObject()
                     .value(QStringLiteral("version"))
                     .toString(),
                 QStringLiteral("2.9.10"));

    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("-s"), sysUrl}, &out),
        0);
    QVERIFY2(out.contains("NAME") && out.contains("sys-1") && out.contains("sys-3") &&
                 out.contains("3 server(s) answered"),
             out.constData());
    // Columns line up under their headers, whatever the names' lengths.
    const QList<QByteArray> lines = out.split('\n');
    const qsizetype clusterAt = lines.value(0).indexOf("CLUSTER");
    QVERIFY(clusterAt > 0);
    for (int i = 1; i <= 3; ++i)
        QCOMPARE(lines.value(i).indexOf(" sysc ") + 1, clusterAt);

    // A follower may be a few operations behind right after the writes above (not current for
    // a moment): healthy once it has caught up.
    const auto report = [&] {
        return cli({QStringLiteral("server"), QStringLiteral("report"), QStringLiteral("jetstream"),
                    QStringLiteral("-s"), sysUrl},
                   &out) == 0 &&
               out.contains("Every stream and consumer is healthy");
    };
    QTRY_VERIFY2_WITH_TIMEOUT(report(), out.constData(), 15000);
    QVERIFY2(out.contains("Meta group sysc") && out.contains("2 stream(s) and 2 consumer(s)"),
             out.constData());

    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("ping"), QStringLiteral("-s"), sysUrl}, &out),
        0);
    QVERIFY2(out.contains("3 server(s) answered"), out.constData());

    // Without the system account: the monitoring ports (one down, named on stderr).
    QString ports;
    for (int i = 0; i < 3; ++i)
        ports += QStringLiteral("127.0.0.1:%1,").arg(server(i)->config().monitorPort);
    const quint16 dead = NatsServerProcess::freePort();
    ports += QStringLiteral("127.0.0.1:%1").arg(dead);
    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("--monitor"), ports},
            &out, &err),
        0);
    QVERIFY2(out.contains("sys-1") && out.contains("sys-2") && out.contains("sys-3") &&
                 out.contains("3 server(s) answered"),
             out.constData());
    QVERIFY2(err.contains(QStringLiteral("not answering: http://127.0.0.1:%1").arg(dead).toUtf8()),
             err.constData());
    QTRY_VERIFY2_WITH_TIMEOUT(cli({QStringLiteral("server"), QStringLiteral("report"),
                                   QStringLiteral("jetstream"), QStringLiteral("--monitor"), ports},
                                  &out) == 0 &&
                                  out.contains("Every stream and consumer is healthy"),
                              out.constData(), 15000);
    QVERIFY2(out.contains("2 stream(s) and 2 consumer(s)"), out.constData());
    QCOMPARE(cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("--monitor"),
                  QStringLiteral("nats://127.0.0.1:4222")},
                 &out, &err),
             2);
    QVERIFY2(err.contains("http or https"), err.constData());
    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("ping"), QStringLiteral("--monitor"), ports},
            &out, &err),
        1);
    QVERIFY2(err.contains("only through the system account"), err.constData());

    ConnectionThread named(as(server(1), QStringLiteral("app"), QStringLiteral("cli-target")));
    VERIFY_OK(named->connectSync());
    QCOMPARE(cli({QStringLiteral("server"), QStringLiteral("report"), QStringLiteral("connections"),
                  QStringLiteral("--account"), QStringLiteral("APP"), QStringLiteral("--json"),
                  QStringLiteral("-s"), sysUrl},
                 &out),
             0);
    const QJsonArray conns =
        QJsonDocument::fromJson(out).object().value(QStringLiteral("connections")).toArray();
    bool seen = false;
    for (const QJsonValue& c : conns) {
        QCOMPARE(c.toObject().value(QStringLiteral("account")).toString(), QStringLiteral("APP"));
        seen = seen ||
               c.toObject().value(QStringLiteral("name")).toString() == QLatin1String("cli-target");
    }
    QVERIFY(seen);

    // An application user: told what is needed; with system credentials beside it, it works.
    const QString appUrl = QStringLiteral("nats://127.0.0.1:%1").arg(server(0)->port());
    QCOMPARE(cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("--user"),
                  QStringLiteral("app"), QStringLiteral("--password"), QStringLiteral("app"),
                  QStringLiteral("-s"), appUrl},
                 &out, &err),
             1);
    QVERIFY2(err.contains("not in the system account"), err.constData());
    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("--user"),
             QStringLiteral("app"), QStringLiteral("--password"), QStringLiteral("app"),
             QStringLiteral("--sys-user"), QStringLiteral("sys"), QStringLiteral("--sys-password"),
             QStringLiteral("sys"), QStringLiteral("-s"), appUrl},
            &out, &err),
        0);
    // Bad input: a clear word and the usage code.
    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("explode"), QStringLiteral("-s"), sysUrl},
            &out, &err),
        2);
    QVERIFY2(err.contains("server takes list, ping"), err.constData());
    QCOMPARE(cli({QStringLiteral("server"), QStringLiteral("report"), QStringLiteral("connections"),
                  QStringLiteral("--sort"), QStringLiteral("size"), QStringLiteral("-s"), sysUrl},
                 &out, &err),
             2);
    QVERIFY2(err.contains("--sort takes"), err.constData());
    QCOMPARE(
        cli({QStringLiteral("server"), QStringLiteral("list"), QStringLiteral("--sys-password"),
             QStringLiteral("x"), QStringLiteral("-s"), sysUrl},
            &out, &err),
        2);

    // serve-metrics --servers: every server and every account's replicas on /metrics, each
    // server's connections as its own /varz says.
    QProcess serve;
    serve.start(QStringLiteral(JETDECK_CLI_PATH),
                {QStringLiteral("serve-metrics"), QStringLiteral("--metrics-port"),
                 QStringLiteral("0"), QStringLiteral("--servers"), QStringLiteral("--duration"),
                 QStringLiteral("30s"), QStringLiteral("--json"), QStringLiteral("-s"), sysUrl});
    QVERIFY(serve.waitForStarted(5000));
    QVERIFY(serve.waitForReadyRead(10000));
    const QUrl url(QJsonDocument::fromJson(serve.readLine().trimmed())
                       .object()
                       .value(QStringLiteral("metrics_url"))
                       .toString());
    QVERIFY2(url.port() > 0, qPrintable(url.toString()));
    const auto metricsPage = [&] {
        bool ok = false;
        return httpGet(quint16(url.port()), "/metrics", &ok);
    };
    QTRY_COMPARE_WITH_TIMEOUT(int(metricsPage().count("\njetdeck_server_up{")), 3, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(metricsPage().contains("\njetdeck_jetstream_replica_health{"), 15000);
    for (int i = 0; i < 3; ++i) {
        const auto same = [&] {
            bool ok = false;
            const int varz =
                QJsonDocument::fromJson(httpGet(server(i)->config().monitorPort, "/varz", &ok))
                    .object()
                    .value(QStringLiteral("connections"))
                    .toInt();
            const QByteArray prefix = QStringLiteral("jetdeck_server_connections{server=\"%1\"")
                                          .arg(server(i)->config().name)
                                          .toUtf8();
            for (const QByteArray& line : metricsPage().split('\n'))
                if (line.startsWith(prefix))
                    return line.mid(line.lastIndexOf(' ') + 1).toInt() == varz;
            return false;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(same(), qPrintable(server(i)->config().name), 15000);
    }
    serve.terminate();
    QVERIFY(serve.waitForFinished(10000));
    QCOMPARE(serve.exitCode(), 0);
}

QTEST_MAIN(TestSystem)
#include "tst_system.moc"
