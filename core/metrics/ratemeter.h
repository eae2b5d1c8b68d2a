#pragma once

#include <QtGlobal>

namespace jetdeck::metrics {

/// A smoothed per-second rate from a growing total (messages or bytes), sampled on a timer:
/// an exponentially weighted average with a time constant (5 s by default), so one slow tick
/// does not make the chart jump and a stop shows within a few seconds.
class RateMeter {
public:
    explicit RateMeter(double timeConstantSeconds = 5.0)
        : m_tau(timeConstantSeconds) {}

    /// The total at nowMs. A total that goes down (a counter reset) restarts the meter.
    void update(qint64 nowMs, quint64 total);
    double perSecond() const { return m_rate; }
    /// The rate over the last update interval alone.
    double instant() const { return m_instant; }
    quint64 total() const { return m_last; }

private:
    double m_tau;
    bool m_started = false;
    qint64 m_lastMs = 0;
    quint64 m_last = 0;
    double m_rate = 0;
    double m_instant = 0;
};

} // namespace jetdeck::metrics
