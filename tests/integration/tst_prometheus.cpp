// The metrics export against real parts: a nats-server with JetStream, a real Prometheus
// (Debian package prometheus) scraping JetDeck's endpoint on loopback, promtool checking the
// exposition and the shipped alert rules, and backpressure following a real consumer's backlog.

#include "core/client/connection.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/consumermonitor.h"
#include "core/jetstream/pullconsumer.h"
#include "core/metrics/metricsserver.h"
#include "core/metrics/registry.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::metrics;
using namespace jetdeck::test;

namespace {

constexpr int kWaitMs = 20000;

QString sourceFile(const QString& relative) {
    return QStringLiteral(JETDECK_SOURCE_DIR) + QLatin1Char('/') + relative;
}

/// Runs a command with `input` on its standard input; exit code, output in *output.
int runWithInput(const QString& program, const QStringList& args, const QByteArray& input,
                 QByteArray* output) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForStarted(5000))
        return -1;
    p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(30000);
    *output = p.readAll();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

} // namespace

class TestPrometheus : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void expositionPassesPromtool();
    void alertRulesPassPromtool();
    void prometheusScrapesWhatWeHold();
    void backpressureFollowsPending();
    void rulesAndDashboardUseOurMetrics();

private:
    /// The value of an instant PromQL query with one result; nullopt when it has none (yet).
    std::optional<double> query(const QString& promql);
    Status startPrometheus();

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<Connection> m_conn;
    std::unique_ptr<js::JetStream> m_js;
    std::unique_ptr<js::ConsumerMonitor> m_monitor;
    std::shared_ptr<js::RedeliveryTracker> m_tracker;
    std::unique_ptr<MetricsRegistry> m_registry;
    std::unique_ptr<MetricsServer> m_endpoint;
    QTemporaryDir m_promDir;
    QProcess m_prometheus;
    quint16 m_promPort = 0;
    QString m_promtool;
};

void TestPrometheus::initTestCase() {
    m_promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    QVERIFY2(!m_promtool.isEmpty() &&
                 !QStandardPaths::findExecutable(QStringLiteral("prometheus")).isEmpty(),
             "prometheus and promtool are needed: apt-get install prometheus "
             "(./packaging/setup.sh deps installs it)");
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    {
        const Status s = m_server->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    Options o = test::optionsFor(m_server->url());
    o.pingIntervalMs = 600000; // only the test's own PINGs feed the ping_rtt probe
    m_conn = std::make_unique<Connection>(o);
    {
        const Status s = m_conn->connectSync(5000);
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    m_js = std::make_unique<js::JetStream>(m_conn.get());
    js::StreamConfig sc;
    sc.name = QStringLiteral("ORD");
    sc.subjects = {QStringLiteral("ord.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(sc).ok());
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("W");
    cc.ackPolicy = js::AckPolicy::Explicit;
    QVERIFY(m_js->addConsumer(QStringLiteral("ORD"), cc).ok());

    m_registry = std::make_unique<MetricsRegistry>();
    m_registry->addConnection(QStringLiteral("main"), m_conn.get());
    m_monitor = std::make_unique<js::ConsumerMonitor>(*m_js, QStringLiteral("ORD"),
                                                      QStringLiteral("W"), 200);
    m_monitor->start();
    m_tracker = std::make_shared<js::RedeliveryTracker>(QStringLiteral("ORD"), QStringLiteral("W"));
    m_registry->addConsumer(m_monitor.get(), m_tracker);
    // What the system monitor and the JSZ rounds give the console: a server as its VARZ says,
    // this account's replicas (from its own STREAM.INFO / CONSUMER.INFO), an ack sample.
    sys::ServerRow server;
    server.id.name = QStringLiteral("n1");
    server.id.cluster = QStringLiteral("c1");
    server.answering = true;
    server.health = sys::Healthz{QStringLiteral("ok"), {}};
    sys::Varz varz;
    varz.connections = 3;
    varz.subscriptions = 12;
    varz.inMsgs = 100;
    varz.outMsgs = 90;
    varz.cpu = 1.5;
    varz.memBytes = 32 << 20;
    varz.jetstream = true;
    varz.js.memory = 1024;
    varz.js.maxMemory = 1 << 30;
    varz.js.apiTotal = 7;
    server.varz = varz;
    m_registry->setServers({server});
    js::JetStreamSnapshot listing;
    listing.streams << m_js->streamInfo(QStringLiteral("ORD")).value();
    listing.consumers[QStringLiteral("ORD")]
        << m_js->consumerInfo(QStringLiteral("ORD"), QStringLiteral("W")).value();
    m_registry->setReplicas(sys::replicaRows(listing));
    m_registry->recordAckSample(QStringLiteral("ORD"), QStringLiteral("W"), 1500, 1);
    m_endpoint = std::make_unique<MetricsServer>(m_registry.get());
    {
        const Status s = m_endpoint->listen(0);
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    QVERIFY(m_promDir.isValid());
}

void TestPrometheus::cleanupTestCase() {
    if (m_prometheus.state() != QProcess::NotRunning) {
        m_prometheus.terminate();
        if (!m_prometheus.waitForFinished(10000)) {
            m_prometheus.kill();
            m_prometheus.waitForFinished(5000);
        }
    }
    if (m_monitor)
        m_monitor->stop();
    if (m_registry && m_monitor)
        m_registry->removeConsumer(QStringLiteral("ORD"), QStringLiteral("W"));
    if (m_registry && m_conn)
        m_registry->removeConnection(m_conn.get());
    m_endpoint.reset();
    m_monitor.reset();
    m_registry.reset();
    if (m_conn)
        m_conn->closeSync();
}

void TestPrometheus::expositionPassesPromtool() {
    for (int i = 0; i < 5; ++i)
        VERIFY_OK(m_conn->flushSync(3000));
    bool ok = false;
    const QByteArray text = httpGet(m_endpoint->port(), "/metrics", &ok);
    QVERIFY2(ok, text.left(300).constData());
    // Per-subscription traffic: the request muxer's inbox carries the monitor's polls.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_registry->prometheusText().contains(
            "jetdeck_nats_subscription_messages_total{connection=\"main\",subject=\"_INBOX."),
        5000);
    QByteArray out;
    const int code =
        runWithInput(m_promtool, {QStringLiteral("check"), QStringLiteral("metrics")}, text, &out);
    QVERIFY2(code == 0, qPrintable(QStringLiteral("promtool check metrics: %1\n%2")
                                       .arg(code)
                                       .arg(QString::fromUtf8(out))));
}

void TestPrometheus::alertRulesPassPromtool() {
    QByteArray out;
    const int code =
        test::run(m_promtool,
                  {QStringLiteral("check"), QStringLiteral("rules"),
                   sourceFile(QStringLiteral("resources/prometheus/jetdeck-alerts.yml"))},
                  &out);
    QVERIFY2(code == 0, out.constData());
    QVERIFY2(out.contains("SUCCESS"), out.constData());
}

Status TestPrometheus::startPrometheus() {
    m_promPort = NatsServerProcess::freePort();
    const QString config = m_promDir.filePath(QStringLiteral("prometheus.yml"));
    QFile f(config);
    if (!f.open(QIODevice::WriteOnly))
        return Error{ErrorKind::InvalidArgument, QStringLiteral("cannot write %1").arg(config)};
    f.write(QStringLiteral("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                           "rule_files:\n  - '%1'\n"
                           "scrape_configs:\n  - job_name: jetdeck\n    static_configs:\n"
                           "      - targets: ['127.0.0.1:%2']\n")
                .arg(sourceFile(QStringLiteral("resources/prometheus/jetdeck-alerts.yml")))
                .arg(m_endpoint->port())
                .toUtf8());
    f.close();
    m_prometheus.setProcessChannelMode(QProcess::MergedChannels);
    m_prometheus.start(
        QStringLiteral("prometheus"),
        {QStringLiteral("--config.file=") + config,
         QStringLiteral("--storage.tsdb.path=") + m_promDir.filePath(QStringLiteral("data")),
         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_promPort),
         QStringLiteral("--log.level=warn")});
    if (!m_prometheus.waitForStarted(10000))
        return Error{ErrorKind::InvalidArgument, QStringLiteral("prometheus did not start")};
    const bool ready = QTest::qWaitFor(
        [&] {
            bool ok = false;
            httpGet(m_promPort, "/-/ready", &ok);
            return ok || m_prometheus.state() == QProcess::NotRunning;
        },
        30000);
    if (!ready || m_prometheus.state() == QProcess::NotRunning)
        return Error{ErrorKind::Timeout, QStringLiteral("prometheus not ready: %1")
                                             .arg(QString::fromUtf8(m_prometheus.readAll()))};
    return {};
}

std::optional<double> TestPrometheus::query(const QString& promql) {
    bool ok = false;
    const QByteArray body =
        httpGet(m_promPort, "/api/v1/query?query=" + QUrl::toPercentEncoding(promql), &ok);
    if (!ok)
        return std::nullopt;
    const QJsonArray result = QJsonDocument::fromJson(body)
                                  .object()
                                  .value(QStringLiteral("data"))
                                  .toObject()
                                  .value(QStringLiteral("result"))
                                  .toArray();
    if (result.size() != 1)
        return std::nullopt;
    return result[0]
        .toObject()
        .value(QStringLiteral("value"))
        .toArray()
        .at(1)
        .toString()
        .toDouble();
}

void TestPrometheus::prometheusScrapesWhatWeHold() {
    // Known, settled numbers: 37 messages waiting for the consumer, 20 PING round trips.
    for (int i = 0; i < 37; ++i)
        QVERIFY(m_js->publish("ord.new", QByteArray(QByteArray("order ") + QByteArray::number(i)))
                    .ok());
    QTRY_COMPARE_WITH_TIMEOUT(m_monitor->latest().numPending, qint64(37), kWaitMs);
    for (int i = 0; i < 20; ++i)
        VERIFY_OK(m_conn->flushSync(3000));
    // The histograms count samples once their slot is folded (two 2 s slots later): a clock
    // property, so a clock wait; afterwards the count holds still for the scrape to compare.
    QTest::qWait(2 * WindowedHistogram::kSlotMs + 2 * MetricsRegistry::kTickMs);
    const auto ping = m_registry->probe(QString::fromLatin1(probe::PingRtt),
                                        {{QStringLiteral("connection"), QStringLiteral("main")}});
    const quint64 pings = ping->buckets().count;
    QVERIFY2(pings >= 25, qPrintable(QString::number(pings))); // + the handshake and earlier ones
    const auto p95 = m_registry->probeSnapshot(
        QString::fromLatin1(probe::PingRtt),
        {{QStringLiteral("connection"), QStringLiteral("main")}}, Window::Last1m);
    QVERIFY(p95 && p95->percentiles.count > 0);

    {
        const Status s = startPrometheus();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("up{job=\"jetdeck\"}")),
                              std::optional<double>(1), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        query(QStringLiteral(
            "jetdeck_jetstream_consumer_pending_messages{stream=\"ORD\",consumer=\"W\"}")),
        std::optional<double>(37), kWaitMs);
    QCOMPARE(m_registry->consumers().value(0).info->numPending, qint64(37));
    QCOMPARE(query(QStringLiteral("jetdeck_nats_connection_status{connection=\"main\"}")),
             std::optional<double>(1));
    QCOMPARE(query(QStringLiteral("jetdeck_latency_seconds_count{probe=\"ping_rtt\","
                                  "connection=\"main\"}")),
             std::optional<double>(double(pings)));
    const auto scrapedP95 = query(QStringLiteral("jetdeck_latency_window_seconds{probe=\"ping_"
                                                 "rtt\",connection=\"main\",percentile=\"95\"}"));
    QVERIFY(scrapedP95);
    QCOMPARE(qRound64(*scrapedP95 * 1e6), qint64(p95->percentiles.p95));
    // A counter that moves (the monitor's CONSUMER.INFO requests): between what it was before
    // the last scrape and what it is now.
    const quint64 early = m_conn->health().published;
    QTest::qWait(1500);
    const auto published =
        query(QStringLiteral("jetdeck_nats_published_total{connection=\"main\"}"));
    const quint64 late = m_conn->health().published;
    QVERIFY(published);
    QVERIFY2(*published >= double(early) && *published <= double(late),
             qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(*published).arg(early).arg(late)));
    QCOMPARE(query(QStringLiteral("jetdeck_backpressure_status{stream=\"ORD\",consumer=\"W\"}")),
             std::optional<double>(0));

    // The shipped alert rules loaded and evaluate.
    bool ok = false;
    const QByteArray rules = httpGet(m_promPort, "/api/v1/rules", &ok);
    QVERIFY(ok);
    const QJsonArray groups = QJsonDocument::fromJson(rules)
                                  .object()
                                  .value(QStringLiteral("data"))
                                  .toObject()
                                  .value(QStringLiteral("groups"))
                                  .toArray();
    QCOMPARE(groups.size(), 4);
    for (const QJsonValue& g : groups)
        for (const QJsonValue& r : g.toObject().value(QStringLiteral("rules")).toArray())
            QVERIFY2(r.toObject().value(QStringLiteral("health")).toString() !=
                         QLatin1String("err"),
                     qPrintable(r.toObject().value(QStringLiteral("lastError")).toString()));
}

void TestPrometheus::backpressureFollowsPending() {
    BackpressureThresholds t;
    t.pendingWarn = 50;
    t.pendingCritical = 150;
    m_registry->setThresholds(t);
    QList<BackpressureStatus> seen;
    connect(m_registry.get(), &MetricsRegistry::backpressureChanged, this,
            [&](const QString& stream, const QString& consumer, const BackpressureStatus& s) {
                if (stream == QLatin1String("ORD") && consumer == QLatin1String("W"))
                    seen.append(s);
            });
    auto level = [&] { return m_registry->consumers().value(0).backpressure; };

    for (int i = 0; i < 63; ++i) // 37 + 63 = 100 pending
        QVERIFY(m_js->publish("ord.new", "more").ok());
    QTRY_COMPARE_WITH_TIMEOUT(level().level, BackpressureLevel::Warn, kWaitMs);
    QCOMPARE(level().reason, QStringLiteral("num_pending 100 > 50"));
    // Changes are announced on the registry's tick (250 ms) and the monitor samples every
    // 200 ms: a level that lasts less than one tick may never be announced, so wait for it
    // before moving on.
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), qsizetype(1), kWaitMs);

    for (int i = 0; i < 100; ++i) // 200 pending
        QVERIFY(m_js->publish("ord.new", "more").ok());
    QTRY_COMPARE_WITH_TIMEOUT(level().level, BackpressureLevel::Critical, kWaitMs);
    QCOMPARE(level().reason, QStringLiteral("num_pending 200 > 150"));
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), qsizetype(2), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        query(QStringLiteral("jetdeck_backpressure_status{stream=\"ORD\",consumer=\"W\"}")),
        std::optional<double>(2), kWaitMs);

    // Drain: fetch and ack everything; the processing probe gets every ack.
    js::PullConsumer pull(*m_js, QStringLiteral("ORD"), QStringLiteral("W"), m_tracker);
    int acked = 0;
    while (acked < 200) {
        js::FetchOptions fo;
        fo.batch = 50;
        fo.expiresMs = 2000;
        auto batch = pull.fetch(fo);
        QVERIFY2(batch.ok(), qPrintable(batch.error().toString()));
        for (js::JsMessage& m : batch.value().messages) {
            VERIFY_OK(m.ack());
            ++acked;
        }
    }
    VERIFY_OK(m_conn->flushSync(3000));
    QTRY_COMPARE_WITH_TIMEOUT(level().level, BackpressureLevel::Ok, kWaitMs);
    QCOMPARE(level().reason.left(13), QStringLiteral("num_pending 0"));
    // Processing samples from the acks (snapshots are cached for one registry tick).
    QTRY_COMPARE_WITH_TIMEOUT(m_registry->consumers().value(0).processing.count, quint64(200),
                              kWaitMs);
    QVERIFY(level().p95Ms.has_value());
    // ... and per subject, judged on its processing P95 alone.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const SubjectMetrics& s : m_registry->subjects())
                if (s.subject == QLatin1String("ord.new"))
                    return s.processing.count == 200 &&
                           s.backpressure.level == BackpressureLevel::Ok;
            return false;
        }(),
        kWaitMs);

    // Every change was announced, in order (on the registry's next tick).
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), qsizetype(3), kWaitMs);
    QList<BackpressureLevel> levels;
    QStringList reasons;
    for (const BackpressureStatus& s : std::as_const(seen)) {
        levels.append(s.level);
        reasons << backpressureLevelName(s.level) + QStringLiteral(": ") + s.reason;
    }
    qInfo("backpressure changes: %s", qPrintable(reasons.join(QStringLiteral(" | "))));
    QCOMPARE(levels, QList<BackpressureLevel>({BackpressureLevel::Warn, BackpressureLevel::Critical,
                                               BackpressureLevel::Ok}));
    QTRY_COMPARE_WITH_TIMEOUT(
        query(QStringLiteral("jetdeck_backpressure_status{stream=\"ORD\",consumer=\"W\"}")),
        std::optional<double>(0), kWaitMs);
    QCOMPARE(query(QStringLiteral(
                 "max_over_time(jetdeck_backpressure_status{stream=\"ORD\",consumer=\"W\"}[5m])")),
             std::optional<double>(2));
}

void TestPrometheus::rulesAndDashboardUseOurMetrics() {
    // Every metric the alert rules and the dashboard name is one JetDeck exports.
    const QByteArray exposition = m_registry->prometheusText();
    QSet<QString> families;
    for (const QByteArray& line : exposition.split('\n'))
        if (line.startsWith("# TYPE "))
            families.insert(QString::fromUtf8(line.split(' ').value(2)));
    const QRegularExpression name(QStringLiteral("jetdeck_[a-z0-9_]+"));
    for (const QString& file : {QStringLiteral("resources/prometheus/jetdeck-alerts.yml"),
                                QStringLiteral("resources/grafana/jetdeck-dashboard.json")}) {
        QFile f(sourceFile(file));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(file));
        const QString text = QString::fromUtf8(f.readAll());
        if (file.endsWith(QLatin1String(".json")))
            QVERIFY2(QJsonDocument::fromJson(text.toUtf8()).isObject(), "dashboard is not JSON");
        int names = 0;
        for (auto it = name.globalMatch(text); it.hasNext();) {
            QString n = it.next().captured();
            if (n == QLatin1String("jetdeck_overview"))
                continue;
            for (const char* suffix : {"_bucket", "_sum", "_count"})
                if (n.endsWith(QLatin1String(suffix)) &&
                    families.contains(n.chopped(int(strlen(suffix)))))
                    n.chop(int(strlen(suffix)));
            QVERIFY2(families.contains(n), qPrintable(file + QStringLiteral(": ") + n));
            ++names;
        }
        QVERIFY(names >= 8);
    }
}

QTEST_GUILESS_MAIN(TestPrometheus)
#include "tst_prometheus.moc"
