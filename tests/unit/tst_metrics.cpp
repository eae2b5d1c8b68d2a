// The metrics engine without a server: exposition format, backpressure rules, rates, the
// registry's probes and JSON, and the HTTP endpoint's answers to good and bad requests.

#include "core/jetstream/redeliverytracker.h"
#include "core/metrics/backpressure.h"
#include "core/metrics/metricsserver.h"
#include "core/metrics/prometheus.h"
#include "core/metrics/ratemeter.h"
#include "core/metrics/registry.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QJsonArray>
#include <QTcpSocket>

#include <QtTest>
#include <memory>
#include <vector>

using namespace jetdeck::metrics;

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void writerGroupsFamilies();
    void writerEscapesAndFormats();
    void writerHistogramLines();
    void backpressure_data();
    void backpressure();
    void thresholdsValidate();
    void rateMeter();
    void registryProbes();
    void registryExposition();
    void severalRegistriesInOneExposition();
    void registryJson();
    void subjectProbesBounded();
    void registryConsumersByName();
    void server_data();
    void server();
    void serverTooLargeAndSilent();
    void serverConnectionCap();
    void serverPortInUse();
};

void TestMetrics::writerGroupsFamilies() {
    PrometheusWriter w;
    w.family("a_total", PrometheusWriter::Type::Counter, "A things");
    w.family("b", PrometheusWriter::Type::Gauge, "B level");
    w.family("unused", PrometheusWriter::Type::Gauge, "never sampled");
    w.sample("a_total", {{QStringLiteral("x"), QStringLiteral("1")}}, 3);
    w.sample("b", {}, 0.5);
    w.sample("a_total", {{QStringLiteral("x"), QStringLiteral("2")}}, 4);
    const QByteArray t = w.text();
    QCOMPARE(t, QByteArray("# HELP a_total A things\n# TYPE a_total counter\n"
                           "a_total{x=\"1\"} 3\na_total{x=\"2\"} 4\n"
                           "# HELP b B level\n# TYPE b gauge\nb 0.5\n"));
    QCOMPARE(w.seriesCount(), 3);
    QVERIFY(!t.contains("unused"));
}

void TestMetrics::writerEscapesAndFormats() {
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("a\"b\\c\nd")),
             QByteArray("a\\\"b\\\\c\\nd"));
    QCOMPARE(PrometheusWriter::escapeLabelValue(QStringLiteral("grün")), QByteArray("grün"));
    QCOMPARE(PrometheusWriter::formatValue(1), QByteArray("1"));
    QCOMPARE(PrometheusWriter::formatValue(-3), QByteArray("-3"));
    QCOMPARE(PrometheusWriter::formatValue(0.25), QByteArray("0.25"));
    QCOMPARE(PrometheusWriter::formatValue(std::nan("")), QByteArray("NaN"));
    QCOMPARE(PrometheusWriter::formatValue(qInf()), QByteArray("+Inf"));
    QCOMPARE(PrometheusWriter::formatValue(-qInf()), QByteArray("-Inf"));
    QVERIFY(PrometheusWriter::validName("jetdeck_nats_rtt_seconds"));
    QVERIFY(PrometheusWriter::validName("a:b_c9"));
    QVERIFY(!PrometheusWriter::validName("9abc"));
    QVERIFY(!PrometheusWriter::validName("a-b"));
    QVERIFY(!PrometheusWriter::validName(""));
}

void TestMetrics::writerHistogramLines() {
    PrometheusWriter w;
    w.family("lat_seconds", PrometheusWriter::Type::Histogram, "latency");
    CumulativeBuckets b;
    b.boundsSeconds = {0.001, 0.01};
    b.counts = {2, 5};
    b.count = 7;
    b.sumSeconds = 0.5;
    w.histogram("lat_seconds", {{QStringLiteral("probe"), QStringLiteral("p")}}, b);
    QCOMPARE(w.text(), QByteArray("# HELP lat_seconds latency\n# TYPE lat_seconds histogram\n"
                                  "lat_seconds_bucket{probe=\"p\",le=\"0.001\"} 2\n"
                                  "lat_seconds_bucket{probe=\"p\",le=\"0.01\"} 5\n"
                                  "lat_seconds_bucket{probe=\"p\",le=\"+Inf\"} 7\n"
                                  "lat_seconds_sum{probe=\"p\"} 0.5\n"
                                  "lat_seconds_count{probe=\"p\"} 7\n"));
}

void TestMetrics::backpressure_data() {
    QTest::addColumn<qint64>("pending"); // -1: unknown
    QTest::addColumn<double>("p95Ms");   // -1: unknown
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("reason");
    QTest::newRow("nothing known")
        << qint64(-1) << -1.0 << int(BackpressureLevel::Unknown)
        << QStringLiteral("no CONSUMER.INFO and no processing samples yet");
    QTest::newRow("all fine") << qint64(10) << 20.0 << int(BackpressureLevel::Ok)
                              << QStringLiteral("num_pending 10, P95 20.0 ms");
    QTest::newRow("at the limit is fine") << qint64(1000) << 1000.0 << int(BackpressureLevel::Ok)
                                          << QStringLiteral("num_pending 1,000, P95 1.00 s");
    QTest::newRow("pending warn") << qint64(1001) << -1.0 << int(BackpressureLevel::Warn)
                                  << QStringLiteral("num_pending 1,001 > 1,000");
    QTest::newRow("pending critical") << qint64(12000) << 5.0 << int(BackpressureLevel::Critical)
                                      << QStringLiteral("num_pending 12,000 > 10,000");
    QTest::newRow("p95 warn") << qint64(3) << 2400.0 << int(BackpressureLevel::Warn)
                              << QStringLiteral("P95 2.40 s > 1.00 s");
    QTest::newRow("p95 critical, pending warn")
        << qint64(5000) << 6000.0 << int(BackpressureLevel::Critical)
        << QStringLiteral("num_pending 5,000 > 1,000; P95 6.00 s > 5.00 s");
    QTest::newRow("only p95 known")
        << qint64(-1) << 0.5 << int(BackpressureLevel::Ok) << QStringLiteral("P95 500 µs");
}

void TestMetrics::backpressure() {
    QFETCH(qint64, pending);
    QFETCH(double, p95Ms);
    QFETCH(int, level);
    QFETCH(QString, reason);
    const BackpressureStatus s = evaluateBackpressure(
        pending < 0 ? std::nullopt : std::optional<qint64>(pending),
        p95Ms < 0 ? std::nullopt : std::optional<double>(p95Ms), BackpressureThresholds{});
    QCOMPARE(int(s.level), level);
    QCOMPARE(s.reason, reason);
}

void TestMetrics::thresholdsValidate() {
    BackpressureThresholds t;
    QVERIFY(t.validate().isEmpty());
    t.pendingWarn = 20000;
    QVERIFY(t.validate().contains(QStringLiteral("above the critical")));
    t = {};
    t.p95WarnMs = -1;
    QVERIFY(!t.validate().isEmpty());
    t = {};
    t.p95WarnMs = 9000;
    QVERIFY(t.validate().contains(QStringLiteral("P95 warn")));
    QCOMPARE(backpressureLevelName(BackpressureLevel::Critical), QStringLiteral("CRITICAL"));
}

void TestMetrics::rateMeter() {
    RateMeter r(1.0);
    r.update(0, 0);
    QCOMPARE(r.perSecond(), 0.0);
    for (int i = 1; i <= 40; ++i)
        r.update(i * 250, quint64(i) * 250); // 1000 per second
    QVERIFY2(std::abs(r.perSecond() - 1000) < 1, qPrintable(QString::number(r.perSecond())));
    QCOMPARE(r.instant(), 1000.0);
    // Stops: the smoothed rate falls within a few time constants.
    for (int i = 41; i <= 60; ++i)
        r.update(i * 250, 40 * 250);
    QVERIFY(r.perSecond() < 10);
    // A counter reset restarts rather than reporting a negative rate.
    r.update(61 * 250, 5);
    QCOMPARE(r.perSecond(), 0.0);
    r.update(61 * 250, 7); // no time passed: ignored
    QCOMPARE(r.total(), quint64(5));
}

void TestMetrics::registryProbes() {
    MetricsRegistry reg;
    auto a = reg.probe(QStringLiteral("processing"),
                       {{QStringLiteral("stream"), QStringLiteral("S")},
                        {QStringLiteral("consumer"), QStringLiteral("C")}});
    auto b =
        reg.probe(QStringLiteral("processing"), {{QStringLiteral("consumer"), QStringLiteral("C")},
                                                 {QStringLiteral("stream"), QStringLiteral("S")}});
    QCOMPARE(a.get(), b.get()); // labels in any order name one probe
    auto c = reg.probe(QStringLiteral("processing"),
                       {{QStringLiteral("subject"), QStringLiteral("orders.new")}});
    QVERIFY(c.get() != a.get());
    for (int i = 1; i <= 100; ++i)
        a->record(quint64(i) * 1000);
    for (int i = 0; i < 10; ++i)
        c->record(3000000); // 3 s
    const auto s = reg.probeSnapshot(QStringLiteral("processing"),
                                     {{QStringLiteral("stream"), QStringLiteral("S")},
                                      {QStringLiteral("consumer"), QStringLiteral("C")}},
                                     Window::Last10s);
    QVERIFY(s);
    QCOMPARE(s->percentiles.count, quint64(100));
    QCOMPARE(s->percentiles.p50, layout::highestOf(layout::indexOf(50000))); // 50 ms
    QCOMPARE(s->label(QStringLiteral("stream")), QStringLiteral("S"));
    QVERIFY(!reg.probeSnapshot(QStringLiteral("nope"), {}, Window::Last1m));
    QCOMPARE(reg.probeSnapshots(Window::Last1m).size(), 2);

    // A subject's processing P95 alone judges its backpressure.
    const QList<SubjectMetrics> subjects = reg.subjects();
    QCOMPARE(subjects.size(), 1);
    QCOMPARE(subjects[0].subject, QStringLiteral("orders.new"));
    QCOMPARE(subjects[0].backpressure.level, BackpressureLevel::Warn);
    QVERIFY2(subjects[0].backpressure.reason.startsWith(QStringLiteral("P95 3.0")),
             qPrintable(subjects[0].backpressure.reason));
}

void TestMetrics::registryExposition() {
    MetricsRegistry reg;
    auto p =
        reg.probe(QStringLiteral("request"), {{QStringLiteral("connection"), QStringLiteral("x")}});
    for (int i = 0; i < 10; ++i)
        p->record(200); // 200 µs
    const QByteArray t = reg.prometheusText();
    // Histograms count samples once folded (two slots later); the window gauges at once.
    QVERIFY(t.contains("# TYPE jetdeck_latency_seconds histogram\n"));
    QVERIFY(t.contains(
        "jetdeck_latency_seconds_bucket{probe=\"request\",connection=\"x\",le=\"+Inf\"}"));
    QVERIFY(t.contains(
        "jetdeck_latency_window_seconds{probe=\"request\",connection=\"x\",window=\"1m\","
        "percentile=\"95\"} 0.0002\n"));
    QVERIFY(t.contains(
        "jetdeck_backpressure_threshold{signal=\"num_pending\",level=\"critical\"} 10000\n"));
    // Every family is declared once, before its samples.
    QSet<QByteArray> typed;
    for (const QByteArray& line : t.split('\n')) {
        if (line.startsWith("# TYPE ")) {
            const QByteArray name = line.split(' ').value(2);
            QVERIFY2(!typed.contains(name), name.constData());
            typed.insert(name);
        } else if (!line.isEmpty() && !line.startsWith('#')) {
            QByteArray name = line.left(line.indexOf(line.contains('{') ? '{' : ' '));
            for (const char* suffix : {"_bucket", "_sum", "_count"})
                if (name.endsWith(suffix) && typed.contains(name.chopped(int(strlen(suffix)))))
                    name.chop(int(strlen(suffix)));
            QVERIFY2(typed.contains(name), line.constData());
        }
    }
}

void TestMetrics::severalRegistriesInOneExposition() {
    // Two connections' registries (the console's window with two open): one exposition, every
    // sample labelled with its connection, each family declared once with all its samples.
    MetricsRegistry staging, prod;
    staging
        .probe(QStringLiteral("request"),
               {{QStringLiteral("connection"), QStringLiteral("staging")}})
        ->record(100);
    prod.probe(QStringLiteral("request"), {{QStringLiteral("connection"), QStringLiteral("prod")}})
        ->record(300);
    BackpressureThresholds t;
    t.pendingWarn = 7;
    prod.setThresholds(t);
    const QByteArray text = MetricsRegistry::prometheusText(
        {{QStringLiteral("staging"), &staging}, {QStringLiteral("prod"), &prod}});
    // A label the series has already is kept, not doubled.
    QVERIFY(text.contains("jetdeck_latency_window_seconds{probe=\"request\",connection=\"staging\","
                          "window=\"1m\",percentile=\"50\"} 0.0001\n"));
    QVERIFY(text.contains("jetdeck_latency_window_seconds{probe=\"request\",connection=\"prod\","
                          "window=\"1m\",percentile=\"50\"} 0.0003\n"));
    // One the series lacks goes first.
    QVERIFY(text.contains("jetdeck_backpressure_threshold{connection=\"staging\",signal=\"num_"
                          "pending\",level=\"warn\"} 1000\n"));
    QVERIFY(text.contains("jetdeck_backpressure_threshold{connection=\"prod\",signal=\"num_"
                          "pending\",level=\"warn\"} 7\n"));
    QCOMPARE(text.count("# TYPE jetdeck_backpressure_threshold gauge\n"), qsizetype(1));
    QCOMPARE(text.count("# TYPE jetdeck_latency_seconds histogram\n"), qsizetype(1));
    // A family's samples are together: no other family's line between two of them.
    QByteArray current;
    QSet<QByteArray> closed;
    for (const QByteArray& line : text.split('\n')) {
        if (!line.startsWith("# TYPE "))
            continue;
        const QByteArray name = line.split(' ').value(2);
        QVERIFY2(!closed.contains(name), name.constData());
        closed.insert(current);
        current = name;
    }
    // A label value is escaped like any other.
    const QByteArray odd = MetricsRegistry::prometheusText({{QStringLiteral("a\"b"), &staging}});
    QVERIFY(odd.contains("connection=\"a\\\"b\""));
}

void TestMetrics::registryJson() {
    MetricsRegistry reg;
    BackpressureThresholds t;
    t.p95WarnMs = 10;
    t.p95CriticalMs = 20;
    reg.setThresholds(t);
    reg.probe(QStringLiteral("processing"), {{QStringLiteral("subject"), QStringLiteral("s")}})
        ->record(30000);
    const QJsonObject o = reg.toJson(Window::Last10s);
    QCOMPARE(o.value(QStringLiteral("window")).toString(), QStringLiteral("10s"));
    const QJsonArray latency = o.value(QStringLiteral("latency")).toArray();
    QCOMPARE(latency.size(), 1);
    QCOMPARE(latency[0].toObject().value(QStringLiteral("probe")).toString(),
             QStringLiteral("processing"));
    QCOMPARE(latency[0].toObject().value(QStringLiteral("count")).toInt(), 1);
    const QJsonArray subjects = o.value(QStringLiteral("subjects")).toArray();
    QCOMPARE(subjects.size(), 1);
    QCOMPARE(subjects[0]
                 .toObject()
                 .value(QStringLiteral("backpressure"))
                 .toObject()
                 .value(QStringLiteral("level")),
             QJsonValue(QStringLiteral("CRITICAL")));
    QCOMPARE(o.value(QStringLiteral("thresholds"))
                 .toObject()
                 .value(QStringLiteral("backpressure_p95_warn_ms"))
                 .toDouble(),
             10.0);
}

void TestMetrics::subjectProbesBounded() {
    MetricsRegistry reg;
    const auto a = reg.subjectProcessingProbe("orders.new");
    QVERIFY(a);
    QCOMPARE(reg.subjectProcessingProbe("orders.new").get(), a.get());
    for (int i = 1; i < MetricsRegistry::kMaxSubjects; ++i)
        QVERIFY(reg.subjectProcessingProbe(QByteArray("s." + QByteArray::number(i))));
    QVERIFY(!reg.subjectProcessingProbe("one.too.many"));
    QVERIFY(reg.subjectProcessingProbe("orders.new")); // known ones still answer
    a->record(2000000);
    const QList<SubjectMetrics> subjects = reg.subjects();
    QCOMPARE(subjects.size(), qsizetype(MetricsRegistry::kMaxSubjects));
    QCOMPARE(subjects.first().subject, QStringLiteral("orders.new"));
    QCOMPARE(subjects.first().backpressure.level, BackpressureLevel::Warn);
}

void TestMetrics::registryConsumersByName() {
    // Thousands of listed consumers are found by name (a hash, not a walk); removals keep the
    // others findable and in the order they came.
    MetricsRegistry reg;
    QList<MetricsRegistry::ConsumerReading> readings;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int s = 0; s < 100; ++s)
        for (int c = 0; c < 20; ++c) {
            jetdeck::js::ConsumerSample sample;
            sample.time = now;
            sample.numPending = s * 100 + c;
            readings.append({QStringLiteral("S%1").arg(s), QStringLiteral("C%1").arg(c), sample});
        }
    reg.setConsumerReadings(readings);
    QCOMPARE(reg.consumers().size(), qsizetype(2000));
    // A tracker for a listed consumer joins its entry; one for an unlisted one makes a new one.
    auto t1 = std::make_shared<jetdeck::js::RedeliveryTracker>(QStringLiteral("S42"),
                                                               QStringLiteral("C7"));
    auto t2 =
        std::make_shared<jetdeck::js::RedeliveryTracker>(QStringLiteral("X"), QStringLiteral("Y"));
    reg.attachTracker(t1);
    reg.attachTracker(t2);
    QCOMPARE(reg.consumers().size(), qsizetype(2001));
    QCOMPARE(reg.tracker(QStringLiteral("S42"), QStringLiteral("C7")).get(), t1.get());
    // "S4" + "2/C7" is not "S42" + "/C7": the key keeps stream and consumer apart.
    QVERIFY(!reg.tracker(QStringLiteral("S4"), QStringLiteral("2/C7")));

    // The next listing lacks stream S0: its consumers go, except none has a tracker; the rest
    // stay found.
    readings.erase(readings.begin(), readings.begin() + 20);
    reg.setConsumerReadings(readings);
    const QList<ConsumerMetrics> after = reg.consumers();
    QCOMPARE(after.size(), qsizetype(1981));
    QCOMPARE(after.first().stream, QStringLiteral("S1"));
    QCOMPARE(after.last().stream, QStringLiteral("X"));
    QCOMPARE(reg.tracker(QStringLiteral("S42"), QStringLiteral("C7")).get(), t1.get());
    QCOMPARE(reg.tracker(QStringLiteral("X"), QStringLiteral("Y")).get(), t2.get());
    for (const ConsumerMetrics& m : after)
        if (m.stream == QStringLiteral("S99") && m.consumer == QStringLiteral("C19"))
            QCOMPARE(m.info->numPending, 9919);
    reg.removeConsumer(QStringLiteral("S42"), QStringLiteral("C7"));
    QVERIFY(!reg.tracker(QStringLiteral("S42"), QStringLiteral("C7")));
    QCOMPARE(reg.tracker(QStringLiteral("X"), QStringLiteral("Y")).get(), t2.get());
    QCOMPARE(reg.consumers().size(), qsizetype(1980));
}

namespace {

QByteArray httpExchange(quint16 port, const QByteArray& request, int timeoutMs = 5000) {
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(timeoutMs))
        return "connect failed";
    s.write(request);
    QByteArray reply;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs && s.state() == QAbstractSocket::ConnectedState) {
        QCoreApplication::processEvents();
        if (s.waitForReadyRead(20))
            reply += s.readAll();
    }
    reply += s.readAll();
    return reply;
}

} // namespace

void TestMetrics::server_data() {
    // HOST becomes 127.0.0.1:<the server's port>, PORT the port alone.
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("status");
    QTest::addColumn<QByteArray>("bodyContains");
    QTest::newRow("metrics") << QByteArray("GET /metrics HTTP/1.1\r\nHost: HOST\r\n\r\n")
                             << QByteArray("HTTP/1.1 200 OK")
                             << QByteArray("jetdeck_backpressure_threshold");
    QTest::newRow("query string, HTTP/1.0 without Host")
        << QByteArray("GET /metrics?x=1 HTTP/1.0\r\n\r\n") << QByteArray("HTTP/1.1 200 OK")
        << QByteArray("# TYPE");
    QTest::newRow("json") << QByteArray("GET /snapshot.json HTTP/1.1\r\nhost: HOST\r\n\r\n")
                          << QByteArray("HTTP/1.1 200 OK") << QByteArray("\"thresholds\"");
    QTest::newRow("index") << QByteArray("GET / HTTP/1.1\r\nHost: HOST\r\n\r\n")
                           << QByteArray("HTTP/1.1 200 OK") << QByteArray("/metrics");
    QTest::newRow("head") << QByteArray("HEAD /metrics HTTP/1.1\r\nHost: HOST\r\n\r\n")
                          << QByteArray("HTTP/1.1 200 OK") << QByteArray();
    QTest::newRow("localhost") << QByteArray(
                                      "GET /metrics HTTP/1.1\r\nHost: localhost:PORT\r\n\r\n")
                               << QByteArray("HTTP/1.1 200 OK") << QByteArray("# TYPE");
    QTest::newRow("not found") << QByteArray("GET /admin HTTP/1.1\r\nHost: HOST\r\n\r\n")
                               << QByteArray("HTTP/1.1 404 Not Found")
                               << QByteArray("try /metrics");
    QTest::newRow("post")
        << QByteArray("POST /metrics HTTP/1.1\r\nHost: HOST\r\nContent-Length: 0\r\n\r\n")
        << QByteArray("HTTP/1.1 405 Method Not Allowed") << QByteArray("GET");
    QTest::newRow("garbage") << QByteArray("HELLO\r\n\r\n")
                             << QByteArray("HTTP/1.1 400 Bad Request") << QByteArray("malformed");
    // A web page that rebound its own name to 127.0.0.1 sends that name: it reads nothing.
    QTest::newRow("DNS rebinding")
        << QByteArray("GET /snapshot.json HTTP/1.1\r\nHost: attacker.example:PORT\r\n\r\n")
        << QByteArray("HTTP/1.1 403 Forbidden") << QByteArray("loopback");
    QTest::newRow("other port") << QByteArray("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n")
                                << QByteArray("HTTP/1.1 403 Forbidden") << QByteArray("loopback");
    QTest::newRow("HTTP/1.1 without Host")
        << QByteArray("GET /metrics HTTP/1.1\r\n\r\n") << QByteArray("HTTP/1.1 400 Bad Request")
        << QByteArray("Host");
    QTest::newRow("split request") << QByteArray("GET /metr") << QByteArray() << QByteArray();
}

void TestMetrics::server() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, status);
    QFETCH(QByteArray, bodyContains);
    MetricsRegistry reg;
    MetricsServer server(&reg);
    VERIFY_OK(server.listen(0));
    QVERIFY(server.port() > 0);
    QVERIFY(server.url().startsWith(QStringLiteral("http://127.0.0.1:")));
    const QByteArray port = QByteArray::number(server.port());
    request.replace("HOST", QByteArray("127.0.0.1:" + port)).replace("PORT", port);
    if (status.isEmpty()) {
        // A request in pieces: answered once complete.
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(s.waitForConnected(3000));
        s.write(request);
        s.flush();
        // Half a request: no answer yet.
        QVERIFY(jetdeck::test::holdsFor(100, [&] { return s.bytesAvailable() == 0; }));
        s.write("ics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n");
        QTRY_VERIFY(s.bytesAvailable() > 0 || s.waitForReadyRead(10));
        QTRY_VERIFY(s.state() != QAbstractSocket::ConnectedState || s.waitForReadyRead(10));
        QVERIFY(s.readAll().startsWith("HTTP/1.1 200 OK"));
        return;
    }
    const QByteArray reply = httpExchange(server.port(), request);
    QVERIFY2(reply.startsWith(status), reply.left(200).constData());
    const qsizetype split = reply.indexOf("\r\n\r\n");
    const QByteArray head = reply.left(split);
    const QByteArray body = reply.mid(split + 4);
    QVERIFY(head.contains("Connection: close"));
    if (request.startsWith("HEAD"))
        QVERIFY(body.isEmpty());
    else
        QVERIFY2(body.contains(bodyContains), body.left(300).constData());
    if (request.startsWith("GET /metrics") && status.contains("200"))
        QVERIFY(head.contains("Content-Type: text/plain; version=0.0.4"));
}

void TestMetrics::serverConnectionCap() {
    // Connections that say nothing take a place each until their timeout; beyond the cap the
    // next is answered 503 at once; when they are gone, requests are served again.
    MetricsRegistry reg;
    MetricsServer server(&reg);
    server.setMaxConnections(4);
    server.setRequestTimeoutMs(1500);
    VERIFY_OK(server.listen(0));
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < 4; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(idle.back()->waitForConnected(3000));
    }
    QTRY_COMPARE(server.openConnections(), 4);
    const QByteArray ok =
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(server.port()) +
        "\r\n\r\n";
    QVERIFY(httpExchange(server.port(), ok).startsWith("HTTP/1.1 503"));
    // The silent ones are answered 408 and closed; then there is room again.
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, 5000);
    QVERIFY(httpExchange(server.port(), ok).startsWith("HTTP/1.1 200"));
}

void TestMetrics::serverTooLargeAndSilent() {
    MetricsRegistry reg;
    MetricsServer server(&reg);
    VERIFY_OK(server.listen(0));
    const QByteArray big = "GET /metrics HTTP/1.1\r\nX: " + QByteArray(20000, 'a');
    QVERIFY(httpExchange(server.port(), big).startsWith("HTTP/1.1 413"));
    // A client that says nothing is answered 408 and let go (5 s).
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(s.waitForConnected(3000));
    QTRY_VERIFY_WITH_TIMEOUT(s.bytesAvailable() > 0 || (s.waitForReadyRead(50) && false), 15000);
    QVERIFY(s.readAll().startsWith("HTTP/1.1 408"));
}

void TestMetrics::serverPortInUse() {
    MetricsRegistry reg;
    MetricsServer first(&reg);
    VERIFY_OK(first.listen(0));
    MetricsServer second(&reg);
    const jetdeck::Status s = second.listen(first.port());
    QVERIFY(!s.ok());
    QVERIFY2(s.message.contains(
                 QStringLiteral("cannot serve metrics on 127.0.0.1:%1").arg(first.port())),
             qPrintable(s.message));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
