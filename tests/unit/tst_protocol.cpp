#include "core/client/message.h"
#include "core/client/nuid.h"
#include "core/client/serverinfo.h"
#include "core/client/serverpool.h"
#include "core/client/serverurl.h"
#include "core/protocol/frames.h"
#include "core/protocol/headers.h"
#include "core/protocol/servererror.h"
#include "core/protocol/subject.h"
#include "tests/support/verify.h"

#include <QSet>
#include <QtTest>

using namespace jetdeck;

class TestProtocol : public QObject {
    Q_OBJECT
private slots:
    void headersParse_data();
    void headersParse();
    void headersRoundTrip();
    void headersMalformed_data();
    void headersMalformed();
    void framesPub();
    void framesHpub();
    void framesPubHead();
    void framesSubUnsub();
    void subjects_data();
    void subjects();
    void queueGroups();
    void subjectMatching_data();
    void subjectMatching();
    void serverErrors_data();
    void serverErrors();
    void urls_data();
    void urls();
    void badUrls_data();
    void badUrls();
    void serverInfo();
    void serverInfoInvalid();
    void nuidUniqueAndWellFormed();
    void messageLayout();
    void poolDiscovery();
};

void TestProtocol::headersParse_data() {
    QTest::addColumn<QByteArray>("block");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("description");
    QTest::addColumn<int>("entries");

    QTest::newRow("plain") << QByteArray("NATS/1.0\r\nA: 1\r\nB: two words\r\n\r\n") << 0
                           << QByteArray() << 2;
    QTest::newRow("no responders")
        << QByteArray("NATS/1.0 503\r\n\r\n") << 503 << QByteArray() << 0;
    QTest::newRow("heartbeat") << QByteArray("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: "
                                             "5\r\nNats-Last-Stream: 9\r\n\r\n")
                               << 100 << QByteArray("Idle Heartbeat") << 2;
    QTest::newRow("no messages") << QByteArray("NATS/1.0 404 No Messages\r\n\r\n") << 404
                                 << QByteArray("No Messages") << 0;
    QTest::newRow("timeout") << QByteArray("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: "
                                           "1\r\n\r\n")
                             << 408 << QByteArray("Request Timeout") << 1;
    QTest::newRow("conflict") << QByteArray("NATS/1.0 409 Consumer Deleted\r\n\r\n") << 409
                              << QByteArray("Consumer Deleted") << 0;
    QTest::newRow("repeated keys")
        << QByteArray("NATS/1.0\r\nX: 1\r\nX: 2\r\nx: 3\r\n\r\n") << 0 << QByteArray() << 3;
}

void TestProtocol::headersParse() {
    QFETCH(QByteArray, block);
    QFETCH(int, status);
    QFETCH(QByteArray, description);
    QFETCH(int, entries);
    bool ok = false;
    const Headers h = Headers::fromBlock(block, &ok);
    QVERIFY(ok);
    QCOMPARE(h.status(), status);
    QCOMPARE(h.description(), description);
    QCOMPARE(h.entries().size(), entries);
    QCOMPARE(headerStatus(block), status);
    QCOMPARE(h.blockSize(), h.toBlock().size());
}

void TestProtocol::headersRoundTrip() {
    Headers h;
    h.append("Nats-Msg-Id", "abc");
    h.append("X", "1");
    h.append("X", "2");
    h.append("Mixed-Case", "v");
    const QByteArray block = h.toBlock();
    QCOMPARE(block,
             QByteArray("NATS/1.0\r\nNats-Msg-Id: abc\r\nX: 1\r\nX: 2\r\nMixed-Case: v\r\n\r\n"));
    const Headers back = Headers::fromBlock(block);
    QCOMPARE(back, h);
    QCOMPARE(back.values("x"), (QList<QByteArray>{"1", "2"}));
    QCOMPARE(back.value("mixed-case"), QByteArray("v"));
    Headers s;
    s.setStatus(503);
    QCOMPARE(s.toBlock(), QByteArray("NATS/1.0 503\r\n\r\n"));
    h.set("X", "only");
    QCOMPARE(h.values("X"), QList<QByteArray>{"only"});
    h.remove("nats-msg-id");
    QVERIFY(!h.contains("Nats-Msg-Id"));
}

void TestProtocol::headersMalformed_data() {
    QTest::addColumn<QByteArray>("block");
    QTest::newRow("wrong version") << QByteArray("HTTP/1.1\r\n\r\n");
    QTest::newRow("no CRLF") << QByteArray("NATS/1.0");
    QTest::newRow("bad status") << QByteArray("NATS/1.0 5x3\r\n\r\n");
    QTest::newRow("line without colon") << QByteArray("NATS/1.0\r\nbroken\r\n\r\n");
    QTest::newRow("unterminated line") << QByteArray("NATS/1.0\r\nA: 1");
}

void TestProtocol::headersMalformed() {
    QFETCH(QByteArray, block);
    bool ok = true;
    const Headers h = Headers::fromBlock(block, &ok);
    QVERIFY(!ok);
    QVERIFY(h.isEmpty());
}

void TestProtocol::framesPub() {
    QByteArray out;
    frames::appendPub(out, "foo.bar", {}, "hello");
    frames::appendPub(out, "a", "reply.x", "");
    QCOMPARE(out, QByteArray("PUB foo.bar 5\r\nhello\r\nPUB a reply.x 0\r\n\r\n"));
    QCOMPARE(frames::pubSize("foo.bar", {}, 5), qsizetype(22));
    for (quint64 v : {0ULL, 9ULL, 10ULL, 99ULL, 100ULL, 18446744073709551615ULL}) {
        QByteArray d;
        frames::appendDecimal(d, v);
        QCOMPARE(d, QByteArray::number(v));
    }
}

void TestProtocol::framesHpub() {
    Headers h;
    h.append("A", "1");
    QByteArray out;
    frames::appendHpub(out, "foo", "r", h, "xy");
    const QByteArray block = "NATS/1.0\r\nA: 1\r\n\r\n";
    QCOMPARE(out, QByteArray("HPUB foo r ") + QByteArray::number(block.size()) + ' ' +
                      QByteArray::number(block.size() + 2) + "\r\n" + block + "xy\r\n");
}

void TestProtocol::framesPubHead() {
    // The control line alone, for a writer that hands the payload beside it: the same bytes
    // as the whole frame up to its header block or payload.
    Headers h;
    h.append("A", "1");
    const QByteArray block = h.toBlock();
    const QByteArray payload(70000, 'p');
    struct Case {
        QByteArrayView subject, reply;
        bool headers;
    };
    for (const Case& c : {Case{"foo.bar", {}, false}, Case{"a", "reply.x", false},
                          Case{"foo", "r", true}, Case{"s", {}, true}}) {
        QByteArray whole, head;
        if (c.headers)
            frames::appendHpub(whole, c.subject, c.reply, block, payload);
        else
            frames::appendPub(whole, c.subject, c.reply, payload);
        head = "keep";
        frames::appendPubHead(head, c.subject, c.reply, c.headers ? block.size() : 0,
                              payload.size());
        QVERIFY(head.startsWith("keep"));
        head.remove(0, 4);
        QCOMPARE(head + (c.headers ? block : QByteArray()) + payload + "\r\n", whole);
    }
    QByteArray empty;
    frames::appendPubHead(empty, "x", {}, 0, 0);
    QCOMPARE(empty, QByteArray("PUB x 0\r\n"));
}

void TestProtocol::framesSubUnsub() {
    QByteArray out;
    frames::appendSub(out, "foo.*", {}, 1);
    frames::appendSub(out, "foo.>", "workers", 22);
    frames::appendUnsub(out, 1);
    frames::appendUnsub(out, 22, 10);
    QCOMPARE(out, QByteArray("SUB foo.* 1\r\nSUB foo.> workers 22\r\nUNSUB 1\r\nUNSUB 22 10\r\n"));
}

void TestProtocol::subjects_data() {
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<bool>("publishOk");
    QTest::addColumn<bool>("subscribeOk");
    QTest::addColumn<QString>("why");

    QTest::newRow("simple") << QByteArray("foo") << true << true << QString();
    QTest::newRow("tokens") << QByteArray("foo.bar.baz") << true << true << QString();
    QTest::newRow("unicode") << QByteArray("прием.данные") << true << true << QString();
    QTest::newRow("star") << QByteArray("foo.*.baz") << false << true << QStringLiteral("wildcard");
    QTest::newRow("gt") << QByteArray("foo.>") << false << true << QStringLiteral("wildcard");
    QTest::newRow("gt not last") << QByteArray("foo.>.bar") << false << false
                                 << QStringLiteral("last token");
    QTest::newRow("partial star") << QByteArray("foo.ba*") << false << false
                                  << QStringLiteral("whole token");
    QTest::newRow("empty") << QByteArray("") << false << false << QStringLiteral("empty");
    QTest::newRow("leading dot") << QByteArray(".foo") << false << false
                                 << QStringLiteral("empty token");
    QTest::newRow("trailing dot") << QByteArray("foo.") << false << false
                                  << QStringLiteral("empty token");
    QTest::newRow("double dot") << QByteArray("foo..bar") << false << false
                                << QStringLiteral("empty token");
    QTest::newRow("space") << QByteArray("foo bar") << false << false
                           << QStringLiteral("whitespace");
    QTest::newRow("tab") << QByteArray("foo\tbar") << false << false
                         << QStringLiteral("whitespace");
    QTest::newRow("newline") << QByteArray("foo\r\nPUB x 1") << false << false
                             << QStringLiteral("whitespace");
    QTest::newRow("too long") << QByteArray(3000, 'a') << false << false << QStringLiteral("limit");
}

void TestProtocol::subjects() {
    QFETCH(QByteArray, subject);
    QFETCH(bool, publishOk);
    QFETCH(bool, subscribeOk);
    QFETCH(QString, why);
    const Status p = subject::validatePublish(subject);
    const Status s = subject::validateSubscribe(subject);
    QCOMPARE(p.ok(), publishOk);
    QCOMPARE(s.ok(), subscribeOk);
    if (!publishOk) {
        QCOMPARE(p.kind, ErrorKind::InvalidSubject);
        QVERIFY2(p.message.contains(why), qPrintable(p.message));
    }
}

void TestProtocol::queueGroups() {
    VERIFY_OK(subject::validateQueue("workers"));
    QVERIFY(!subject::validateQueue("").ok());
    QVERIFY(subject::validateQueue("two words").message.contains(QStringLiteral("whitespace")));
}

void TestProtocol::subjectMatching_data() {
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<bool>("match");
    QTest::newRow("exact") << QByteArray("a.b") << QByteArray("a.b") << true;
    QTest::newRow("different") << QByteArray("a.b") << QByteArray("a.c") << false;
    QTest::newRow("star") << QByteArray("a.*") << QByteArray("a.b") << true;
    QTest::newRow("star too short") << QByteArray("a.*") << QByteArray("a") << false;
    QTest::newRow("star too long") << QByteArray("a.*") << QByteArray("a.b.c") << false;
    QTest::newRow("gt") << QByteArray("a.>") << QByteArray("a.b.c") << true;
    QTest::newRow("gt needs one") << QByteArray("a.>") << QByteArray("a") << false;
    QTest::newRow("gt alone") << QByteArray(">") << QByteArray("x.y") << true;
    QTest::newRow("prefix only") << QByteArray("a.b") << QByteArray("a.b.c") << false;
    QTest::newRow("longer filter") << QByteArray("a.b.c") << QByteArray("a.b") << false;
}

void TestProtocol::subjectMatching() {
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, subject);
    QFETCH(bool, match);
    QCOMPARE(subject::matches(filter, subject), match);
}

void TestProtocol::serverErrors_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("action");
    const int reconnect = int(ServerErrorAction::Reconnect);
    const int report = int(ServerErrorAction::Report);
    const int close = int(ServerErrorAction::Close);
    QTest::newRow("stale") << QByteArray("'Stale Connection'") << int(ErrorKind::StaleConnection)
                           << reconnect;
    QTest::newRow("auth") << QByteArray("'Authorization Violation'")
                          << int(ErrorKind::Authorization) << reconnect;
    QTest::newRow("expired") << QByteArray("'User Authentication Expired'")
                             << int(ErrorKind::AuthExpired) << reconnect;
    QTest::newRow("revoked") << QByteArray("\"user authentication revoked\"")
                             << int(ErrorKind::AuthExpired) << reconnect;
    QTest::newRow("permissions") << QByteArray("'Permissions Violation for Publish to \"foo\"'")
                                 << int(ErrorKind::PermissionViolation) << report;
    QTest::newRow("max conns") << QByteArray("'maximum connections exceeded'")
                               << int(ErrorKind::MaxConnections) << reconnect;
    QTest::newRow("invalid subject")
        << QByteArray("'Invalid Subject'") << int(ErrorKind::InvalidSubject) << report;
    QTest::newRow("max subs") << QByteArray("'Maximum Subscriptions Exceeded'")
                              << int(ErrorKind::Server) << report;
    QTest::newRow("max payload") << QByteArray("'Maximum Payload Violation'")
                                 << int(ErrorKind::MaxPayload) << close;
    QTest::newRow("tls required") << QByteArray("'Secure Connection - TLS Required'")
                                  << int(ErrorKind::Tls) << close;
    QTest::newRow("unknown op") << QByteArray("'Unknown Protocol Operation'")
                                << int(ErrorKind::Protocol) << close;
    QTest::newRow("other") << QByteArray("'Something New'") << int(ErrorKind::Server) << close;
}

void TestProtocol::serverErrors() {
    QFETCH(QByteArray, text);
    QFETCH(int, kind);
    QFETCH(int, action);
    const ServerError e = classifyServerError(text);
    QCOMPARE(int(e.error.kind), kind);
    QCOMPARE(int(e.action), action);
    QVERIFY(!e.error.message.isEmpty());
    QCOMPARE(e.error.serverText, text);
    QVERIFY(!e.normalized.contains('\''));
}

void TestProtocol::urls_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("token");

    QTest::newRow("nats") << QStringLiteral("nats://127.0.0.1:4333") << QStringLiteral("127.0.0.1")
                          << 4333 << false << QString() << QString() << QString();
    QTest::newRow("default port") << QStringLiteral("nats://demo.example")
                                  << QStringLiteral("demo.example") << 4222 << false << QString()
                                  << QString() << QString();
    QTest::newRow("host:port") << QStringLiteral("localhost:5000") << QStringLiteral("localhost")
                               << 5000 << false << QString() << QString() << QString();
    QTest::newRow("bare host") << QStringLiteral("localhost") << QStringLiteral("localhost") << 4222
                               << false << QString() << QString() << QString();
    QTest::newRow("tls") << QStringLiteral("tls://secure.example:4443")
                         << QStringLiteral("secure.example") << 4443 << true << QString()
                         << QString() << QString();
    QTest::newRow("user pass") << QStringLiteral("nats://alice:s3cret@127.0.0.1:4222")
                               << QStringLiteral("127.0.0.1") << 4222 << false
                               << QStringLiteral("alice") << QStringLiteral("s3cret") << QString();
    QTest::newRow("escaped pass") << QStringLiteral("nats://bob:p%40ss%3A1@h:1")
                                  << QStringLiteral("h") << 1 << false << QStringLiteral("bob")
                                  << QStringLiteral("p@ss:1") << QString();
    QTest::newRow("token") << QStringLiteral("nats://t0ken@127.0.0.1")
                           << QStringLiteral("127.0.0.1") << 4222 << false << QString() << QString()
                           << QStringLiteral("t0ken");
    QTest::newRow("ipv6") << QStringLiteral("nats://[::1]:4222") << QStringLiteral("::1") << 4222
                          << false << QString() << QString() << QString();
    QTest::newRow("upper scheme") << QStringLiteral("NATS://h:2") << QStringLiteral("h") << 2
                                  << false << QString() << QString() << QString();
}

void TestProtocol::urls() {
    QFETCH(QString, text);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(bool, tls);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, token);
    auto r = parseServerUrl(text);
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r->host, host);
    QCOMPARE(int(r->port), port);
    QCOMPARE(r->tls, tls);
    QCOMPARE(r->user, user);
    QCOMPARE(r->password, password);
    QCOMPARE(r->token, token);
    QVERIFY(!r->redacted().contains(QStringLiteral("s3cret")));
    QVERIFY(!r->redacted().contains(QStringLiteral("t0ken")));
}

void TestProtocol::badUrls_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("why");
    QTest::newRow("empty") << QString() << QStringLiteral("empty");
    QTest::newRow("http") << QStringLiteral("http://h:1") << QStringLiteral("unsupported scheme");
    QTest::newRow("port text") << QStringLiteral("nats://h:abc") << QStringLiteral("invalid");
    QTest::newRow("port range") << QStringLiteral("nats://h:70000") << QStringLiteral("invalid");
    QTest::newRow("port zero") << QStringLiteral("nats://h:0") << QStringLiteral("port 0");
    QTest::newRow("path") << QStringLiteral("nats://h:1/x") << QStringLiteral("path");
    QTest::newRow("no host") << QStringLiteral("nats://:4222") << QStringLiteral("host");
    // The message names the URL, never its password or token.
    QTest::newRow("bad port, password") << QStringLiteral("nats://alice:s3cret@h:abc")
                                        << QStringLiteral("'nats://alice:***@h:abc'");
    QTest::newRow("bad port, token")
        << QStringLiteral("nats://t0ken@h:abc") << QStringLiteral("'nats://***@h:abc'");
    QTest::newRow("path, password")
        << QStringLiteral("alice:s3cret@h:1/x") << QStringLiteral("alice:***@h:1/x");
    QTest::newRow("scheme, password")
        << QStringLiteral("http://alice:s3cret@h:1") << QStringLiteral("unsupported scheme");
    QTest::newRow("QUrl error, password")
        << QStringLiteral("nats://alice:s3cret@h%zz:1") << QStringLiteral("invalid server URL");
}

void TestProtocol::badUrls() {
    QFETCH(QString, text);
    QFETCH(QString, why);
    auto r = parseServerUrl(text);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(r.error().message.contains(why), qPrintable(r.error().message));
    QVERIFY2(!r.error().toString().contains(QStringLiteral("s3cret")) &&
                 !r.error().toString().contains(QStringLiteral("t0ken")),
             qPrintable(r.error().toString()));

    if (!text.isEmpty()) {
        auto list = parseServerList(QStringLiteral("nats://ok:1, ") + text);
        QVERIFY(!list.ok());
    }
    QVERIFY(!parseServerList(QStringLiteral(" , ")).ok());
}

void TestProtocol::serverInfo() {
    auto i = ServerInfo::parse(R"({"server_id":"NABC","server_name":"n1","version":"2.9.10",
        "proto":1,"headers":true,"max_payload":2048,"client_id":7,"auth_required":true,
        "nonce":"xyz","connect_urls":["127.0.0.2:4222","127.0.0.3:4222"],"ldm":true,
        "jetstream":true,"tls_required":false})");
    QVERIFY(i.ok());
    QCOMPARE(i->serverId, QStringLiteral("NABC"));
    QCOMPARE(i->maxPayload, 2048);
    QCOMPARE(i->clientId, 7u);
    QVERIFY(i->headers && i->authRequired && i->lameDuckMode && i->jetstream);
    QCOMPARE(i->nonce, QByteArray("xyz"));
    QCOMPARE(i->connectUrls.size(), 2);
    QCOMPARE(i->versionNumber(), 20910);

    auto lists = parseServerList(QStringLiteral(" nats://a:1 , b:2,,tls://c:3 "));
    QVERIFY(lists.ok());
    QCOMPARE(lists->size(), 3);
    QVERIFY(lists->at(2).tls);
}

void TestProtocol::serverInfoInvalid() {
    QVERIFY(!ServerInfo::parse("{not json").ok());
    QVERIFY(!ServerInfo::parse("[1,2]").ok());
    auto odd = ServerInfo::parse(R"({"max_payload":"big","headers":"yes","port":-1})");
    QVERIFY(odd.ok()); // wrong types fall back to defaults instead of failing
    QCOMPARE(odd->maxPayload, 1024 * 1024);
    QVERIFY(!odd->headers);
}

void TestProtocol::nuidUniqueAndWellFormed() {
    Nuid n;
    QSet<QByteArray> seen;
    for (int i = 0; i < 100000; ++i) {
        const QByteArray id = n.next();
        QCOMPARE(id.size(), Nuid::Length);
        seen.insert(id);
    }
    QCOMPARE(seen.size(), 100000);
    const QByteArray g = Nuid::global();
    for (char c : g)
        QVERIFY((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

void TestProtocol::messageLayout() {
    MsgView v;
    v.subject = "sub.ject";
    v.reply = "re.ply";
    v.headers = "NATS/1.0 503\r\n\r\n";
    v.payload = "";
    v.sid = 4;
    const Message m(v);
    QCOMPARE(m.subject(), QByteArrayView("sub.ject"));
    QCOMPARE(m.reply(), QByteArrayView("re.ply"));
    QCOMPARE(m.status(), 503);
    QVERIFY(m.isNoResponders());
    QCOMPARE(m.sid(), 4u);
    QCOMPARE(m.size(), v.headers.size());
    const Message p("a", "payload");
    QCOMPARE(p.payload(), QByteArrayView("payload"));
    QVERIFY(!p.hasHeaders());
    QCOMPARE(p.status(), 0);
}

void TestProtocol::poolDiscovery() {
    ServerPool pool;
    auto seed = parseServerList(QStringLiteral("nats://u:p@127.0.0.1:4222"));
    QVERIFY(seed.ok());
    pool.setServers(seed.value(), false);
    QVERIFY(pool.takeNext());
    QStringList added =
        pool.updateDiscovered({QStringLiteral("localhost:4222"), QStringLiteral("127.0.0.1:5222"),
                               QStringLiteral("127.0.0.1:6222")},
                              false);
    QCOMPARE(added,
             (QStringList{QStringLiteral("127.0.0.1:5222"), QStringLiteral("127.0.0.1:6222")}));
    QCOMPARE(pool.size(), 3);
    QCOMPARE(pool.entries().last().url.user, QStringLiteral("u")); // credentials inherited
    // 6222 disappears from the cluster: pruned. The configured server stays.
    added = pool.updateDiscovered({QStringLiteral("127.0.0.1:5222")}, false);
    QVERIFY(added.isEmpty());
    QCOMPARE(pool.size(), 2);
}

QTEST_GUILESS_MAIN(TestProtocol)
#include "tst_protocol.moc"
