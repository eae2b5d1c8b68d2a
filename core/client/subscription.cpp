#include "subscription.h"

#include "connection.h"

#include <QMetaObject>

#include <chrono>

namespace jetdeck {

Subscription::Subscription(std::shared_ptr<ConnectionLink> link, quint64 sid, QByteArray subject,
                           QByteArray queue)
    : m_link(std::move(link))
    , m_sid(sid)
    , m_subject(std::move(subject))
    , m_queue(std::move(queue)) {}

Subscription::~Subscription() = default;

bool Subscription::isActive() const {
    std::lock_guard lock(m_mu);
    return !m_closed;
}

QList<Message> Subscription::takeLocked(qsizetype max) {
    const qsizetype n =
        max < 0 ? qsizetype(m_pending.size()) : qMin<qsizetype>(max, qsizetype(m_pending.size()));
    QList<Message> out;
    out.reserve(n);
    for (qsizetype i = 0; i < n; ++i) {
        m_stats.pendingBytes -= m_pending.front().size();
        out.append(std::move(m_pending.front()));
        m_pending.pop_front();
    }
    m_stats.pendingMsgs -= n;
    m_stats.delivered += quint64(n);
    if (n > 0)
        m_slow = false; // the consumer is catching up: a later overflow is a new episode
    return out;
}

std::optional<Message> Subscription::tryNext() {
    std::lock_guard lock(m_mu);
    QList<Message> one = takeLocked(1);
    if (one.isEmpty())
        return std::nullopt;
    return std::move(one.first());
}

Result<Message> Subscription::next(int timeoutMs) {
    std::unique_lock lock(m_mu);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (m_pending.empty()) {
        if (m_closed)
            return !m_closeReason.ok() ? m_closeReason
                                       : Error{ErrorKind::ConnectionClosed,
                                               QStringLiteral("subscription on '%1' is closed")
                                                   .arg(QString::fromUtf8(m_subject))};
        if (m_cv.wait_until(lock, deadline) == std::cv_status::timeout && m_pending.empty())
            return Error{ErrorKind::Timeout, QStringLiteral("no message on '%1' within %2 ms")
                                                 .arg(QString::fromUtf8(m_subject))
                                                 .arg(timeoutMs)};
    }
    return std::move(takeLocked(1).first());
}

QList<Message> Subscription::takeAll(qsizetype max) {
    std::lock_guard lock(m_mu);
    return takeLocked(max);
}

Status Subscription::unsubscribe() {
    return autoUnsubscribe(0);
}

Status Subscription::autoUnsubscribe(quint64 max) {
    std::lock_guard linkLock(m_link->mu);
    if (!m_link->conn)
        return Error{ErrorKind::ConnectionClosed,
                     QStringLiteral("the connection of this subscription is gone")};
    return m_link->conn->removeSubscription(m_sid, max);
}

void Subscription::setPendingLimits(qint64 msgs, qint64 bytes) {
    std::lock_guard lock(m_mu);
    m_stats.pendingMsgsLimit = msgs;
    m_stats.pendingBytesLimit = bytes;
}

SubscriptionStats Subscription::stats() const {
    std::lock_guard lock(m_mu);
    return m_stats;
}

quint64 Subscription::maxMessages() const {
    std::lock_guard lock(m_mu);
    return m_max;
}

Subscription::Accept Subscription::enqueue(const MsgView& view) {
    const qsizetype size = view.headers.size() + view.payload.size();
    std::unique_lock lock(m_mu);
    if (m_closed)
        return Accept::Queued; // late message for a closing subscription: nothing to do
    const bool overMsgs =
        m_stats.pendingMsgsLimit > 0 && m_stats.pendingMsgs >= m_stats.pendingMsgsLimit;
    const bool overBytes =
        m_stats.pendingBytesLimit > 0 && m_stats.pendingBytes + size > m_stats.pendingBytesLimit;
    if (overMsgs || overBytes) {
        ++m_stats.dropped;
        if (!m_slow) {
            m_slow = true;
            ++m_stats.slowConsumerEpisodes;
            return Accept::DroppedNewEpisode;
        }
        return Accept::Dropped;
    }
    m_pending.emplace_back(view);
    ++m_stats.pendingMsgs;
    m_stats.pendingBytes += size;
    m_stats.maxPendingMsgs = qMax(m_stats.maxPendingMsgs, m_stats.pendingMsgs);
    m_stats.maxPendingBytes = qMax(m_stats.maxPendingBytes, m_stats.pendingBytes);
    if (m_callback)
        postDrainLocked();
    lock.unlock();
    m_cv.notify_one();
    return Accept::Queued;
}

void Subscription::countInline(qsizetype) {
    std::lock_guard lock(m_mu);
    ++m_stats.delivered;
}

bool Subscription::reachedMax(qsizetype bytes) {
    std::lock_guard lock(m_mu);
    ++m_stats.received;
    m_stats.receivedBytes += quint64(bytes);
    return m_max > 0 && m_stats.received >= m_max;
}

void Subscription::markClosed(const Error& why) {
    {
        std::lock_guard lock(m_mu);
        if (m_closed)
            return;
        m_closed = true;
        m_closeReason = why;
        if (!why.ok()) {
            // Unsubscribed or connection closed: what is queued will not be delivered.
            m_stats.pendingMsgs = 0;
            m_stats.pendingBytes = 0;
            m_pending.clear();
        }
    }
    m_cv.notify_all();
}

void Subscription::postDrainLocked() {
    if (m_drainPosted || !m_context)
        return;
    std::weak_ptr<Subscription> weak = weak_from_this();
    m_drainPosted = m_context->postQueued([weak] {
        if (auto self = weak.lock())
            self->drain();
    });
}

void Subscription::drain() {
    // One queued event delivers a whole burst; the flag is cleared before the callbacks
    // run so that messages arriving meanwhile post a new event.
    QList<Message> batch;
    {
        std::lock_guard lock(m_mu);
        m_drainPosted = false;
        batch = takeLocked(-1);
        m_inCallbacks += batch.size();
    }
    for (const Message& m : std::as_const(batch)) {
        m_callback(m);
        std::lock_guard lock(m_mu);
        --m_inCallbacks;
    }
}

qint64 Subscription::undelivered() const {
    std::lock_guard lock(m_mu);
    return m_stats.pendingMsgs + m_inCallbacks;
}

} // namespace jetdeck
