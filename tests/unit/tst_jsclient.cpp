// The JetStream client pieces that need no server: ack-subject metadata, the redelivery
// tracker (histogram, cause of each redelivery, bounded memory, advisories), the NAK delay
// policy, and the delivery queue that hands messages to a handler inline or on a context
// object's thread. The advisories (nats-server's JSConsumerDeliveryExceededAdvisory and
// JSConsumerDeliveryTerminatedAdvisory, server/jetstream_events.go) were captured from
// nats-server 2.9.10, except the one with a reason: that member came later, the sample is
// written from the server's structure.
#include "core/jetstream/deliveryqueue.h"
#include "core/jetstream/jsmessage.h"
#include "core/jetstream/redeliverytracker.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QCoreApplication>
#include <QSet>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <limits>
#include <numeric>
#include <thread>

using namespace jetdeck;
using namespace jetdeck::js;

namespace {

const char* const kMaxDeliverSubject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.PULL";
const char* const kTerminatedSubject = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.ORDERS.PULL";

const char* const kMaxDeliverAdvisory =
    R"({"type":"io.nats.jetstream.advisory.v1.max_deliver","id":"EBwdCvKR8j1A8GpaL4WtxV","timestamp":"2026-11-23T01:55:24.292780402Z","stream":"ORDERS","consumer":"PULL","stream_seq":2,"deliveries":2})";
const char* const kTerminatedAdvisory29 =
    R"({"type":"io.nats.jetstream.advisory.v1.terminated","id":"EBwdCvKR8j1A8GpaL4Wtwp","timestamp":"2026-11-23T01:55:22.785585098Z","stream":"ORDERS","consumer":"PULL","consumer_seq":1,"stream_seq":1,"deliveries":1})";
const char* const kConsumerCreatedAdvisory =
    R"({"type":"io.nats.jetstream.advisory.v1.consumer_action","id":"EBwdCvKR8j1A8GpaL4WtvT","timestamp":"2026-11-23T01:55:21.377978249Z","stream":"ORDERS","consumer":"PULL","action":"create"})";
const char* const kTerminatedAdvisoryWithReason =
    R"({"type":"io.nats.jetstream.advisory.v1.terminated","id":"x5TeXMO8c9VHbJcAa8u4Zq","timestamp":"2026-11-23T10:21:46.500000000Z","stream":"ORDERS","consumer":"PULL","consumer_seq":22,"stream_seq":19,"deliveries":1,"reason":"bad payload","domain":"hub"})";

JsMetadata meta(quint64 streamSeq, quint64 delivered) {
    JsMetadata m;
    m.stream = QStringLiteral("ORDERS");
    m.consumer = QStringLiteral("PULL");
    m.streamSeq = streamSeq;
    m.delivered = delivered;
    return m;
}

quint64 sum(const QList<quint64>& v) {
    return std::accumulate(v.cbegin(), v.cend(), quint64(0));
}

JsMessage plainMessage(int n) {
    return JsMessage(Message("q.test", QByteArray::number(n),
                             QByteArray("$JS.ACK.S.C.1." + QByteArray::number(n) + ".1.0.0")),
                     nullptr);
}

int payloadOf(const JsMessage& m) {
    return m.payload().toByteArray().toInt();
}

} // namespace

class TestJsClient : public QObject {
    Q_OBJECT
private slots:
    void metadataParse_data();
    void metadataParse();
    void metadataTimestamp();
    void jsMessageWithoutConnection();

    void histogramBuckets();
    void firstAndRedelivered();
    void causeOfRedelivery();
    void answersCounted();
    void nakMemoryBounded();
    void nakMemoryRepeatedNaksOfOneMessage();
    void advisories();
    void advisoriesMalformedIgnored();
    void takeEventsBounded();
    void watchAdvisoriesNeedsNames();

    void nakDelayGrowthAndCap();
    void nakDelayJitterBounds();
    void nakDelayEdgeCases();
    void nakDelayPolicyParses_data();
    void nakDelayPolicyParses();

    void queueInline();
    void queueOnContextThread();
    void queueActionAfterQueuedMessages();
    void queueUndeliveredCounting();
    void queueStop();
    void queueStopInsideHandler();
    void queueContextDestroyed();
};

// ---- metadata ------------------------------------------------------------------------------

void TestJsClient::metadataParse_data() {
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("domain");
    QTest::addColumn<QString>("accountHash");
    QTest::addColumn<QString>("stream");
    QTest::addColumn<QString>("consumer");
    QTest::addColumn<quint64>("delivered");
    QTest::addColumn<quint64>("streamSeq");
    QTest::addColumn<quint64>("consumerSeq");
    QTest::addColumn<qint64>("timestampNs");
    QTest::addColumn<quint64>("pending");

    const QString none;
    // What nats-server 2.9 sends: 9 tokens.
    QTest::newRow("v1, 9 tokens") << QByteArray("$JS.ACK.ORDERS.PULL.3.17.9.1700000000123456789.42")
                                  << true << none << none << QStringLiteral("ORDERS")
                                  << QStringLiteral("PULL") << quint64(3) << quint64(17)
                                  << quint64(9) << qint64(1700000000123456789) << quint64(42);
    // The v2 form with domain, account hash and a random last token: 12 tokens.
    QTest::newRow("v2, 12 tokens with domain")
        << QByteArray("$JS.ACK.hub.ACCHASH1.ORDERS.PULL.1.5.4.1700000000000000001.0.Xy7z") << true
        << QStringLiteral("hub") << QStringLiteral("ACCHASH1") << QStringLiteral("ORDERS")
        << QStringLiteral("PULL") << quint64(1) << quint64(5) << quint64(4)
        << qint64(1700000000000000001) << quint64(0);
    QTest::newRow("v2, '_' domain is none")
        << QByteArray("$JS.ACK._.ACCHASH2.S.C.2.100.99.1700000000999999999.7.tok") << true << none
        << QStringLiteral("ACCHASH2") << QStringLiteral("S") << QStringLiteral("C") << quint64(2)
        << quint64(100) << quint64(99) << qint64(1700000000999999999) << quint64(7);
    // nats.go accepts the v2 form without its last token.
    QTest::newRow("v2, 11 tokens")
        << QByteArray("$JS.ACK.hub.H.S.C.1.2.3.1700000000000000000.0") << true
        << QStringLiteral("hub") << QStringLiteral("H") << QStringLiteral("S")
        << QStringLiteral("C") << quint64(1) << quint64(2) << quint64(3)
        << qint64(1700000000000000000) << quint64(0);
    QTest::newRow("v2, 13 tokens (a future extra token)")
        << QByteArray("$JS.ACK._.H.S.C.1.2.3.1700000000000000000.0.tok.more") << true << none
        << QStringLiteral("H") << QStringLiteral("S") << QStringLiteral("C") << quint64(1)
        << quint64(2) << quint64(3) << qint64(1700000000000000000) << quint64(0);
    QTest::newRow("large numbers")
        << QByteArray("$JS.ACK.S.C.18446744073709551615.1.2.3.4") << true << none << none
        << QStringLiteral("S") << QStringLiteral("C") << quint64(18446744073709551615ULL)
        << quint64(1) << quint64(2) << qint64(3) << quint64(4);

    const auto bad = [&](const char* name, const char* reply) {
        QTest::newRow(name) << QByteArray(reply) << false << none << none << none << none
                            << quint64(0) << quint64(0) << quint64(0) << qint64(0) << quint64(0);
    };
    bad("empty", "");
    bad("prefix only", "$JS.ACK.");
    bad("8 tokens", "$JS.ACK.S.C.1.2.3.4");
    bad("10 tokens", "$JS.ACK.x.S.C.1.2.3.4.5");
    bad("wrong prefix", "$JS.ACX.S.C.1.2.3.4.5");
    bad("API subject", "$JS.API.S.C.1.2.3.4.5");
    bad("inbox", "_INBOX.abc.def.1.2.3.4.5.6");
    bad("lower case prefix", "$js.ack.S.C.1.2.3.4.5");
    bad("non-numeric delivered", "$JS.ACK.S.C.x.2.3.4.5");
    bad("non-numeric stream seq", "$JS.ACK.S.C.1.2a.3.4.5");
    bad("negative consumer seq", "$JS.ACK.S.C.1.2.-3.4.5");
    bad("non-numeric timestamp", "$JS.ACK.S.C.1.2.3.now.5");
    bad("non-numeric pending", "$JS.ACK.S.C.1.2.3.4.many");
    bad("empty number", "$JS.ACK.S.C.1..3.4.5");
    bad("v2 non-numeric", "$JS.ACK._.H.S.C.1.2.x.4.5.tok");
    bad("21 digits", "$JS.ACK.S.C.100000000000000000000.2.3.4.5");
    bad("20 digits above 2^64", "$JS.ACK.S.C.99999999999999999999.2.3.4.5");
}

void TestJsClient::metadataParse() {
    QFETCH(QByteArray, reply);
    QFETCH(bool, valid);
    const std::optional<JsMetadata> m = JsMetadata::parse(reply);
    QCOMPARE(m.has_value(), valid);
    if (!valid)
        return;
    QTEST(m->domain, "domain");
    QTEST(m->accountHash, "accountHash");
    QTEST(m->stream, "stream");
    QTEST(m->consumer, "consumer");
    QTEST(m->delivered, "delivered");
    QTEST(m->streamSeq, "streamSeq");
    QTEST(m->consumerSeq, "consumerSeq");
    QTEST(m->timestampNs, "timestampNs");
    QTEST(m->pending, "pending");
}

void TestJsClient::metadataTimestamp() {
    const auto m = JsMetadata::parse("$JS.ACK.S.C.1.1.1.1700000000123456789.0");
    QVERIFY(m);
    QCOMPARE(m->timestampNs, qint64(1700000000123456789));
    QCOMPARE(m->timestamp.timeSpec(), Qt::UTC);
    QCOMPARE(m->timestamp.toMSecsSinceEpoch(), qint64(1700000000123)); // truncated to ms
    QCOMPARE(m->timestamp, QDateTime(QDate(2023, 11, 14), QTime(22, 13, 20, 123), Qt::UTC));

    const auto epoch = JsMetadata::parse("$JS.ACK.S.C.1.1.1.0.0");
    QVERIFY(epoch);
    QCOMPARE(epoch->timestamp.toMSecsSinceEpoch(), qint64(0));
    QCOMPARE(epoch->timestampNs, qint64(0));
}

void TestJsClient::jsMessageWithoutConnection() {
    JsMessage m(Message("orders.new", "x", "$JS.ACK.ORDERS.PULL.2.17.9.1700000000000000000.3"),
                nullptr);
    QVERIFY(m.hasMetadata());
    QCOMPARE(m.metadata().streamSeq, quint64(17));
    QCOMPARE(m.metadata().delivered, quint64(2));
    QCOMPARE(m.ack().kind, ErrorKind::NotConnected);
    QCOMPARE(m.nak(-1).kind, ErrorKind::InvalidArgument);
    QVERIFY(!m.isAcked());

    JsMessage plain(Message("core.subject", "x"), nullptr);
    QVERIFY(!plain.hasMetadata());
    QCOMPARE(plain.ack().kind, ErrorKind::InvalidArgument);
    QCOMPARE(plain.term().kind, ErrorKind::InvalidArgument);
    QCOMPARE(plain.ackSync(10).kind, ErrorKind::InvalidArgument);
}

// ---- redelivery tracker --------------------------------------------------------------------

void TestJsClient::histogramBuckets() {
    RedeliveryTracker t;
    const quint64 counts[] = {1, 1, 2, 3, 3, 3, 9, 10, 11, 25, 1000};
    quint64 seq = 0;
    for (quint64 c : counts)
        t.onDelivered(meta(++seq, c));
    const RedeliveryStats s = t.stats();
    QCOMPARE(s.deliveryCounts.size(), qsizetype(RedeliveryTracker::Buckets));
    const QList<quint64> want{2, 1, 3, 0, 0, 0, 0, 0, 1, 4}; // the last bucket holds 10+
    QCOMPARE(s.deliveryCounts, want);
    QCOMPARE(s.delivered, quint64(std::size(counts)));
    QCOMPARE(sum(s.deliveryCounts), s.delivered);

    // A delivery count of 0 (no metadata) counts as a first delivery.
    t.onDelivered(meta(99, 0));
    QCOMPARE(t.stats().deliveryCounts[0], quint64(3));
    QCOMPARE(t.stats().firstDeliveries, quint64(3));
    QCOMPARE(sum(t.stats().deliveryCounts), t.stats().delivered);
}

void TestJsClient::firstAndRedelivered() {
    RedeliveryTracker t(QStringLiteral("S"), QStringLiteral("C"));
    QCOMPARE(t.stream(), QStringLiteral("S"));
    QCOMPARE(t.consumer(), QStringLiteral("C"));
    const RedeliveryStats empty = t.stats();
    QCOMPARE(empty.delivered, quint64(0));
    QCOMPARE(sum(empty.deliveryCounts), quint64(0));
    for (quint64 seq = 1; seq <= 5; ++seq)
        t.onDelivered(meta(seq, 1));
    for (quint64 seq = 1; seq <= 3; ++seq)
        t.onDelivered(meta(seq, 2));
    t.onDelivered(meta(1, 3));
    const RedeliveryStats s = t.stats();
    QCOMPARE(s.delivered, quint64(9));
    QCOMPARE(s.firstDeliveries, quint64(5));
    QCOMPARE(s.redelivered, quint64(4));
    QCOMPARE(s.firstDeliveries + s.redelivered, s.delivered);
    QCOMPARE(s.afterNak + s.afterAckWait, s.redelivered);
}

void TestJsClient::causeOfRedelivery() {
    RedeliveryTracker t;
    t.onDelivered(meta(1, 1));
    t.onDelivered(meta(2, 1));
    t.onAnswered(meta(1, 1), AckKind::Nak); // 2 is left alone: its ack wait will run out
    t.onDelivered(meta(1, 2));
    t.onDelivered(meta(2, 2));
    RedeliveryStats s = t.stats();
    QCOMPARE(s.afterNak, quint64(1));
    QCOMPARE(s.afterAckWait, quint64(1));

    // One NAK explains one redelivery: the next one of the same message came by itself.
    t.onDelivered(meta(1, 3));
    s = t.stats();
    QCOMPARE(s.afterNak, quint64(1));
    QCOMPARE(s.afterAckWait, quint64(2));

    // NAKed again, then redelivered: after NAK again.
    t.onAnswered(meta(1, 3), AckKind::Nak);
    t.onDelivered(meta(1, 4));
    s = t.stats();
    QCOMPARE(s.afterNak, quint64(2));
    QCOMPARE(s.afterAckWait, quint64(2));
    QCOMPARE(s.redelivered, quint64(4));
    QCOMPARE(s.naked, quint64(2));
    // By delivery count: after a NAK at counts 2 and 4, after the ack wait at 2 and 3.
    QCOMPARE(s.afterNakByCount, (QList<quint64>{0, 1, 0, 1, 0, 0, 0, 0, 0, 0}));
    QCOMPARE(s.afterAckWaitByCount, (QList<quint64>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
    // The last bucket holds 10 and more.
    t.onDelivered(meta(1, 25));
    QCOMPARE(t.stats().afterAckWaitByCount.last(), quint64(1));
    QCOMPARE(sum(t.stats().afterAckWaitByCount), t.stats().afterAckWait);
    QCOMPARE(sum(t.stats().afterNakByCount), t.stats().afterNak);

    // A NAK of a message that is then acked on another path does not leak into the next
    // message's attribution.
    t.onAnswered(meta(7, 1), AckKind::Nak);
    t.onDelivered(meta(8, 2));
    QCOMPARE(t.stats().afterAckWait, quint64(4));
    QCOMPARE(t.stats().afterNak, quint64(2));
}

void TestJsClient::answersCounted() {
    RedeliveryTracker t;
    t.onAnswered(meta(1, 1), AckKind::Ack);
    t.onAnswered(meta(2, 1), AckKind::Ack);
    t.onAnswered(meta(3, 1), AckKind::Nak);
    t.onAnswered(meta(4, 1), AckKind::InProgress);
    t.onAnswered(meta(4, 1), AckKind::InProgress);
    t.onAnswered(meta(4, 1), AckKind::InProgress);
    t.onAnswered(meta(5, 1), AckKind::Term);
    const RedeliveryStats s = t.stats();
    QCOMPARE(s.acked, quint64(2));
    QCOMPARE(s.naked, quint64(1));
    QCOMPARE(s.inProgress, quint64(3));
    QCOMPARE(s.terminated, quint64(1));
    QCOMPARE(s.delivered, quint64(0));

    // The observer the consumers install feeds the same counters.
    auto shared = std::make_shared<RedeliveryTracker>();
    JsMessage::AckObserver obs = trackerObserver(shared);
    QVERIFY(bool(obs));
    JsMessage m(Message("s", "x", "$JS.ACK.S.C.1.9.1.0.0"), nullptr);
    obs(m, AckKind::Nak, 0);
    shared->onDelivered(meta(9, 2));
    QCOMPARE(shared->stats().naked, quint64(1));
    QCOMPARE(shared->stats().afterNak, quint64(1));
    QVERIFY(!trackerObserver(nullptr));
}

void TestJsClient::nakMemoryBounded() {
    // Remembers at most 2 NAKed messages: the oldest NAK is forgotten, and its redelivery
    // counts as an ack-wait one.
    RedeliveryTracker t({}, {}, 2);
    for (quint64 seq = 1; seq <= 3; ++seq) {
        t.onDelivered(meta(seq, 1));
        t.onAnswered(meta(seq, 1), AckKind::Nak);
    }
    t.onDelivered(meta(1, 2));
    t.onDelivered(meta(2, 2));
    t.onDelivered(meta(3, 2));
    RedeliveryStats s = t.stats();
    QCOMPARE(s.afterNak, quint64(2));
    QCOMPARE(s.afterAckWait, quint64(1));

    // Many NAKs with a memory of 100: only the last 100 are attributed.
    RedeliveryTracker big({}, {}, 100);
    for (quint64 seq = 1; seq <= 1000; ++seq)
        big.onAnswered(meta(seq, 1), AckKind::Nak);
    for (quint64 seq = 1; seq <= 1000; ++seq)
        big.onDelivered(meta(seq, 2));
    s = big.stats();
    QCOMPARE(s.afterNak, quint64(100));
    QCOMPARE(s.afterAckWait, quint64(900));

    // A memory of 0 is taken as 1.
    RedeliveryTracker one({}, {}, 0);
    one.onAnswered(meta(1, 1), AckKind::Nak);
    one.onDelivered(meta(1, 2));
    QCOMPARE(one.stats().afterNak, quint64(1));
}

void TestJsClient::nakMemoryRepeatedNaksOfOneMessage() {
    // One message NAKed on every delivery: at any moment only one NAK waits for its
    // redelivery, far within a memory of 2, so every redelivery is one after a NAK.
    RedeliveryTracker t({}, {}, 2);
    t.onDelivered(meta(1, 1));
    for (quint64 n = 1; n <= 5; ++n) {
        t.onAnswered(meta(1, n), AckKind::Nak);
        t.onDelivered(meta(1, n + 1));
    }
    const RedeliveryStats s = t.stats();
    QCOMPARE(s.redelivered, quint64(5));
    QCOMPARE(s.afterNak, quint64(5));
    QCOMPARE(s.afterAckWait, quint64(0));

    // Same with two messages taking turns.
    RedeliveryTracker u({}, {}, 2);
    for (quint64 n = 1; n <= 4; ++n)
        for (quint64 seq = 1; seq <= 2; ++seq) {
            u.onAnswered(meta(seq, n), AckKind::Nak);
            u.onDelivered(meta(seq, n + 1));
        }
    QCOMPARE(u.stats().afterNak, quint64(8));
    QCOMPARE(u.stats().afterAckWait, quint64(0));
}

void TestJsClient::advisories() {
    RedeliveryTracker t(QStringLiteral("ORDERS"), QStringLiteral("PULL"));
    t.onAdvisory(kMaxDeliverSubject, kMaxDeliverAdvisory);
    t.onAdvisory(kTerminatedSubject, kTerminatedAdvisory29);
    t.onAdvisory(kTerminatedSubject, kTerminatedAdvisoryWithReason);
    const RedeliveryStats s = t.stats();
    QCOMPARE(s.maxDeliveriesReached, quint64(1));
    QCOMPARE(s.terminatedAdvisories, quint64(2));
    QCOMPARE(s.terminated, quint64(0)); // that counts this client's +TERM, not the server's word

    const QList<RedeliveryEvent> events = t.takeEvents();
    QCOMPARE(events.size(), qsizetype(3));
    QVERIFY(events[0].kind == RedeliveryEvent::Kind::MaxDeliveries);
    QCOMPARE(events[0].streamSeq, quint64(2));
    QCOMPARE(events[0].deliveries, quint64(2));
    QVERIFY2(events[0].reason.contains(QLatin1String("2")), qPrintable(events[0].reason));
    QVERIFY(events[0].time.isValid());
    QVERIFY(events[1].kind == RedeliveryEvent::Kind::Terminated);
    QCOMPARE(events[1].streamSeq, quint64(1));
    QCOMPARE(events[1].deliveries, quint64(1));
    QCOMPARE(events[1].reason, QString());
    QVERIFY(events[2].kind == RedeliveryEvent::Kind::Terminated);
    QCOMPARE(events[2].streamSeq, quint64(19));
    QCOMPARE(events[2].reason, QStringLiteral("bad payload"));
    QVERIFY(t.takeEvents().isEmpty());

    // Other advisories on the same wildcard are not counted.
    t.onAdvisory(
        "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.ORDERS.PULL",
        R"({"type":"io.nats.jetstream.advisory.v1.nak","stream":"ORDERS","consumer":"PULL","consumer_seq":1,"stream_seq":1,"deliveries":1})");
    t.onAdvisory("$JS.EVENT.ADVISORY.CONSUMER.CREATED.ORDERS.PULL", kConsumerCreatedAdvisory);
    QCOMPARE(t.stats().maxDeliveriesReached, quint64(1));
    QCOMPARE(t.stats().terminatedAdvisories, quint64(2));
    QVERIFY(t.takeEvents().isEmpty());
}

void TestJsClient::advisoriesMalformedIgnored() {
    RedeliveryTracker t;
    t.onAdvisory(kMaxDeliverSubject, "");
    t.onAdvisory(kMaxDeliverSubject, "{not json");
    t.onAdvisory(kMaxDeliverSubject, "[1,2,3]");
    t.onAdvisory(kTerminatedSubject, "\"text\"");
    QCOMPARE(t.stats().maxDeliveriesReached, quint64(0));
    QCOMPARE(t.stats().terminatedAdvisories, quint64(0));
    QVERIFY(t.takeEvents().isEmpty());

    // Members of the wrong type must not throw out of the subscription handler (on the
    // connection's thread that ends the process); such an advisory still counts, with the
    // unreadable members left at zero.
    QString thrown;
    try {
        t.onAdvisory(kMaxDeliverSubject, R"({"stream_seq":"seventeen","deliveries":-3})");
        t.onAdvisory(kTerminatedSubject, R"({"stream_seq":5,"deliveries":1,"reason":42})");
    } catch (const std::exception& e) {
        thrown = QString::fromUtf8(e.what());
    }
    QVERIFY2(thrown.isEmpty(), qPrintable(QStringLiteral("onAdvisory threw: ") + thrown));
    QCOMPARE(t.stats().maxDeliveriesReached, quint64(1));
    QCOMPARE(t.stats().terminatedAdvisories, quint64(1));
    const QList<RedeliveryEvent> events = t.takeEvents();
    QCOMPARE(events.size(), qsizetype(2));
    QCOMPARE(events[0].streamSeq, quint64(0));
    QCOMPARE(events[1].streamSeq, quint64(5));
    QCOMPARE(events[1].reason, QString());
}

void TestJsClient::takeEventsBounded() {
    RedeliveryTracker t;
    constexpr int kSent = 1234;
    for (int i = 1; i <= kSent; ++i)
        t.onAdvisory(kMaxDeliverSubject, QByteArray(R"({"stream_seq":)" + QByteArray::number(i) +
                                                    R"(,"deliveries":3})"));
    QCOMPARE(t.stats().maxDeliveriesReached, quint64(kSent)); // the counter is not bounded
    const QList<RedeliveryEvent> events = t.takeEvents();
    QCOMPARE(events.size(), qsizetype(1000)); // the log is: the oldest went first
    QCOMPARE(events.front().streamSeq, quint64(kSent - 1000 + 1));
    QCOMPARE(events.back().streamSeq, quint64(kSent));
    QVERIFY(t.takeEvents().isEmpty());
}

void TestJsClient::watchAdvisoriesNeedsNames() {
    auto unnamed = std::make_shared<RedeliveryTracker>();
    QCOMPARE(watchAdvisories(nullptr, unnamed).error().kind, ErrorKind::InvalidArgument);
    Connection c(Options{});
    auto r = watchAdvisories(&c, unnamed);
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(watchAdvisories(&c, nullptr).error().kind, ErrorKind::InvalidArgument);
}

// ---- NAK delay policy ----------------------------------------------------------------------

void TestJsClient::nakDelayGrowthAndCap() {
    const NakDelayPolicy p; // 1 s, x2, 60 s, 20 %
    const qint64 s = 1000000000;
    QCOMPARE(p.delayNs(1, 0.0), 1 * s);
    QCOMPARE(p.delayNs(2, 0.0), 2 * s);
    QCOMPARE(p.delayNs(3, 0.0), 4 * s);
    QCOMPARE(p.delayNs(6, 0.0), 32 * s);
    QCOMPARE(p.delayNs(7, 0.0), 60 * s); // 64 s capped
    QCOMPARE(p.delayNs(100, 0.0), 60 * s);
    for (quint64 n = 1; n < 30; ++n)
        QVERIFY(p.delayNs(n + 1, 0.0) >= p.delayNs(n, 0.0));

    NakDelayPolicy q;
    q.initialMs = 250;
    q.multiplier = 3.0;
    q.maxMs = 5000;
    q.jitterPercent = 0;
    QCOMPARE(q.delayNs(1), qint64(250) * 1000000);
    QCOMPARE(q.delayNs(2), qint64(750) * 1000000);
    QCOMPARE(q.delayNs(3), qint64(2250) * 1000000);
    QCOMPARE(q.delayNs(4), qint64(5000) * 1000000);
}

void TestJsClient::nakDelayJitterBounds() {
    const NakDelayPolicy p;
    const qint64 ms = 1000000;
    QCOMPARE(p.delayNs(1, 1.0), 1200 * ms);
    QCOMPARE(p.delayNs(1, -1.0), 800 * ms);
    QCOMPARE(p.delayNs(3, 0.5), 4400 * ms);
    QCOMPARE(p.delayNs(1, 7.0), 1200 * ms); // the unit is clamped to [-1, 1]
    QCOMPARE(p.delayNs(1, -7.0), 800 * ms);

    // Random jitter stays within ±20 % of the base (the cap included) and does vary.
    for (quint64 n : {quint64(1), quint64(3), quint64(7), quint64(50)}) {
        const qint64 base = p.delayNs(n, 0.0);
        QSet<qint64> seen;
        for (int i = 0; i < 200; ++i) {
            const qint64 d = p.delayNs(n);
            QVERIFY2(d >= base * 8 / 10 && d <= base * 12 / 10,
                     qPrintable(QStringLiteral("%1 outside %2 ± 20 %").arg(d).arg(base)));
            seen.insert(d);
        }
        QVERIFY2(seen.size() > 10, "the jitter does not vary");
    }

    NakDelayPolicy wide = p;
    wide.jitterPercent = 100;
    for (int i = 0; i < 200; ++i) {
        const qint64 d = wide.delayNs(2);
        QVERIFY(d >= 0 && d <= 4000 * ms);
    }
}

void TestJsClient::nakDelayEdgeCases() {
    NakDelayPolicy p;
    QCOMPARE(p.delayNs(0, 0.0), p.delayNs(1, 0.0)); // no delivery count yet: the first step
    QCOMPARE(p.delayNs(std::numeric_limits<quint64>::max(), 0.0), qint64(60000) * 1000000);

    NakDelayPolicy zero;
    zero.initialMs = 0;
    QCOMPARE(zero.delayNs(5), qint64(0));
    NakDelayPolicy negative;
    negative.initialMs = -100;
    QCOMPARE(negative.delayNs(1, 1.0), qint64(0));

    NakDelayPolicy shrink; // a multiplier below 1 does not shrink the delay
    shrink.multiplier = 0.5;
    QCOMPARE(shrink.delayNs(5, 0.0), qint64(1000) * 1000000);

    NakDelayPolicy capBelowInitial; // the cap never undercuts the first delay
    capBelowInitial.initialMs = 3000;
    capBelowInitial.maxMs = 1000;
    QCOMPARE(capBelowInitial.delayNs(4, 0.0), qint64(3000) * 1000000);

    NakDelayPolicy huge; // milliseconds beyond int range are clamped, not wrapped
    huge.initialMs = qint64(1) << 40;
    huge.maxMs = qint64(1) << 40;
    huge.jitterPercent = 0;
    QVERIFY(huge.delayNs(1) > 0);
    QCOMPARE(huge.delayNs(1), qint64(INT32_MAX) * 1000000);
}

// ---- delivery queue ------------------------------------------------------------------------

void TestJsClient::queueInline() {
    QList<int> got;
    qint64 undeliveredInside = -1;
    Qt::HANDLE thread = nullptr;
    auto q = std::make_shared<DeliveryQueue>(nullptr, [&](JsMessage& m) {
        got.append(payloadOf(m));
        thread = QThread::currentThreadId();
    });
    // Inline: handled before push() returns, on the pushing thread.
    std::thread worker([&] {
        q->push(plainMessage(1));
        q->push(plainMessage(2));
    });
    worker.join();
    QCOMPARE(got, (QList<int>{1, 2}));
    QVERIFY(thread != QThread::currentThreadId());
    QCOMPARE(q->delivered(), quint64(2));
    QCOMPARE(q->undelivered(), qint64(0));

    std::shared_ptr<DeliveryQueue> q2;
    q2 = std::make_shared<DeliveryQueue>(
        nullptr, [&](JsMessage&) { undeliveredInside = q2->undelivered(); });
    q2->push(plainMessage(3));
    QCOMPARE(undeliveredInside, qint64(1)); // the message being handled counts

    // An action runs at once too.
    bool ran = false;
    q->pushAction([&] { ran = true; });
    QVERIFY(ran);
    QCOMPARE(q->delivered(), quint64(2)); // actions are not deliveries
}

void TestJsClient::queueOnContextThread() {
    QObject context; // lives on the test's thread
    QList<int> got;
    bool rightThread = true;
    auto q = std::make_shared<DeliveryQueue>(&context, [&](JsMessage& m) {
        rightThread = rightThread && QThread::currentThread() == context.thread();
        got.append(payloadOf(m));
    });
    std::thread worker([&] {
        for (int i = 0; i < 500; ++i)
            q->push(plainMessage(i));
    });
    worker.join();
    // Nothing ran yet: the test thread did not return to its event loop.
    QVERIFY(got.isEmpty());
    QCOMPARE(q->undelivered(), qint64(500));
    QCOMPARE(q->delivered(), quint64(0));
    QTRY_COMPARE(got.size(), 500);
    QVERIFY(rightThread);
    for (int i = 0; i < 500; ++i)
        QCOMPARE(got[i], i);
    QCOMPARE(q->delivered(), quint64(500));
    QCOMPARE(q->undelivered(), qint64(0));
}

void TestJsClient::queueActionAfterQueuedMessages() {
    QObject context;
    QStringList log;
    auto q = std::make_shared<DeliveryQueue>(
        &context, [&](JsMessage& m) { log << QString::number(payloadOf(m)); });
    std::thread worker([&] {
        q->push(plainMessage(1));
        q->push(plainMessage(2));
        q->pushAction([&] {
            QVERIFY(QThread::currentThread() == context.thread());
            // Everything pushed before the action was handled already.
            log << QStringLiteral("A(%1)").arg(q->delivered());
        });
        q->push(plainMessage(3));
        q->pushAction([&] { log << QStringLiteral("B(%1)").arg(q->delivered()); });
    });
    worker.join();
    QVERIFY(log.isEmpty());
    QCOMPARE(q->undelivered(), qint64(3)); // actions are not counted
    QTRY_COMPARE(log.size(), 5);
    QCOMPARE(log, (QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("A(2)"),
                               QStringLiteral("3"), QStringLiteral("B(3)")}));

    // A push that arrives while a batch is being handled goes into the next batch, still
    // after the action.
    log.clear();
    std::shared_ptr<DeliveryQueue> q2;
    q2 = std::make_shared<DeliveryQueue>(&context, [&](JsMessage& m) {
        log << QString::number(payloadOf(m));
        if (payloadOf(m) == 10)
            q2->pushAction([&] { log << QStringLiteral("late"); });
    });
    q2->push(plainMessage(10));
    q2->push(plainMessage(11));
    QTRY_COMPARE(log.size(), 3);
    QCOMPARE(log,
             (QStringList{QStringLiteral("10"), QStringLiteral("11"), QStringLiteral("late")}));
}

void TestJsClient::queueUndeliveredCounting() {
    QObject context;
    QList<qint64> seen;
    std::shared_ptr<DeliveryQueue> q;
    q = std::make_shared<DeliveryQueue>(&context, [&](JsMessage&) { seen << q->undelivered(); });
    for (int i = 0; i < 3; ++i)
        q->push(plainMessage(i));
    QCOMPARE(q->undelivered(), qint64(3));
    QTRY_COMPARE(seen.size(), 3);
    // Inside the handler: the message being handled and those still behind it in the batch.
    QCOMPARE(seen, (QList<qint64>{3, 2, 1}));
    QCOMPARE(q->undelivered(), qint64(0));
    QCOMPARE(q->delivered(), quint64(3));
}

void TestJsClient::queueStop() {
    QObject context;
    int handled = 0;
    bool actionRan = false;
    auto q = std::make_shared<DeliveryQueue>(&context, [&](JsMessage&) { ++handled; });
    q->push(plainMessage(1));
    q->push(plainMessage(2));
    q->pushAction([&] { actionRan = true; });
    q->stop();
    QCOMPARE(q->undelivered(), qint64(0));
    q->push(plainMessage(3)); // ignored after stop()
    q->pushAction([&] { actionRan = true; });
    QVERIFY(test::holdsFor(50, [&] { return handled == 0 && !actionRan; }));
    QCOMPARE(q->undelivered(), qint64(0));
    QCOMPARE(q->delivered(), quint64(0));

    int inlineHandled = 0;
    auto inl = std::make_shared<DeliveryQueue>(nullptr, [&](JsMessage&) { ++inlineHandled; });
    inl->push(plainMessage(1));
    inl->stop();
    inl->push(plainMessage(2));
    QCOMPARE(inlineHandled, 1);
    QCOMPARE(inl->delivered(), quint64(1));
}

void TestJsClient::queueStopInsideHandler() {
    QObject context;
    QList<int> got;
    bool actionRan = false;
    std::shared_ptr<DeliveryQueue> q;
    q = std::make_shared<DeliveryQueue>(&context, [&](JsMessage& m) {
        got << payloadOf(m);
        q->stop();
    });
    q->push(plainMessage(1));
    q->push(plainMessage(2));
    q->pushAction([&] { actionRan = true; });
    q->push(plainMessage(3));
    QTRY_COMPARE(got.size(), 1);
    // The rest of the batch is dropped.
    QVERIFY(test::holdsFor(50, [&] { return got == QList<int>{1} && !actionRan; }));
    QCOMPARE(q->undelivered(), qint64(0));
    QCOMPARE(q->delivered(), quint64(1));
}

void TestJsClient::queueContextDestroyed() {
    // Once its context object is gone, the queue must not call the handler any more, least of
    // all on the pushing thread: the handler belongs to the context's thread and may use it.
    auto context = std::make_unique<QObject>();
    std::atomic<int> handled{0};
    std::atomic<bool> wrongThread{false};
    QThread* const testThread = QThread::currentThread();
    auto q = std::make_shared<DeliveryQueue>(context.get(), [&](JsMessage&) {
        ++handled;
        if (QThread::currentThread() != testThread)
            wrongThread = true;
    });
    q->push(plainMessage(1));
    QTRY_COMPARE(handled.load(), 1);
    context.reset();
    std::thread worker([&] {
        q->push(plainMessage(2));
        q->pushAction([&] { wrongThread = true; });
    });
    worker.join();
    QCoreApplication::processEvents();
    QVERIFY2(!wrongThread, "the handler ran on the pushing thread after its context was destroyed");
    QCOMPARE(handled.load(), 1);
}

void TestJsClient::nakDelayPolicyParses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("back"); // toString(), or the error's words
    QTest::addColumn<bool>("ok");
    QTest::newRow("initial") << "1s"
                             << "1s,1m0s,x2,20%" << true;
    QTest::newRow("initial above default max") << "2m"
                                               << "2m0s,2m0s,x2,20%" << true;
    QTest::newRow("two") << "500ms,30s"
                         << "500ms,30s,x2,20%" << true;
    QTest::newRow("all") << "1s, 60s, x3, 10%"
                         << "1s,1m0s,x3,10%" << true;
    QTest::newRow("star") << "1s,*1.5,0%"
                          << "1s,1m0s,x1.5,0%" << true;
    QTest::newRow("empty") << ""
                           << "an empty part" << false;
    QTest::newRow("no initial") << "x2,20%"
                                << "the first delay is missing" << false;
    QTest::newRow("three durations") << "1s,2s,3s"
                                     << "more than two durations" << false;
    QTest::newRow("word") << "soon"
                          << "'soon' is not a duration" << false;
    QTest::newRow("percent") << "1s,lots%"
                             << "not a whole percent" << false;
    QTest::newRow("jitter") << "1s,150%"
                            << "the jitter is 0%-100%" << false;
    QTest::newRow("multiplier") << "1s,x0.5"
                                << "the multiplier is 1 to 10" << false;
    QTest::newRow("multiplier word") << "1s,xfast"
                                     << "not a multiplier" << false;
    QTest::newRow("zero") << "0s"
                          << "the first delay is 1ms to 1h" << false;
    QTest::newRow("cap below") << "10s,1s"
                               << "at least the first (10s)" << false;
    QTest::newRow("cap huge") << "1s,100h"
                              << "at most 12h" << false;
    QTest::newRow("trailing comma") << "1s,"
                                    << "an empty part" << false;
}

void TestJsClient::nakDelayPolicyParses() {
    QFETCH(QString, text);
    QFETCH(QString, back);
    QFETCH(bool, ok);
    auto p = NakDelayPolicy::parse(text);
    QCOMPARE(p.ok(), ok);
    if (!ok) {
        QCOMPARE(p.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(p.error().message.contains(back), qPrintable(p.error().message));
        return;
    }
    QCOMPARE(p->toString(), back);
    // The text it writes reads back as the same policy.
    auto again = NakDelayPolicy::parse(p->toString());
    QVERIFY(again);
    QVERIFY(again.value() == p.value());
}

QTEST_GUILESS_MAIN(TestJsClient)
#include "tst_jsclient.moc"
