// Watching must not load the cluster: against a real server with 2,000 durable consumers on 200
// streams, what JetDeck sends on its own (the stream listing, the consumer monitors,
// jetdeck-cli serve-metrics) stays within the request budget, counted by the server itself
// (/varz jetstream.stats.api.total), and a listing the budget lets finish equals the server's
// own /jsz. Before the budget, serve-metrics sent one CONSUMER.INFO per consumer a second
// (2,000/s here) and the streams page one CONSUMER.LIST per stream every 2 s.
#include "core/demo/demosession.h"
#include "core/jetstream/consumermonitor.h"
#include "core/jetstream/lister.h"
#include "core/system/accountlister.h"
#include "tests/support/testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

constexpr int kStreams = 200;
constexpr int kConsumersPerStream = 10;

} // namespace

class TestBudget : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void listerStaysWithinBudget();
    void listingEqualsServer();
    void throughTheSystemAccountInOneRound();
    void monitorSkipsWhatBudgetRefuses();
    void serveMetricsStaysWithinBudget();

private:
    /// JetStream API requests the server has answered so far, by its own count.
    quint64 apiTotal();
    QJsonObject monitor(const QByteArray& path);

    std::unique_ptr<NatsServerProcess> m_server;
    quint16 m_monitorPort = 0;
    std::unique_ptr<Connection> m_conn;
};

QJsonObject TestBudget::monitor(const QByteArray& path) {
    bool ok = false;
    const QByteArray body = httpGet(m_monitorPort, path, &ok);
    return ok ? QJsonDocument::fromJson(body).object() : QJsonObject();
}

quint64 TestBudget::apiTotal() {
    const QJsonObject api = monitor("/varz")
                                .value(QStringLiteral("jetstream"))
                                .toObject()
                                .value(QStringLiteral("stats"))
                                .toObject()
                                .value(QStringLiteral("api"))
                                .toObject();
    return quint64(api.value(QStringLiteral("total")).toDouble(-1));
}

void TestBudget::initTestCase() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    cfg.monitorPort = NatsServerProcess::freePort();
    // A system account beside the application's; clients without credentials are the latter's.
    cfg.extraConfig = DemoSession::accountsConfig(QStringLiteral("sys"));
    m_monitorPort = cfg.monitorPort;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status started = m_server->start();
    QVERIFY2(started.ok(), qPrintable(started.toString()));
    m_conn = std::make_unique<Connection>(optionsFor(m_server->url()));
    QVERIFY(m_conn->connectSync(5000).ok());
    const js::JetStream js(m_conn.get());
    QElapsedTimer t;
    t.start();
    for (int s = 0; s < kStreams; ++s) {
        js::StreamConfig sc;
        sc.name = QStringLiteral("S%1").arg(s);
        sc.subjects = {QStringLiteral("s%1.>").arg(s)};
        sc.storage = js::StorageType::Memory;
        auto added = js.addStream(sc);
        QVERIFY2(added, qPrintable(added.error().toString()));
        for (int c = 0; c < kConsumersPerStream; ++c) {
            js::ConsumerConfig cc;
            cc.durableName = QStringLiteral("C%1").arg(c);
            cc.ackPolicy = js::AckPolicy::Explicit;
            auto consumer = js.addConsumer(sc.name, cc);
            QVERIFY2(consumer, qPrintable(consumer.error().toString()));
        }
    }
    qInfo("%d streams with %d consumers each made in %lld ms", kStreams, kConsumersPerStream,
          t.elapsed());
}

void TestBudget::cleanupTestCase() {
    if (m_conn)
        m_conn->closeSync();
    m_conn.reset();
    m_server.reset();
}

void TestBudget::listerStaysWithinBudget() {
    // 20 requests a second for everything, half of it for the listing: 10 a second, and a round
    // of 201 requests (one STREAM.LIST page, a CONSUMER.LIST per stream) takes 20 s.
    RequestBudget budget(20);
    js::JetStreamLister lister(js::JetStream(m_conn.get()), &budget);
    QCOMPARE(lister.maxRate(), 10.0);
    const quint64 before = apiTotal();
    QElapsedTimer t;
    t.start();
    lister.start();
    QTest::qWait(6000);
    lister.stop();
    const double seconds = double(t.elapsed()) / 1000.0;
    QTest::qWait(200); // answers still on their way are counted too
    const quint64 sent = apiTotal() - before;
    qInfo("the lister sent %llu API requests in %.1f s (at most %.0f/s)", sent, seconds,
          lister.maxRate());
    // One request every 100 ms from the first one on, counted by the server.
    QVERIFY2(double(sent) <= seconds * lister.maxRate() + 1,
             qPrintable(QStringLiteral("%1 requests in %2 s").arg(sent).arg(seconds)));
    // And it did work at its pace, not stall: most of the allowed requests went out.
    QVERIFY2(double(sent) >= seconds * lister.maxRate() * 0.7,
             qPrintable(QStringLiteral("only %1 requests in %2 s").arg(sent).arg(seconds)));
    QVERIFY(budget.taken() >= double(sent));
}

void TestBudget::listingEqualsServer() {
    // With a budget that covers a round in a second, a listing ends; it has what /jsz counts.
    RequestBudget budget(400);
    js::JetStreamLister lister(js::JetStream(m_conn.get()), &budget);
    QList<Result<js::JetStreamSnapshot>> results;
    connect(&lister, &js::JetStreamLister::listed, this,
            [&](const Result<js::JetStreamSnapshot>& r) { results.append(r); });
    lister.start();
    QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 20000);
    lister.stop();
    QVERIFY2(results.first(), qPrintable(results.first().error().toString()));
    const js::JetStreamSnapshot& snap = results.first().value();
    const QJsonObject jsz = monitor("/jsz");
    QCOMPARE(snap.streams.size(), qsizetype(jsz.value(QStringLiteral("streams")).toDouble()));
    int consumers = 0;
    for (const auto& list : snap.consumers)
        consumers += int(list.size());
    QCOMPARE(consumers, int(jsz.value(QStringLiteral("consumers")).toDouble()));
    QCOMPARE(consumers, kStreams * kConsumersPerStream);
    // One STREAM.LIST page (256 a page) and a CONSUMER.LIST per stream.
    QCOMPARE(snap.requests, 1 + kStreams);
    QVERIFY(snap.taken.isValid());
    qInfo("a whole listing: %d requests in %lld ms", snap.requests, snap.tookMs);
    // Paced at 200 a second (half of 400): not faster.
    QVERIFY2(snap.tookMs >= (snap.requests - 1) * 1000 / 200 - 50,
             qPrintable(QString::number(snap.tookMs)));
}

void TestBudget::throughTheSystemAccountInOneRound() {
    // With a user of the system account beside the connection: one JSZ fan-out (one request
    // for this one server) and the account's INFO per round, whatever the number of consumers.
    auto o = Options::fromUrls(m_server->url());
    QVERIFY(o.ok());
    Options sysOptions = o.value();
    sysOptions.auth.user = QStringLiteral("sys");
    sysOptions.auth.password = QStringLiteral("sys");
    Connection sys(sysOptions);
    QVERIFY(sys.connectSync(5000).ok());
    RequestBudget budget(20);
    sys::AccountLister lister(&sys, js::JetStream(m_conn.get()), &budget);
    QList<Result<js::JetStreamSnapshot>> results;
    connect(&lister, &sys::AccountLister::listed, this,
            [&](const Result<js::JetStreamSnapshot>& r) { results.append(r); });
    const quint64 before = apiTotal();
    QElapsedTimer t;
    t.start();
    lister.start();
    QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 10000);
    const qint64 firstMs = t.elapsed();
    QVERIFY2(results.first(), qPrintable(results.first().error().toString()));
    QCOMPARE(lister.account(), QStringLiteral("DEMO"));
    const js::JetStreamSnapshot& snap = results.first().value();
    QVERIFY(snap.throughSystem);
    QCOMPARE(snap.requests, 2);
    QVERIFY(snap.account.has_value());
    // Everything /jsz counts, with the consumers' own numbers.
    const QJsonObject jsz = monitor("/jsz");
    QCOMPARE(snap.streams.size(), qsizetype(jsz.value(QStringLiteral("streams")).toDouble()));
    int consumers = 0;
    for (const auto& list : snap.consumers)
        consumers += int(list.size());
    QCOMPARE(consumers, kStreams * kConsumersPerStream);
    for (const js::StreamInfo& s : snap.streams) {
        QVERIFY2(!s.config.subjects.isEmpty(), qPrintable(s.config.name)); // configs included
        QCOMPARE(snap.consumers.value(s.config.name).size(), kConsumersPerStream);
    }
    qInfo("%d consumers on %lld streams listed through the system account %lld ms after the "
          "start, the round in %lld ms",
          consumers, qint64(snap.streams.size()), firstMs, snap.tookMs);
    // Ten seconds of it: a round every 2 s (or more when the rounds are slow), and the server
    // answers one JetStream API request (INFO) per round.
    QTest::qWait(10000);
    lister.stop();
    const double seconds = double(t.elapsed()) / 1000.0;
    QTest::qWait(200);
    const quint64 sent = apiTotal() - before;
    qInfo("%lld rounds in %.1f s; the server answered %llu JetStream API requests",
          qint64(results.size()), seconds, sent);
    QVERIFY2(results.size() <= int(seconds / 2.0) + 1, qPrintable(QString::number(results.size())));
    QVERIFY2(sent <= quint64(results.size()) + 1,
             qPrintable(QStringLiteral("%1 requests for %2 rounds").arg(sent).arg(results.size())));
    // Two tokens a round (one server, the INFO) and one for finding the account; the round
    // in flight when the lister stopped was paid for too, its answer dropped.
    QVERIFY2(budget.taken() <= 2.0 * double(results.size() + 1) + 1,
             qPrintable(
                 QStringLiteral("%1 taken for %2 rounds").arg(budget.taken()).arg(results.size())));

    // Outside the system account, the lister says so and lists nothing.
    sys::AccountLister outside(m_conn.get(), js::JetStream(m_conn.get()), &budget);
    QSignalSpy unavailable(&outside, &sys::AccountLister::unavailable);
    outside.start();
    QTRY_COMPARE_WITH_TIMEOUT(unavailable.size(), 1, 5000);
    QVERIFY(!outside.isAvailable());
}

void TestBudget::monitorSkipsWhatBudgetRefuses() {
    // Asked every 100 ms for 3 s, with 2 requests a second allowed: what is refused is not sent.
    RequestBudget budget(2);
    js::ConsumerMonitor monitor(js::JetStream(m_conn.get()), QStringLiteral("S0"),
                                QStringLiteral("C0"), 100);
    monitor.setBudget(&budget);
    const quint64 before = apiTotal();
    QElapsedTimer t;
    t.start();
    monitor.start();
    QTest::qWait(3000);
    monitor.stop();
    const double seconds = double(t.elapsed()) / 1000.0;
    QTest::qWait(200);
    const quint64 sent = apiTotal() - before;
    qInfo("the monitor sent %llu requests in %.1f s, skipped %d polls", sent, seconds,
          monitor.skippedPolls());
    // A full bucket (2) at the start, then 2 a second.
    QVERIFY2(double(sent) <= 2 + seconds * 2 + 1, qPrintable(QString::number(sent)));
    QVERIFY(sent >= 4);
    QVERIFY(monitor.skippedPolls() >= 15);
    QCOMPARE(monitor.latest().numPending, 0);
    QVERIFY(monitor.latest().time.isValid());
}

void TestBudget::serveMetricsStaysWithinBudget() {
    // serve-metrics over every consumer, 20 requests a second: a round of 201 requests takes
    // about 10 s, after which /metrics has every consumer.
    QProcess p;
    p.start(QStringLiteral(JETDECK_CLI_PATH),
            {QStringLiteral("serve-metrics"), QStringLiteral("--metrics-port"), QStringLiteral("0"),
             QStringLiteral("--budget"), QStringLiteral("20"), QStringLiteral("--duration"),
             QStringLiteral("30s"), QStringLiteral("--json"), QStringLiteral("-s"),
             m_server->url()});
    QVERIFY(p.waitForStarted(5000));
    QVERIFY(p.waitForReadyRead(10000));
    const quint64 before = apiTotal();
    QElapsedTimer t;
    t.start();
    const QJsonObject hello = QJsonDocument::fromJson(p.readLine().trimmed()).object();
    QCOMPARE(hello.value(QStringLiteral("budget_per_second")).toDouble(), 20.0);
    const QUrl url(hello.value(QStringLiteral("metrics_url")).toString());
    QVERIFY2(url.isValid() && url.port() > 0, qPrintable(url.toString()));
    auto pendingSeries = [&] {
        bool ok = false;
        const QByteArray page = httpGet(quint16(url.port()), "/metrics", &ok);
        return ok ? int(page.count("\njetdeck_jetstream_consumer_pending_messages{")) : -1;
    };
    QTRY_COMPARE_WITH_TIMEOUT(pendingSeries(), kStreams * kConsumersPerStream, 25000);
    const double seconds = double(t.elapsed()) / 1000.0;
    const quint64 sent = apiTotal() - before;
    qInfo("serve-metrics: every consumer after %.1f s and %llu API requests", seconds, sent);
    // The bucket's second saved up at the start, then 20 a second (the process may have sent
    // a request or two before `before` was read: they are not counted, so no slack for them).
    QVERIFY2(double(sent) <= 20 + seconds * 20,
             qPrintable(QStringLiteral("%1 requests in %2 s").arg(sent).arg(seconds)));
    QVERIFY(seconds >= 201.0 / 20 - 2);
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestBudget)
#include "tst_budget.moc"
