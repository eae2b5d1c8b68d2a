// JetStream against real nats-server processes on loopback: stream and consumer management and
// their typed errors, publishing with acks (sync and async, 100,000 messages), push consumers
// (flow control, heartbeats, deliver groups), pull consumers (fetch statuses, continuous
// consume), acknowledgements (nak with delay, in progress, term, ack sync), the redelivery
// tracker against the server's own CONSUMER.INFO and advisories, the consumer monitor, and
// recovery: a killed file-storage server, and a three-node cluster that moves a consumer leader
// or loses its stream leader.
//
// One JetStream server serves most tests (each cleans up its streams); tests that kill or
// pause a server start their own. Every wait is bounded; timing bounds leave room for a
// loaded two-core CI machine and for sanitizer builds.
#include "core/jetstream/asyncpublisher.h"
#include "core/jetstream/consumermonitor.h"
#include "core/jetstream/pullconsumer.h"
#include "core/jetstream/pushconsumer.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <vector>

using namespace jetdeck;
using namespace jetdeck::js;
using namespace jetdeck::test;

namespace {

/// Upper bound of the waits for something that should happen within a second or two.
constexpr int kWaitMs = 20000;

qint64 ms(qint64 v) {
    return v * 1000000;
}

qint64 nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

quint64 sum(const QList<quint64>& v) {
    return std::accumulate(v.cbegin(), v.cend(), quint64(0));
}

bool isOk(const Error& e) {
    return e.ok();
}
template <typename T>
bool isOk(const Result<T>& r) {
    return r.ok();
}
QString describe(const Error& e) {
    return e.toString();
}
template <typename T>
QString describe(const Result<T>& r) {
    return r.ok() ? QString() : r.error().toString();
}

/// Fails the test with the error's text unless `expr` (a Status or a Result) succeeded.
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        const auto& r_ = (expr);                                                                   \
        QVERIFY2(isOk(r_), qPrintable(describe(r_)));                                              \
    } while (false)

/// A connection on its own thread with a JetStream context for it.
class Client {
public:
    explicit Client(const QString& urls)
        : m_thread(fastOptions(urls))
        , m_js(m_thread.connection()) {}
    Status connect() { return m_thread->connectSync(); }
    Connection* conn() const { return m_thread.connection(); }
    const JetStream& js() const { return m_js; }

private:
    ConnectionThread m_thread;
    JetStream m_js;
};

#define CONNECT(var, urls)                                                                         \
    Client var(urls);                                                                              \
    do {                                                                                           \
        const Status s_ = var.connect();                                                           \
        QVERIFY2(s_.ok(), qPrintable(s_.toString()));                                              \
    } while (false)

StreamConfig streamConfig(const QString& name, const QStringList& subjects,
                          StorageType storage = StorageType::Memory, int replicas = 1) {
    StreamConfig c;
    c.name = name;
    c.subjects = subjects;
    c.storage = storage;
    c.replicas = replicas;
    return c;
}

ConsumerConfig pullConfig(const QString& name, qint64 ackWaitMs = 30000, int maxDeliver = -1) {
    ConsumerConfig c;
    c.durableName = name;
    c.ackPolicy = AckPolicy::Explicit;
    c.ackWaitNs = ms(ackWaitMs);
    c.maxDeliver = maxDeliver;
    return c;
}

ConsumerConfig pushConfig(const QString& name, const QString& deliverSubject, int heartbeatMs = 0,
                          const QString& group = {}) {
    ConsumerConfig c;
    c.durableName = name;
    c.deliverSubject = deliverSubject;
    c.deliverGroup = group;
    c.idleHeartbeatNs = ms(heartbeatMs);
    c.ackPolicy = AckPolicy::Explicit;
    return c;
}

/// Runs destroyOffThreadScenario() instead of the tests (see destroyedOffConnectionThread).
const char* const kChildArg = "--destroy-off-thread-scenario";

/// Deletes an object on its connection's thread. AsyncPublisher, PullConsumer and PushConsumer
/// move themselves to their connection's thread; destroying them elsewhere is the subject of
/// destroyedOffConnectionThread alone, the other tests own them through this.
struct DeleteOnConnectionThread {
    Connection* conn = nullptr;
    void operator()(QObject* o) const {
        QThread* t = o->thread();
        if (t == QThread::currentThread() || !t->isRunning())
            delete o;
        else
            QMetaObject::invokeMethod(
                conn, [o] { delete o; }, Qt::BlockingQueuedConnection);
    }
};
template <typename T>
using Owned = std::unique_ptr<T, DeleteOnConnectionThread>;
template <typename T, typename... Args>
Owned<T> makeOwned(Connection* conn, Args&&... args) {
    return Owned<T>(new T(std::forward<Args>(args)...), DeleteOnConnectionThread{conn});
}

/// Publishes `n` messages through an AsyncPublisher and waits for every PubAck.
Status publishMany(Connection* c, const QByteArray& subject, int n, int size = 16) {
    const auto pub = makeOwned<AsyncPublisher>(c, c);
    if (Status s = pub->start(); !s.ok())
        return s;
    const QByteArray payload(size, 'p');
    for (int i = 0; i < n; ++i)
        if (auto id = pub->publish(subject, payload); !id)
            return id.error();
    if (Status s = pub->waitComplete(kWaitMs); !s.ok())
        return s;
    const AsyncPublishStats st = pub->stats();
    if (st.acked != quint64(n))
        return Error{ErrorKind::JetStream,
                     QStringLiteral("%1 of %2 acked (%3 failed, %4 timed out)")
                         .arg(st.acked)
                         .arg(n)
                         .arg(st.failed)
                         .arg(st.timedOut)};
    return {};
}

/// Every delivery a handler saw, with its metadata; filled on any thread.
class Deliveries {
public:
    struct Entry {
        quint64 seq = 0;
        quint64 delivered = 0;
        qint64 atMs = 0;
        QByteArray msgId;
    };
    void add(const JsMessage& m) {
        Entry e{m.metadata().streamSeq, m.metadata().delivered, nowMs(),
                m.headers().value("Nats-Msg-Id")};
        std::lock_guard lock(m_mu);
        m_entries.append(e);
    }
    int size() const {
        std::lock_guard lock(m_mu);
        return int(m_entries.size());
    }
    QList<Entry> all() const {
        std::lock_guard lock(m_mu);
        return m_entries;
    }
    int distinct() const {
        std::lock_guard lock(m_mu);
        QSet<quint64> s;
        for (const Entry& e : m_entries)
            s.insert(e.seq);
        return int(s.size());
    }
    /// The delivery counts seen for one stream sequence, in arrival order.
    QList<quint64> countsOf(quint64 seq) const {
        std::lock_guard lock(m_mu);
        QList<quint64> out;
        for (const Entry& e : m_entries)
            if (e.seq == seq)
                out.append(e.delivered);
        return out;
    }
    QList<Entry> of(quint64 seq) const {
        std::lock_guard lock(m_mu);
        QList<Entry> out;
        for (const Entry& e : m_entries)
            if (e.seq == seq)
                out.append(e);
        return out;
    }

private:
    mutable std::mutex m_mu;
    QList<Entry> m_entries;
};

QString pullStatsText(const PullStats& s) {
    return QStringLiteral("pulls %1, delivered %2, 404 %3, 408 %4, 409 %5, heartbeats %6, missed "
                          "heartbeats %7, re-pulls after reconnect %8 / conflict %9, last '%10'")
        .arg(s.pulls)
        .arg(s.delivered)
        .arg(s.noMessages)
        .arg(s.expired)
        .arg(s.conflicts)
        .arg(s.heartbeats)
        .arg(s.missedHeartbeats)
        .arg(s.repullsAfterReconnect)
        .arg(s.repullsAfterConflict)
        .arg(s.lastStatus);
}

QString trackerText(const RedeliveryStats& s) {
    QStringList hist;
    for (quint64 c : s.deliveryCounts)
        hist << QString::number(c);
    return QStringLiteral("delivered %1 (first %2, redelivered %3: after NAK %4, after ack wait "
                          "%5), acked %6, naked %7, wpi %8, term %9, max deliveries %10, "
                          "terminated advisories %11, histogram [%12]")
        .arg(s.delivered)
        .arg(s.firstDeliveries)
        .arg(s.redelivered)
        .arg(s.afterNak)
        .arg(s.afterAckWait)
        .arg(s.acked)
        .arg(s.naked)
        .arg(s.inProgress)
        .arg(s.terminated)
        .arg(s.maxDeliveriesReached)
        .arg(s.terminatedAdvisories)
        .arg(hist.join(QLatin1Char(',')));
}

QString consumerText(const ConsumerInfo& i) {
    return QStringLiteral("delivered %1/%2, ack floor %3/%4, ack pending %5, redelivered %6, "
                          "pending %7, waiting %8")
        .arg(i.delivered.consumerSeq)
        .arg(i.delivered.streamSeq)
        .arg(i.ackFloor.consumerSeq)
        .arg(i.ackFloor.streamSeq)
        .arg(i.numAckPending)
        .arg(i.numRedelivered)
        .arg(i.numPending)
        .arg(i.numWaiting);
}

/// Retries `add` while a fresh cluster is still settling (no meta leader yet, peers not yet
/// known: "insufficient resources", "temporarily unavailable").
Result<StreamInfo> addStreamSettling(const JetStream& js, const StreamConfig& cfg) {
    QElapsedTimer t;
    t.start();
    for (;;) {
        auto r = js.addStream(cfg);
        if (r || t.elapsed() > 30000)
            return r;
        QTest::qWait(250);
    }
}

} // namespace

class TestJetStream : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    // management
    void streamManagement();
    void streamNamesAndList();
    void streamErrors();
    void invalidConfigRejectedLocally();
    void jetStreamNotEnabled();
    void consumerManagement();

    // publishing
    void publishSync();
    void publishRetryAndNoResponders();
    void asyncPublish100k();
    void asyncPublishTimeouts();
    void asyncWaitCompleteReportsEverything();
    void destroyedOffConnectionThread();

    // push
    void pushFlowControl();
    void pushHeartbeats();
    void pushDeliverGroup();
    void pushConsumerDeletedFails();

    // pull
    void pullFetchStatuses();
    void pullConsumeContinuous();

    // acks and redeliveries
    void ackWaitRedeliveries();
    void maxDeliverWithBackoffAdvisory();
    void nakWithDelay();
    void inProgressExtendsAckWait();
    void termStopsRedelivery();
    void ackSyncIsRecorded();
    void trackerMatchesServer();
    void consumerMonitor();

    // recovery
    void fileStorageKillMidConsume();
    void consumersReArmedAfterReconnect();
    void clusterConsumerLeaderChange();
    void clusterStreamLeaderKilled();

private:
    Status ensureCluster();
    QString clusterUrls() const;

    std::unique_ptr<NatsServerProcess> m_server;
    Servers m_cluster;
};

void TestJetStream::initTestCase() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestJetStream::cleanupTestCase() {
    m_server.reset();
    m_cluster.clear();
}

void TestJetStream::cleanup() {
    // Each test leaves the shared server without streams.
    if (!m_server || !m_server->isRunning())
        return;
    Client c(m_server->url());
    if (!c.connect().ok())
        return;
    if (auto names = c.js().streamNames())
        for (const QString& n : names.value())
            c.js().deleteStream(n);
}

// --- management ------------------------------------------------------------------------------

void TestJetStream::streamManagement() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();

    StreamConfig cfg = streamConfig(QStringLiteral("MGMT"), {QStringLiteral("mgmt.>")});
    auto added = js.addStream(cfg);
    CHECK_OK(added);
    QCOMPARE(added->config.name, QStringLiteral("MGMT"));
    QCOMPARE(added->config.subjects, QStringList{QStringLiteral("mgmt.>")});
    QVERIFY(added->config.storage == StorageType::Memory);
    QCOMPARE(added->config.maxMsgs, qint64(-1));
    QCOMPARE(added->state.messages, quint64(0));
    QVERIFY(added->created.isValid());
    QVERIFY(added->cluster.replicas.isEmpty());

    auto info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->config.name, QStringLiteral("MGMT"));
    QCOMPARE(info->created, added->created);

    // Update: raise max_msgs, add a description.
    cfg = info->config;
    cfg.maxMsgs = 1000;
    cfg.description = QStringLiteral("raised");
    auto updated = js.updateStream(cfg);
    CHECK_OK(updated);
    QCOMPARE(updated->config.maxMsgs, qint64(1000));
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->config.maxMsgs, qint64(1000));
    QCOMPARE(info->config.description, QStringLiteral("raised"));

    // 10 on mgmt.a (odd sequences), 10 on mgmt.b (even sequences).
    for (int i = 0; i < 10; ++i) {
        CHECK_OK(js.publish("mgmt.a", QByteArray::number(i)));
        CHECK_OK(js.publish("mgmt.b", QByteArray::number(i)));
    }
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(20));
    QCOMPARE(info->state.lastSeq, quint64(20));
    QCOMPARE(info->state.numSubjects, qint64(2));

    // Keep the newest 14 (from sequence 7 on).
    auto purged = js.purgeStream(QStringLiteral("MGMT"), {}, 14);
    CHECK_OK(purged);
    QCOMPARE(purged.value(), quint64(6));
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(14));
    QCOMPARE(info->state.firstSeq, quint64(7));

    // One subject, keeping its newest 2 (17 and 19 of 7, 9, ... 19).
    purged = js.purgeStream(QStringLiteral("MGMT"), QStringLiteral("mgmt.a"), 2);
    CHECK_OK(purged);
    QCOMPARE(purged.value(), quint64(5));
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(9));

    // One subject, all of it.
    purged = js.purgeStream(QStringLiteral("MGMT"), QStringLiteral("mgmt.a"));
    CHECK_OK(purged);
    QCOMPARE(purged.value(), quint64(2));
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(7));
    QCOMPARE(info->state.firstSeq, quint64(8));

    // Everything below sequence 14 (8, 10, 12).
    purged = js.purgeStream(QStringLiteral("MGMT"), {}, 0, 14);
    CHECK_OK(purged);
    QCOMPARE(purged.value(), quint64(3));
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(4));
    QCOMPARE(info->state.firstSeq, quint64(14));

    // Keep and a sequence together are refused here.
    QCOMPARE(js.purgeStream(QStringLiteral("MGMT"), {}, 1, 19).error().kind,
             ErrorKind::InvalidArgument);

    // All.
    purged = js.purgeStream(QStringLiteral("MGMT"));
    CHECK_OK(purged);
    QCOMPARE(purged.value(), quint64(4));
    info = js.streamInfo(QStringLiteral("MGMT"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(0));
    QCOMPARE(info->state.lastSeq, quint64(20));

    // Delete.
    CHECK_OK(js.deleteStream(QStringLiteral("MGMT")));
    info = js.streamInfo(QStringLiteral("MGMT"));
    QVERIFY(!info);
    QCOMPARE(info.error().kind, ErrorKind::NotFound);
    QCOMPARE(info.error().apiErrCode, 10059);
}

void TestJetStream::streamNamesAndList() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    QStringList made;
    for (int i = 1; i <= 5; ++i) {
        const QString name = QStringLiteral("PAGE_%1").arg(i);
        CHECK_OK(js.addStream(streamConfig(name, {QStringLiteral("page.%1.>").arg(i)})));
        made << name;
    }
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("OTHER"), {QStringLiteral("other.>")})));
    CHECK_OK(js.publish("page.2.x", "a"));
    CHECK_OK(js.publish("page.2.y", "b"));

    auto all = js.streamNames();
    CHECK_OK(all);
    QStringList names = all.value();
    names.sort();
    QCOMPARE(names, QStringList{QStringLiteral("OTHER")} + made);

    // A subject filter: the streams whose subjects overlap it.
    auto one = js.streamNames(QStringLiteral("page.3.x"));
    CHECK_OK(one);
    QCOMPARE(one.value(), QStringList{QStringLiteral("PAGE_3")});
    auto pages = js.streamNames(QStringLiteral("page.>"));
    CHECK_OK(pages);
    names = pages.value();
    names.sort();
    QCOMPARE(names, made);
    auto none = js.streamNames(QStringLiteral("nothing.here"));
    CHECK_OK(none);
    QVERIFY(none->isEmpty());

    // The list agrees with the names and with the account's count.
    auto list = js.listStreams();
    CHECK_OK(list);
    QCOMPARE(list->size(), qsizetype(6));
    auto account = js.accountInfo();
    CHECK_OK(account);
    QCOMPARE(account->streams, 6);
    bool sawPage2 = false;
    for (const StreamInfo& si : list.value()) {
        QVERIFY(all->contains(si.config.name));
        if (si.config.name == QLatin1String("PAGE_2")) {
            sawPage2 = true;
            QCOMPARE(si.state.messages, quint64(2));
            QCOMPARE(si.config.subjects, QStringList{QStringLiteral("page.2.>")});
        }
    }
    QVERIFY(sawPage2);

    for (const QString& n : std::as_const(made))
        CHECK_OK(js.deleteStream(n));
    pages = js.streamNames(QStringLiteral("page.>"));
    CHECK_OK(pages);
    QVERIFY(pages->isEmpty());
    list = js.listStreams();
    CHECK_OK(list);
    QCOMPARE(list->size(), qsizetype(1));
}

void TestJetStream::streamErrors() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();

    auto missing = js.streamInfo(QStringLiteral("NOPE"));
    QVERIFY(!missing);
    QCOMPARE(missing.error().kind, ErrorKind::NotFound);
    QCOMPARE(missing.error().apiErrCode, 10059);
    QCOMPARE(missing.error().apiCode, 404);
    QCOMPARE(missing.error().serverText, QByteArray("stream not found"));
    QVERIFY(missing.error().toString().contains(QLatin1String("stream not found")));

    const Status del = js.deleteStream(QStringLiteral("NOPE"));
    QCOMPARE(del.kind, ErrorKind::NotFound);
    QCOMPARE(del.apiErrCode, 10059);
    QCOMPARE(js.purgeStream(QStringLiteral("NOPE")).error().apiErrCode, 10059);
    QCOMPARE(js.updateStream(streamConfig(QStringLiteral("NOPE"), {QStringLiteral("nope.>")}))
                 .error()
                 .kind,
             ErrorKind::NotFound);

    const StreamConfig cfg = streamConfig(QStringLiteral("ERR"), {QStringLiteral("err.a")});
    CHECK_OK(js.addStream(cfg));
    CHECK_OK(js.addStream(cfg)); // the same configuration again is fine

    StreamConfig other = cfg;
    other.subjects = {QStringLiteral("err.b")};
    auto inUse = js.addStream(other);
    QVERIFY(!inUse);
    QCOMPARE(inUse.error().kind, ErrorKind::AlreadyExists);
    QCOMPARE(inUse.error().apiErrCode, 10058);
    QCOMPARE(inUse.error().serverText,
             QByteArray("stream name already in use with a different configuration"));

    auto overlap = js.addStream(streamConfig(QStringLiteral("ERR2"), {QStringLiteral("err.*")}));
    QVERIFY(!overlap);
    QCOMPARE(overlap.error().kind, ErrorKind::JetStream);
    QCOMPARE(overlap.error().apiErrCode, 10065);
    QCOMPARE(overlap.error().serverText, QByteArray("subjects overlap with an existing stream"));

    // A consumer of a missing stream: the stream's error.
    auto noStream = js.consumerInfo(QStringLiteral("NOPE"), QStringLiteral("C"));
    QCOMPARE(noStream.error().kind, ErrorKind::NotFound);
    QCOMPARE(noStream.error().apiErrCode, 10059);
}

void TestJetStream::invalidConfigRejectedLocally() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(c.conn()->flushSync());
    const quint64 before = c.conn()->stats().outMsgs;

    struct Case {
        StreamConfig cfg;
        QString mentions;
    };
    QList<Case> cases;
    cases.append({streamConfig(QStringLiteral("bad.name"), {}), QStringLiteral("stream name")});
    cases.append({streamConfig(QString(), {}), QStringLiteral("stream name")});
    StreamConfig c1 = streamConfig(QStringLiteral("BAD"), {QStringLiteral("bad.>")});
    c1.maxMsgs = -5;
    cases.append({c1, QStringLiteral("max messages")});
    StreamConfig c2 = c1;
    c2.maxMsgs = -1;
    c2.duplicateWindowNs = ms(50);
    cases.append({c2, QStringLiteral("duplicate window")});
    StreamConfig c3 = c1;
    c3.maxMsgs = -1;
    c3.replicas = 0;
    cases.append({c3, QStringLiteral("replicas")});
    StreamConfig c4 = c1;
    c4.maxMsgs = -1;
    c4.denyPurge = true;
    c4.allowRollup = true;
    cases.append({c4, QStringLiteral("purge")});

    for (const Case& k : std::as_const(cases)) {
        auto r = js.addStream(k.cfg);
        QVERIFY(!r);
        QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(r.error().message.contains(k.mentions), qPrintable(r.error().message));
        auto u = js.updateStream(k.cfg);
        QCOMPARE(u.error().kind, ErrorKind::InvalidArgument);
    }
    ConsumerConfig bad = pullConfig(QStringLiteral("C"));
    bad.idleHeartbeatNs = ms(1000); // push only
    auto rc = js.addConsumer(QStringLiteral("ANY"), bad);
    QCOMPARE(rc.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(rc.error().message.contains(QLatin1String("idle heartbeat")),
             qPrintable(rc.error().message));
    QCOMPARE(js.streamInfo(QStringLiteral("a b")).error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(js.consumerInfo(QStringLiteral("S"), QStringLiteral("x.y")).error().kind,
             ErrorKind::InvalidArgument);

    // Not one request went out.
    CHECK_OK(c.conn()->flushSync());
    QCOMPARE(c.conn()->stats().outMsgs, before);
}

void TestJetStream::jetStreamNotEnabled() {
    JETDECK_START_SERVER(plain); // no JetStream
    CONNECT(c, plain->url());
    const JetStream& js = c.js();
    QElapsedTimer t;
    t.start();
    auto account = js.accountInfo();
    QVERIFY(!account);
    QCOMPARE(account.error().kind, ErrorKind::JetStreamNotEnabled);
    QVERIFY2(account.error().message.contains(QLatin1String("JetStream")),
             qPrintable(account.error().message));
    QVERIFY2(t.elapsed() < 3000, "no responders should answer at once, not after a timeout");
    QCOMPARE(js.addStream(streamConfig(QStringLiteral("S"), {QStringLiteral("s")})).error().kind,
             ErrorKind::JetStreamNotEnabled);
    QCOMPARE(js.streamNames().error().kind, ErrorKind::JetStreamNotEnabled);
    QCOMPARE(js.streamInfo(QStringLiteral("S")).error().kind, ErrorKind::JetStreamNotEnabled);
}

void TestJetStream::consumerManagement() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("CONS");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("cons.>")})));
    for (int i = 0; i < 3; ++i)
        CHECK_OK(js.publish("cons.a", "a"));
    for (int i = 0; i < 2; ++i)
        CHECK_OK(js.publish("cons.b", "b"));

    // Durable pull.
    ConsumerConfig pull = pullConfig(QStringLiteral("PULLC"), 10000, 5);
    pull.filterSubject = QStringLiteral("cons.a");
    pull.maxAckPending = 100;
    auto p = js.addConsumer(stream, pull);
    CHECK_OK(p);
    QCOMPARE(p->name, QStringLiteral("PULLC"));
    QCOMPARE(p->stream, stream);
    QVERIFY(!p->config.isPush());
    QCOMPARE(p->config.ackWaitNs, ms(10000));
    QCOMPARE(p->config.maxDeliver, 5);
    QCOMPARE(p->config.maxAckPending, 100);
    QCOMPARE(p->config.filterSubject, QStringLiteral("cons.a"));
    QCOMPARE(p->numPending, qint64(3));

    // A wildcard filter: it cannot go into the create subject (a subject to publish to), only
    // into the body.
    ConsumerConfig wild = pullConfig(QStringLiteral("WILDC"), 10000, 5);
    wild.filterSubject = QStringLiteral("cons.*");
    auto w = js.addConsumer(stream, wild);
    CHECK_OK(w);
    QCOMPARE(w->config.filterSubject, QStringLiteral("cons.*"));
    QCOMPARE(w->numPending, qint64(5));
    CHECK_OK(js.deleteConsumer(stream, QStringLiteral("WILDC")));

    // Durable push with a deliver group.
    ConsumerConfig push = pushConfig(QStringLiteral("PUSHC"), QStringLiteral("deliver.cons"), 0,
                                     QStringLiteral("grp"));
    auto q = js.addConsumer(stream, push);
    CHECK_OK(q);
    QVERIFY(q->config.isPush());
    QCOMPARE(q->config.deliverSubject, QStringLiteral("deliver.cons"));
    QCOMPARE(q->config.deliverGroup, QStringLiteral("grp"));
    QVERIFY(!q->pushBound);
    QCOMPARE(q->numPending, qint64(5));

    // Info.
    auto info = js.consumerInfo(stream, QStringLiteral("PULLC"));
    CHECK_OK(info);
    QCOMPARE(info->config, p->config);
    QVERIFY(info->created.isValid());

    // Update: creating again with changed updatable fields.
    pull.description = QStringLiteral("updated");
    pull.maxAckPending = 200;
    auto updated = js.addConsumer(stream, pull);
    CHECK_OK(updated);
    QCOMPARE(updated->config.maxAckPending, 200);
    info = js.consumerInfo(stream, QStringLiteral("PULLC"));
    CHECK_OK(info);
    QCOMPARE(info->config.description, QStringLiteral("updated"));
    QCOMPARE(info->config.maxAckPending, 200);
    QCOMPARE(info->created, p->created);

    // A field the server will not change: its error, with its text.
    ConsumerConfig changedPolicy = pull;
    changedPolicy.ackPolicy = AckPolicy::All;
    auto refused = js.addConsumer(stream, changedPolicy);
    QVERIFY(!refused);
    QVERIFY2(refused.error().apiErrCode != 0, qPrintable(refused.error().toString()));
    QVERIFY2(!refused.error().serverText.isEmpty(), qPrintable(refused.error().toString()));

    // Names and list.
    auto names = js.consumerNames(stream);
    CHECK_OK(names);
    QStringList sorted = names.value();
    sorted.sort();
    QCOMPARE(sorted, (QStringList{QStringLiteral("PULLC"), QStringLiteral("PUSHC")}));
    auto list = js.listConsumers(stream);
    CHECK_OK(list);
    QCOMPARE(list->size(), qsizetype(2));
    for (const ConsumerInfo& ci : list.value()) {
        QCOMPARE(ci.stream, stream);
        QVERIFY(names->contains(ci.name));
        if (ci.name == QLatin1String("PUSHC"))
            QCOMPARE(ci.config.deliverGroup, QStringLiteral("grp"));
    }

    // Not found.
    auto gone = js.consumerInfo(stream, QStringLiteral("NOPE"));
    QVERIFY(!gone);
    QCOMPARE(gone.error().kind, ErrorKind::NotFound);
    QCOMPARE(gone.error().apiErrCode, 10014);
    QCOMPARE(gone.error().serverText, QByteArray("consumer not found"));

    // Delete.
    CHECK_OK(js.deleteConsumer(stream, QStringLiteral("PULLC")));
    names = js.consumerNames(stream);
    CHECK_OK(names);
    QCOMPARE(names.value(), QStringList{QStringLiteral("PUSHC")});
    const Status again = js.deleteConsumer(stream, QStringLiteral("PULLC"));
    QCOMPARE(again.kind, ErrorKind::NotFound);
    QCOMPARE(again.apiErrCode, 10014);

    // A configuration this server cannot honour is refused before anything is sent.
    CHECK_OK(c.conn()->flushSync());
    const quint64 before = c.conn()->stats().outMsgs;
    ConsumerConfig paused = pullConfig(QStringLiteral("PAUSED"));
    paused.pauseUntil = QDateTime::currentDateTimeUtc().addSecs(3600);
    auto unsupported = js.addConsumer(stream, paused);
    QVERIFY(!unsupported);
    QCOMPARE(unsupported.error().kind, ErrorKind::Unsupported);
    QVERIFY2(unsupported.error().message.contains(QLatin1String("2.11")),
             qPrintable(unsupported.error().message));
    CHECK_OK(c.conn()->flushSync());
    QCOMPARE(c.conn()->stats().outMsgs, before);
    auto stillGone = js.consumerInfo(stream, QStringLiteral("PAUSED"));
    QCOMPARE(stillGone.error().kind, ErrorKind::NotFound);
}

// --- publishing ------------------------------------------------------------------------------

void TestJetStream::publishSync() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("PUBS"), {QStringLiteral("pubs.>")})));

    auto a = js.publish("pubs.a", "one");
    CHECK_OK(a);
    QCOMPARE(a->stream, QStringLiteral("PUBS"));
    QCOMPARE(a->seq, quint64(1));
    QVERIFY(!a->duplicate);
    QVERIFY(a->domain.isEmpty());
    a = js.publish("pubs.a", "two");
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(2));

    // Message ids: the second publish with the same id is a duplicate of the first.
    PublishOptions withId;
    withId.msgId = "id-1";
    a = js.publish("pubs.a", "three", withId);
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(3));
    QVERIFY(!a->duplicate);
    a = js.publish("pubs.a", "three again", withId);
    CHECK_OK(a);
    QVERIFY(a->duplicate);
    QCOMPARE(a->seq, quint64(3));

    // Expected stream.
    PublishOptions o;
    o.expectedStream = QStringLiteral("OTHER");
    a = js.publish("pubs.a", "x", o);
    QVERIFY(!a);
    QCOMPARE(a.error().kind, ErrorKind::JetStream); // the mapping has no kind of its own for it
    QCOMPARE(a.error().apiErrCode, 10060);
    QCOMPARE(a.error().serverText, QByteArray("expected stream does not match"));
    o.expectedStream = QStringLiteral("PUBS");
    a = js.publish("pubs.a", "four", o);
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(4));

    // Expected last sequence.
    o = {};
    o.expectedLastSeq = 1;
    a = js.publish("pubs.a", "x", o);
    QVERIFY(!a);
    QCOMPARE(a.error().kind, ErrorKind::WrongLastSequence);
    QCOMPARE(a.error().apiErrCode, 10071);
    QCOMPARE(a.error().serverText, QByteArray("wrong last sequence: 4"));
    o.expectedLastSeq = 4;
    a = js.publish("pubs.a", "five", o);
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(5));

    // Expected last msg id: the id of the stream's last message (none for sequence 5).
    o = {};
    o.expectedLastMsgId = "id-1";
    a = js.publish("pubs.a", "x", o);
    QVERIFY(!a);
    QCOMPARE(a.error().kind, ErrorKind::WrongLastSequence);
    QCOMPARE(a.error().apiErrCode, 10070);
    QCOMPARE(a.error().serverText, QByteArray("wrong last msg ID: "));
    withId.msgId = "id-2";
    a = js.publish("pubs.a", "six", withId);
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(6));
    o.expectedLastMsgId = "nope";
    a = js.publish("pubs.a", "x", o);
    QCOMPARE(a.error().kind, ErrorKind::WrongLastSequence);
    QCOMPARE(a.error().serverText, QByteArray("wrong last msg ID: id-2"));
    o.expectedLastMsgId = "id-2";
    o.msgId = "id-3";
    a = js.publish("pubs.a", "seven", o);
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(7));

    // Expected last sequence of the subject.
    CHECK_OK(js.publish("pubs.b", "b"));
    o = {};
    o.expectedLastSubjectSeq = 1;
    a = js.publish("pubs.b", "x", o);
    QVERIFY(!a);
    QCOMPARE(a.error().kind, ErrorKind::WrongLastSequence);
    QCOMPARE(a.error().apiErrCode, 10071);
    QCOMPARE(a.error().serverText, QByteArray("wrong last sequence: 8"));
    o.expectedLastSubjectSeq = 8;
    CHECK_OK(js.publish("pubs.b", "b2", o));

    auto info = js.streamInfo(QStringLiteral("PUBS"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(9));
}

void TestJetStream::publishRetryAndNoResponders() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();

    // Right after the stream is created.
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("FRESH"), {QStringLiteral("fresh.>")})));
    auto a = js.publish("fresh.x", "first");
    CHECK_OK(a);
    QCOMPARE(a->seq, quint64(1));

    // No stream stores the subject: NoResponders after the retries, quickly.
    PublishOptions o; // 2 retries, 250 ms apart
    QElapsedTimer t;
    t.start();
    a = js.publish("nostream.x", "lost", o);
    const qint64 took = t.elapsed();
    QVERIFY(!a);
    QCOMPARE(a.error().kind, ErrorKind::NoResponders);
    QVERIFY2(a.error().message.contains(QLatin1String("3 attempts")),
             qPrintable(a.error().message));
    QVERIFY2(took >= 2 * o.retryWaitMs - 50, qPrintable(QString::number(took)));
    QVERIFY2(took < 2 * o.retryWaitMs + 2000, qPrintable(QString::number(took)));

    o.retryAttempts = 0;
    t.restart();
    a = js.publish("nostream.x", "lost", o);
    QCOMPARE(a.error().kind, ErrorKind::NoResponders);
    QVERIFY2(a.error().message.contains(QLatin1String("1 attempts")),
             qPrintable(a.error().message));
    QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));
}

void TestJetStream::asyncPublish100k() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("ASYNC"), {QStringLiteral("async.>")})));

    constexpr int kCount = 100000;
    std::mutex mu;
    std::vector<quint8> outcome(kCount + 3, 0); // per id: 1 acked, 2 failed
    std::atomic<int> reported{0};
    QList<PubAck> dupAcks;
    const auto pub = makeOwned<AsyncPublisher>(c.conn(), c.conn());
    CHECK_OK(pub->start());
    pub->setAckHandler([&](quint64 id, const Result<PubAck>& ack) {
        std::lock_guard lock(mu);
        if (id < outcome.size())
            outcome[id] += ack ? 1 : 2;
        if (ack && id > quint64(kCount))
            dupAcks.append(ack.value());
        ++reported;
    });

    const QByteArray payload(128, 'x');
    QElapsedTimer t;
    t.start();
    quint64 lastId = 0;
    for (int i = 0; i < kCount; ++i) {
        auto id = pub->publish("async.data", payload);
        QVERIFY2(id.ok(), qPrintable(id.error().toString()));
        QCOMPARE(id.value(), lastId + 1);
        lastId = id.value();
    }
    CHECK_OK(pub->waitComplete(60000));
    const qint64 took = t.elapsed();
    qInfo("100,000 async publishes of 128 bytes acked in %lld ms", took);

    AsyncPublishStats st = pub->stats();
    QCOMPARE(st.published, quint64(kCount));
    QCOMPARE(st.acked, quint64(kCount));
    QCOMPARE(st.failed, quint64(0));
    QCOMPARE(st.timedOut, quint64(0));
    QCOMPARE(st.duplicates, quint64(0));
    QCOMPARE(st.inFlight, qint64(0));
    QCOMPARE(pub->inFlight(), qint64(0));
    // That waitComplete() returns only after the last handler ran is the subject of
    // asyncWaitCompleteReportsEverything; here the tally is simply waited for.
    QTRY_COMPARE_WITH_TIMEOUT(reported.load(), kCount, kWaitMs);
    {
        std::lock_guard lock(mu);
        for (int id = 1; id <= kCount; ++id)
            QVERIFY2(
                outcome[size_t(id)] == 1,
                qPrintable(QStringLiteral("id %1: outcome %2").arg(id).arg(outcome[size_t(id)])));
    }
    auto info = js.streamInfo(QStringLiteral("ASYNC"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(kCount));
    QCOMPARE(info->state.firstSeq, quint64(1));
    QCOMPARE(info->state.lastSeq, quint64(kCount));

    // A duplicate msg id is reported as a duplicate, with the original's sequence.
    PublishOptions withId;
    withId.msgId = "async-dup-1";
    CHECK_OK(pub->publish("async.data", "first", withId));
    CHECK_OK(pub->publish("async.data", "second", withId));
    CHECK_OK(pub->waitComplete(kWaitMs));
    QTRY_COMPARE_WITH_TIMEOUT(reported.load(), kCount + 2, kWaitMs);
    st = pub->stats();
    QCOMPARE(st.published, quint64(kCount + 2));
    QCOMPARE(st.acked, quint64(kCount + 2));
    QCOMPARE(st.duplicates, quint64(1));
    QCOMPARE(st.inFlight, qint64(0));
    {
        std::lock_guard lock(mu);
        QCOMPARE(dupAcks.size(), qsizetype(2));
        QVERIFY(!dupAcks[0].duplicate);
        QVERIFY(dupAcks[1].duplicate);
        QCOMPARE(dupAcks[0].seq, quint64(kCount + 1));
        QCOMPARE(dupAcks[1].seq, quint64(kCount + 1));
    }
    info = js.streamInfo(QStringLiteral("ASYNC"));
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(kCount + 1));
}

void TestJetStream::asyncPublishTimeouts() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    CONNECT(c, server->url());
    CHECK_OK(c.js().addStream(streamConfig(QStringLiteral("TMO"), {QStringLiteral("tmo.>")})));

    AsyncPublishConfig pc;
    pc.ackTimeoutMs = 300;
    pc.republishOnReconnect = false;
    std::atomic<int> timeoutErrors{0};
    const auto pub = makeOwned<AsyncPublisher>(c.conn(), c.conn(), pc);
    CHECK_OK(pub->start());
    pub->setAckHandler([&](quint64, const Result<PubAck>& ack) {
        if (!ack && ack.error().kind == ErrorKind::Timeout)
            ++timeoutErrors;
    });

    // A server that stops answering: every publish in flight times out.
    QVERIFY(server->pause());
    for (int i = 0; i < 200; ++i)
        CHECK_OK(pub->publish("tmo.x", "paused"));
    CHECK_OK(pub->waitComplete(kWaitMs));
    // (Counted by the time waitComplete() returns: asyncWaitCompleteReportsEverything.)
    QTRY_COMPARE_WITH_TIMEOUT(pub->stats().timedOut, quint64(200), kWaitMs);
    AsyncPublishStats st = pub->stats();
    QCOMPARE(st.published, quint64(200));
    QCOMPARE(st.timedOut, quint64(200));
    QCOMPARE(st.acked, quint64(0));
    QCOMPARE(st.inFlight, qint64(0));
    QCOMPARE(timeoutErrors.load(), 200);

    // Its late acks are not counted a second time.
    QVERIFY(server->resume());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = c.js().streamInfo(QStringLiteral("TMO"));
            return i && i->state.messages == 200;
        }(),
        kWaitMs);
    CHECK_OK(c.conn()->flushSync());
    st = pub->stats();
    QCOMPARE(st.acked, quint64(0));
    QCOMPARE(st.timedOut, quint64(200));

    // A server that dies mid-flight (and stays down): what was not acked times out, and every
    // publish ends in exactly one counter.
    constexpr int kCount = 5000;
    bool killed = false;
    for (int i = 0; i < kCount; ++i) {
        CHECK_OK(pub->publish("tmo.x", QByteArray(64, 'k')));
        if (!killed && pub->stats().acked >= 1000) {
            server->kill();
            killed = true;
        }
    }
    QVERIFY(killed);
    CHECK_OK(pub->waitComplete(kWaitMs));
    QTRY_COMPARE_WITH_TIMEOUT(pub->stats().acked + pub->stats().failed + pub->stats().timedOut,
                              quint64(200 + kCount), kWaitMs);
    st = pub->stats();
    QCOMPARE(st.published, quint64(200 + kCount));
    QCOMPARE(st.inFlight, qint64(0));
    QCOMPARE(st.acked + st.failed + st.timedOut, st.published);
    QVERIFY2(st.timedOut > 200, qPrintable(QString::number(st.timedOut)));
    QVERIFY(st.acked >= 1000);
}

void TestJetStream::asyncWaitCompleteReportsEverything() {
    // waitComplete() promises that nothing is in flight: every outcome counted and reported.
    // A slow ack handler shows whether it returns before the last outcomes were.
    CONNECT(c, m_server->url());
    CHECK_OK(c.js().addStream(streamConfig(QStringLiteral("WAIT"), {QStringLiteral("wait.>")})));
    auto silent = c.conn()->subscribe("silent.x"); // takes requests and never answers
    CHECK_OK(silent);
    CHECK_OK(c.conn()->flushSync());

    std::atomic<int> handled{0};
    auto slowHandler = [&](quint64, const Result<PubAck>&) {
        QThread::msleep(250);
        ++handled;
    };

    // Acks. The ack timeout is far beyond the handler's 5 x 250 ms: while the handler holds
    // the connection's thread, acks wait unread in the socket, and a short timeout could
    // expire before they are read (seen on a loaded ASan run).
    AsyncPublishConfig pc;
    pc.ackTimeoutMs = 10000;
    const auto acking = makeOwned<AsyncPublisher>(c.conn(), c.conn(), pc);
    acking->setAckHandler(slowHandler);
    for (int i = 0; i < 5; ++i)
        CHECK_OK(acking->publish("wait.x", "x"));
    CHECK_OK(acking->waitComplete(kWaitMs));
    int handledAtReturn = handled.load();
    AsyncPublishStats st = acking->stats();
    QTRY_COMPARE_WITH_TIMEOUT(handled.load(), 5, kWaitMs); // before `handled` goes out of scope
    QCOMPARE(st.acked, quint64(5));
    QCOMPARE(handledAtReturn, 5);

    // Timeouts: taken together, reported one by one.
    pc.ackTimeoutMs = 300;
    const auto pub = makeOwned<AsyncPublisher>(c.conn(), c.conn(), pc);
    pub->setAckHandler(slowHandler);
    handled = 0;
    for (int i = 0; i < 5; ++i)
        CHECK_OK(pub->publish("silent.x", "x"));
    CHECK_OK(pub->waitComplete(kWaitMs));
    handledAtReturn = handled.load();
    st = pub->stats();
    QTRY_COMPARE_WITH_TIMEOUT(handled.load(), 5, kWaitMs);
    QCOMPARE(st.timedOut, quint64(5));
    QCOMPARE(handledAtReturn, 5);
    QCOMPARE(pub->stats().timedOut, quint64(5));
}

void TestJetStream::destroyedOffConnectionThread() {
    // AsyncPublisher, PullConsumer and PushConsumer are created on the application's thread and
    // move themselves to the connection's; destroying them where they were created (as the
    // console does with a ConnectionThread) must be safe. Run in a child process: when it is
    // not, the connection's thread crashes on a timer of a deleted object.
    QProcess child;
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(), {QLatin1String(kChildArg)});
    QVERIFY(child.waitForFinished(60000));
    const QString out = QString::fromUtf8(child.readAll());
    const bool crashed = child.exitStatus() != QProcess::NormalExit;
    const bool warned = out.contains(QLatin1String("cannot be stopped from another thread"));
    QVERIFY2(crashed || warned || child.exitCode() == 0,
             qPrintable(QStringLiteral("the scenario failed (%1): %2")
                            .arg(child.exitCode())
                            .arg(out.right(2000))));
    QVERIFY2(
        !warned && !crashed,
        qPrintable(QStringLiteral("crashed: %1; output: %2").arg(crashed).arg(out.right(2000))));
}

// --- push ------------------------------------------------------------------------------------

void TestJetStream::pushFlowControl() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("FC"), {QStringLiteral("fc.>")})));
    constexpr int kCount = 4000;
    CHECK_OK(publishMany(c.conn(), "fc.data", kCount, 4096)); // 16 MB of backlog

    ConsumerConfig cc = pushConfig(QStringLiteral("FCC"), QStringLiteral("deliver.fc"), 1000);
    cc.flowControl = true;
    cc.ackPolicy = AckPolicy::None; // nothing but flow control holds the server back
    CHECK_OK(js.addConsumer(QStringLiteral("FC"), cc));

    QObject context;
    QList<quint64> seqs;
    const auto push =
        makeOwned<PushConsumer>(js.connection(), js, QStringLiteral("FC"), QStringLiteral("FCC"));
    CHECK_OK(push->start([&](JsMessage& m) { seqs.append(m.metadata().streamSeq); }, &context));
    QVERIFY(push->info().config.flowControl);
    QTRY_COMPARE_WITH_TIMEOUT(seqs.size(), qsizetype(kCount), 60000);
    const PushStats st = push->stats();
    qInfo("flow control: %llu replies, %llu heartbeats, %llu stalls", st.flowControlReplies,
          st.heartbeats, st.stalls);
    QVERIFY2(st.flowControlReplies > 0, "the server never asked for flow control");
    QCOMPARE(st.delivered, quint64(kCount));
    for (int i = 0; i < kCount; ++i)
        QCOMPARE(seqs[i], quint64(i + 1));
    QCOMPARE(push->tracker()->stats().delivered, quint64(kCount));
    QCOMPARE(push->undelivered(), qint64(0));
    auto info = js.consumerInfo(QStringLiteral("FC"), QStringLiteral("FCC"));
    CHECK_OK(info);
    QCOMPARE(info->numPending, qint64(0));
    QVERIFY(info->pushBound);
    push->stop();
}

void TestJetStream::pushHeartbeats() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("HB"), {QStringLiteral("hb.>")})));
    CHECK_OK(js.addConsumer(QStringLiteral("HB"),
                            pushConfig(QStringLiteral("HBC"), QStringLiteral("deliver.hb"), 200)));
    std::atomic<int> got{0};
    const auto push =
        makeOwned<PushConsumer>(js.connection(), js, QStringLiteral("HB"), QStringLiteral("HBC"));
    CHECK_OK(push->start([&](JsMessage& m) {
        ++got;
        m.ack();
    }));
    QVERIFY(push->isActive());
    QTRY_VERIFY_WITH_TIMEOUT(push->stats().heartbeats >= 4, kWaitMs);
    PushStats st = push->stats();
    QCOMPARE(st.delivered, quint64(0));
    QCOMPARE(st.missedHeartbeats, quint64(0));
    QVERIFY(st.active);

    // A message in between, then heartbeats go on.
    CHECK_OK(js.publish("hb.x", "x"));
    QTRY_COMPARE_WITH_TIMEOUT(got.load(), 1, kWaitMs);
    const quint64 hb = push->stats().heartbeats;
    QTRY_VERIFY_WITH_TIMEOUT(push->stats().heartbeats >= hb + 2, kWaitMs);
    QCOMPARE(push->stats().missedHeartbeats, quint64(0));
    push->stop();
    QVERIFY(!push->isActive());
}

void TestJetStream::pushDeliverGroup() {
    CONNECT(a, m_server->url());
    CONNECT(b, m_server->url());
    const JetStream& js = a.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("DG"), {QStringLiteral("dg.>")})));
    CHECK_OK(js.addConsumer(QStringLiteral("DG"),
                            pushConfig(QStringLiteral("DGC"), QStringLiteral("deliver.dg"), 0,
                                       QStringLiteral("workers"))));
    Deliveries da;
    Deliveries db;
    const auto pa = makeOwned<PushConsumer>(a.js().connection(), a.js(), QStringLiteral("DG"),
                                            QStringLiteral("DGC"));
    CHECK_OK(pa->start([&](JsMessage& m) {
        da.add(m);
        m.ack();
    }));
    const auto pb = makeOwned<PushConsumer>(b.js().connection(), b.js(), QStringLiteral("DG"),
                                            QStringLiteral("DGC"));
    CHECK_OK(pb->start([&](JsMessage& m) {
        db.add(m);
        m.ack();
    }));
    CHECK_OK(a.conn()->flushSync());
    CHECK_OK(b.conn()->flushSync());

    constexpr int kCount = 400;
    CHECK_OK(publishMany(a.conn(), "dg.job", kCount));
    QTRY_COMPARE_WITH_TIMEOUT(da.size() + db.size(), kCount, kWaitMs);
    // Nothing more comes: no delivery twice, to either member.
    QVERIFY(holdsFor(300, [&] { return da.size() + db.size() == kCount; }));
    QSet<quint64> all;
    for (const auto& e : da.all())
        all.insert(e.seq);
    for (const auto& e : db.all())
        all.insert(e.seq);
    QCOMPARE(all.size(), qsizetype(kCount));
    qInfo("deliver group split: %d / %d", da.size(), db.size());
    QVERIFY(da.size() > 0);
    QVERIFY(db.size() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(QStringLiteral("DG"), QStringLiteral("DGC"));
            return i && i->numAckPending == 0 && i->ackFloor.streamSeq == quint64(kCount);
        }(),
        kWaitMs);
    pa->stop();
    pb->stop();
}

void TestJetStream::pushConsumerDeletedFails() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("GONE"), {QStringLiteral("gone.>")})));
    CHECK_OK(
        js.addConsumer(QStringLiteral("GONE"),
                       pushConfig(QStringLiteral("GONEC"), QStringLiteral("deliver.gone"), 250)));
    std::mutex mu;
    QList<Error> failures;
    std::atomic<int> inactive{0};
    const auto push = makeOwned<PushConsumer>(js.connection(), js, QStringLiteral("GONE"),
                                              QStringLiteral("GONEC"));
    QObject::connect(push.get(), &PushConsumer::failed, [&](const Error& e) {
        std::lock_guard lock(mu);
        failures.append(e);
    });
    QObject::connect(push.get(), &PushConsumer::activeChanged, [&](bool active) {
        if (!active)
            ++inactive;
    });
    CHECK_OK(push->start([](JsMessage& m) { m.ack(); }));
    QTRY_VERIFY_WITH_TIMEOUT(push->stats().heartbeats >= 1, kWaitMs);

    // Deleted behind its back: heartbeats stop, the check finds the consumer gone.
    CHECK_OK(js.deleteConsumer(QStringLiteral("GONE"), QStringLiteral("GONEC")));
    QElapsedTimer t;
    t.start();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            std::lock_guard lock(mu);
            return !failures.isEmpty();
        }(),
        kWaitMs);
    qInfo("failed() %lld ms after the consumer was deleted", t.elapsed());
    {
        std::lock_guard lock(mu);
        QCOMPARE(failures.size(), qsizetype(1));
        QCOMPARE(failures[0].kind, ErrorKind::NotFound);
        QVERIFY2(failures[0].message.contains(QLatin1String("GONEC")),
                 qPrintable(failures[0].message));
    }
    QVERIFY(push->stats().missedHeartbeats >= 1);
    QVERIFY(!push->isActive());
    QVERIFY(inactive.load() >= 1);
    // It reports once and stays quiet.
    QVERIFY(holdsFor(1000, [&] {
        std::lock_guard lock(mu);
        return failures.size() == 1;
    }));
}

// --- pull ------------------------------------------------------------------------------------

void TestJetStream::pullFetchStatuses() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("FETCH"), {QStringLiteral("fetch.>")})));
    CHECK_OK(js.addConsumer(QStringLiteral("FETCH"), pullConfig(QStringLiteral("FETCHC"))));
    std::atomic<int> statuses{0};
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, QStringLiteral("FETCH"),
                                              QStringLiteral("FETCHC"));
    QObject::connect(pull.get(), &PullConsumer::statusReceived,
                     [&](int, const QString&) { ++statuses; });

    // no_wait with nothing pending: 404 at once.
    FetchOptions fo;
    fo.batch = 5;
    fo.noWait = true;
    QElapsedTimer t;
    t.start();
    auto r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->status, 404);
    QVERIFY(r->messages.isEmpty());
    QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));

    // An expiry with nothing pending: 408 when it runs out.
    fo.noWait = false;
    fo.expiresMs = 500;
    t.restart();
    r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->status, 408);
    QVERIFY(r->messages.isEmpty());
    QVERIFY2(t.elapsed() >= 450 && t.elapsed() < 2500, qPrintable(QString::number(t.elapsed())));

    // A full batch: complete as soon as it filled, without a status.
    for (int i = 1; i <= 10; ++i)
        CHECK_OK(js.publish("fetch.x", QByteArray::number(i)));
    fo.batch = 10;
    fo.expiresMs = 10000;
    t.restart();
    r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->status, 0);
    QCOMPARE(r->messages.size(), qsizetype(10));
    QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    for (int i = 0; i < 10; ++i) {
        JsMessage& m = r->messages[i];
        QVERIFY(m.hasMetadata());
        QCOMPARE(m.metadata().stream, QStringLiteral("FETCH"));
        QCOMPARE(m.metadata().consumer, QStringLiteral("FETCHC"));
        QCOMPARE(m.metadata().streamSeq, quint64(i + 1));
        QCOMPARE(m.metadata().consumerSeq, quint64(i + 1));
        QCOMPARE(m.metadata().delivered, quint64(1));
        QCOMPARE(m.metadata().pending, quint64(9 - i));
        QCOMPARE(m.payload(), QByteArrayView(QByteArray::number(i + 1)));
        QCOMPARE(m.subject(), QByteArrayView("fetch.x"));
        QVERIFY(qAbs(m.metadata().timestamp.msecsTo(QDateTime::currentDateTimeUtc())) < 60000);
        CHECK_OK(m.ack());
    }

    // Fewer than the batch: what there is, then the expiry.
    for (int i = 0; i < 3; ++i)
        CHECK_OK(js.publish("fetch.x", "y"));
    fo.expiresMs = 500;
    r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(3));
    QCOMPARE(r->status, 408);
    for (JsMessage& m : r->messages)
        CHECK_OK(m.ack());

    // no_wait with fewer than the batch: what there is, then the end of the request.
    for (int i = 0; i < 2; ++i)
        CHECK_OK(js.publish("fetch.x", "z"));
    fo.noWait = true;
    r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(2));
    QVERIFY2(r->status == 404 || r->status == 408,
             qPrintable(QStringLiteral("%1 %2").arg(r->status).arg(r->statusText)));
    for (JsMessage& m : r->messages)
        CHECK_OK(m.ack());

    const PullStats st = pull->stats();
    QVERIFY2(st.noMessages >= 1 && st.expired >= 2, qPrintable(pullStatsText(st)));
    QCOMPARE(st.delivered, quint64(15));
    QCOMPARE(st.pulls, quint64(5));
    QTRY_VERIFY(statuses.load() >= 4);

    // Bad requests are refused here.
    fo = {};
    fo.batch = 0;
    QCOMPARE(pull->fetch(fo).error().kind, ErrorKind::InvalidArgument);
    fo.batch = 1;
    fo.expiresMs = 0;
    QCOMPARE(pull->fetch(fo).error().kind, ErrorKind::InvalidArgument);
}

void TestJetStream::pullConsumeContinuous() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("CONT"), {QStringLiteral("cont.>")})));
    constexpr int kCount = 2000;
    CHECK_OK(publishMany(c.conn(), "cont.x", kCount));
    CHECK_OK(js.addConsumer(QStringLiteral("CONT"), pullConfig(QStringLiteral("CONTC"))));

    Deliveries got;
    std::atomic<int> ackErrors{0};
    ConsumeOptions co;
    co.batch = 100;
    co.expiresMs = 10000;
    co.heartbeatMs = 1000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, QStringLiteral("CONT"),
                                              QStringLiteral("CONTC"));
    CHECK_OK(pull->consume(
        [&](JsMessage& m) {
            got.add(m);
            if (!m.ack().ok())
                ++ackErrors;
        },
        co));
    QVERIFY(pull->isConsuming());
    QTRY_COMPARE_WITH_TIMEOUT(got.size(), kCount, kWaitMs);
    // A second consume on the same consumer object is refused.
    QCOMPARE(pull->consume([](JsMessage&) {}).kind, ErrorKind::InvalidArgument);
    QCOMPARE(got.distinct(), kCount);
    const QList<Deliveries::Entry> all = got.all();
    for (int i = 0; i < kCount; ++i)
        QCOMPARE(all[i].seq, quint64(i + 1));
    QCOMPARE(ackErrors.load(), 0);
    const PullStats st = pull->stats();
    QVERIFY2(st.delivered == quint64(kCount) && st.pulls >= quint64(kCount / co.batch),
             qPrintable(pullStatsText(st)));
    QCOMPARE(pull->tracker()->stats().acked, quint64(kCount));
    QCOMPARE(pull->undelivered(), qint64(0));

    CHECK_OK(c.conn()->flushSync());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(QStringLiteral("CONT"), QStringLiteral("CONTC"));
            return i && i->numAckPending == 0 && i->ackFloor.streamSeq == quint64(kCount) &&
                   i->numPending == 0;
        }(),
        kWaitMs);

    pull->stop();
    QVERIFY(!pull->isConsuming());
    // After stop() nothing more is handled.
    CHECK_OK(js.publish("cont.x", "late"));
    QVERIFY(holdsFor(300, [&] { return got.size() == kCount; }));
}

// --- acks and redeliveries ---------------------------------------------------------------------

void TestJetStream::ackWaitRedeliveries() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("AW");
    const QString consumer = QStringLiteral("AWC");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("aw.>")})));
    constexpr int kCount = 5;
    for (int i = 0; i < kCount; ++i)
        CHECK_OK(js.publish("aw.x", QByteArray::number(i)));
    CHECK_OK(js.addConsumer(stream, pullConfig(consumer, 1000, 3)));

    auto tracker = std::make_shared<RedeliveryTracker>(stream, consumer);
    auto advisories = watchAdvisories(c.conn(), tracker);
    CHECK_OK(advisories);
    CHECK_OK(c.conn()->flushSync());

    Deliveries got;
    ConsumeOptions co;
    co.batch = 20;
    co.expiresMs = 5000;
    co.heartbeatMs = 1000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, consumer, tracker);
    CHECK_OK(pull->consume([&](JsMessage& m) { got.add(m); }, co)); // never acked

    QTRY_COMPARE_WITH_TIMEOUT(got.size(), 3 * kCount, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(tracker->stats().maxDeliveriesReached, quint64(kCount), kWaitMs);
    // Longer than the ack wait: no fourth delivery.
    QVERIFY(holdsFor(1300, [&] { return got.size() == 3 * kCount; }));

    for (quint64 seq = 1; seq <= quint64(kCount); ++seq) {
        QCOMPARE(got.countsOf(seq), (QList<quint64>{1, 2, 3}));
        const QList<Deliveries::Entry> e = got.of(seq);
        for (int i = 1; i < e.size(); ++i)
            QVERIFY2(e[i].atMs - e[i - 1].atMs >= 900,
                     qPrintable(QStringLiteral("seq %1 redelivered after %2 ms")
                                    .arg(seq)
                                    .arg(e[i].atMs - e[i - 1].atMs)));
    }

    const RedeliveryStats s = tracker->stats();
    QVERIFY2(s.delivered == quint64(3 * kCount) && s.firstDeliveries == quint64(kCount) &&
                 s.redelivered == quint64(2 * kCount) && s.afterAckWait == quint64(2 * kCount) &&
                 s.afterNak == 0,
             qPrintable(trackerText(s)));
    QCOMPARE(s.deliveryCounts.mid(0, 4), (QList<quint64>{kCount, kCount, kCount, 0}));
    QCOMPARE(s.maxDeliveriesReached, quint64(kCount));

    const QList<RedeliveryEvent> events = tracker->takeEvents();
    QCOMPARE(events.size(), qsizetype(kCount));
    QSet<quint64> seqs;
    for (const RedeliveryEvent& e : events) {
        QVERIFY(e.kind == RedeliveryEvent::Kind::MaxDeliveries);
        QCOMPARE(e.deliveries, quint64(3));
        seqs.insert(e.streamSeq);
    }
    QCOMPARE(seqs, (QSet<quint64>{1, 2, 3, 4, 5}));

    // The server counts the same.
    auto info = js.consumerInfo(stream, consumer);
    CHECK_OK(info);
    qInfo("server: %s; tracker: %s", qPrintable(consumerText(info.value())),
          qPrintable(trackerText(s)));
    QCOMPARE(info->delivered.consumerSeq, s.delivered);
    QCOMPARE(info->delivered.streamSeq, quint64(kCount));
    QCOMPARE(quint64(info->numRedelivered), s.deliveryCounts[1]); // messages redelivered
    QCOMPARE(info->ackFloor.streamSeq, quint64(0));
    pull->stop();
    advisories.value()->unsubscribe();
}

void TestJetStream::maxDeliverWithBackoffAdvisory() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("BO");
    const QString consumer = QStringLiteral("BOC");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("bo.>")})));
    CHECK_OK(js.publish("bo.x", "1"));
    CHECK_OK(js.publish("bo.x", "2"));
    ConsumerConfig cc = pullConfig(consumer, 5000, 3);
    cc.backoffNs = {ms(300), ms(600)}; // replaces the ack wait
    auto added = js.addConsumer(stream, cc);
    CHECK_OK(added);
    QCOMPARE(added->config.backoffNs, cc.backoffNs);

    auto tracker = std::make_shared<RedeliveryTracker>(stream, consumer);
    auto advisories = watchAdvisories(c.conn(), tracker);
    CHECK_OK(advisories);
    CHECK_OK(c.conn()->flushSync());

    Deliveries got;
    ConsumeOptions co;
    co.batch = 10;
    co.expiresMs = 5000;
    co.heartbeatMs = 1000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, consumer, tracker);
    CHECK_OK(pull->consume([&](JsMessage& m) { got.add(m); }, co));

    QTRY_COMPARE_WITH_TIMEOUT(tracker->stats().maxDeliveriesReached, quint64(2), kWaitMs);
    QCOMPARE(got.size(), 6);
    for (quint64 seq = 1; seq <= 2; ++seq) {
        QCOMPARE(got.countsOf(seq), (QList<quint64>{1, 2, 3}));
        const QList<Deliveries::Entry> e = got.of(seq);
        // The backoff steps, not the 5 s ack wait.
        const qint64 first = e[1].atMs - e[0].atMs;
        const qint64 second = e[2].atMs - e[1].atMs;
        QVERIFY2(first >= 250 && first < 3000, qPrintable(QString::number(first)));
        QVERIFY2(second >= 550 && second < 3000, qPrintable(QString::number(second)));
    }
    const QList<RedeliveryEvent> events = tracker->takeEvents();
    QCOMPARE(events.size(), qsizetype(2));
    for (const RedeliveryEvent& e : events) {
        QVERIFY(e.kind == RedeliveryEvent::Kind::MaxDeliveries);
        QCOMPARE(e.deliveries, quint64(3));
    }
    QCOMPARE(tracker->stats().afterAckWait, quint64(4));
    pull->stop();
    advisories.value()->unsubscribe();
}

void TestJetStream::nakWithDelay() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("NAK"), {QStringLiteral("nak.>")})));
    CHECK_OK(js.addConsumer(QStringLiteral("NAK"), pullConfig(QStringLiteral("NAKC"))));
    CHECK_OK(js.publish("nak.x", "again"));
    FetchOptions fo;
    fo.expiresMs = 5000;

    // Without a delay: back at once.
    const auto pull =
        makeOwned<PullConsumer>(js.connection(), js, QStringLiteral("NAK"), QStringLiteral("NAKC"));
    auto r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(1));
    QElapsedTimer t;
    t.start();
    CHECK_OK(r->messages[0].nak());
    r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(1));
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(r->messages[0].metadata().delivered, quint64(2));

    // With a delay of 1 s: no sooner.
    t.restart();
    CHECK_OK(r->messages[0].nak(ms(1000)));
    r = pull->fetch(fo);
    const qint64 took = t.elapsed();
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(1));
    QCOMPARE(r->messages[0].metadata().delivered, quint64(3));
    qInfo("redelivered %lld ms after a NAK with a 1000 ms delay", took);
    QVERIFY2(took >= 990, qPrintable(QString::number(took)));
    QVERIFY2(took < 4000, qPrintable(QString::number(took)));
    CHECK_OK(r->messages[0].ack());

    const RedeliveryStats s = pull->tracker()->stats();
    QVERIFY2(s.naked == 2 && s.afterNak == 2 && s.afterAckWait == 0 && s.acked == 1,
             qPrintable(trackerText(s)));
}

void TestJetStream::inProgressExtendsAckWait() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("WPI"), {QStringLiteral("wpi.>")})));
    CHECK_OK(js.addConsumer(QStringLiteral("WPI"), pullConfig(QStringLiteral("WPIC"), 1000)));
    CHECK_OK(js.publish("wpi.x", "slow work"));
    FetchOptions fo;
    fo.expiresMs = 5000;
    const auto pull =
        makeOwned<PullConsumer>(js.connection(), js, QStringLiteral("WPI"), QStringLiteral("WPIC"));
    auto r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(1));
    JsMessage m = r->messages[0];

    // Work for 2.5 s, 2.5 ack waits, telling the server every 300 ms.
    FetchOptions probe;
    probe.noWait = true;
    QElapsedTimer t;
    t.start();
    int sent = 0;
    while (t.elapsed() < 2500) {
        CHECK_OK(m.inProgress());
        ++sent;
        QTest::qWait(300); // the work between two +WPI
        auto p = pull->fetch(probe);
        CHECK_OK(p);
        QVERIFY2(
            p->messages.isEmpty(),
            qPrintable(QStringLiteral("redelivered after %1 ms despite +WPI").arg(t.elapsed())));
    }
    QVERIFY(!m.isAcked());
    CHECK_OK(m.ackSync());
    QTest::qWait(1300); // past the ack wait: an unacked message would be back by now
    auto p = pull->fetch(probe);
    CHECK_OK(p);
    QVERIFY(p->messages.isEmpty());

    const RedeliveryStats s = pull->tracker()->stats();
    QCOMPARE(s.inProgress, quint64(sent));
    QCOMPARE(s.redelivered, quint64(0));
    QCOMPARE(s.acked, quint64(1));
    auto info = js.consumerInfo(QStringLiteral("WPI"), QStringLiteral("WPIC"));
    CHECK_OK(info);
    QCOMPARE(info->numRedelivered, qint64(0));
    QCOMPARE(info->numAckPending, qint64(0));
    QCOMPARE(info->delivered.consumerSeq, quint64(1));
}

void TestJetStream::termStopsRedelivery() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("TERM");
    const QString consumer = QStringLiteral("TERMC");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("term.>")})));
    CHECK_OK(js.addConsumer(stream, pullConfig(consumer, 1000)));
    CHECK_OK(js.publish("term.x", "poison"));
    CHECK_OK(js.publish("term.x", "fine"));
    CHECK_OK(js.publish("term.x", "poison with a reason"));

    auto tracker = std::make_shared<RedeliveryTracker>(stream, consumer);
    auto advisories = watchAdvisories(c.conn(), tracker);
    CHECK_OK(advisories);
    CHECK_OK(c.conn()->flushSync());
    FetchOptions fo;
    fo.batch = 3;
    fo.expiresMs = 5000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, consumer, tracker);
    auto r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(3));
    CHECK_OK(r->messages[0].term());
    QVERIFY(r->messages[0].isAcked());
    QCOMPARE(r->messages[0].ack().kind, ErrorKind::InvalidArgument); // answered already
    CHECK_OK(r->messages[1].ack());

    QTRY_COMPARE_WITH_TIMEOUT(tracker->stats().terminatedAdvisories, quint64(1), kWaitMs);
    QList<RedeliveryEvent> events = tracker->takeEvents();
    QCOMPARE(events.size(), qsizetype(1));
    QVERIFY(events[0].kind == RedeliveryEvent::Kind::Terminated);
    QCOMPARE(events[0].streamSeq, quint64(1));
    QCOMPARE(events[0].deliveries, quint64(1));
    QVERIFY(events[0].reason.isEmpty());

    // With a reason: terminated all the same, on every server version.
    CHECK_OK(r->messages[2].term(QStringLiteral("bad payload")));
    QCOMPARE(tracker->stats().terminated, quint64(2));
    const bool advised =
        QTest::qWaitFor([&] { return tracker->stats().terminatedAdvisories == 2; }, 3000);
    QVERIFY(advised);
    events = tracker->takeEvents();
    QCOMPARE(events.size(), qsizetype(1));
    QCOMPARE(events[0].streamSeq, quint64(3));
    // 2.9 does not send the reason; later servers do.
    QVERIFY2(events[0].reason.isEmpty() || events[0].reason == QLatin1String("bad payload"),
             qPrintable(events[0].reason));

    // Two ack waits later: nothing to redeliver.
    QTest::qWait(2000);
    FetchOptions probe;
    probe.noWait = true;
    auto p = pull->fetch(probe);
    CHECK_OK(p);
    QVERIFY(p->messages.isEmpty());
    const RedeliveryStats s = tracker->stats();
    QVERIFY2(s.terminated == 2 && s.acked == 1 && s.redelivered == 0, qPrintable(trackerText(s)));
    auto info = js.consumerInfo(stream, consumer);
    CHECK_OK(info);
    QCOMPARE(info->numAckPending, qint64(0));
    QCOMPARE(info->ackFloor.streamSeq, quint64(3));
    advisories.value()->unsubscribe();
}

void TestJetStream::ackSyncIsRecorded() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("ASYNC_ACK"), {QStringLiteral("aa.>")})));
    CHECK_OK(js.addConsumer(QStringLiteral("ASYNC_ACK"), pullConfig(QStringLiteral("AAC"))));
    for (int i = 0; i < 5; ++i)
        CHECK_OK(js.publish("aa.x", "x"));
    FetchOptions fo;
    fo.batch = 5;
    fo.expiresMs = 5000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, QStringLiteral("ASYNC_ACK"),
                                              QStringLiteral("AAC"));
    auto r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(5));
    for (int i = 0; i < 5; ++i) {
        CHECK_OK(r->messages[i].ackSync());
        QVERIFY(r->messages[i].isAcked());
        // Right after: the server has it.
        auto info = js.consumerInfo(QStringLiteral("ASYNC_ACK"), QStringLiteral("AAC"));
        CHECK_OK(info);
        QCOMPARE(info->ackFloor.streamSeq, quint64(i + 1));
        QCOMPARE(info->numAckPending, qint64(4 - i));
    }
    QCOMPARE(r->messages[0].ackSync().kind, ErrorKind::InvalidArgument); // twice
    QCOMPARE(pull->tracker()->stats().acked, quint64(5));
}

void TestJetStream::trackerMatchesServer() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("TRK");
    const QString consumer = QStringLiteral("TRKC");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("trk.>")})));
    constexpr int kCount = 10;
    for (int i = 0; i < kCount; ++i)
        CHECK_OK(js.publish("trk.x", QByteArray::number(i)));
    // Even sequences are NAKed with a 1 s delay and come back at t+1 s; odd ones are left alone
    // and come back after the 3 s ack wait. At t+3 s all ten are delivered twice and pending,
    // until t+4 s when the first ack waits of the second round run out (MaxDeliver 2: nothing
    // is delivered a third time).
    CHECK_OK(js.addConsumer(stream, pullConfig(consumer, 3000, 2)));

    std::mutex mu;
    QList<JsMessage> second;
    ConsumeOptions co;
    co.batch = 20;
    co.expiresMs = 5000;
    co.heartbeatMs = 1000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, consumer);
    CHECK_OK(pull->consume(
        [&](JsMessage& m) {
            if (m.metadata().delivered == 1) {
                if (m.metadata().streamSeq % 2 == 0)
                    m.nak(ms(1000)); // even: NAK; odd: let the ack wait run out
                return;
            }
            std::lock_guard lock(mu);
            second.append(m);
        },
        co));
    const std::shared_ptr<RedeliveryTracker> tracker = pull->tracker();
    QTRY_COMPARE_WITH_TIMEOUT(tracker->stats().delivered, quint64(2 * kCount), kWaitMs);

    RedeliveryStats s = tracker->stats();
    auto info = js.consumerInfo(stream, consumer);
    CHECK_OK(info);
    qInfo("server: %s; tracker: %s", qPrintable(consumerText(info.value())),
          qPrintable(trackerText(s)));
    QCOMPARE(s.afterNak, quint64(kCount / 2));
    QCOMPARE(s.afterAckWait, quint64(kCount / 2));
    QCOMPARE(s.naked, quint64(kCount / 2));
    QCOMPARE(s.firstDeliveries, quint64(kCount));
    QCOMPARE(s.redelivered, quint64(kCount));
    QCOMPARE(s.deliveryCounts.mid(0, 3), (QList<quint64>{kCount, kCount, 0}));
    QCOMPARE(sum(s.deliveryCounts), s.delivered);
    // The server's view: 20 deliveries of 10 messages, each redelivered once, none acked.
    QCOMPARE(info->delivered.consumerSeq, s.delivered);
    QCOMPARE(info->delivered.streamSeq, quint64(kCount));
    QCOMPARE(quint64(info->numRedelivered), s.redelivered);
    QCOMPARE(quint64(info->numAckPending), quint64(kCount));
    QCOMPARE(info->ackFloor.streamSeq, quint64(0));

    // Acked now: the server's books close.
    {
        std::lock_guard lock(mu);
        QCOMPARE(second.size(), qsizetype(kCount));
        for (JsMessage& m : second)
            CHECK_OK(m.ack());
    }
    CHECK_OK(c.conn()->flushSync());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(stream, consumer);
            return i && i->numAckPending == 0 && i->ackFloor.streamSeq == quint64(kCount);
        }(),
        kWaitMs);
    QCOMPARE(tracker->stats().acked, quint64(kCount));
    pull->stop();
}

void TestJetStream::consumerMonitor() {
    CONNECT(c, m_server->url());
    const JetStream& js = c.js();
    CHECK_OK(js.addStream(streamConfig(QStringLiteral("MON"), {QStringLiteral("mon.>")})));
    for (int i = 0; i < 7; ++i)
        CHECK_OK(js.publish("mon.x", "x"));
    CHECK_OK(js.addConsumer(QStringLiteral("MON"), pullConfig(QStringLiteral("MONC"))));

    ConsumerMonitor mon(js, QStringLiteral("MON"), QStringLiteral("MONC"), 200, 5);
    int updates = 0;
    QList<Error> failures;
    connect(&mon, &ConsumerMonitor::updated, this, [&](const ConsumerInfo&) { ++updates; });
    connect(&mon, &ConsumerMonitor::pollFailed, this, [&](const Error& e) { failures.append(e); });
    QVERIFY(!mon.latest().time.isValid());
    QElapsedTimer t;
    t.start();
    mon.start();
    QTRY_COMPARE_WITH_TIMEOUT(mon.history().size(), qsizetype(5), kWaitMs);
    // One poll at start and one per interval: 5 readings take about 4 intervals.
    QVERIFY2(t.elapsed() >= 4 * 200 - 100, qPrintable(QString::number(t.elapsed())));
    QList<ConsumerSample> h = mon.history();
    for (int i = 1; i < h.size(); ++i)
        QVERIFY(h[i - 1].time <= h[i].time);
    // Four intervals between the first and the last (each reading is taken when its reply
    // arrives, so single gaps vary with the round trip).
    const qint64 span = h.first().time.msecsTo(h.last().time);
    QVERIFY2(span >= 4 * 200 - 150, qPrintable(QString::number(span)));
    // Bounded by historySize while it goes on.
    QTRY_VERIFY_WITH_TIMEOUT(updates >= 9, kWaitMs);
    QCOMPARE(mon.history().size(), qsizetype(5));
    QVERIFY(mon.history().first().time > h.first().time);

    // The numbers are the server's.
    ConsumerSample latest = mon.latest();
    auto info = js.consumerInfo(QStringLiteral("MON"), QStringLiteral("MONC"));
    CHECK_OK(info);
    QCOMPARE(latest.numPending, info->numPending);
    QCOMPARE(latest.numPending, qint64(7));
    QCOMPARE(latest.numAckPending, qint64(0));

    FetchOptions fo;
    fo.batch = 3;
    const auto pull =
        makeOwned<PullConsumer>(js.connection(), js, QStringLiteral("MON"), QStringLiteral("MONC"));
    auto r = pull->fetch(fo);
    CHECK_OK(r);
    QCOMPARE(r->messages.size(), qsizetype(3));
    CHECK_OK(r->messages[0].ackSync());
    const int seen = updates;
    QTRY_VERIFY_WITH_TIMEOUT(updates >= seen + 2, kWaitMs);
    latest = mon.latest();
    info = js.consumerInfo(QStringLiteral("MON"), QStringLiteral("MONC"));
    CHECK_OK(info);
    QCOMPARE(latest.numPending, info->numPending);
    QCOMPARE(latest.numPending, qint64(4));
    QCOMPARE(latest.numAckPending, qint64(2));
    QCOMPARE(latest.deliveredStreamSeq, quint64(3));
    QCOMPARE(latest.deliveredConsumerSeq, quint64(3));
    QCOMPARE(latest.ackFloorStreamSeq, quint64(1));
    QCOMPARE(mon.latestInfo().numAckPending, qint64(2));
    VERIFY_OK(mon.lastError());
    QVERIFY(failures.isEmpty());

    // The consumer goes away.
    CHECK_OK(js.deleteConsumer(QStringLiteral("MON"), QStringLiteral("MONC")));
    QTRY_VERIFY_WITH_TIMEOUT(!failures.isEmpty(), kWaitMs);
    QCOMPARE(failures[0].kind, ErrorKind::NotFound);
    QCOMPARE(failures[0].apiErrCode, 10014);
    QCOMPARE(mon.lastError().kind, ErrorKind::NotFound);
    QCOMPARE(mon.history().size(), qsizetype(5)); // the history stays
    mon.stop();
    const qsizetype failed = failures.size();
    QVERIFY(holdsFor(500, [&] { return failures.size() == failed; })); // stopped: no more polls
}

// --- recovery --------------------------------------------------------------------------------

void TestJetStream::fileStorageKillMidConsume() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    CONNECT(c, server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("KILL");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("kill.>")}, StorageType::File)));
    constexpr int kCount = 3000;
    CHECK_OK(publishMany(c.conn(), "kill.x", kCount, 64)); // every one acked: stored on disk
    CHECK_OK(js.addConsumer(stream, pullConfig(QStringLiteral("KILLC"), 2000)));

    std::mutex mu;
    std::vector<int> processed(kCount + 1, 0);
    std::atomic<int> distinct{0};
    std::atomic<int> total{0};
    ConsumeOptions co;
    co.batch = 50;
    co.expiresMs = 5000;
    co.heartbeatMs = 1000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, QStringLiteral("KILLC"));
    CHECK_OK(pull->consume(
        [&](JsMessage& m) {
            const quint64 seq = m.metadata().streamSeq;
            {
                std::lock_guard lock(mu);
                if (seq >= 1 && seq <= quint64(kCount) && processed[seq]++ == 0)
                    ++distinct;
            }
            ++total;
            QThread::usleep(200); // some work, so the kill lands mid-consume
            m.ack();
        },
        co));
    QTRY_VERIFY_WITH_TIMEOUT(distinct.load() >= 800, kWaitMs);
    const quint64 reconnects = c.conn()->stats().reconnects;
    server->kill();
    QTest::qWait(300); // what was in flight at the kill settles: the consumer is mid-stream
    const int atKill = distinct.load();
    QVERIFY2(atKill < kCount, "everything was consumed before the kill");
    CHECK_OK(server->restart());

    // No user action from here on: the consumer resumes by itself.
    QTRY_COMPARE_WITH_TIMEOUT(distinct.load(), kCount, 60000);
    QVERIFY(c.conn()->stats().reconnects > reconnects);
    const PullStats st = pull->stats();
    qInfo("killed at %d of %d; %d deliveries in all; %s", atKill, kCount, total.load(),
          qPrintable(pullStatsText(st)));
    QVERIFY2(st.repullsAfterReconnect >= 1 || st.missedHeartbeats >= 1,
             qPrintable(pullStatsText(st)));

    // Nothing acked by the stream was lost.
    auto info = js.streamInfo(stream);
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(kCount));
    QCOMPARE(info->state.lastSeq, quint64(kCount));
    // And the consumer's books close (redeliveries of acks lost with the server included).
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(stream, QStringLiteral("KILLC"));
            return i && i->numAckPending == 0 && i->numPending == 0 &&
                   i->ackFloor.streamSeq == quint64(kCount);
        }(),
        kWaitMs);
    std::lock_guard lock(mu);
    for (int seq = 1; seq <= kCount; ++seq)
        QVERIFY2(processed[size_t(seq)] >= 1, qPrintable(QString::number(seq)));
    pull->stop();
}

void TestJetStream::consumersReArmedAfterReconnect() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    CONNECT(c, server->url());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("REARM");
    CHECK_OK(js.addStream(streamConfig(stream, {QStringLiteral("rearm.>")}, StorageType::File)));
    CHECK_OK(js.addConsumer(stream, pullConfig(QStringLiteral("PULLR"))));
    CHECK_OK(js.addConsumer(
        stream, pushConfig(QStringLiteral("PUSHR"), QStringLiteral("deliver.rearm"), 500)));

    Deliveries pulled;
    Deliveries pushed;
    ConsumeOptions co;
    co.batch = 10;
    co.expiresMs = 5000;
    co.heartbeatMs = 1000;
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, QStringLiteral("PULLR"));
    CHECK_OK(pull->consume(
        [&](JsMessage& m) {
            pulled.add(m);
            m.ack();
        },
        co));
    const auto push = makeOwned<PushConsumer>(js.connection(), js, stream, QStringLiteral("PUSHR"));
    CHECK_OK(push->start([&](JsMessage& m) {
        pushed.add(m);
        m.ack();
    }));

    CHECK_OK(publishMany(c.conn(), "rearm.x", 20));
    QTRY_COMPARE_WITH_TIMEOUT(pulled.distinct(), 20, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(pushed.distinct(), 20, kWaitMs);

    for (int round = 1; round <= 2; ++round) {
        const quint64 reconnects = c.conn()->stats().reconnects;
        server->kill();
        CHECK_OK(server->restart());
        QTRY_VERIFY_WITH_TIMEOUT(
            c.conn()->stats().reconnects > reconnects && c.conn()->isConnected(), kWaitMs);
        CHECK_OK(publishMany(c.conn(), "rearm.x", 20));
        QTRY_COMPARE_WITH_TIMEOUT(pulled.distinct(), 20 * (round + 1), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pushed.distinct(), 20 * (round + 1), kWaitMs);
    }
    QVERIFY(pull->isConsuming());
    QVERIFY2(pull->stats().repullsAfterReconnect >= 2, qPrintable(pullStatsText(pull->stats())));
    QTRY_VERIFY_WITH_TIMEOUT(push->isActive(), kWaitMs);
    pull->stop();
    push->stop();
}

Status TestJetStream::ensureCluster() {
    if (!m_cluster.empty())
        return {};
    // Monitoring ports too: clusterStreamLeaderKilled asks each member for its own /jsz.
    NatsServerConfig base;
    base.clusterName = QStringLiteral("jetdeck-js");
    base.jetstream = true;
    base.monitorPort = 1;
    if (Status s = startLocalCluster(3, &m_cluster, base, QString()); !s.ok())
        return s;
    if (Status s = waitForMesh(m_cluster, kWaitMs); !s.ok())
        return s;
    // JetStream answers once the meta group elected a leader.
    Client c(clusterUrls());
    if (Status s = c.connect(); !s.ok())
        return s;
    QElapsedTimer t;
    t.start();
    for (;;) {
        auto info = c.js().accountInfo();
        if (info)
            return {};
        if (t.elapsed() > 30000)
            return info.error();
        QTest::qWait(200);
    }
}

QString TestJetStream::clusterUrls() const {
    QStringList urls;
    for (const auto& s : m_cluster)
        urls << s->url();
    return urls.join(QLatin1Char(','));
}

void TestJetStream::clusterConsumerLeaderChange() {
    {
        const Status s = ensureCluster();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    CONNECT(c, clusterUrls());
    const JetStream& js = c.js();
    const QString stream = QStringLiteral("CL");
    const QString consumer = QStringLiteral("CLC");
    auto created =
        addStreamSettling(js, streamConfig(stream, {QStringLiteral("cl.>")}, StorageType::File, 3));
    CHECK_OK(created);
    QCOMPARE(created->config.replicas, 3);
    CHECK_OK(js.addConsumer(stream, pullConfig(consumer)));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(stream, consumer);
            return i && !i->cluster.leader.isEmpty() && i->cluster.replicas.size() == 2;
        }(),
        kWaitMs);

    std::atomic<int> conflicts{0};
    const auto pull = makeOwned<PullConsumer>(js.connection(), js, stream, consumer);
    QObject::connect(pull.get(), &PullConsumer::statusReceived, [&](int code, const QString& text) {
        if (code == 409)
            qInfo("409 %s", qPrintable(text));
        if (code == 409)
            ++conflicts;
    });
    Deliveries got;
    ConsumeOptions co;
    co.batch = 50;
    co.expiresMs = 10000;
    co.heartbeatMs = 1000;
    CHECK_OK(pull->consume(
        [&](JsMessage& m) {
            got.add(m);
            m.ack();
        },
        co));
    CHECK_OK(publishMany(c.conn(), "cl.x", 300));
    QTRY_COMPARE_WITH_TIMEOUT(got.distinct(), 300, kWaitMs);

    auto before = js.consumerInfo(stream, consumer);
    CHECK_OK(before);
    CHECK_OK(js.stepDownConsumerLeader(stream, consumer));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(stream, consumer);
            return i && !i->cluster.leader.isEmpty() && i->cluster.leader != before->cluster.leader;
        }(),
        kWaitMs);

    CHECK_OK(publishMany(c.conn(), "cl.x", 300));
    QTRY_COMPARE_WITH_TIMEOUT(got.distinct(), 600, 30000);
    const PullStats st = pull->stats();
    qInfo("consumer leader %s -> new; %s", qPrintable(before->cluster.leader),
          qPrintable(pullStatsText(st)));
    QVERIFY(pull->isConsuming());
    // The pulls left with the old leader were replaced: after its 409, or after the heartbeats
    // stopped.
    QVERIFY2(st.repullsAfterConflict + st.missedHeartbeats >= 1, qPrintable(pullStatsText(st)));
    CHECK_OK(c.conn()->flushSync());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = js.consumerInfo(stream, consumer);
            return i && i->numAckPending == 0 && i->numPending == 0;
        }(),
        kWaitMs);
    pull->stop();
}

void TestJetStream::clusterStreamLeaderKilled() {
    {
        const Status s = ensureCluster();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    CONNECT(admin, clusterUrls());
    const QString stream = QStringLiteral("FO");
    auto created = addStreamSettling(
        admin.js(), streamConfig(stream, {QStringLiteral("fo.>")}, StorageType::File, 3));
    CHECK_OK(created);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = admin.js().streamInfo(stream);
            return i && !i->cluster.leader.isEmpty() && i->cluster.replicas.size() == 2 &&
                   std::all_of(i->cluster.replicas.cbegin(), i->cluster.replicas.cend(),
                               [](const PeerInfo& p) { return p.current; });
        }(),
        kWaitMs);
    auto info = admin.js().streamInfo(stream);
    CHECK_OK(info);
    const QString leaderName = info->cluster.leader;
    NatsServerProcess* leader = nullptr;
    for (const auto& s : m_cluster)
        if (s->name() == leaderName)
            leader = s.get();
    QVERIFY2(leader, qPrintable(leaderName));

    // The publisher is connected to the leader: it loses its server and the stream its leader.
    CONNECT(c, leader->url());
    AsyncPublishConfig pc;
    pc.autoMsgIds = true;
    pc.ackTimeoutMs = 30000; // a new leader may take several seconds
    std::mutex mu;
    QStringList failures;
    const auto pub = makeOwned<AsyncPublisher>(c.conn(), c.conn(), pc);
    CHECK_OK(pub->start());
    pub->setAckHandler([&](quint64 id, const Result<PubAck>& ack) {
        if (ack)
            return;
        std::lock_guard lock(mu);
        if (failures.size() < 10)
            failures << QStringLiteral("%1: %2").arg(id).arg(ack.error().toString());
    });

    // While no server leads the stream its subjects have no responders: a 503 stored nothing, so
    // publishing again is safe, as the synchronous publish does. Up to 20 s for an election.
    PublishOptions po;
    po.retryAttempts = 200;
    po.retryWaitMs = 100;
    constexpr int kCount = 20000;
    const QByteArray payload(64, 'f');
    QElapsedTimer t;
    t.start();
    qint64 killedAt = -1;
    for (int i = 0; i < kCount; ++i) {
        auto id = pub->publish("fo.x", payload, po, nullptr, 60000);
        QVERIFY2(id.ok(), qPrintable(id.error().toString()));
        if (killedAt < 0 && pub->stats().acked >= 5000) {
            leader->kill();
            killedAt = t.elapsed();
        }
    }
    QVERIFY(killedAt >= 0);
    const Status done = pub->waitComplete(90000);
    QTRY_COMPARE_WITH_TIMEOUT(pub->stats().acked + pub->stats().failed + pub->stats().timedOut,
                              quint64(kCount), kWaitMs); // see asyncWaitCompleteReportsEverything
    const AsyncPublishStats st = pub->stats();
    qInfo("leader %s killed after %lld ms; all done after %lld ms: published %llu, acked %llu "
          "(duplicates %llu), republished %llu, retried after 503 %llu, resent unanswered %llu, "
          "failed %llu, timed out %llu",
          qPrintable(leaderName), killedAt, t.elapsed(), st.published, st.acked, st.duplicates,
          st.republished, st.retried, st.resent, st.failed, st.timedOut);
    {
        std::lock_guard lock(mu);
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QStringLiteral("; "))));
    }
    CHECK_OK(done);
    QCOMPARE(st.acked, quint64(kCount));
    QCOMPARE(st.failed, quint64(0));
    QCOMPARE(st.timedOut, quint64(0));
    QCOMPARE(st.inFlight, qint64(0));

    // Each message exactly once: no gaps, no duplicates.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = admin.js().streamInfo(stream);
            return i && !i->cluster.leader.isEmpty() && i->cluster.leader != leaderName;
        }(),
        kWaitMs);
    info = admin.js().streamInfo(stream);
    CHECK_OK(info);
    QCOMPARE(info->state.messages, quint64(kCount));
    QCOMPARE(info->state.firstSeq, quint64(1));
    QCOMPARE(info->state.lastSeq, quint64(kCount));

    // The old leader comes back and catches up; then everything is read back through a
    // consumer (placing one while a peer is down can go to the dead peer and never answer).
    CHECK_OK(leader->restart());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto i = admin.js().streamInfo(stream);
            return i && i->state.messages == quint64(kCount) && i->cluster.replicas.size() == 2 &&
                   std::all_of(i->cluster.replicas.cbegin(), i->cluster.replicas.cend(),
                               [](const PeerInfo& p) { return p.current && !p.offline; });
        }(),
        30000);
    // "Current" is the RAFT log; the restarted server may still be storing what it missed. Its
    // own store (its /jsz) holds every message before a consumer counts from it.
    const auto storedOn = [&](const NatsServerProcess& s) -> qint64 {
        bool ok = false;
        const QByteArray body = httpGet(s.config().monitorPort,
                                        QByteArrayLiteral("/jsz?accounts=true&streams=true"), &ok);
        if (!ok)
            return -1;
        const QJsonArray accounts =
            QJsonDocument::fromJson(body).object()[u"account_details"].toArray();
        for (const QJsonValue& a : accounts)
            for (const QJsonValue& st : a[u"stream_detail"].toArray())
                if (st[u"name"].toString() == stream)
                    return st[u"state"][u"messages"].toInteger(-1);
        return -1;
    };
    for (const auto& s : m_cluster) {
        QVERIFY(s->config().monitorPort != 0);
        QTRY_COMPARE_WITH_TIMEOUT(storedOn(*s), qint64(kCount), 30000);
    }
    ConsumerConfig cc;
    cc.durableName = QStringLiteral("CHECK");
    cc.ackPolicy = AckPolicy::None;
    cc.memoryStorage = true;
    Result<ConsumerInfo> ci = Error{};
    (void)QTest::qWaitFor(
        [&] {
            ci = admin.js().addConsumer(stream, cc);
            return ci.ok();
        },
        30000);
    CHECK_OK(ci);
    // Counted on the consumer's leader, which may be the restarted server still catching up
    // (under ASan on a loaded machine this once took longer than 30 s; the last answer says why).
    QString lastCheck;
    const bool counted = QTest::qWaitFor(
        [&] {
            auto i = admin.js().consumerInfo(stream, QStringLiteral("CHECK"));
            if (!i) {
                lastCheck = i.error().toString();
                return false;
            }
            lastCheck = QStringLiteral("pending %1, leader %2, stream leader %3")
                            .arg(i->numPending)
                            .arg(i->cluster.leader, info->cluster.leader);
            return i->numPending == qint64(kCount);
        },
        60000);
    QVERIFY2(counted, qPrintable(lastCheck));
    Deliveries all;
    ConsumeOptions co;
    co.batch = 1000;
    co.expiresMs = 10000;
    co.heartbeatMs = 2000;
    const auto reader = makeOwned<PullConsumer>(admin.js().connection(), admin.js(), stream,
                                                QStringLiteral("CHECK"));
    CHECK_OK(reader->consume([&](JsMessage& m) { all.add(m); }, co));
    QTRY_COMPARE_WITH_TIMEOUT(all.size(), kCount, 60000);
    QSet<QByteArray> ids;
    QSet<qint64> numbers;
    for (const Deliveries::Entry& e : all.all()) {
        ids.insert(e.msgId);
        const qsizetype dash = e.msgId.lastIndexOf('-');
        numbers.insert(dash < 0 ? -1 : e.msgId.mid(dash + 1).toLongLong());
    }
    QCOMPARE(ids.size(), qsizetype(kCount));
    QCOMPARE(numbers.size(), qsizetype(kCount));
    QVERIFY(!numbers.contains(-1) && !numbers.contains(0));
    QVERIFY(*std::max_element(numbers.cbegin(), numbers.cend()) == kCount);
    reader->stop();
}

namespace {

/// Creates and destroys an AsyncPublisher, a PullConsumer and a PushConsumer on this thread
/// while their connection runs on a ConnectionThread, all three busy (timers running), then
/// gives their timers time to fire. Exit code 0 when the scenario itself worked.
int destroyOffThreadScenario() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    NatsServerProcess server(cfg);
    if (!server.start().ok())
        return 2;
    ConnectionThread ct(fastOptions(server.url()));
    if (!ct->connectSync().ok())
        return 3;
    JetStream js(ct.connection());
    if (!js.addStream(streamConfig(QStringLiteral("OFF"), {QStringLiteral("off.>")})))
        return 4;
    if (!js.addConsumer(QStringLiteral("OFF"), pullConfig(QStringLiteral("PULL"))) ||
        !js.addConsumer(QStringLiteral("OFF"),
                        pushConfig(QStringLiteral("PUSH"), QStringLiteral("deliver.off"), 100)))
        return 5;
    {
        AsyncPublisher pub(ct.connection());
        if (!pub.start().ok() || !pub.publish("off.x", "x") || !pub.waitComplete(5000).ok())
            return 6;
        PullConsumer pull(js, QStringLiteral("OFF"), QStringLiteral("PULL"));
        ConsumeOptions co;
        co.expiresMs = 1000;
        co.heartbeatMs = 100;
        if (!pull.consume([](JsMessage& m) { m.ack(); }, co).ok())
            return 7;
        PushConsumer push(js, QStringLiteral("OFF"), QStringLiteral("PUSH"));
        if (!push.start([](JsMessage& m) { m.ack(); }).ok())
            return 8;
        QTest::qWait(300); // running for a while before they go out of scope
    }
    QTest::qWait(600); // their timers would fire now
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc > 1 && qstrcmp(argv[1], kChildArg) == 0)
        return destroyOffThreadScenario();
    TestJetStream tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}
#include "tst_jetstream.moc"
