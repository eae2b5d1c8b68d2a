#include "backpressure.h"

#include <QLocale>
#include <QStringList>

namespace jetdeck::metrics {

QString backpressureLevelName(BackpressureLevel level) {
    switch (level) {
    case BackpressureLevel::Ok:
        return QStringLiteral("OK");
    case BackpressureLevel::Warn:
        return QStringLiteral("WARN");
    case BackpressureLevel::Critical:
        return QStringLiteral("CRITICAL");
    case BackpressureLevel::Unknown:
        break;
    }
    return QStringLiteral("UNKNOWN");
}

QString BackpressureThresholds::validate() const {
    if (pendingWarn < 0 || pendingCritical < 0)
        return QStringLiteral("pending thresholds must not be negative");
    if (pendingWarn > pendingCritical)
        return QStringLiteral("the pending warn threshold (%1) is above the critical one (%2)")
            .arg(pendingWarn)
            .arg(pendingCritical);
    if (!(p95WarnMs >= 0) || !(p95CriticalMs >= 0))
        return QStringLiteral("P95 thresholds must be numbers >= 0");
    if (p95WarnMs > p95CriticalMs)
        return QStringLiteral("the P95 warn threshold (%1) is above the critical one (%2)")
            .arg(formatDurationMs(p95WarnMs), formatDurationMs(p95CriticalMs));
    return {};
}

QString formatDurationMs(double ms) {
    if (ms < 1)
        return QStringLiteral("%1 µs").arg(qRound(ms * 1000));
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', ms < 10 ? 2 : (ms < 100 ? 1 : 0));
    return QStringLiteral("%1 s").arg(ms / 1000, 0, 'f', ms < 10000 ? 2 : 1);
}

BackpressureStatus evaluateBackpressure(std::optional<qint64> pending, std::optional<double> p95Ms,
                                        const BackpressureThresholds& t) {
    BackpressureStatus s;
    s.pending = pending;
    s.p95Ms = p95Ms;
    if (!pending && !p95Ms) {
        s.reason = QStringLiteral("no CONSUMER.INFO and no processing samples yet");
        return s;
    }
    const QLocale c = QLocale::c();
    auto number = [&](qint64 n) {
        QLocale l = c;
        l.setNumberOptions({});
        return l.toString(n);
    };
    s.level = BackpressureLevel::Ok;
    QStringList why;
    if (pending) {
        if (*pending > t.pendingCritical) {
            s.level = BackpressureLevel::Critical;
            why << QStringLiteral("num_pending %1 > %2")
                       .arg(number(*pending), number(t.pendingCritical));
        } else if (*pending > t.pendingWarn) {
            s.level = BackpressureLevel::Warn;
            why << QStringLiteral("num_pending %1 > %2")
                       .arg(number(*pending), number(t.pendingWarn));
        }
    }
    if (p95Ms) {
        if (*p95Ms > t.p95CriticalMs) {
            s.level = BackpressureLevel::Critical;
            why << QStringLiteral("P95 %1 > %2")
                       .arg(formatDurationMs(*p95Ms), formatDurationMs(t.p95CriticalMs));
        } else if (*p95Ms > t.p95WarnMs) {
            s.level = qMax(s.level, BackpressureLevel::Warn);
            why << QStringLiteral("P95 %1 > %2")
                       .arg(formatDurationMs(*p95Ms), formatDurationMs(t.p95WarnMs));
        }
    }
    if (why.isEmpty()) {
        QStringList fine;
        if (pending)
            fine << QStringLiteral("num_pending %1").arg(number(*pending));
        if (p95Ms)
            fine << QStringLiteral("P95 %1").arg(formatDurationMs(*p95Ms));
        s.reason = fine.join(QStringLiteral(", "));
    } else {
        s.reason = why.join(QStringLiteral("; "));
    }
    return s;
}

} // namespace jetdeck::metrics
