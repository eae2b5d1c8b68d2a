// The fault proxy between a real client and a real nats-server on loopback, each toxic
// measured: latency adds its delay within 20 %, bandwidth holds its rate within 20 %, a
// blackhole makes the client notice a stale connection, a reset makes it reconnect, a slicer
// changes nothing in what is delivered, limit_data closes after its bytes, down refuses
// connections; toxicity 0 leaves connections alone; toxics read from Toxiproxy's JSON.

#include "core/faults/faultproxy.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QTcpSocket>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace jetdeck;
using namespace jetdeck::faults;
using namespace jetdeck::test;

class TestFaults : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void toxicJson_data();
    void toxicJson();
    void latency();
    void toxicityZeroLeavesItAlone();
    void bandwidth();
    void blackholeIsNoticedAsStale();
    void resetPeerReconnects();
    void slicerChangesNothing();
    void limitDataCloses();
    void downRefuses();
    void malformedLineReconnects();
    void stalledReadingHoldsThenDelivers();
    void slowToxicHoldsBoundedMemory();
    void connectionCap();

private:
    /// Median PING round trip (flush) in ms over n rounds.
    double medianRttMs(Connection& c, int n = 9);
    std::unique_ptr<ConnectionThread> connectThroughProxy(Options o = {});

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<FaultProxyThread> m_proxy;
};

void TestFaults::initTestCase() {
    m_server = std::make_unique<NatsServerProcess>();
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestFaults::init() {
    m_proxy = std::make_unique<FaultProxyThread>(QStringLiteral("127.0.0.1"), m_server->port());
    VERIFY_OK(m_proxy->listen());
}

void TestFaults::cleanup() {
    m_proxy.reset();
}

std::unique_ptr<ConnectionThread> TestFaults::connectThroughProxy(Options o) {
    if (o.servers.isEmpty()) {
        o = optionsFor(m_proxy->url());
    }
    auto c = std::make_unique<ConnectionThread>(o);
    const Status s = (*c)->connectSync(5000);
    if (!s.ok())
        qWarning("connect: %s", qPrintable(s.toString()));
    return c;
}

double TestFaults::medianRttMs(Connection& c, int n) {
    QList<double> v;
    for (int i = 0; i < n; ++i) {
        QElapsedTimer t;
        t.start();
        if (!c.flushSync(5000).ok())
            return -1;
        v.append(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void TestFaults::toxicJson_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("latency")
        << QByteArray(
               R"({"name":"lat","type":"latency","stream":"downstream","attributes":{"latency":100,"jitter":10}})")
        << "";
    QTest::newRow("bandwidth")
        << QByteArray(
               R"({"name":"bw","type":"bandwidth","stream":"upstream","toxicity":0.5,"attributes":{"rate":64}})")
        << "";
    QTest::newRow("unknown type") << QByteArray(R"({"name":"x","type":"melt","attributes":{}})")
                                  << "type 'melt' is not one of";
    QTest::newRow("bad stream") << QByteArray(
                                       R"({"name":"x","type":"latency","stream":"sideways"})")
                                << "stream 'sideways'";
    QTest::newRow("no rate") << QByteArray(R"({"name":"x","type":"bandwidth","attributes":{}})")
                             << "rate must be";
    QTest::newRow("toxicity 2") << QByteArray(R"({"name":"x","type":"latency","toxicity":2})")
                                << "toxicity must be 0..1";
    QTest::newRow("slicer variation")
        << QByteArray(
               R"({"name":"s","type":"slicer","attributes":{"average_size":4,"size_variation":4}})")
        << "slicer needs";
    QTest::newRow("no name") << QByteArray(R"({"type":"latency"})") << "give it a name";
}

void TestFaults::toxicJson() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    auto t = Toxic::fromJson(QJsonDocument::fromJson(json).object());
    if (error.isEmpty()) {
        QVERIFY2(t, qPrintable(t.error().toString()));
        auto again = Toxic::fromJson(t->toJson());
        QVERIFY(again);
        QCOMPARE(again->toJson(), t->toJson());
    } else {
        QVERIFY(!t);
        QVERIFY2(t.error().message.contains(error), qPrintable(t.error().message));
    }
}

void TestFaults::latency() {
    auto c = connectThroughProxy();
    QVERIFY((*c)->isConnected());
    const double base = medianRttMs(*c->connection());
    Toxic t;
    t.name = QStringLiteral("slow");
    t.kind = ToxicKind::Latency;
    t.latencyMs = 50;
    VERIFY_OK(m_proxy->addToxic(t));
    const double slowed = medianRttMs(*c->connection());
    const double added = slowed - base;
    qInfo("RTT %.2f ms -> %.2f ms with 50 ms downstream latency", base, slowed);
    QVERIFY2(added >= 40 && added <= 60, qPrintable(QString::number(added)));
    // Both directions: twice the delay.
    t.direction = Direction::Both;
    VERIFY_OK(m_proxy->addToxic(t));
    const double both = medianRttMs(*c->connection()) - base;
    QVERIFY2(both >= 80 && both <= 120, qPrintable(QString::number(both)));
    QVERIFY(m_proxy->toxicStats(QStringLiteral("slow")).bytes > 0);
    // Off: back to normal.
    QVERIFY(m_proxy->setToxicEnabled(QStringLiteral("slow"), false));
    QVERIFY(medianRttMs(*c->connection()) < base + 10);
}

void TestFaults::toxicityZeroLeavesItAlone() {
    Toxic t;
    t.name = QStringLiteral("never");
    t.kind = ToxicKind::Latency;
    t.latencyMs = 200;
    t.toxicity = 0;
    VERIFY_OK(m_proxy->addToxic(t));
    auto c = connectThroughProxy();
    QVERIFY((*c)->isConnected());
    QVERIFY(medianRttMs(*c->connection(), 5) < 50);
    QCOMPARE(m_proxy->toxicStats(QStringLiteral("never")).connections, quint64(0));
}

void TestFaults::bandwidth() {
    auto c = connectThroughProxy();
    QVERIFY((*c)->isConnected());
    Toxic t;
    t.name = QStringLiteral("thin");
    t.kind = ToxicKind::Bandwidth;
    t.direction = Direction::Upstream;
    t.rateBytesPerSec = 200 * 1024;
    VERIFY_OK(m_proxy->addToxic(t));
    const QByteArray payload(1024, 'b');
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 300; ++i) // ~300 KiB with the protocol lines
        VERIFY_OK((*c)->publish("bw.test", payload));
    VERIFY_OK((*c)->flushSync(10000));
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double rate = double(m_proxy->stats().bytesUpstream) / seconds;
    qInfo("%.0f bytes/s through a 204800 bytes/s toxic (%.2f s)", rate, seconds);
    // The proxy's upstream count includes the CONNECT before the toxic; a tiny share.
    QVERIFY2(rate >= 0.8 * 204800 && rate <= 1.2 * 204800, qPrintable(QString::number(rate)));
}

void TestFaults::blackholeIsNoticedAsStale() {
    Options o = optionsFor(m_proxy->url());
    o.pingIntervalMs = 200;
    o.maxPingsOut = 2;
    o.reconnectDelayMs = 100;
    auto c = connectThroughProxy(o);
    QVERIFY((*c)->isConnected());
    Toxic t;
    t.name = QStringLiteral("hole");
    t.kind = ToxicKind::Timeout;
    t.direction = Direction::Both;
    t.timeoutMs = 0; // never closes: only PINGs can tell
    QElapsedTimer timer;
    timer.start();
    VERIFY_OK(m_proxy->addToxic(t));
    QTRY_VERIFY_WITH_TIMEOUT((*c)->state() != ConnectionState::Connected, 3000);
    qInfo("stale connection noticed after %lld ms", qint64(timer.elapsed()));
    QVERIFY((*c)->lastError().toString().contains(QStringLiteral("tale"), Qt::CaseInsensitive));
    // The hole closes: the client comes back by itself.
    QVERIFY(m_proxy->removeToxic(QStringLiteral("hole")));
    QTRY_VERIFY_WITH_TIMEOUT((*c)->isConnected(), 10000);
}

void TestFaults::resetPeerReconnects() {
    Options o = optionsFor(m_proxy->url());
    o.reconnectDelayMs = 100;
    auto c = connectThroughProxy(o);
    QVERIFY((*c)->isConnected());
    const quint64 before = (*c)->health().reconnects;
    Toxic t;
    t.name = QStringLiteral("rst");
    t.kind = ToxicKind::ResetPeer;
    t.direction = Direction::Both;
    t.timeoutMs = 0;
    VERIFY_OK(m_proxy->addToxic(t));
    QTRY_VERIFY_WITH_TIMEOUT((*c)->state() != ConnectionState::Connected, 3000);
    QVERIFY(m_proxy->toxicStats(QStringLiteral("rst")).events >= 1);
    QVERIFY(m_proxy->removeToxic(QStringLiteral("rst")));
    QTRY_VERIFY_WITH_TIMEOUT((*c)->isConnected(), 10000);
    QVERIFY((*c)->health().reconnects > before);
}

void TestFaults::slicerChangesNothing() {
    auto c = connectThroughProxy();
    QVERIFY((*c)->isConnected());
    Toxic t;
    t.name = QStringLiteral("slices");
    t.kind = ToxicKind::Slicer;
    t.direction = Direction::Both;
    t.sliceBytes = 7;
    t.sliceVariation = 3;
    t.sliceDelayUs = 20;
    VERIFY_OK(m_proxy->addToxic(t));
    std::atomic<int> got{0}, bad{0};
    auto sub = (*c)->subscribeInline("slice.>", [&](const MsgView& m) {
        const int n = got.fetch_add(1);
        const QByteArray want =
            QByteArray("message ") + QByteArray::number(n) + QByteArray(n % 50, '.');
        if (m.payload != want || m.subject != QByteArrayView("slice.x"))
            ++bad;
    });
    QVERIFY(sub);
    VERIFY_OK((*c)->flushSync(5000));
    for (int i = 0; i < 500; ++i) {
        Headers h;
        h.append("Seq", QByteArray::number(i));
        const QByteArray body = "message " + QByteArray::number(i) + QByteArray(i % 50, '.');
        VERIFY_OK((*c)->publish("slice.x", h, body));
    }
    VERIFY_OK((*c)->flushSync(20000));
    QTRY_COMPARE_WITH_TIMEOUT(got.load(), 500, 20000);
    QCOMPARE(bad.load(), 0);
    QVERIFY((*c)->isConnected());
    QVERIFY(m_proxy->toxicStats(QStringLiteral("slices")).bytes > 500 * 10);
}

void TestFaults::limitDataCloses() {
    // The limit is per connection (as Toxiproxy's limit_data); without reconnects the
    // toxic's byte count is that one connection's, so it must stop at the limit.
    Options o = optionsFor(m_proxy->url());
    o.allowReconnect = false;
    auto c = connectThroughProxy(o);
    QVERIFY((*c)->isConnected());
    Toxic t;
    t.name = QStringLiteral("cap");
    t.kind = ToxicKind::LimitData;
    t.direction = Direction::Upstream;
    t.limitBytes = 10000;
    VERIFY_OK(m_proxy->addToxic(t));
    const QByteArray payload(100, 'l');
    for (int i = 0; i < 200; ++i)
        (void)(*c)->publish("limit.x", payload);
    QTRY_VERIFY_WITH_TIMEOUT(m_proxy->toxicStats(QStringLiteral("cap")).events >= 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT((*c)->state() == ConnectionState::Disconnected, 5000);
    const quint64 passed = m_proxy->toxicStats(QStringLiteral("cap")).bytes;
    QVERIFY2(passed <= 10000 && passed > 9000, QByteArray::number(passed).constData());
    QCOMPARE(m_proxy->toxicStats(QStringLiteral("cap")).events, quint64(1));
}

void TestFaults::downRefuses() {
    Options o = optionsFor(m_proxy->url());
    o.reconnectDelayMs = 100;
    auto c = connectThroughProxy(o);
    QVERIFY((*c)->isConnected());
    m_proxy->setDown(true);
    QTRY_VERIFY_WITH_TIMEOUT((*c)->state() == ConnectionState::Reconnecting, 3000);
    // Attempts meet a closed port.
    QVERIFY(holdsFor(500, [&] { return (*c)->state() != ConnectionState::Connected; }));
    m_proxy->setDown(false);
    QTRY_VERIFY_WITH_TIMEOUT((*c)->isConnected(), 10000);
    QCOMPARE(m_proxy->stats().connectionsOpen, 1);
}

void TestFaults::malformedLineReconnects() {
    Options o = optionsFor(m_server->url());
    o.reconnectDelayMs = 100;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync(5000));
    c->injectRaw("JETDECK GARBAGE\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(c->health().reconnects >= 1 && c->isConnected(), 10000);
    bool sawErr = false;
    for (const ConnectionEvent& e : c->events())
        sawErr = sawErr || e.message.contains(QStringLiteral("Unknown Protocol Operation"),
                                              Qt::CaseInsensitive);
    QVERIFY2(sawErr, "the server's -ERR is in the events");
}

void TestFaults::stalledReadingHoldsThenDelivers() {
    ConnectionThread sub(optionsFor(m_server->url()));
    VERIFY_OK(sub->connectSync(5000));
    std::atomic<int> got{0};
    auto s = sub->subscribeInline("stall.x", [&](const MsgView&) { ++got; });
    QVERIFY(s);
    VERIFY_OK(sub->flushSync(5000));
    ConnectionThread pub(optionsFor(m_server->url()));
    VERIFY_OK(pub->connectSync(5000));
    const qsizetype eventsBefore = sub->events().size();
    sub->stallReading(1500); // applied on the connection's thread: wait until it is
    QTRY_VERIFY([&] {
        const QList<ConnectionEvent> events = sub->events().mid(eventsBefore);
        return std::any_of(events.cbegin(), events.cend(), [](const ConnectionEvent& e) {
            return e.message.startsWith(QLatin1String("reading stalled"));
        });
    }());
    for (int i = 0; i < 100; ++i)
        VERIFY_OK(pub->publish("stall.x", "held"));
    VERIFY_OK(pub->flushSync(5000));
    QVERIFY(holdsFor(500, [&] { return got.load() == 0; })); // nothing read while stalled
    QTRY_COMPARE_WITH_TIMEOUT(got.load(), 100, 5000);
    QVERIFY(sub->isConnected());
}

void TestFaults::slowToxicHoldsBoundedMemory() {
    // A 1 KiB/s bandwidth toxic under a publisher that writes as fast as it can: the proxy
    // holds at most its backlog limit and stops reading the client, whose own socket backs up,
    // instead of taking in everything.
    Options o = optionsFor(m_proxy->url());
    o.writeBufferLimit = 64 * 1024 * 1024;
    o.closeWriteTimeoutMs = 200; // at the end: what the proxy does not take is not waited for
    auto c = connectThroughProxy(o);
    QVERIFY((*c)->isConnected());
    Toxic t;
    t.name = QStringLiteral("trickle");
    t.kind = ToxicKind::Bandwidth;
    t.direction = Direction::Upstream;
    t.rateBytesPerSec = 1024;
    VERIFY_OK(m_proxy->addToxic(t));
    const QByteArray payload(64 * 1024, 'm');
    for (int i = 0; i < 400; ++i) // 25 MiB
        VERIFY_OK((*c)->publish("bw.flood", payload));
    QTRY_VERIFY_WITH_TIMEOUT((*c)->health().bufferedBytes == 0, 10000);
    // For a second more the proxy keeps reading at the toxic's pace and holds no more.
    QVERIFY(holdsFor(1000, [&] {
        return m_proxy->stats().peakBufferedBytes <= FaultProxy::kMaxBacklogBytes + 1024 * 1024;
    }));
    const ProxyStats st = m_proxy->stats();
    qInfo("proxy holds %lld bytes (peak %lld) with 25 MiB published", st.bufferedBytes,
          st.peakBufferedBytes);
    // The limit plus at most one read that crossed it.
    QVERIFY2(st.peakBufferedBytes <= FaultProxy::kMaxBacklogBytes + 1024 * 1024,
             qPrintable(QString::number(st.peakBufferedBytes)));
    QVERIFY(st.peakBufferedBytes > 0);
    // What the proxy did not take waits in the client (its socket), not in the proxy.
    QVERIFY(st.bytesUpstream < quint64(2 * 1024 * 1024));
    // Dropping the connections frees what the proxy held.
    m_proxy->call([](FaultProxy& p) { p.dropConnections(); });
    QTRY_COMPARE(m_proxy->stats().bufferedBytes, qint64(0));
}

void TestFaults::connectionCap() {
    // Beyond the cap the proxy refuses connections instead of taking every one.
    m_proxy->call([](FaultProxy& p) { p.setMaxConnections(3); });
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 5; ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        sockets.back()->connectToHost(QHostAddress::LocalHost, m_proxy->port());
        QVERIFY(sockets.back()->waitForConnected(3000));
    }
    QTRY_COMPARE(m_proxy->stats().refused, quint64(2));
    QCOMPARE(m_proxy->stats().connectionsOpen, 3);
    sockets.clear();
    QTRY_COMPARE(m_proxy->stats().connectionsOpen, 0);
    auto c = connectThroughProxy();
    QVERIFY((*c)->isConnected());
}

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
