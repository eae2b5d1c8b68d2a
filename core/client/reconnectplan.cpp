#include "reconnectplan.h"

namespace jetdeck {

ReconnectPlan::ReconnectPlan(Policy policy, std::function<double()> unitRandom)
    : m_policy(policy)
    , m_unitRandom(std::move(unitRandom)) {}

void ReconnectPlan::opened() {
    m_everConnected = false;
    m_attemptsThisPass = 0;
    m_passes = 0;
    m_attemptsSinceLoss = 0;
    m_nextAttemptAtMs = -1;
}

void ReconnectPlan::connected() {
    m_everConnected = true;
    m_attemptsThisPass = 0;
    m_passes = 0;
    m_attemptsSinceLoss = 0;
    m_nextAttemptAtMs = -1;
}

void ReconnectPlan::lost() {
    m_attemptsThisPass = 0;
    m_passes = 0;
    m_attemptsSinceLoss = 0;
}

ReconnectPlan::Decision ReconnectPlan::attemptFailed(qsizetype poolSize, qint64 nowMs) {
    Decision d;
    d.attempts = ++m_attemptsSinceLoss;
    d.failedThisPass = ++m_attemptsThisPass;
    d.neverConnected = !m_everConnected;
    const bool retrying = m_everConnected || m_policy.retryOnFailedConnect;
    if (poolSize == 0) {
        d.step = Step::GiveUpNoServer;
    } else if (retrying && m_policy.reconnectAttempts >= 0 &&
               d.attempts >= m_policy.reconnectAttempts) {
        d.step = Step::GiveUpAttempts;
    } else if (m_attemptsThisPass < poolSize) {
        d.step = Step::TryNextServer;
    } else if (!retrying) {
        d.step = Step::FailFirstConnect;
    } else {
        d.step = Step::WaitThenRetry;
        ++m_passes;
        d.delayMs = m_unitRandom ? m_policy.backoff.delay(m_passes, m_unitRandom())
                                 : m_policy.backoff.delay(m_passes);
        m_nextAttemptAtMs = nowMs + d.delayMs;
    }
    return d;
}

void ReconnectPlan::retryDue() {
    m_attemptsThisPass = 0;
    m_nextAttemptAtMs = -1;
}

void ReconnectPlan::cancel() {
    m_nextAttemptAtMs = -1;
}

} // namespace jetdeck
