#pragma once

#include "core/base/error.h"
#include "core/client/options.h"

#include <QJsonObject>
#include <QString>

namespace jetdeck {

/// What `jetdeck-cli bench` measures. Modes:
///  - pub:    one connection publishes `msgs` messages of `size` bytes, then flushes;
///  - sub:    one connection receives `msgs` messages that someone else publishes;
///  - pubsub: a publisher and a subscriber on separate connections (and threads);
///  - req:    sequential requests to a responder on another connection; latency percentiles;
///  - js-pub: asynchronous JetStream publishes until every PubAck is in;
///  - js-consume: a pull consumer with explicit acks drains a pre-filled stream.
struct BenchConfig {
    QString mode = QStringLiteral("pub");
    Options options;
    qint64 msgs = 1000000;
    qint64 size = 128;
    QByteArray subject; ///< default: bench.<mode>
    int timeoutMs = 120000;
    // JetStream modes (js-pub, js-consume) use a stream BENCHJS on bench.js.> that they
    // create and delete.
    bool fileStorage = false;
    int batch = 100;        ///< js-consume: messages per pull
    int maxInFlight = 4096; ///< js-pub: PubAcks outstanding at most
};

struct BenchResult {
    QString mode;
    qint64 msgs = 0;
    qint64 size = 0;
    qint64 received = 0;
    double seconds = 0;
    double msgsPerSec = 0;
    double mbPerSec = 0; ///< payload bytes, 10^6 per MB
    // Request latency in microseconds (req mode).
    qint64 p50Us = 0, p95Us = 0, p99Us = 0, maxUs = 0;
    double meanUs = 0;
    // JetStream modes.
    qint64 acked = 0;
    qint64 errors = 0;
    int batch = 0;
    QString storage;
    // CPU time of the whole process (every thread) over the timed span, in seconds.
    double cpuUserS = -1;
    double cpuSysS = -1;

    QJsonObject toJson() const;
    QString toText() const;
};

/// Runs one benchmark on the calling thread (which needs no running event loop) and returns
/// its numbers, or an Error that says what failed.
Result<BenchResult> runBench(const BenchConfig& config);

} // namespace jetdeck
