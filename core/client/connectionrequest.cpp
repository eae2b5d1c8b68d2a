// Connection: request/reply over the muxer's one reply subscription, flushes and keep-alive
// PINGs (the ping tracker), and the blocking waits that drive the socket on its own thread.
#include "connection.h"
#include "connectioninternal.h"
#include "core/logging/logging.h"

#include "core/base/windowedhistogram.h"

#include "backoff.h"
#include "core/auth/creds.h"
#include "core/base/clock.h"
#include "core/protocol/frames.h"
#include "core/protocol/servererror.h"
#include "core/protocol/subject.h"
#include "handshake.h"
#include "nuid.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <chrono>

namespace jetdeck {

using namespace connection_internal;

void Connection::failPendingRequests(const Error& error) {
    // No reply can come over a connection that is gone.
    const bool closed = error.kind == ErrorKind::ConnectionClosed;
    for (const RequestMuxer::RequestPtr& r : m_muxer.takeAll(closed))
        m_muxer.complete(r, Error{closed ? error.kind : ErrorKind::NotConnected,
                                  QStringLiteral("request to '%1' lost: %2")
                                      .arg(QString::fromUtf8(r->subject), error.message),
                                  error.serverText});
}

void Connection::failPendingFlushes(const Error& error) {
    QList<PingTracker::Callback> callbacks;
    {
        std::lock_guard lock(m_mu);
        callbacks = m_pings.failAll(error);
    }
    for (const PingTracker::Callback& c : std::as_const(callbacks))
        c.post();
}

QByteArray Connection::newInbox() const {
    return m_options.inboxPrefix + '.' + Nuid::global();
}

Result<QByteArray> Connection::ensureResponseSubscription() {
    std::lock_guard respLock(m_respMu);
    if (QByteArray prefix = m_muxer.prefix(); !prefix.isEmpty())
        return prefix;
    const QByteArray prefix = m_options.inboxPrefix + '.' + Nuid::global() + '.';
    auto sub =
        subscribeInline(QByteArray(prefix + '*'), [this](const MsgView& m) { handleReply(m); });
    if (!sub)
        return sub.error();
    {
        std::lock_guard lock(m_mu);
        m_respSub = sub.value();
    }
    m_muxer.setPrefix(prefix);
    return prefix;
}

RequestMuxer::RequestPtr Connection::startRequest(QByteArrayView subject, QByteArrayView payload,
                                                  const Headers* headers, int timeoutMs,
                                                  QByteArray* replyOut, Status* error,
                                                  RequestMuxer::RequestPtr req) {
    if (Status s = subject::validatePublish(subject); !s.ok()) {
        *error = s;
        return {};
    }
    if (timeoutMs <= 0) {
        *error =
            Error{ErrorKind::InvalidArgument,
                  QStringLiteral("request timeout must be positive, got %1 ms").arg(timeoutMs)};
        return {};
    }
    QByteArray headerBlock;
    if (headers && !headers->isEmpty()) {
        for (const auto& e : headers->entries())
            if (!Headers::isValidKey(e.first) || !Headers::isValidValue(e.second)) {
                *error =
                    Error{ErrorKind::InvalidArgument,
                          QStringLiteral("invalid header '%1'").arg(QString::fromUtf8(e.first))};
                return {};
            }
        headerBlock = headers->toBlock();
    }
    if (auto prefix = ensureResponseSubscription(); !prefix) {
        *error = prefix.error();
        return {};
    }
    if (!req)
        req = std::make_shared<RequestMuxer::Request>();
    req->subject = subject.toByteArray();
    req->sentNs = steadyNowNs();
    req->deadlineMs = req->sentNs / 1000000 + timeoutMs;
    // Registered before it is published: the reply cannot overtake it.
    bool firstAsync = false;
    const QByteArray reply = m_muxer.add(req, &firstAsync);
    Notices notices;
    Status accepted;
    {
        std::lock_guard lock(m_mu);
        accepted = acceptPublishLocked(subject, reply, headerBlock, payload, &notices);
        if (accepted.ok())
            kickFlushLocked();
    }
    emitNotices(notices);
    if (!accepted.ok()) {
        // A close may have completed the request between its registration and now: then its
        // outcome is already on its way and must not be given twice.
        if (!m_muxer.forget(reply) && req->async)
            return req;
        *error = accepted;
        return {};
    }
    if (firstAsync)
        QMetaObject::invokeMethod(this, [this] {
            if (!m_requestTimer->isActive())
                m_requestTimer->start();
        });
    *replyOut = reply;
    return req;
}

void Connection::request(QByteArrayView subject, QByteArrayView payload, int timeoutMs,
                         QObject* context, RequestCallback callback, const Headers* headers) {
    auto deliver = [context, callback](const Result<Message>& r) {
        if (context)
            QMetaObject::invokeMethod(
                context, [callback, r] { callback(r); }, Qt::QueuedConnection);
    };
    if (!callback || !context) {
        return;
    }
    auto req = std::make_shared<RequestMuxer::Request>();
    req->async = true;
    req->callback = callback;
    req->context = ContextGuard::make(context);
    Status error;
    QByteArray reply;
    if (!startRequest(subject, payload, headers, timeoutMs, &reply, &error, req))
        deliver(error);
}

Result<Message> Connection::requestSync(QByteArrayView subject, QByteArrayView payload,
                                        int timeoutMs, const Headers* headers) {
    if (onConnectionThread() && m_inFeed)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("requestSync() from a message handler on the connection's "
                                    "thread would deadlock; use request()")};
    Status error;
    QByteArray reply;
    auto req = startRequest(subject, payload, headers, timeoutMs, &reply, &error, nullptr);
    if (!req)
        return error;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    if (onConnectionThread())
        pumpUntil(deadline, [&] { return m_muxer.isDone(req); });
    else
        m_muxer.waitUntil(req, deadline);
    if (std::optional<Result<Message>> r = m_muxer.abandon(req, reply))
        return *r;
    const State st = state();
    if (st != State::Connected)
        return Error{ErrorKind::NotConnected,
                     QStringLiteral("request to '%1' lost: the connection is %2")
                         .arg(QString::fromUtf8(subject), connectionStateName(st))};
    return Error{ErrorKind::Timeout, QStringLiteral("no reply from '%1' within %2 ms")
                                         .arg(QString::fromUtf8(subject))
                                         .arg(timeoutMs)};
}

void Connection::handleReply(const MsgView& msg) {
    const RequestMuxer::RequestPtr req = m_muxer.take(msg.subject);
    if (!req)
        return; // a late reply after a timeout, or not one of ours
    if (const auto probe = m_requestProbe.load())
        probe->record(quint64(qMax<qint64>(0, (steadyNowNs() - req->sentNs) / 1000)));
    Result<Message> result = Message(msg);
    if (headerStatus(msg.headers) == status::NoResponders && msg.payload.isEmpty())
        result =
            Error{ErrorKind::NoResponders, QStringLiteral("no responders are listening on '%1'")
                                               .arg(QString::fromUtf8(req->subject))};
    // Queued behind what the context already has: a reply follows the messages before it.
    m_muxer.complete(req, std::move(result), true);
}

void Connection::onRequestTimer() {
    const qint64 now = steadyNowMs();
    const QList<RequestMuxer::RequestPtr> expired = m_muxer.takeExpired(now);
    QList<PingTracker::Callback> flushes;
    bool asyncFlushes = false;
    {
        std::lock_guard lock(m_mu);
        flushes = m_pings.expire(now);
        asyncFlushes = m_pings.hasAsync();
    }
    if (!asyncFlushes && m_muxer.asyncCount() <= 0)
        m_requestTimer->stop();
    for (const RequestMuxer::RequestPtr& r : expired)
        m_muxer.complete(
            r,
            Error{ErrorKind::Timeout,
                  QStringLiteral("no reply from '%1' in time").arg(QString::fromUtf8(r->subject))});
    for (const PingTracker::Callback& c : std::as_const(flushes))
        c.post();
}

void Connection::pumpUntil(std::chrono::steady_clock::time_point deadline,
                           const std::function<bool()>& done) {
    // A blocking call on the connection's own thread: no event loop runs, so write what is
    // queued (including what handlers published while we waited) and read the socket here.
    while (true) {
        if (done())
            return;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0 || !m_socket || m_phase != Phase::Ready)
            return;
        flushOut();
        if (m_socket->bytesToWrite() > 0)
            m_socket->flush();
        m_socket->waitForReadyRead(int(qMax<qint64>(1, left)));
    }
}

bool Connection::waitFor(const std::function<bool()>& done, int timeoutMs) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(qMax(0, timeoutMs));
    if (onConnectionThread()) {
        if (m_inFeed)
            return done(); // inside a message handler: the socket cannot be read again here
        pumpUntil(deadline, done);
        return done();
    }
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        QThread::usleep(500);
    }
    return true;
}

Status Connection::flushSync(int timeoutMs) {
    auto done = std::make_shared<PingTracker::SyncFlush>();
    {
        std::lock_guard lock(m_mu);
        if (m_state != State::Connected)
            return Error{ErrorKind::NotConnected, QStringLiteral("cannot flush: the connection "
                                                                 "is %1")
                                                      .arg(connectionStateName(m_state))};
        m_pings.addFlush(steadyNowNs(), done);
        m_out.control().append(frames::Ping);
        kickFlushLocked();
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    if (onConnectionThread()) {
        pumpUntil(deadline, [&] {
            std::lock_guard lock(m_mu);
            return done->done;
        });
    } else {
        std::unique_lock lock(m_mu);
        done->cv.wait_until(lock, deadline, [&] { return done->done; });
    }
    std::lock_guard lock(m_mu);
    if (done->done)
        return done->result;
    done->done = true; // abandon: the PONG, if it ever comes, completes nothing
    return Error{ErrorKind::Timeout,
                 QStringLiteral("flush: no PONG from the server within %1 ms").arg(timeoutMs)};
}

void Connection::flushAsync(int timeoutMs, QObject* context, StatusCallback callback) {
    if (!context || !callback)
        return;
    bool startTimer = false;
    {
        std::lock_guard lock(m_mu);
        if (m_state != State::Connected && m_state != State::Draining) {
            const Error e{ErrorKind::NotConnected, QStringLiteral("cannot flush: not connected")};
            QMetaObject::invokeMethod(
                context, [callback, e] { callback(e); }, Qt::QueuedConnection);
            return;
        }
        m_pings.addFlush(steadyNowNs(), steadyNowMs() + timeoutMs, std::move(callback),
                         ContextGuard::make(context));
        m_out.control().append(frames::Ping);
        kickFlushLocked();
        startTimer = true;
    }
    if (startTimer)
        QMetaObject::invokeMethod(this, [this] {
            if (!m_requestTimer->isActive())
                m_requestTimer->start();
        });
}

void Connection::onPingTimer() {
    if (m_phase != Phase::Ready)
        return;
    bool stale = false;
    {
        std::lock_guard lock(m_mu);
        if (!m_pings.addPing(steadyNowNs(), m_options.maxPingsOut)) {
            stale = true;
        } else {
            m_out.control().append(frames::Ping);
            kickFlushLocked();
        }
    }
    if (stale)
        connectionLost(Error{ErrorKind::StaleConnection,
                             QStringLiteral("stale connection: %1 PINGs without a PONG (ping "
                                            "interval %2 ms)")
                                 .arg(m_options.maxPingsOut)
                                 .arg(m_options.pingIntervalMs)});
}

} // namespace jetdeck
