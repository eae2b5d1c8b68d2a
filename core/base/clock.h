#pragma once

#include <QtGlobal>

#include <chrono>

namespace jetdeck {

/// Monotonic time for deadlines and intervals (never wall-clock time, which can jump).
inline qint64 steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline qint64 steadyNowMs() {
    return steadyNowNs() / 1000000;
}

/// Wall-clock microseconds since the epoch: only for comparing with another process's clock
/// (end-to-end latency), never for deadlines.
inline qint64 wallNowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace jetdeck
