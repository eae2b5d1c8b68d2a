// The client against a scripted fake NATS server, for what a real nats-server cannot be made
// to do: odd or broken INFO, -ERR at chosen moments, frames cut into pieces, silence.
//
// The fake server runs on a thread of its own, so blocking client calls on the test's thread
// (connectSync, requestSync, flushSync, Subscription::next) never stall it; the Connection runs
// on a ConnectionThread. Signals the tests look at are collected on the test's thread through
// queued connections, and QTRY_* keeps the test's event loop turning while waiting.
#include "tests/support/fakenatsserver.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QJsonArray>

using namespace jetdeck;
using namespace jetdeck::test;

Q_DECLARE_METATYPE(jetdeck::ErrorKind)

namespace {

QByteArray manyConnectUrls(int n) {
    QByteArray urls;
    for (int i = 0; i < n; ++i) {
        if (i)
            urls += ',';
        urls += QByteArrayLiteral("\"192.0.2.") + QByteArray::number(i % 250 + 1) + ':' +
                QByteArray::number(5000 + i) + '"';
    }
    return QByteArrayLiteral(",\"connect_urls\":[") + urls + ']';
}

QString describe(const Error& e) {
    return errorKindName(e.kind) + QStringLiteral(" / ") + e.message;
}

} // namespace

class TestFakeServer : public QObject {
    Q_OBJECT
private slots:
    void oddInfoStillConnects_data();
    void oddInfoStillConnects();
    void headersAbsentMeansUnsupported();
    void tlsRequiredByPlainServer();
    void infoNotAnObject_data();
    void infoNotAnObject();
    void connectJson_data();
    void connectJson();
    void handshakeErr_data();
    void handshakeErr();
    void permissionViolationKeepsConnection();
    void fatalErrWhileConnected_data();
    void fatalErrWhileConnected();
    void messageInPieces_data();
    void messageInPieces();
    void coalescedFrames();
    void noInfoTimesOut();
    void noConnectAnswerTimesOut();
    void serverClosesDuringHandshake();
    void serverClosesWhileConnected();
    void malformedFrame_data();
    void malformedFrame();
    void serverPingAnswered();
    void asyncInfoDiscoversServers();
    void asyncInfoLameDuck();
    void noResponders();
    void requestsReleasedWhenConnectionLost();
    void unansweredPingsGoStale_data();
    void unansweredPingsGoStale();
};

// --- INFO ----------------------------------------------------------------------------------

void TestFakeServer::oddInfoStillConnects_data() {
    QTest::addColumn<QByteArray>("info");
    QTest::addColumn<int>("firstPiece");
    QTest::addColumn<int>("chunk");
    QTest::addColumn<int>("delayMs");
    QTest::addColumn<QString>("serverId");
    QTest::addColumn<qint64>("maxPayload");
    QTest::addColumn<bool>("headers");
    QTest::addColumn<int>("knownServers");

    const QByteArray standard = QByteArrayLiteral(
        "INFO {\"server_id\":\"NSTD\",\"version\":\"2.10.0\",\"proto\":1,\"headers\":true,"
        "\"max_payload\":1048576,\"host\":\"0.0.0.0\",\"port\":4222}\r\n");
    const QByteArray big = QByteArrayLiteral("INFO {\"server_id\":\"NBIG\",\"headers\":true") +
                           manyConnectUrls(300) + QByteArrayLiteral("}\r\n");
    Q_ASSERT(big.size() > Parser::MaxControlLine && big.size() < Parser::MaxInfoLine);

    QTest::newRow("unknown extra fields")
        << QByteArrayLiteral("INFO {\"server_id\":\"NODD1\",\"version\":\"2.99.0\",\"proto\":1,"
                             "\"headers\":true,\"max_payload\":2048,\"future_field\":{\"nested\":"
                             "[1,2,{\"x\":null}]},\"another\":\"value\",\"number\":1.5e3,"
                             "\"flag\":false}\r\n")
        << 0 << 0 << 0 << QStringLiteral("NODD1") << qint64(2048) << true << 1;
    QTest::newRow("empty object") << QByteArrayLiteral("INFO {}\r\n") << 0 << 0 << 0 << QString()
                                  << qint64(1024 * 1024) << false << 1;
    QTest::newRow("only server_id")
        << QByteArrayLiteral("INFO {\"server_id\":\"NODD2\"}\r\n") << 0 << 0 << 0
        << QStringLiteral("NODD2") << qint64(1024 * 1024) << false << 1;
    QTest::newRow("fields of the wrong type")
        << QByteArrayLiteral("INFO {\"server_id\":\"NODD3\",\"headers\":\"yes\",\"max_payload\":"
                             "\"big\",\"connect_urls\":\"nope\",\"version\":7,\"ldm\":1}\r\n")
        << 0 << 0 << 0 << QStringLiteral("NODD3") << qint64(1024 * 1024) << false << 1;
    QTest::newRow("one byte per write")
        << standard << 0 << 1 << 2 << QStringLiteral("NSTD") << qint64(1024 * 1024) << true << 1;
    QTest::newRow("lowercase op, tab")
        << QByteArrayLiteral("info\t{\"server_id\":\"NODD4\",\"headers\":true}\r\n") << 0 << 0 << 0
        << QStringLiteral("NODD4") << qint64(1024 * 1024) << true << 1;
    QTest::newRow("mixed case op, blanks around the JSON")
        << QByteArrayLiteral("iNfO \t  {\"server_id\":\"NODD5\"} \t\r\n") << 0 << 0 << 0
        << QStringLiteral("NODD5") << qint64(1024 * 1024) << false << 1;
    QTest::newRow("LF without CR")
        << QByteArrayLiteral("INFO {\"server_id\":\"NODD6\"}\n") << 0 << 0 << 0
        << QStringLiteral("NODD6") << qint64(1024 * 1024) << false << 1;
    QTest::newRow("300 connect_urls")
        << big << 0 << 0 << 0 << QStringLiteral("NBIG") << qint64(1024 * 1024) << true << 301;
    QTest::newRow("300 connect_urls, 1000-byte writes")
        << big << 0 << 1000 << 20 << QStringLiteral("NBIG") << qint64(1024 * 1024) << true << 301;
    // "INF" alone, then more than 4 KiB without a line end: the parser must still know the
    // line is an INFO (256 KiB limit), not an ordinary control line (4 KiB).
    QTest::newRow("300 connect_urls, cut after 'INF'")
        << big << 3 << 5000 << 50 << QStringLiteral("NBIG") << qint64(1024 * 1024) << true << 301;
}

void TestFakeServer::oddInfoStillConnects() {
    QFETCH(QByteArray, info);
    QFETCH(int, firstPiece);
    QFETCH(int, chunk);
    QFETCH(int, delayMs);
    QFETCH(QString, serverId);
    QFETCH(qint64, maxPayload);
    QFETCH(bool, headers);
    QFETCH(int, knownServers);

    FakeNatsServer server;
    QVERIFY(server.isListening());
    server.setInfo(info, firstPiece, chunk, delayMs);
    Options o = optionsForFake(server);
    o.connectTimeoutMs = 3000;
    ConnectionThread c(o);
    const Status s = c->connectSync(5000);
    QVERIFY2(s.ok(), qPrintable(describe(s)));
    QCOMPARE(c->state(), ConnectionState::Connected);
    QCOMPARE(c->currentServer(), server.hostPort());

    const ServerInfo si = c->serverInfo();
    QCOMPARE(si.serverId, serverId);
    QCOMPARE(si.maxPayload, maxPayload);
    QCOMPARE(si.headers, headers);
    QCOMPARE(si.lameDuckMode, false);
    QCOMPARE(c->knownServers().size(), knownServers);
    if (knownServers > 1) {
        ConnectionEvent e;
        QVERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::Discovered, &e));
        QVERIFY2(e.message.contains(QStringLiteral("192.0.2.1:5000")), qPrintable(e.message));
        QCOMPARE(e.server, server.hostPort());
    }

    QCOMPARE(server.count("CONNECT"), 1);
    QCOMPARE(server.connectJson().contains(QStringLiteral("headers")), headers);
    // The connection is usable: a flush round trip works.
    const Status f = c->flushSync(2000);
    QVERIFY2(f.ok(), qPrintable(describe(f)));
}

void TestFakeServer::headersAbsentMeansUnsupported() {
    FakeNatsServer server;
    server.setInfo(server.standardInfo({}, /*headers=*/false));
    ConnectionThread c(optionsForFake(server));
    const Status s = c->connectSync(5000);
    QVERIFY2(s.ok(), qPrintable(describe(s)));
    QVERIFY(!c->serverInfo().headers);
    const QJsonObject cj = server.connectJson();
    QVERIFY(!cj.contains(QStringLiteral("headers")));
    QVERIFY(!cj.contains(QStringLiteral("no_responders")));

    Headers h;
    h.append("Trace-Id", "t-1");
    const Status p = c->publish("with.headers", h, "x");
    QCOMPARE(p.kind, ErrorKind::Unsupported);
    QVERIFY2(p.message.contains(QStringLiteral("header")), qPrintable(p.message));
    const Status raw = c->publishRaw("with.headers", {}, h.toBlock(), "x");
    QCOMPARE(raw.kind, ErrorKind::Unsupported);
    auto r = c->requestSync("svc.headers", "x", 1000, &h);
    QCOMPARE(r.error().kind, ErrorKind::Unsupported);

    // Without headers publishing works, and nothing with headers reached the wire.
    VERIFY_OK(c->publish("plain", "x"));
    VERIFY_OK(c->flushSync(2000));
    QCOMPARE(server.count("PUB"), 1);
    QCOMPARE(server.count("HPUB"), 0);
    QCOMPARE(c->state(), ConnectionState::Connected);
}

void TestFakeServer::tlsRequiredByPlainServer() {
    // INFO says tls_required, but the server cannot actually do TLS: the client must go over
    // to TLS before sending any credentials, and give up on the handshake in time.
    FakeNatsServer server;
    server.setInfo(server.standardInfo(QByteArrayLiteral(",\"tls_required\":true")));
    Options o = optionsForFake(server, QStringLiteral("alice:s3cret"));
    o.connectTimeoutMs = 500;
    ConnectionThread c(o);
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(5000);
    const qint64 elapsed = t.elapsed();
    QCOMPARE(s.kind, ErrorKind::Timeout);
    QVERIFY2(s.message.contains(QStringLiteral("TLS")), qPrintable(s.message));
    QVERIFY2(s.message.contains(server.hostPort()), qPrintable(s.message));
    // At most one plain attempt and one TLS attempt, each bounded by the connect timeout.
    QVERIFY2(elapsed < 2 * 500 + 1000, qPrintable(QString::number(elapsed)));
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    QCOMPARE(c->lastError().kind, ErrorKind::Timeout);
    QVERIFY(server.connections() <= 2);
    QCOMPARE(server.count("CONNECT"), 0);
    QVERIFY2(!server.received().contains("s3cret"), "credentials sent before TLS");
    const auto events = c->events();
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [](const ConnectionEvent& e) {
        return e.message.contains(QStringLiteral("requires TLS"));
    }));
}

void TestFakeServer::infoNotAnObject_data() {
    QTest::addColumn<QByteArray>("info");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("not JSON") << QByteArrayLiteral("INFO nope\r\n") << QStringLiteral("nope");
    QTest::newRow("JSON array") << QByteArrayLiteral("INFO [1,2,3]\r\n")
                                << QStringLiteral("[1,2,3]");
    QTest::newRow("JSON string") << QByteArrayLiteral("INFO \"server\"\r\n")
                                 << QStringLiteral("INFO");
    QTest::newRow("no argument") << QByteArrayLiteral("INFO\r\n") << QStringLiteral("INFO");
    QTest::newRow("broken object")
        << QByteArrayLiteral("INFO {\"server_id\":}\r\n") << QStringLiteral("JSON");
    QTest::newRow("trailing garbage")
        << QByteArrayLiteral("INFO {\"server_id\":\"x\"} trailing\r\n") << QStringLiteral("JSON");
    QTest::newRow("unterminated object")
        << QByteArrayLiteral("INFO {\"server_id\":\"x\"\r\n") << QStringLiteral("JSON");
    QTest::newRow("longer than 256 KiB")
        << (QByteArrayLiteral("INFO {\"server_id\":\"x\",\"pad\":\"") +
            QByteArray(Parser::MaxInfoLine + 1000, 'p') + QByteArrayLiteral("\"}\r\n"))
        << QString::number(Parser::MaxInfoLine);
}

void TestFakeServer::infoNotAnObject() {
    QFETCH(QByteArray, info);
    QFETCH(QString, messagePart);

    FakeNatsServer server;
    server.setInfo(info);
    Options o = optionsForFake(server);
    o.connectTimeoutMs = 3000;
    ConnectionThread c(o);
    SignalLog log(c.connection());
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(5000);
    QCOMPARE(s.kind, ErrorKind::Protocol);
    QVERIFY2(t.elapsed() < 1500, "a broken INFO must fail at once, not at the connect timeout");
    QVERIFY2(s.message.contains(QStringLiteral("INFO")), qPrintable(s.message));
    QVERIFY2(s.message.contains(messagePart), qPrintable(s.message));
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    QCOMPARE(c->lastError().kind, ErrorKind::Protocol);
    QCOMPARE(c->lastError().message, s.message);
    QCOMPARE(server.count("CONNECT"), 0);
    ConnectionEvent e;
    QVERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::Error, &e));
    QCOMPARE(e.server, server.hostPort());
    QTRY_COMPARE(log.errors.size(), 1);
    QCOMPARE(log.errors.first().kind, ErrorKind::Protocol);
}

// --- CONNECT -------------------------------------------------------------------------------

void TestFakeServer::connectJson_data() {
    QTest::addColumn<QString>("userInfo");
    QTest::addColumn<bool>("infoHeaders");
    QTest::addColumn<bool>("verbose");
    QTest::addColumn<bool>("pedantic");
    QTest::addColumn<bool>("echo");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("optUser");
    QTest::addColumn<QString>("optPass");
    QTest::addColumn<QString>("optToken");
    QTest::addColumn<QString>("user");  // expected; empty: no user/pass keys
    QTest::addColumn<QString>("pass");  //
    QTest::addColumn<QString>("token"); // expected; empty: no auth_token key

    const QString none;
    QTest::newRow("defaults, server with headers")
        << none << true << false << false << true << QStringLiteral("jetdeck-test") << none << none
        << none << none << none << none;
    QTest::newRow("server without headers")
        << none << false << false << false << true << QStringLiteral("jetdeck-test") << none << none
        << none << none << none << none;
    QTest::newRow("verbose, pedantic, no echo, other name")
        << none << true << true << true << false << QStringLiteral("console \"1\"") << none << none
        << none << none << none << none;
    QTest::newRow("user:pass in URL")
        << QStringLiteral("alice:s3cret") << true << false << false << true
        << QStringLiteral("jetdeck-test") << none << none << none << QStringLiteral("alice")
        << QStringLiteral("s3cret") << none;
    QTest::newRow("percent-escaped password")
        << QStringLiteral("bob:p%40ss%3Aword") << true << false << false << true
        << QStringLiteral("jetdeck-test") << none << none << none << QStringLiteral("bob")
        << QStringLiteral("p@ss:word") << none;
    QTest::newRow("token in URL") << QStringLiteral("t0ken") << true << false << false << true
                                  << QStringLiteral("jetdeck-test") << none << none << none << none
                                  << none << QStringLiteral("t0ken");
    QTest::newRow("user/pass from options")
        << none << true << false << false << true << QStringLiteral("jetdeck-test")
        << QStringLiteral("carol") << QStringLiteral("pw") << none << QStringLiteral("carol")
        << QStringLiteral("pw") << none;
    QTest::newRow("token from options")
        << none << true << false << false << true << QStringLiteral("jetdeck-test") << none << none
        << QStringLiteral("opt-token") << none << none << QStringLiteral("opt-token");
    QTest::newRow("URL user wins over options")
        << QStringLiteral("urluser:urlpass") << true << false << false << true
        << QStringLiteral("jetdeck-test") << QStringLiteral("optuser") << QStringLiteral("optpass")
        << none << QStringLiteral("urluser") << QStringLiteral("urlpass") << none;
}

void TestFakeServer::connectJson() {
    QFETCH(QString, userInfo);
    QFETCH(bool, infoHeaders);
    QFETCH(bool, verbose);
    QFETCH(bool, pedantic);
    QFETCH(bool, echo);
    QFETCH(QString, name);
    QFETCH(QString, optUser);
    QFETCH(QString, optPass);
    QFETCH(QString, optToken);
    QFETCH(QString, user);
    QFETCH(QString, pass);
    QFETCH(QString, token);

    FakeNatsServer server;
    server.setInfo(server.standardInfo({}, infoHeaders));
    Options o = optionsForFake(server, userInfo);
    o.verbose = verbose;
    o.pedantic = pedantic;
    o.echo = echo;
    o.name = name;
    o.auth.user = optUser;
    o.auth.password = optPass;
    o.auth.token = optToken;
    ConnectionThread c(o);
    const Status s = c->connectSync(5000);
    QVERIFY2(s.ok(), qPrintable(describe(s)));

    // One CONNECT, followed by the handshake's PING.
    const QList<ClientOp> ops = server.ops();
    QVERIFY(ops.size() >= 2);
    QCOMPARE(ops[0].op, QByteArray("CONNECT"));
    QCOMPARE(ops[1].op, QByteArray("PING"));
    QVERIFY(server.received().startsWith("CONNECT {"));

    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(server.connectArgs(), &err);
    QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
    QVERIFY(doc.isObject());
    const QJsonObject j = doc.object();
    QCOMPARE(j.value(QStringLiteral("protocol")).toInt(-1), 1);
    QVERIFY(j.value(QStringLiteral("verbose")).isBool());
    QCOMPARE(j.value(QStringLiteral("verbose")).toBool(), verbose);
    QVERIFY(j.value(QStringLiteral("pedantic")).isBool());
    QCOMPARE(j.value(QStringLiteral("pedantic")).toBool(), pedantic);
    QVERIFY(j.value(QStringLiteral("echo")).isBool());
    QCOMPARE(j.value(QStringLiteral("echo")).toBool(), echo);
    QCOMPARE(j.value(QStringLiteral("name")).toString(), name);
    QCOMPARE(j.value(QStringLiteral("lang")).toString(), QStringLiteral("cpp-qt"));
    QCOMPARE(j.value(QStringLiteral("version")).toString(), QStringLiteral(JETDECK_VERSION));
    QCOMPARE(j.value(QStringLiteral("tls_required")).toBool(true), false);

    QCOMPARE(j.contains(QStringLiteral("headers")), infoHeaders);
    QCOMPARE(j.contains(QStringLiteral("no_responders")), infoHeaders);
    if (infoHeaders) {
        QCOMPARE(j.value(QStringLiteral("headers")).toBool(), true);
        QCOMPARE(j.value(QStringLiteral("no_responders")).toBool(), true);
    }

    QCOMPARE(j.contains(QStringLiteral("user")), !user.isEmpty());
    QCOMPARE(j.contains(QStringLiteral("pass")), !user.isEmpty());
    QCOMPARE(j.value(QStringLiteral("user")).toString(), user);
    QCOMPARE(j.value(QStringLiteral("pass")).toString(), pass);
    QCOMPARE(j.contains(QStringLiteral("auth_token")), !token.isEmpty());
    QCOMPARE(j.value(QStringLiteral("auth_token")).toString(), token);
    // No credentials of another kind sneak in.
    QVERIFY(!j.contains(QStringLiteral("jwt")));
    QVERIFY(!j.contains(QStringLiteral("nkey")));
    QVERIFY(!j.contains(QStringLiteral("sig")));
}

// --- -ERR ----------------------------------------------------------------------------------

void TestFakeServer::handshakeErr_data() {
    QTest::addColumn<QByteArray>("err");
    QTest::addColumn<bool>("closeAfter");
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("authorization violation")
        << QByteArrayLiteral("'Authorization Violation'") << true << ErrorKind::Authorization
        << QStringLiteral("authorization violation");
    QTest::newRow("authorization violation, socket left open")
        << QByteArrayLiteral("'Authorization Violation'") << false << ErrorKind::Authorization
        << QStringLiteral("authorization violation");
    QTest::newRow("authorization violation, unquoted, blanks")
        << QByteArrayLiteral("   Authorization Violation  ") << true << ErrorKind::Authorization
        << QStringLiteral("authorization violation");
    QTest::newRow("user authentication expired")
        << QByteArrayLiteral("'User Authentication Expired'") << true << ErrorKind::AuthExpired
        << QStringLiteral("expired");
    QTest::newRow("maximum connections exceeded")
        << QByteArrayLiteral("'maximum connections exceeded'") << true << ErrorKind::MaxConnections
        << QStringLiteral("connection limit");
    QTest::newRow("unknown text") << QByteArrayLiteral("'Something Odd Happened'") << true
                                  << ErrorKind::Server << QStringLiteral("Something Odd Happened");
}

void TestFakeServer::handshakeErr() {
    QFETCH(QByteArray, err);
    QFETCH(bool, closeAfter);
    QFETCH(ErrorKind, kind);
    QFETCH(QString, messagePart);

    FakeNatsServer server;
    server.setHandshakeReply(QByteArrayLiteral("-ERR ") + err + QByteArrayLiteral("\r\n"),
                             closeAfter);
    Options o = optionsForFake(server);
    o.connectTimeoutMs = 3000;
    ConnectionThread c(o);
    SignalLog log(c.connection());
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(5000);
    QCOMPARE(s.kind, kind);
    QVERIFY2(t.elapsed() < 1500, "an -ERR must fail the connect at once");
    QVERIFY2(s.message.contains(messagePart, Qt::CaseInsensitive), qPrintable(s.message));
    QCOMPARE(s.serverText, err.trimmed());
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    const Error last = c->lastError();
    QCOMPARE(last.kind, kind);
    QCOMPARE(last.message, s.message);
    QCOMPARE(last.serverText, s.serverText);
    QCOMPARE(c->stats().serverErrors, 1u);
    QCOMPARE(server.count("CONNECT"), 1);
    QCOMPARE(server.connections(), 1); // no retry against the one server
    ConnectionEvent e;
    QVERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::Error, &e));
    QCOMPARE(e.server, server.hostPort());
    QTRY_COMPARE(log.errors.size(), 1);
    QCOMPARE(log.errors.first().kind, kind);
    QVERIFY(!log.states.contains(ConnectionState::Connected));
}

void TestFakeServer::permissionViolationKeepsConnection() {
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    SignalLog log(c.connection());
    VERIFY_OK(c->connectSync(5000));
    VERIFY_OK(c->publish("x", "denied"));
    VERIFY_OK(c->flushSync(2000));

    server.write(QByteArrayLiteral("-ERR 'Permissions Violation for Publish to \"x\"'\r\n"));
    QTRY_COMPARE(log.errors.size(), 1);
    const Error e = log.errors.first();
    QCOMPARE(e.kind, ErrorKind::PermissionViolation);
    QVERIFY2(e.message.contains(QStringLiteral("Publish to \"x\"")), qPrintable(e.message));
    QCOMPARE(e.serverText, QByteArray("'Permissions Violation for Publish to \"x\"'"));
    QVERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::Error));

    // Still connected and working; the violation did not end the connection.
    QCOMPARE(c->state(), ConnectionState::Connected);
    QCOMPARE(c->lastError().kind, ErrorKind::None);
    VERIFY_OK(c->publish("y", "allowed"));
    VERIFY_OK(c->flushSync(2000));
    QCOMPARE(server.count("PUB"), 2);
    QCOMPARE(c->stats().serverErrors, 1u);
    QCOMPARE(server.connections(), 1);
    QVERIFY(!log.states.contains(ConnectionState::Disconnected));
}

void TestFakeServer::fatalErrWhileConnected_data() {
    QTest::addColumn<QByteArray>("err");
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("stale connection") << QByteArrayLiteral("'Stale Connection'")
                                      << ErrorKind::StaleConnection << QStringLiteral("stale");
    QTest::newRow("unknown protocol operation") << QByteArrayLiteral("'Unknown Protocol Operation'")
                                                << ErrorKind::Protocol << QStringLiteral("parse");
    QTest::newRow("parser error") << QByteArrayLiteral("'Parser Error'") << ErrorKind::Protocol
                                  << QStringLiteral("parse");
    QTest::newRow("maximum payload violation")
        << QByteArrayLiteral("'Maximum Payload Violation'") << ErrorKind::MaxPayload
        << QStringLiteral("max_payload");
    QTest::newRow("authorization violation")
        << QByteArrayLiteral("'Authorization Violation'") << ErrorKind::Authorization
        << QStringLiteral("authorization");
}

void TestFakeServer::fatalErrWhileConnected() {
    QFETCH(QByteArray, err);
    QFETCH(ErrorKind, kind);
    QFETCH(QString, messagePart);

    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    SignalLog log(c.connection());
    VERIFY_OK(c->connectSync(5000));
    auto sub = c->subscribe("fatal.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync(2000));

    QElapsedTimer t;
    t.start();
    server.write(QByteArrayLiteral("-ERR ") + err + QByteArrayLiteral("\r\n"));
    QTRY_VERIFY_WITH_TIMEOUT(c->state() != ConnectionState::Connected, 2000);
    QVERIFY2(t.elapsed() < 1500, "the -ERR must end the connection at once");
    QVERIFY(c->state() == ConnectionState::Disconnected ||
            c->state() == ConnectionState::Reconnecting);
    const Error last = c->lastError();
    QCOMPARE(last.kind, kind);
    QVERIFY2(last.message.contains(messagePart, Qt::CaseInsensitive), qPrintable(last.message));
    QCOMPARE(last.serverText, err);
    QTRY_VERIFY(!log.errors.isEmpty());
    QCOMPARE(log.errors.first().kind, kind);
    QCOMPARE(c->publish("after", "x").kind, ErrorKind::NotConnected);
    QCOMPARE(c->flushSync(500).kind, ErrorKind::NotConnected);
}

// --- MSG / HMSG in pieces ------------------------------------------------------------------

void TestFakeServer::messageInPieces_data() {
    QTest::addColumn<QByteArray>("rawFrame"); // with {sid}; empty: built from the columns below
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<QByteArray>("headerBlock");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("chunk");
    QTest::addColumn<int>("delayMs");

    const QByteArray none;
    const QByteArray hdrs =
        QByteArrayLiteral("NATS/1.0\r\nTrace-Id: abc-123\r\nMulti: one\r\nMulti: two\r\n\r\n");
    QTest::newRow("MSG, 1-byte writes")
        << none << none << none << QByteArrayLiteral("hello") << 1 << 1;
    QTest::newRow("MSG with reply, 1-byte writes")
        << none << QByteArrayLiteral("reply.to.me") << none << QByteArrayLiteral("hello world") << 1
        << 1;
    QTest::newRow("MSG, payload holding CRLF and 'MSG'")
        << none << none << none << QByteArrayLiteral("a\r\nMSG x 1 1\r\nb\r\n") << 1 << 1;
    QTest::newRow("MSG, empty payload") << none << QByteArrayLiteral("r") << none << none << 1 << 1;
    QTest::newRow("HMSG with headers and reply, 1-byte writes")
        << none << QByteArrayLiteral("_INBOX.abc.1") << hdrs << QByteArrayLiteral("body") << 1 << 1;
    QTest::newRow("HMSG, headers only") << none << none << hdrs << none << 1 << 1;
    QTest::newRow("HMSG status line")
        << none << none << QByteArrayLiteral("NATS/1.0 100 Idle Heartbeat\r\n\r\n") << none << 1
        << 1;
    QTest::newRow("MSG, 2000-byte payload in 7-byte writes")
        << none << QByteArrayLiteral("r.2") << none << QByteArray(2000, 'z') << 7 << 1;
    QTest::newRow("MSG, tabs and runs of blanks between arguments")
        << QByteArrayLiteral("MSG\tpart.test  {sid}\t \treply.x   5\r\nhello\r\n")
        << QByteArrayLiteral("reply.x") << none << QByteArrayLiteral("hello") << 1 << 1;
    QTest::newRow("lowercase hmsg")
        << QByteArrayLiteral("hmsg part.test {sid} 12 14\r\nNATS/1.0\r\n\r\nhi\r\n") << none
        << QByteArrayLiteral("NATS/1.0\r\n\r\n") << QByteArrayLiteral("hi") << 1 << 1;
}

void TestFakeServer::messageInPieces() {
    QFETCH(QByteArray, rawFrame);
    QFETCH(QByteArray, reply);
    QFETCH(QByteArray, headerBlock);
    QFETCH(QByteArray, payload);
    QFETCH(int, chunk);
    QFETCH(int, delayMs);

    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    VERIFY_OK(c->connectSync(5000));
    auto sub = c->subscribe("part.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync(2000));
    const quint64 sid = server.sidFor("part.test");
    QVERIFY(sid != 0);
    QCOMPARE(sid, sub.value()->sid());

    QByteArray frame = rawFrame.isEmpty()
                           ? msgFrame("part.test", sid, reply, headerBlock, payload)
                           : QByteArray(rawFrame).replace("{sid}", QByteArray::number(sid));
    // A second message right behind the first, in the same pieces: the parser resynchronises.
    frame += msgFrame("part.test", sid, {}, {}, "next");
    server.writePieces(frame, chunk, delayMs);

    auto m = sub.value()->next(4000);
    QVERIFY2(m.ok(), qPrintable(describe(m.error())));
    QCOMPARE(m->subject(), QByteArrayView("part.test"));
    QCOMPARE(m->reply().toByteArray(), reply);
    QCOMPARE(m->headerBlock().toByteArray(), headerBlock);
    QCOMPARE(m->payload().toByteArray(), payload);
    QCOMPARE(m->sid(), sid);
    if (headerBlock.contains("Trace-Id")) {
        const Headers h = m->headers();
        QCOMPARE(h.value("Trace-Id"), QByteArray("abc-123"));
        QCOMPARE(h.values("Multi"), (QList<QByteArray>{"one", "two"}));
    }
    if (headerBlock.startsWith("NATS/1.0 100"))
        QCOMPARE(m->status(), 100);
    auto next = sub.value()->next(2000);
    QVERIFY2(next.ok(), qPrintable(describe(next.error())));
    QCOMPARE(next->payload(), QByteArrayView("next"));
    QCOMPARE(sub.value()->stats().received, 2u);
    QCOMPARE(c->state(), ConnectionState::Connected);
}

void TestFakeServer::coalescedFrames() {
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    VERIFY_OK(c->connectSync(5000));
    auto sub = c->subscribe("many.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync(2000));
    const quint64 sid = server.sidFor("many.test");
    QVERIFY(sid != 0);

    const int n = 600;
    QByteArray all;
    for (int i = 0; i < n; ++i) {
        if (i % 3 == 1)
            all += msgFrame("many.test", sid, "r." + QByteArray::number(i),
                            "NATS/1.0\r\nIdx: " + QByteArray::number(i) + "\r\n\r\n",
                            QByteArray::number(i));
        else
            all += msgFrame("many.test", sid, {}, {}, QByteArray::number(i));
        if (i == n / 2)
            all += QByteArrayLiteral("PING\r\n");
    }
    server.write(all); // one write: the client sees many frames per read

    QList<Message> got;
    QElapsedTimer t;
    t.start();
    while (got.size() < n && t.elapsed() < 5000) {
        auto m = sub.value()->next(1000);
        if (!m.ok())
            break;
        got.append(m.value());
    }
    QCOMPARE(got.size(), n);
    for (int i = 0; i < n; ++i) {
        QCOMPARE(got[i].payload().toByteArray(), QByteArray::number(i));
        if (i % 3 == 1) {
            QCOMPARE(got[i].headers().value("Idx"), QByteArray::number(i));
            QCOMPARE(got[i].reply().toByteArray(), QByteArray("r." + QByteArray::number(i)));
        } else {
            QVERIFY(!got[i].hasHeaders());
        }
    }
    QTRY_COMPARE(server.count("PONG"), 1);
    QCOMPARE(c->stats().inMsgs, quint64(n));
    QCOMPARE(c->state(), ConnectionState::Connected);
}

// --- silence and closed sockets ------------------------------------------------------------

void TestFakeServer::noInfoTimesOut() {
    FakeNatsServer server;
    server.setInfo({}); // accept the TCP connection, say nothing
    Options o = optionsForFake(server);
    o.connectTimeoutMs = 400;
    ConnectionThread c(o);
    SignalLog log(c.connection());
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(5000);
    const qint64 elapsed = t.elapsed();
    QCOMPARE(s.kind, ErrorKind::Timeout);
    QVERIFY2(elapsed >= 350, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 400 + 1000, qPrintable(QString::number(elapsed)));
    QVERIFY2(s.message.contains(QStringLiteral("INFO")), qPrintable(s.message));
    QVERIFY2(s.message.contains(server.hostPort()), qPrintable(s.message));
    QVERIFY2(s.message.contains(QStringLiteral("400 ms")), qPrintable(s.message));
    QCOMPARE(c->lastError().kind, ErrorKind::Timeout);
    QCOMPARE(c->lastError().message, s.message);
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    QCOMPARE(server.connections(), 1);
    QCOMPARE(server.count("CONNECT"), 0);
    QTRY_COMPARE(log.errors.size(), 1);
}

void TestFakeServer::noConnectAnswerTimesOut() {
    FakeNatsServer server;
    server.setHandshakeReply({}); // INFO, then silence after CONNECT+PING
    Options o = optionsForFake(server);
    o.connectTimeoutMs = 400;
    ConnectionThread c(o);
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(5000);
    const qint64 elapsed = t.elapsed();
    QCOMPARE(s.kind, ErrorKind::Timeout);
    QVERIFY2(elapsed >= 350, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 400 + 1000, qPrintable(QString::number(elapsed)));
    QVERIFY2(s.message.contains(QStringLiteral("CONNECT")), qPrintable(s.message));
    QVERIFY2(!s.message.contains(QStringLiteral("INFO")), qPrintable(s.message));
    QVERIFY2(s.message.contains(server.hostPort()), qPrintable(s.message));
    QCOMPARE(c->lastError().kind, ErrorKind::Timeout);
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    QCOMPARE(server.count("CONNECT"), 1);
    QCOMPARE(server.count("PING"), 1);
}

void TestFakeServer::serverClosesDuringHandshake() {
    FakeNatsServer server;
    server.setHandshakeReply({}, /*closeAfter=*/true);
    Options o = optionsForFake(server);
    o.connectTimeoutMs = 3000;
    ConnectionThread c(o);
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(5000);
    QCOMPARE(s.kind, ErrorKind::ConnectFailed);
    QVERIFY2(t.elapsed() < 1500, "a closed socket must fail the connect at once");
    QVERIFY2(s.message.contains(server.hostPort()), qPrintable(s.message));
    QVERIFY2(s.message.contains(QStringLiteral("closed"), Qt::CaseInsensitive),
             qPrintable(s.message));
    QCOMPARE(c->lastError().kind, ErrorKind::ConnectFailed);
    QCOMPARE(c->state(), ConnectionState::Disconnected);
}

void TestFakeServer::serverClosesWhileConnected() {
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    SignalLog log(c.connection());
    VERIFY_OK(c->connectSync(5000));
    server.closeClient();
    QTRY_VERIFY_WITH_TIMEOUT(c->state() != ConnectionState::Connected, 2000);
    const Error last = c->lastError();
    QCOMPARE(last.kind, ErrorKind::Io);
    QVERIFY2(last.message.contains(server.hostPort()), qPrintable(last.message));
    QVERIFY2(last.message.contains(QStringLiteral("closed"), Qt::CaseInsensitive),
             qPrintable(last.message));
    QTRY_VERIFY(!log.errors.isEmpty());
    QCOMPARE(log.errors.first().kind, ErrorKind::Io);
}

// --- malformed frames ----------------------------------------------------------------------

void TestFakeServer::malformedFrame_data() {
    QTest::addColumn<QByteArray>("bytes"); // {sid} is replaced by the subscription's sid
    QTest::addColumn<int>("chunk");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("MSG size not a number")
        << QByteArrayLiteral("MSG foo {sid} abc\r\n") << 0 << QStringLiteral("invalid size");
    QTest::newRow("MSG negative size")
        << QByteArrayLiteral("MSG foo {sid} -5\r\n") << 0 << QStringLiteral("invalid size");
    QTest::newRow("MSG without arguments")
        << QByteArrayLiteral("MSG\r\n") << 0 << QStringLiteral("MSG with 0 arguments");
    QTest::newRow("MSG with too many arguments")
        << QByteArrayLiteral("MSG a {sid} r x 5\r\nhello\r\n") << 0 << QStringLiteral("too many");
    QTest::newRow("MSG sid not a number") << QByteArrayLiteral("MSG foo bar 5\r\nhello\r\n") << 0
                                          << QStringLiteral("invalid subscription id");
    QTest::newRow("payload not followed by CRLF")
        << QByteArrayLiteral("MSG foo {sid} 3\r\nabcXY\r\n") << 0
        << QStringLiteral("not followed by CRLF");
    QTest::newRow("payload not followed by CRLF, 1-byte writes")
        << QByteArrayLiteral("MSG foo {sid} 3\r\nabcXY\r\n") << 1
        << QStringLiteral("not followed by CRLF");
    QTest::newRow("payload longer than announced")
        << QByteArrayLiteral("MSG foo {sid} 2\r\nhello\r\n") << 0
        << QStringLiteral("not followed by CRLF");
    QTest::newRow("HMSG header size above total")
        << QByteArrayLiteral("HMSG foo {sid} 10 5\r\n") << 0 << QStringLiteral("header size");
    QTest::newRow("unknown operation")
        << QByteArrayLiteral("BOGUS stuff\r\n") << 0 << QStringLiteral("BOGUS");
    QTest::newRow("PONG with arguments")
        << QByteArrayLiteral("PONG now\r\n") << 0 << QStringLiteral("PONG");
    QTest::newRow("empty line") << QByteArrayLiteral("\r\n") << 0 << QStringLiteral("empty");
    QTest::newRow("control line over 4 KiB")
        << QByteArray(5000, 'A') << 0 << QStringLiteral("longer than 4096");
    QTest::newRow("binary garbage")
        << QByteArrayLiteral("\x00\x01\x02\xff\xfe\r\n") << 0 << QStringLiteral("\\x00");
}

void TestFakeServer::malformedFrame() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, chunk);
    QFETCH(QString, messagePart);

    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    SignalLog log(c.connection());
    VERIFY_OK(c->connectSync(5000));
    auto sub = c->subscribe("foo");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync(2000));
    const quint64 sid = server.sidFor("foo");
    QVERIFY(sid != 0);

    server.writePieces(bytes.replace("{sid}", QByteArray::number(sid)), chunk, 1);
    QTRY_VERIFY_WITH_TIMEOUT(c->state() != ConnectionState::Connected, 3000);
    const Error last = c->lastError();
    QCOMPARE(last.kind, ErrorKind::Protocol);
    QVERIFY2(last.message.contains(messagePart), qPrintable(last.message));
    QTRY_VERIFY(!log.errors.isEmpty());
    QCOMPARE(log.errors.first().kind, ErrorKind::Protocol);
    QCOMPARE(sub.value()->stats().received, 0u); // nothing half-parsed was delivered
    // The object is still sane.
    QCOMPARE(c->publish("foo", "x").kind, ErrorKind::NotConnected);
    QVERIFY(c->currentServer().isEmpty());
}

// --- PING, async INFO, no responders, stale ------------------------------------------------

void TestFakeServer::serverPingAnswered() {
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    VERIFY_OK(c->connectSync(5000));
    QCOMPARE(server.count("PONG"), 0);
    server.write(QByteArrayLiteral("PING\r\n"));
    QTRY_COMPARE(server.count("PONG"), 1);
    server.write(QByteArrayLiteral("PING\r\nping\r\nPING\r\n"));
    QTRY_COMPARE(server.count("PONG"), 4);
    server.writePieces(QByteArrayLiteral("PING\r\n"), 1, 2);
    QTRY_COMPARE(server.count("PONG"), 5);
    QCOMPARE(c->state(), ConnectionState::Connected);
    VERIFY_OK(c->flushSync(2000));
}

void TestFakeServer::asyncInfoDiscoversServers() {
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    SignalLog log(c.connection());
    VERIFY_OK(c->connectSync(5000));
    QCOMPARE(c->knownServers().size(), 1);
    QVERIFY(!hasEvent(c.connection(), ConnectionEvent::Kind::Discovered));
    QTRY_COMPARE(log.infoChanges, 1); // the one of becoming connected

    // The current server is advertised too (as localhost): it must not be added twice.
    const QByteArray urls =
        QByteArrayLiteral(",\"connect_urls\":[\"127.0.0.2:4222\",\"127.0.0.3:4223\",\"localhost:") +
        QByteArray::number(server.port()) + QByteArrayLiteral("\"]");
    server.write(server.standardInfo(urls));
    QTRY_COMPARE(c->knownServers().size(), 3);
    QStringList implicitHosts;
    for (const ServerUrl& u : c->knownServers())
        if (u.implicit)
            implicitHosts.append(u.hostPort());
    implicitHosts.sort();
    QCOMPARE(implicitHosts,
             (QStringList{QStringLiteral("127.0.0.2:4222"), QStringLiteral("127.0.0.3:4223")}));
    ConnectionEvent e;
    QVERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::Discovered, &e));
    QVERIFY2(e.message.contains(QStringLiteral("127.0.0.2:4222")) &&
                 e.message.contains(QStringLiteral("127.0.0.3:4223")),
             qPrintable(e.message));
    QCOMPARE(e.server, server.hostPort());
    QTRY_COMPARE(log.infoChanges, 2);
    QCOMPARE(c->state(), ConnectionState::Connected);

    // The same list again: nothing new, no new Discovered event.
    server.write(server.standardInfo(urls));
    QTRY_COMPARE(log.infoChanges, 3);
    const auto events = c->events();
    QCOMPARE(std::count_if(events.cbegin(), events.cend(),
                           [](const ConnectionEvent& ev) {
                               return ev.kind == ConnectionEvent::Kind::Discovered;
                           }),
             1);
    QCOMPARE(c->knownServers().size(), 3);
    VERIFY_OK(c->flushSync(2000));
}

void TestFakeServer::asyncInfoLameDuck() {
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    VERIFY_OK(c->connectSync(5000));
    QVERIFY(!hasEvent(c.connection(), ConnectionEvent::Kind::LameDuck));
    server.write(server.standardInfo(QByteArrayLiteral(",\"ldm\":true")));
    QTRY_VERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::LameDuck));
    ConnectionEvent e;
    QVERIFY(hasEvent(c.connection(), ConnectionEvent::Kind::LameDuck, &e));
    QVERIFY2(e.message.contains(server.hostPort()), qPrintable(e.message));
    QVERIFY2(e.message.contains(QStringLiteral("lame duck")), qPrintable(e.message));
    QCOMPARE(e.server, server.hostPort());
    QVERIFY(c->serverInfo().lameDuckMode);
    // Lame duck mode is a warning: the connection carries on until the server goes.
    QCOMPARE(c->state(), ConnectionState::Connected);
    VERIFY_OK(c->flushSync(2000));
}

void TestFakeServer::noResponders() {
    FakeNatsServer server;
    server.setReplyNoResponders(true);
    ConnectionThread c(optionsForFake(server));
    VERIFY_OK(c->connectSync(5000));
    QVERIFY(server.connectJson().value(QStringLiteral("no_responders")).toBool());

    QElapsedTimer t;
    t.start();
    auto r = c->requestSync("svc.nobody", "ping", 5000);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::NoResponders);
    QVERIFY2(t.elapsed() < 1500, "no responders must fail at once, not at the timeout");
    QVERIFY2(r.error().message.contains(QStringLiteral("svc.nobody")),
             qPrintable(r.error().message));
    QCOMPARE(server.count("PUB"), 1);

    // The async form gets the same answer.
    QObject ctx;
    Error asyncError;
    bool done = false;
    c->request("svc.nobody.async", "x", 5000, &ctx, [&](const Result<Message>& res) {
        asyncError = res.error();
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 1500);
    QCOMPARE(asyncError.kind, ErrorKind::NoResponders);
    QVERIFY2(asyncError.message.contains(QStringLiteral("svc.nobody.async")),
             qPrintable(asyncError.message));
    QCOMPARE(c->state(), ConnectionState::Connected);
}

void TestFakeServer::requestsReleasedWhenConnectionLost() {
    // The connection dies (protocol error) while requests wait for replies. There is no
    // reconnect, so nothing can answer them any more: like pending flushes, they must be
    // released at once with the connection's error, not left to run into their timeouts.
    FakeNatsServer server;
    ConnectionThread c(optionsForFake(server));
    VERIFY_OK(c->connectSync(5000));
    const int timeoutMs = 2000;
    QObject ctx;
    QElapsedTimer t;
    t.start();
    qint64 asyncMs = -1;
    Error asyncError;
    c->request("svc.slow.async", "a", timeoutMs, &ctx, [&](const Result<Message>& res) {
        asyncError = res.error();
        asyncMs = t.elapsed();
    });
    server.writeLater(QByteArrayLiteral("BOGUS\r\n"), 200);
    auto r = c->requestSync("svc.slow", "s", timeoutMs);
    const qint64 syncMs = t.elapsed();
    QVERIFY(!r.ok());
    QCOMPARE(c->lastError().kind, ErrorKind::Protocol);
    QTRY_VERIFY(c->state() != ConnectionState::Connected);
    QVERIFY2(r.error().kind != ErrorKind::Timeout, qPrintable(describe(r.error())));
    QVERIFY2(syncMs < timeoutMs - 500, qPrintable(QString::number(syncMs)));

    QTRY_VERIFY_WITH_TIMEOUT(asyncMs >= 0, timeoutMs + 1000);
    QVERIFY2(asyncMs < timeoutMs - 500, qPrintable(QString::number(asyncMs)));
    QVERIFY2(asyncError.kind != ErrorKind::Timeout, qPrintable(describe(asyncError)));
    QVERIFY(!asyncError.ok());
}

void TestFakeServer::unansweredPingsGoStale_data() {
    QTest::addColumn<int>("pingIntervalMs");
    QTest::addColumn<int>("maxPingsOut");
    QTest::newRow("100 ms, 2 out") << 100 << 2;
    QTest::newRow("60 ms, 4 out") << 60 << 4;
    QTest::newRow("150 ms, 1 out") << 150 << 1;
}

void TestFakeServer::unansweredPingsGoStale() {
    QFETCH(int, pingIntervalMs);
    QFETCH(int, maxPingsOut);

    FakeNatsServer server;
    server.setAnswerPings(false); // the handshake's PING still gets its PONG
    Options o = optionsForFake(server);
    o.pingIntervalMs = pingIntervalMs;
    o.maxPingsOut = maxPingsOut;
    ConnectionThread c(o);
    SignalLog log(c.connection());
    VERIFY_OK(c->connectSync(5000));
    QElapsedTimer t;
    t.start();
    const int expectedMs = pingIntervalMs * (maxPingsOut + 1);
    const int marginMs = 700;

    // A flush waiting on the dead server is released by the stale verdict, not its timeout.
    const Status f = c->flushSync(expectedMs + 3000);
    QCOMPARE(f.kind, ErrorKind::StaleConnection);
    QTRY_VERIFY_WITH_TIMEOUT(c->state() != ConnectionState::Connected, expectedMs + marginMs);
    const qint64 elapsed = t.elapsed();
    QVERIFY2(elapsed < expectedMs + marginMs, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed >= expectedMs - pingIntervalMs / 2, qPrintable(QString::number(elapsed)));

    const Error last = c->lastError();
    QCOMPARE(last.kind, ErrorKind::StaleConnection);
    QVERIFY2(last.message.contains(QStringLiteral("PING")), qPrintable(last.message));
    QVERIFY2(last.message.contains(QString::number(maxPingsOut)), qPrintable(last.message));
    QTRY_VERIFY(!log.errors.isEmpty());
    QCOMPARE(log.errors.last().kind, ErrorKind::StaleConnection);
    // The handshake PING, the flush's PING, and maxPingsOut PINGs from the timer.
    QTRY_COMPARE(server.count("PING"), 2 + maxPingsOut);
}

QTEST_GUILESS_MAIN(TestFakeServer)
#include "tst_fakeserver.moc"
