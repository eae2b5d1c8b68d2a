// Soak: servers killed and restarted many times while JetDeck publishes with msg ids and
// consumes with acks. What must hold at the end of each phase:
//  - no acknowledged publish is lost: every id whose PubAck came is in the stream, and the
//    consumer received it;
//  - each is stored once: the stream holds exactly the distinct acknowledged ids;
//  - every publish is accounted for: acked + failed + timed out = published, none in flight;
//  - memory is flat: resident memory at the end against after the first tenth of the cycles.
// Phase 1 kills -9 a single file-storage server (default 1000 cycles); phase 2 kills a member
// of a three-server JetStream cluster with an R3 stream (default 200 cycles).
// Usage: soak [--cycles N] [--cluster-cycles N] [--json FILE]
#include "bench/benchutil.h"
#include "core/client/connectionthread.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/asyncpublisher.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/pullconsumer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <mutex>

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
        if (Status s = (*m_pubConn)->connectSync(20000))
            return s;
        if (Status s = (*m_subConn)->connectSync(20000))
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
        pc.maxInFlight = 2000;
        m_pub = std::make_unique<js::AsyncPublisher>(m_pubConn->connection(), pc);
        // Publisher ids count from 1 in publish order, and publish n carries "soak-<n-1>".
        m_pub->setAckHandler([this](quint64 id, const Result<js::PubAck>& r) {
            std::lock_guard lock(m_mu);
            if (r)
                m_acked.insert("soak-" + QByteArray::number(id - 1));
        });
        m_consumer = std::make_unique<js::PullConsumer>(js::JetStream(m_subConn->connection()),
                                                        m_stream, QStringLiteral("soak"));
        js::ConsumeOptions co;
        co.batch = 200;
        co.expiresMs = 2000;
        co.heartbeatMs = 500;
        return m_consumer->consume(
            [this](js::JsMessage& m) {
                {
                    std::lock_guard lock(m_mu);
                    m_received.insert(m.payload().toByteArray());
                }
                m.ack();
            },
            co);
    }

    /// Publishes the next `n` messages (the window waits while the server is away).
    Status publish(int n) {
        for (int i = 0; i < n; ++i) {
            const QByteArray id = "soak-" + QByteArray::number(m_next++);
            js::PublishOptions po;
            po.msgId = id;
            auto r = m_pub->publish(QByteArray(m_stream.toLower().toUtf8() + ".x"), id, po, nullptr,
                                    120000);
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
                return m_received.contains(m_acked);
            },
            qMax(1000, int(timeoutMs - t.elapsed())));
        const js::AsyncPublishStats st = m_pub->stats();
        QSet<QByteArray> lost;
        qint64 received = 0, acked = 0;
        {
            std::lock_guard lock(m_mu);
            lost = m_acked - m_received;
            received = m_received.size();
            acked = m_acked.size();
        }
        qint64 stored = -1;
        if (auto info = js::JetStream(m_pubConn->connection()).streamInfo(m_stream))
            stored = qint64(info.value().state.messages);
        const bool accounted =
            st.inFlight == 0 && st.acked + st.failed + st.timedOut == st.published;
        QJsonObject o{{QStringLiteral("published"), qint64(m_next)},
                      {QStringLiteral("publisher_published"), qint64(st.published)},
                      {QStringLiteral("acked"), qint64(st.acked)},
                      {QStringLiteral("acked_distinct"), acked},
                      {QStringLiteral("duplicates"), qint64(st.duplicates)},
                      {QStringLiteral("failed"), qint64(st.failed)},
                      {QStringLiteral("timed_out"), qint64(st.timedOut)},
                      {QStringLiteral("republished"), qint64(st.republished)},
                      {QStringLiteral("in_flight"), qint64(st.inFlight)},
                      {QStringLiteral("stored"), stored},
                      {QStringLiteral("received_distinct"), received},
                      {QStringLiteral("acked_lost"), qint64(lost.size())},
                      {QStringLiteral("every_publish_accounted_for"), accounted},
                      {QStringLiteral("each_stored_once"), stored == acked},
                      {QStringLiteral("no_acked_message_lost"), lost.isEmpty()}};
        if (!lost.isEmpty())
            o.insert(QStringLiteral("lost_example"), QString::fromUtf8(*lost.begin()));
        return o;
    }

    void stop() {
        if (m_consumer)
            m_consumer->stop();
    }

private:
    QString m_stream;
    int m_replicas = 1;
    std::unique_ptr<ConnectionThread> m_pubConn, m_subConn;
    std::unique_ptr<js::AsyncPublisher> m_pub;
    std::unique_ptr<js::PullConsumer> m_consumer;
    std::mutex m_mu;
    QSet<QByteArray> m_acked, m_received;
    quint64 m_next = 0;
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
};

Result<QJsonObject> runPhase(Workload& w, const Phase& ph) {
    QElapsedTimer t;
    t.start();
    qint64 rssEarly = -1;
    for (int i = 0; i < ph.cycles; ++i) {
        if (Status s = w.publish(ph.perCycle))
            return Error{s.kind, QStringLiteral("cycle %1: %2").arg(i).arg(s.toString())};
        waitFor([] { return false; }, 20 + int(QRandomGenerator::global()->bounded(40)));
        NatsServerProcess* victim = ph.pickVictim();
        victim->kill();
        // While it is down: held in the outbound queue, then sent (or republished) after.
        if (Status s = w.publish(ph.perCycle / 5))
            return Error{s.kind, QStringLiteral("cycle %1 (down): %2").arg(i).arg(s.toString())};
        if (ph.downMs > 0)
            waitFor([] { return false; }, ph.downMs);
        if (Status s = victim->start())
            return Error{s.kind, QStringLiteral("cycle %1: restart: %2").arg(i).arg(s.toString())};
        if (i + 1 == qMax(1, ph.cycles / 10))
            rssEarly = rssKiB();
        if ((i + 1) % qMax(1, ph.cycles / 10) == 0)
            std::fprintf(stderr, "%s: %d/%d cycles, %.0f s\n", qPrintable(ph.name), i + 1,
                         ph.cycles, double(t.elapsed()) / 1000);
    }
    QJsonObject r = w.finish(ph.finishTimeoutMs);
    w.stop();
    r.insert(QStringLiteral("cycles"), ph.cycles);
    r.insert(QStringLiteral("seconds"), double(t.elapsed()) / 1000);
    r.insert(QStringLiteral("rss_kib_after_first_tenth"), rssEarly);
    r.insert(QStringLiteral("rss_kib_at_end"), rssKiB());
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
        if (Status s = server.start())
            return fail(s.toString());
        Workload w(Options::fromUrls(server.url()).value(), QStringLiteral("SOAK"), 1);
        if (Status s = w.start())
            return fail(s.toString());
        Phase ph{QStringLiteral("single file server"),
                 cycles,
                 perCycle,
                 0,
                 [&] { return &server; },
                 120000};
        auto r = runPhase(w, ph);
        if (!r)
            return fail(r.error().toString());
        ok = ok && r->value(QStringLiteral("passed")).toBool();
        out.insert(QStringLiteral("single_file_server"), r.value());
    }

    // --- 2. a member of a three-server cluster ------------------------------------------------
    if (clusterCycles > 0) {
        std::vector<std::unique_ptr<NatsServerProcess>> servers;
        if (Status s = startLocalCluster(3, &servers, QStringLiteral("soak"), true))
            return fail(s.toString());
        QStringList urls;
        for (const auto& s : servers)
            urls << s->url();
        Workload w(Options::fromUrls(urls.join(QLatin1Char(','))).value(), QStringLiteral("SOAKR3"),
                   3);
        if (Status s = w.start())
            return fail(s.toString());
        Phase ph{QStringLiteral("cluster member"),
                 clusterCycles,
                 perCycle,
                 200,
                 [&] { return servers[size_t(QRandomGenerator::global()->bounded(3))].get(); },
                 180000};
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
