#pragma once

#include <QString>

#include <optional>

namespace jetdeck::metrics {

enum class BackpressureLevel { Unknown, Ok, Warn, Critical };

/// "OK", "WARN", "CRITICAL" or "UNKNOWN".
QString backpressureLevelName(BackpressureLevel level);

/// When a consumer (or subject) is under backpressure: its backlog (num_pending from a live
/// CONSUMER.INFO) or its processing latency P95 past a limit. Configuration keys keep the
/// earlier router's names.
struct BackpressureThresholds {
    qint64 pendingWarn = 1000;      ///< backpressure_pending_warn
    qint64 pendingCritical = 10000; ///< backpressure_pending_critical
    double p95WarnMs = 1000;        ///< backpressure_p95_warn_ms
    double p95CriticalMs = 5000;    ///< backpressure_p95_critical_ms

    /// Empty when consistent, else what is wrong (a warn limit above its critical one...).
    QString validate() const;
};

struct BackpressureStatus {
    BackpressureLevel level = BackpressureLevel::Unknown;
    QString reason; ///< "num_pending 12,000 > 10,000; P95 2.4 s > 1 s", or why it is unknown
    std::optional<qint64> pending;
    std::optional<double> p95Ms;
};

/// The worse of the two signals decides; both that cross a limit are named in the reason.
/// Unknown when neither is known (no CONSUMER.INFO yet and no processing samples).
BackpressureStatus evaluateBackpressure(std::optional<qint64> pending, std::optional<double> p95Ms,
                                        const BackpressureThresholds& thresholds);

/// "850 µs", "12.3 ms", "2.4 s" for a duration in milliseconds.
QString formatDurationMs(double ms);

} // namespace jetdeck::metrics
