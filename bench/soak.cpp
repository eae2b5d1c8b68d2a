// Soak: servers killed and restarted many times while JetDeck publishes with msg ids and
// consumes with acks. What must hold at the end of each phase:
//  - no acknowledged publish is lost: every id whose PubAck came is in the stream, and the
//    consumer received it;
//  - each is stored once: the stream holds exactly the distinct acknowledged ids;
//  - every publish is accounted for: acked + failed + timed out = published, none in flight;
//  - memory is flat: resident memory at the end against after the first tenth of the cycles.
// Phase 1 kills -9 a single file-storage server (default 1000 cycles); phase 2 kills a member
// of a three-server JetStream cluster with an R3 stream and consumer (default 200 cycles),
// each time waiting until the stream and consumer have a leader and every replica is current
// again (killing the next before that is losing two members, which R3 does not promise to
// survive). The publisher retries a 503 every 250 ms for 30 s, as a producer would. A publish
// that waits over 5 s for room in the window is printed with the publisher's state.
// Usage: soak [--cycles N] [--cluster-cycles N] [--json FILE]
#include "bench/benchutil.h"
#include "core/client/connectionthread.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/asyncpublisher.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/pullconsumer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRandomGenerator>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <malloc.h>
#include <mutex>
#include <thread>

using namespace jetdeck;
using jetdeck::bench::rssKiB;
using jetdeck::bench::waitFor;

namespace {

/// Publishes "soak-<n>" with msg id = payload while the servers die; consumes and acks.
class Workload {
public:
    Workload(const Options& base, const QString& stream, int replicas)
        : m_stream(stream) {
        Options o = base;
        o.reconnectDelayMs = 50;
        o.maxReconnectDelayMs = 500;
        o.maxPendingOperations = 100000;
        o.maxPendingBytes = 256 * 1024 * 1024;
        o.pendingOperationTimeoutMs = 120000;
        o.retryOnFailedConnect = true;
        m_pubConn = std::make_unique<ConnectionThread>(o, QStringLiteral("soak-pub"));
        m_subConn = std::make_unique<ConnectionThread>(o, QStringLiteral("soak-sub"));
        m_replicas = replicas;
    }

    Status start() {
        if (Status s = (*m_pubConn)->connectSync(20000); !s.ok())
            return s;
        if (Status s = (*m_subConn)->connectSync(20000); !s.ok())
            return s;
        const js::JetStream js(m_pubConn->connection());
        js::StreamConfig sc;
        sc.name = m_stream;
        sc.subjects = {m_stream.toLower() + QStringLiteral(".>")};
        sc.storage = js::StorageType::File;
        sc.replicas = m_replicas;
        sc.duplicateWindowNs = 10LL * 60 * 1000 * 1000 * 1000; // longer than any outage here
        if (auto r = js::addStreamWhenReady(js, sc, 30000); !r)
            return r.error();
        js::ConsumerConfig cc;
        cc.durableName = QStringLiteral("soak");
        cc.ackWaitNs = 5LL * 1000 * 1000 * 1000;
        cc.replicas = m_replicas;
        if (auto r = js::addConsumerWhenReady(js, m_stream, cc, 30000); !r)
            return r.error();
        js::AsyncPublishConfig pc;
        pc.ackTimeoutMs = 60000;
        pc.maxInFlight = kMaxInFlight;
        m_pub = std::make_unique<js::AsyncPublisher>(m_pubConn->connection(), pc);
        // Publisher ids count from 1 in publish order, and publish n carries "soak-<n-1>".
        m_pub->setAckHandler([this](quint64 id, const Result<js::PubAck>& r) {
            std::lock_guard lock(m_mu);
            if (r)
                mark(m_acked, id - 1);
            else
                ++m_failures[r.error().message.left(120)];
        });
        m_consumer = std::make_unique<js::PullConsumer>(js::JetStream(m_subConn->connection()),
                                                        m_stream, QStringLiteral("soak"));
        js::ConsumeOptions co;
        co.batch = 200;
        co.expiresMs = 2000;
        co.heartbeatMs = 500;
        startWatchdog();
        return m_consumer->consume(
            [this](js::JsMessage& m) {
                {
                    bool ok = false;
                    const quint64 n = m.payload().sliced(5).toULongLong(&ok);
                    std::lock_guard lock(m_mu);
                    if (ok && m.payload().startsWith("soak-"))
                        mark(m_received, n);
                }
                m.ack();
            },
            co);
    }

    /// Publishes the window takes without waiting for an ack.
    qint64 room() const { return qMax<qint64>(0, kMaxInFlight - m_pub->inFlight()); }
    js::AsyncPublishStats publisherStats() const { return m_pub->stats(); }

    /// What the publishing side looks like now, for a stall's report.
    QString publisherState() const {
        const HealthSnapshot h = m_pubConn->connection()->health();
        const js::AsyncPublishStats st = m_pub->stats();
        return QStringLiteral("publisher connection %1 to %2, %3 reconnects, last failure '%4', "
                              "%5 subscriptions, in %6 msgs, out %7 msgs, queue %8, buffered %9 "
                              "bytes; in flight %10, acked %11, retried %12, resent %13, "
                              "republished %14")
            .arg(connectionStateName(h.state), h.server)
            .arg(h.reconnects)
            .arg(h.lastFailure.toString())
            .arg(h.subscriptions)
            .arg(h.inMsgs)
            .arg(h.outMsgs)
            .arg(h.queueDepth)
            .arg(h.bufferedBytes)
            .arg(st.inFlight)
            .arg(st.acked)
            .arg(st.retried)
            .arg(st.resent)
            .arg(st.republished);
    }

    /// Publishes the next `n` messages (the window waits while the server is away). A
    /// publish that waits for room over 5 s is a stall: the watchdog prints what the
    /// publisher looks like, once a second while it lasts.
    Status publish(int n) {
        for (int i = 0; i < n; ++i) {
            m_waitingSinceMs = QDateTime::currentMSecsSinceEpoch();
            const QByteArray id = "soak-" + QByteArray::number(m_next++);
            js::PublishOptions po;
            po.msgId = id;
            // As a producer would: a 503 (no stream leader during an election) is retried
            // every 250 ms for up to 30 s.
            po.retryAttempts = 120;
            po.retryWaitMs = 250;
            auto r = m_pub->publish(QByteArray(m_stream.toLower().toUtf8() + ".x"), id, po, nullptr,
                                    120000);
            m_waitingSinceMs = 0;
            if (!r)
                return r.error();
        }
        return {};
    }

    /// Waits until every publish has its outcome and the consumer got every acked one.
    QJsonObject finish(int timeoutMs) {
        QElapsedTimer t;
        t.start();
        m_pub->waitComplete(timeoutMs);
        waitFor(
            [&] {
                std::lock_guard lock(m_mu);
                return lostLocked() == 0;
            },
            qMax(1000, int(timeoutMs - t.elapsed())));
        const js::AsyncPublishStats st = m_pub->stats();
        qint64 lost = 0, received = 0, acked = 0;
        QString lostExample;
        QJsonObject failures;
        {
            std::lock_guard lock(m_mu);
            lost = lostLocked(&lostExample);
            received = std::count(m_received.begin(), m_received.end(), true);
            acked = std::count(m_acked.begin(), m_acked.end(), true);
            for (auto it = m_failures.cbegin(); it != m_failures.cend(); ++it)
                failures.insert(it.key(), it.value());
        }
        qint64 stored = -1;
        if (auto info = js::JetStream(m_pubConn->connection()).streamInfo(m_stream))
            stored = qint64(info.value().state.messages);
        const bool accounted =
            st.inFlight == 0 && st.acked + st.failed + st.timedOut == st.published;
        QJsonObject o{
            {QStringLiteral("published"), qint64(m_next)},
            {QStringLiteral("publisher_published"), qint64(st.published)},
            {QStringLiteral("acked"), qint64(st.acked)},
            {QStringLiteral("acked_distinct"), acked},
            {QStringLiteral("duplicates"), qint64(st.duplicates)},
            {QStringLiteral("failed"), qint64(st.failed)},
            {QStringLiteral("timed_out"), qint64(st.timedOut)},
            // Each reconnect publishes again every publish written before the loss
            // and not acked; a server killed again before it answered (its first
            // PubAck comes 17 ms after the reconnect at the median here, 48 ms at
            // worst, and the next kill can come sooner) makes the same publish go
            // out at several reconnects. The stream keeps one copy of each.
            {QStringLiteral("republished"), qint64(st.republished)},
            {QStringLiteral("resent"), qint64(st.resent)},
            {QStringLiteral("retried"), qint64(st.retried)},
            {QStringLiteral("reconnects"), qint64(m_pubConn->connection()->stats().reconnects)},
            {QStringLiteral("in_flight"), qint64(st.inFlight)},
            {QStringLiteral("stored"), stored},
            {QStringLiteral("received_distinct"), received},
            {QStringLiteral("acked_lost"), lost},
            {QStringLiteral("failures_by_reason"), failures},
            {QStringLiteral("every_publish_accounted_for"), accounted},
            // Every id the stream holds reached the consumer, and the stream holds
            // no more messages than distinct ids: none is stored twice. (A publish
            // that timed out may be stored or not; an acked one must be.)
            {QStringLiteral("each_stored_once"), stored == received},
            {QStringLiteral("no_acked_message_lost"), lost == 0}};
        if (lost > 0)
            o.insert(QStringLiteral("lost_example"), lostExample);
        return o;
    }

    /// The stream and the consumer have a leader and all their replicas are current.
    bool whole() const {
        const js::JetStream js(m_pubConn->connection());
        auto whole = [&](const js::ClusterInfo& c) {
            return !c.leader.isEmpty() && c.replicas.size() == m_replicas - 1 &&
                   std::all_of(c.replicas.cbegin(), c.replicas.cend(),
                               [](const js::PeerInfo& p) { return p.current && !p.offline; });
        };
        auto si = js.streamInfo(m_stream);
        if (!si || !whole(si.value().cluster))
            return false;
        auto ci = js.consumerInfo(m_stream, QStringLiteral("soak"));
        return ci && whole(ci.value().cluster);
    }

    void stop() {
        m_watchdogStop = true;
        if (m_watchdog.joinable())
            m_watchdog.join();
        if (m_consumer)
            m_consumer->stop();
    }
    ~Workload() { stop(); }

    void startWatchdog() {
        m_watchdog = std::thread([this] {
            while (!m_watchdogStop) {
                std::this_thread::sleep_for(std::chrono::seconds(1));
                const qint64 since = m_waitingSinceMs;
                const qint64 waited = since ? QDateTime::currentMSecsSinceEpoch() - since : 0;
                if (waited > 5000)
                    std::fprintf(stderr, "soak: publish %llu waiting %lld ms for room: %s\n",
                                 static_cast<unsigned long long>(m_next),
                                 static_cast<long long>(waited), qPrintable(publisherState()));
            }
        });
    }

private:
    QString m_stream;
    int m_replicas = 1;
    std::unique_ptr<ConnectionThread> m_pubConn, m_subConn;
    std::unique_ptr<js::AsyncPublisher> m_pub;
    std::unique_ptr<js::PullConsumer> m_consumer;
    /// Bookkeeping by message number, one bit each: the soak's own memory stays flat, so the
    /// resident-memory verdict is about the client.
    static void mark(std::vector<bool>& v, quint64 n) {
        if (n >= v.size())
            v.resize(size_t(n) + 1 + 4096);
        v[size_t(n)] = true;
    }
    qint64 lostLocked(QString* example = nullptr) const {
        qint64 lost = 0;
        for (size_t n = 0; n < m_acked.size(); ++n)
            if (m_acked[n] && (n >= m_received.size() || !m_received[n])) {
                if (example && lost == 0)
                    *example = QStringLiteral("soak-%1").arg(n);
                ++lost;
            }
        return lost;
    }

    static constexpr int kMaxInFlight = 2000;
    std::atomic<qint64> m_waitingSinceMs{0};
    std::atomic<bool> m_watchdogStop{false};
    std::thread m_watchdog;
    std::mutex m_mu;
    std::vector<bool> m_acked, m_received;
    QMap<QString, qint64> m_failures; ///< failed publishes by the error's text
    std::atomic<quint64> m_next{0};
};

int fail(const QString& why) {
    std::fprintf(stderr, "soak: %s\n", qPrintable(why));
    return 1;
}

/// One phase: `cycles` times publish, take a server down with `kill` (publishing on while it
/// is down), bring it back with `restart`; then the verdict, with memory and time.
struct Phase {
    QString name;
    int cycles = 0;
    int perCycle = 50;
    int downMs = 0; ///< extra time down, on top of the publishes made meanwhile
    std::function<NatsServerProcess*()> pickVictim;
    int finishTimeoutMs = 120000;
    /// After a restart, waits until the system is whole again (for a cluster: the stream and
    /// the consumer have a leader and every replica is current), so that each cycle is the
    /// failure of one member, which is what R3 promises to survive. Empty: no wait.
    std::function<bool()> settled;
    int settleTimeoutMs = 30000;
};

Result<QJsonObject> runPhase(Workload& w, const Phase& ph) {
    QElapsedTimer t;
    t.start();
    qint64 rssEarly = -1;
    for (int i = 0; i < ph.cycles; ++i) {
        if (Status s = w.publish(ph.perCycle); !s.ok())
            return Error{s.kind, QStringLiteral("cycle %1: %2").arg(i).arg(s.toString())};
        waitFor([] { return false; }, 20 + int(QRandomGenerator::global()->bounded(40)));
        NatsServerProcess* victim = ph.pickVictim();
        victim->kill();
        // While it is down: held in the outbound queue, then sent (or republished) after.
        // Only what the window has room for: a publish that waited for room now would wait for
        // acks from the server that is down, and the restart below would wait for it (the
        // watchdog caught exactly that: 60 s with 2,000 in flight and the server still down).
        if (Status s = w.publish(int(qMin<qint64>(ph.perCycle / 5, w.room()))); !s.ok())
            return Error{s.kind, QStringLiteral("cycle %1 (down): %2").arg(i).arg(s.toString())};
        if (ph.downMs > 0)
            waitFor([] { return false; }, ph.downMs);
        if (Status s = victim->start(); !s.ok())
            return Error{s.kind, QStringLiteral("cycle %1: restart: %2").arg(i).arg(s.toString())};
        if (ph.settled && !waitFor(ph.settled, ph.settleTimeoutMs))
            return Error{ErrorKind::Timeout,
                         QStringLiteral("cycle %1: not whole again within %2 ms after the restart")
                             .arg(i)
                             .arg(ph.settleTimeoutMs)};
        if (i + 1 == qMax(1, ph.cycles / 10))
            rssEarly = rssKiB();
        if ((i + 1) % qMax(1, ph.cycles / 10) == 0)
            // Resident memory and what malloc has handed out and not got back (all arenas):
            // the first growing while the second stays flat is the allocator keeping pages,
            // not the client keeping objects.
            std::fprintf(stderr,
                         "%s: %d/%d cycles, %.0f s, resident %lld KiB, heap in use %zu KiB, "
                         "republished %llu\n",
                         qPrintable(ph.name), i + 1, ph.cycles, double(t.elapsed()) / 1000,
                         static_cast<long long>(rssKiB()), mallinfo2().uordblks / 1024,
                         static_cast<unsigned long long>(w.publisherStats().republished));
    }
    QJsonObject r = w.finish(ph.finishTimeoutMs);
    w.stop();
    r.insert(QStringLiteral("cycles"), ph.cycles);
    r.insert(QStringLiteral("seconds"), double(t.elapsed()) / 1000);
    r.insert(QStringLiteral("rss_kib_after_first_tenth"), rssEarly);
    r.insert(QStringLiteral("rss_kib_at_end"), rssKiB());
    r.insert(QStringLiteral("heap_in_use_kib_at_end"), qint64(mallinfo2().uordblks / 1024));
    r.insert(QStringLiteral("passed"),
             r.value(QStringLiteral("no_acked_message_lost")).toBool() &&
                 r.value(QStringLiteral("each_stored_once")).toBool() &&
                 r.value(QStringLiteral("every_publish_accounted_for")).toBool());
    std::printf("%s: %s\n", qPrintable(ph.name),
                QJsonDocument(r).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    return r;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addOptions({{QStringLiteral("cycles"), QStringLiteral("Kill/restart cycles of one server."),
                   QStringLiteral("n"), QStringLiteral("1000")},
                  {QStringLiteral("cluster-cycles"),
                   QStringLiteral("Kill/restart cycles of a cluster member."), QStringLiteral("n"),
                   QStringLiteral("200")},
                  {QStringLiteral("per-cycle"), QStringLiteral("Publishes per cycle."),
                   QStringLiteral("n"), QStringLiteral("50")},
                  {QStringLiteral("json"), QStringLiteral("Write the results to FILE."),
                   QStringLiteral("file")}});
    p.addHelpOption();
    p.process(app);
    const int cycles = p.value(QStringLiteral("cycles")).toInt();
    const int clusterCycles = p.value(QStringLiteral("cluster-cycles")).toInt();
    const int perCycle = p.value(QStringLiteral("per-cycle")).toInt();
    QJsonObject out;
    bool ok = true;

    // --- 1. one file-storage server, kill -9 and restart ---------------------------------------
    if (cycles > 0) {
        NatsServerConfig cfg;
        cfg.jetstream = true;
        NatsServerProcess server(cfg);
        if (Status s = server.start(); !s.ok())
            return fail(s.toString());
        Workload w(Options::fromUrls(server.url()).value(), QStringLiteral("SOAK"), 1);
        if (Status s = w.start(); !s.ok())
            return fail(s.toString());
        Phase ph;
        ph.name = QStringLiteral("single file server");
        ph.cycles = cycles;
        ph.perCycle = perCycle;
        ph.pickVictim = [&] { return &server; };
        auto r = runPhase(w, ph);
        if (!r)
            return fail(r.error().toString());
        ok = ok && r->value(QStringLiteral("passed")).toBool();
        out.insert(QStringLiteral("single_file_server"), r.value());
    }

    // --- 2. a member of a three-server cluster ------------------------------------------------
    if (clusterCycles > 0) {
        std::vector<std::unique_ptr<NatsServerProcess>> servers;
        if (Status s = startLocalCluster(3, &servers, QStringLiteral("soak"), true); !s.ok())
            return fail(s.toString());
        QStringList urls;
        for (const auto& s : servers)
            urls << s->url();
        Workload w(Options::fromUrls(urls.join(QLatin1Char(','))).value(), QStringLiteral("SOAKR3"),
                   3);
        if (Status s = w.start(); !s.ok())
            return fail(s.toString());
        Phase ph;
        ph.name = QStringLiteral("cluster member");
        ph.cycles = clusterCycles;
        ph.perCycle = perCycle;
        ph.downMs = 200;
        ph.pickVictim = [&] {
            return servers[size_t(QRandomGenerator::global()->bounded(3))].get();
        };
        ph.finishTimeoutMs = 180000;
        ph.settled = [&] { return w.whole(); };
        auto r = runPhase(w, ph);
        if (!r)
            return fail(r.error().toString());
        ok = ok && r->value(QStringLiteral("passed")).toBool();
        out.insert(QStringLiteral("cluster_member"), r.value());
    }

    out.insert(QStringLiteral("passed"), ok);
    if (p.isSet(QStringLiteral("json"))) {
        QFile f(p.value(QStringLiteral("json")));
        if (f.open(QIODevice::WriteOnly))
            f.write(QJsonDocument(out).toJson());
    }
    std::printf("soak: %s\n", ok ? "PASSED" : "FAILED");
    return ok ? 0 : 1;
}
