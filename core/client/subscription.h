#pragma once

#include "contextguard.h"

#include "core/base/error.h"
#include "message.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace jetdeck {

class Connection;
struct ConnectionLink;

/// Called for each message on the thread of the context object given at subscribe time.
using MessageCallback = std::function<void(const Message&)>;
/// Called on the connection's own thread with views into the read buffer: no copy, no queue,
/// no pending limits. It must be quick and must not block.
using InlineHandler = std::function<void(const MsgView&)>;

struct SubscribeOptions {
    QByteArray queue;
    /// Pending limits for queued delivery; -1 takes the connection's defaults, 0 is no limit.
    qint64 pendingMsgsLimit = -1;
    qint64 pendingBytesLimit = -1;
    /// Unsubscribe automatically after this many messages (0: never).
    quint64 autoUnsubscribeAfter = 0;
};

struct SubscriptionStats {
    quint64 delivered = 0;     ///< handed to the callback, the inline handler or taken by next()
    quint64 received = 0;      ///< arrived from the server
    quint64 receivedBytes = 0; ///< their headers and payloads
    quint64 dropped = 0;       ///< dropped because the pending limits were reached
    qint64 pendingMsgs = 0;    ///< waiting in the queue now
    qint64 pendingBytes = 0;
    qint64 maxPendingMsgs = 0; ///< high-water marks
    qint64 maxPendingBytes = 0;
    qint64 pendingMsgsLimit = 0;
    qint64 pendingBytesLimit = 0;
    quint64 slowConsumerEpisodes = 0;
};

/// A subscription. Messages arrive in three ways: an inline handler on the connection thread,
/// a callback on a context object's thread (batched, one queued event per burst), or pulled
/// with next()/takeAll(). The latter two go through a queue bounded by pending limits: when it
/// is full, messages are dropped, counted, and reported once per episode as a slow consumer.
class Subscription : public std::enable_shared_from_this<Subscription> {
public:
    ~Subscription();

    quint64 sid() const { return m_sid; }
    QByteArray subject() const { return m_subject; }
    QByteArray queue() const { return m_queue; }
    /// False once unsubscribed, auto-unsubscribed to completion, or the connection closed.
    bool isActive() const;

    /// A queued message, if there is one.
    std::optional<Message> tryNext();
    /// Waits up to timeoutMs for a message. Do not call on the connection's thread.
    Result<Message> next(int timeoutMs);
    /// Takes up to max queued messages (all when max < 0).
    QList<Message> takeAll(qsizetype max = -1);

    /// UNSUB now; queued messages are discarded.
    Status unsubscribe();
    /// UNSUB after `max` messages in total (counting those already received).
    Status autoUnsubscribe(quint64 max);
    /// 0 means no limit.
    void setPendingLimits(qint64 msgs, qint64 bytes);
    SubscriptionStats stats() const;
    /// Messages still to come before an auto-unsubscribe completes (0 when none is set).
    quint64 maxMessages() const;

private:
    friend class Connection;
    Subscription(std::shared_ptr<ConnectionLink> link, quint64 sid, QByteArray subject,
                 QByteArray queue);

    enum class Accept { Queued, Dropped, DroppedNewEpisode };
    /// Connection thread: queues a message for delivery. Returns whether it was dropped and
    /// whether that started a new slow-consumer episode.
    Accept enqueue(const MsgView& view);
    /// Connection thread: counts an inline delivery.
    void countInline(qsizetype bytes);
    /// Connection thread: counts a message for auto-unsubscribe; true when it was the last.
    bool reachedMax(qsizetype bytes);
    /// Marks the subscription closed and wakes waiters.
    void markClosed(const Error& why);
    void drain();
    /// Messages queued, or taken by drain() and not yet through the callback.
    qint64 undelivered() const;
    /// Takes up to max queued messages (all when max < 0) and counts them delivered.
    QList<Message> takeLocked(qsizetype max);
    void postDrainLocked();

    std::shared_ptr<ConnectionLink> m_link;
    const quint64 m_sid;
    const QByteArray m_subject;
    const QByteArray m_queue;

    InlineHandler m_inline;
    MessageCallback m_callback;
    ContextGuardPtr m_context;

    mutable std::mutex m_mu;
    std::condition_variable m_cv;
    std::deque<Message> m_pending;
    SubscriptionStats m_stats;
    quint64 m_max = 0;
    bool m_closed = false;
    bool m_slow = false;
    bool m_drainPosted = false;
    qint64 m_inCallbacks = 0; ///< taken by drain(), callbacks not yet returned
    Error m_closeReason;
};

using SubscriptionPtr = std::shared_ptr<Subscription>;

} // namespace jetdeck
