// The outbound queue (publishes held while disconnected) and the reconnect backoff policy,
// without a network: time is injected as `nowMs`, jitter as `unit`.
#include "core/client/backoff.h"
#include "core/client/outboundqueue.h"
#include "tests/support/verify.h"

#include <QtTest>

using namespace jetdeck;

namespace {

using Kind = OutboundQueue::Kind;

OutboundQueue makeQueue(int maxOps, qint64 maxBytes, qint64 timeoutMs = 60000,
                        bool failOpen = false) {
    OutboundQueue q;
    OutboundQueue::Limits l;
    l.maxOps = maxOps;
    l.maxBytes = maxBytes;
    l.timeoutMs = timeoutMs;
    l.failOpen = failOpen;
    q.setLimits(l);
    return q;
}

/// A frame of exactly `size` bytes whose first byte tells which operation it was.
QByteArray frame(char tag, qsizetype size = 10) {
    QByteArray f(size, '.');
    f[0] = tag;
    return f;
}

QByteArray subject(int i) {
    return "s." + QByteArray::number(i);
}

QList<QByteArray> subjects(const OutboundQueue& q, qint64 nowMs = 0) {
    QList<QByteArray> out;
    for (const OutboundQueue::Entry& e : q.entries(nowMs))
        out.append(e.subject);
    return out;
}

/// Every accepted operation is in exactly one place.
void checkAccounting(const OutboundQueue& q) {
    const auto& c = q.counters();
    QCOMPARE(c.queued, c.flushed + c.expired + c.dropped + quint64(q.depth()));
}

} // namespace

class TestOutboundQueue : public QObject {
    Q_OBJECT
private slots:
    void failClosedOverflow_data();
    void failClosedOverflow();
    void failOpenDropsOldestData();
    void failOpenEvictsSeveralForABigOp();
    void controlEvictsDataEvenFailClosed();
    void controlNeverEvictsControl();
    void controlBeforeDataInTakeAll();
    void expiryAtTheBoundary_data();
    void expiryAtTheBoundary();
    void enqueueExpiresFirst();
    void zeroTimeoutNeverExpires();
    void takeAllCountsFlushedOpsAndBytes();
    void dropAll();
    void oldestAgeMs();
    void entriesOrderAndMax();
    void opLargerThanMaxBytes_data();
    void opLargerThanMaxBytes();
    void salvagedCountsDroppedNotRejected();
    void zeroMaxOpsRejectsEverything();

    void backoffBaseGrowthAndCap_data();
    void backoffBaseGrowthAndCap();
    void backoffJitterBounds_data();
    void backoffJitterBounds();
    void backoffRandomJitterStaysInBounds();
};

// --- outbound queue ------------------------------------------------------------------------

void TestOutboundQueue::failClosedOverflow_data() {
    QTest::addColumn<int>("maxOps");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<int>("frameSize");
    QTest::addColumn<int>("fitting");
    QTest::addColumn<QString>("limitsText");
    QTest::newRow("by operations")
        << 3 << qint64(1000) << 10 << 3 << QStringLiteral("limits 3 / 1000");
    QTest::newRow("by bytes") << 100 << qint64(100) << 40 << 2
                              << QStringLiteral("limits 100 / 100");
    QTest::newRow("bytes exactly full")
        << 100 << qint64(100) << 25 << 4 << QStringLiteral("limits 100 / 100");
}

void TestOutboundQueue::failClosedOverflow() {
    QFETCH(int, maxOps);
    QFETCH(qint64, maxBytes);
    QFETCH(int, frameSize);
    QFETCH(int, fitting);
    QFETCH(QString, limitsText);
    OutboundQueue q = makeQueue(maxOps, maxBytes);
    for (int i = 0; i < fitting; ++i) {
        const auto o = q.enqueue(Kind::Data, subject(i), frame('d', frameSize), 0, frameSize);
        QVERIFY(o.accepted);
        QCOMPARE(o.evicted, 0);
        VERIFY_OK(o.error);
    }
    const auto o = q.enqueue(Kind::Data, subject(99), frame('x', frameSize), 0, frameSize);
    QVERIFY(!o.accepted);
    QCOMPARE(o.evicted, 0);
    QCOMPARE(o.error.kind, ErrorKind::QueueFull);
    QVERIFY2(o.error.message.contains(limitsText), qPrintable(o.error.message));
    QVERIFY2(o.error.message.contains(QStringLiteral("'s.99'")), qPrintable(o.error.message));
    QCOMPARE(q.counters().rejected, 1u);
    QCOMPARE(q.counters().queued, quint64(fitting));
    QCOMPARE(q.counters().dropped, 0u);
    QCOMPARE(q.depth(), qsizetype(fitting));
    QCOMPARE(q.bytes(), qint64(fitting) * frameSize);
    // The queue kept the oldest: the rejected one is not in it.
    QCOMPARE(subjects(q).first(), QByteArray("s.0"));
    QVERIFY(!subjects(q).contains("s.99"));
    checkAccounting(q);
}

void TestOutboundQueue::failOpenDropsOldestData() {
    OutboundQueue q = makeQueue(3, 1000, 60000, true);
    for (int i = 0; i < 3; ++i)
        QVERIFY(q.enqueue(Kind::Data, subject(i), frame('d'), i, 10).accepted);
    for (int i = 3; i < 5; ++i) {
        const auto o = q.enqueue(Kind::Data, subject(i), frame('d'), i, 10);
        QVERIFY(o.accepted);
        QCOMPARE(o.evicted, 1);
        VERIFY_OK(o.error);
    }
    QCOMPARE(q.counters().dropped, 2u);
    QCOMPARE(q.counters().rejected, 0u);
    QCOMPARE(q.counters().queued, 5u);
    QCOMPARE(subjects(q), (QList<QByteArray>{"s.2", "s.3", "s.4"}));
    checkAccounting(q);
}

void TestOutboundQueue::failOpenEvictsSeveralForABigOp() {
    OutboundQueue q = makeQueue(100, 100, 60000, true);
    for (int i = 0; i < 4; ++i)
        QVERIFY(q.enqueue(Kind::Data, subject(i), frame('d', 25), 0, 25).accepted);
    // 60 bytes need three 25-byte frames out (100 - 75 + 60 = 85 <= 100).
    const auto o = q.enqueue(Kind::Data, subject(9), frame('d', 60), 0, 60);
    QVERIFY(o.accepted);
    QCOMPARE(o.evicted, 3);
    QCOMPARE(q.counters().dropped, 3u);
    QCOMPARE(q.bytes(), qint64(85));
    QCOMPARE(subjects(q), (QList<QByteArray>{"s.3", "s.9"}));
    checkAccounting(q);
}

void TestOutboundQueue::controlEvictsDataEvenFailClosed() {
    OutboundQueue q = makeQueue(2, 1000);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('a'), 0, 10).accepted);
    QVERIFY(q.enqueue(Kind::Data, "d.1", frame('b'), 0, 10).accepted);
    const auto o = q.enqueue(Kind::Control, "$JS.ACK.x", frame('c'), 0, 10);
    QVERIFY(o.accepted);
    QCOMPARE(o.evicted, 1);
    QCOMPARE(q.counters().dropped, 1u);
    QCOMPARE(subjects(q), (QList<QByteArray>{"$JS.ACK.x", "d.1"}));
    // Data still cannot evict in fail-closed mode.
    const auto d = q.enqueue(Kind::Data, "d.2", frame('d'), 0, 10);
    QVERIFY(!d.accepted);
    QCOMPARE(d.error.kind, ErrorKind::QueueFull);
    QCOMPARE(q.counters().rejected, 1u);
    checkAccounting(q);
}

void TestOutboundQueue::controlNeverEvictsControl() {
    OutboundQueue q = makeQueue(2, 1000);
    QVERIFY(q.enqueue(Kind::Control, "$JS.ACK.1", frame('1'), 0, 10).accepted);
    QVERIFY(q.enqueue(Kind::Control, "$JS.ACK.2", frame('2'), 0, 10).accepted);
    const auto o = q.enqueue(Kind::Control, "$JS.ACK.3", frame('3'), 0, 10);
    QVERIFY(!o.accepted);
    QCOMPARE(o.evicted, 0);
    QCOMPARE(o.error.kind, ErrorKind::QueueFull);
    QCOMPARE(q.counters().rejected, 1u);
    QCOMPARE(q.counters().dropped, 0u);
    checkAccounting(q);
}

void TestOutboundQueue::controlBeforeDataInTakeAll() {
    OutboundQueue q = makeQueue(10, 1000);
    QVERIFY(q.enqueue(Kind::Data, "d.1", frame('1'), 0, 3).accepted);
    QVERIFY(q.enqueue(Kind::Control, "$JS.ACK.a", frame('a'), 1, 4).accepted);
    QVERIFY(q.enqueue(Kind::Data, "d.2", frame('2'), 2, 5).accepted);
    QVERIFY(q.enqueue(Kind::Control, "$JS.FC.b", frame('b'), 3, 6).accepted);
    QCOMPARE(subjects(q, 3), (QList<QByteArray>{"$JS.ACK.a", "$JS.FC.b", "d.1", "d.2"}));
    qint64 ops = -1, payload = -1;
    const QByteArray all = q.takeAll(&ops, &payload);
    QCOMPARE(all, frame('a') + frame('b') + frame('1') + frame('2'));
    QCOMPARE(ops, 4);
    QCOMPARE(payload, 18);
    QCOMPARE(q.counters().flushed, 4u);
    QVERIFY(q.isEmpty());
    checkAccounting(q);
}

void TestOutboundQueue::expiryAtTheBoundary_data() {
    QTest::addColumn<int>("kind"); // OutboundQueue::Kind
    QTest::newRow("data") << int(Kind::Data);
    QTest::newRow("control") << int(Kind::Control);
}

void TestOutboundQueue::expiryAtTheBoundary() {
    QFETCH(int, kind);
    const Kind k = Kind(kind);
    OutboundQueue q = makeQueue(10, 1000, 100);
    QVERIFY(q.enqueue(k, "$JS.ACK.a", frame('a'), 1000, 10).accepted);
    QVERIFY(q.enqueue(k, "$JS.ACK.b", frame('b'), 1010, 10).accepted);
    QCOMPARE(q.expire(1099), 0); // 99 ms old: still waiting
    QCOMPARE(q.depth(), 2);
    QCOMPARE(q.expire(1100), 1); // exactly the timeout: expired
    QCOMPARE(q.counters().expired, 1u);
    QCOMPARE(subjects(q, 1100), (QList<QByteArray>{"$JS.ACK.b"}));
    QCOMPARE(q.bytes(), qint64(10));
    QCOMPARE(q.expire(1109), 0);
    QCOMPARE(q.expire(1110), 1);
    QCOMPARE(q.counters().expired, 2u);
    QVERIFY(q.isEmpty());
    QCOMPARE(q.bytes(), qint64(0));
    checkAccounting(q);
}

void TestOutboundQueue::enqueueExpiresFirst() {
    // A full queue whose operations are old makes room by expiring them, not by refusing.
    OutboundQueue q = makeQueue(2, 1000, 100);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0'), 0, 10).accepted);
    QVERIFY(q.enqueue(Kind::Data, "d.1", frame('1'), 50, 10).accepted);
    const auto o = q.enqueue(Kind::Data, "d.2", frame('2'), 100, 10);
    QVERIFY(o.accepted);
    QCOMPARE(o.evicted, 0);
    QCOMPARE(q.counters().expired, 1u);
    QCOMPARE(q.counters().rejected, 0u);
    QCOMPARE(subjects(q, 100), (QList<QByteArray>{"d.1", "d.2"}));
    checkAccounting(q);
}

void TestOutboundQueue::zeroTimeoutNeverExpires() {
    OutboundQueue q = makeQueue(10, 1000, 0);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0'), 0, 10).accepted);
    QCOMPARE(q.expire(std::numeric_limits<qint64>::max() / 2), 0);
    QCOMPARE(q.depth(), 1);
}

void TestOutboundQueue::takeAllCountsFlushedOpsAndBytes() {
    OutboundQueue q = makeQueue(10, 1000);
    qint64 ops = -1, payload = -1;
    QVERIFY(q.takeAll(&ops, &payload).isEmpty());
    QCOMPARE(ops, 0);
    QCOMPARE(payload, 0);
    for (int i = 0; i < 3; ++i)
        QVERIFY(q.enqueue(Kind::Data, subject(i), frame('d', 20), 0, 7).accepted);
    QCOMPARE(q.bytes(), qint64(60));
    const QByteArray out = q.takeAll(&ops, &payload);
    QCOMPARE(out.size(), 60);
    QCOMPARE(ops, 3);
    QCOMPARE(payload, 21);
    QCOMPARE(q.counters().flushed, 3u);
    QCOMPARE(q.bytes(), qint64(0));
    QCOMPARE(q.depth(), 0);
    QVERIFY(q.takeAll().isEmpty()); // null out-pointers are fine
    QCOMPARE(q.counters().flushed, 3u);
    checkAccounting(q);
}

void TestOutboundQueue::dropAll() {
    OutboundQueue q = makeQueue(10, 1000);
    QCOMPARE(q.dropAll(), 0);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0'), 0, 10).accepted);
    QVERIFY(q.enqueue(Kind::Control, "$JS.ACK.0", frame('a'), 0, 10).accepted);
    QVERIFY(q.enqueue(Kind::Data, "d.1", frame('1'), 0, 10).accepted);
    QCOMPARE(q.dropAll(), 3);
    QCOMPARE(q.counters().dropped, 3u);
    QVERIFY(q.isEmpty());
    QCOMPARE(q.bytes(), qint64(0));
    QCOMPARE(q.oldestAgeMs(50), qint64(0));
    checkAccounting(q);
}

void TestOutboundQueue::oldestAgeMs() {
    OutboundQueue q = makeQueue(10, 1000);
    QCOMPARE(q.oldestAgeMs(1000), qint64(0));
    QVERIFY(q.enqueue(Kind::Control, "$JS.ACK.0", frame('a'), 30, 10).accepted);
    QCOMPARE(q.oldestAgeMs(100), qint64(70));
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0'), 10, 10).accepted);
    QCOMPARE(q.oldestAgeMs(100), qint64(90)); // the oldest of either kind
}

void TestOutboundQueue::entriesOrderAndMax() {
    OutboundQueue q = makeQueue(10, 1000);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0', 11), 0, 1).accepted);
    QVERIFY(q.enqueue(Kind::Data, "d.1", frame('1', 12), 5, 1).accepted);
    QVERIFY(q.enqueue(Kind::Control, "$JS.ACK.0", frame('a', 13), 10, 1).accepted);
    const auto all = q.entries(20);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all[0].kind, Kind::Control);
    QCOMPARE(all[0].subject, QByteArray("$JS.ACK.0"));
    QCOMPARE(all[0].bytes, qsizetype(13));
    QCOMPARE(all[0].ageMs, qint64(10));
    QCOMPARE(all[1].kind, Kind::Data);
    QCOMPARE(all[1].subject, QByteArray("d.0"));
    QCOMPARE(all[1].bytes, qsizetype(11));
    QCOMPARE(all[1].ageMs, qint64(20));
    QCOMPARE(all[2].subject, QByteArray("d.1"));
    QCOMPARE(all[2].ageMs, qint64(15));
    const auto two = q.entries(20, 2);
    QCOMPARE(two.size(), 2);
    QCOMPARE(two[1].subject, QByteArray("d.0"));
    QVERIFY(q.entries(20, 0).isEmpty());
}

void TestOutboundQueue::opLargerThanMaxBytes_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("failOpen");
    QTest::newRow("data, fail-closed") << int(Kind::Data) << false;
    QTest::newRow("data, fail-open") << int(Kind::Data) << true;
    QTest::newRow("control") << int(Kind::Control) << false;
}

void TestOutboundQueue::opLargerThanMaxBytes() {
    QFETCH(int, kind);
    QFETCH(bool, failOpen);
    OutboundQueue q = makeQueue(10, 50, 60000, failOpen);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0'), 0, 10).accepted);
    const auto o = q.enqueue(Kind(kind), "big.one", frame('b', 51), 0, 51);
    QVERIFY(!o.accepted);
    QCOMPARE(o.evicted, 0); // nothing is evicted for an operation that can never fit
    QCOMPARE(o.error.kind, ErrorKind::QueueFull);
    QVERIFY2(o.error.message.contains(QStringLiteral("'big.one' (51 bytes)")) &&
                 o.error.message.contains(QStringLiteral("(50 bytes)")),
             qPrintable(o.error.message));
    QCOMPARE(q.counters().rejected, 1u);
    QCOMPARE(q.counters().dropped, 0u);
    QCOMPARE(q.depth(), 1);
    // Exactly maxBytes fits once the rest is gone.
    OutboundQueue exact = makeQueue(10, 50);
    QVERIFY(exact.enqueue(Kind(kind), "fits", frame('f', 50), 0, 50).accepted);
    checkAccounting(q);
}

void TestOutboundQueue::salvagedCountsDroppedNotRejected() {
    // A salvaged publish was accepted earlier (it sat in the write buffer): when there is no
    // room it is lost, which is a drop, never a rejection the publisher could have seen.
    OutboundQueue q = makeQueue(1, 30);
    QVERIFY(q.enqueue(Kind::Data, "d.0", frame('0'), 0, 10, true).accepted);
    QCOMPARE(q.counters().queued, 1u);
    const auto full = q.enqueue(Kind::Data, "d.1", frame('1'), 0, 10, true);
    QVERIFY(!full.accepted);
    QCOMPARE(full.error.kind, ErrorKind::QueueFull);
    const auto huge = q.enqueue(Kind::Data, "d.2", frame('2', 31), 0, 31, true);
    QVERIFY(!huge.accepted);
    QCOMPARE(q.counters().dropped, 2u);
    QCOMPARE(q.counters().rejected, 0u);
    QCOMPARE(q.counters().queued, 1u);
    // The same without `salvaged` is a rejection.
    QVERIFY(!q.enqueue(Kind::Data, "d.3", frame('3'), 0, 10).accepted);
    QCOMPARE(q.counters().rejected, 1u);
    QCOMPARE(q.counters().dropped, 2u);
}

void TestOutboundQueue::zeroMaxOpsRejectsEverything() {
    OutboundQueue q = makeQueue(0, 1000, 60000, true);
    const auto o = q.enqueue(Kind::Control, "$JS.ACK.0", frame('a'), 0, 10);
    QVERIFY(!o.accepted);
    QCOMPARE(o.error.kind, ErrorKind::QueueFull);
    QCOMPARE(q.counters().rejected, 1u);
    QVERIFY(q.isEmpty());
}

// --- backoff -------------------------------------------------------------------------------

void TestOutboundQueue::backoffBaseGrowthAndCap_data() {
    QTest::addColumn<int>("initial");
    QTest::addColumn<double>("multiplier");
    QTest::addColumn<int>("max");
    QTest::addColumn<QList<qint64>>("expected"); // passes 0..n-1
    QTest::newRow("doubling, capped")
        << 100 << 2.0 << 1000 << QList<qint64>{100, 100, 200, 400, 800, 1000, 1000};
    QTest::newRow("x1.5") << 100 << 1.5 << 10000 << QList<qint64>{100, 100, 150, 225, 337};
    QTest::newRow("multiplier 1: constant")
        << 250 << 1.0 << 10000 << QList<qint64>{250, 250, 250, 250, 250};
    QTest::newRow("multiplier below 1 acts as 1")
        << 250 << 0.5 << 10000 << QList<qint64>{250, 250, 250};
    QTest::newRow("cap below initial: initial wins")
        << 500 << 2.0 << 100 << QList<qint64>{500, 500, 500};
    QTest::newRow("zero initial") << 0 << 2.0 << 1000 << QList<qint64>{0, 0, 0};
}

void TestOutboundQueue::backoffBaseGrowthAndCap() {
    QFETCH(int, initial);
    QFETCH(double, multiplier);
    QFETCH(int, max);
    QFETCH(QList<qint64>, expected);
    const BackoffPolicy p{initial, multiplier, max, 20};
    for (int pass = 0; pass < expected.size(); ++pass)
        QCOMPARE(p.baseDelay(pass), expected[pass]);
    // Far passes stay at the cap and do not overflow.
    const qint64 far = initial == 0 ? 0 : multiplier > 1.0 ? qMax(initial, max) : initial;
    // 0 * pow(2, 9999) would be 0 * inf = NaN: a zero first delay must stay zero.
    QCOMPARE(p.baseDelay(10000), far);
}

void TestOutboundQueue::backoffJitterBounds_data() {
    QTest::addColumn<int>("jitter");
    QTest::addColumn<double>("unit");
    QTest::addColumn<qint64>("expected"); // pass 2 of 500 ms x2 = 1000 ms base
    QTest::newRow("20%, -1") << 20 << -1.0 << qint64(800);
    QTest::newRow("20%, 0") << 20 << 0.0 << qint64(1000);
    QTest::newRow("20%, +1") << 20 << 1.0 << qint64(1200);
    QTest::newRow("20%, +0.5") << 20 << 0.5 << qint64(1100);
    QTest::newRow("20%, unit clamped high") << 20 << 7.0 << qint64(1200);
    QTest::newRow("20%, unit clamped low") << 20 << -7.0 << qint64(800);
    QTest::newRow("0%, -1") << 0 << -1.0 << qint64(1000);
    QTest::newRow("0%, +1") << 0 << 1.0 << qint64(1000);
    QTest::newRow("100%, -1: never negative") << 100 << -1.0 << qint64(0);
    QTest::newRow("150% clamps to 100%") << 150 << 1.0 << qint64(2000);
}

void TestOutboundQueue::backoffJitterBounds() {
    QFETCH(int, jitter);
    QFETCH(double, unit);
    QFETCH(qint64, expected);
    const BackoffPolicy p{500, 2.0, 10000, jitter};
    QCOMPARE(p.delay(2, unit), expected);
}

void TestOutboundQueue::backoffRandomJitterStaysInBounds() {
    const BackoffPolicy p{500, 2.0, 10000, 20};
    const BackoffPolicy flat{500, 2.0, 10000, 0};
    qint64 lo = std::numeric_limits<qint64>::max(), hi = 0;
    for (int i = 0; i < 2000; ++i) {
        const qint64 d = p.delay(3); // base 2000
        lo = qMin(lo, d);
        hi = qMax(hi, d);
        QCOMPARE(flat.delay(3), qint64(2000));
    }
    QVERIFY2(lo >= 1600 && hi <= 2400, qPrintable(QStringLiteral("%1..%2").arg(lo).arg(hi)));
    QVERIFY2(hi - lo > 400, "the jitter should actually spread the delays");
}

QTEST_GUILESS_MAIN(TestOutboundQueue)
#include "tst_outboundqueue.moc"
