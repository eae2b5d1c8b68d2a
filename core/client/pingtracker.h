#pragma once

#include "contextguard.h"
#include "core/base/error.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

namespace jetdeck {

using StatusCallback = std::function<void(const Status&)>;

/// What waits for a PONG: keep-alive PINGs (their round trip is the connection's RTT) and
/// flushes, blocking or with a callback. The server answers PINGs in order, so the oldest
/// waiter is the one a PONG answers.
///
/// Not thread-safe: guarded by the connection's main lock, under which the waiter is added
/// and its PING written to the buffer in one step (so waiters and PINGs keep the same order).
/// Blocking waiters wait on their own condition variable with that same lock.
class PingTracker {
public:
    /// A blocking flush's completion.
    struct SyncFlush {
        std::condition_variable cv;
        bool done = false;
        Status result;
    };
    /// An asynchronous flush's callback, to be posted once the lock is released.
    struct Callback {
        StatusCallback callback;
        ContextGuardPtr context;
        Status status;
        /// Runs the callback on its context's thread (nothing when the context is gone).
        void post() const;
    };
    /// What a PONG answered.
    struct Answer {
        bool any = false;                ///< false: nobody was waiting (an unsolicited PONG)
        qint64 sentNs = 0;               ///< when the answered PING was written
        Callback callback;               ///< an asynchronous flush's, when there is one
        std::shared_ptr<SyncFlush> sync; ///< a blocking flush's, completed by finish()
    };

    /// A keep-alive PING; false (nothing added) when `maxOut` are unanswered already: the
    /// connection is stale.
    bool addPing(qint64 nowNs, int maxOut);
    void addFlush(qint64 nowNs, std::shared_ptr<SyncFlush> waiter);
    void addFlush(qint64 nowNs, qint64 deadlineMs, StatusCallback callback, ContextGuardPtr ctx);

    /// A PONG came: takes the oldest waiter out.
    Answer pong();
    /// Completes the blocking flush an answer names (under the lock; after the RTT is
    /// recorded, so a flush that returns finds it).
    static void finish(const Answer& answer);
    /// The connection is gone: every waiter fails with `error`. Blocking ones are completed
    /// here; the callbacks are returned.
    QList<Callback> failAll(const Error& error);
    /// Asynchronous flushes whose deadline passed: their callbacks (with a timeout), returned;
    /// their PONG, should it come, completes nothing.
    QList<Callback> expire(qint64 nowMs);
    /// An asynchronous flush is waiting (the connection's timer must run).
    bool hasAsync() const;
    /// A socket ended: its PINGs will never be answered.
    void resetOutstanding() { m_outstanding = 0; }

private:
    struct Waiter {
        qint64 sentNs = 0;
        bool keepAlive = false;
        std::shared_ptr<SyncFlush> sync;
        StatusCallback callback;
        ContextGuardPtr context;
        qint64 deadlineMs = 0;
    };
    std::deque<Waiter> m_waiters;
    int m_outstanding = 0; ///< keep-alive PINGs without a PONG
};

} // namespace jetdeck
