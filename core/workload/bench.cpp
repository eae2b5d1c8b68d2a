#include "bench.h"

#include "core/client/connection.h"
#include "core/client/connectionthread.h"
#include "core/jetstream/asyncpublisher.h"
#include "core/jetstream/pullconsumer.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QThread>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <vector>

namespace jetdeck {

namespace {

qint64 percentile(const std::vector<qint64>& sorted, double p) {
    if (sorted.empty())
        return 0;
    // Nearest rank: the value at ceil(p * N) - 1.
    const auto n = qint64(sorted.size());
    qint64 idx = qint64(std::ceil(p * double(n))) - 1;
    idx = std::clamp<qint64>(idx, 0, n - 1);
    return sorted[size_t(idx)];
}

/// CPU time of this process (all threads) from its construction to stop().
class CpuSpan {
public:
    CpuSpan() { read(&m_user, &m_sys); }
    void stop(BenchResult& r) const {
        double u = 0, s = 0;
        read(&u, &s);
        r.cpuUserS = u - m_user;
        r.cpuSysS = s - m_sys;
    }

private:
    static void read(double* user, double* sys) {
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        *user = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6;
        *sys = double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6;
    }
    double m_user = 0;
    double m_sys = 0;
};

void finish(BenchResult& r, qint64 count, qint64 elapsedNs) {
    r.seconds = double(elapsedNs) / 1e9;
    if (r.seconds > 0) {
        r.msgsPerSec = double(count) / r.seconds;
        r.mbPerSec = double(count) * double(r.size) / 1e6 / r.seconds;
    }
}

Status connectOn(Connection& c, int timeoutMs) {
    return c.connectSync(timeoutMs);
}

Result<BenchResult> runPub(const BenchConfig& cfg, BenchResult r) {
    Connection c(cfg.options);
    if (Status s = connectOn(c, 10000); !s.ok())
        return s;
    const QByteArray payload(qsizetype(cfg.size), 'x');
    QElapsedTimer t;
    t.start();
    const CpuSpan cpu;
    for (qint64 i = 0; i < cfg.msgs; ++i)
        if (Status s = c.publish(cfg.subject, payload); !s.ok())
            return s;
    if (Status s = c.flushSync(cfg.timeoutMs); !s.ok())
        return s;
    finish(r, cfg.msgs, t.nsecsElapsed());
    cpu.stop(r);
    r.received = cfg.msgs;
    c.closeSync();
    return r;
}

/// Counts messages on a subscriber connection running on its own thread.
struct Counter {
    std::atomic<qint64> count{0};
    std::atomic<qint64> firstNs{0};
    std::atomic<qint64> lastNs{0};
    QElapsedTimer clock;
};

Result<BenchResult> runSubLike(const BenchConfig& cfg, BenchResult r, bool publishToo) {
    ConnectionThread sub(cfg.options, QStringLiteral("bench-sub"));
    if (Status s = sub->connectSync(10000); !s.ok())
        return s;
    Counter counter;
    counter.clock.start();
    SubscribeOptions so;
    so.pendingMsgsLimit = 0;
    so.pendingBytesLimit = 0;
    const qint64 want = cfg.msgs;
    auto s = sub->subscribeInline(
        cfg.subject,
        [&counter](const MsgView&) {
            const qint64 n = counter.count.fetch_add(1, std::memory_order_relaxed) + 1;
            if (n == 1)
                counter.firstNs.store(counter.clock.nsecsElapsed());
            counter.lastNs.store(counter.clock.nsecsElapsed(), std::memory_order_relaxed);
        },
        so);
    if (!s)
        return s.error();
    if (Status f = sub->flushSync(5000); !f.ok())
        return f;

    qint64 startNs = 0;
    const CpuSpan cpu;
    if (publishToo) {
        Connection pub(cfg.options);
        if (Status e = connectOn(pub, 10000); !e.ok())
            return e;
        const QByteArray payload(qsizetype(cfg.size), 'x');
        startNs = counter.clock.nsecsElapsed();
        for (qint64 i = 0; i < cfg.msgs; ++i)
            if (Status e = pub.publish(cfg.subject, payload); !e.ok())
                return e;
        if (Status e = pub.flushSync(cfg.timeoutMs); !e.ok())
            return e;
        pub.closeSync();
    }
    QElapsedTimer wait;
    wait.start();
    while (counter.count.load() < want && wait.elapsed() < cfg.timeoutMs)
        QThread::usleep(200);
    r.received = counter.count.load();
    cpu.stop(r);
    const qint64 endNs = counter.lastNs.load();
    if (!publishToo)
        startNs = counter.firstNs.load();
    finish(r, r.received, endNs - startNs);
    if (r.received < want)
        return Error{ErrorKind::Timeout, QStringLiteral("received %1 of %2 messages within %3 ms")
                                             .arg(r.received)
                                             .arg(want)
                                             .arg(cfg.timeoutMs)};
    return r;
}

Result<BenchResult> runReq(const BenchConfig& cfg, BenchResult r) {
    ConnectionThread responder(cfg.options, QStringLiteral("bench-responder"));
    if (Status s = responder->connectSync(10000); !s.ok())
        return s;
    Connection* rc = responder.connection();
    auto sub = rc->subscribeInline(cfg.subject,
                                   [rc](const MsgView& m) { rc->publish(m.reply, m.payload); });
    if (!sub)
        return sub.error();
    if (Status s = responder->flushSync(5000); !s.ok())
        return s;

    Connection c(cfg.options);
    if (Status s = connectOn(c, 10000); !s.ok())
        return s;
    const QByteArray payload(qsizetype(cfg.size), 'x');
    std::vector<qint64> lat;
    lat.reserve(size_t(cfg.msgs));
    QElapsedTimer total;
    total.start();
    const CpuSpan cpu;
    for (qint64 i = 0; i < cfg.msgs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto reply = c.requestSync(cfg.subject, payload, 5000);
        const auto t1 = std::chrono::steady_clock::now();
        if (!reply)
            return reply.error();
        lat.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    }
    finish(r, cfg.msgs, total.nsecsElapsed());
    cpu.stop(r);
    r.received = cfg.msgs;
    std::sort(lat.begin(), lat.end());
    r.p50Us = percentile(lat, 0.50);
    r.p95Us = percentile(lat, 0.95);
    r.p99Us = percentile(lat, 0.99);
    r.maxUs = lat.empty() ? 0 : lat.back();
    r.meanUs = lat.empty() ? 0
                           : double(std::accumulate(lat.begin(), lat.end(), qint64(0))) /
                                 double(lat.size());
    c.closeSync();
    return r;
}

const QString kBenchStream = QStringLiteral("BENCHJS");

/// A fresh memory (or file) stream for the JetStream modes.
Status makeBenchStream(const js::JetStream& js, bool file) {
    js.deleteStream(kBenchStream); // a leftover from an interrupted run
    js::StreamConfig sc;
    sc.name = kBenchStream;
    sc.subjects = {QStringLiteral("bench.js.>")};
    sc.storage = file ? js::StorageType::File : js::StorageType::Memory;
    auto info = js.addStream(sc);
    return info ? Status{} : info.error();
}

Result<BenchResult> runJsPub(const BenchConfig& cfg, BenchResult r) {
    Connection c(cfg.options);
    if (Status s = connectOn(c, 10000); !s.ok())
        return s;
    js::JetStream js(&c);
    if (Status s = makeBenchStream(js, cfg.fileStorage); !s.ok())
        return s;
    r.storage = cfg.fileStorage ? QStringLiteral("file") : QStringLiteral("memory");
    js::AsyncPublishConfig pc;
    pc.maxInFlight = cfg.maxInFlight;
    pc.ackTimeoutMs = cfg.timeoutMs;
    js::AsyncPublisher pub(&c, pc);
    if (Status s = pub.start(); !s.ok())
        return s;
    const QByteArray payload(qsizetype(cfg.size), 'x');
    QElapsedTimer t;
    t.start();
    const CpuSpan cpu;
    for (qint64 i = 0; i < cfg.msgs; ++i) {
        auto id = pub.publish("bench.js.pub", payload, {}, nullptr, cfg.timeoutMs);
        if (!id) {
            js.deleteStream(kBenchStream);
            return id.error();
        }
    }
    const Status done = pub.waitComplete(cfg.timeoutMs);
    finish(r, cfg.msgs, t.nsecsElapsed());
    cpu.stop(r);
    const js::AsyncPublishStats st = pub.stats();
    r.acked = qint64(st.acked);
    r.errors = qint64(st.failed + st.timedOut);
    r.received = r.acked;
    js.deleteStream(kBenchStream);
    if (!done.ok())
        return done;
    if (r.errors > 0)
        return Error{
            ErrorKind::JetStream,
            QStringLiteral("%1 of %2 publishes were not acknowledged").arg(r.errors).arg(cfg.msgs)};
    return r;
}

Result<BenchResult> runJsConsume(const BenchConfig& cfg, BenchResult r) {
    Connection c(cfg.options);
    if (Status s = connectOn(c, 10000); !s.ok())
        return s;
    js::JetStream js(&c);
    if (Status s = makeBenchStream(js, cfg.fileStorage); !s.ok())
        return s;
    r.storage = cfg.fileStorage ? QStringLiteral("file") : QStringLiteral("memory");
    r.batch = cfg.batch;
    auto cleanup = qScopeGuard([&] { js.deleteStream(kBenchStream); });
    {
        // Fill the stream (not timed).
        js::AsyncPublisher pub(&c);
        const QByteArray payload(qsizetype(cfg.size), 'x');
        for (qint64 i = 0; i < cfg.msgs; ++i)
            if (auto id = pub.publish("bench.js.consume", payload, {}, nullptr, cfg.timeoutMs); !id)
                return id.error();
        if (Status s = pub.waitComplete(cfg.timeoutMs); !s.ok())
            return s;
    }
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("BENCHC");
    cc.ackPolicy = js::AckPolicy::Explicit;
    cc.maxAckPending = -1;
    if (auto info = js.addConsumer(kBenchStream, cc); !info)
        return info.error();

    js::PullConsumer consumer(js, kBenchStream, QStringLiteral("BENCHC"));
    qint64 got = 0;
    qint64 ackErrors = 0;
    js::ConsumeOptions co;
    co.batch = cfg.batch;
    co.expiresMs = 30000;
    co.heartbeatMs = 5000;
    QElapsedTimer t;
    t.start();
    const CpuSpan cpu;
    if (Status s = consumer.consume(
            [&](js::JsMessage& m) {
                ++got;
                if (!m.ack().ok())
                    ++ackErrors;
            },
            co);
        !s.ok())
        return s;
    // The handler runs on this thread: drive the connection until everything arrived.
    c.waitFor([&] { return got >= cfg.msgs; }, cfg.timeoutMs);
    c.flushSync(cfg.timeoutMs); // the last acks reached the server
    finish(r, got, t.nsecsElapsed());
    cpu.stop(r);
    consumer.stop();
    r.received = got;
    r.acked = got - ackErrors;
    if (got < cfg.msgs)
        return Error{ErrorKind::Timeout, QStringLiteral("consumed %1 of %2 messages within %3 ms")
                                             .arg(got)
                                             .arg(cfg.msgs)
                                             .arg(cfg.timeoutMs)};
    return r;
}

} // namespace

QJsonObject BenchResult::toJson() const {
    QJsonObject o{{QStringLiteral("client"), QStringLiteral("jetdeck")},
                  {QStringLiteral("mode"), mode},
                  {QStringLiteral("msgs"), msgs},
                  {QStringLiteral("size"), size},
                  {QStringLiteral("seconds"), seconds},
                  {QStringLiteral("msgs_per_sec"), msgsPerSec},
                  {QStringLiteral("mb_per_sec"), mbPerSec}};
    if (mode == QLatin1String("pubsub") || mode == QLatin1String("sub"))
        o.insert(QStringLiteral("received"), received);
    if (mode == QLatin1String("js-pub")) {
        o.insert(QStringLiteral("acked"), acked);
        o.insert(QStringLiteral("errors"), errors);
        o.insert(QStringLiteral("storage"), storage);
    }
    if (mode == QLatin1String("js-consume")) {
        o.insert(QStringLiteral("batch"), batch);
        o.insert(QStringLiteral("storage"), storage);
        o.insert(QStringLiteral("received"), received);
    }
    if (mode == QLatin1String("req")) {
        o.insert(QStringLiteral("p50_us"), p50Us);
        o.insert(QStringLiteral("p95_us"), p95Us);
        o.insert(QStringLiteral("p99_us"), p99Us);
        o.insert(QStringLiteral("mean_us"), meanUs);
        o.insert(QStringLiteral("max_us"), maxUs);
    }
    if (cpuUserS >= 0) {
        o.insert(QStringLiteral("cpu_user_s"), cpuUserS);
        o.insert(QStringLiteral("cpu_sys_s"), cpuSysS);
    }
    return o;
}

QString BenchResult::toText() const {
    QString s = QStringLiteral("%1: %2 msgs of %3 B in %4 s: %5 msgs/s, %6 MB/s")
                    .arg(mode)
                    .arg(msgs)
                    .arg(size)
                    .arg(seconds, 0, 'f', 3)
                    .arg(qint64(msgsPerSec))
                    .arg(mbPerSec, 0, 'f', 1);
    if (mode == QLatin1String("req"))
        s += QStringLiteral("; latency p50 %1 us, p95 %2 us, p99 %3 us, mean %4 us, max %5 us")
                 .arg(p50Us)
                 .arg(p95Us)
                 .arg(p99Us)
                 .arg(meanUs, 0, 'f', 1)
                 .arg(maxUs);
    if (cpuUserS >= 0)
        s += QStringLiteral("; CPU %1 s (user %2 s, system %3 s)")
                 .arg(cpuUserS + cpuSysS, 0, 'f', 3)
                 .arg(cpuUserS, 0, 'f', 3)
                 .arg(cpuSysS, 0, 'f', 3);
    return s;
}

Result<BenchResult> runBench(const BenchConfig& config) {
    BenchConfig cfg = config;
    if (cfg.msgs <= 0)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("--msgs must be positive")};
    if (cfg.size < 0)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("--size must not be negative")};
    if (cfg.subject.isEmpty())
        // `bench sub` listens where `bench pub` publishes.
        cfg.subject = cfg.mode == QLatin1String("sub") ? QByteArray("bench.pub")
                                                       : QByteArray("bench." + cfg.mode.toUtf8());
    BenchResult r;
    r.mode = cfg.mode;
    r.msgs = cfg.msgs;
    r.size = cfg.size;
    if (cfg.mode == QLatin1String("pub"))
        return runPub(cfg, r);
    if (cfg.mode == QLatin1String("sub"))
        return runSubLike(cfg, r, false);
    if (cfg.mode == QLatin1String("pubsub"))
        return runSubLike(cfg, r, true);
    if (cfg.mode == QLatin1String("req"))
        return runReq(cfg, r);
    if (cfg.mode == QLatin1String("js-pub"))
        return runJsPub(cfg, r);
    if (cfg.mode == QLatin1String("js-consume"))
        return runJsConsume(cfg, r);
    return Error{ErrorKind::InvalidArgument,
                 QStringLiteral("unknown bench mode '%1' (pub, sub, pubsub, req, js-pub, "
                                "js-consume)")
                     .arg(cfg.mode)};
}

} // namespace jetdeck
