#include "eventwatcher.h"

#include <deque>
#include <mutex>

namespace jetdeck::sys {

/// Shared with the subscription handlers, which may run on another thread and outlive a
/// stop() by one message.
struct EventWatcher::Inbox {
    mutable std::mutex mu;
    std::deque<SystemEvent> events;
    Counts counts;
    Error lastMalformed;

    void take(const MsgView& m) {
        // Parsed here, on the connection's thread: the receiving thread only shows them.
        Result<std::optional<SystemEvent>> e = parseEvent(m.subject, m.payload);
        std::lock_guard lock(mu);
        ++counts.received;
        if (!e) {
            ++counts.malformed;
            lastMalformed = e.error();
            return;
        }
        if (!e->has_value()) {
            ++counts.ignored;
            return;
        }
        if (events.size() >= size_t(kInboxLimit)) {
            ++counts.dropped;
            return;
        }
        events.push_back(std::move(*e.value()));
    }
};

EventWatcher::EventWatcher(QObject* parent)
    : QObject(parent)
    , m_inbox(std::make_shared<Inbox>()) {
    qRegisterMetaType<SystemEvent>();
    m_drain.setInterval(kBatchMs);
    connect(&m_drain, &QTimer::timeout, this, &EventWatcher::drain);
}

EventWatcher::~EventWatcher() {
    stop();
}

Status EventWatcher::watch(Connection* connection, const QList<QByteArray>& subjects) {
    if (!connection)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("watching events needs a connection")};
    for (const QByteArray& subject : subjects) {
        auto sub = connection->subscribeInline(
            subject, [inbox = m_inbox](const MsgView& m) { inbox->take(m); });
        if (!sub)
            return sub.error();
        m_subs.append(sub.value());
    }
    m_drain.start();
    return {};
}

void EventWatcher::stop() {
    for (const SubscriptionPtr& s : std::as_const(m_subs))
        s->unsubscribe();
    m_subs.clear();
    m_drain.stop();
    std::lock_guard lock(m_inbox->mu);
    m_inbox->events.clear();
}

EventWatcher::Counts EventWatcher::counts() const {
    std::lock_guard lock(m_inbox->mu);
    return m_inbox->counts;
}

Error EventWatcher::lastMalformed() const {
    std::lock_guard lock(m_inbox->mu);
    return m_inbox->lastMalformed;
}

void EventWatcher::drain() {
    std::deque<SystemEvent> batch;
    {
        std::lock_guard lock(m_inbox->mu);
        batch.swap(m_inbox->events);
    }
    if (!batch.empty())
        emit eventsArrived(QList<SystemEvent>(std::make_move_iterator(batch.begin()),
                                              std::make_move_iterator(batch.end())));
}

} // namespace jetdeck::sys
