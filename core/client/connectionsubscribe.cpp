// Connection: subscriptions (the table, SUB/UNSUB, auto-unsubscribe), inbound MSG dispatch to
// them, and drain.
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

void Connection::doDrain(int timeoutMs) {
    if (state() != State::Connected) {
        doClose();
        return;
    }
    const int limit = timeoutMs < 0 ? m_options.drainTimeoutMs : timeoutMs;
    setState(State::Draining, QStringLiteral("unsubscribing and delivering what is buffered"));
    {
        // UNSUB everything except the request muxer (requests in flight may still be
        // answered); the subscriptions stay in the table so messages in flight are delivered.
        std::lock_guard respLock(m_respMu);
        std::lock_guard subsLock(m_subsMu);
        std::lock_guard lock(m_mu);
        for (const SubscriptionPtr& sub : std::as_const(m_subs))
            if (sub != m_respSub)
                frames::appendUnsub(m_out.control(), sub->sid());
        kickFlushLocked();
    }
    m_drainDeadlineMs = steadyNowMs() + limit;
    m_drainFlushed = false;
    // A PING after the UNSUBs: its PONG means the server sent everything it will send.
    flushAsync(limit, this, [this](const Status& s) {
        if (s.ok())
            m_drainFlushed = true;
    });
    m_drainTimer->start();
}

void Connection::checkDrain() {
    if (state() != State::Draining) {
        m_drainTimer->stop();
        return;
    }
    qint64 pending = 0;
    {
        std::lock_guard lock(m_subsMu);
        for (const SubscriptionPtr& sub : std::as_const(m_subs))
            if (!sub->m_inline)
                pending += sub->undelivered();
    }
    const bool timedOut = steadyNowMs() >= m_drainDeadlineMs;
    if (!timedOut && (!m_drainFlushed || pending > 0))
        return;
    m_drainTimer->stop();
    if (timedOut)
        addEvent(ConnectionEvent::Kind::Error,
                 QStringLiteral("drain timed out with %1 messages not yet consumed; closing")
                     .arg(pending));
    else
        addEvent(ConnectionEvent::Kind::Info,
                 QStringLiteral("drained: every buffered message was delivered"));
    doClose();
}

QList<SubscriptionPtr> Connection::subscriptions() const {
    std::lock_guard lock(m_subsMu);
    return m_subs.values();
}

void Connection::handleMsg(const MsgView& msg) {
    if (m_phase != Phase::Ready) {
        // The server sends messages only for subscriptions, and those are made once the
        // handshake is over: anything earlier is not from a NATS server.
        protocolError(QStringLiteral("a message arrived before the handshake was complete"));
        return;
    }
    m_inMsgs.fetch_add(1, std::memory_order_relaxed);
    m_inBytes.fetch_add(quint64(msg.headers.size() + msg.payload.size()),
                        std::memory_order_relaxed);
    SubscriptionPtr sub;
    {
        std::lock_guard lock(m_subsMu);
        sub = m_subs.value(msg.sid);
    }
    if (!sub)
        return; // a message already in flight when we unsubscribed
    const bool last = sub->reachedMax(msg.headers.size() + msg.payload.size());
    if (sub->m_inline) {
        sub->m_inline(msg);
        sub->countInline(msg.headers.size() + msg.payload.size());
    } else {
        const auto accepted = sub->enqueue(msg);
        if (accepted != Subscription::Accept::Queued) {
            m_slowDrops.fetch_add(1, std::memory_order_relaxed);
            if (accepted == Subscription::Accept::DroppedNewEpisode) {
                const SubscriptionStats st = sub->stats();
                reportError(Error{ErrorKind::SlowConsumer,
                                  QStringLiteral("slow consumer: subscription %1 on '%2' is "
                                                 "dropping messages (pending limit %3 msgs / %4 "
                                                 "reached)")
                                      .arg(sub->sid())
                                      .arg(QString::fromUtf8(sub->subject()))
                                      .arg(st.pendingMsgsLimit)
                                      .arg(sizeText(st.pendingBytesLimit))});
            }
        }
    }
    if (last) {
        {
            std::lock_guard lock(m_subsMu);
            m_subs.remove(msg.sid);
        }
        sub->markClosed(Error{});
    }
}

Result<SubscriptionPtr> Connection::addSubscription(QByteArrayView subject,
                                                    const SubscribeOptions& opts,
                                                    InlineHandler inlineHandler, QObject* context,
                                                    MessageCallback callback) {
    if (Status s = subject::validateSubscribe(subject); !s.ok())
        return s;
    if (!opts.queue.isEmpty())
        if (Status s = subject::validateQueue(opts.queue); !s.ok())
            return s;
    if (callback && !context)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("a subscription callback needs a context object")};

    std::lock_guard subsLock(m_subsMu);
    std::lock_guard lock(m_mu);
    if (m_state == State::Closed || m_state == State::Draining)
        return Error{ErrorKind::ConnectionClosed,
                     QStringLiteral("cannot subscribe to '%1': the connection is %2")
                         .arg(QString::fromUtf8(subject), m_state == State::Closed
                                                              ? QStringLiteral("closed")
                                                              : QStringLiteral("draining"))};
    const quint64 sid = ++m_nextSid;
    SubscriptionPtr sub(new Subscription(m_link, sid, subject.toByteArray(), opts.queue));
    sub->m_inline = std::move(inlineHandler);
    sub->m_callback = std::move(callback);
    sub->m_context = ContextGuard::make(context);
    sub->m_stats.pendingMsgsLimit =
        opts.pendingMsgsLimit < 0 ? m_options.subPendingMsgsLimit : opts.pendingMsgsLimit;
    sub->m_stats.pendingBytesLimit =
        opts.pendingBytesLimit < 0 ? m_options.subPendingBytesLimit : opts.pendingBytesLimit;
    sub->m_max = opts.autoUnsubscribeAfter;
    m_subs.insert(sid, sub);
    if (m_state == State::Connected) {
        frames::appendSub(m_out.control(), subject, opts.queue, sid);
        if (opts.autoUnsubscribeAfter > 0)
            frames::appendUnsub(m_out.control(), sid, opts.autoUnsubscribeAfter);
        kickFlushLocked();
    }
    return sub;
}

Result<SubscriptionPtr> Connection::subscribe(QByteArrayView subject,
                                              const SubscribeOptions& opts) {
    return addSubscription(subject, opts, {}, nullptr, {});
}

Result<SubscriptionPtr> Connection::subscribe(QByteArrayView subject, QObject* context,
                                              MessageCallback callback,
                                              const SubscribeOptions& opts) {
    if (!callback)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("empty subscription callback")};
    return addSubscription(subject, opts, {}, context, std::move(callback));
}

Result<SubscriptionPtr> Connection::subscribeInline(QByteArrayView subject, InlineHandler handler,
                                                    const SubscribeOptions& opts) {
    if (!handler)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("empty subscription handler")};
    return addSubscription(subject, opts, std::move(handler), nullptr, {});
}

Status Connection::removeSubscription(quint64 sid, quint64 max) {
    SubscriptionPtr sub;
    {
        std::lock_guard subsLock(m_subsMu);
        sub = m_subs.value(sid);
        if (!sub)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("subscription %1 is not active").arg(sid)};
        std::lock_guard lock(m_mu);
        const quint64 received = sub->stats().received;
        const bool now = max == 0 || received >= max;
        if (now) {
            m_subs.remove(sid);
        } else {
            std::lock_guard subLock(sub->m_mu);
            sub->m_max = max;
        }
        if (m_state == State::Connected) {
            frames::appendUnsub(m_out.control(), sid, now ? 0 : max);
            kickFlushLocked();
        }
        if (!now)
            return {};
    }
    sub->markClosed(
        Error{ErrorKind::ConnectionClosed,
              QStringLiteral("unsubscribed from '%1'").arg(QString::fromUtf8(sub->subject()))});
    return {};
}

} // namespace jetdeck
