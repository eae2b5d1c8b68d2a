#include "pullconsumer.h"

#include "core/jetstream/jsinternal.h"

#include "core/base/clock.h"

#include <QThread>

#include <chrono>

namespace jetdeck::js {

namespace {

QByteArray pullBody(int batch, int expiresMs, qint64 maxBytes, bool noWait, int heartbeatMs) {
    QByteArray b = "{\"batch\":" + QByteArray::number(batch);
    if (expiresMs > 0)
        b += ",\"expires\":" + QByteArray::number(qint64(expiresMs) * 1000000);
    if (maxBytes > 0)
        b += ",\"max_bytes\":" + QByteArray::number(maxBytes);
    if (noWait)
        b += ",\"no_wait\":true";
    if (heartbeatMs > 0)
        b += ",\"idle_heartbeat\":" + QByteArray::number(qint64(heartbeatMs) * 1000000);
    b += '}';
    return b;
}

QString statusDescription(QByteArrayView headers) {
    // "NATS/1.0 408 Request Timeout\r\n..." -> "Request Timeout"
    const qsizetype eol = headers.indexOf("\r\n");
    const QByteArrayView first = eol < 0 ? headers : headers.first(eol);
    return first.size() > 13 ? QString::fromUtf8(first.sliced(13)).trimmed() : QString();
}

} // namespace

PullConsumer::PullConsumer(const JetStream& js, QString stream, QString consumer,
                           std::shared_ptr<RedeliveryTracker> tracker)
    : m_js(js)
    , m_conn(js.connection())
    , m_stream(std::move(stream))
    , m_consumer(std::move(consumer))
    , m_tracker(std::move(tracker)) {
    if (!m_tracker)
        m_tracker = std::make_shared<RedeliveryTracker>(m_stream, m_consumer);
    m_nextSubject = js.apiSubject(
        QByteArray("CONSUMER.MSG.NEXT." + m_stream.toUtf8() + '.' + m_consumer.toUtf8()));
    m_heartbeatTimer = new QTimer(this);
    connect(m_heartbeatTimer, &QTimer::timeout, this, &PullConsumer::checkHeartbeat);
    moveToThread(m_conn->thread());
    connect(m_conn, &Connection::stateChanged, this, &PullConsumer::onStateChanged);
    m_reconnectsSeen = m_conn->stats().reconnects;
}

PullConsumer::~PullConsumer() {
    if (m_queue)
        m_queue->stop();
    // The heartbeat timer and the subscription live on the connection's thread: stop them
    // there (see ~AsyncPublisher).
    detail::runOnThreadOf(this, [this] {
        m_heartbeatTimer->stop();
        if (m_sub)
            m_sub->unsubscribe();
    });
}

Status PullConsumer::ensureSubscribed() {
    if (m_sub)
        return {};
    if (Status s = validateName(m_stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (Status s = validateName(m_consumer, QStringLiteral("consumer name")); !s.ok())
        return s;
    m_prefix = m_conn->newInbox() + '.';
    auto sub = m_conn->subscribeInline(QByteArray(m_prefix + '*'),
                                       [this](const MsgView& m) { onMessage(m); });
    if (!sub)
        return sub.error();
    m_sub = sub.value();
    return {};
}

Result<FetchOutcome> PullConsumer::fetch(const FetchOptions& options) {
    if (options.batch <= 0)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("fetch batch must be positive")};
    if (!options.noWait && options.expiresMs <= 0)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("fetch needs an expiry, or no_wait")};
    if (Status s = ensureSubscribed(); !s.ok())
        return s;
    auto f = std::make_shared<Fetch>();
    f->batch = options.batch;
    {
        std::lock_guard lock(m_mu);
        if (m_fetch)
            return Error{
                ErrorKind::InvalidArgument,
                QStringLiteral("a fetch on %1/%2 is already running").arg(m_stream, m_consumer)};
        f->token = ++m_nextToken;
        m_fetch = f;
        ++m_stats.pulls;
    }
    const QByteArray body = pullBody(options.batch, options.noWait ? 0 : options.expiresMs,
                                     options.maxBytes, options.noWait, 0);
    if (Status s = m_conn->publishRaw(
            m_nextSubject, QByteArray(m_prefix + QByteArray::number(f->token)), {}, body);
        !s.ok()) {
        std::lock_guard lock(m_mu);
        m_fetch.reset();
        return s;
    }
    // The server ends the pull itself (408) at the expiry; a margin covers the round trip.
    const int waitMs = (options.noWait ? 0 : options.expiresMs) + 2000;
    auto done = [this, f] {
        std::lock_guard lock(m_mu);
        return f->done;
    };
    if (QThread::currentThread() == m_conn->thread()) {
        m_conn->waitFor(done, waitMs);
    } else {
        std::unique_lock lock(m_mu);
        m_cv.wait_for(lock, std::chrono::milliseconds(waitMs), [&] { return f->done; });
    }
    std::lock_guard lock(m_mu);
    m_fetch.reset();
    if (!f->done && f->outcome.messages.isEmpty())
        return Error{ErrorKind::Timeout,
                     QStringLiteral("no answer to the pull on %1/%2 within %3 ms")
                         .arg(m_stream, m_consumer)
                         .arg(waitMs)};
    return f->outcome;
}

Status PullConsumer::consume(Handler handler, const ConsumeOptions& options, QObject* context) {
    if (!handler)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("consume needs a handler")};
    if (options.batch <= 0 || options.expiresMs <= 0 || options.thresholdPercent < 0 ||
        options.thresholdPercent > 100)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("consume needs a positive batch and expiry and a threshold "
                                    "of 0..100 %")};
    if (options.heartbeatMs > 0 && options.heartbeatMs * 2 > options.expiresMs)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("the idle heartbeat must be at most half the expiry")};
    if (Status s = ensureSubscribed(); !s.ok())
        return s;
    {
        std::lock_guard lock(m_mu);
        if (m_consuming)
            return Error{
                ErrorKind::InvalidArgument,
                QStringLiteral("%1/%2 is already being consumed").arg(m_stream, m_consumer)};
        m_consuming = true;
        m_consumeOpts = options;
        m_queue = std::make_shared<DeliveryQueue>(context, std::move(handler));
        m_lastActivityMs = steadyNowMs();
    }
    QMetaObject::invokeMethod(this, [this] {
        if (m_consumeOpts.heartbeatMs > 0)
            m_heartbeatTimer->start(m_consumeOpts.heartbeatMs);
        maybePull();
    });
    return {};
}

void PullConsumer::stop() {
    std::shared_ptr<DeliveryQueue> q;
    {
        std::lock_guard lock(m_mu);
        m_consuming = false;
        m_remaining.clear();
        m_stats.pending = 0;
        q = std::move(m_queue);
    }
    if (q)
        q->stop();
    QMetaObject::invokeMethod(m_heartbeatTimer, &QTimer::stop);
}

bool PullConsumer::isConsuming() const {
    std::lock_guard lock(m_mu);
    return m_consuming;
}

qint64 PullConsumer::undelivered() const {
    std::lock_guard lock(m_mu);
    return m_queue ? m_queue->undelivered() : 0;
}

PullStats PullConsumer::stats() const {
    std::lock_guard lock(m_mu);
    return m_stats;
}

void PullConsumer::pull(int count) {
    // m_mu not held.
    quint64 token = 0;
    ConsumeOptions o;
    {
        std::lock_guard lock(m_mu);
        if (!m_consuming || count <= 0)
            return;
        o = m_consumeOpts;
        token = ++m_nextToken;
        m_remaining.insert(token, count);
        m_stats.pending += count;
        ++m_stats.pulls;
    }
    const QByteArray body = pullBody(count, o.expiresMs, o.maxBytes, false, o.heartbeatMs);
    if (!m_conn
             ->publishRaw(m_nextSubject, QByteArray(m_prefix + QByteArray::number(token)), {}, body)
             .ok()) {
        std::lock_guard lock(m_mu);
        m_stats.pending -= m_remaining.take(token);
    }
}

void PullConsumer::maybePull() {
    int want = 0;
    {
        std::lock_guard lock(m_mu);
        if (!m_consuming || m_conn->state() != ConnectionState::Connected)
            return;
        const int batch = m_consumeOpts.batch;
        const qint64 threshold = qint64(batch) * m_consumeOpts.thresholdPercent / 100;
        if (m_stats.pending <= threshold)
            want = int(batch - m_stats.pending);
    }
    if (want > 0)
        pull(want);
}

void PullConsumer::resetPulls() {
    std::lock_guard lock(m_mu);
    m_remaining.clear();
    m_stats.pending = 0;
}

void PullConsumer::onMessage(const MsgView& msg) {
    const int code = msg.payload.isEmpty() ? headerStatus(msg.headers) : 0;
    if (code != 0) {
        // Statuses come on the pull's own reply subject: the token says which pull ended.
        bool ok = false;
        const quint64 token =
            msg.subject.startsWith(m_prefix)
                ? QByteArrayView(msg.subject).sliced(m_prefix.size()).toULongLong(&ok)
                : 0;
        onStatus(ok ? token : 0, code, statusDescription(msg.headers));
        return;
    }
    Message m(msg);
    JsMessage jm(m, m_conn, trackerObserver(m_tracker));
    m_tracker->onDelivered(jm);
    if (m_arrivals && jm.hasMetadata())
        m_arrivals(jm.metadata());

    std::shared_ptr<DeliveryQueue> queue;
    bool forFetch = false;
    {
        std::lock_guard lock(m_mu);
        m_lastActivityMs = steadyNowMs();
        ++m_stats.delivered;
        // A delivery carries the stream's subject, not our inbox: it is for the fetch under
        // way, or for the oldest pull of a consume (the server serves pulls in order).
        if (m_fetch && !m_fetch->done) {
            m_fetch->outcome.messages.append(jm);
            if (m_fetch->outcome.messages.size() >= m_fetch->batch)
                m_fetch->done = true;
            forFetch = true;
        } else if (m_consuming) {
            auto it = m_remaining.begin();
            if (it != m_remaining.end()) {
                --m_stats.pending;
                if (--it.value() <= 0)
                    m_remaining.erase(it);
            }
            queue = m_queue;
        }
    }
    if (forFetch) {
        m_cv.notify_all();
        return;
    }
    if (queue) {
        queue->push(std::move(jm));
        maybePull();
    }
    // Otherwise: a message for a fetch that already ended. It stays unacknowledged and the
    // server redelivers it after the ack wait.
}

void PullConsumer::onStatus(quint64 token, int code, const QString& text) {
    bool repull = false;
    Error fatal;
    {
        std::lock_guard lock(m_mu);
        m_lastActivityMs = steadyNowMs();
        m_stats.lastStatus = QString::number(code) + QLatin1Char(' ') + text;
        switch (code) {
        case status::ControlMessage:
            ++m_stats.heartbeats;
            break;
        case status::NotFound:
            ++m_stats.noMessages;
            break;
        case status::RequestTimeout:
            ++m_stats.expired;
            break;
        case status::Conflict:
            ++m_stats.conflicts;
            break;
        default:
            break;
        }
        if (code != status::ControlMessage) {
            if (m_fetch && m_fetch->token == token && !m_fetch->done) {
                m_fetch->outcome.status = code;
                m_fetch->outcome.statusText = text;
                m_fetch->done = true;
            }
            if (m_consuming) {
                if (code == status::Conflict &&
                    (text.contains(QLatin1String("Consumer Deleted"), Qt::CaseInsensitive) ||
                     text.contains(QLatin1String("Consumer is push based"), Qt::CaseInsensitive))) {
                    fatal = Error{ErrorKind::NotFound, QStringLiteral("consuming %1/%2 stopped: %3")
                                                           .arg(m_stream, m_consumer, text)};
                    m_consuming = false;
                } else if (code == status::Conflict &&
                           text.contains(QLatin1String("Leadership Change"), Qt::CaseInsensitive)) {
                    // Every outstanding pull is void on the new leader: start over.
                    m_remaining.clear();
                    m_stats.pending = 0;
                    ++m_stats.repullsAfterConflict;
                    repull = true;
                } else {
                    // The pull ended (expired, or a limit): what it still owed will not come.
                    m_stats.pending -= m_remaining.take(token);
                    repull = true;
                }
            }
        }
    }
    m_cv.notify_all();
    emit statusReceived(code, text);
    if (!fatal.ok()) {
        m_heartbeatTimer->stop();
        emit failed(fatal);
        return;
    }
    if (repull)
        maybePull();
}

void PullConsumer::onStateChanged(ConnectionState state) {
    if (state != ConnectionState::Connected)
        return;
    const quint64 reconnects = m_conn->stats().reconnects;
    if (reconnects <= m_reconnectsSeen)
        return;
    m_reconnectsSeen = reconnects;
    // The server forgot our pulls with the old connection: ask again.
    bool consuming = false;
    {
        std::lock_guard lock(m_mu);
        consuming = m_consuming;
        if (consuming)
            ++m_stats.repullsAfterReconnect;
    }
    resetPulls();
    if (consuming)
        maybePull();
}

void PullConsumer::checkHeartbeat() {
    bool missed = false;
    {
        std::lock_guard lock(m_mu);
        if (!m_consuming || m_consumeOpts.heartbeatMs <= 0 || m_stats.pending <= 0)
            return;
        if (steadyNowMs() - m_lastActivityMs > 2 * qint64(m_consumeOpts.heartbeatMs)) {
            ++m_stats.missedHeartbeats;
            m_remaining.clear();
            m_stats.pending = 0;
            m_lastActivityMs = steadyNowMs();
            missed = true;
        }
    }
    if (missed)
        maybePull();
}

} // namespace jetdeck::js
