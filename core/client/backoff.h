#pragma once

#include <QtGlobal>

namespace jetdeck {

/// Reconnect delays: exponential from `initialMs` by `multiplier`, capped at `maxMs`, with
/// a symmetric jitter of `jitterPercent` of the delay so a fleet of clients does not come
/// back in lockstep.
struct BackoffPolicy {
    int initialMs = 500;
    double multiplier = 2.0;
    int maxMs = 10000;
    int jitterPercent = 20;

    /// The delay before pass `pass` (1 for the first retry) without jitter.
    qint64 baseDelay(int pass) const;
    /// With jitter; `unit` is a random number in [-1, 1] (injected so tests can pin it).
    qint64 delay(int pass, double unit) const;
    /// With jitter from the global random generator.
    qint64 delay(int pass) const;
};

} // namespace jetdeck
