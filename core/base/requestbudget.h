#pragma once

#include <QtGlobal>

#include <functional>
#include <mutex>

namespace jetdeck {

/// How many monitoring and JetStream API requests JetDeck may send a cluster on its own per
/// second, shared by everything that polls (the system monitor, the consumer monitors, the
/// stream listing, serve-metrics). A token bucket: `perSecond` tokens a second, at most one
/// second's worth saved up. A poller asks before each request (a fan-out to N servers costs N)
/// and, when refused, waits its turn: the data gets older, the cluster gets no more load.
/// What the user asks for by hand (a button, a CLI command) does not go through it.
class RequestBudget {
public:
    static constexpr double kDefaultPerSecond = 20;

    /// `nowMs` gives the time (steadyNowMs by default; tests pass their own).
    explicit RequestBudget(double perSecond = kDefaultPerSecond,
                           std::function<qint64()> nowMs = {});

    double perSecond() const;
    /// A new rate, at least 0.1 a second.
    void setPerSecond(double perSecond);

    /// Takes `cost` tokens when there are that many now; false (and nothing taken) otherwise.
    bool tryTake(double cost = 1);
    /// Milliseconds until `cost` tokens will be there (0: now). A cost above the bucket's size
    /// is reported as the time a full bucket takes.
    qint64 waitMs(double cost = 1) const;

    /// Requests let through and turned away so far (each counted by its cost).
    double taken() const;
    double refused() const;

private:
    void refillLocked(qint64 now) const;

    mutable std::mutex m_mu;
    std::function<qint64()> m_now;
    double m_rate;
    mutable double m_tokens;
    mutable qint64 m_last;
    double m_taken = 0;
    double m_refused = 0;
};

} // namespace jetdeck
