// Resilience against real nats-server processes on loopback: crashes and restarts on the same
// port, cluster failover, stale connections (SIGSTOP), lame duck mode, the outbound queue
// while disconnected, authorization loops, reconnect limits, drain, and the rule that every
// publish ends in exactly one counter.
//
// Delays are small (tens to hundreds of ms) so the suite stays fast; every wait is bounded and
// the timing bounds carry a margin for a loaded two-core CI machine.
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QScopeGuard>
#include <QSemaphore>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

using namespace jetdeck;
using namespace jetdeck::test;
using State = ConnectionState;

namespace {

constexpr int kWaitMs = 10000;
/// Added to every timing bound: scheduling noise on a busy CI machine.
constexpr qint64 kMarginMs = 1000;

QString hostPort(const NatsServerProcess* s) {
    return QStringLiteral("127.0.0.1:%1").arg(s->port());
}

QByteArray num(qint64 n) {
    return QByteArray::number(n);
}

/// Sequence numbers (the payloads) an inline subscription received, in arrival order.
class SeqLog {
public:
    InlineHandler handler() {
        return [this](const MsgView& m) {
            const qint64 seq = m.payload.toByteArray().toLongLong();
            std::lock_guard lock(m_mu);
            m_seqs.append(seq);
        };
    }
    QList<qint64> seqs() const {
        std::lock_guard lock(m_mu);
        return m_seqs;
    }
    qsizetype size() const {
        std::lock_guard lock(m_mu);
        return m_seqs.size();
    }
    bool contains(qint64 seq) const {
        std::lock_guard lock(m_mu);
        return m_seqs.contains(seq);
    }

private:
    mutable std::mutex m_mu;
    QList<qint64> m_seqs;
};

/// A payload no test publishes as data.
constexpr qint64 kMarker = -1;

/// Publishes kMarker on `subject` behind everything `c` published there and waits until `log`
/// has it: one publisher's messages keep their order, so what was going to arrive before it
/// has arrived, and `log` then holds exactly what was delivered, the marker last.
bool settled(Connection* c, QByteArrayView subject, const SeqLog& log) {
    return c->publish(subject, num(kMarker)).ok() &&
           QTest::qWaitFor([&] { return log.contains(kMarker); }, kWaitMs);
}

/// Empty when `seqs` is strictly increasing (in order, each at most once); else the spot.
QString orderProblem(const QList<qint64>& seqs) {
    for (qsizetype i = 1; i < seqs.size(); ++i)
        if (seqs[i] <= seqs[i - 1])
            return QStringLiteral("at index %1: %2 arrived after %3")
                .arg(i)
                .arg(seqs[i])
                .arg(seqs[i - 1]);
    return {};
}

int countSpans(const QList<StateSpan>& history, State state) {
    return int(std::count_if(history.cbegin(), history.cend(),
                             [&](const StateSpan& s) { return s.state == state; }));
}

/// When the most recent span of `state` began (invalid when there is none).
QDateTime lastSpanStart(const Connection* c, State state) {
    const QList<StateSpan> history = c->stateHistory();
    for (auto it = history.crbegin(); it != history.crend(); ++it)
        if (it->state == state)
            return it->since;
    return {};
}

QList<ConnectionEvent> eventsSince(const Connection* c, qsizetype from) {
    return c->events().mid(from);
}

int countEvents(const QList<ConnectionEvent>& events, ConnectionEvent::Kind kind,
                const QString& containing = {}) {
    return int(std::count_if(events.cbegin(), events.cend(), [&](const ConnectionEvent& e) {
        return e.kind == kind && (containing.isEmpty() || e.message.contains(containing));
    }));
}

QString eventLog(const QList<ConnectionEvent>& events) {
    QStringList lines;
    for (const ConnectionEvent& e : events)
        lines << e.time.toString(QStringLiteral("hh:mm:ss.zzz ")) +
                     connectionEventKindName(e.kind) + QStringLiteral(": ") + e.message;
    return lines.join(QLatin1Char('\n'));
}

QString accountingText(const HealthSnapshot& h) {
    return QStringLiteral("published %1, sent %2, flushed %3, expired %4, dropped %5, depth %6, "
                          "rejected %7, buffered bytes %8")
        .arg(h.published)
        .arg(h.sent)
        .arg(h.queue.flushed)
        .arg(h.queue.expired)
        .arg(h.queue.dropped)
        .arg(h.queueDepth)
        .arg(h.queue.rejected)
        .arg(h.bufferedBytes);
}

/// Every accepted publish is in exactly one place: written to the socket, flushed from the
/// queue, expired, dropped, still queued, or still in the write buffer. health() does not count
/// the publishes in the write buffer, so this waits until the buffer is empty.
void checkPublishAccounting(const Connection* c) {
    QTRY_VERIFY_WITH_TIMEOUT(c->health().bufferedBytes == 0, kWaitMs);
    const HealthSnapshot h = c->health();
    const quint64 accounted =
        h.sent + h.queue.flushed + h.queue.expired + h.queue.dropped + quint64(h.queueDepth);
    QVERIFY2(h.published == accounted, qPrintable(accountingText(h)));
}

#define CHECK_ACCOUNTING(conn)                                                                     \
    do {                                                                                           \
        checkPublishAccounting(conn);                                                              \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

/// Order check where a publisher thread runs at the moment the connection is lost: a publish
/// made between the loss and RECONNECTING must still go out after the salvaged ones.
#define CHECK_ORDER_WITH_PUBLISHER_AT_LOSS(seqs)                                                   \
    do {                                                                                           \
        const QString problem_ = orderProblem(seqs);                                               \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));                                        \
    } while (false)

/// Publishes sequence numbers on `subject` every `intervalMs` while the test thread waits.
class Ticker {
public:
    Ticker(Connection* conn, QByteArray subject, int intervalMs = 20)
        : m_conn(conn)
        , m_subject(std::move(subject)) {
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
            if (m_conn->publish(m_subject, num(m_seq)).ok())
                ++m_seq;
        });
        m_timer.start(intervalMs);
    }
    qint64 published() const { return m_seq; }

private:
    Connection* m_conn;
    QByteArray m_subject;
    QTimer m_timer;
    qint64 m_seq = 0;
};

/// A payload of `size` bytes that names its sequence number and whose every other byte
/// depends on it: a frame cut, joined to another or shifted shows.
QByteArray framePayload(qint64 seq, qsizetype size) {
    QByteArray p = QByteArray::number(seq).rightJustified(12, '0');
    p.resize(size, char('a' + seq % 26));
    return p;
}

/// What a subscription received of framePayload()s: their sequence numbers in arrival order
/// and what was wrong with any of them.
class FrameLog {
public:
    explicit FrameLog(qsizetype size)
        : m_size(size) {}
    InlineHandler handler() {
        return [this](const MsgView& m) {
            const qint64 seq = m.payload.first(std::min<qsizetype>(12, m.payload.size()))
                                   .toByteArray()
                                   .toLongLong();
            std::lock_guard lock(m_mu);
            m_seqs.append(seq);
            if (m.payload != QByteArrayView(framePayload(seq, m_size)) && m_problems.size() < 5)
                m_problems << QStringLiteral("message %1 arrived with %2 bytes, not as published")
                                  .arg(seq)
                                  .arg(m.payload.size());
        };
    }
    QList<qint64> seqs() const {
        std::lock_guard lock(m_mu);
        return m_seqs;
    }
    QStringList problems() const {
        std::lock_guard lock(m_mu);
        return m_problems;
    }

private:
    const qsizetype m_size;
    mutable std::mutex m_mu;
    QList<qint64> m_seqs;
    QStringList m_problems;
};

qint64 median(QList<qint64> v) {
    if (v.isEmpty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

class TestResilience : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();

    void killAndRestart20Cycles();
    void firstConnectRetried();
    void publishRightAfterOpenIsQueued();
    void clusterFailover();
    void staleOnSigstop_data();
    void staleOnSigstop();
    void lameDuckMovesToAnotherMember();
    void queueFailClosed();
    void queueFailOpen();
    void queueExpiry();
    void controlFirst();
    void authTwiceStops_data();
    void authTwiceStops();
    void reconnectAttemptsExhausted();
    void drainDeliversBuffered();
    void drainTimeoutWithUnreadSubscription();
    void forceDisconnectAndRequestAcrossReconnect();
    void publishNeverSilentlyLost();
    void closeCountsUnwrittenPublishes();
    void orderAcrossServerCrashes();
    void directWritesThroughAStalledServer();
    void directWritesCutByACrash();
};

void TestResilience::initTestCase() {
    auto exe = NatsServerProcess::executable();
    QVERIFY2(exe.ok(), qPrintable(exe.error().message));
}

// --- crash and restart -----------------------------------------------------------------------

void TestResilience::killAndRestart20Cycles() {
    JETDECK_START_SERVER(server);
    const Options o = fastOptions(server->url());
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.cycles", log.handler()).ok());
    VERIFY_OK(c->flushSync());

    constexpr int kCycles = 20;
    constexpr int kLive = 20;   // published while connected, a millisecond or so apart
    constexpr int kQueued = 25; // published while the server is down
    qint64 seq = 0;
    QList<qint64> queuedSeqs;
    QList<qint64> reconnectMs;
    QElapsedTimer total;
    total.start();
    for (int cycle = 0; cycle < kCycles; ++cycle) {
        for (int i = 0; i < kLive; ++i) {
            VERIFY_OK(c->publish("res.cycles", num(seq++)));
            QTest::qWait(1); // pacing: live traffic, not one burst
        }
        // SIGKILL right behind the live publishes. The last of them may still sit in kernel
        // buffers (ours or the dead server's) and are lost: a crash does that and no client can
        // tell. Those still in our write buffer are salvaged into the outbound queue. The
        // assertions are about what was queued while the server was down: every one of those
        // arrives, in order, exactly once.
        server->kill();
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
        const qsizetype salvaged = c->health().queueDepth;
        for (int i = 0; i < kQueued; ++i) {
            queuedSeqs.append(seq);
            VERIFY_OK(c->publish("res.cycles", num(seq++)));
        }
        QCOMPARE(c->health().queueDepth, salvaged + kQueued);

        const Status s = server->restart();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
        const QDateTime accepting = QDateTime::currentDateTime();
        const qint64 scheduled = c->health().nextAttemptInMs; // -1: an attempt is under way
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
        const qint64 ms =
            qMax<qint64>(0, accepting.msecsTo(lastSpanStart(c.connection(), State::Connected)));
        reconnectMs.append(ms);
        QVERIFY2(ms <= qMax<qint64>(0, scheduled) + kMarginMs,
                 qPrintable(QStringLiteral("cycle %1: connected %2 ms after the server was back; "
                                           "the next attempt was due in %3 ms")
                                .arg(cycle)
                                .arg(ms)
                                .arg(scheduled)));
        QTRY_VERIFY_WITH_TIMEOUT(log.contains(queuedSeqs.last()), kWaitMs);
    }
    const qint64 elapsed = total.elapsed();

    const QList<qint64> got = log.seqs();
    const QString order = orderProblem(got);
    QVERIFY2(order.isEmpty(), qPrintable(order));
    for (qint64 q : std::as_const(queuedSeqs))
        QVERIFY2(std::binary_search(got.cbegin(), got.cend(), q),
                 qPrintable(QStringLiteral("queued message %1 never arrived").arg(q)));
    const qint64 lost = seq - got.size(); // live ones caught in kernel buffers by the kill

    const HealthSnapshot h = c->health();
    QCOMPARE(h.reconnects, quint64(kCycles));
    QCOMPARE(h.queueDepth, qsizetype(0));
    QCOMPARE(h.queue.flushed, h.queue.queued);
    QVERIFY(h.queue.queued >= quint64(kCycles * kQueued));
    QCOMPARE(h.queue.expired, 0u);
    QCOMPARE(h.queue.dropped, 0u);
    QCOMPARE(h.queue.rejected, 0u);
    CHECK_ACCOUNTING(c.connection());

    // Every transition is recorded, in the history and as events.
    const QList<StateSpan> history = c->stateHistory();
    QCOMPARE(history.first().state, State::Connecting);
    QCOMPARE(countSpans(history, State::Connected), kCycles + 1);
    QCOMPARE(countSpans(history, State::Reconnecting), kCycles);
    for (qsizetype i = 1; i < history.size(); ++i)
        QVERIFY(history[i].state != history[i - 1].state);
    const QList<ConnectionEvent> events = c->events();
    int reconnected = 0, reconnecting = 0;
    for (const ConnectionEvent& e : events)
        if (e.kind == ConnectionEvent::Kind::State) {
            reconnected +=
                e.state == State::Connected && e.message.contains(QStringLiteral("reconnected"));
            reconnecting += e.state == State::Reconnecting;
        }
    QCOMPARE(reconnected, kCycles);
    QCOMPARE(reconnecting, kCycles);

    qInfo("kill/restart x%d in %lld ms; %lld live messages lost in flight of %lld; reconnect after "
          "the server accepted again: median %lld ms, worst %lld ms",
          kCycles, elapsed, lost, seq, median(reconnectMs),
          *std::max_element(reconnectMs.cbegin(), reconnectMs.cend()));
    QVERIFY2(elapsed < 60000, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
}

// --- first connect ---------------------------------------------------------------------------

void TestResilience::firstConnectRetried() {
    const quint16 port = NatsServerProcess::freePort();
    QVERIFY(port != 0);
    Options o = fastOptions(QStringLiteral("nats://127.0.0.1:%1").arg(port));
    o.retryOnFailedConnect = true;
    ConnectionThread c(o);
    SeqLog log;
    QVERIFY(c->subscribeInline("res.first", log.handler()).ok()); // sent once connected
    c->open();
    QTRY_VERIFY_WITH_TIMEOUT(c->state() != State::Disconnected, kWaitMs);
    for (int i = 0; i < 3; ++i)
        VERIFY_OK(c->publish("res.first", num(i)));
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
    for (int i = 3; i < 6; ++i)
        VERIFY_OK(c->publish("res.first", num(i)));

    // While nobody listens, the next attempt is scheduled and visible.
    HealthSnapshot h;
    QTRY_VERIFY_WITH_TIMEOUT((h = c->health()).nextAttemptInMs >= 0, kWaitMs);
    QVERIFY2(h.nextAttemptInMs <= o.maxReconnectDelayMs * 6 / 5,
             qPrintable(QString::number(h.nextAttemptInMs)));
    QVERIFY(h.reconnectAttempt >= 1);
    QCOMPARE(h.lastFailure.kind, ErrorKind::ConnectFailed);
    QCOMPARE(h.queueDepth, qsizetype(6));
    QTest::qWait(300); // a few passes fail

    NatsServerConfig cfg;
    cfg.port = port;
    JETDECK_START_SERVER(server, cfg);
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    QCOMPARE(c->currentServer(), hostPort(server.get()));
    QTRY_COMPARE_WITH_TIMEOUT(log.size(), qsizetype(6), kWaitMs);
    QCOMPARE(log.seqs(), (QList<qint64>{0, 1, 2, 3, 4, 5}));

    h = c->health();
    QCOMPARE(h.queue.flushed, 6u);
    QCOMPARE(h.reconnects, 0u); // the first connection is not a reconnect
    QCOMPARE(h.nextAttemptInMs, qint64(-1));
    const QList<StateSpan> history = c->stateHistory();
    QVERIFY(history.size() >= 3);
    QCOMPARE(history[0].state, State::Connecting);
    QCOMPARE(history[1].state, State::Reconnecting);
    QCOMPARE(history.last().state, State::Connected);
    const QList<ConnectionEvent> events = c->events();
    QVERIFY(countEvents(events, ConnectionEvent::Kind::Error,
                        QStringLiteral("cannot connect to 127.0.0.1:%1").arg(port)) >= 1);
    QCOMPARE(countEvents(events, ConnectionEvent::Kind::State,
                         QStringLiteral("6 queued publishes sent")),
             1);
    CHECK_ACCOUNTING(c.connection());
}

void TestResilience::publishRightAfterOpenIsQueued() {
    // open() only posts the work to the connection's thread. A publish made right after it
    // returns belongs to the connection being made and must be held, not refused.
    JETDECK_START_SERVER(server);
    ConnectionThread c(fastOptions(server->url()));
    SeqLog log;
    QVERIFY(c->subscribeInline("res.open", log.handler()).ok());
    // Hold the connection's thread so that open()'s queued work has not run yet when we
    // publish: deterministic here, and what happens unaided whenever this thread runs first.
    QSemaphore started, release;
    QMetaObject::invokeMethod(c.connection(), [&] {
        started.release();
        release.acquire();
    });
    started.acquire();
    c->open();
    const Status s = c->publish("res.open", "0");
    release.release();
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    QTRY_COMPARE_WITH_TIMEOUT(log.size(), qsizetype(1), kWaitMs);
}

// --- cluster ---------------------------------------------------------------------------------

void TestResilience::clusterFailover() {
    Servers cluster;
    {
        const Status s = startCluster(3, &cluster, QStringLiteral("jetdeck-resilience"));
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    {
        const Status s = waitForMesh(cluster, kWaitMs);
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    NatsServerProcess* a = cluster[0].get();
    Options o = fastOptions(a->url()); // only A: B and C are learned from INFO
    o.reconnectDelayMs = 100;
    o.maxReconnectDelayMs = 500;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    QCOMPARE(c->currentServer(), hostPort(a));
    QTRY_COMPARE_WITH_TIMEOUT(c->knownServers().size(), qsizetype(3), kWaitMs);
    QSet<QString> known, members;
    for (const ServerUrl& u : c->knownServers())
        known << u.hostPort();
    for (const auto& s : cluster)
        members << hostPort(s.get());
    QCOMPARE(known, members);
    QVERIFY(countEvents(c->events(), ConnectionEvent::Kind::Discovered) >= 1);

    SeqLog log;
    QVERIFY(c->subscribeInline("res.failover", log.handler()).ok());
    VERIFY_OK(c->flushSync());
    ConnectionThread pub(optionsFor(cluster[1]->url()));
    VERIFY_OK(pub->connectSync());
    Ticker ticker(pub.connection(), "res.failover");
    QTRY_VERIFY_WITH_TIMEOUT(log.size() >= 5, kWaitMs);

    a->kill();
    const QDateTime killed = QDateTime::currentDateTime();
    QTRY_VERIFY_WITH_TIMEOUT(c->state() == State::Connected && c->currentServer() != hostPort(a),
                             kWaitMs);
    const qint64 ms =
        qMax<qint64>(0, killed.msecsTo(lastSpanStart(c.connection(), State::Connected)));
    const qint64 bound = o.reconnectDelayMs * (100 + o.reconnectJitterPercent) / 100 + 1000;
    QVERIFY2(ms <= bound, qPrintable(QStringLiteral("failover took %1 ms").arg(ms)));
    qInfo("failover from A to %s in %lld ms", qPrintable(c->currentServer()), ms);
    QVERIFY(c->currentServer() == hostPort(cluster[1].get()) ||
            c->currentServer() == hostPort(cluster[2].get()));

    // The subscription keeps receiving through the new server.
    const qsizetype before = log.size();
    QTRY_VERIFY_WITH_TIMEOUT(log.size() >= before + 10, kWaitMs);
    const QString order = orderProblem(log.seqs());
    QVERIFY2(order.isEmpty(), qPrintable(order));
    const HealthSnapshot h = c->health();
    QCOMPARE(h.reconnects, 1u);
    QCOMPARE(h.lastFailure.kind, ErrorKind::Io);
    QCOMPARE(countSpans(c->stateHistory(), State::Reconnecting), 1);
}

void TestResilience::staleOnSigstop_data() {
    QTest::addColumn<bool>("cluster");
    QTest::newRow("cluster: moves to the other member") << true;
    QTest::newRow("single: back to the same server after SIGCONT") << false;
}

void TestResilience::staleOnSigstop() {
    QFETCH(bool, cluster);
    Servers servers;
    if (cluster) {
        const Status s = startCluster(2, &servers, QStringLiteral("jetdeck-resilience"));
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    } else {
        servers.push_back(std::make_unique<NatsServerProcess>());
        const Status s = servers.back()->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    NatsServerProcess* a = servers[0].get();
    Options o = fastOptions(a->url());
    o.pingIntervalMs = 200;
    o.maxPingsOut = 2;
    o.connectTimeoutMs = 1000;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    if (cluster)
        QTRY_COMPARE_WITH_TIMEOUT(c->knownServers().size(), qsizetype(2), kWaitMs);
    SeqLog log;
    QVERIFY(c->subscribeInline("res.stale", log.handler()).ok());
    VERIFY_OK(c->flushSync());

    auto resume = qScopeGuard([a] { a->resume(); }); // always, even when a check fails
    QVERIFY(a->pause());
    const QDateTime paused = QDateTime::currentDateTime();
    // PINGs go unanswered: the connection is stale after maxPingsOut of them, at the next tick.
    const qint64 bound = o.pingIntervalMs * (o.maxPingsOut + 1) + 900;
    QTRY_COMPARE_WITH_TIMEOUT(c->health().lastFailure.kind, ErrorKind::StaleConnection,
                              int(bound) + kWaitMs);
    const qint64 ms = paused.msecsTo(lastSpanStart(c.connection(), State::Reconnecting));
    QVERIFY2(ms >= 0 && ms <= bound,
             qPrintable(QStringLiteral("stale after %1 ms (bound %2 ms)").arg(ms).arg(bound)));
    QVERIFY(c->health().lastFailure.message.contains(QStringLiteral("stale connection")));

    if (cluster) {
        QTRY_COMPARE_WITH_TIMEOUT(c->currentServer(), hostPort(servers[1].get()), kWaitMs);
        qInfo("stale after %lld ms; on %s %lld ms after the SIGSTOP", ms,
              qPrintable(c->currentServer()),
              paused.msecsTo(lastSpanStart(c.connection(), State::Connected)));
    } else {
        // The new attempt waits for INFO from the stopped server (or for the next pass).
        QVERIFY(holdsFor(300, [&] { return c->state() == State::Reconnecting; }));
        QVERIFY(a->resume());
        const QDateTime resumed = QDateTime::currentDateTime();
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
        const qint64 back = resumed.msecsTo(lastSpanStart(c.connection(), State::Connected));
        const qint64 backBound = o.connectTimeoutMs + o.maxReconnectDelayMs * 6 / 5 + kMarginMs;
        QVERIFY2(back <= backBound, qPrintable(QStringLiteral("%1 ms after SIGCONT").arg(back)));
        qInfo("stale after %lld ms; reconnected %lld ms after the SIGCONT", ms, back);
        QCOMPARE(c->currentServer(), hostPort(a));
    }
    VERIFY_OK(c->publish("res.stale", "1"));
    QTRY_VERIFY_WITH_TIMEOUT(log.contains(1), kWaitMs);
    QCOMPARE(c->health().reconnects, 1u);
    QVERIFY(countEvents(c->events(), ConnectionEvent::Kind::Error,
                        QStringLiteral("stale connection")) >= 1);
}

void TestResilience::lameDuckMovesToAnotherMember() {
    Servers cluster;
    {
        const Status s = startCluster(2, &cluster, QStringLiteral("jetdeck-resilience"));
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    {
        const Status s = waitForMesh(cluster, kWaitMs);
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    NatsServerProcess* a = cluster[0].get();
    NatsServerProcess* b = cluster[1].get();
    ConnectionThread c(fastOptions(a->url()));
    VERIFY_OK(c->connectSync());
    QTRY_COMPARE_WITH_TIMEOUT(c->knownServers().size(), qsizetype(2), kWaitMs);
    SeqLog log;
    QVERIFY(c->subscribeInline("res.ldm", log.handler()).ok());
    VERIFY_OK(c->flushSync());
    ConnectionThread pub(optionsFor(b->url()));
    VERIFY_OK(pub->connectSync());
    Ticker ticker(pub.connection(), "res.ldm");
    QTRY_VERIFY_WITH_TIMEOUT(log.size() >= 5, kWaitMs);

    const qsizetype eventsBefore = c->events().size();
    {
        const Status s = a->enterLameDuckMode();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    const QDateTime signalled = QDateTime::currentDateTime();
    QTRY_COMPARE_WITH_TIMEOUT(
        countEvents(eventsSince(c.connection(), eventsBefore), ConnectionEvent::Kind::LameDuck), 1,
        kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(c->state() == State::Connected && c->currentServer() == hostPort(b),
                             kWaitMs);
    // Moved while A is still up (it waits its grace period before closing clients), on its own:
    // no error, no DISCONNECTED.
    QVERIFY(a->isRunning());
    const qint64 ms = signalled.msecsTo(lastSpanStart(c.connection(), State::Connected));
    QVERIFY2(ms <= 2000, qPrintable(QStringLiteral("moved %1 ms after the signal").arg(ms)));
    qInfo("left the lame duck server %lld ms after the signal", ms);
    const QList<ConnectionEvent> after = eventsSince(c.connection(), eventsBefore);
    QVERIFY2(countEvents(after, ConnectionEvent::Kind::Error) == 0, qPrintable(eventLog(after)));
    QVERIFY(countSpans(c->stateHistory(), State::Disconnected) == 0);
    QCOMPARE(c->health().lastFailure.kind, ErrorKind::Server);
    QVERIFY(c->health().lastFailure.message.contains(QStringLiteral("lame duck")));
    QVERIFY(!c->health().lameDuck);

    const qsizetype before = log.size();
    QTRY_VERIFY_WITH_TIMEOUT(log.size() >= before + 10, kWaitMs);
    const QString order = orderProblem(log.seqs());
    QVERIFY2(order.isEmpty(), qPrintable(order));
}

// --- outbound queue against a stopped server ---------------------------------------------------

void TestResilience::queueFailClosed() {
    JETDECK_START_SERVER(server);
    Options o = fastOptions(server->url());
    o.maxPendingOperations = 5;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.q", log.handler()).ok());
    VERIFY_OK(c->flushSync());
    server->kill();
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
    const qsizetype eventsBefore = c->events().size();

    for (int i = 0; i < 8; ++i) {
        const Status s = c->publish("res.q", num(i));
        if (i < 5) {
            QVERIFY2(s.ok(), qPrintable(s.toString()));
        } else {
            QCOMPARE(s.kind, ErrorKind::QueueFull);
            QVERIFY2(s.message.contains(QStringLiteral("limits 5 / ")), qPrintable(s.message));
        }
    }
    HealthSnapshot h = c->health();
    QCOMPARE(h.published, 5u);
    QCOMPARE(h.queue.queued, 5u);
    QCOMPARE(h.queue.rejected, 3u);
    QCOMPARE(h.queue.dropped, 0u);
    QCOMPARE(h.queueDepth, qsizetype(5));
    QCOMPARE(h.queueLimitOps, 5);
    QVERIFY(!h.failOpen);
    // Reported once per episode, not once per refused publish.
    QCOMPARE(countEvents(eventsSince(c.connection(), eventsBefore), ConnectionEvent::Kind::Error,
                         QStringLiteral("outbound queue full")),
             1);

    VERIFY_OK(server->restart());
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    QVERIFY(settled(c.connection(), "res.q", log));
    QCOMPARE(log.seqs(), (QList<qint64>{0, 1, 2, 3, 4, kMarker}));
    h = c->health();
    QCOMPARE(h.queue.flushed, 5u);
    QCOMPARE(h.queue.rejected, 3u);
    CHECK_ACCOUNTING(c.connection());
}

void TestResilience::queueFailOpen() {
    JETDECK_START_SERVER(server);
    Options o = fastOptions(server->url());
    o.maxPendingOperations = 5;
    o.failOpenMode = true;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.q", log.handler()).ok());
    VERIFY_OK(c->flushSync());
    server->kill();
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
    const qsizetype eventsBefore = c->events().size();

    for (int i = 0; i < 8; ++i) {
        const Status s = c->publish("res.q", num(i));
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    HealthSnapshot h = c->health();
    QCOMPARE(h.published, 8u);
    QCOMPARE(h.queue.queued, 8u);
    QCOMPARE(h.queue.dropped, 3u);
    QCOMPARE(h.queue.rejected, 0u);
    QCOMPARE(h.queueDepth, qsizetype(5));
    QVERIFY(h.failOpen);
    QCOMPARE(countEvents(eventsSince(c.connection(), eventsBefore), ConnectionEvent::Kind::Info,
                         QStringLiteral("fail-open")),
             1);

    VERIFY_OK(server->restart());
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    QVERIFY(settled(c.connection(), "res.q", log));
    QCOMPARE(log.seqs(), (QList<qint64>{3, 4, 5, 6, 7, kMarker})); // the newest five, in order
    h = c->health();
    QCOMPARE(h.queue.flushed, 5u);
    QCOMPARE(h.queue.dropped, 3u);
    CHECK_ACCOUNTING(c.connection());
}

void TestResilience::queueExpiry() {
    JETDECK_START_SERVER(server);
    Options o = fastOptions(server->url());
    o.pendingOperationTimeoutMs = 300;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.q", log.handler()).ok());
    VERIFY_OK(c->flushSync());
    server->kill();
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
    const qsizetype eventsBefore = c->events().size();

    QElapsedTimer t;
    t.start();
    for (int i = 0; i < 3; ++i)
        VERIFY_OK(c->publish("res.q", num(i)));
    QCOMPARE(c->health().queue.expired, 0u);
    QTRY_COMPARE_WITH_TIMEOUT(c->health().queue.expired, 3u, kWaitMs);
    const qint64 expiredAfter = t.elapsed();
    QVERIFY2(expiredAfter >= 300, qPrintable(QString::number(expiredAfter)));
    QCOMPARE(c->health().queueDepth, qsizetype(0));
    QCOMPARE(countEvents(eventsSince(c.connection(), eventsBefore), ConnectionEvent::Kind::Error,
                         QStringLiteral("3 queued publishes expired after waiting 300 ms")),
             1);

    VERIFY_OK(server->restart());
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    QVERIFY(settled(c.connection(), "res.q", log));
    QCOMPARE(log.seqs(), QList<qint64>{kMarker}); // nothing expired is delivered late
    const HealthSnapshot h = c->health();
    QCOMPARE(h.queue.flushed, 0u);
    QCOMPARE(h.queue.expired, 3u);
    QCOMPARE(h.published, 4u); // the three, and the marker
    CHECK_ACCOUNTING(c.connection());
}

void TestResilience::controlFirst() {
    JETDECK_START_SERVER(server);
    ConnectionThread c(fastOptions(server->url()));
    VERIFY_OK(c->connectSync());
    // One arrival order across three subscriptions of the same connection (inline handlers all
    // run on the connection's thread, in the order the server sends).
    std::mutex mu;
    QList<QByteArray> arrived;
    auto record = [&](const MsgView& m) {
        std::lock_guard lock(mu);
        arrived.append(m.payload.toByteArray());
    };
    QVERIFY(c->subscribeInline("res.ctl.data", record).ok());
    QVERIFY(c->subscribeInline("$JS.ACK.>", record).ok());
    QVERIFY(c->subscribeInline("$JS.FC.>", record).ok());
    VERIFY_OK(c->flushSync());
    // A JetStream context on the connection is what makes acks and flow control go first.
    const js::JetStream js(c.connection());
    server->kill();
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);

    VERIFY_OK(c->publish("res.ctl.data", "d1"));
    VERIFY_OK(c->publish("$JS.ACK.S.C.1.1.1.1.0", "ack"));
    VERIFY_OK(c->publish("res.ctl.data", "d2"));
    VERIFY_OK(c->publish("$JS.FC.S.x.y", "fc"));
    const QList<OutboundQueue::Entry> queued = c->queuedOperations();
    QCOMPARE(queued.size(), 4);
    QCOMPARE(queued[0].kind, OutboundQueue::Kind::Control);
    QCOMPARE(queued[0].subject, QByteArray("$JS.ACK.S.C.1.1.1.1.0"));
    QCOMPARE(queued[1].kind, OutboundQueue::Kind::Control);
    QCOMPARE(queued[2].kind, OutboundQueue::Kind::Data);
    QCOMPARE(queued[3].subject, QByteArray("res.ctl.data"));

    VERIFY_OK(server->restart());
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    auto count = [&] {
        std::lock_guard lock(mu);
        return arrived.size();
    };
    QTRY_COMPARE_WITH_TIMEOUT(count(), qsizetype(4), kWaitMs);
    {
        std::lock_guard lock(mu);
        QCOMPARE(arrived, (QList<QByteArray>{"ack", "fc", "d1", "d2"}));
    }
    QCOMPARE(c->health().queue.flushed, 4u);
    CHECK_ACCOUNTING(c.connection());
}

// --- giving up -------------------------------------------------------------------------------

void TestResilience::authTwiceStops_data() {
    QTest::addColumn<bool>("afterLoss");
    QTest::newRow("first connect") << false;
    QTest::newRow("after a loss: the server came back with other credentials") << true;
}

void TestResilience::authTwiceStops() {
    QFETCH(bool, afterLoss);
    NatsServerConfig authCfg;
    authCfg.extraConfig = QStringLiteral("authorization { user: alice, password: s3cret }\n");
    std::unique_ptr<NatsServerProcess> plain; // accepts anyone
    std::unique_ptr<NatsServerProcess> guarded;
    Options o;
    qsizetype eventsBefore = 0;
    std::unique_ptr<ConnectionThread> c;
    if (!afterLoss) {
        guarded = std::make_unique<NatsServerProcess>(authCfg);
        const Status s = guarded->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
        o = fastOptions(guarded->url());
        o.auth.user = QStringLiteral("alice");
        o.auth.password = QStringLiteral("wrong");
        o.retryOnFailedConnect = true;
        c = std::make_unique<ConnectionThread>(o);
        (*c)->open();
    } else {
        plain = std::make_unique<NatsServerProcess>();
        Status s = plain->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
        o = fastOptions(plain->url());
        o.auth.user = QStringLiteral("alice");
        o.auth.password = QStringLiteral("wrong");
        c = std::make_unique<ConnectionThread>(o);
        VERIFY_OK((*c)->connectSync());
        plain->kill();
        QTRY_COMPARE_WITH_TIMEOUT((*c)->state(), State::Reconnecting, kWaitMs);
        eventsBefore = (*c)->events().size();
        authCfg.port = plain->port();
        guarded = std::make_unique<NatsServerProcess>(authCfg);
        s = guarded->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    Connection* conn = c->connection();
    QTRY_COMPARE_WITH_TIMEOUT(conn->state(), State::Closed, kWaitMs);
    QVERIFY(holdsFor(300, [&] { return conn->state() == State::Closed; })); // no more attempts
    const QList<ConnectionEvent> events = eventsSince(conn, eventsBefore);
    const QString log = eventLog(events);
    QCOMPARE(conn->state(), State::Closed);
    const Error e = conn->lastError();
    QCOMPARE(e.kind, ErrorKind::Authorization);
    QVERIFY2(e.message.contains(QStringLiteral("no server left to try")) &&
                 e.message.contains(QStringLiteral("refused the credentials")),
             qPrintable(e.message));
    QVERIFY2(countEvents(events, ConnectionEvent::Kind::Error,
                         QStringLiteral("refused the credentials twice in a row; not trying it "
                                        "again")) == 1,
             qPrintable(log));
    // Exactly two attempts were refused by that server, as its own log confirms.
    QVERIFY2(std::count_if(events.cbegin(), events.cend(),
                           [](const ConnectionEvent& ev) {
                               return ev.kind == ConnectionEvent::Kind::Error &&
                                      ev.message.startsWith(
                                          QStringLiteral("the server refused the credentials"));
                           }) == 2,
             qPrintable(log));
    QCOMPARE(guarded->log().count(QStringLiteral("authentication error")), 2);
    QCOMPARE(countSpans(conn->stateHistory(), State::Closed), 1);
    QCOMPARE(conn->publish("res.auth", "x").kind, ErrorKind::ConnectionClosed);
}

void TestResilience::reconnectAttemptsExhausted() {
    JETDECK_START_SERVER(server);
    Options o = fastOptions(server->url());
    o.reconnectAttempts = 3;
    o.reconnectDelayMs = 100;
    o.reconnectMultiplier = 2.0;
    o.reconnectJitterPercent = 0;
    o.maxReconnectDelayMs = 1000;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    const qsizetype eventsBefore = c->events().size();
    server->kill(); // for good
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
    for (int i = 0; i < 4; ++i)
        VERIFY_OK(c->publish("res.exhaust", num(i)));

    // While it retries, the next attempt is visible and never further than the current delay.
    qint64 maxNext = -1;
    int maxAttempt = 0;
    QElapsedTimer t;
    t.start();
    while (c->state() != State::Closed && t.elapsed() < kWaitMs) {
        const HealthSnapshot h = c->health();
        maxNext = qMax(maxNext, h.nextAttemptInMs);
        maxAttempt = qMax(maxAttempt, h.reconnectAttempt);
        QTest::qWait(5); // sampling the countdown
    }
    QCOMPARE(c->state(), State::Closed);
    QVERIFY2(maxNext > 0 && maxNext <= 200, qPrintable(QString::number(maxNext)));
    QVERIFY(maxAttempt >= 2);

    const Error e = c->lastError();
    QCOMPARE(e.kind, ErrorKind::ConnectFailed);
    QVERIFY2(e.message.contains(QStringLiteral("gave up after 3 connect attempts "
                                               "(reconnect_attempts)")),
             qPrintable(e.message));
    const HealthSnapshot h = c->health();
    QCOMPARE(h.reconnectAttempt, 3);
    QCOMPARE(h.reconnectAttemptsMax, 3);
    QCOMPARE(h.nextAttemptInMs, qint64(-1));
    QCOMPARE(h.queue.dropped, 4u);
    QCOMPARE(h.queueDepth, qsizetype(0));
    const QList<ConnectionEvent> events = eventsSince(c.connection(), eventsBefore);
    const QString log = eventLog(events);
    QVERIFY2(countEvents(events, ConnectionEvent::Kind::Info, QStringLiteral("connecting to")) == 3,
             qPrintable(log));
    QVERIFY2(countEvents(events, ConnectionEvent::Kind::Info,
                         QStringLiteral("next attempt in 100 ms")) == 1 &&
                 countEvents(events, ConnectionEvent::Kind::Info,
                             QStringLiteral("next attempt in 200 ms")) == 1,
             qPrintable(log));
    QVERIFY2(countEvents(events, ConnectionEvent::Kind::Info,
                         QStringLiteral("4 publishes held in the outbound queue were dropped")) ==
                 1,
             qPrintable(log));
    const QList<StateSpan> history = c->stateHistory();
    QCOMPARE(history.last().state, State::Closed);
    QVERIFY(history.last().reason.contains(QStringLiteral("gave up")));
    QCOMPARE(history[history.size() - 2].state, State::Reconnecting);
    QCOMPARE(c->publish("res.exhaust", "x").kind, ErrorKind::ConnectionClosed);
    CHECK_ACCOUNTING(c.connection());
}

// --- drain -----------------------------------------------------------------------------------

void TestResilience::drainDeliversBuffered() {
    JETDECK_START_SERVER(server);
    ConnectionThread c(fastOptions(server->url()));
    VERIFY_OK(c->connectSync());
    QObject context; // on this thread, which stays busy until the drain has started
    struct Seen {
        qint64 seq;
        State state;
    };
    QList<Seen> seen;
    Connection* conn = c.connection();
    auto sub = c->subscribe("res.drain", &context, [&](const Message& m) {
        QThread::msleep(2); // a consumer that takes its time
        seen.append(Seen{m.payload().toByteArray().toLongLong(), conn->state()});
    });
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    constexpr int kMessages = 100;
    for (int i = 0; i < kMessages; ++i)
        VERIFY_OK(c->publish("res.drain", num(i)));
    VERIFY_OK(c->flushSync());
    // Busy: no events run on this thread, so the messages stay buffered in the subscription.
    QDeadlineTimer deadline(kWaitMs);
    while (sub.value()->stats().received < kMessages && !deadline.hasExpired())
        QThread::msleep(5);
    QCOMPARE(sub.value()->stats().pendingMsgs, qint64(kMessages));
    QCOMPARE(sub.value()->stats().delivered, 0u);

    QElapsedTimer sinceDrain;
    sinceDrain.start();
    c->drain(5000);
    deadline = QDeadlineTimer(kWaitMs);
    while (c->state() != State::Draining && !deadline.hasExpired())
        QThread::msleep(2);
    QThread::msleep(200); // the connection checks every 20 ms: it must keep waiting for us
    QCOMPARE(c->state(), State::Draining);

    // Free the thread: the callbacks run, then the connection closes, long before the timeout.
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Closed, kWaitMs);
    const qint64 ms = sinceDrain.elapsed();
    QTRY_COMPARE_WITH_TIMEOUT(seen.size(), kMessages, kWaitMs);
    int afterClose = 0;
    for (int i = 0; i < kMessages; ++i) {
        QCOMPARE(seen[i].seq, qint64(i));
        afterClose += seen[i].state != State::Draining;
    }
    // Every buffered message went to the callback before CLOSED.
    QVERIFY2(
        afterClose == 0,
        qPrintable(
            QStringLiteral("%1 of %2 callbacks ran after CLOSED").arg(afterClose).arg(kMessages)));
    const QList<StateSpan> history = c->stateHistory();
    QCOMPARE(history[history.size() - 2].state, State::Draining);
    QCOMPARE(history.last().state, State::Closed);
    const QList<ConnectionEvent> events = c->events();
    QVERIFY2(countEvents(events, ConnectionEvent::Kind::Info,
                         QStringLiteral("drained: every buffered message was delivered")) == 1,
             qPrintable(eventLog(events)));
    QVERIFY2(ms < 3000, qPrintable(QStringLiteral("closed %1 ms after drain(5000)").arg(ms)));
}

void TestResilience::drainTimeoutWithUnreadSubscription() {
    JETDECK_START_SERVER(server);
    ConnectionThread c(fastOptions(server->url()));
    VERIFY_OK(c->connectSync());
    auto sub = c->subscribe("res.drain.unread"); // nobody reads it
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 10; ++i)
        VERIFY_OK(c->publish("res.drain.unread", num(i)));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE_WITH_TIMEOUT(sub.value()->stats().received, 10u, kWaitMs);

    QElapsedTimer t;
    t.start();
    c->drain(300);
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Closed, kWaitMs);
    const qint64 ms = t.elapsed();
    QVERIFY2(ms >= 290 && ms <= 300 + kMarginMs, qPrintable(QString::number(ms)));
    const QList<ConnectionEvent> events = c->events();
    QVERIFY2(countEvents(events, ConnectionEvent::Kind::Error,
                         QStringLiteral("drain timed out with 10 messages not yet consumed")) == 1,
             qPrintable(eventLog(events)));
    QVERIFY(countSpans(c->stateHistory(), State::Draining) == 1);
}

// --- forced disconnect and requests ------------------------------------------------------------

void TestResilience::forceDisconnectAndRequestAcrossReconnect() {
    JETDECK_START_SERVER(server);
    // The responder keeps the default ping interval (5 s): a short SIGSTOP goes unnoticed.
    ConnectionThread responder(optionsFor(server->url()));
    VERIFY_OK(responder->connectSync());
    Connection* r = responder.connection();
    QVERIFY(responder
                ->subscribeInline("res.svc",
                                  [r](const MsgView& m) {
                                      r->publish(m.reply, QByteArray(QByteArray("re:") +
                                                                     m.payload.toByteArray()));
                                  })
                .ok());
    VERIFY_OK(responder->flushSync());

    Options o = fastOptions(server->url());
    o.connectTimeoutMs = 3000;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.fd", log.handler()).ok());
    VERIFY_OK(c->flushSync());

    // 1. A forced disconnect from a healthy server: RECONNECTING, then CONNECTED again.
    c->forceDisconnect(QStringLiteral("test says so"));
    QTRY_VERIFY_WITH_TIMEOUT(c->health().reconnects == 1 && c->state() == State::Connected,
                             kWaitMs);
    QList<StateSpan> history = c->stateHistory();
    QCOMPARE(history.size(), 4);
    QCOMPARE(history[2].state, State::Reconnecting);
    QVERIFY(history[2].reason.contains(QStringLiteral("forced disconnect: test says so")));
    QCOMPARE(history[3].state, State::Connected);
    QCOMPARE(history[3].reason, QStringLiteral("reconnected"));
    VERIFY_OK(c->publish("res.fd", "1"));
    QTRY_VERIFY_WITH_TIMEOUT(log.contains(1), kWaitMs);
    auto first = c->requestSync("res.svc", "a", 5000);
    QVERIFY2(first.ok(), qPrintable(first.error().toString()));
    QCOMPARE(first->payload(), QByteArrayView("re:a"));

    // 2. A request made while RECONNECTING waits in the queue and gets its reply afterwards.
    // With the server stopped, the new attempt hangs waiting for its INFO.
    auto resume = qScopeGuard([&] { server->resume(); }); // always, even when a check fails
    QVERIFY(server->pause());
    c->forceDisconnect(QStringLiteral("again"));
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
    auto reply =
        std::async(std::launch::async, [&c] { return c->requestSync("res.svc", "b", 8000); });
    QTRY_COMPARE_WITH_TIMEOUT(c->health().queueDepth, qsizetype(1), kWaitMs);
    QCOMPARE(c->state(), State::Reconnecting);
    QVERIFY(server->resume());
    const Result<Message> second = reply.get();
    QVERIFY2(second.ok(), qPrintable(second.error().toString()));
    QCOMPARE(second->payload(), QByteArrayView("re:b"));
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, kWaitMs);
    QCOMPARE(c->health().reconnects, 2u);
    QCOMPARE(c->health().queue.flushed, 1u);
    CHECK_ACCOUNTING(c.connection());
}

// --- accounting --------------------------------------------------------------------------------

void TestResilience::publishNeverSilentlyLost() {
    JETDECK_START_SERVER(server);
    Options o = fastOptions(server->url());
    o.failOpenMode = true;
    o.maxPendingOperations = 2000;
    o.pendingOperationTimeoutMs = 300;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.never", log.handler()).ok());
    VERIFY_OK(c->flushSync());

    // A publisher on its own thread, in every state: steady, or flat out during a burst.
    std::atomic<bool> stop{false}, burst{false};
    std::atomic<quint64> accepted{0}, queueFull{0}, other{0};
    std::mutex otherMu;
    QString otherText;
    Connection* conn = c.connection();
    std::thread publisher([&] {
        qint64 seq = 0;
        while (!stop) {
            const Status s = conn->publish("res.never", num(seq++));
            if (s.ok()) {
                ++accepted;
            } else if (s.kind == ErrorKind::QueueFull) {
                ++queueFull;
            } else {
                ++other;
                std::lock_guard lock(otherMu);
                otherText = s.toString();
            }
            if (!burst)
                std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    });
    auto joiner = qScopeGuard([&] {
        stop = true;
        publisher.join();
    });

    struct Step {
        int downMs; // how long the server stays down
        bool burst; // publish flat out around the loss and while down
        bool force; // forceDisconnect() instead of killing the server
    };
    // A long outage at the steady rate (publishes expire), bursts (the full queue drops the
    // oldest), a forced disconnect, a quick crash.
    const Step steps[] = {{700, false, false}, {150, true, false}, {0, false, true},
                          {400, false, false}, {100, true, false}, {0, false, false}};
    quint64 reconnects = 0;
    for (const Step& st : steps) {
        QTest::qWait(150); // traffic between the faults
        if (st.force) {
            c->forceDisconnect(QStringLiteral("accounting"));
        } else {
            burst = st.burst;
            server->kill();
            QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Reconnecting, kWaitMs);
            QTest::qWait(st.downMs); // how long the server stays down
            burst = false;
            const Status s = server->restart();
            QVERIFY2(s.ok(), qPrintable(s.toString()));
        }
        ++reconnects;
        QTRY_VERIFY_WITH_TIMEOUT(
            c->health().reconnects == reconnects && c->state() == State::Connected, kWaitMs);
    }
    QTest::qWait(100); // traffic after the last reconnect too
    joiner.dismiss();
    stop = true;
    publisher.join();

    VERIFY_OK(c->flushSync());
    QTRY_VERIFY_WITH_TIMEOUT(c->health().queueDepth == 0, kWaitMs);
    CHECK_ACCOUNTING(c.connection());
    const HealthSnapshot h = c->health();
    {
        std::lock_guard lock(otherMu);
        QVERIFY2(other == 0, qPrintable(otherText));
    }
    QCOMPARE(h.published, accepted.load()); // what publish() accepted, no more, no less
    QCOMPARE(h.queue.rejected, queueFull.load());
    QVERIFY2(h.queue.expired > 0 && h.queue.dropped > 0 && h.queue.flushed > 0,
             qPrintable(accountingText(h)));
    qInfo("%s", qPrintable(accountingText(h)));

    // Whatever arrived arrived in order and once.
    VERIFY_OK(c->flushSync());
    CHECK_ORDER_WITH_PUBLISHER_AT_LOSS(log.seqs());
}

void TestResilience::closeCountsUnwrittenPublishes() {
    // A stopped server stops reading: the kernel buffers fill, then the socket's, then the
    // write buffer. close() then cannot write what the write buffer holds; those publishes were
    // accepted and must end in a counter (dropped), not vanish.
    JETDECK_START_SERVER(server);
    Options o = optionsFor(server->url());
    o.writeBufferLimit = 64 * 1024;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    auto resume = qScopeGuard([&] { server->resume(); }); // always, even when a check fails
    QVERIFY(server->pause());

    Connection* conn = c.connection();
    std::atomic<bool> done{false};
    std::atomic<quint64> accepted{0};
    std::thread publisher([&] {
        const QByteArray payload(4096, 'x');
        while (!done) {
            if (!conn->publish("res.close", payload).ok()) // blocks while the write buffer is full
                break;
            ++accepted;
        }
    });
    auto joiner = qScopeGuard([&] {
        done = true;
        c->close();
        publisher.join();
    });
    // Backed up for good: the publisher waits for room and the write buffer holds publishes.
    QElapsedTimer t, stable;
    t.start();
    stable.start();
    quint64 last = 0;
    while (t.elapsed() < 20000 && stable.elapsed() < 300) {
        QTest::qWait(20);
        const quint64 now = accepted.load();
        if (now != last || c->health().bufferedBytes < o.writeBufferLimit / 2)
            stable.restart();
        last = now;
    }
    QVERIFY2(stable.elapsed() >= 300, "the write buffer never backed up");
    qInfo("backed up after %lld ms with %llu publishes accepted, %lld bytes in the write buffer",
          t.elapsed(), last, c->health().bufferedBytes);
    c->close();
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Closed, kWaitMs);
    joiner.dismiss();
    done = true;
    publisher.join();

    const HealthSnapshot h = c->health();
    QCOMPARE(h.published, accepted.load());
    QCOMPARE(h.bufferedBytes, qint64(0));
    const quint64 accounted =
        h.sent + h.queue.flushed + h.queue.expired + h.queue.dropped + quint64(h.queueDepth);
    qInfo("%s", qPrintable(accountingText(h)));
    QVERIFY2(h.published == accounted, qPrintable(accountingText(h)));
}

void TestResilience::orderAcrossServerCrashes() {
    // A publisher on another thread, flat out, while the server crashes and comes back again
    // and again: whatever arrives arrives once and in publish order, across every reconnect.
    // (Crashes, not client-side drops: after a client-side drop the server may still read the
    // old socket's last bytes after the new connection is up, and NATS orders nothing across
    // two connections. With the server gone, what it had not delivered is lost, not late.)
    JETDECK_START_SERVER(server);
    ConnectionThread c(fastOptions(server->url()));
    VERIFY_OK(c->connectSync());
    SeqLog log;
    QVERIFY(c->subscribeInline("res.order", log.handler()).ok());
    VERIFY_OK(c->flushSync());
    std::atomic<bool> stop{false};
    Connection* conn = c.connection();
    std::thread publisher([&] {
        qint64 seq = 0;
        while (!stop) {
            if (conn->publish("res.order", num(seq)).ok())
                ++seq;
            if (seq % 32 == 0)
                std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    });
    auto joiner = qScopeGuard([&] {
        stop = true;
        publisher.join();
    });
    constexpr int kCycles = 12;
    for (int i = 0; i < kCycles; ++i) {
        server->kill();
        QTRY_VERIFY_WITH_TIMEOUT(c->state() == State::Reconnecting, kWaitMs);
        QTest::qWait(20); // down for a moment
        VERIFY_OK(server->start());
        QTRY_VERIFY_WITH_TIMEOUT(
            c->health().reconnects == quint64(i + 1) && c->state() == State::Connected, kWaitMs);
        QTest::qWait(20); // up for a moment
    }
    joiner.dismiss();
    stop = true;
    publisher.join();
    VERIFY_OK(c->flushSync());
    QTRY_VERIFY_WITH_TIMEOUT(c->health().bufferedBytes == 0, kWaitMs);
    VERIFY_OK(c->flushSync());

    const QList<qint64> got = log.seqs();
    const QSet<qint64> distinct(got.cbegin(), got.cend());
    QCOMPARE(distinct.size(), got.size()); // exactly once
    qInfo("%d server crashes, %lld messages received", kCycles, qint64(got.size()));
    CHECK_ORDER_WITH_PUBLISHER_AT_LOSS(got);
}

void TestResilience::directWritesThroughAStalledServer() {
    // A publishing loop on the connection's own thread writes large payloads straight to the
    // kernel. The server stops reading for 1.5 s: the kernel fills, the write waits, then hands
    // the rest of its frame to the socket; publishing goes on through the socket until it has
    // caught up, then straight again. Nothing is cut, lost or reordered.
    JETDECK_START_SERVER(server);
    ConnectionThread sub(optionsFor(server->url()));
    VERIFY_OK(sub->connectSync());
    constexpr qsizetype kSize = 256 * 1024;
    FrameLog log(kSize);
    QVERIFY(sub->subscribeInline("res.direct", log.handler(), SubscribeOptions{{}, 0, 0, 0}).ok());
    VERIFY_OK(sub->flushSync());

    Connection c(optionsFor(server->url()));
    VERIFY_OK(c.connectSync());
    constexpr int n = 160; // 40 MiB: more than the kernel buffers between the two
    for (int i = 0; i < 10; ++i)
        VERIFY_OK(c.publish("res.direct", framePayload(i, kSize)));
    QVERIFY(server->pause());
    auto resume = qScopeGuard([&] { server->resume(); });
    QElapsedTimer t;
    t.start();
    // The server's pause ends on another thread while this one is blocked publishing.
    std::thread resumer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        server->resume();
    });
    auto joiner = qScopeGuard([&] { resumer.join(); });
    for (int i = 10; i < n; ++i)
        VERIFY_OK(c.publish("res.direct", framePayload(i, kSize)));
    joiner.dismiss();
    resumer.join();
    resume.dismiss();
    VERIFY_OK(c.flushSync(20000));
    qInfo("%d frames of 256 KiB published in %lld ms through a 1.5 s stall", n - 10, t.elapsed());
    QTRY_COMPARE_WITH_TIMEOUT(log.seqs().size(), qsizetype(n), kWaitMs);
    QVERIFY2(log.problems().isEmpty(), qPrintable(log.problems().join(QLatin1Char('\n'))));
    QList<qint64> want(n);
    std::iota(want.begin(), want.end(), 0);
    QCOMPARE(log.seqs(), want);
    const HealthSnapshot h = c.health();
    QCOMPARE(h.published, quint64(n));
    QCOMPARE(h.sent, quint64(n));
    QCOMPARE(c.stats().outBytes, quint64(n) * quint64(kSize));
    c.closeSync();
}

void TestResilience::directWritesCutByACrash() {
    // The server stops reading, a publishing loop on the connection's thread fills the kernel
    // and leaves a frame half written, then the server is killed: the half-written frame and
    // everything after it are taken back whole into the outbound queue and sent after the
    // reconnect. Every publish ends in a counter; what arrives arrives once, whole, in order.
    JETDECK_START_SERVER(server);
    ConnectionThread sub(fastOptions(server->url()));
    VERIFY_OK(sub->connectSync());
    constexpr qsizetype kSize = 200 * 1000; // not a multiple of any buffer size
    FrameLog log(kSize);
    QVERIFY(sub->subscribeInline("res.cut", log.handler(), SubscribeOptions{{}, 0, 0, 0}).ok());
    VERIFY_OK(sub->flushSync());

    Options o = fastOptions(server->url());
    o.maxPendingBytes = 128 * 1024 * 1024; // room for everything unwritten: nothing dropped
    Connection c(o);
    VERIFY_OK(c.connectSync());
    qint64 seq = 0;
    for (; seq < 10; ++seq)
        VERIFY_OK(c.publish("res.cut", framePayload(seq, kSize)));
    QVERIFY(server->pause());
    for (int i = 0; i < 40; ++i, ++seq) // 8 MB: the kernel fills, frames wait in the socket
        VERIFY_OK(c.publish("res.cut", framePayload(seq, kSize)));
    server->kill();
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), State::Reconnecting, kWaitMs);
    for (int i = 0; i < 20; ++i, ++seq) // queued while down
        VERIFY_OK(c.publish("res.cut", framePayload(seq, kSize)));
    VERIFY_OK(server->start());
    QTRY_VERIFY_WITH_TIMEOUT(c.state() == State::Connected && sub->state() == State::Connected,
                             kWaitMs);
    VERIFY_OK(sub->flushSync());
    for (int i = 0; i < 10; ++i, ++seq) // straight again
        VERIFY_OK(c.publish("res.cut", framePayload(seq, kSize)));
    VERIFY_OK(c.flushSync(20000));
    QTRY_VERIFY_WITH_TIMEOUT(!log.seqs().isEmpty() && log.seqs().last() == seq - 1, kWaitMs);

    CHECK_ACCOUNTING(&c);
    const HealthSnapshot h = c.health();
    qInfo("%s", qPrintable(accountingText(h)));
    QCOMPARE(h.published, quint64(seq));
    QCOMPARE(h.queue.dropped, 0u);
    QCOMPARE(h.queue.expired, 0u);
    QVERIFY2(h.queue.flushed >= 20, qPrintable(accountingText(h))); // at least those queued
    QVERIFY2(log.problems().isEmpty(), qPrintable(log.problems().join(QLatin1Char('\n'))));
    const QList<qint64> got = log.seqs();
    qInfo("%lld of %lld frames arrived (the killed server's unread ones are lost)",
          qint64(got.size()), seq);
    CHECK_ORDER_WITH_PUBLISHER_AT_LOSS(got);
    c.closeSync();
}

QTEST_GUILESS_MAIN(TestResilience)
#include "tst_resilience.moc"
