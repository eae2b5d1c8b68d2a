#include "requestbudget.h"

#include "core/base/clock.h"

#include <algorithm>
#include <cmath>

namespace jetdeck {

namespace {
double sane(double perSecond) {
    return std::isfinite(perSecond) ? std::max(0.1, perSecond) : RequestBudget::kDefaultPerSecond;
}
} // namespace

RequestBudget::RequestBudget(double perSecond, std::function<qint64()> nowMs)
    : m_now(nowMs ? std::move(nowMs) : std::function<qint64()>(&steadyNowMs))
    , m_rate(sane(perSecond))
    , m_tokens(m_rate)
    , m_last(m_now()) {}

double RequestBudget::perSecond() const {
    std::lock_guard lock(m_mu);
    return m_rate;
}

void RequestBudget::setPerSecond(double perSecond) {
    std::lock_guard lock(m_mu);
    refillLocked(m_now());
    m_rate = sane(perSecond);
    m_tokens = std::min(m_tokens, m_rate);
}

void RequestBudget::refillLocked(qint64 now) const {
    if (now > m_last) {
        m_tokens = std::min(m_rate, m_tokens + double(now - m_last) * m_rate / 1000.0);
        m_last = now;
    }
}

bool RequestBudget::tryTake(double cost) {
    std::lock_guard lock(m_mu);
    refillLocked(m_now());
    // A fan-out to more servers than a second's budget may still go once the bucket is full:
    // it then has to wait until the bucket refilled that far (the debt below zero).
    const double need = std::min(cost, m_rate);
    if (m_tokens + 1e-9 < need) {
        m_refused += cost;
        return false;
    }
    m_tokens -= cost;
    m_taken += cost;
    return true;
}

qint64 RequestBudget::waitMs(double cost) const {
    std::lock_guard lock(m_mu);
    refillLocked(m_now());
    const double need = std::min(cost, m_rate);
    if (m_tokens >= need)
        return 0;
    return qint64(std::ceil((need - m_tokens) * 1000.0 / m_rate));
}

double RequestBudget::taken() const {
    std::lock_guard lock(m_mu);
    return m_taken;
}

double RequestBudget::refused() const {
    std::lock_guard lock(m_mu);
    return m_refused;
}

} // namespace jetdeck
