// What nats-server 2.9.10 answers on $SYS.REQ.SERVER.PING.* (replies recorded from a real
// three-server cluster in tests/data/system/), parsed into the console's types; malformed
// replies are errors that name the field; the request budget with a clock of its own.
#include "core/base/requestbudget.h"
#include "core/protocol/json.h"
#include "core/system/clientmonitor.h"
#include "core/system/replicas.h"
#include "core/system/sysdocs.h"
#include "tests/support/verify.h"

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
    void links();
    void jszDetail();
    void metaLeader();
    void badDocuments();
    void durations();
    void leaderViewsCountEachAssetOnce();
    void mirrorsAndSources();
    void subscriptionsInDetail();
    void replicaHealth();
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

void TestSysDocs::links() {
    // Recorded from nats-server 2.9.10's monitoring port: server A of cluster C1 with a route to
    // B, a gateway to C2 and a leaf node connection in account APP.
    Result<QList<ServerLink>> routes = parseLinks(Doc::Routez, json::parse(fixture("routez")));
    VERIFY_OK(routes.error());
    QCOMPARE(routes->size(), qsizetype(1));
    const ServerLink& route = routes->first();
    QCOMPARE(route.kind, ServerLink::Kind::Route);
    QCOMPARE(route.remote,
             QStringLiteral("NC7WWKHAOO4XXHIVXC3VTYNXSQCG3BRLRPLZVYSF42R6DU37LN243EZ3"));
    QCOMPARE(route.address, QStringLiteral("127.0.0.1:26222"));
    QVERIFY(route.configured);
    QVERIFY(!route.rtt.isEmpty());
    QVERIFY(route.subscriptions > 0);

    Result<QList<ServerLink>> gateways =
        parseLinks(Doc::Gatewayz, json::parse(fixture("gatewayz")));
    VERIFY_OK(gateways.error());
    QCOMPARE(gateways->size(), qsizetype(1));
    QCOMPARE(gateways->first().kind, ServerLink::Kind::GatewayOut);
    QCOMPARE(gateways->first().remote, QStringLiteral("C2"));
    QCOMPARE(gateways->first().address, QStringLiteral("127.0.0.1:27223"));
    QVERIFY(gateways->first().configured);

    Result<QList<ServerLink>> leafs = parseLinks(Doc::Leafz, json::parse(fixture("leafz")));
    VERIFY_OK(leafs.error());
    QCOMPARE(leafs->size(), qsizetype(1));
    QCOMPARE(leafs->first().kind, ServerLink::Kind::Leaf);
    QCOMPARE(leafs->first().remote, QStringLiteral("APP"));
    QCOMPARE(leafs->first().subscriptions, quint64(4));

    // Inbound gateways come as a list per remote cluster.
    const nlohmann::json in = json::parse(R"({"inbound_gateways": {"C2": [
        {"configured": false, "connection": {"ip": "127.0.0.9", "port": 7222, "in_msgs": 5}},
        {"configured": false, "connection": {"ip": "127.0.0.8", "port": 7222}}]}})");
    Result<QList<ServerLink>> inbound = parseLinks(Doc::Gatewayz, in);
    VERIFY_OK(inbound.error());
    QCOMPARE(inbound->size(), qsizetype(2));
    QCOMPARE(inbound->first().kind, ServerLink::Kind::GatewayIn);
    QCOMPARE(inbound->first().inMsgs, quint64(5));
    QCOMPARE(inbound->last().address, QStringLiteral("127.0.0.8:7222"));

    // Malformed: an Error naming the field, never an exception.
    const auto error = [](Doc d, const char* text) {
        Result<QList<ServerLink>> r = parseLinks(d, json::parse(text));
        return r ? QString() : r.error().message;
    };
    QVERIFY(error(Doc::Routez, R"([])").contains(QStringLiteral("routez")));
    QVERIFY(error(Doc::Routez, R"({"routes": [1]})").contains(QStringLiteral("routes[0]")));
    QVERIFY(error(Doc::Routez, R"({"routes": [{"in_msgs": "many"}]})")
                .contains(QStringLiteral("in_msgs")));
    QVERIFY(error(Doc::Leafz, R"({"leafs": {}})").contains(QStringLiteral("leafs")));
    QVERIFY(error(Doc::Gatewayz, R"({"inbound_gateways": {"C2": {}}})")
                .contains(QStringLiteral("inbound_gateways.C2")));
    QVERIFY(error(Doc::Gatewayz, R"({"outbound_gateways": {"C2": {"connection": 3}}})")
                .contains(QStringLiteral("connection")));
    QVERIFY(!error(Doc::Varz, R"({})").isEmpty());
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

void TestSysDocs::mirrorsAndSources() {
    // As 2.9.10's /jsz and STREAM.INFO write them: a mirror, and sources one of which names a
    // stream that does not exist.
    const nlohmann::json mirror = nlohmann::json::parse(R"({"name":"MIR","config":{"name":"MIR"},
        "state":{"messages":5},"mirror":{"name":"SRC","lag":0,"active":97985523}})");
    Result<js::StreamInfo> m = js::StreamInfo::fromJson(mirror);
    QVERIFY2(m.ok(), qPrintable(m.error().message));
    QVERIFY(m->mirror.has_value());
    QCOMPARE(m->mirror->name, QStringLiteral("SRC"));
    QCOMPARE(m->mirror->activeNs, qint64(97985523));
    QVERIFY(m->mirror->error.isEmpty());
    QVERIFY(m->sources.isEmpty());
    const nlohmann::json agg = nlohmann::json::parse(R"({"config":{"name":"AGG"},"sources":[
        {"name":"SRC","lag":12,"active":98078079,"filter_subject":"src.a",
         "external":{"api":"$JS.hub.API","deliver":""}},
        {"name":"GONE","lag":0,"active":-1,"error":{"code":404,"err_code":10059,
         "description":"stream not found"}}]})");
    Result<js::StreamInfo> a = js::StreamInfo::fromJson(agg);
    QVERIFY2(a.ok(), qPrintable(a.error().message));
    QVERIFY(!a->mirror);
    QCOMPARE(a->sources.size(), qsizetype(2));
    QCOMPARE(a->sources[0].lag, quint64(12));
    QCOMPARE(a->sources[0].filterSubject, QStringLiteral("src.a"));
    QCOMPARE(a->sources[0].externalPrefix, QStringLiteral("$JS.hub.API"));
    QCOMPARE(a->sources[1].activeNs, qint64(-1));
    QCOMPARE(a->sources[1].error, QStringLiteral("stream not found"));
    // Malformed: the error names the member.
    nlohmann::json bad = agg;
    bad["sources"][1]["lag"] = "lots";
    Result<js::StreamInfo> b = js::StreamInfo::fromJson(bad);
    QVERIFY(!b.ok());
    QVERIFY2(b.error().message.contains(QStringLiteral("sources[1].lag")),
             qPrintable(b.error().message));
    bad = agg;
    bad["sources"][0] = 7;
    QVERIFY(!js::StreamInfo::fromJson(bad).ok());
    bad = mirror;
    bad["mirror"] = {{"lag", 1}}; // no name
    QVERIFY(!js::StreamInfo::fromJson(bad).ok());
}

void TestSysDocs::subscriptionsInDetail() {
    // What 2.9.10 sends for {"cid": N, "subscriptions_detail": true}.
    const nlohmann::json conn = nlohmann::json::parse(R"({"server_id":"N1","now":
        "2026-12-06T17:44:22.783124323Z","num_connections":1,"total":1,"offset":0,"limit":1024,
        "connections":[{"cid":22,"kind":"Client","type":"nats","ip":"127.0.0.1","port":60666,
        "rtt":"928\u00b5s","uptime":"0s","idle":"0s","subscriptions":2,"name":"tailer",
        "subscriptions_list_detail":[{"subject":"orders.>","sid":"1","msgs":3,"cid":22},
        {"subject":"jobs","qgroup":"workers","sid":"2","msgs":0,"cid":22}]}]})");
    Result<Connz> c = Connz::fromJson(conn);
    QVERIFY2(c.ok(), qPrintable(c.error().message));
    const auto& subs = c->connections.first().subscriptionsDetail;
    QCOMPARE(subs.size(), qsizetype(2));
    QCOMPARE(subs[0].subject, QStringLiteral("orders.>"));
    QCOMPARE(subs[0].msgs, quint64(3));
    QVERIFY(subs[0].queue.isEmpty());
    QCOMPARE(subs[1].queue, QStringLiteral("workers"));
    QCOMPARE(c->connections.first().rttUs, qint64(928));
    nlohmann::json bad = conn;
    bad["connections"][0]["subscriptions_list_detail"][1]["msgs"] = -3;
    Result<Connz> b = Connz::fromJson(bad);
    QVERIFY(!b.ok());
    QVERIFY2(b.error().message.contains(QStringLiteral("subscriptions_list_detail[1].msgs")),
             qPrintable(b.error().message));
    bad = conn;
    bad["connections"][0]["subscriptions_list_detail"] = {"orders.>"};
    QVERIFY(!Connz::fromJson(bad).ok());
    QVERIFY(connzSubscriptionsRequest(22).contains("\"cid\":22"));
    QVERIFY(connzSubscriptionsRequest(22).contains("\"subscriptions_detail\":true"));
}

void TestSysDocs::replicaHealth() {
    const js::PeerInfo current{QStringLiteral("n2"), true, false, 1000, 0};
    const js::PeerInfo behind{QStringLiteral("n3"), false, false, 1000, 7};
    const js::PeerInfo offline{QStringLiteral("n3"), false, true, 20000000000, 0};
    const auto row = [](int replicas, const QString& leader, QList<js::PeerInfo> followers) {
        ReplicaRow r;
        r.stream = QStringLiteral("ORD");
        r.replicas = replicas;
        r.leader = leader;
        r.followers = std::move(followers);
        judge(r);
        return r;
    };
    const QString n1 = QStringLiteral("n1");
    QCOMPARE(row(1, n1, {}).health, ReplicaHealth::Ok); // a single replica
    QCOMPARE(row(3, n1, {current, current}).health, ReplicaHealth::Ok);
    ReplicaRow r = row(3, n1, {current, behind});
    QCOMPARE(r.health, ReplicaHealth::Lagging);
    QCOMPARE(r.problems, QStringList{QStringLiteral("n3 behind by 7")});
    r = row(3, n1, {behind, offline});
    QCOMPARE(r.health, ReplicaHealth::Degraded);
    QCOMPARE(r.problems.first(), QStringLiteral("n3 offline")); // the worst first
    r = row(3, n1, {current});                                  // a replica that nobody reports
    QCOMPARE(r.health, ReplicaHealth::Degraded);
    QCOMPARE(r.problems, QStringList{QStringLiteral("2 of 3 replicas reported")});
    r = row(3, {}, {});
    QCOMPARE(r.health, ReplicaHealth::NoLeader);
    QCOMPARE(r.problems, QStringList{QStringLiteral("no leader")});
    // A mirror behind is lagging; a source that cannot copy is degraded.
    r.leader = n1;
    r.followers = {current, current};
    r.mirror = js::StreamSourceInfo{QStringLiteral("SRC"), {}, {}, 40, 1000, {}};
    judge(r);
    QCOMPARE(r.health, ReplicaHealth::Lagging);
    QCOMPARE(r.problems, QStringList{QStringLiteral("mirror of SRC: lag 40")});
    r.mirror.reset();
    r.sources = {js::StreamSourceInfo{
        QStringLiteral("GONE"), {}, {}, 0, -1, QStringLiteral("stream not found")}};
    judge(r);
    QCOMPARE(r.health, ReplicaHealth::Degraded);
    QCOMPARE(r.problems, QStringList{QStringLiteral("source GONE: stream not found")});
    // A clustered server gives no error: the source is never heard from. Lagging at first,
    // degraded once the stream is older than the grace.
    const QDateTime made =
        QDateTime::fromString(QStringLiteral("2026-12-06T10:00:00Z"), Qt::ISODate);
    r.created = made;
    r.sources = {js::StreamSourceInfo{QStringLiteral("GONE"), {}, {}, 0, -1, {}}};
    judge(r, made.addMSecs(kSourceGraceMs / 2));
    QCOMPARE(r.health, ReplicaHealth::Lagging);
    QCOMPARE(r.problems, QStringList{QStringLiteral("source GONE: never heard from it")});
    judge(r, made.addMSecs(kSourceGraceMs + 1000));
    QCOMPARE(r.health, ReplicaHealth::Degraded);

    // No server reports it any more (its servers are down): that alone is judged.
    ReplicaRow gone = row(1, n1, {});
    gone.unreportedSince = made;
    judge(gone);
    QCOMPARE(gone.health, ReplicaHealth::Degraded);
    QCOMPARE(gone.problems.size(), qsizetype(1));
    QVERIFY(gone.problems.first().startsWith(QStringLiteral("no server has reported it since")));

    // From a JSZ round: a consumer inherits its stream's replicas; the stream comes first.
    JetStreamAssets assets;
    JetStreamAssets::Stream s;
    s.account = QStringLiteral("APP");
    s.info.config.name = QStringLiteral("ORD");
    s.info.config.replicas = 3;
    s.info.cluster.leader = n1;
    s.info.cluster.replicas = {current, offline};
    JetStreamAssets::Consumer c;
    c.account = QStringLiteral("APP");
    c.info.stream = QStringLiteral("ORD");
    c.info.name = QStringLiteral("W");
    c.info.numPending = 5;
    c.info.cluster.leader = QStringLiteral("n2");
    c.info.cluster.replicas = {current, current};
    assets.consumers << c;
    assets.streams << s;
    const QList<ReplicaRow> rows = replicaRows(assets);
    QCOMPARE(rows.size(), qsizetype(2));
    QCOMPARE(rows[0].kind, ReplicaRow::Kind::Stream);
    QCOMPARE(rows[0].health, ReplicaHealth::Degraded);
    QCOMPARE(rows[1].replicas, 3);
    QCOMPARE(rows[1].pending, quint64(5));
    QCOMPARE(rows[1].health, ReplicaHealth::Ok);
    QCOMPARE(rows[1].key(), QStringLiteral("APP/ORD/W"));
    const ReplicaSummary sum = summarize(rows);
    QCOMPARE(sum.ok, 1);
    QCOMPARE(sum.degraded, 1);
    QCOMPARE(sum.unhealthy(), 1);
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
