// jetdeck-cli as a user runs it: a separate process against a real nats-server.
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QThread>
#include <QUrl>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

Run cli(const QStringList& args, int timeoutMs = 20000,
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(JETDECK_CLI_PATH), args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void versionAndHelp();
    void pubSubRoundTrip();
    void requestReply();
    void noRespondersFails();
    void badInput_data();
    void badInput();
    void connectFailure();
    void serverFromEnvironmentAndContext();
    void statusJson();
    void pubRateThroughOutage();
    void badResilienceOptions_data();
    void badResilienceOptions();
    void jetStreamCommands();
    void jetStreamBadInput_data();
    void jetStreamBadInput();
    void benchJson_data();
    void benchJson();
    void latencyJson();
    void metricsBadInput_data();
    void metricsBadInput();
    void serveMetrics();
    void scenarioCommands();
    void faultCommands();
    void logging();

private:
    std::unique_ptr<NatsServerProcess> m_server;
};

void TestCli::initTestCase() {
    m_server = std::make_unique<NatsServerProcess>();
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestCli::versionAndHelp() {
    Run v = cli({QStringLiteral("--version")});
    QCOMPARE(v.code, 0);
    QVERIFY(v.out.startsWith("jetdeck-cli "));
    Run h = cli({QStringLiteral("--help")});
    QCOMPARE(h.code, 0);
    for (const char* cmd : {"pub", "sub", "req", "reply", "bench"})
        QVERIFY2(h.out.contains(cmd), cmd);
    Run ph = cli({QStringLiteral("pub"), QStringLiteral("--help")});
    QCOMPARE(ph.code, 0);
    QVERIFY(ph.out.contains("--count"));
    QVERIFY(ph.out.contains("--header"));
    Run none = cli({});
    QCOMPARE(none.code, 2);
}

void TestCli::pubSubRoundTrip() {
    QProcess sub;
    sub.start(QStringLiteral(JETDECK_CLI_PATH),
              {QStringLiteral("sub"), QStringLiteral("cli.>"), QStringLiteral("--count"),
               QStringLiteral("3"), QStringLiteral("--json"), QStringLiteral("-s"),
               m_server->url()});
    QVERIFY(sub.waitForStarted());
    // Wait until the subscription is live: a request on the subject gets no 503 once it is.
    ConnectionThread probe(optionsFor(m_server->url()));
    VERIFY_OK(probe->connectSync());
    // (QTRY_* evaluates its expression again at the end: no side effects inside it.)
    bool live = false;
    QElapsedTimer t;
    t.start();
    do {
        live = probe->requestSync("cli.probe", "", 200).error().kind != ErrorKind::NoResponders;
        if (!live)
            QTest::qWait(50);
    } while (!live && t.elapsed() < 10000);
    QVERIFY(live);
    Run pub = cli({QStringLiteral("pub"), QStringLiteral("cli.orders"), QStringLiteral("hello"),
                   QStringLiteral("--count"), QStringLiteral("2"), QStringLiteral("--header"),
                   QStringLiteral("Trace:t1"), QStringLiteral("-s"), m_server->url()});
    QCOMPARE(pub.code, 0);
    QVERIFY(pub.out.contains("Published 2 messages"));
    QVERIFY(sub.waitForFinished(10000));
    QCOMPARE(sub.exitCode(), 0);
    const QByteArray all = sub.readAllStandardOutput();
    const QList<QByteArray> lines = all.trimmed().split('\n');
    QVERIFY2(lines.size() == 3,
             all.constData()); // the probe's request, then the two published messages
    const QJsonObject last = QJsonDocument::fromJson(lines.last()).object();
    QCOMPARE(last.value(QStringLiteral("subject")).toString(), QStringLiteral("cli.orders"));
    QCOMPARE(last.value(QStringLiteral("data")).toString(), QStringLiteral("hello"));
    QCOMPARE(last.value(QStringLiteral("headers")).toObject().value(QStringLiteral("Trace")),
             QJsonValue(QJsonArray{QStringLiteral("t1")}));
}

void TestCli::requestReply() {
    QProcess reply;
    reply.start(QStringLiteral(JETDECK_CLI_PATH),
                {QStringLiteral("reply"), QStringLiteral("cli.svc"), QStringLiteral("pong"),
                 QStringLiteral("--count"), QStringLiteral("1"), QStringLiteral("-s"),
                 m_server->url()});
    QVERIFY(reply.waitForStarted());
    Run req;
    QElapsedTimer t;
    t.start();
    do {
        req = cli({QStringLiteral("req"), QStringLiteral("cli.svc"), QStringLiteral("ping"),
                   QStringLiteral("-s"), m_server->url(), QStringLiteral("--json")});
        if (req.code != 0)
            QTest::qWait(50); // the responder is not subscribed yet
    } while (req.code != 0 && t.elapsed() < 10000);
    QVERIFY2(req.code == 0, req.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(req.out.trimmed()).object();
    QCOMPARE(o.value(QStringLiteral("data")).toString(), QStringLiteral("pong"));
    QVERIFY(reply.waitForFinished(10000));
    QCOMPARE(reply.exitCode(), 0);
}

void TestCli::noRespondersFails() {
    Run r = cli({QStringLiteral("req"), QStringLiteral("nobody.here"), QStringLiteral("x"),
                 QStringLiteral("-s"), m_server->url()});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("no responders"), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1); // one line
}

void TestCli::badInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("unknown command")
        << QStringList{QStringLiteral("frob")} << QByteArray("unknown command 'frob'");
    QTest::newRow("bad scheme") << QStringList{QStringLiteral("pub"), QStringLiteral("a"),
                                               QStringLiteral("-s"), QStringLiteral("http://h:1")}
                                << QByteArray("unsupported scheme");
    QTest::newRow("bad subject") << QStringList{QStringLiteral("pub"), QStringLiteral("a b"),
                                                QStringLiteral("x")}
                                 << QByteArray("whitespace");
    QTest::newRow("wildcard publish")
        << QStringList{QStringLiteral("pub"), QStringLiteral("a.*")} << QByteArray("wildcard");
    QTest::newRow("bad sub subject")
        << QStringList{QStringLiteral("sub"), QStringLiteral("a..b")} << QByteArray("empty token");
    QTest::newRow("bad queue") << QStringList{QStringLiteral("sub"), QStringLiteral("a"),
                                              QStringLiteral("--queue"), QStringLiteral("q q")}
                               << QByteArray("queue group");
    QTest::newRow("bad count") << QStringList{QStringLiteral("pub"), QStringLiteral("a"),
                                              QStringLiteral("--count"), QStringLiteral("x")}
                               << QByteArray("--count");
    QTest::newRow("bad header") << QStringList{QStringLiteral("pub"), QStringLiteral("a"),
                                               QStringLiteral("--header"),
                                               QStringLiteral("nocolon")}
                                << QByteArray("KEY:VALUE");
    QTest::newRow("bad timeout") << QStringList{QStringLiteral("req"), QStringLiteral("a"),
                                                QStringLiteral("--timeout"), QStringLiteral("soon")}
                                 << QByteArray("--timeout");
    QTest::newRow("bad bench mode") << QStringList{QStringLiteral("bench"), QStringLiteral("fast")}
                                    << QByteArray("unknown bench mode");
    QTest::newRow("missing subject")
        << QStringList{QStringLiteral("sub")} << QByteArray("needs a SUBJECT");
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("pub"), QStringLiteral("a"), QStringLiteral("--frobnicate")}
        << QByteArray("frobnicate");
}

void TestCli::badInput() {
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    // Point at the real server so only the bad input can be the cause.
    if (!args.contains(QStringLiteral("-s")))
        args << QStringLiteral("-s") << m_server->url();
    Run r = cli(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), r.err.constData());
    QVERIFY(r.err.startsWith("jetdeck-cli: error: "));
}

void TestCli::connectFailure() {
    const quint16 port = NatsServerProcess::freePort();
    Run r = cli({QStringLiteral("pub"), QStringLiteral("a"), QStringLiteral("x"),
                 QStringLiteral("-s"), QStringLiteral("nats://127.0.0.1:%1").arg(port)});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QByteArray::number(port)), r.err.constData());
}

void TestCli::serverFromEnvironmentAndContext() {
    QTemporaryDir home;
    QVERIFY(home.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("NATS_URL"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.path());
    // NATS_URL
    env.insert(QStringLiteral("NATS_URL"), m_server->url());
    Run viaEnv =
        cli({QStringLiteral("pub"), QStringLiteral("ctx.a"), QStringLiteral("x")}, 20000, env);
    QCOMPARE(viaEnv.code, 0);
    // A natscli context selected in context.txt
    env.remove(QStringLiteral("NATS_URL"));
    QDir(home.path()).mkpath(QStringLiteral("nats/context"));
    QFile ctx(home.filePath(QStringLiteral("nats/context/local.json")));
    QVERIFY(ctx.open(QIODevice::WriteOnly));
    ctx.write(QJsonDocument(QJsonObject{{QStringLiteral("url"), m_server->url()}}).toJson());
    ctx.close();
    QFile sel(home.filePath(QStringLiteral("nats/context.txt")));
    QVERIFY(sel.open(QIODevice::WriteOnly));
    sel.write("local\n");
    sel.close();
    Run viaContext =
        cli({QStringLiteral("pub"), QStringLiteral("ctx.b"), QStringLiteral("x")}, 20000, env);
    QVERIFY2(viaContext.code == 0, viaContext.err.constData());
    Run missing = cli({QStringLiteral("--context"), QStringLiteral("nope"), QStringLiteral("pub"),
                       QStringLiteral("ctx.c")},
                      20000, env);
    QCOMPARE(missing.code, 2);
    QVERIFY(missing.err.contains("no such context 'nope'"));
}

void TestCli::statusJson() {
    Run r = cli({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("-s"),
                 m_server->url()});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out.trimmed()).object();
    QCOMPARE(o.value(QStringLiteral("state")).toString(), QStringLiteral("CONNECTED"));
    QCOMPARE(o.value(QStringLiteral("server")).toString(),
             QStringLiteral("127.0.0.1:%1").arg(m_server->port()));
    QVERIFY(o.value(QStringLiteral("rtt_us")).toInteger() >= 0);
    QVERIFY(o.value(QStringLiteral("outbound_queue")).isObject());
    QCOMPARE(o.value(QStringLiteral("outbound_queue")).toObject().value(QStringLiteral("depth")),
             QJsonValue(0));
    const QJsonArray servers = o.value(QStringLiteral("servers")).toArray();
    QCOMPARE(servers.size(), 1);
    QVERIFY(servers.first().toObject().value(QStringLiteral("current")).toBool());
    // And what the metrics engine knows: the handshake's PING round trip at least.
    const QJsonObject metrics = o.value(QStringLiteral("metrics")).toObject();
    bool ping = false;
    for (const QJsonValue& v : metrics.value(QStringLiteral("latency")).toArray())
        ping |=
            v.toObject().value(QStringLiteral("probe")).toString() == QLatin1String("ping_rtt") &&
            v.toObject().value(QStringLiteral("count")).toInt() >= 1;
    QVERIFY2(ping, QJsonDocument(metrics).toJson().constData());
    QCOMPARE(metrics.value(QStringLiteral("connections")).toArray().size(), 1);

    // --watch follows a server that is down, reporting the next attempt.
    const quint16 port = NatsServerProcess::freePort();
    Run down = cli({QStringLiteral("status"), QStringLiteral("--watch"), QStringLiteral("--json"),
                    QStringLiteral("--count"), QStringLiteral("2"), QStringLiteral("--interval"),
                    QStringLiteral("200ms"), QStringLiteral("-s"),
                    QStringLiteral("nats://127.0.0.1:%1").arg(port)});
    QVERIFY2(down.code == 0, down.err.constData());
    const QList<QByteArray> lines = down.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QJsonObject last = QJsonDocument::fromJson(lines.last()).object();
    QCOMPARE(last.value(QStringLiteral("state")).toString(), QStringLiteral("RECONNECTING"));
    QVERIFY(last.value(QStringLiteral("last_failure")).toString().contains(QString::number(port)));
    QVERIFY(last.value(QStringLiteral("next_attempt_in_ms")).toInteger() >= 0);
}

void TestCli::pubRateThroughOutage() {
    NatsServerConfig cfg;
    JETDECK_START_SERVER(server, cfg);
    QProcess pub;
    pub.start(QStringLiteral(JETDECK_CLI_PATH),
              {QStringLiteral("pub"), QStringLiteral("outage.cli"), QStringLiteral("x"),
               QStringLiteral("--rate"), QStringLiteral("100"), QStringLiteral("--count"),
               QStringLiteral("300"), QStringLiteral("--json"), QStringLiteral("--reconnect-delay"),
               QStringLiteral("50ms"), QStringLiteral("--max-reconnect-delay"),
               QStringLiteral("200ms"), QStringLiteral("-s"), server->url()});
    QVERIFY(pub.waitForStarted());
    QTest::qWait(800); // publishing for a while
    server->kill();
    QTest::qWait(700); // the server stays down this long
    VERIFY_OK(server->start());
    QVERIFY(pub.waitForFinished(20000));
    const QByteArray out = pub.readAllStandardOutput();
    QVERIFY2(pub.exitCode() == 0, QByteArray(out + pub.readAllStandardError()).constData());
    const QJsonObject o = QJsonDocument::fromJson(out.trimmed()).object();
    QCOMPARE(o.value(QStringLiteral("attempted")).toInt(), 300);
    QCOMPARE(o.value(QStringLiteral("accepted")).toInt(), 300);
    QVERIFY2(o.value(QStringLiteral("queued_then_sent")).toInt() > 0, out.constData());
    QCOMPARE(o.value(QStringLiteral("sent")).toInt() +
                 o.value(QStringLiteral("queued_then_sent")).toInt(),
             300);
    QCOMPARE(o.value(QStringLiteral("reconnects")).toInt(), 1);
    QVERIFY(o.value(QStringLiteral("confirmed")).toBool());
}

void TestCli::badResilienceOptions_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("bad delay") << QStringList{QStringLiteral("--reconnect-delay"),
                                              QStringLiteral("soon")}
                               << QByteArray("--reconnect-delay");
    QTest::newRow("bad attempts") << QStringList{QStringLiteral("--reconnect-attempts"),
                                                 QStringLiteral("-5")}
                                  << QByteArray("--reconnect-attempts");
    QTest::newRow("bad max pending")
        << QStringList{QStringLiteral("--max-pending"), QStringLiteral("0")}
        << QByteArray("--max-pending");
    QTest::newRow("bad rate") << QStringList{QStringLiteral("--rate"), QStringLiteral("fast")}
                              << QByteArray("--rate");
    QTest::newRow("bad interval") << QStringList{QStringLiteral("--ping-interval"),
                                                 QStringLiteral("0s")}
                                  << QByteArray("--ping-interval");
}

void TestCli::badResilienceOptions() {
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    Run r = cli(QStringList{QStringLiteral("pub"), QStringLiteral("a"), QStringLiteral("x"),
                            QStringLiteral("-s"), m_server->url()} +
                args);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), r.err.constData());
}

void TestCli::jetStreamCommands() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(js, cfg);
    const QStringList s{QStringLiteral("-s"), js->url()};
    auto ok = [&](const QStringList& args) {
        Run r = cli(args + s);
        if (r.code != 0)
            qWarning("%s: %s", qPrintable(args.join(QLatin1Char(' '))), r.err.constData());
        return r;
    };
    Run add =
        ok({QStringLiteral("stream"), QStringLiteral("add"), QStringLiteral("CLIJS"),
            QStringLiteral("--subjects"), QStringLiteral("clijs.>"), QStringLiteral("--storage"),
            QStringLiteral("memory"), QStringLiteral("--max-age"), QStringLiteral("1h")});
    QCOMPARE(add.code, 0);
    QVERIFY(add.out.contains("Stream CLIJS"));
    QVERIFY(add.out.contains("memory"));

    Run pub = ok({QStringLiteral("pub"), QStringLiteral("clijs.a"), QStringLiteral("hello"),
                  QStringLiteral("--js"), QStringLiteral("--msg-id"), QStringLiteral("m1"),
                  QStringLiteral("--json")});
    QCOMPARE(pub.code, 0);
    QJsonObject ack = QJsonDocument::fromJson(pub.out.trimmed()).object();
    QCOMPARE(ack.value(QStringLiteral("seq")).toInt(), 1);
    QCOMPARE(ack.value(QStringLiteral("duplicate")).toBool(), false);
    Run dup = ok({QStringLiteral("pub"), QStringLiteral("clijs.a"), QStringLiteral("hello"),
                  QStringLiteral("--js"), QStringLiteral("--msg-id"), QStringLiteral("m1"),
                  QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(dup.out.trimmed()).object().value(QStringLiteral("duplicate")),
             QJsonValue(true));
    Run many = ok({QStringLiteral("pub"), QStringLiteral("clijs.b"), QStringLiteral("x"),
                   QStringLiteral("--js"), QStringLiteral("--count"), QStringLiteral("500"),
                   QStringLiteral("--msg-ids"), QStringLiteral("--json")});
    QCOMPARE(many.code, 0);
    QCOMPARE(QJsonDocument::fromJson(many.out.trimmed()).object().value(QStringLiteral("acked")),
             QJsonValue(500));
    // Paced: 300 messages at 2,000 a second, every PubAck counted in the summary (a stream of
    // their own: CLIJS's counts below stay as they are).
    QCOMPARE(ok({QStringLiteral("stream"), QStringLiteral("add"), QStringLiteral("CLIPACED"),
                 QStringLiteral("--subjects"), QStringLiteral("clipaced.>"),
                 QStringLiteral("--storage"), QStringLiteral("memory")})
                 .code,
             0);
    Run paced = ok({QStringLiteral("pub"), QStringLiteral("clipaced.r"), QStringLiteral("x"),
                    QStringLiteral("--js"), QStringLiteral("--rate"), QStringLiteral("2000"),
                    QStringLiteral("--count"), QStringLiteral("300"), QStringLiteral("--msg-ids"),
                    QStringLiteral("--json")});
    QCOMPARE(paced.code, 0);
    const QJsonObject ps = QJsonDocument::fromJson(paced.out.trimmed()).object();
    QCOMPARE(ps.value(QStringLiteral("mode")).toString(), QStringLiteral("js-async"));
    QCOMPARE(ps.value(QStringLiteral("accepted")).toInt(), 300);
    QCOMPARE(ps.value(QStringLiteral("acked")).toInt(), 300);
    QCOMPARE(ps.value(QStringLiteral("duplicates")).toInt(), 0);
    QCOMPARE(ps.value(QStringLiteral("failed")).toInt(), 0);
    QCOMPARE(ps.value(QStringLiteral("clean")).toBool(), true);
    QVERIFY2(ps.value(QStringLiteral("seconds")).toDouble() >= 0.12, paced.out.constData());
    QVERIFY2(ps.value(QStringLiteral("rate")).toDouble() <= 2000 * 1.1, paced.out.constData());
    // No stream takes the subject: every message ends refused, the summary says so, exit 1.
    Run lost = cli({QStringLiteral("pub"), QStringLiteral("nostream.x"), QStringLiteral("x"),
                    QStringLiteral("--js"), QStringLiteral("--rate"), QStringLiteral("500"),
                    QStringLiteral("--count"), QStringLiteral("5"), QStringLiteral("--json"),
                    QStringLiteral("-s"), js->url()});
    QCOMPARE(lost.code, 1);
    const QJsonObject lostSummary = QJsonDocument::fromJson(lost.out.trimmed()).object();
    QCOMPARE(lostSummary.value(QStringLiteral("acked")).toInt(), 0);
    QCOMPARE(lostSummary.value(QStringLiteral("failed")).toInt() +
                 lostSummary.value(QStringLiteral("timed_out")).toInt(),
             5);
    QCOMPARE(lostSummary.value(QStringLiteral("clean")).toBool(), false);
    QVERIFY2(lost.err.contains("not every message was stored"), lost.err.constData());

    Run cadd =
        ok({QStringLiteral("consumer"), QStringLiteral("add"), QStringLiteral("CLIJS"),
            QStringLiteral("work"), QStringLiteral("--pull"), QStringLiteral("--max-deliver"),
            QStringLiteral("3"), QStringLiteral("--wait"), QStringLiteral("2s")});
    QCOMPARE(cadd.code, 0);
    QVERIFY(cadd.out.contains("pull"));
    Run consume = ok({QStringLiteral("consume"), QStringLiteral("CLIJS"), QStringLiteral("work"),
                      QStringLiteral("--count"), QStringLiteral("3"), QStringLiteral("--json")});
    QCOMPARE(consume.code, 0);
    const QList<QByteArray> lines = consume.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    const QJsonObject first = QJsonDocument::fromJson(lines.first()).object();
    QCOMPARE(first.value(QStringLiteral("stream_seq")).toInt(), 1);
    QCOMPARE(first.value(QStringLiteral("delivered")).toInt(), 1);
    QCOMPARE(first.value(QStringLiteral("action")).toString(), QStringLiteral("ack"));

    Run info = ok({QStringLiteral("consumer"), QStringLiteral("info"), QStringLiteral("CLIJS"),
                   QStringLiteral("work"), QStringLiteral("--json")});
    const QJsonObject ci = QJsonDocument::fromJson(info.out.trimmed()).object();
    QCOMPARE(ci.value(QStringLiteral("num_pending")).toInt(), 498); // 501 stored, 3 acked
    QCOMPARE(ci.value(QStringLiteral("ack_floor_stream_seq")).toInt(), 3);

    // Reading messages takes nothing from the consumer: stream view and get use STREAM.MSG.GET.
    auto jsonLines = [](const Run& r) {
        QList<QJsonObject> out;
        for (const QByteArray& line : r.out.trimmed().split('\n'))
            if (!line.isEmpty())
                out << QJsonDocument::fromJson(line).object();
        return out;
    };
    auto seqOf = [](const QJsonObject& o) { return o.value(QStringLiteral("seq")).toInt(); };
    const QList<QJsonObject> firstThree =
        jsonLines(ok({QStringLiteral("stream"), QStringLiteral("view"), QStringLiteral("CLIJS"),
                      QStringLiteral("--count"), QStringLiteral("3"), QStringLiteral("--json")}));
    QCOMPARE(firstThree.size(), 3);
    QCOMPARE(seqOf(firstThree[0]), 1);
    QCOMPARE(firstThree[0].value(QStringLiteral("data")).toString(), QStringLiteral("hello"));
    QCOMPARE(firstThree[0].value(QStringLiteral("subject")).toString(), QStringLiteral("clijs.a"));
    QCOMPARE(firstThree[0].value(QStringLiteral("stream")).toString(), QStringLiteral("CLIJS"));
    QVERIFY(firstThree[0]
                .value(QStringLiteral("headers"))
                .toObject()
                .contains(QStringLiteral("Nats-Msg-Id")));
    QCOMPARE(seqOf(firstThree[2]), 3);
    Run onA = ok({QStringLiteral("stream"), QStringLiteral("view"), QStringLiteral("CLIJS"),
                  QStringLiteral("--subject"), QStringLiteral("clijs.a")});
    QVERIFY2(onA.out.contains("[1] ") && onA.out.contains("hello") &&
                 onA.out.contains("1 message of CLIJS (501 stored, sequences 1..501)"),
             onA.out.constData());
    const QList<QJsonObject> newest =
        jsonLines(ok({QStringLiteral("stream"), QStringLiteral("view"), QStringLiteral("CLIJS"),
                      QStringLiteral("--newest"), QStringLiteral("--count"), QStringLiteral("2"),
                      QStringLiteral("--json")}));
    QCOMPARE(newest.size(), 2);
    QCOMPARE(seqOf(newest[0]), 500);
    QCOMPARE(seqOf(newest[1]), 501);
    const QList<QJsonObject> since =
        jsonLines(ok({QStringLiteral("stream"), QStringLiteral("view"), QStringLiteral("CLIJS"),
                      QStringLiteral("--since"), QStringLiteral("1h"), QStringLiteral("--count"),
                      QStringLiteral("1"), QStringLiteral("--json")}));
    QCOMPARE(since.size(), 1);
    QCOMPARE(seqOf(since[0]), 1);
    const QList<QJsonObject> lastPer =
        jsonLines(ok({QStringLiteral("stream"), QStringLiteral("view"), QStringLiteral("CLIJS"),
                      QStringLiteral("--last-per-subject"), QStringLiteral("--json")}));
    QCOMPARE(lastPer.size(), 2);
    QCOMPARE(seqOf(lastPer[0]), 1);
    QCOMPARE(seqOf(lastPer[1]), 501);
    Run lastB =
        ok({QStringLiteral("stream"), QStringLiteral("get"), QStringLiteral("CLIJS"),
            QStringLiteral("--last-for"), QStringLiteral("clijs.b"), QStringLiteral("--json")});
    QCOMPARE(seqOf(QJsonDocument::fromJson(lastB.out.trimmed()).object()), 501);
    Run getOne = ok({QStringLiteral("stream"), QStringLiteral("get"), QStringLiteral("CLIJS"),
                     QStringLiteral("--seq"), QStringLiteral("1")});
    QVERIFY2(getOne.out.contains("clijs.a") && getOne.out.contains("hello") &&
                 getOne.out.contains("Nats-Msg-Id: m1"),
             getOne.out.constData());
    Run rmm = ok({QStringLiteral("stream"), QStringLiteral("rmm"), QStringLiteral("CLIJS"),
                  QStringLiteral("2"), QStringLiteral("--force"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(rmm.out.trimmed()).object().value(QStringLiteral("deleted")),
             QJsonValue(2));
    Run gone2 =
        cli({QStringLiteral("stream"), QStringLiteral("get"), QStringLiteral("CLIJS"),
             QStringLiteral("--seq"), QStringLiteral("2"), QStringLiteral("-s"), js->url()});
    QCOMPARE(gone2.code, 1);
    QVERIFY2(gone2.err.contains("message 2 of CLIJS: ") && gone2.err.contains("no message found"),
             gone2.err.constData());
    // The consumer saw none of it.
    Run after = ok({QStringLiteral("consumer"), QStringLiteral("info"), QStringLiteral("CLIJS"),
                    QStringLiteral("work"), QStringLiteral("--json")});
    const QJsonObject ca = QJsonDocument::fromJson(after.out.trimmed()).object();
    QCOMPARE(ca.value(QStringLiteral("num_pending")).toInt(), 498);
    QCOMPARE(ca.value(QStringLiteral("ack_floor_stream_seq")).toInt(), 3);

    // NAK with a delay that grows with the delivery count: the first redelivery after 200 ms.
    Run nak = ok({QStringLiteral("consume"), QStringLiteral("CLIJS"), QStringLiteral("work"),
                  QStringLiteral("--count"), QStringLiteral("1"), QStringLiteral("--nak"),
                  QStringLiteral("--nak-backoff"), QStringLiteral("200ms,1s,0%"),
                  QStringLiteral("--json")});
    const QJsonObject naked = QJsonDocument::fromJson(nak.out.trimmed()).object();
    QCOMPARE(naked.value(QStringLiteral("action")).toString(), QStringLiteral("nak"));
    QCOMPARE(naked.value(QStringLiteral("delivered")).toInt(), 1);
    QCOMPARE(naked.value(QStringLiteral("nak_delay_ms")).toInt(), 200);
    Run again = ok({QStringLiteral("consume"), QStringLiteral("CLIJS"), QStringLiteral("work"),
                    QStringLiteral("--count"), QStringLiteral("1"), QStringLiteral("--nak"),
                    QStringLiteral("--nak-delay"), QStringLiteral("50ms")});
    QVERIFY2(again.out.contains("nak, redeliver in 50ms"), again.out.constData());

    Run ls = ok({QStringLiteral("stream"), QStringLiteral("ls")});
    QVERIFY(ls.out.contains("CLIJS"));
    Run cls = ok({QStringLiteral("consumer"), QStringLiteral("ls"), QStringLiteral("CLIJS")});
    QVERIFY(cls.out.contains("work"));
    Run purge = ok({QStringLiteral("stream"), QStringLiteral("purge"), QStringLiteral("CLIJS"),
                    QStringLiteral("--force"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(purge.out.trimmed()).object().value(QStringLiteral("purged")),
             QJsonValue(500)); // 501 stored, one removed by rmm
    QCOMPARE(ok({QStringLiteral("consumer"), QStringLiteral("rm"), QStringLiteral("CLIJS"),
                 QStringLiteral("work"), QStringLiteral("--force")})
                 .code,
             0);
    QCOMPARE(ok({QStringLiteral("stream"), QStringLiteral("rm"), QStringLiteral("CLIJS"),
                 QStringLiteral("--force")})
                 .code,
             0);
    Run gone = cli(
        QStringList{QStringLiteral("stream"), QStringLiteral("info"), QStringLiteral("CLIJS")} + s);
    QCOMPARE(gone.code, 1);
    QVERIFY2(gone.err.contains("stream not found"), gone.err.constData());

    // A server without JetStream says so.
    Run none = cli(
        {QStringLiteral("stream"), QStringLiteral("ls"), QStringLiteral("-s"), m_server->url()});
    QCOMPARE(none.code, 1);
    QVERIFY2(none.err.contains("JetStream is not enabled"), none.err.constData());
}

void TestCli::jetStreamBadInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("stream verb") << QStringList{QStringLiteral("stream"), QStringLiteral("frob")}
                                 << QByteArray("ls, info, add, rm, purge");
    QTest::newRow("stream name") << QStringList{QStringLiteral("stream"), QStringLiteral("info"),
                                                QStringLiteral("A.B")}
                                 << QByteArray("'.'");
    QTest::newRow("bad storage") << QStringList{QStringLiteral("stream"), QStringLiteral("add"),
                                                QStringLiteral("S"), QStringLiteral("--storage"),
                                                QStringLiteral("tape")}
                                 << QByteArray("--storage");
    QTest::newRow("bad age") << QStringList{QStringLiteral("stream"), QStringLiteral("add"),
                                            QStringLiteral("S"), QStringLiteral("--max-age"),
                                            QStringLiteral("forever")}
                             << QByteArray("--max-age");
    QTest::newRow("view two starts")
        << QStringList{QStringLiteral("stream"), QStringLiteral("view"), QStringLiteral("S"),
                       QStringLiteral("--seq"),  QStringLiteral("3"),    QStringLiteral("--newest")}
        << QByteArray("one place");
    QTest::newRow("view count") << QStringList{QStringLiteral("stream"), QStringLiteral("view"),
                                               QStringLiteral("S"), QStringLiteral("--count"),
                                               QStringLiteral("5000")}
                                << QByteArray("--count: a page shows 1 to 1000");
    QTest::newRow("view since") << QStringList{QStringLiteral("stream"), QStringLiteral("view"),
                                               QStringLiteral("S"), QStringLiteral("--since"),
                                               QStringLiteral("yesterday")}
                                << QByteArray("--since: 'yesterday' is neither");
    QTest::newRow("view filter") << QStringList{QStringLiteral("stream"), QStringLiteral("view"),
                                                QStringLiteral("S"), QStringLiteral("--subject"),
                                                QStringLiteral("a..b")}
                                 << QByteArray("subject filter");
    QTest::newRow("get neither") << QStringList{QStringLiteral("stream"), QStringLiteral("get"),
                                                QStringLiteral("S")}
                                 << QByteArray("--seq N or --last-for SUBJECT");
    QTest::newRow("get wildcard") << QStringList{QStringLiteral("stream"), QStringLiteral("get"),
                                                 QStringLiteral("S"), QStringLiteral("--last-for"),
                                                 QStringLiteral("a.*")}
                                  << QByteArray("--last-for");
    QTest::newRow("rmm no seq") << QStringList{QStringLiteral("stream"), QStringLiteral("rmm"),
                                               QStringLiteral("S")}
                                << QByteArray("stream rmm NAME SEQ --force");
    QTest::newRow("rmm without force")
        << QStringList{QStringLiteral("stream"), QStringLiteral("rmm"), QStringLiteral("S"),
                       QStringLiteral("3")}
        << QByteArray("removes message 3 from S; add --force");
    QTest::newRow("nak delay without nak")
        << QStringList{QStringLiteral("consume"), QStringLiteral("S"), QStringLiteral("c"),
                       QStringLiteral("--nak-backoff"), QStringLiteral("1s")}
        << QByteArray("go with --nak");
    QTest::newRow("nak backoff words")
        << QStringList{QStringLiteral("consume"),
                       QStringLiteral("S"),
                       QStringLiteral("c"),
                       QStringLiteral("--nak"),
                       QStringLiteral("--nak-backoff"),
                       QStringLiteral("soon")}
        << QByteArray("--nak-backoff: NAK backoff 'soon': 'soon' is not a duration");
    QTest::newRow("nak delay and backoff")
        << QStringList{QStringLiteral("consume"),
                       QStringLiteral("S"),
                       QStringLiteral("c"),
                       QStringLiteral("--nak"),
                       QStringLiteral("--nak-backoff"),
                       QStringLiteral("1s"),
                       QStringLiteral("--nak-delay"),
                       QStringLiteral("1s")}
        << QByteArray("choose --nak-delay (fixed) or --nak-backoff");
    QTest::newRow("rm without force")
        << QStringList{QStringLiteral("stream"), QStringLiteral("rm"), QStringLiteral("S")}
        << QByteArray("--force");
    QTest::newRow("consumer kind") << QStringList{QStringLiteral("consumer"), QStringLiteral("add"),
                                                  QStringLiteral("S"), QStringLiteral("c")}
                                   << QByteArray("--pull or --target");
    QTest::newRow("flow control needs heartbeat") << QStringList{QStringLiteral("consumer"),
                                                                 QStringLiteral("add"),
                                                                 QStringLiteral("S"),
                                                                 QStringLiteral("c"),
                                                                 QStringLiteral("--target"),
                                                                 QStringLiteral("d.x"),
                                                                 QStringLiteral("--flow-control")}
                                                  << QByteArray("heartbeat");
    QTest::newRow("bad backoff") << QStringList{QStringLiteral("consumer"),
                                                QStringLiteral("add"),
                                                QStringLiteral("S"),
                                                QStringLiteral("c"),
                                                QStringLiteral("--pull"),
                                                QStringLiteral("--backoff"),
                                                QStringLiteral("1s,later")}
                                 << QByteArray("--backoff");
    QTest::newRow("two actions") << QStringList{QStringLiteral("consume"), QStringLiteral("S"),
                                                QStringLiteral("c"), QStringLiteral("--ack"),
                                                QStringLiteral("--nak")}
                                 << QByteArray("choose one");
    QTest::newRow("js with reply")
        << QStringList{QStringLiteral("pub"), QStringLiteral("a"), QStringLiteral("--js"),
                       QStringLiteral("--reply"), QStringLiteral("r")}
        << QByteArray("--js takes no --reply");
    QTest::newRow("paced js expecting")
        << QStringList{QStringLiteral("pub"),  QStringLiteral("a"),
                       QStringLiteral("--js"), QStringLiteral("--rate"),
                       QStringLiteral("10"),   QStringLiteral("--expect-stream"),
                       QStringLiteral("S")}
        << QByteArray("is for a single --js publish");
    QTest::newRow("paced js one id")
        << QStringList{QStringLiteral("pub"),  QStringLiteral("a"),
                       QStringLiteral("--js"), QStringLiteral("--rate"),
                       QStringLiteral("10"),   QStringLiteral("--count"),
                       QStringLiteral("5"),    QStringLiteral("--msg-id"),
                       QStringLiteral("m")}
        << QByteArray("every message a duplicate");
}

void TestCli::jetStreamBadInput() {
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    Run r = cli(args + QStringList{QStringLiteral("-s"), m_server->url()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), r.err.constData());
}

void TestCli::benchJson_data() {
    QTest::addColumn<QString>("mode");
    QTest::newRow("pub") << QStringLiteral("pub");
    QTest::newRow("pubsub") << QStringLiteral("pubsub");
    QTest::newRow("req") << QStringLiteral("req");
}

void TestCli::benchJson() {
    QFETCH(QString, mode);
    Run r = cli({QStringLiteral("bench"), mode, QStringLiteral("--msgs"), QStringLiteral("2000"),
                 QStringLiteral("--json"), QStringLiteral("-s"), m_server->url()});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out.trimmed()).object();
    QCOMPARE(o.value(QStringLiteral("mode")).toString(), mode);
    QCOMPARE(o.value(QStringLiteral("msgs")).toInt(), 2000);
    QVERIFY(o.value(QStringLiteral("msgs_per_sec")).toDouble() > 0);
    if (mode == QLatin1String("req")) {
        QVERIFY(o.value(QStringLiteral("p50_us")).toDouble() > 0);
        QVERIFY(o.value(QStringLiteral("p99_us")).toDouble() >=
                o.value(QStringLiteral("p50_us")).toDouble());
    }
    if (mode == QLatin1String("pubsub"))
        QCOMPARE(o.value(QStringLiteral("received")).toInt(), 2000);
    // The process's CPU time over the timed span: there, never negative, never more than
    // every core busy for the span (with a margin for the moments around it).
    const double user = o.value(QStringLiteral("cpu_user_s")).toDouble(-1);
    const double sys = o.value(QStringLiteral("cpu_sys_s")).toDouble(-1);
    QVERIFY2(user >= 0 && sys >= 0, r.out.constData());
    QVERIFY2(user + sys <= o.value(QStringLiteral("seconds")).toDouble() *
                                   double(QThread::idealThreadCount()) +
                               0.05,
             r.out.constData());
}

void TestCli::latencyJson() {
    Run r = cli({QStringLiteral("latency"), QStringLiteral("--duration"), QStringLiteral("1s"),
                 QStringLiteral("--rate"), QStringLiteral("200"), QStringLiteral("--window"),
                 QStringLiteral("10s"), QStringLiteral("--json"), QStringLiteral("-s"),
                 m_server->url()});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out.trimmed()).object();
    const QJsonArray rows = o.value(QStringLiteral("latency")).toArray();
    QCOMPARE(rows.size(), 2);
    for (const QJsonValue& v : rows) {
        const QJsonObject row = v.toObject();
        QCOMPARE(row.value(QStringLiteral("window")).toString(), QStringLiteral("10s"));
        QVERIFY2(row.value(QStringLiteral("count")).toInt() >= 100,
                 QJsonDocument(row).toJson().constData());
        QVERIFY(row.value(QStringLiteral("p50_ms")).toDouble() > 0);
        QVERIFY(row.value(QStringLiteral("p50_ms")).toDouble() <=
                row.value(QStringLiteral("p99_ms")).toDouble());
    }
    QCOMPARE(o.value(QStringLiteral("request_errors")).toInt(), 0);
}

void TestCli::metricsBadInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("unknown probe")
        << QStringList{QStringLiteral("latency"), QStringLiteral("--probe"), QStringLiteral("nope")}
        << QByteArray("unknown --probe 'nope'");
    QTest::newRow("bad window") << QStringList{QStringLiteral("latency"),
                                               QStringLiteral("--window"), QStringLiteral("2h")}
                                << QByteArray("--window needs 10s, 1m or 5m");
    QTest::newRow("publish_ack without subject")
        << QStringList{QStringLiteral("latency"), QStringLiteral("--probe"),
                       QStringLiteral("publish_ack")}
        << QByteArray("--probe publish_ack needs --js-subject");
    QTest::newRow("no port") << QStringList{QStringLiteral("serve-metrics")}
                             << QByteArray("serve-metrics needs --metrics-port");
    QTest::newRow("bad port") << QStringList{QStringLiteral("serve-metrics"),
                                             QStringLiteral("--metrics-port"),
                                             QStringLiteral("70000")}
                              << QByteArray("--metrics-port needs a port number");
    QTest::newRow("bad consumer") << QStringList{QStringLiteral("serve-metrics"),
                                                 QStringLiteral("--metrics-port"),
                                                 QStringLiteral("0"), QStringLiteral("--consumer"),
                                                 QStringLiteral("ORDERS")}
                                  << QByteArray("--consumer needs STREAM/CONSUMER");
    QTest::newRow("warn above critical")
        << QStringList{QStringLiteral("serve-metrics"),
                       QStringLiteral("--metrics-port"),
                       QStringLiteral("0"),
                       QStringLiteral("--pending-warn"),
                       QStringLiteral("500"),
                       QStringLiteral("--pending-critical"),
                       QStringLiteral("100")}
        << QByteArray("the pending warn threshold (500) is above the critical one (100)");
}

void TestCli::metricsBadInput() {
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    Run r = cli(args + QStringList{QStringLiteral("-s"), m_server->url()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), r.err.constData());
}

void TestCli::serveMetrics() {
    QProcess p;
    p.start(QStringLiteral(JETDECK_CLI_PATH),
            {QStringLiteral("serve-metrics"), QStringLiteral("--metrics-port"), QStringLiteral("0"),
             QStringLiteral("--duration"), QStringLiteral("20s"), QStringLiteral("--json"),
             QStringLiteral("-s"), m_server->url()});
    QVERIFY(p.waitForStarted(5000));
    QVERIFY(p.waitForReadyRead(10000));
    const QJsonObject hello = QJsonDocument::fromJson(p.readLine().trimmed()).object();
    const QUrl url(hello.value(QStringLiteral("metrics_url")).toString());
    QVERIFY2(url.isValid() && url.port() > 0, qPrintable(url.toString()));
    QCOMPARE(url.host(), QStringLiteral("127.0.0.1"));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, quint16(url.port()));
    QVERIFY(s.waitForConnected(3000));
    s.write("GET /metrics HTTP/1.0\r\n\r\n");
    QByteArray reply;
    while (s.waitForReadyRead(3000))
        reply += s.readAll();
    QVERIFY2(reply.startsWith("HTTP/1.1 200 OK"), reply.left(200).constData());
    QVERIFY(reply.contains("jetdeck_nats_connection_status{connection=\"jetdeck-cli\"} 1"));
    p.terminate(); // SIGTERM: a clean stop
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
}

void TestCli::scenarioCommands() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // list: the shipped scenarios, as text and JSON.
    Run r = cli({QStringLiteral("scenario"), QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonArray list =
        QJsonDocument::fromJson(r.out).object().value(QStringLiteral("scenarios")).toArray();
    QVERIFY(list.size() >= 4);
    QStringList names;
    for (const QJsonValue& v : list)
        names << v.toObject().value(QStringLiteral("name")).toString();
    QVERIFY(names.contains(QStringLiteral("connection-failure")));

    // check: a malformed file names the line and the field; exit code 2.
    const QString bad = dir.filePath(QStringLiteral("bad.json"));
    {
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n  \"steps\": [\n    {\"step\": \"wait\", \"duration\": \"1s\"},\n"
                "    {\"step\": \"publish\", \"subject\": \"x\", \"count\": 5, \"rate\": -3}\n  "
                "]\n}\n");
    }
    r = cli({QStringLiteral("scenario"), QStringLiteral("check"), bad});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(":4: steps[1].rate: must be between 0"), r.err.constData());
    r = cli({QStringLiteral("scenario"), QStringLiteral("run"), bad, QStringLiteral("--demo")});
    QCOMPARE(r.code, 2);
    r = cli({QStringLiteral("scenario"), QStringLiteral("run"),
             dir.filePath(QStringLiteral("missing.json"))});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("cannot read scenario"), r.err.constData());
    r = cli({QStringLiteral("scenario"), QStringLiteral("fly")});
    QCOMPARE(r.code, 2);

    // run: a passing scenario exits 0; an impossible assertion exits 1 and the report names
    // the step and why.
    const QString scn = dir.filePath(QStringLiteral("s.json"));
    {
        QFile f(scn);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"name": "cli",
  "streams": [{"name": "CLI", "subjects": ["cli.>"], "storage": "memory"}],
  "steps": [
    {"step": "publish", "name": "p", "subject": "cli.a", "mode": "js-sync", "count": 5},
    {"step": "assert", "check": "stream_messages", "stream": "CLI", "at_least": 5},
    {"step": "assert", "check": "stream_messages", "stream": "CLI", "at_least": 6}
  ]})");
    }
    const QString report = dir.filePath(QStringLiteral("report.json"));
    r = cli({QStringLiteral("scenario"), QStringLiteral("run"), scn, QStringLiteral("--demo"),
             QStringLiteral("--report"), report},
            60000);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.out.contains("FAILED"), r.out.constData());
    QVERIFY2(r.out.contains("step 3 (line 6"), r.out.constData());
    QFile f(report);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject rep = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(rep.value(QStringLiteral("passed")).toBool(true), false);
    const QJsonArray steps = rep.value(QStringLiteral("steps")).toArray();
    QCOMPARE(steps.size(), 3);
    QCOMPARE(steps[1].toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("passed"));
    QCOMPARE(steps[2].toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("failed"));
    QVERIFY(steps[2]
                .toObject()
                .value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("CLI holds 5 message(s); expected at least 6")));

    // The built-in integration scenario, by name, passes: exit 0, JSON on stdout.
    r = cli({QStringLiteral("scenario"), QStringLiteral("run"), QStringLiteral("integration"),
             QStringLiteral("--demo"), QStringLiteral("--json")},
            120000);
    QVERIFY2(r.code == 0, r.out.constData());
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("passed")).toBool(),
             true);
}

void TestCli::faultCommands() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    const QStringList s{QStringLiteral("-s"), server->url()};
    Connection c(optionsFor(server->url()));
    VERIFY_OK(c.connectSync(5000));
    const js::JetStream api(&c);
    js::StreamConfig sc;
    sc.name = QStringLiteral("FLT");
    sc.subjects = {QStringLiteral("flt.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(api.addStream(sc));
    for (int i = 0; i < 20; ++i)
        QVERIFY(api.publish("flt.a", "x"));
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("w");
    QVERIFY(api.addConsumer(sc.name, cc));

    Run r = cli(QStringList{QStringLiteral("fault"), QStringLiteral("withhold-acks"),
                            QStringLiteral("FLT"), QStringLiteral("w"), QStringLiteral("--count"),
                            QStringLiteral("4"), QStringLiteral("--json")} +
                s);
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("taken")).toInt(), 4);
    QCOMPARE(api.consumerInfo(sc.name, QStringLiteral("w")).value().numAckPending, 4);
    r = cli(QStringList{QStringLiteral("fault"), QStringLiteral("term"), QStringLiteral("FLT"),
                        QStringLiteral("w"), QStringLiteral("--count"), QStringLiteral("3")} +
            s);
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(r.out.contains("3 message(s) taken, 3 answered"), r.out.constData());

    // Bad input: usage errors exit 2, server refusals exit 1 with the reason.
    r = cli(QStringList{QStringLiteral("fault"), QStringLiteral("explode"), QStringLiteral("FLT")} +
            s);
    QCOMPARE(r.code, 2);
    r = cli(QStringList{QStringLiteral("fault"), QStringLiteral("term"), QStringLiteral("FLT"),
                        QStringLiteral("w"), QStringLiteral("--count"), QStringLiteral("0")} +
            s);
    QCOMPARE(r.code, 2);
    r = cli(QStringList{QStringLiteral("fault"), QStringLiteral("nak-burst"), QStringLiteral("FLT"),
                        QStringLiteral("nobody")} +
            s);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("not found"), r.err.constData());
    r = cli(
        QStringList{QStringLiteral("fault"), QStringLiteral("stepdown"), QStringLiteral("FLT")} +
        s);
    QCOMPARE(r.code, 1); // a single server has no leader to move
    QVERIFY2(!r.err.trimmed().isEmpty(), r.err.constData());
    qInfo("stepdown on a single server: %s", r.err.trimmed().constData());
}

void TestCli::logging() {
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("JETDECK_LOG_DIR"), dir.path());
    const QStringList status{QStringLiteral("status"), QStringLiteral("-s"), m_server->url(),
                             QStringLiteral("--json")};
    // A file per run, stderr left alone.
    Run r = cli(status, 20000, env);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    QStringList files = QDir(dir.path()).entryList({QStringLiteral("jetdeck-cli-*.log")});
    QCOMPARE(files.size(), 1);
    QFile f(dir.filePath(files[0]));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY2(text.contains("info jetdeck.client") && text.contains("CONNECTED"), text.constData());
    // --log-level puts the lines on stderr as well.
    r = cli(status + QStringList{QStringLiteral("--log-level"), QStringLiteral("info")}, 20000,
            env);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("CONNECTED"), r.err.constData());
    // --no-log-file writes none.
    r = cli(status + QStringList{QStringLiteral("--no-log-file")}, 20000, env);
    QCOMPARE(r.code, 0);
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("jetdeck-cli-*.log")}).size(), 2);
    r = cli(status + QStringList{QStringLiteral("--log-level"), QStringLiteral("loud")}, 20000,
            env);
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--log-level is one of debug, info, warning, error"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
