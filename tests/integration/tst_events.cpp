// What the servers announce, against a real three-server cluster with an accounts block (SYS
// the system account, APP with JetStream): stream and consumer actions, leader elections (also
// after a leader is killed), MaxDeliver and terminated messages of real workers, API errors
// (and the successful API audits left out), clients connecting, disconnecting and failing to
// authenticate, a malformed advisory counted and not fatal, malformed payloads of every shape
// refused with an error, and `jetdeck-cli events`.
#include "core/jetstream/jetstream.h"
#include "core/system/eventwatcher.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace jetdeck;
using namespace jetdeck::sys;
using namespace jetdeck::test;

namespace {

constexpr int kWaitMs = 15000;

Options as(const NatsServerProcess* s, const QString& user, const QString& name = {},
           const QString& others = {}) {
    Options o = fastOptions(others.isEmpty() ? s->url() : s->url() + QLatin1Char(',') + others);
    o.auth.user = user;
    o.auth.password = user;
    if (!name.isEmpty())
        o.name = name;
    return o;
}

/// Every event a watcher handed over, kept for the checks.
struct Recorder {
    explicit Recorder(EventWatcher* w) {
        QObject::connect(w, &EventWatcher::eventsArrived, w,
                         [this](const QList<SystemEvent>& batch) { events += batch; });
    }
    /// The first event from index `from` on that `pred` accepts, waited for.
    std::optional<SystemEvent> waitFor(const std::function<bool(const SystemEvent&)>& pred,
                                       qsizetype from = 0) {
        std::optional<SystemEvent> found;
        (void)QTest::qWaitFor(
            [&] {
                for (qsizetype i = from; i < events.size(); ++i)
                    if (const SystemEvent& e = events.at(i); pred(e)) {
                        found = e;
                        return true;
                    }
                return false;
            },
            kWaitMs);
        return found;
    }
    QList<SystemEvent> events;
};

} // namespace

class TestEvents : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void streamAndConsumerActions();
    void realWorkersRedeliveriesAndTerminations();
    void apiErrorsOnly();
    void malformedAdvisoryCounted();
    void malformedPayloadsRefused_data();
    void malformedPayloadsRefused();
    void clientEvents();
    void leaderElectedAfterKill();
    void cli();

private:
    NatsServerProcess* server(int i) { return m_servers.at(size_t(i)).get(); }
    /// Every server's URL but `i`'s, comma separated: a pool to go on with when one dies.
    QString othersThan(int i) {
        QStringList urls;
        for (int k = 0; k < int(m_servers.size()); ++k)
            if (k != i)
                urls << server(k)->url();
        return urls.join(QLatin1Char(','));
    }

    Servers m_servers;
    std::unique_ptr<ConnectionThread> m_sys;
    std::unique_ptr<ConnectionThread> m_app;
    std::unique_ptr<EventWatcher> m_appWatcher;
    std::unique_ptr<EventWatcher> m_sysWatcher;
    std::unique_ptr<Recorder> m_appEvents;
    std::unique_ptr<Recorder> m_sysEvents;
};

void TestEvents::initTestCase() {
    VERIFY_OK(startSystemCluster(3, &m_servers, QStringLiteral("evc"), QStringLiteral("ev")));
    m_sys = std::make_unique<ConnectionThread>(
        as(server(0), QStringLiteral("sys"), QString(), othersThan(0)));
    VERIFY_OK((*m_sys)->connectSync());
    m_app = std::make_unique<ConnectionThread>(
        as(server(1), QStringLiteral("app"), QString(), othersThan(1)));
    VERIFY_OK((*m_app)->connectSync());
    m_appWatcher = std::make_unique<EventWatcher>();
    m_appEvents = std::make_unique<Recorder>(m_appWatcher.get());
    VERIFY_OK(m_appWatcher->watch(m_app->connection(), advisorySubjects()));
    m_sysWatcher = std::make_unique<EventWatcher>();
    m_sysEvents = std::make_unique<Recorder>(m_sysWatcher.get());
    VERIFY_OK(m_sysWatcher->watch(m_sys->connection(), systemEventSubjects() + advisorySubjects()));
    // The subscriptions are at the servers before anything happens.
    VERIFY_OK((*m_app)->flushSync());
    VERIFY_OK((*m_sys)->flushSync());
}

void TestEvents::cleanupTestCase() {
    m_appWatcher.reset();
    m_sysWatcher.reset();
    m_app.reset();
    m_sys.reset();
    m_servers.clear();
}

void TestEvents::streamAndConsumerActions() {
    js::JetStream js(m_app->connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("EV");
    sc.subjects = {QStringLiteral("ev.>")};
    sc.replicas = 3;
    sc.storage = js::StorageType::Memory;
    VERIFY_OK(js::addStreamWhenReady(js, sc).error());
    auto created = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::StreamAction && e.stream == QLatin1String("EV");
    });
    QVERIFY(created);
    QCOMPARE(created->summary, QStringLiteral("stream created"));
    QCOMPARE(created->severity, EventSeverity::Info);
    QCOMPARE(created->type, QStringLiteral("io.nats.jetstream.advisory.v1.stream_action"));
    QVERIFY(created->time.isValid());
    QVERIFY(qAbs(created->time.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    // The three replicas elected a leader: a server of the cluster, the others listed.
    auto elected = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::StreamLeaderElected && e.stream == QLatin1String("EV");
    });
    QVERIFY(elected);
    QVERIFY2(elected->server.startsWith(QLatin1String("ev-")), qPrintable(elected->server));
    QVERIFY2(elected->summary.contains(QLatin1String("replicas:")), qPrintable(elected->summary));

    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("W");
    cc.ackPolicy = js::AckPolicy::Explicit;
    VERIFY_OK(js::addConsumerWhenReady(js, QStringLiteral("EV"), cc).error());
    auto consumer = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::ConsumerAction && e.consumer == QLatin1String("W");
    });
    QVERIFY(consumer);
    QCOMPARE(consumer->where(), QStringLiteral("EV/W"));
    QCOMPARE(consumer->summary, QStringLiteral("consumer created"));
    VERIFY_OK(js.deleteConsumer(QStringLiteral("EV"), QStringLiteral("W")));
    auto deleted = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::ConsumerAction &&
               e.summary == QLatin1String("consumer deleted");
    });
    QVERIFY(deleted);
    QCOMPARE(deleted->severity, EventSeverity::Warning);
    // Every event's JSON line carries the server's own event.
    const QJsonObject line = QJsonDocument::fromJson(deleted->toJsonLine()).object();
    QCOMPARE(line.value(QStringLiteral("kind")).toString(), QStringLiteral("consumer_action"));
    QCOMPARE(line.value(QStringLiteral("event")).toObject().value(QStringLiteral("action")),
             QJsonValue(QStringLiteral("delete")));
}

void TestEvents::realWorkersRedeliveriesAndTerminations() {
    // A worker of another service (here: a plain subscription) that never acks "slow" and
    // terminates "bad": the server's advisories say so, without JetDeck consuming anything.
    js::JetStream js(m_app->connection());
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("WORKER");
    cc.deliverSubject = QStringLiteral("deliver.ev.worker");
    cc.ackPolicy = js::AckPolicy::Explicit;
    cc.ackWaitNs = 300'000'000; // 300 ms
    cc.maxDeliver = 2;
    cc.filterSubject = QStringLiteral("ev.work");
    VERIFY_OK(js::addConsumerWhenReady(js, QStringLiteral("EV"), cc).error());
    ConnectionThread worker(as(server(2), QStringLiteral("app"), QStringLiteral("worker")));
    VERIFY_OK(worker->connectSync());
    auto sub =
        worker->subscribeInline("deliver.ev.worker", [w = worker.connection()](const MsgView& m) {
            if (m.payload == "bad")
                (void)w->publish(m.reply, "+TERM");
        });
    QVERIFY(sub);
    VERIFY_OK(worker->flushSync());
    auto slow = js.publish("ev.work", "slow");
    QVERIFY(slow);
    auto bad = js.publish("ev.work", "bad");
    QVERIFY(bad);

    auto maxed = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::MaxDeliver && e.consumer == QLatin1String("WORKER");
    });
    QVERIFY(maxed);
    QCOMPARE(maxed->summary,
             QStringLiteral("stream seq %1 reached MaxDeliver at delivery 2").arg(slow->seq));
    QCOMPARE(maxed->severity, EventSeverity::Warning);
    auto term = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::Terminated && e.consumer == QLatin1String("WORKER");
    });
    QVERIFY(term);
    QVERIFY2(term->summary.startsWith(
                 QStringLiteral("stream seq %1 terminated at delivery 1").arg(bad->seq)),
             qPrintable(term->summary));
    sub.value()->unsubscribe();
}

void TestEvents::apiErrorsOnly() {
    js::JetStream js(m_app->connection());
    const quint64 ignoredBefore = m_appWatcher->counts().ignored;
    QVERIFY(!js.streamInfo(QStringLiteral("NOPE")));
    auto error = m_appEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::ApiError && e.summary.contains(QLatin1String("NOPE"));
    });
    QVERIFY(error);
    QVERIFY2(error->summary.contains(QLatin1String("stream not found")),
             qPrintable(error->summary));
    QCOMPARE(error->account, QStringLiteral("APP"));
    // The successful requests (STREAM.INFO of EV here) are audited too, and left out.
    QVERIFY(js.streamInfo(QStringLiteral("EV")));
    QTRY_VERIFY_WITH_TIMEOUT(m_appWatcher->counts().ignored > ignoredBefore, kWaitMs);
    for (const SystemEvent& e : std::as_const(m_appEvents->events))
        if (e.kind == EventKind::ApiError)
            QVERIFY2(!e.summary.contains(QLatin1String("STREAM.INFO.EV")), qPrintable(e.summary));
}

void TestEvents::malformedAdvisoryCounted() {
    // Anyone in the account may publish on the advisory subjects: a payload that is not an
    // event is counted and named, and the watcher goes on.
    const quint64 before = m_appWatcher->counts().malformed;
    VERIFY_OK((*m_app)->publish("$JS.EVENT.ADVISORY.FAKE", "{not json"));
    VERIFY_OK((*m_app)->publish("$JS.EVENT.ADVISORY.FAKE", R"({"type": 42})"));
    QTRY_COMPARE_WITH_TIMEOUT(m_appWatcher->counts().malformed, before + 2, kWaitMs);
    QVERIFY2(m_appWatcher->lastMalformed().toString().contains(QLatin1String("type")),
             qPrintable(m_appWatcher->lastMalformed().toString()));
    // An event of a type this version does not know is shown as sent.
    VERIFY_OK((*m_app)->publish(
        "$JS.EVENT.ADVISORY.FAKE",
        R"({"type":"io.nats.jetstream.advisory.v9.new_thing","id":"x","timestamp":"2026-12-06T10:00:00Z"})"));
    auto other =
        m_appEvents->waitFor([](const SystemEvent& e) { return e.id == QLatin1String("x"); });
    QVERIFY(other);
    QCOMPARE(other->kind, EventKind::Other);
    QCOMPARE(other->summary, QStringLiteral("io.nats.jetstream.advisory.v9.new_thing"));
}

void TestEvents::malformedPayloadsRefused_data() {
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("message");
    QTest::newRow("not json") << QByteArray("nope") << QStringLiteral("not a JSON object");
    QTest::newRow("array") << QByteArray("[1,2]") << QStringLiteral("not a JSON object");
    QTest::newRow("no type") << QByteArray(R"({"id":"a"})") << QStringLiteral("has no type");
    QTest::newRow("type not a string") << QByteArray(R"({"type":[]})") << QStringLiteral("type");
    QTest::newRow("bad time") << QByteArray(R"({"type":"x","timestamp":"yesterday"})")
                              << QStringLiteral("timestamp");
    QTest::newRow("seq a string")
        << QByteArray(R"({"type":"io.nats.jetstream.advisory.v1.max_deliver","stream_seq":"5"})")
        << QStringLiteral("stream_seq");
    QTest::newRow("negative deliveries")
        << QByteArray(R"({"type":"io.nats.jetstream.advisory.v1.max_deliver","deliveries":-1})")
        << QStringLiteral("deliveries");
    QTest::newRow("huge seq")
        << QByteArray(R"({"type":"io.nats.jetstream.advisory.v1.terminated","stream_seq":1e400})")
        << QStringLiteral("not a JSON object");
    QTest::newRow("replicas not a list")
        << QByteArray(
               R"({"type":"io.nats.jetstream.advisory.v1.stream_leader_elected","replicas":{}})")
        << QStringLiteral("replicas");
    QTest::newRow("client a string")
        << QByteArray(R"({"type":"io.nats.server.advisory.v1.client_connect","client":"me"})")
        << QStringLiteral("client");
    QTest::newRow("api audit response a number")
        << QByteArray(R"({"type":"io.nats.jetstream.advisory.v1.api_audit","response":7})")
        << QStringLiteral("response");
    QTest::newRow("invalid utf-8")
        << QByteArray("{\"type\":\"\xff\"}") << QStringLiteral("not a JSON object");
}

void TestEvents::malformedPayloadsRefused() {
    QFETCH(QByteArray, payload);
    QFETCH(QString, message);
    const Result<std::optional<SystemEvent>> e = parseEvent("$JS.EVENT.ADVISORY.X", payload);
    QVERIFY(!e);
    QCOMPARE(e.error().kind, ErrorKind::Protocol);
    QVERIFY2(e.error().toString().contains(message), qPrintable(e.error().toString()));
}

void TestEvents::clientEvents() {
    {
        ConnectionThread client(as(server(2), QStringLiteral("app"), QStringLiteral("ev-client")));
        VERIFY_OK(client->connectSync());
        auto connected = m_sysEvents->waitFor([](const SystemEvent& e) {
            return e.kind == EventKind::ClientConnect && e.client.startsWith(u"ev-client");
        });
        QVERIFY(connected);
        QCOMPARE(connected->account, QStringLiteral("APP"));
        QCOMPARE(connected->server, server(2)->config().name);
        QVERIFY2(connected->client.contains(QLatin1String("user app")),
                 qPrintable(connected->client));
        client->closeSync();
    }
    auto gone = m_sysEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::ClientDisconnect && e.client.startsWith(u"ev-client");
    });
    QVERIFY(gone);
    QVERIFY2(gone->summary.contains(QLatin1String("disconnected: Client Closed")),
             qPrintable(gone->summary));

    Options wrong = as(server(1), QStringLiteral("app"), QStringLiteral("intruder"));
    wrong.auth.password = QStringLiteral("wrong");
    wrong.allowReconnect = false;
    Connection bad(wrong);
    QVERIFY(!bad.connectSync(3000).ok());
    auto refused = m_sysEvents->waitFor([](const SystemEvent& e) {
        return e.kind == EventKind::AuthError && e.client.startsWith(u"intruder");
    });
    QVERIFY(refused);
    QCOMPARE(refused->severity, EventSeverity::Warning);
    QVERIFY2(refused->summary.contains(QLatin1String("failed to authenticate")),
             qPrintable(refused->summary));
}

void TestEvents::leaderElectedAfterKill() {
    js::JetStream js(m_app->connection());
    auto info = js.streamInfo(QStringLiteral("EV"));
    QVERIFY(info);
    const QString leader = info->cluster.leader;
    QVERIFY(!leader.isEmpty());
    NatsServerProcess* victim = nullptr;
    for (const auto& s : m_servers)
        if (s->config().name == leader)
            victim = s.get();
    QVERIFY(victim);
    // The watching connections know every server (pool()): whichever one is killed, they go on
    // on another and subscribe again before the remaining replicas elect a leader.
    const qsizetype before = m_appEvents->events.size();
    victim->kill();
    auto elected = m_appEvents->waitFor(
        [&](const SystemEvent& e) {
            return e.kind == EventKind::StreamLeaderElected && e.stream == QLatin1String("EV") &&
                   e.server != victim->config().name;
        },
        before);
    QVERIFY(elected);
    VERIFY_OK(victim->restart());
}

void TestEvents::cli() {
    const QString appUrl = QStringLiteral("nats://app:app@127.0.0.1:%1").arg(server(0)->port());
    QProcess p;
    p.start(QStringLiteral(JETDECK_CLI_PATH),
            {QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--count"),
             QStringLiteral("1"), QStringLiteral("--kind"), QStringLiteral("stream_action"),
             QStringLiteral("--duration"), QStringLiteral("30s"), QStringLiteral("-s"), appUrl});
    QVERIFY(p.waitForStarted(5000));
    js::JetStream js(m_app->connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("CLI");
    sc.subjects = {QStringLiteral("cli.>")};
    sc.storage = js::StorageType::Memory;
    // Until the command listens: it prints nothing before, so keep making streams.
    const bool finished = QTest::qWaitFor(
        [&] {
            (void)js.deleteStream(sc.name);
            (void)js.addStream(sc);
            return p.waitForFinished(500);
        },
        20000);
    const QByteArray lines = p.readAllStandardOutput();
    QVERIFY2(finished, QByteArray(p.readAllStandardError() + lines).constData());
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject line = QJsonDocument::fromJson(lines.trimmed()).object();
    QCOMPARE(line.value(QStringLiteral("kind")).toString(), QStringLiteral("stream_action"));
    QCOMPARE(line.value(QStringLiteral("stream")).toString(), QStringLiteral("CLI"));

    // System events with a user that is not in the system account: said, not silently empty.
    QProcess s;
    s.start(QStringLiteral(JETDECK_CLI_PATH),
            {QStringLiteral("events"), QStringLiteral("--system"), QStringLiteral("--duration"),
             QStringLiteral("5s"), QStringLiteral("-s"), appUrl});
    QVERIFY(s.waitForFinished(20000));
    QCOMPARE(s.exitCode(), 1);
    const QByteArray err = s.readAllStandardError();
    QVERIFY2(err.contains("system events need a user of the system account"), err.constData());
    // And with --sys-user: a client connecting shows as a text line.
    QProcess t;
    t.start(QStringLiteral(JETDECK_CLI_PATH),
            {QStringLiteral("events"), QStringLiteral("--sys-user"), QStringLiteral("sys"),
             QStringLiteral("--sys-password"), QStringLiteral("sys"), QStringLiteral("--kind"),
             QStringLiteral("client_connect"), QStringLiteral("--count"), QStringLiteral("1"),
             QStringLiteral("--duration"), QStringLiteral("30s"), QStringLiteral("-s"), appUrl});
    QVERIFY(t.waitForStarted(5000));
    const bool seen = QTest::qWaitFor(
        [&] {
            ConnectionThread c(as(server(1), QStringLiteral("app"), QStringLiteral("cli-seen")));
            (void)c->connectSync();
            c->closeSync();
            return t.waitForFinished(500);
        },
        20000);
    const QByteArray text = t.readAllStandardOutput();
    QVERIFY2(seen, QByteArray(t.readAllStandardError() + text).constData());
    QCOMPARE(t.exitCode(), 0);
    QVERIFY2(text.contains("client_connect") && text.contains("cli-seen"), text.constData());
}

QTEST_GUILESS_MAIN(TestEvents)
#include "tst_events.moc"
