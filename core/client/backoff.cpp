#include "backoff.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace jetdeck {

qint64 BackoffPolicy::baseDelay(int pass) const {
    if (initialMs <= 0)
        return 0; // and no 0 * inf = NaN on far passes
    const double initial = initialMs;
    const double cap = std::max(initialMs, maxMs);
    const double grown = initial * std::pow(std::max(1.0, multiplier), std::max(0, pass - 1));
    return qint64(std::min(grown, cap));
}

qint64 BackoffPolicy::delay(int pass, double unit) const {
    const qint64 base = baseDelay(pass);
    const double spread = double(base) * std::clamp(jitterPercent, 0, 100) / 100.0;
    return std::max<qint64>(
        0, qint64(std::llround(double(base) + spread * std::clamp(unit, -1.0, 1.0))));
}

qint64 BackoffPolicy::delay(int pass) const {
    return delay(pass, QRandomGenerator::global()->generateDouble() * 2.0 - 1.0);
}

} // namespace jetdeck
