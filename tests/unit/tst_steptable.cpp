// The table of step kinds (core/scenario/steptable.h): one row per alternative of Step::body in
// its order; every kind, every fault type and every check reads from a file, names itself back
// and titles itself; a bad field of each is refused naming the step and the field.
#include "core/scenario/steps/checks.h"
#include "core/scenario/steptable.h"
#include "tests/support/verify.h"

#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::scenario;

namespace {

/// Steps that the step under test may refer to: a publish "p", a worker "c" on S > c, and a
/// fault "f". The step under test is appended last.
const QByteArray kEarlier = R"(
    {"step": "publish", "name": "p", "subject": "s.a", "mode": "js-async", "count": 10},
    {"step": "consume", "stream": "S", "consumer": "c"},
    {"step": "fault", "type": "disconnect", "name": "f"},
)";

QByteArray scenarioWith(const QByteArray& step) {
    return R"({"servers": {"count": 3}, "connection": {"proxy": true}, "steps": [)" + kEarlier +
           "    " + step + "\n]}";
}

/// The last step of a scenario made of kEarlier and `step`; fails the test when it does not
/// parse.
Result<Step> lastStep(const QByteArray& step) {
    auto sc = Scenario::parse(scenarioWith(step), QStringLiteral("t.json"));
    if (!sc)
        return sc.error();
    return sc.value().steps.last();
}

} // namespace

class TestStepTable : public QObject {
    Q_OBJECT
private slots:
    void tableFollowsTheVariant();
    void kinds_data();
    void kinds();
    void faults_data();
    void faults();
    void checks_data();
    void checks();
    void badFields_data();
    void badFields();
};

void TestStepTable::tableFollowsTheVariant() {
    const auto kinds = stepKinds();
    QCOMPARE(qsizetype(kinds.size()), qsizetype(std::variant_size_v<decltype(Step::body)>));
    QStringList names;
    for (const StepKind& k : kinds) {
        QVERIFY(k.read && k.title && k.run);
        QCOMPARE(findStepKind(QString::fromLatin1(k.name)), &k);
        names << QLatin1String(k.name);
    }
    QCOMPARE(names, QStringList({QStringLiteral("publish"), QStringLiteral("await"),
                                 QStringLiteral("consume"), QStringLiteral("stop"),
                                 QStringLiteral("wait"), QStringLiteral("fault"),
                                 QStringLiteral("clear"), QStringLiteral("assert")}));
    QCOMPARE(findStepKind(u"jump"), nullptr);
    QCOMPARE(findStepKind(u""), nullptr);
}

void TestStepTable::kinds_data() {
    QTest::addColumn<QByteArray>("step");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("title");
    int n = 0;
    auto row = [&n](const char* kind, const char* step, const char* title) {
        QTest::addRow("%d %s", ++n, kind)
            << QByteArray(step) << QString::fromLatin1(kind) << QString::fromUtf8(title);
    };
    row("publish",
        R"({"step": "publish", "subject": "a.b", "mode": "js-async", "count": 5000, "rate": 1000})",
        "publish 5,000 js-async on a.b at 1,000/s");
    row("publish", R"({"step": "publish", "subject": "a.b", "duration": "2m", "rate": 10,
        "background": true})",
        "publish 2m of core on a.b at 10/s (background)");
    row("await", R"({"step": "await", "publish": "p"})", "await p");
    row("await", R"({"step": "await", "publish": ["p"], "timeout": "5s"})", "await p");
    row("await", R"({"step": "await"})", "await every background publish");
    row("consume", R"({"step": "consume", "stream": "S", "consumer": "d", "nak_percent": 10})",
        "consume S > d (NAK 10%)");
    row("consume", R"({"step": "consume", "stream": "S", "consumer": "d", "nak_percent": 10,
        "nak_delay": "2s"})",
        "consume S > d (NAK 10%, after 2s)");
    row("consume", R"({"step": "consume", "stream": "S", "consumer": "d", "nak_percent": 10,
        "nak_backoff": "500ms,30s"})",
        "consume S > d (NAK 10%, backoff 500ms,30s,x2,20%)");
    row("stop", R"({"step": "stop", "worker": "c"})", "stop worker c");
    row("wait", R"({"step": "wait", "duration": "1m30s"})", "wait 90s");
    row("wait", R"({"step": "wait", "duration": 250})", "wait 250ms");
    row("fault", R"({"step": "fault", "type": "kill_server", "server": 2, "duration": "5s"})",
        "fault kill_server server 2 for 5s");
    row("clear", R"({"step": "clear", "fault": "f"})", "clear f");
    row("clear", R"({"step": "clear", "fault": "all"})", "clear all");
    row("assert", R"({"step": "assert", "check": "reconnects", "at_most": 0})",
        "assert reconnects <= 0");
}

void TestStepTable::kinds() {
    QFETCH(QByteArray, step);
    QFETCH(QString, kind);
    QFETCH(QString, title);
    auto s = lastStep(step);
    QVERIFY2(s, qPrintable(s ? QString() : s.error().message));
    QCOMPARE(s.value().kindName(), kind);
    QCOMPARE(QLatin1String(stepKindOf(s.value()).name), kind);
    QCOMPARE(&stepKindOf(s.value()), findStepKind(kind));
    QCOMPARE(s.value().title, title);
    // The title is the table's: the same from the parsed step again.
    QCOMPARE(stepKindOf(s.value()).title(s.value()), title);
}

void TestStepTable::faults_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("title");
    auto row = [](const char* type, const char* fields, const char* title) {
        QTest::newRow(type) << QByteArray(fields) << QString::fromLatin1(type)
                            << QString::fromUtf8(title);
    };
    row("latency", R"("latency": "200ms", "jitter": 20)", "fault latency (downstream) 200ms");
    row("bandwidth", R"("bytes_per_second": 1000, "direction": "upstream")",
        "fault bandwidth (upstream)");
    row("timeout", R"("after": "1s")", "fault timeout (downstream)");
    row("reset_peer", R"("after": 0, "direction": "both")", "fault reset_peer (both)");
    row("slicer", R"("slice_bytes": 8, "slice_variation": 2, "slice_delay_us": 10)",
        "fault slicer (downstream)");
    row("limit_data", R"("bytes": 100)", "fault limit_data (downstream)");
    row("proxy_down", R"("duration": "2s")", "fault proxy_down for 2s");
    row("disconnect", "", "fault disconnect");
    row("stall_reading", R"("duration": "3s")", "fault stall_reading for 3s");
    row("malformed_line", "", "fault malformed_line");
    row("kill_server", R"("server": 3)", "fault kill_server server 3");
    row("restart_server", "", "fault restart_server server 1");
    row("lame_duck", R"("server": 2)", "fault lame_duck server 2");
    row("stream_leader_stepdown", R"("stream": "S")", "fault stream leader step-down S");
    row("consumer_leader_stepdown", R"("stream": "S", "consumer": "c")",
        "fault consumer leader step-down S > c");
    row("withhold_acks", R"("stream": "S", "consumer": "c", "count": 5)",
        "fault withhold_acks 5 on S > c");
    row("nak_burst", R"("stream": "S", "consumer": "c", "count": 3, "nak_delay": "1s")",
        "fault nak_burst 3 on S > c");
    row("term", R"("stream": "S", "consumer": "c", "count": 1, "fetch_wait": "500ms")",
        "fault term 1 on S > c");
}

void TestStepTable::faults() {
    QFETCH(QByteArray, fields);
    QFETCH(QString, type);
    QFETCH(QString, title);
    QByteArray step = R"({"step": "fault", "type": ")" + type.toUtf8() + '"';
    if (!fields.isEmpty())
        step += ", " + fields;
    step += '}';
    auto s = lastStep(step);
    QVERIFY2(s, qPrintable(s ? QString() : s.error().message));
    const auto& f = std::get<FaultStep>(s.value().body);
    if (f.kind == FaultKind::Toxic) {
        QCOMPARE(faults::toxicKindName(f.toxic.kind), type);
        QCOMPARE(f.toxic.name, type); // named after its type unless given a name
    } else {
        QCOMPARE(faultKindName(f.kind), type);
    }
    QCOMPARE(f.name, type);
    QCOMPARE(s.value().title, title);
}

void TestStepTable::checks_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QString>("check");
    QTest::addColumn<QString>("title");
    auto row = [](const char* check, const char* fields, const char* title) {
        QTest::newRow(check) << QByteArray(fields) << QString::fromLatin1(check)
                             << QString::fromUtf8(title);
    };
    row("connected", R"("within": "5s")", "assert connected within 5s");
    row("reconnects", R"("at_least": 1)", "assert reconnects >= 1");
    row("no_message_lost", R"("publish": "p", "stream": "S", "worker": "c")",
        "assert no_message_lost p");
    row("consumer_pending", R"("stream": "S", "consumer": "c")",
        "assert consumer_pending S > c <= 0");
    row("latency", R"("publish": "p", "below": "1s")", "assert latency p P95 < 1s");
    row("redeliveries", R"("worker": "c", "at_least": 1)", "assert redeliveries c >= 1");
    row("received", R"("worker": "c", "at_least": 5, "at_most": 10)",
        "assert received c >= 5 <= 10");
    row("rate", R"("publish": "p")", "assert rate p within 2%");
    row("throughput", R"("publish": "p", "at_least": 100)", "assert throughput p >= 100");
    row("stream_messages", R"("stream": "S", "at_most": 3, "within": "2s")",
        "assert stream_messages S <= 3 within 2s");
}

void TestStepTable::checks() {
    QFETCH(QByteArray, fields);
    QFETCH(QString, check);
    QFETCH(QString, title);
    auto s = lastStep(R"({"step": "assert", "check": ")" + check.toUtf8() + "\", " + fields + '}');
    QVERIFY2(s, qPrintable(s ? QString() : s.error().message));
    const auto& a = std::get<AssertStep>(s.value().body);
    QCOMPARE(checkKindName(a.kind), check);
    const steps::Check* c = steps::findCheck(check);
    QVERIFY(c);
    QCOMPARE(c->kind, a.kind);
    QCOMPARE(&steps::checkOf(a.kind), c);
    QVERIFY(c->read && c->evaluate);
    QCOMPARE(s.value().title, title);
}

void TestStepTable::badFields_data() {
    QTest::addColumn<QByteArray>("step");
    QTest::addColumn<QString>("field"); // "steps[3].field": the step under test is the 4th
    QTest::addColumn<QString>("what");
    auto row = [](const char* name, const char* step, const char* field, const char* what) {
        QTest::newRow(name) << QByteArray(step) << QString::fromUtf8(field)
                            << QString::fromUtf8(what);
    };
    row("publish subject not a string", R"({"step": "publish", "subject": 5, "count": 1})",
        "steps[3].subject", "must be a string");
    row("publish empty subject", R"({"step": "publish", "subject": "", "count": 1})",
        "steps[3].subject", "must not be empty");
    row("publish size", R"({"step": "publish", "subject": "a", "count": 1, "size": -1})",
        "steps[3].size", "must be between 0 and 67108864, got -1");
    row("publish header value", R"({"step": "publish", "subject": "a", "count": 1,
        "headers": {"K": 5}})",
        "steps[3].headers/K", "must be a string");
    row("publish headers not an object",
        R"({"step": "publish", "subject": "a", "count": 1, "headers": []})", "steps[3].headers",
        "must be an object");
    row("publish background", R"({"step": "publish", "subject": "a", "count": 1,
        "background": "yes"})",
        "steps[3].background", "must be true or false");
    row("await unknown", R"({"step": "await", "publish": "q"})", "steps[3].publish",
        "no earlier publish step is named 'q'");
    row("await wrong type", R"({"step": "await", "publish": 5})", "steps[3].publish",
        "must be a publish step's name or a list of them");
    row("consume nak_percent", R"({"step": "consume", "stream": "S", "consumer": "d",
        "nak_percent": 101})",
        "steps[3].nak_percent", "must be between 0 and 100, got 101");
    row("consume backoff", R"({"step": "consume", "stream": "S", "consumer": "d",
        "nak_percent": 5, "nak_backoff": "1s,100ms"})",
        "steps[3].nak_backoff", "the longest delay is at least the first (1s)");
    row("consume backoff words", R"({"step": "consume", "stream": "S", "consumer": "d",
        "nak_percent": 5, "nak_backoff": "soon"})",
        "steps[3].nak_backoff", "'soon' is not a duration");
    row("consume delay and backoff", R"({"step": "consume", "stream": "S", "consumer": "d",
        "nak_percent": 5, "nak_delay": "1s", "nak_backoff": "1s"})",
        "steps[3].nak_backoff", "not both");
    row("consume delay without naks", R"({"step": "consume", "stream": "S", "consumer": "d",
        "nak_delay": "1s"})",
        "steps[3].nak_delay", "nak_percent is 0");
    row("consume batch", R"({"step": "consume", "stream": "S", "consumer": "d", "batch": 0})",
        "steps[3].batch", "must be between 1 and 10000, got 0");
    row("consume stream missing", R"({"step": "consume", "consumer": "d"})", "steps[3].stream",
        "is required");
    row("consume twice", R"({"step": "consume", "stream": "S", "consumer": "c"})", "steps[3].name",
        "a worker named 'c' is already running");
    row("stop worker missing", R"({"step": "stop"})", "steps[3].worker", "is required");
    row("wait duration missing", R"({"step": "wait"})", "steps[3].duration",
        "is required (a duration such as 500ms or 2s)");
    row("wait negative", R"({"step": "wait", "duration": -5})", "steps[3].duration",
        "'-5' is not a duration");
    row("fault type missing", R"({"step": "fault"})", "steps[3].type", "is required");
    row("fault direction", R"({"step": "fault", "type": "latency", "latency": 5,
        "direction": "sideways"})",
        "steps[3].direction", "'sideways' is not upstream, downstream or both");
    row("fault bandwidth", R"({"step": "fault", "type": "bandwidth"})", "steps[3].bytes_per_second",
        "is required");
    row("fault slicer", R"({"step": "fault", "type": "slicer", "slice_bytes": 0})",
        "steps[3].slice_bytes", "must be between 1 and 1048576, got 0");
    row("fault limit_data", R"({"step": "fault", "type": "limit_data"})", "steps[3].bytes",
        "is required");
    row("fault stall without duration", R"({"step": "fault", "type": "stall_reading"})",
        "steps[3].duration", "is required for stall_reading");
    row("fault server 0", R"({"step": "fault", "type": "lame_duck", "server": 0})",
        "steps[3].server", "must be between 1 and 9, got 0");
    row("fault server 4 of 3", R"({"step": "fault", "type": "kill_server", "server": 4})",
        "steps[3].server", "server 4 does not exist: the scenario starts 3");
    row("fault step-down stream", R"({"step": "fault", "type": "stream_leader_stepdown"})",
        "steps[3].stream", "is required");
    row("fault consumer step-down consumer",
        R"({"step": "fault", "type": "consumer_leader_stepdown", "stream": "S"})",
        "steps[3].consumer", "is required");
    row("fault count missing",
        R"({"step": "fault", "type": "withhold_acks", "stream": "S", "consumer": "c"})",
        "steps[3].count", "is required");
    row("fault count too high", R"({"step": "fault", "type": "term", "stream": "S",
        "consumer": "c", "count": 100001})",
        "steps[3].count", "must be between 1 and 100000, got 100001");
    row("fault nak_delay on term", R"({"step": "fault", "type": "term", "stream": "S",
        "consumer": "c", "count": 1, "nak_delay": "1s"})",
        "steps[3].nak_delay", "unknown field");
    row("fault lasting duration", R"({"step": "fault", "type": "restart_server",
        "duration": "1s"})",
        "steps[3].duration", "restart_server happens at once and has no duration");
    row("clear missing", R"({"step": "clear"})", "steps[3].fault", "is required");
    row("assert check missing", R"({"step": "assert"})", "steps[3].check", "is required");
    row("assert within", R"({"step": "assert", "check": "connected", "within": "soon"})",
        "steps[3].within", "'soon' is not a duration");
    row("assert at_least negative", R"({"step": "assert", "check": "reconnects", "at_least": -1})",
        "steps[3].at_least", "must be at least 0, got -1");
    row("assert pending consumer missing",
        R"({"step": "assert", "check": "consumer_pending", "stream": "S"})", "steps[3].consumer",
        "is required");
    row("assert rate percent", R"({"step": "assert", "check": "rate", "publish": "p",
        "percent": 150})",
        "steps[3].percent", "must be between 0 and 100, got 150");
    row("assert throughput bound", R"({"step": "assert", "check": "throughput", "publish": "p"})",
        "steps[3].at_least", "is required for throughput");
    row("assert unknown worker", R"({"step": "assert", "check": "received", "worker": "x",
        "at_least": 1})",
        "steps[3].worker", "no earlier consume step is named 'x'");
    row("assert latency below missing", R"({"step": "assert", "check": "latency", "publish": "p"})",
        "steps[3].below", "is required");
    row("assert received bound", R"({"step": "assert", "check": "received", "worker": "c"})",
        "steps[3]", "received needs at_least or at_most");
}

void TestStepTable::badFields() {
    QFETCH(QByteArray, step);
    QFETCH(QString, field);
    QFETCH(QString, what);
    auto s = lastStep(step);
    QVERIFY2(!s, "a bad step was accepted");
    const QString msg = s.error().message;
    // "t.json:LINE: steps[3].field: what"
    const QString where = QStringLiteral("t.json:");
    QVERIFY2(msg.startsWith(where), qPrintable(msg));
    QVERIFY2(msg.contains(QStringLiteral(": ") + field + QStringLiteral(": ")), qPrintable(msg));
    QVERIFY2(msg.contains(what), qPrintable(msg));
    QCOMPARE(s.error().kind, ErrorKind::InvalidArgument);
}

QTEST_GUILESS_MAIN(TestStepTable)
#include "tst_steptable.moc"
