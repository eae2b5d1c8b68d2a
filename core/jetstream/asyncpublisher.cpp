#include "asyncpublisher.h"

#include "core/base/clock.h"
#include "core/base/windowedhistogram.h"
#include "core/client/nuid.h"
#include "core/jetstream/jsinternal.h"
#include "core/protocol/frames.h"

#include <QThread>
#include <QVarLengthArray>

#include <chrono>
#include <cstring>
#include <optional>

namespace jetdeck::js {

namespace {

constexpr int kTimeoutCheckMs = 100;

} // namespace

AsyncPublisher::AsyncPublisher(Connection* connection, AsyncPublishConfig config)
    : m_conn(connection)
    , m_cfg(config) {
    m_timer = new QTimer(this);
    m_timer->setInterval(kTimeoutCheckMs);
    connect(m_timer, &QTimer::timeout, this, &AsyncPublisher::checkTimeouts);
    // Acks, timeouts and reconnects are all handled on the connection's thread.
    moveToThread(connection->thread());
    connect(connection, &Connection::stateChanged, this, &AsyncPublisher::onStateChanged);
    m_reconnectsSeen = connection->stats().reconnects;
    m_idPrefix = Nuid::global().left(12) + '-';
}

AsyncPublisher::~AsyncPublisher() {
    // The timer and the ack subscription live on the connection's thread: stop them there. From
    // another thread Qt cannot stop the timer (it would fire for the deleted object), and an ack
    // may be in onAck() at this moment.
    detail::runOnThreadOf(this, [this] {
        m_timer->stop();
        if (m_sub)
            m_sub->unsubscribe();
    });
}

Status AsyncPublisher::start() {
    if (m_sub)
        return {};
    m_prefix = m_conn->newInbox() + '.';
    auto sub =
        m_conn->subscribeInline(QByteArray(m_prefix + '*'), [this](const MsgView& m) { onAck(m); });
    if (!sub)
        return sub.error();
    m_sub = sub.value();
    QMetaObject::invokeMethod(m_timer, qOverload<>(&QTimer::start), Qt::AutoConnection);
    return {};
}

void AsyncPublisher::setLatencyProbe(std::shared_ptr<metrics::WindowedHistogram> probe) {
    m_ackProbe.store(std::move(probe));
}

void AsyncPublisher::setAckHandler(AckHandler handler) {
    std::lock_guard lock(m_mu);
    m_handler = std::move(handler);
}

AsyncPublishStats AsyncPublisher::stats() const {
    std::lock_guard lock(m_mu);
    AsyncPublishStats s = m_stats;
    s.inFlight = m_inFlight;
    return s;
}
qint64 AsyncPublisher::inFlight() const {
    std::lock_guard lock(m_mu);
    return m_inFlight;
}

qint64 AsyncPublisher::resendAt(const Pending& p, qint64 sentAtMs) const {
    return p.republish && m_cfg.resendAfterMs > 0 ? sentAtMs + m_cfg.resendAfterMs : 0;
}

AsyncPublisher::Pending* AsyncPublisher::pendingLocked(quint64 id) {
    if (id < m_firstId || id - m_firstId >= m_window.size())
        return nullptr;
    Pending& p = m_window[size_t(id - m_firstId)];
    return p.done ? nullptr : &p;
}

bool AsyncPublisher::takeLocked(quint64 id) {
    Pending* found = pendingLocked(id);
    if (!found)
        return false;
    Pending& p = *found;
    p.done = true;
    p.subject.clear();
    p.headerBlock.clear();
    p.payload.clear();
    --m_inFlight;
    while (!m_window.empty() && m_window.front().done) {
        m_window.pop_front();
        ++m_firstId;
    }
    return true;
}
bool AsyncPublisher::roomLocked() {
    if (m_stalled && m_inFlight > m_cfg.maxInFlight - qMax(1, m_cfg.maxInFlight / 4))
        return false;
    m_stalled = m_inFlight >= m_cfg.maxInFlight;
    return !m_stalled;
}

bool AsyncPublisher::hasRoom() {
    std::lock_guard lock(m_mu);
    return roomLocked();
}

void AsyncPublisher::setLatencyObserver(std::function<void(quint64)> observer) {
    m_latencyObserver = std::move(observer);
}

Result<quint64> AsyncPublisher::publish(QByteArrayView subject, QByteArrayView payload,
                                        const PublishOptions& options, const Headers* headers,
                                        int windowWaitMs) {
    if (!m_sub)
        if (Status s = start(); !s.ok())
            return s;
    // Room in the window first. Once it was full, wait until a quarter drained: refilling in
    // bursts makes larger writes, which the server handles more cheaply than a trickle.
    auto room = [this] {
        std::lock_guard lock(m_mu);
        return roomLocked();
    };
    if (!room()) {
        const qint64 deadline = steadyNowMs() + windowWaitMs;
        if (QThread::currentThread() == m_conn->thread()) {
            // Read acks here: no event loop runs while this thread waits.
            while (!room() && steadyNowMs() < deadline) {
                checkTimeouts();
                m_conn->waitFor(room, int(qMin<qint64>(kTimeoutCheckMs, deadline - steadyNowMs())));
            }
        } else {
            std::unique_lock lock(m_mu);
            m_cv.wait_for(lock, std::chrono::milliseconds(windowWaitMs), [&] {
                return m_inFlight <= m_cfg.maxInFlight - qMax(1, m_cfg.maxInFlight / 4);
            });
            m_stalled = m_inFlight >= m_cfg.maxInFlight;
        }
        if (!room())
            return Error{ErrorKind::Timeout,
                         QStringLiteral("%1 publishes are waiting for their PubAck; no room in "
                                        "the window after %2 ms")
                             .arg(m_cfg.maxInFlight)
                             .arg(windowWaitMs)};
    }

    PublishOptions opts = options;
    QByteArray headerBlock;
    const bool anyHeader = headers || m_cfg.autoMsgIds || !opts.msgId.isEmpty() ||
                           !opts.expectedStream.isEmpty() || opts.expectedLastSeq ||
                           opts.expectedLastSubjectSeq || !opts.expectedLastMsgId.isEmpty();
    quint64 id = 0;
    {
        // Registered before the publish: the ack can arrive before publish() returns.
        // Everything that can refuse the publish comes before the entry exists: a refused
        // publish must not leave a pending entry that times out later.
        std::lock_guard lock(m_mu);
        const quint64 next = m_nextId + 1;
        if (m_cfg.autoMsgIds && opts.msgId.isEmpty())
            opts.msgId = m_idPrefix + QByteArray::number(next);
        if (anyHeader) {
            Headers h = headers ? *headers : Headers();
            opts.applyTo(h);
            for (const auto& e : h.entries())
                if (!Headers::isValidKey(e.first) || !Headers::isValidValue(e.second))
                    return Error{ErrorKind::InvalidArgument,
                                 QStringLiteral("invalid header '%1': keys need printable "
                                                "characters without ':' or spaces, values no "
                                                "line breaks")
                                     .arg(QString::fromUtf8(e.first))};
            if (!h.isEmpty())
                headerBlock = h.toBlock();
        }
        id = ++m_nextId;
        Pending p;
        p.sentNs = steadyNowNs();
        p.deadlineMs = p.sentNs / 1000000 + m_cfg.ackTimeoutMs;
        p.direct = m_conn->state() == ConnectionState::Connected;
        p.retriesLeft = qMax(0, opts.retryAttempts);
        p.retryWaitMs = qMax(1, opts.retryWaitMs);
        p.republish = m_cfg.republishOnReconnect && !opts.msgId.isEmpty();
        p.resendAtMs = resendAt(p, steadyNowMs());
        if (p.republish || p.retriesLeft > 0) {
            p.subject = subject.toByteArray();
            p.headerBlock = headerBlock;
            p.payload = payload.toByteArray();
        }
        if (m_window.empty())
            m_firstId = id;
        m_window.push_back(std::move(p));
        ++m_inFlight;
        ++m_stats.published;
    }
    // The reply subject on the stack, whatever the inbox prefix's length.
    const qsizetype n = m_prefix.size();
    QVarLengthArray<char, 128> reply(n + 24);
    std::memcpy(reply.data(), m_prefix.constData(), size_t(n));
    const qsizetype len =
        n + qsizetype(frames::writeDecimal(reply.data() + n, id) - (reply.data() + n));
    if (Status s =
            m_conn->publishRaw(subject, QByteArrayView(reply.data(), len), headerBlock, payload);
        !s.ok()) {
        std::lock_guard lock(m_mu);
        takeLocked(id);
        --m_stats.published; // never accepted: the caller got the error
        return s;
    }
    return id;
}
Status AsyncPublisher::waitComplete(int timeoutMs) {
    auto done = [this] {
        std::lock_guard lock(m_mu);
        return m_inFlight == 0 && m_reporting == 0;
    };
    const qint64 deadline = steadyNowMs() + timeoutMs;
    if (QThread::currentThread() == m_conn->thread()) {
        while (!done() && steadyNowMs() < deadline) {
            checkTimeouts();
            m_conn->waitFor(done, int(qMin<qint64>(kTimeoutCheckMs, deadline - steadyNowMs())));
        }
    } else {
        std::unique_lock lock(m_mu);
        m_cv.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                      [&] { return m_inFlight == 0 && m_reporting == 0; });
    }
    if (done())
        return {};
    return Error{ErrorKind::Timeout, QStringLiteral("%1 publishes still wait for their PubAck "
                                                    "after %2 ms")
                                         .arg(inFlight())
                                         .arg(timeoutMs)};
}

namespace {

/// The common PubAck, `{"stream":"NAME","seq":N[,"duplicate":true][,"domain":"D"]}`, read
/// without a JSON parser; anything else (an error envelope) goes the long way.
std::optional<PubAck> quickPubAck(QByteArrayView p) {
    if (!p.startsWith("{\"stream\":\"") || p.contains("\"error\""))
        return std::nullopt;
    PubAck a;
    qsizetype i = 11;
    const qsizetype endName = p.indexOf('"', i);
    if (endName < 0)
        return std::nullopt;
    a.stream = QString::fromUtf8(p.sliced(i, endName - i));
    const qsizetype seq = p.indexOf("\"seq\":", endName);
    if (seq < 0)
        return std::nullopt;
    i = seq + 6;
    quint64 n = 0;
    qsizetype digits = 0;
    while (i < p.size() && p[i] >= '0' && p[i] <= '9' && digits < 20) {
        n = n * 10 + quint64(p[i] - '0');
        ++i;
        ++digits;
    }
    if (digits == 0)
        return std::nullopt;
    a.seq = n;
    // Rare: the full parser reads them (the server writes `"duplicate": true` with a space).
    if (p.indexOf("\"duplicate\"", i) >= 0 || p.indexOf("\"domain\"", i) >= 0)
        return std::nullopt;
    return a;
}

} // namespace

void AsyncPublisher::onAck(const MsgView& msg) {
    quint64 id = 0;
    // Only our own reply subjects: a frame with this sid but another subject acks nothing.
    if (msg.subject.size() <= m_prefix.size() || !msg.subject.startsWith(m_prefix) ||
        !frames::parseDecimal(msg.subject.sliced(m_prefix.size()), &id))
        return;
    const bool noResponders = headerStatus(msg.headers) == status::NoResponders;
    qint64 sentNs = 0;
    {
        std::lock_guard lock(m_mu);
        Pending* p = pendingLocked(id);
        if (!p)
            return; // timed out already, or a second ack after a republish
        if (noResponders && (p->retryAtMs > 0 || p->retriesLeft > 0)) {
            // Nothing was stored (no stream, or no leader while one is elected): the timer sends
            // it again after the retry wait.
            if (p->retryAtMs == 0) {
                --p->retriesLeft;
                p->retryAtMs = steadyNowMs() + p->retryWaitMs;
            }
            return;
        }
        sentNs = p->sentNs;
        takeLocked(id);
        ++m_reporting;
    }
    if (!noResponders) {
        const quint64 us = quint64(qMax<qint64>(0, (steadyNowNs() - sentNs) / 1000));
        if (const auto probe = m_ackProbe.load())
            probe->record(us);
        if (m_latencyObserver)
            m_latencyObserver(us);
    }
    if (noResponders) {
        complete(id, Error{ErrorKind::NoResponders,
                           QStringLiteral("no stream stores this subject (no responders)")});
        return;
    }
    if (auto quick = quickPubAck(msg.payload)) {
        complete(id, *quick);
        return;
    }
    auto json = parseApiResponse(msg.payload);
    complete(id, json ? PubAck::fromJson(json.value()) : Result<PubAck>(json.error()));
}
void AsyncPublisher::complete(quint64 id, const Result<PubAck>& result) {
    AckHandler handler;
    {
        std::lock_guard lock(m_mu);
        if (result) {
            ++m_stats.acked;
            if (result->duplicate)
                ++m_stats.duplicates;
        } else if (result.error().kind == ErrorKind::Timeout) {
            ++m_stats.timedOut;
        } else {
            ++m_stats.failed;
        }
        handler = m_handler;
    }
    if (handler)
        handler(id, result);
    {
        // Only now is the outcome complete for waitComplete().
        std::lock_guard lock(m_mu);
        --m_reporting;
    }
    m_cv.notify_all();
}

void AsyncPublisher::checkTimeouts() {
    const qint64 now = steadyNowMs();
    QList<quint64> expired;
    QList<std::pair<quint64, Pending>> resend;
    {
        std::lock_guard lock(m_mu);
        // Retries move deadlines out of id order: look at every publish in flight (at most
        // maxInFlight of them).
        const bool connected = m_conn->state() == ConnectionState::Connected;
        for (size_t i = 0; i < m_window.size(); ++i) {
            Pending& p = m_window[i];
            if (p.done)
                continue;
            if (p.retryAtMs > 0) {
                if (p.retryAtMs <= now) {
                    p.retryAtMs = 0;
                    p.deadlineMs = now + m_cfg.ackTimeoutMs;
                    p.resendAtMs = resendAt(p, now);
                    p.direct = connected;
                    resend.append({m_firstId + i, p});
                    ++m_stats.retried;
                }
                continue;
            }
            if (p.deadlineMs <= now) {
                expired.append(m_firstId + i);
            } else if (p.resendAtMs > 0 && p.resendAtMs <= now && connected) {
                // While disconnected, the reconnect republishes it.
                p.resendAtMs = resendAt(p, now);
                p.direct = true;
                resend.append({m_firstId + i, p});
                ++m_stats.resent;
            }
        }
        for (quint64 id : std::as_const(expired))
            takeLocked(id);
        m_reporting += expired.size();
    }
    for (const auto& [id, p] : std::as_const(resend))
        m_conn->publishRaw(p.subject, QByteArray(m_prefix + QByteArray::number(id)), p.headerBlock,
                           p.payload); // if refused, its deadline reports it
    for (quint64 id : std::as_const(expired))
        complete(id, Error{ErrorKind::Timeout,
                           QStringLiteral("no PubAck within %1 ms").arg(m_cfg.ackTimeoutMs)});
}
void AsyncPublisher::onStateChanged(ConnectionState state) {
    if (state != ConnectionState::Connected)
        return;
    const quint64 reconnects = m_conn->stats().reconnects;
    if (reconnects <= m_reconnectsSeen)
        return;
    m_reconnectsSeen = reconnects;
    // What was written before the loss may be stored without its ack, or lost: publish again
    // what has a msg id (the stream keeps one copy); report the rest as unknown.
    QList<std::pair<quint64, Pending>> again;
    QList<quint64> lost;
    {
        std::lock_guard lock(m_mu);
        const qint64 deadline = steadyNowMs() + m_cfg.ackTimeoutMs;
        for (size_t i = 0; i < m_window.size(); ++i) {
            Pending& p = m_window[i];
            if (p.done || p.retryAtMs > 0)
                continue; // a publish waiting for its retry is sent by the timer
            if (!p.direct) {
                p.direct = true; // went out from the outbound queue with this reconnect
            } else if (p.republish) {
                p.deadlineMs = deadline;
                p.resendAtMs = resendAt(p, deadline - m_cfg.ackTimeoutMs);
                again.append({m_firstId + i, p});
            } else {
                lost.append(m_firstId + i);
            }
        }
        for (quint64 id : std::as_const(lost))
            takeLocked(id);
        m_reporting += lost.size();
    }
    for (const auto& [id, p] : std::as_const(again)) {
        if (!m_conn
                 ->publishRaw(p.subject, QByteArray(m_prefix + QByteArray::number(id)),
                              p.headerBlock, p.payload)
                 .ok())
            continue; // the timeout will report it
        std::lock_guard lock(m_mu);
        ++m_stats.republished;
    }
    for (quint64 id : std::as_const(lost))
        complete(id, Error{ErrorKind::NotConnected,
                           QStringLiteral("the connection was lost before the PubAck came; "
                                          "without a Nats-Msg-Id it is not published again "
                                          "(the stream may or may not have it)")});
}

} // namespace jetdeck::js
