#include "pushconsumer.h"

#include "core/jetstream/jsinternal.h"

#include "core/base/clock.h"

#include <chrono>

namespace jetdeck::js {

PushConsumer::PushConsumer(const JetStream& js, QString stream, QString consumer,
                           std::shared_ptr<RedeliveryTracker> tracker)
    : m_js(js)
    , m_conn(js.connection())
    , m_stream(std::move(stream))
    , m_consumer(std::move(consumer))
    , m_tracker(std::move(tracker)) {
    if (!m_tracker)
        m_tracker = std::make_shared<RedeliveryTracker>(m_stream, m_consumer);
    m_heartbeatTimer = new QTimer(this);
    connect(m_heartbeatTimer, &QTimer::timeout, this, &PushConsumer::checkHeartbeat);
    moveToThread(m_conn->thread());
}

PushConsumer::~PushConsumer() {
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

Status PushConsumer::start(Handler handler, QObject* context) {
    if (!handler)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("a push consumer needs a handler")};
    auto info = m_js.consumerInfo(m_stream, m_consumer);
    if (!info)
        return info.error();
    if (!info->config.isPush())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1/%2 is a pull consumer; it has no deliver subject")
                         .arg(m_stream, m_consumer)};
    m_info = info.value();
    m_heartbeatMs = m_info.config.idleHeartbeatNs / 1000000;
    m_queue = std::make_shared<DeliveryQueue>(context, std::move(handler));
    if (Status s = subscribe(); !s.ok())
        return s;
    {
        std::lock_guard lock(m_mu);
        m_lastActivityMs = steadyNowMs();
        m_stats.active = true;
    }
    if (m_heartbeatMs > 0)
        QMetaObject::invokeMethod(m_heartbeatTimer, [this] {
            m_heartbeatTimer->start(int(qMax<qint64>(50, m_heartbeatMs)));
        });
    return {};
}

Status PushConsumer::subscribe() {
    SubscribeOptions so;
    so.queue = m_info.config.deliverGroup.toUtf8();
    // Flow control keeps the server from running ahead; the queue itself is unbounded here
    // so that nothing is dropped on the client behind the server's back.
    so.pendingMsgsLimit = 0;
    so.pendingBytesLimit = 0;
    auto sub = m_conn->subscribeInline(
        m_info.config.deliverSubject.toUtf8(), [this](const MsgView& m) { onMessage(m); }, so);
    if (!sub)
        return sub.error();
    m_sub = sub.value();
    return {};
}

void PushConsumer::stop() {
    QMetaObject::invokeMethod(m_heartbeatTimer, &QTimer::stop);
    if (m_queue)
        m_queue->stop();
    if (m_sub) {
        m_sub->unsubscribe();
        m_sub.reset();
    }
    setActive(false);
}

bool PushConsumer::isActive() const {
    std::lock_guard lock(m_mu);
    return m_stats.active;
}

qint64 PushConsumer::undelivered() const {
    return m_queue ? m_queue->undelivered() : 0;
}

PushStats PushConsumer::stats() const {
    std::lock_guard lock(m_mu);
    return m_stats;
}

void PushConsumer::setActive(bool active) {
    {
        std::lock_guard lock(m_mu);
        if (m_stats.active == active)
            return;
        m_stats.active = active;
    }
    emit activeChanged(active);
}

void PushConsumer::onMessage(const MsgView& msg) {
    {
        std::lock_guard lock(m_mu);
        m_lastActivityMs = steadyNowMs();
    }
    setActive(true);
    const int code = msg.payload.isEmpty() ? headerStatus(msg.headers) : 0;
    if (code == status::ControlMessage) {
        const Headers h = Headers::fromBlock(msg.headers);
        if (!msg.reply.isEmpty() && h.description().toLower().contains("flowcontrol")) {
            // Answer once everything before this request reached the application.
            const QByteArray reply = msg.reply.toByteArray();
            m_queue->pushAction([this, reply] {
                m_conn->publish(reply, {});
                std::lock_guard lock(m_mu);
                ++m_stats.flowControlReplies;
            });
            return;
        }
        std::lock_guard lock(m_mu);
        ++m_stats.heartbeats;
        const QByteArray stalled = h.value("Nats-Consumer-Stalled");
        if (!stalled.isEmpty()) {
            // The server waits for a flow-control answer we may have missed: unblock it.
            m_conn->publish(stalled, {});
            ++m_stats.stalls;
        }
        return;
    }
    if (code != 0)
        return; // other statuses carry nothing for a push consumer
    JsMessage jm(Message(msg), m_conn, trackerObserver(m_tracker));
    m_tracker->onDelivered(jm);
    {
        std::lock_guard lock(m_mu);
        ++m_stats.delivered;
    }
    m_queue->push(std::move(jm));
}

void PushConsumer::checkHeartbeat() {
    {
        std::lock_guard lock(m_mu);
        if (m_heartbeatMs <= 0 || steadyNowMs() - m_lastActivityMs <= 2 * m_heartbeatMs)
            return;
        ++m_stats.missedHeartbeats;
        m_lastActivityMs = steadyNowMs(); // one re-subscription per two missed intervals
    }
    setActive(false);
    // Is the consumer still there? (Removed, or an inactive threshold ran out.)
    m_js.requestAsync(QByteArray("CONSUMER.INFO." + m_stream.toUtf8() + '.' + m_consumer.toUtf8()),
                      {}, this, [this](const Result<nlohmann::json>& r) {
                          if (!r && r.error().kind == ErrorKind::NotFound) {
                              m_heartbeatTimer->stop();
                              emit failed(Error{ErrorKind::NotFound,
                                                QStringLiteral("push consumer %1/%2 no longer "
                                                               "exists: %3")
                                                    .arg(m_stream, m_consumer, r.error().message)});
                              return;
                          }
                          if (!m_conn->isConnected())
                              return; // the reconnect restores the subscription
                          if (m_sub)
                              m_sub->unsubscribe();
                          m_sub.reset();
                          if (subscribe().ok()) {
                              std::lock_guard lock(m_mu);
                              ++m_stats.resubscribes;
                          }
                      });
}

} // namespace jetdeck::js
