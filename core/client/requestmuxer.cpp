#include "requestmuxer.h"

namespace jetdeck {

QByteArray RequestMuxer::prefix() const {
    std::lock_guard lock(m_mu);
    return m_prefix;
}

void RequestMuxer::setPrefix(const QByteArray& prefix) {
    std::lock_guard lock(m_mu);
    m_prefix = prefix;
}

QByteArray RequestMuxer::add(const RequestPtr& request, bool* firstAsync) {
    std::lock_guard lock(m_mu);
    // Tokens only need to be unique among this connection's requests in flight.
    const QByteArray token = QByteArray::number(++m_nextToken, 36);
    m_requests.insert(token, request);
    if (request->async)
        ++m_async;
    if (firstAsync)
        *firstAsync = request->async && m_async == 1;
    return m_prefix + token;
}

bool RequestMuxer::forget(const QByteArray& replySubject) {
    std::lock_guard lock(m_mu);
    if (m_prefix.isEmpty() || !replySubject.startsWith(m_prefix))
        return false;
    RequestPtr r = m_requests.take(replySubject.sliced(m_prefix.size()));
    if (r && r->async)
        --m_async;
    return bool(r);
}

RequestMuxer::RequestPtr RequestMuxer::take(QByteArrayView subject) {
    std::lock_guard lock(m_mu);
    // Only the muxer's own subjects: a frame with its sid but another subject (shorter than
    // the prefix, or beside it) answers nothing.
    if (m_prefix.isEmpty() || subject.size() <= m_prefix.size() || !subject.startsWith(m_prefix))
        return {};
    RequestPtr r = m_requests.take(subject.sliced(m_prefix.size()).toByteArray());
    if (r && r->async)
        --m_async;
    return r;
}

void RequestMuxer::complete(const RequestPtr& r, Result<Message> result, bool queued) {
    if (r->async) {
        if (!r->context)
            return;
        auto cb = r->callback;
        if (queued)
            r->context->postQueued([cb, result] { cb(result); });
        else
            r->context->post([cb, result] { cb(result); });
        return;
    }
    std::lock_guard lock(m_mu);
    r->done = true;
    r->result = std::move(result);
    r->cv.notify_all();
}

bool RequestMuxer::waitUntil(const RequestPtr& r, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_mu);
    return r->cv.wait_until(lock, deadline, [&] { return r->done; });
}

bool RequestMuxer::isDone(const RequestPtr& r) const {
    std::lock_guard lock(m_mu);
    return r->done;
}

std::optional<Result<Message>> RequestMuxer::abandon(const RequestPtr& r,
                                                     const QByteArray& replySubject) {
    std::lock_guard lock(m_mu);
    if (r->done)
        return r->result;
    if (replySubject.startsWith(m_prefix))
        m_requests.remove(replySubject.sliced(m_prefix.size()));
    return std::nullopt;
}

QList<RequestMuxer::RequestPtr> RequestMuxer::takeExpired(qint64 nowMs) {
    std::lock_guard lock(m_mu);
    QList<RequestPtr> out;
    for (auto it = m_requests.begin(); it != m_requests.end();) {
        if (it.value()->async && it.value()->deadlineMs <= nowMs) {
            out.append(it.value());
            it = m_requests.erase(it);
            --m_async;
        } else {
            ++it;
        }
    }
    return out;
}

QList<RequestMuxer::RequestPtr> RequestMuxer::takeAll(bool reset) {
    std::lock_guard lock(m_mu);
    QList<RequestPtr> out = m_requests.values();
    m_requests.clear();
    m_async = 0;
    if (reset)
        m_prefix.clear();
    return out;
}

int RequestMuxer::asyncCount() const {
    std::lock_guard lock(m_mu);
    return m_async;
}

} // namespace jetdeck
