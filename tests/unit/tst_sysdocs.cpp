// What nats-server 2.9.10 answers on $SYS.REQ.SERVER.PING.* (replies recorded from a real
// three-server cluster in tests/data/system/), parsed into the console's types; malformed
// replies are errors that name the field; the request budget with a clock of its own.
#include "core/base/requestbudget.h"
#include "core/system/sysdocs.h"

#include <QFile>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::sys;

namespace {

QByteArray fixture(const char* name) {
    QFile f(
        QStringLiteral(JETDECK_SOURCE_DIR "/tests/data/system/%1.json").arg(QLatin1String(name)));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", name);
    return f.readAll();
}

ServerReply reply(const char* name) {
    Result<ServerReply> r = parseServerReply(fixture(name));
    if (!r)
        qFatal("%s: %s", name, qPrintable(r.error().message));
    return r.value();
}

js::StreamInfo stream(const QString& name, const QString& leader, QList<js::PeerInfo> followers,
                      int replicas) {
    js::StreamInfo s;
    s.config.name = name;
    s.config.replicas = replicas;
    s.cluster.leader = leader;
    s.cluster.replicas = std::move(followers);
    return s;
}

std::pair<ServerIdentity, Jsz> serverWith(const QString& name, QList<js::StreamInfo> streams) {
    ServerIdentity id;
    id.name = name;
    Jsz z;
    AccountJetStream a;
    a.name = QStringLiteral("APP");
    a.streams = std::move(streams);
    z.accounts << a;
    return {id, z};
}

} // namespace

class TestSysDocs : public QObject {
    Q_OBJECT
private slots:
    void envelope();
    void envelopeErrors_data();
    void envelopeErrors();
    void varz();
    void healthzAndStatsz();
    void connz();
    void jszDetail();
    void metaLeader();
    void badDocuments();
    void durations();
    void leaderViewsCountEachAssetOnce();
    void subjects();
    void budget();
};

void TestSysDocs::envelope() {
    const ServerReply r = reply("varz");
    QCOMPARE(r.server.name, QStringLiteral("n1"));
    QCOMPARE(r.server.cluster, QStringLiteral("c1"));
    QCOMPARE(r.server.version, QStringLiteral("2.9.10"));
    QVERIFY(r.server.jetstream);
    QVERIFY(r.server.time.isValid());
    QVERIFY(r.error.ok());
    QVERIFY(r.data.is_object());

    // {"data": null, "error": {...}}: the server's own words, kept.
    const ServerReply e = reply("error");
    QCOMPARE(e.error.kind, ErrorKind::Server);
    QVERIFY2(e.error.message.contains(QStringLiteral("invalid sorting option: nonsense")),
             qPrintable(e.error.message));
    QVERIFY(e.error.message.contains(QStringLiteral("500")));
}

void TestSysDocs::envelopeErrors_data() {
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("says");
    QTest::newRow("not json") << QByteArray("PING") << QStringLiteral("not JSON");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("not JSON");
    QTest::newRow("array") << QByteArray("[1]") << QStringLiteral("expected a JSON object");
    QTest::newRow("no server") << QByteArray(R"({"data":{}})")
                               << QStringLiteral("without the server");
    QTest::newRow("server not an object")
        << QByteArray(R"({"server":"n1","data":{}})") << QStringLiteral("server");
    QTest::newRow("name not a string")
        << QByteArray(R"({"server":{"name":7},"data":{}})") << QStringLiteral("server.name");
    QTest::newRow("neither") << QByteArray(R"({"server":{"name":"n1"}})")
                             << QStringLiteral("neither data nor error");
    QTest::newRow("data not an object") << QByteArray(R"({"server":{"name":"n1"},"data":[1]})")
                                        << QStringLiteral("neither data nor error");
    QTest::newRow("bad utf-8") << QByteArray("{\"server\":{\"name\":\"\xff\"},\"data\":{}}")
                               << QStringLiteral("not JSON");
    QTest::newRow("deep") << QByteArray(100000, '[') << QStringLiteral("not JSON");
}

void TestSysDocs::envelopeErrors() {
    QFETCH(QByteArray, payload);
    QFETCH(QString, says);
    const Result<ServerReply> r = parseServerReply(payload);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::Protocol);
    QVERIFY2(r.error().message.contains(says), qPrintable(r.error().message));
}

void TestSysDocs::varz() {
    const Result<Varz> v = Varz::fromJson(reply("varz").data);
    QVERIFY2(v.ok(), qPrintable(v.error().message));
    QCOMPARE(v->name, QStringLiteral("n1"));
    QCOMPARE(v->version, QStringLiteral("2.9.10"));
    QCOMPARE(v->clusterName, QStringLiteral("c1"));
    QCOMPARE(v->routes, 2);
    QCOMPARE(v->leafnodes, 0);
    QCOMPARE(v->cores, 2);
    QVERIFY(v->connections >= 1);
    QVERIFY(v->subscriptions > 100); // the system account's own
    QVERIFY(v->inMsgs > 0 && v->outMsgs > 0);
    QCOMPARE(v->maxPayload, qint64(1048576));
    QCOMPARE(v->systemAccount, QStringLiteral("SYS"));
    QVERIFY(v->jetstream);
    QVERIFY(v->js.maxMemory > 0 && v->js.maxStorage > 0);
    QCOMPARE(v->meta.clusterSize, 3);
    QVERIFY(!v->meta.leader.isEmpty());
    QVERIFY(v->uptimeMs() > 0);
}

void TestSysDocs::healthzAndStatsz() {
    const Result<Healthz> h = Healthz::fromJson(reply("healthz").data);
    QVERIFY(h.ok());
    QVERIFY(h->ok());
    QVERIFY(!Healthz::fromJson(nlohmann::json::object()).ok()); // no status
    const Result<Healthz> bad = Healthz::fromJson(nlohmann::json::parse(
        R"({"status":"unavailable","error":"JetStream is not current with the meta leader"})"));
    QVERIFY(bad.ok());
    QVERIFY(!bad->ok());
    QVERIFY(bad->error.contains(QStringLiteral("meta leader")));
    // STATSZ's document comes under "statsz", not "data".
    const ServerReply s = reply("statsz");
    QVERIFY(s.data.contains("connections"));
    QVERIFY(s.data.contains("routes"));
}

void TestSysDocs::connz() {
    const Result<Connz> c = Connz::fromJson(reply("connz").data);
    QVERIFY2(c.ok(), qPrintable(c.error().message));
    QCOMPARE(c->numConnections, int(c->connections.size()));
    QVERIFY(c->total >= c->numConnections);
    QCOMPARE(c->limit, 1024);
    QVERIFY(!c->connections.isEmpty());
    const ClientConn& first = c->connections.first();
    QVERIFY(first.cid > 0);
    QCOMPARE(first.ip, QStringLiteral("127.0.0.1"));
    QVERIFY(first.rttUs > 0);
    QCOMPARE(first.account, QStringLiteral("SYS"));
    QVERIFY(first.start.isValid());
    QCOMPARE(first.subscriptionsList.size(), qsizetype(first.subscriptions));
}

void TestSysDocs::jszDetail() {
    const Result<Jsz> z = Jsz::fromJson(reply("jsz-detail").data);
    QVERIFY2(z.ok(), qPrintable(z.error().message));
    QCOMPARE(z->streams, 1);
    QCOMPARE(z->consumers, 1);
    QCOMPARE(z->messages, quint64(5));
    QCOMPARE(z->accounts.size(), qsizetype(1));
    const AccountJetStream& a = z->accounts.first();
    QCOMPARE(a.name, QStringLiteral("APP"));
    // 2.9.10 writes "no limit" as the largest unsigned 64-bit number: read as such, not
    // wrapped into a negative.
    QCOMPARE(a.streams.size(), qsizetype(1));
    const js::StreamInfo& s = a.streams.first();
    QCOMPARE(s.config.name, QStringLiteral("ORD"));
    QCOMPARE(s.config.replicas, 3);
    QCOMPARE(s.state.messages, quint64(5));
    QVERIFY(!s.cluster.leader.isEmpty());
    QCOMPARE(s.cluster.replicas.size(), qsizetype(2));
    QCOMPARE(a.consumers.size(), qsizetype(1));
    const js::ConsumerInfo& c = a.consumers.first();
    QCOMPARE(c.name, QStringLiteral("W"));
    QCOMPARE(c.stream, QStringLiteral("ORD"));
    QCOMPARE(c.numPending, qint64(5));
    QCOMPARE(c.config.sampleFrequency, QStringLiteral("100%"));
}

void TestSysDocs::metaLeader() {
    const Result<Jsz> z = Jsz::fromJson(reply("jsz-meta-leader").data);
    QVERIFY2(z.ok(), qPrintable(z.error().message));
    QCOMPARE(z->meta.clusterSize, 3);
    QCOMPARE(z->meta.replicas.size(), qsizetype(2)); // the leader lists its two followers
    for (const js::PeerInfo& p : z->meta.replicas) {
        QVERIFY(!p.name.isEmpty());
        QVERIFY(p.name != z->meta.leader);
    }
}

void TestSysDocs::badDocuments() {
    // Wrong types deep inside say where.
    nlohmann::json v = reply("varz").data;
    v["jetstream"]["stats"]["api"]["total"] = "many";
    Result<Varz> bad = Varz::fromJson(v);
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().message.contains(QStringLiteral("jetstream.stats.api.total")),
             qPrintable(bad.error().message));
    v = reply("varz").data;
    v["connections"] = -1.5;
    QVERIFY(!Varz::fromJson(v).ok());
    v = reply("varz").data;
    v["cpu"] = "hot";
    QVERIFY(!Varz::fromJson(v).ok());

    nlohmann::json c = reply("connz").data;
    c["connections"][0]["rtt"] = "soon";
    Result<Connz> badConn = Connz::fromJson(c);
    QVERIFY(!badConn.ok());
    QVERIFY2(badConn.error().message.contains(QStringLiteral("connections[0].rtt")),
             qPrintable(badConn.error().message));
    c = reply("connz").data;
    c["connections"] = nlohmann::json::array({42});
    QVERIFY(!Connz::fromJson(c).ok());

    nlohmann::json z = reply("jsz-detail").data;
    z["account_details"][0]["stream_detail"][0]["consumer_detail"][0]["num_pending"] = "x";
    Result<Jsz> badJsz = Jsz::fromJson(z);
    QVERIFY(!badJsz.ok());
    QVERIFY2(badJsz.error().message.contains(QStringLiteral("consumer_detail[0]")),
             qPrintable(badJsz.error().message));
    QVERIFY(!Jsz::fromJson(nlohmann::json::array()).ok());
    // Unknown members are no error (newer servers add fields).
    z = reply("jsz-detail").data;
    z["something_new"] = {{"a", 1}};
    QVERIFY(Jsz::fromJson(z).ok());
}

void TestSysDocs::durations() {
    QCOMPARE(parseServerDurationMs(u"0s"), std::optional<qint64>(0));
    QCOMPARE(parseServerDurationMs(u"1.5ms"), std::optional<qint64>(1));
    QCOMPARE(parseServerDurationMs(u"30m18s"), std::optional<qint64>(1818000));
    QCOMPARE(parseServerDurationMs(u"3d4h5m6s"),
             std::optional<qint64>(((3 * 24 + 4) * 3600 + 5 * 60 + 6) * 1000LL));
    QCOMPARE(parseServerDurationMs(u"1y2d"), std::optional<qint64>((365 + 2) * 86400000LL));
    for (const char16_t* bad : {u"", u"d", u"3", u"3x", u"4h3d", u"1d1d", u"9999999999d", u"-"})
        QVERIFY2(!parseServerDurationMs(bad).has_value(), qPrintable(QString::fromUtf16(bad)));
    QCOMPARE(uptimeText(45000), QStringLiteral("45s"));
    QCOMPARE(uptimeText(750000), QStringLiteral("12m30s"));
    QCOMPARE(uptimeText((4 * 86400 + 2 * 3600) * 1000LL), QStringLiteral("4d2h"));
    QCOMPARE(uptimeText(-5), QStringLiteral("0s"));
}

void TestSysDocs::leaderViewsCountEachAssetOnce() {
    const js::PeerInfo behind{QStringLiteral("n3"), false, false, 0, 7};
    const js::PeerInfo ok{QStringLiteral("n2"), true, false, 0, 0};
    // ORD (R3) is reported by all three, each in its own view; only n1's says it leads.
    // SOLO (R1) lives on n2 alone. HEADLESS (R3) has no leader right now.
    QList<std::pair<ServerIdentity, Jsz>> servers{
        serverWith(QStringLiteral("n1"),
                   {stream(QStringLiteral("ORD"), QStringLiteral("n1"), {ok, behind}, 3),
                    stream(QStringLiteral("HEADLESS"), {}, {}, 3)}),
        serverWith(QStringLiteral("n2"),
                   {stream(QStringLiteral("ORD"), QStringLiteral("n1"), {}, 3),
                    stream(QStringLiteral("SOLO"), QStringLiteral("n2"), {}, 1),
                    stream(QStringLiteral("HEADLESS"), {}, {}, 3)}),
        serverWith(QStringLiteral("n3"),
                   {stream(QStringLiteral("ORD"), QStringLiteral("n1"), {}, 3)}),
    };
    // Whichever order the replies came in.
    for (int round = 0; round < 3; ++round) {
        std::rotate(servers.begin(), servers.begin() + 1, servers.end());
        const JetStreamAssets a = leaderViews(servers);
        QCOMPARE(a.streams.size(), qsizetype(3));
        QCOMPARE(a.streams[0].info.config.name, QStringLiteral("HEADLESS"));
        QVERIFY(a.streams[0].leaderless);
        QCOMPARE(a.streams[1].info.config.name, QStringLiteral("ORD"));
        QCOMPARE(a.streams[1].server, QStringLiteral("n1"));
        QCOMPARE(a.streams[1].reports, 3);
        QVERIFY(!a.streams[1].leaderless);
        QCOMPARE(a.streams[1].info.cluster.replicas.size(), qsizetype(2)); // the leader's view
        QCOMPARE(a.streams[2].info.config.name, QStringLiteral("SOLO"));
        QVERIFY(!a.streams[2].leaderless);
    }
}

void TestSysDocs::subjects() {
    QCOMPARE(pingSubject(Doc::Jsz), QByteArray("$SYS.REQ.SERVER.PING.JSZ"));
    QCOMPARE(serverSubject(QStringLiteral("NABC"), Doc::Healthz),
             QByteArray("$SYS.REQ.SERVER.NABC.HEALTHZ"));
    QVERIFY(jszDetailRequest().contains("\"config\":true"));
    QVERIFY(!jszDetailRequest().contains("leader_only"));
}

void TestSysDocs::budget() {
    qint64 now = 1000;
    RequestBudget b(20, [&] { return now; });
    // A full second's worth at the start, then 20 a second.
    int taken = 0;
    while (b.tryTake(1))
        ++taken;
    QCOMPARE(taken, 20);
    QCOMPARE(b.waitMs(1), qint64(50));
    now += 50;
    QVERIFY(b.tryTake(1));
    QVERIFY(!b.tryTake(1));
    // Over ten seconds of asking all the time: 20 a second, never more.
    taken = 0;
    for (int ms = 0; ms < 10000; ms += 10) {
        now += 10;
        while (b.tryTake(3))
            taken += 3;
    }
    QVERIFY2(taken <= 200 && taken >= 195, qPrintable(QString::number(taken)));
    QVERIFY(b.refused() > 0);
    // A fan-out larger than the bucket goes once it is full, and the debt is paid after.
    RequestBudget small(2, [&] { return now; });
    QVERIFY(small.tryTake(5));
    QVERIFY(!small.tryTake(1));
    QCOMPARE(small.waitMs(1), qint64(2000)); // 3 owed + 1 more, at 2 a second
    // Nonsense rates are made sane.
    RequestBudget odd(-3, [&] { return now; });
    QCOMPARE(odd.perSecond(), 0.1);
    odd.setPerSecond(std::numeric_limits<double>::quiet_NaN());
    QCOMPARE(odd.perSecond(), RequestBudget::kDefaultPerSecond);
}

QTEST_MAIN(TestSysDocs)
#include "tst_sysdocs.moc"
