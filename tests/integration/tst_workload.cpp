// The controlled publisher: plans and their validation, templates, and runs against a real
// nats-server with JetStream (core at a rate, JetStream async and sync with acks, templates
// and msg ids stored as asked, a run without a stream failing with its reason).
#include "core/client/connection.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/jetstream.h"
#include "core/workload/publishplan.h"
#include "core/workload/ratepublisher.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QtTest>

using namespace jetdeck;

class TestWorkload : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void templates();
    void validation_data();
    void validation();
    void headerLines();
    void renderer();
    void coreAtRate_data();
    void coreAtRate();
    void timedRun();
    void jetStreamAsync();
    void jetStreamSyncWithTemplates();
    void jetStreamWithoutStream();
    void stopEarly();

private:
    PublishSummary run(PublishPlan plan, int timeoutMs = 30000);

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<Connection> m_conn;
    std::unique_ptr<js::JetStream> m_js;
};

void TestWorkload::initTestCase() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    {
        const Status s = m_server->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    m_conn = std::make_unique<Connection>(test::optionsFor(m_server->url()));
    VERIFY_OK(m_conn->connectSync(5000));
    m_js = std::make_unique<js::JetStream>(m_conn.get());
    js::StreamConfig sc;
    sc.name = QStringLiteral("WL");
    sc.subjects = {QStringLiteral("wl.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(sc).ok());
}

PublishSummary TestWorkload::run(PublishPlan plan, int timeoutMs) {
    RatePublisher pub(m_conn.get(), std::move(plan));
    PublishSummary summary;
    bool done = false;
    connect(&pub, &RatePublisher::finished, this, [&](const PublishSummary& s) {
        summary = s;
        done = true;
    });
    pub.start();
    if (!QTest::qWaitFor([&] { return done; }, timeoutMs))
        qWarning("run did not finish in %d ms", timeoutMs);
    return summary;
}

void TestWorkload::templates() {
    const PayloadTemplate json(
        QByteArrayLiteral("{\"id\": {seq}, \"at\": {ts}, \"u\": \"{uuid}\"}"));
    QVERIFY(json.isTemplated());
    const QByteArray a = json.render(17, 1700000000123);
    QVERIFY2(a.startsWith("{\"id\": 17, \"at\": 1700000000123, \"u\": \""), a.constData());
    QCOMPARE(a.size(), json.maxRenderedSize(99));
    // Two renderings differ in their uuid.
    QVERIFY(json.render(17, 1) != json.render(17, 1));
    // Braces that are no placeholder stay as they are.
    const PayloadTemplate plain(QByteArrayLiteral("{seq {x} {} {SEQ}"));
    QVERIFY(!plain.isTemplated());
    QCOMPARE(plain.render(3, 0), QByteArrayLiteral("{seq {x} {} {SEQ}"));
    QCOMPARE(PayloadTemplate("a{seq}{seq}b").render(42, 0), QByteArrayLiteral("a4242b"));
    QCOMPARE(PayloadTemplate("{seq}").maxRenderedSize(100000), qsizetype(6));
}

void TestWorkload::validation_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("error"); // empty: valid
    QTest::newRow("ok") << ""
                        << ""
                        << "";
    QTest::newRow("no subject") << "subject"
                                << ""
                                << "Subject: enter";
    QTest::newRow("wildcard subject") << "subject"
                                      << "orders.*"
                                      << "Subject:";
    QTest::newRow("space in subject") << "subject"
                                      << "a b"
                                      << "Subject:";
    QTest::newRow("negative count") << "count"
                                    << "-1"
                                    << "Count: must be 0 or more";
    QTest::newRow("neither count nor duration") << "count"
                                                << "0"
                                                << "Count: give";
    QTest::newRow("negative rate") << "rate"
                                   << "-5"
                                   << "Rate:";
    QTest::newRow("burst 0") << "burst"
                             << "0"
                             << "Burst:";
    QTest::newRow("oversize") << "size"
                              << "2000000"
                              << "max_payload of 1048576";
    QTest::newRow("fixed msg id on many") << "msgid"
                                          << "same"
                                          << "Msg-Id: the same id";
    QTest::newRow("numbered msg id") << "msgid"
                                     << "o-{seq}"
                                     << "";
    QTest::newRow("js reply") << "jsreply"
                              << "r.x"
                              << "Reply: JetStream";
    QTest::newRow("bad header") << "header"
                                << "bad key"
                                << "Headers:";
}

void TestWorkload::validation() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, error);
    PublishPlan p;
    p.subject = "orders.new";
    p.count = 10;
    const QByteArray v = value.toUtf8();
    if (field == QLatin1String("subject"))
        p.subject = v;
    else if (field == QLatin1String("count"))
        p.count = v.toLongLong();
    else if (field == QLatin1String("rate"))
        p.rate = v.toDouble();
    else if (field == QLatin1String("burst"))
        p.burst = v.toInt();
    else if (field == QLatin1String("size"))
        p.size = v.toLongLong();
    else if (field == QLatin1String("msgid"))
        p.msgId = v;
    else if (field == QLatin1String("jsreply")) {
        p.mode = PublishMode::JetStreamAsync;
        p.reply = v;
    } else if (field == QLatin1String("header"))
        p.headers.append(v, "x");
    const Status s = p.validate(1048576);
    if (error.isEmpty())
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    else
        QVERIFY2(!s.ok() && s.message.contains(error), qPrintable(s.toString()));
}

void TestWorkload::headerLines() {
    auto h = parseHeaderLines(
        {QStringLiteral("Order-Type: express"), QString(), QStringLiteral("  X-Seq :  {seq} ")});
    QVERIFY(h);
    QCOMPARE(h->entries().size(), 2);
    QCOMPARE(h->value("X-Seq"), QByteArrayLiteral("{seq}"));
    auto bad = parseHeaderLines({QStringLiteral("ok: 1"), QStringLiteral("no colon here")});
    QVERIFY(!bad);
    QVERIFY2(bad.error().message.contains(QStringLiteral("header 2")),
             qPrintable(bad.error().message));
    auto badKey = parseHeaderLines({QStringLiteral("two words: v")});
    QVERIFY(!badKey);
    QVERIFY(badKey.error().message.contains(QStringLiteral("not a valid header name")));
}

void TestWorkload::renderer() {
    PublishPlan p;
    p.subject = "x";
    p.payload = "n={seq};";
    p.size = 20;
    p.msgId = "m-{seq}";
    p.stampSentTime = true;
    p.headers.append("Kind", "k{seq}");
    const MessageRenderer r(p);
    QVERIFY(!r.isConstant());
    const QByteArray body = r.body(5, 1'700'000'000'000'000);
    QCOMPARE(body.size(), 20);
    QVERIFY(body.startsWith("n=5;"));
    const Headers h = r.headers(5, 1'700'000'000'000'123);
    QCOMPARE(h.value("Nats-Msg-Id"), QByteArrayLiteral("m-5"));
    QCOMPARE(h.value("Kind"), QByteArrayLiteral("k5"));
    QCOMPARE(h.value(kSentHeader), QByteArrayLiteral("1700000000000123"));
    QVERIFY(!r.headers(5, 0, false).contains("Nats-Msg-Id"));
    PublishPlan c;
    c.subject = "x";
    c.size = 3;
    const MessageRenderer rc(c);
    QVERIFY(rc.isConstant());
    QCOMPARE(rc.body(1, 0), QByteArrayLiteral("012"));
    QVERIFY(rc.headerBlock(1, 0).isEmpty());
}

void TestWorkload::coreAtRate_data() {
    QTest::addColumn<double>("rate");
    QTest::addColumn<qint64>("count");
    QTest::newRow("100/s") << 100.0 << qint64(200);
    QTest::newRow("10,000/s") << 10000.0 << qint64(20000);
    QTest::newRow("100,000/s") << 100000.0 << qint64(300000);
}

void TestWorkload::coreAtRate() {
    QFETCH(double, rate);
    QFETCH(qint64, count);
    // A subscriber on a second connection counts what arrived.
    Connection sub(test::optionsFor(m_server->url()));
    VERIFY_OK(sub.connectSync(5000));
    std::atomic<qint64> got{0};
    auto s = sub.subscribeInline("rate.test", [&](const MsgView&) { ++got; });
    QVERIFY(s);
    VERIFY_OK(sub.flushSync(3000));
    PublishPlan p;
    p.subject = "rate.test";
    p.size = 64;
    p.count = count;
    p.rate = rate;
    const PublishSummary r = run(p);
    QVERIFY2(r.clean(), qPrintable(r.toText()));
    QCOMPARE(r.attempted, count);
    QCOMPARE(r.sent, count);
    QCOMPARE(r.bytes, count * 64);
    // count messages on a schedule starting at once: the last is due at (count-1)/rate.
    const double expected = double(count - 1) / rate;
    QVERIFY2(qAbs(r.seconds - expected) / expected < 0.02,
             qPrintable(QStringLiteral("took %1 s, expected %2 s").arg(r.seconds).arg(expected)));
    QTRY_COMPARE_WITH_TIMEOUT(got.load(), count, 10000);
}

void TestWorkload::timedRun() {
    PublishPlan p;
    p.subject = "timed.run";
    p.count = 0;
    p.durationMs = 1500;
    p.rate = 1000;
    p.burst = 50; // 20 bursts a second
    const PublishSummary r = run(p);
    QVERIFY2(r.clean(), qPrintable(r.toText()));
    // Bursts of 50 at 0, 50 ms, ..., 1450 ms: 30 bursts.
    QVERIFY2(r.attempted >= 1500 && r.attempted <= 1550, qPrintable(r.toText()));
    QVERIFY2(r.seconds >= 1.45 && r.seconds < 1.7, qPrintable(r.toText()));
}

void TestWorkload::jetStreamAsync() {
    const auto before = m_js->streamInfo(QStringLiteral("WL"));
    QVERIFY(before);
    PublishPlan p;
    p.subject = "wl.async";
    p.mode = PublishMode::JetStreamAsync;
    p.size = 128;
    p.count = 20000;
    p.jsWindow = 1000;
    const PublishSummary r = run(p);
    QVERIFY2(r.clean(), qPrintable(r.toText()));
    QCOMPARE(r.acked, qint64(20000));
    QCOMPARE(r.ackLatency.count, quint64(20000));
    QVERIFY(r.ackLatency.p50 > 0 && r.ackLatency.p50 <= r.ackLatency.p99);
    const auto after = m_js->streamInfo(QStringLiteral("WL"));
    QVERIFY(after);
    QCOMPARE(after->state.messages - before->state.messages, quint64(20000));
    QVERIFY2(r.toText().contains(QStringLiteral("PubAck P50")), qPrintable(r.toText()));
}

void TestWorkload::jetStreamSyncWithTemplates() {
    PublishPlan p;
    p.subject = "wl.sync";
    p.mode = PublishMode::JetStreamSync;
    p.payload = "{\"order\": {seq}}";
    p.msgId = "sync-{seq}";
    p.headers.append("Order-Kind", "express-{seq}");
    p.count = 50;
    const PublishSummary first = run(p);
    QVERIFY2(first.clean(), qPrintable(first.toText()));
    QCOMPARE(first.acked, qint64(50));
    QCOMPARE(first.duplicates, qint64(0));
    // The same ids again: the stream keeps one copy of each and says so.
    const PublishSummary again = run(p);
    QCOMPARE(again.acked, qint64(50));
    QCOMPARE(again.duplicates, qint64(50));
    auto last = m_js->getLastMessage(QStringLiteral("WL"), QStringLiteral("wl.sync"));
    QVERIFY2(last, qPrintable(last.error().toString()));
    QCOMPARE(last->data, QByteArrayLiteral("{\"order\": 50}"));
    QCOMPARE(last->headers.value("Nats-Msg-Id"), QByteArrayLiteral("sync-50"));
    QCOMPARE(last->headers.value("Order-Kind"), QByteArrayLiteral("express-50"));
}

void TestWorkload::jetStreamWithoutStream() {
    PublishPlan p;
    p.subject = "nostream.here";
    p.mode = PublishMode::JetStreamAsync;
    p.count = 5;
    const PublishSummary r = run(p);
    QVERIFY(!r.clean());
    QCOMPARE(r.failed, qint64(5));
    QCOMPARE(r.failures.size(), 1);
    QVERIFY2(r.failures.firstKey().contains(QStringLiteral("no stream")), qPrintable(r.toText()));
    QCOMPARE(r.failures.first(), qint64(5));
}

void TestWorkload::stopEarly() {
    PublishPlan p;
    p.subject = "stop.early";
    p.count = 1000;
    p.rate = 100; // 10 s if not stopped
    RatePublisher pub(m_conn.get(), p);
    PublishSummary summary;
    bool done = false;
    connect(&pub, &RatePublisher::finished, this, [&](const PublishSummary& s) {
        summary = s;
        done = true;
    });
    pub.start();
    QTest::qWait(300); // mid-run
    QVERIFY(pub.isRunning());
    const PublishProgress mid = pub.progress();
    QVERIFY(mid.running);
    QCOMPARE(mid.total, qint64(1000));
    QVERIFY2(mid.attempted >= 20 && mid.attempted <= 40,
             qPrintable(QString::number(mid.attempted)));
    pub.stop();
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QVERIFY(summary.stopped);
    QVERIFY(!summary.clean());
    QVERIFY(summary.attempted < 100);
    QCOMPARE(summary.sent, summary.attempted);
    QVERIFY(!pub.isRunning());
}

QTEST_GUILESS_MAIN(TestWorkload)
#include "tst_workload.moc"
