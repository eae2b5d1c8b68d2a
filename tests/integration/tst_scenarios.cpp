// Scenarios run against real nats-servers: the shipped ones pass on the servers they start,
// an impossible assertion fails with a report that names the step and says why, an error
// stops the run, cancelling cleans up, and consumer faults do what they say.
#include "core/faults/consumerfaults.h"
#include "core/jetstream/pullconsumer.h"
#include "core/scenario/runner.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QJsonArray>
#include <QThread>

using namespace jetdeck;
using namespace jetdeck::scenario;

namespace {

Scenario parsed(const QByteArray& text) {
    auto r = Scenario::parse(text, QStringLiteral("test.json"));
    if (!r)
        qFatal("test scenario does not parse: %s", qPrintable(r.error().message));
    return r.value();
}

NatsServerConfig jetstreamConfig() {
    NatsServerConfig c;
    c.jetstream = true;
    return c;
}

ScenarioReport runOwn(const Scenario& sc) {
    ScenarioRunner::Target t;
    t.startServers = true;
    ScenarioRunner runner(sc, t);
    return runner.run();
}

QString describe(const ScenarioReport& r) {
    // What failed first, whole: QtTest cuts the rest of a long message.
    return test::failedSteps(r) + QStringLiteral("\n") + r.toText() + QStringLiteral("\nlog:\n") +
           r.log.join(QLatin1Char('\n'));
}

/// nats-server processes whose store lives in a scenario's temp directories (leftovers).
int scenarioServersRunning() {
    QByteArray out;
    test::run(QStringLiteral("pgrep"), {QStringLiteral("-f"), QStringLiteral("scenario-[0-9]")},
              &out);
    int n = 0;
    for (const QByteArray& pid : out.split('\n'))
        if (!pid.trimmed().isEmpty() &&
            pid.trimmed().toLongLong() != QCoreApplication::applicationPid())
            ++n;
    return n;
}

} // namespace

class TestScenarios : public QObject {
    Q_OBJECT
private slots:
    void shipped_data();
    void shipped();
    void impossibleAssertion();
    void errorStopsTheRun();
    void cancel();
    void serverFaultsNeedOwnServers();
    void foreignStreamLeftAlone();
    void destructiveStepsOnlyOnWhatTheRunCreates();
    void consumerFaults();
};

void TestScenarios::shipped_data() {
    QTest::addColumn<QString>("name");
    for (const QString& n : builtinScenarios())
        QTest::newRow(qPrintable(n)) << n;
}

void TestScenarios::shipped() {
    QFETCH(QString, name);
    auto sc = Scenario::load(name);
    QVERIFY2(sc, qPrintable(sc ? QString() : sc.error().message));
    QElapsedTimer t;
    t.start();
    const ScenarioReport r = runOwn(sc.value());
    QVERIFY2(r.passed(), qPrintable(describe(r)));
    QCOMPARE(r.results.size(), sc.value().steps.size());
    for (const StepResult& s : r.results)
        QVERIFY(s.status == StepStatus::Passed || s.status == StepStatus::Done);
    qInfo("%s: %d steps in %.1f s", qPrintable(name), int(r.steps.size()),
          double(t.elapsed()) / 1000.0);
    // Everything it started is gone.
    QCOMPARE(scenarioServersRunning(), 0);
}

void TestScenarios::impossibleAssertion() {
    const Scenario sc = parsed(R"({
  "name": "impossible",
  "streams": [{"name": "IMP", "subjects": ["imp.>"], "storage": "memory"}],
  "steps": [
    {"step": "publish", "name": "ten", "subject": "imp.a", "mode": "js-async", "count": 10},
    {"step": "assert", "check": "stream_messages", "stream": "IMP", "at_least": 11, "within": "500ms"},
    {"step": "assert", "check": "latency", "publish": "ten", "percentile": 99, "below": "0ms"},
    {"step": "assert", "check": "no_message_lost", "publish": "ten", "stream": "IMP"}
  ]
})");
    const ScenarioReport r = runOwn(sc);
    QVERIFY(!r.passed());
    QCOMPARE(r.failures(), 2);
    QCOMPARE(r.errors(), 0);
    QCOMPARE(r.results.size(), 4);
    // Failed assertions do not stop the run: the last one still ran and passed.
    QCOMPARE(r.results[3].status, StepStatus::Passed);
    const StepResult& bad = r.results[1];
    QCOMPARE(bad.status, StepStatus::Failed);
    QVERIFY2(bad.message.contains(QStringLiteral("IMP holds 10 message(s); expected at least 11")),
             qPrintable(bad.message));
    QVERIFY(bad.message.contains(QStringLiteral("gave it 500 ms")));
    QCOMPARE(bad.measured.value(QStringLiteral("messages")).toInt(), 10);
    QVERIFY(bad.durationMs >= 450 && bad.durationMs < 5000);
    QVERIFY(bad.startedMs >= 0 && bad.startedMs <= r.results[2].startedMs);
    QVERIFY2(r.results[2].message.contains(QStringLiteral("limit 0 ms")),
             qPrintable(r.results[2].message));
    // The report says which step, on which line, and why.
    const QJsonObject j = r.toJson();
    QCOMPARE(j.value(QStringLiteral("passed")).toBool(), false);
    const QJsonObject s2 = j.value(QStringLiteral("steps")).toArray()[1].toObject();
    QCOMPARE(s2.value(QStringLiteral("index")).toInt(), 2);
    QCOMPARE(s2.value(QStringLiteral("line")).toInt(), 6);
    QCOMPARE(s2.value(QStringLiteral("status")).toString(), QStringLiteral("failed"));
    QVERIFY(s2.value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("expected at least 11")));
    QVERIFY(r.toText().contains(QStringLiteral("FAILED")));
}

void TestScenarios::errorStopsTheRun() {
    const Scenario sc = parsed(R"({
  "streams": [{"name": "ERR", "subjects": ["err.>"], "storage": "memory"}],
  "steps": [
    {"step": "consume", "stream": "ERR", "consumer": "missing"},
    {"step": "wait", "duration": "5s"}
  ]
})");
    QElapsedTimer t;
    t.start();
    const ScenarioReport r = runOwn(sc);
    QVERIFY(!r.passed());
    QVERIFY2(r.results.size() == 2, qPrintable(r.toText()));
    QCOMPARE(r.results[0].status, StepStatus::Error);
    QVERIFY2(r.results[0].message.contains(QStringLiteral("not found")),
             qPrintable(r.results[0].message));
    QCOMPARE(r.results[1].status, StepStatus::Skipped);
    QVERIFY(t.elapsed() < 4500);
}

void TestScenarios::cancel() {
    const Scenario sc = parsed(R"({
  "connection": {"proxy": true},
  "streams": [{"name": "CAN", "subjects": ["can.>"], "storage": "memory"}],
  "steps": [
    {"step": "fault", "type": "latency", "latency": "10ms"},
    {"step": "publish", "name": "long", "subject": "can.x", "count": 100000, "rate": 100, "background": true},
    {"step": "wait", "duration": "60s"},
    {"step": "assert", "check": "reconnects", "at_most": 0}
  ]
})");
    ScenarioRunner::Target target;
    ScenarioRunner runner(sc, target);
    QList<int> started;
    connect(&runner, &ScenarioRunner::stepStarted, this, [&](int i, qint64) { started << i; });
    QTimer::singleShot(1500, this, [&] { runner.cancel(); });
    QElapsedTimer t;
    t.start();
    const ScenarioReport r = runner.run();
    QVERIFY2(t.elapsed() < 20000, qPrintable(QString::number(t.elapsed())));
    QVERIFY(r.cancelled);
    QVERIFY(!r.passed());
    QCOMPARE(started, QList<int>({0, 1, 2}));
    QVERIFY2(r.results.size() == 4, qPrintable(r.toText()));
    QCOMPARE(r.results[3].status, StepStatus::Skipped);
    QVERIFY(r.toText().contains(QStringLiteral("CANCELLED")));
    QCOMPARE(scenarioServersRunning(), 0);
}

void TestScenarios::serverFaultsNeedOwnServers() {
    JETDECK_START_SERVER(server, jetstreamConfig());
    const Scenario sc = parsed(R"({"steps": [{"step": "fault", "type": "kill_server"}]})");
    ScenarioRunner::Target target;
    target.startServers = false;
    target.base = test::optionsFor(server->url());
    ScenarioRunner runner(sc, target);
    const ScenarioReport r = runner.run();
    QVERIFY(!r.passed());
    QVERIFY2(r.setupError.contains(QStringLiteral("started by JetDeck")), qPrintable(r.setupError));
    QVERIFY(server->isRunning());
}

void TestScenarios::foreignStreamLeftAlone() {
    JETDECK_START_SERVER(server, jetstreamConfig());
    Connection c(test::optionsFor(server->url()));
    VERIFY_OK(c.connectSync(5000));
    js::JetStream js(&c);
    js::StreamConfig mine;
    mine.name = QStringLiteral("MINE");
    mine.subjects = {QStringLiteral("mine.>")};
    QVERIFY(js.addStream(mine));
    VERIFY_OK(c.flushSync(2000));
    c.publish("mine.x", "precious");
    VERIFY_OK(c.flushSync(2000));

    ScenarioRunner::Target target;
    target.startServers = false;
    target.base = test::optionsFor(server->url());
    {
        const Scenario sc = parsed(R"({"streams": [{"name": "MINE", "subjects": ["mine.>"]}],
            "steps": [{"step": "wait", "duration": "1ms"}]})");
        ScenarioRunner runner(sc, target);
        const ScenarioReport r = runner.run();
        QVERIFY(!r.passed());
        QVERIFY2(r.setupError.contains(QStringLiteral("was not made by this scenario")),
                 qPrintable(r.setupError));
    }
    auto info = js.streamInfo(QStringLiteral("MINE"));
    QVERIFY(info);
    QCOMPARE(info.value().state.messages, quint64(1));

    // A stream a run of the same scenario left behind (cleanup off) is replaced by the next.
    const Scenario keep = parsed(R"({"name": "keeper", "cleanup": false,
        "streams": [{"name": "KEPT", "subjects": ["kept.>"], "storage": "memory"}],
        "steps": [{"step": "publish", "name": "p", "subject": "kept.a", "mode": "js-sync", "count": 3},
                  {"step": "assert", "check": "stream_messages", "stream": "KEPT", "at_least": 3, "at_most": 3}]})");
    for (int run = 0; run < 2; ++run) {
        ScenarioRunner runner(keep, target);
        const ScenarioReport r = runner.run();
        QVERIFY2(r.passed(), qPrintable(describe(r)));
    }
    QVERIFY(js.streamInfo(QStringLiteral("KEPT")));
}

void TestScenarios::destructiveStepsOnlyOnWhatTheRunCreates() {
    // A shared scenario file pointed at a production connection: a term on a consumer the run
    // did not create would terminate real messages. The run refuses before touching anything,
    // naming the step; the user can allow it explicitly.
    JETDECK_START_SERVER(server, jetstreamConfig());
    Connection c(test::optionsFor(server->url()));
    VERIFY_OK(c.connectSync(5000));
    js::JetStream js(&c);
    VERIFY_OK(test::makeStreamWithConsumer(&c, QStringLiteral("PROD"), "prod.order",
                                           QStringLiteral("workers"), 5));

    const Scenario sc = parsed(R"({"steps": [
        {"step": "fault", "type": "term", "stream": "PROD", "consumer": "workers", "count": 5},
        {"step": "consume", "name": "w", "stream": "PROD", "consumer": "workers"}]})");
    QCOMPARE(sc.foreignTargets().size(), 2);
    ScenarioRunner::Target target;
    target.startServers = false;
    target.base = test::optionsFor(server->url());
    {
        ScenarioRunner runner(sc, target);
        const ScenarioReport r = runner.run();
        QVERIFY(!r.passed());
        QVERIFY2(r.setupError.contains(QStringLiteral("refusing to run")) &&
                     r.setupError.contains(QStringLiteral("term on PROD > workers")) &&
                     r.setupError.contains(QStringLiteral("consume on PROD > workers")) &&
                     r.setupError.contains(QStringLiteral("--allow-existing")),
                 qPrintable(r.setupError));
    }
    auto info = js.consumerInfo(QStringLiteral("PROD"), QStringLiteral("workers"));
    QVERIFY(info);
    QCOMPARE(info.value().numPending, qint64(5));
    QCOMPARE(info.value().delivered.consumerSeq, quint64(0));

    // What the scenario creates itself it may damage; told explicitly, the rest too.
    const Scenario own = parsed(R"({
        "streams": [{"name": "OWN", "subjects": ["own.>"], "storage": "memory"}],
        "consumers": [{"stream": "OWN", "durable_name": "w"}],
        "steps": [{"step": "fault", "type": "term", "stream": "OWN", "consumer": "w", "count": 1}]})");
    QVERIFY(own.foreignTargets().isEmpty());
    target.allowExisting = true;
    ScenarioRunner allowed(sc, target);
    const ScenarioReport r2 = allowed.run();
    QVERIFY2(r2.setupError.isEmpty(), qPrintable(r2.setupError));
    QCOMPARE(js.consumerInfo(QStringLiteral("PROD"), QStringLiteral("workers")).value().numPending,
             qint64(0));
}

void TestScenarios::consumerFaults() {
    JETDECK_START_SERVER(server, jetstreamConfig());
    Connection c(test::optionsFor(server->url()));
    VERIFY_OK(c.connectSync(5000));
    const js::JetStream js(&c);
    js::StreamConfig sc;
    sc.name = QStringLiteral("CF");
    sc.subjects = {QStringLiteral("cf.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(js.addStream(sc));
    for (int i = 0; i < 30; ++i)
        QVERIFY(js.publish("cf.a", QByteArray::number(i)));
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("slow");
    cc.ackWaitNs = 1000LL * 1000 * 1000;
    QVERIFY(js.addConsumer(sc.name, cc));

    faults::ConsumerFault f;
    f.stream = sc.name;
    f.consumer = QStringLiteral("slow");
    f.count = 10;
    f.kind = faults::ConsumerFaultKind::WithholdAcks;
    auto r = faults::injectConsumerFault(js, f);
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    QCOMPARE(r.value().taken, 10);
    QCOMPARE(r.value().answered, 0);
    QCOMPARE(r.value().ackWaitMs, 1000);
    QCOMPARE(js.consumerInfo(sc.name, f.consumer).value().numAckPending, 10);

    f.kind = faults::ConsumerFaultKind::Term;
    f.count = 5;
    r = faults::injectConsumerFault(js, f);
    QVERIFY(r);
    QCOMPARE(r.value().answered, 5);

    f.kind = faults::ConsumerFaultKind::NakBurst;
    f.count = 5;
    f.nakDelayMs = 0;
    r = faults::injectConsumerFault(js, f);
    QVERIFY(r);
    QCOMPARE(r.value().answered, 5);

    // Withheld messages come back after AckWait with a delivery count of 2; NAKed ones at once;
    // terminated ones never.
    js::PullConsumer puller(js, sc.name, f.consumer);
    QSet<quint64> redelivered;
    QElapsedTimer t;
    t.start();
    // Counted by stream sequence: JetStream delivers at least once, and a loaded server may
    // hand the same fresh message out twice (delivery count 1 both times) when a pull ends
    // as it delivers.
    QSet<quint64> fresh;
    while (t.elapsed() < 8000 && (redelivered.size() < 15 || fresh.size() < 10)) {
        js::FetchOptions fo;
        fo.batch = 30;
        fo.expiresMs = 500;
        auto b = puller.fetch(fo);
        // A pull the loaded server did not end in time is "nothing yet", as for nats.go's
        // Fetch; the loop's deadline and the counts below decide.
        if (!b && b.error().kind == ErrorKind::Timeout)
            continue;
        QVERIFY2(b, qPrintable(b ? QString() : b.error().message));
        for (js::JsMessage& m : b.value().messages) {
            if (m.metadata().delivered > 1)
                redelivered.insert(m.metadata().streamSeq);
            else
                fresh.insert(m.metadata().streamSeq);
            m.ack();
        }
    }
    auto seqs = [](const QSet<quint64>& set) {
        QList<quint64> l = set.values();
        std::sort(l.begin(), l.end());
        QStringList out;
        for (quint64 v : l)
            out << QString::number(v);
        return out.join(QLatin1Char(' '));
    };
    const QString seen =
        QStringLiteral("redelivered: %1; fresh: %2").arg(seqs(redelivered), seqs(fresh));
    QVERIFY2(redelivered.size() == 15, qPrintable(seen)); // 10 withheld + 5 NAKed
    QVERIFY2(fresh.size() == 10, qPrintable(seen)); // 30 - 10 - 5 - 5 never taken by the faults
    QVERIFY2(!redelivered.intersects(fresh), qPrintable(seen)); // the 5 termed: never again

    // Bad targets say what is wrong.
    f.consumer = QStringLiteral("nope");
    r = faults::injectConsumerFault(js, f);
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ErrorKind::NotFound);
    js::ConsumerConfig push;
    push.durableName = QStringLiteral("pushed");
    push.deliverSubject = QStringLiteral("deliver.here");
    QVERIFY(js.addConsumer(sc.name, push));
    f.consumer = QStringLiteral("pushed");
    r = faults::injectConsumerFault(js, f);
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(QStringLiteral("push consumer")),
             qPrintable(r.error().message));
}

QTEST_GUILESS_MAIN(TestScenarios)
#include "tst_scenarios.moc"
