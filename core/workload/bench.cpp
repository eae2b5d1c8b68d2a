#include "bench.h"

#include "core/client/connection.h"
#include "core/client/connectionthread.h"

#include <QElapsedTimer>
#include <QThread>

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
    if (Status s = connectOn(c, 10000))
        return s;
    const QByteArray payload(qsizetype(cfg.size), 'x');
    QElapsedTimer t;
    t.start();
    for (qint64 i = 0; i < cfg.msgs; ++i)
        if (Status s = c.publish(cfg.subject, payload))
            return s;
    if (Status s = c.flushSync(cfg.timeoutMs))
        return s;
    finish(r, cfg.msgs, t.nsecsElapsed());
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
    if (Status s = sub->connectSync(10000))
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
    if (Status f = sub->flushSync(5000))
        return f;

    qint64 startNs = 0;
    if (publishToo) {
        Connection pub(cfg.options);
        if (Status e = connectOn(pub, 10000))
            return e;
        const QByteArray payload(qsizetype(cfg.size), 'x');
        startNs = counter.clock.nsecsElapsed();
        for (qint64 i = 0; i < cfg.msgs; ++i)
            if (Status e = pub.publish(cfg.subject, payload))
                return e;
        if (Status e = pub.flushSync(cfg.timeoutMs))
            return e;
        pub.closeSync();
    }
    QElapsedTimer wait;
    wait.start();
    while (counter.count.load() < want && wait.elapsed() < cfg.timeoutMs)
        QThread::usleep(200);
    r.received = counter.count.load();
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
    if (Status s = responder->connectSync(10000))
        return s;
    Connection* rc = responder.connection();
    auto sub = rc->subscribeInline(cfg.subject,
                                   [rc](const MsgView& m) { rc->publish(m.reply, m.payload); });
    if (!sub)
        return sub.error();
    if (Status s = responder->flushSync(5000))
        return s;

    Connection c(cfg.options);
    if (Status s = connectOn(c, 10000))
        return s;
    const QByteArray payload(qsizetype(cfg.size), 'x');
    std::vector<qint64> lat;
    lat.reserve(size_t(cfg.msgs));
    QElapsedTimer total;
    total.start();
    for (qint64 i = 0; i < cfg.msgs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto reply = c.requestSync(cfg.subject, payload, 5000);
        const auto t1 = std::chrono::steady_clock::now();
        if (!reply)
            return reply.error();
        lat.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    }
    finish(r, cfg.msgs, total.nsecsElapsed());
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
    if (mode == QLatin1String("req")) {
        o.insert(QStringLiteral("p50_us"), p50Us);
        o.insert(QStringLiteral("p95_us"), p95Us);
        o.insert(QStringLiteral("p99_us"), p99Us);
        o.insert(QStringLiteral("mean_us"), meanUs);
        o.insert(QStringLiteral("max_us"), maxUs);
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
    return Error{ErrorKind::InvalidArgument,
                 QStringLiteral("unknown bench mode '%1' (pub, sub, pubsub, req)").arg(cfg.mode)};
}

} // namespace jetdeck
