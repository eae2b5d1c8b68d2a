// Scenario files: the shipped ones parse, and every kind of mistake in a file is reported
// with the file, the line and the field.
#include "core/scenario/runner.h"
#include "tests/support/verify.h"

#include <QJsonArray>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::scenario;

class TestScenario : public QObject {
    Q_OBJECT
private slots:
    void builtins();
    void jsonLines();
    void steps();
    void malformed_data();
    void malformed();
    void connectionOptions();
    void reportJson();
};

void TestScenario::builtins() {
    const QStringList names = builtinScenarios();
    QVERIFY2(names.size() >= 4, qPrintable(names.join(QLatin1Char(','))));
    for (const char* n : {"connection-failure", "jetstream-faults", "integration", "performance"})
        QVERIFY2(names.contains(QLatin1String(n)), n);
    for (const QString& n : names) {
        auto sc = Scenario::load(n);
        QVERIFY2(sc, qPrintable(sc ? QString() : sc.error().message));
        QCOMPARE(sc.value().name, n);
        QVERIFY(!sc.value().description.isEmpty());
        QVERIFY(sc.value().steps.size() >= 5);
        int lastLine = 0;
        bool hasAssert = false;
        for (const Step& s : sc.value().steps) {
            QVERIFY2(s.line > lastLine, qPrintable(s.title));
            lastLine = s.line;
            QVERIFY(!s.title.isEmpty());
            hasAssert |= std::holds_alternative<AssertStep>(s.body);
        }
        QVERIFY2(hasAssert, qPrintable(n + QStringLiteral(" asserts nothing")));
    }
    // Names resolve to the resources; paths stay paths.
    QCOMPARE(resolveScenarioPath(QStringLiteral("integration")),
             QStringLiteral(":/scenarios/integration.json"));
    QCOMPARE(resolveScenarioPath(QStringLiteral("./integration")), QStringLiteral("./integration"));
    QCOMPARE(resolveScenarioPath(QStringLiteral("nope")), QStringLiteral("nope"));
}

void TestScenario::jsonLines() {
    const QByteArray text = "{\n"
                            "  \"a\": 1,\n"
                            "  \"b/c\": [\n"
                            "    {\"x\": \"y\\\"}\"},\n"
                            "    2\n"
                            "  ],\n"
                            "  \"d\": {\"e\": true}\n"
                            "}\n";
    const JsonLines l = JsonLines::scan(text);
    QCOMPARE(l.line(QString()), 1);
    QCOMPARE(l.line(QStringLiteral("/a")), 2);
    QCOMPARE(l.line(QStringLiteral("/b~1c")), 3);
    QCOMPARE(l.line(QStringLiteral("/b~1c/0")), 4);
    QCOMPARE(l.line(QStringLiteral("/b~1c/0/x")), 4);
    QCOMPARE(l.line(QStringLiteral("/b~1c/1")), 5);
    QCOMPARE(l.line(QStringLiteral("/d/e")), 7);
    // Unknown members fall back to their closest ancestor.
    QCOMPARE(l.line(QStringLiteral("/d/zzz")), 7);
    QCOMPARE(lineColumn(text, text.indexOf("2\n")), qMakePair(5, 5));
}

void TestScenario::steps() {
    const QByteArray text = R"({
  "name": "t",
  "servers": {"count": 3},
  "connection": {"proxy": true, "reconnect_delay_ms": 50},
  "streams": [{"name": "S", "subjects": ["s.>"], "max_age": "1h"}],
  "consumers": [{"stream": "S", "durable_name": "c", "ack_wait": "2s", "backoff": ["1s", "5s"], "max_deliver": 4}],
  "steps": [
    {"step": "publish", "name": "p", "subject": "s.a", "mode": "js-async", "count": 10, "rate": 5,
     "msg_id": "m-{seq}", "headers": {"K": "v-{seq}"}, "background": true, "retry_attempts": 9},
    {"step": "consume", "stream": "S", "consumer": "c", "nak_percent": 10},
    {"step": "fault", "type": "latency", "latency": "200ms", "jitter": 20, "direction": "both", "duration": "3s"},
    {"step": "fault", "type": "kill_server", "server": 3, "name": "k"},
    {"step": "clear", "fault": "k"},
    {"step": "await", "publish": "p"},
    {"step": "assert", "check": "latency", "publish": "p", "percentile": 999, "below": "1s"},
    {"step": "assert", "check": "redeliveries", "worker": "c", "at_least": 1, "within": "10s"},
    {"step": "stop", "worker": "c"},
    {"step": "wait", "duration": 250}
  ]
})";
    auto r = Scenario::parse(text, QStringLiteral("t.json"));
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    const Scenario& sc = r.value();
    QCOMPARE(sc.servers.count, 3);
    QVERIFY(sc.proxy);
    QCOMPARE(sc.streams.size(), 1);
    QCOMPARE(sc.streams[0].maxAgeNs, 3600LL * 1000000000LL);
    QCOMPARE(sc.streams[0].replicas, 3); // a 3-server scenario replicates by default
    QCOMPARE(sc.consumers[0].second.ackWaitNs, 2LL * 1000000000LL);
    QCOMPARE(sc.consumers[0].second.backoffNs.size(), 2);
    QCOMPARE(sc.steps.size(), 10);
    const auto& p = std::get<PublishStep>(sc.steps[0].body);
    QCOMPARE(p.plan.mode, PublishMode::JetStreamAsync);
    QCOMPARE(p.plan.count, 10);
    QCOMPARE(p.plan.msgId, QByteArray("m-{seq}"));
    QCOMPARE(p.plan.retryAttempts, 9);
    QVERIFY(p.background);
    QCOMPARE(sc.steps[0].line, 8);
    QCOMPARE(sc.steps[1].name, QStringLiteral("c")); // a worker is named after its consumer
    const auto& f = std::get<FaultStep>(sc.steps[2].body);
    QCOMPARE(f.toxic.latencyMs, 200);
    QCOMPARE(f.toxic.jitterMs, 20);
    QCOMPARE(f.toxic.direction, faults::Direction::Both);
    QCOMPARE(f.durationMs, 3000);
    QVERIFY(sc.needsOwnServers());
    QCOMPARE(std::get<AssertStep>(sc.steps[6].body).belowUs, 1000000);
    QCOMPARE(std::get<AssertStep>(sc.steps[6].body).percentile, 999);
    QCOMPARE(std::get<WaitStep>(sc.steps[9].body).ms, 250);
    QCOMPARE(sc.steps[6].title, QStringLiteral("assert latency p P99.9 < 1s"));
    QCOMPARE(sc.steps[2].title, QStringLiteral("fault latency (both) 200ms for 3s"));
}

void TestScenario::malformed_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("where"); // "file:line: field"
    QTest::addColumn<QString>("what");

    auto steps = [](const char* body) -> QByteArray {
        return QByteArray("{\n  \"steps\": [\n") + body + "\n  ]\n}\n";
    };
    auto row = [](const char* name, const QByteArray& text, const char* where, const char* what) {
        QTest::newRow(name) << text << QString::fromUtf8(where) << QString::fromUtf8(what);
    };
    // Line and column of the second comma.
    row("not JSON", steps("    {\"step\": \"wait\",, \"duration\": \"1s\"}"),
        "bad.json:3:21:", "not valid JSON");
    row("not an object", QByteArray("[1, 2]"), "bad.json:1", "JSON object");
    // A lone surrogate escape is not Unicode: the JSON parser itself refuses it, at its line and
    // column, as an error and not an exception.
    row("lone surrogate in a stream name",
        QByteArray("{\n\"streams\": [\n  {\"name\": \"S\\ud800\", \"subjects\": [\"s.>\"]}\n],\n"
                   "\"steps\": [{\"step\": \"wait\", \"duration\": \"1s\"}]\n}\n"),
        "bad.json:3:", "not valid JSON: text that is not valid Unicode");
    row("lone surrogate in a consumer",
        QByteArray("{\n\"streams\": [{\"name\": \"S\", \"subjects\": [\"s.>\"]}],\n"
                   "\"consumers\": [\n  {\"stream\": \"S\", \"durable_name\": \"c\\udfff\"}\n],\n"
                   "\"steps\": [{\"step\": \"wait\", \"duration\": \"1s\"}]\n}\n"),
        "bad.json:4:", "not valid JSON: text that is not valid Unicode");
    row("not UTF-8",
        QByteArray("{\"steps\": [\n{\"step\": \"wait\", \"name\": \"\xff\", \"duration\": 1}]}"),
        "bad.json:2:", "not valid Unicode");
    row("nested too deep",
        QByteArray("{\"steps\": [{\"step\": \"wait\", \"duration\": ") + QByteArray(300, '[') +
            QByteArray(300, ']') + "}]}",
        "bad.json:1:", "nested deeper than 256 levels");
    row("await names not strings",
        steps("    {\"step\": \"publish\", \"name\": \"p\", \"subject\": \"a\", \"count\": 1},\n"
              "    {\"step\": \"await\", \"publish\": [\"p\", 5]}"),
        "bad.json:4: steps[1].publish", "must be a publish step's name or a list of them");
    row("count beyond any integer",
        steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 1e30}"),
        "bad.json:3: steps[0].count", "must be at least 1, got 1e+30");
    row("duration beyond any clock", steps("    {\"step\": \"wait\", \"duration\": 1e300}"),
        "bad.json:3: steps[0].duration", "is not a duration");
    row("array for a string", steps("    {\"step\": [\"wait\"]}"), "bad.json:3: steps[0].step",
        "must be a string");
    row("no steps", QByteArray("{\n\"name\": \"x\"\n}"), "bad.json:1: scenario.steps",
        "is required");
    row("unknown top field",
        QByteArray("{\n\"steps\": [{\"step\": \"wait\", \"duration\": 1}],\n\"stream\": []\n}"),
        "bad.json:3: scenario.stream", "unknown field");
    row("unknown step", steps("    {\"step\": \"jump\"}"), "bad.json:3: steps[0].step",
        "'jump' is not a step");
    row("step missing", steps("    {\"wait\": \"1s\"}"), "bad.json:3: steps[0].step",
        "is required");
    row("typo in a field",
        steps("    {\"step\": \"wait\", \"duration\": \"1s\"},\n"
              "    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 5,\n"
              "     \"rat\": 10}"),
        "bad.json:5: steps[1].rat", "unknown field; did you mean 'rate'?");
    row("unknown field far from any",
        steps("    {\"step\": \"wait\", \"duration\": \"1s\", \"colour\": \"red\"}"),
        "bad.json:3: steps[0].colour", "unknown field (this object takes: duration, name, step)");
    row("rate out of range",
        steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 5, \"rate\": -3}"),
        "bad.json:3: steps[0].rate", "must be between 0 and 10000000, got -3");
    row("bad duration", steps("    {\"step\": \"wait\", \"duration\": \"2 seconds\"}"),
        "bad.json:3: steps[0].duration", "'2 seconds' is not a duration");
    row("count zero", steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 0}"),
        "bad.json:3: steps[0].count", "must be at least 1");
    row("count not whole", steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 2.5}"),
        "bad.json:3: steps[0].count", "whole number");
    row("neither count nor duration", steps("    {\"step\": \"publish\", \"subject\": \"a\"}"),
        "bad.json:3: steps[0]", "needs a count or a duration");
    row("invalid subject", steps("    {\"step\": \"publish\", \"subject\": \"a b\", \"count\": 1}"),
        "bad.json:3: steps[0]", "Subject");
    row("bad mode",
        steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 1, "
              "\"mode\": \"fast\"}"),
        "bad.json:3: steps[0].mode", "not core, js-async or js-sync");
    row("bad header",
        steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": 1,\n"
              "     \"headers\": {\"Bad Key\": \"v\"}}"),
        "bad.json:4: steps[0].headers/Bad Key", "not a valid header name");
    row("toxic without proxy",
        steps("    {\"step\": \"fault\", \"type\": \"latency\", \"latency\": \"1s\"}"),
        "bad.json:3: steps[0].type", "set \"proxy\": true");
    row("unknown fault", steps("    {\"step\": \"fault\", \"type\": \"meteor\"}"),
        "bad.json:3: steps[0].type", "'meteor' is not a fault");
    row("latency missing",
        QByteArray("{\"connection\": {\"proxy\": true},\n\"steps\": [\n"
                   "{\"step\": \"fault\", \"type\": \"latency\"}]}"),
        "bad.json:3: steps[0].latency", "is required");
    row("toxicity above 1",
        QByteArray("{\"connection\": {\"proxy\": true},\n\"steps\": [\n"
                   "{\"step\": \"fault\", \"type\": \"latency\", \"latency\": 5,\n"
                   " \"toxicity\": 1.5}]}"),
        "bad.json:4: steps[0].toxicity", "between 0 and 1");
    row("no such server",
        steps("    {\"step\": \"fault\", \"type\": \"kill_server\", \"server\": 2}"),
        "bad.json:3: steps[0].server", "the scenario starts 1");
    row("two servers",
        QByteArray("{\"servers\": {\n\"count\": 2},\n\"steps\": [{\"step\": \"wait\", "
                   "\"duration\": 1}]}"),
        "bad.json:2: servers.count", "3 to 5");
    row("duration on an instant fault",
        steps("    {\"step\": \"fault\", \"type\": \"disconnect\", \"duration\": \"1s\"}"),
        "bad.json:3: steps[0].duration", "has no duration");
    row("clear unknown fault", steps("    {\"step\": \"clear\", \"fault\": \"x\"}"),
        "bad.json:3: steps[0].fault", "no earlier fault is named 'x'");
    row("assert unknown publish",
        steps("    {\"step\": \"publish\", \"name\": \"p\", \"subject\": \"a\", \"count\": 1},\n"
              "    {\"step\": \"assert\", \"check\": \"latency\", \"publish\": \"q\", \"below\": "
              "\"1s\"}"),
        "bad.json:4: steps[1].publish", "no earlier publish step is named 'q'");
    row("unknown check", steps("    {\"step\": \"assert\", \"check\": \"fast\"}"),
        "bad.json:3: steps[0].check", "'fast' is not a check");
    row("bound missing", steps("    {\"step\": \"assert\", \"check\": \"reconnects\"}"),
        "bad.json:3: steps[0]", "needs at_least or at_most");
    row("odd percentile",
        steps("    {\"step\": \"publish\", \"name\": \"p\", \"subject\": \"a\", \"count\": 1},\n"
              "    {\"step\": \"assert\", \"check\": \"latency\", \"publish\": \"p\",\n"
              "     \"percentile\": 97, \"below\": \"1s\"}"),
        "bad.json:5: steps[1].percentile", "50, 90, 95, 99 or 999");
    row("connected without within", steps("    {\"step\": \"assert\", \"check\": \"connected\"}"),
        "bad.json:3: steps[0].within", "is required");
    row("stop unknown worker", steps("    {\"step\": \"stop\", \"worker\": \"w\"}"),
        "bad.json:3: steps[0].worker", "no earlier consume step");
    row("bad stream",
        QByteArray("{\"streams\": [\n  {\"name\": \"A B\"}\n],\n\"steps\": [{\"step\": "
                   "\"wait\", \"duration\": 1}]}"),
        "bad.json:2: streams[0]", "name");
    row("consumer not durable",
        QByteArray("{\"consumers\": [\n  {\"stream\": \"S\", \"ack_policy\": \"explicit\"}\n],\n"
                   "\"steps\": [{\"step\": \"wait\", \"duration\": 1}]}"),
        "bad.json:2: consumers[0].durable_name", "durable");
    row("string for a number",
        steps("    {\"step\": \"publish\", \"subject\": \"a\", \"count\": \"ten\"}"),
        "bad.json:3: steps[0].count", "whole number");
    row("connection key wrong type",
        QByteArray("{\"connection\": {\n\"fail_open_mode\": \"yes\"},\n\"steps\": [{\"step\": "
                   "\"wait\", \"duration\": 1}]}"),
        "bad.json:2: connection.fail_open_mode", "true or false");
}

void TestScenario::malformed() {
    QFETCH(QByteArray, text);
    QFETCH(QString, where);
    QFETCH(QString, what);
    auto r = Scenario::parse(text, QStringLiteral("bad.json"));
    QVERIFY2(!r, "a malformed scenario was accepted");
    const QString msg = r.error().message;
    QVERIFY2(msg.startsWith(where), qPrintable(msg));
    QVERIFY2(msg.contains(what), qPrintable(msg));
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
}

void TestScenario::connectionOptions() {
    auto r =
        Scenario::parse(R"({"connection": {"reconnect_delay_ms": 75, "max_pending_operations": 9,
        "fail_open_mode": true, "pending_operation_timeout_ms": 1234, "reconnect_attempts": -1},
        "steps": [{"step": "wait", "duration": "1ms"}]})");
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    Options base;
    base.auth.user = QStringLiteral("u");
    auto o = r.value().connectionOptions(base);
    QVERIFY(o);
    QCOMPARE(o.value().reconnectDelayMs, 75);
    QCOMPARE(o.value().maxPendingOperations, 9);
    QVERIFY(o.value().failOpenMode);
    QCOMPARE(o.value().pendingOperationTimeoutMs, 1234);
    QCOMPARE(o.value().reconnectAttempts, -1);
    QCOMPARE(o.value().auth.user, QStringLiteral("u"));
    QVERIFY(o.value().retryOnFailedConnect);
}

void TestScenario::reportJson() {
    auto sc = Scenario::parse(R"({"name": "r", "steps": [
        {"step": "wait", "duration": "1ms"},
        {"step": "assert", "check": "reconnects", "at_most": 0}]})");
    QVERIFY(sc);
    ScenarioReport rep;
    rep.name = QStringLiteral("r");
    rep.steps = sc.value().steps;
    rep.results << StepResult{StepStatus::Done, 0, 1, {}, {}};
    QVERIFY(!rep.passed()); // a step without a result: not passed
    rep.results << StepResult{StepStatus::Failed, 1, 2, QStringLiteral("2 reconnect(s)"),
                              QJsonObject{{QStringLiteral("reconnects"), 2}}};
    QVERIFY(!rep.passed());
    QCOMPARE(rep.failures(), 1);
    const QJsonObject o = rep.toJson();
    QCOMPARE(o.value(QStringLiteral("passed")).toBool(), false);
    QCOMPARE(o.value(QStringLiteral("failures")).toInt(), 1);
    const QJsonArray steps = o.value(QStringLiteral("steps")).toArray();
    QCOMPARE(steps.size(), 2);
    const QJsonObject s2 = steps[1].toObject();
    QCOMPARE(s2.value(QStringLiteral("status")).toString(), QStringLiteral("failed"));
    QCOMPARE(s2.value(QStringLiteral("line")).toInt(), 3);
    QCOMPARE(s2.value(QStringLiteral("index")).toInt(), 2);
    QCOMPARE(
        s2.value(QStringLiteral("measured")).toObject().value(QStringLiteral("reconnects")).toInt(),
        2);
    QVERIFY(rep.toText().contains(QStringLiteral("FAILED")));
    rep.results[1].status = StepStatus::Passed;
    QVERIFY(rep.passed());
}

QTEST_GUILESS_MAIN(TestScenario)
#include "tst_scenario.moc"
