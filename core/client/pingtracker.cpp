#include "pingtracker.h"

namespace jetdeck {

void PingTracker::Callback::post() const {
    if (!context || !callback)
        return;
    auto cb = callback;
    auto st = status;
    context->post([cb, st] { cb(st); });
}

bool PingTracker::addPing(qint64 nowNs, int maxOut) {
    if (m_outstanding >= maxOut)
        return false;
    ++m_outstanding;
    Waiter w;
    w.sentNs = nowNs;
    w.keepAlive = true;
    m_waiters.push_back(std::move(w));
    return true;
}

void PingTracker::addFlush(qint64 nowNs, std::shared_ptr<SyncFlush> waiter) {
    Waiter w;
    w.sentNs = nowNs;
    w.sync = std::move(waiter);
    m_waiters.push_back(std::move(w));
}

void PingTracker::addFlush(qint64 nowNs, qint64 deadlineMs, StatusCallback callback,
                           ContextGuardPtr ctx) {
    Waiter w;
    w.sentNs = nowNs;
    w.callback = std::move(callback);
    w.context = std::move(ctx);
    w.deadlineMs = deadlineMs;
    m_waiters.push_back(std::move(w));
}

PingTracker::Answer PingTracker::pong() {
    m_outstanding = 0;
    Answer a;
    if (m_waiters.empty())
        return a;
    Waiter w = std::move(m_waiters.front());
    m_waiters.pop_front();
    a.any = true;
    a.sentNs = w.sentNs;
    a.sync = std::move(w.sync);
    if (w.callback)
        a.callback = Callback{std::move(w.callback), std::move(w.context), Status{}};
    return a;
}

void PingTracker::finish(const Answer& a) {
    if (!a.sync || a.sync->done)
        return;
    a.sync->done = true;
    a.sync->result = Status{};
    a.sync->cv.notify_all();
}

QList<PingTracker::Callback> PingTracker::failAll(const Error& error) {
    QList<Callback> out;
    std::deque<Waiter> waiters;
    waiters.swap(m_waiters);
    m_outstanding = 0;
    for (Waiter& w : waiters) {
        if (w.sync && !w.sync->done) {
            w.sync->done = true;
            w.sync->result = error;
            w.sync->cv.notify_all();
        }
        if (w.callback)
            out.append(Callback{std::move(w.callback), std::move(w.context), error});
    }
    return out;
}

QList<PingTracker::Callback> PingTracker::expire(qint64 nowMs) {
    QList<Callback> out;
    for (Waiter& w : m_waiters)
        if (w.callback && w.deadlineMs <= nowMs)
            out.append(Callback{std::exchange(w.callback, nullptr), std::move(w.context),
                                Error{ErrorKind::Timeout, QStringLiteral("flush timed out")}});
    return out;
}

bool PingTracker::hasAsync() const {
    for (const Waiter& w : m_waiters)
        if (w.callback)
            return true;
    return false;
}

} // namespace jetdeck
