#pragma once

#include "backoff.h"

#include <QtGlobal>

#include <functional>

namespace jetdeck {

/// The decisions of a connection's connect and reconnect loop, as pure logic: how many
/// attempts and passes over the server pool, when to try the next server at once, when to
/// wait (and how long), when to give up. No sockets, no timers, no clock: the connection tells
/// it what happened and the time, and does what it answers. Guarded by the connection's main
/// lock (it reads the counters for its health snapshot).
class ReconnectPlan {
public:
    struct Policy {
        int reconnectAttempts = -1;        ///< attempts after a loss before giving up; -1 never
        bool retryOnFailedConnect = false; ///< keep trying when the first connect fails
        BackoffPolicy backoff;
    };

    enum class Step {
        TryNextServer,    ///< the next server of this pass, at once
        WaitThenRetry,    ///< every server of the pass failed: a new pass after delayMs
        FailFirstConnect, ///< the first connect failed and retrying it is off: stop, disconnected
        GiveUpNoServer,   ///< the pool is empty: close
        GiveUpAttempts,   ///< reconnect_attempts used up: close
    };

    struct Decision {
        Step step = Step::TryNextServer;
        int attempts = 0;            ///< failed attempts since the loss (or the open)
        int failedThisPass = 0;      ///< servers of this pass that failed
        qint64 delayMs = 0;          ///< WaitThenRetry: until the next pass
        bool neverConnected = false; ///< no connection was ever made (a first-connect failure)
    };

    /// `unitRandom` returns a number in [-1, 1] for the backoff's jitter (injected so tests can
    /// pin it); empty: the global random generator.
    explicit ReconnectPlan(Policy policy, std::function<double()> unitRandom = {});

    /// open(): a fresh start, nothing connected yet.
    void opened();
    /// The connection is up: every count starts over.
    void connected();
    /// An established connection was lost: the attempts count from here.
    void lost();
    /// An attempt failed; `poolSize` servers are left to try, `nowMs` is the steady clock.
    Decision attemptFailed(qsizetype poolSize, qint64 nowMs);
    /// The wait of a WaitThenRetry is over: a new pass begins.
    void retryDue();
    /// No attempt is scheduled any more (closed).
    void cancel();

    bool everConnected() const { return m_everConnected; }
    int attemptsSinceLoss() const { return m_attemptsSinceLoss; }
    int passes() const { return m_passes; }
    /// Steady-clock time of the next pass, -1 when none is scheduled.
    qint64 nextAttemptAtMs() const { return m_nextAttemptAtMs; }

private:
    Policy m_policy;
    std::function<double()> m_unitRandom;
    bool m_everConnected = false;
    int m_attemptsThisPass = 0;
    int m_passes = 0;
    int m_attemptsSinceLoss = 0;
    qint64 m_nextAttemptAtMs = -1;
};

} // namespace jetdeck
