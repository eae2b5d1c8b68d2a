#include "ratemeter.h"

#include <cmath>

namespace jetdeck::metrics {

void RateMeter::update(qint64 nowMs, quint64 total) {
    if (!m_started || total < m_last) {
        m_started = true;
        m_lastMs = nowMs;
        m_last = total;
        m_rate = 0;
        m_instant = 0;
        return;
    }
    const qint64 dtMs = nowMs - m_lastMs;
    if (dtMs <= 0)
        return;
    const double dt = double(dtMs) / 1000.0;
    m_instant = double(total - m_last) / dt;
    const double alpha = m_tau > 0 ? 1.0 - std::exp(-dt / m_tau) : 1.0;
    m_rate += alpha * (m_instant - m_rate);
    m_lastMs = nowMs;
    m_last = total;
}

} // namespace jetdeck::metrics
