#pragma once

#include "core/jetstream/deliveryqueue.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/redeliverytracker.h"

#include <QObject>
#include <QTimer>

#include <memory>
#include <mutex>

namespace jetdeck::js {

struct PushStats {
    quint64 delivered = 0;
    quint64 heartbeats = 0;
    quint64 flowControlReplies = 0;
    quint64 stalls = 0; ///< Nats-Consumer-Stalled answered
    quint64 missedHeartbeats = 0;
    quint64 resubscribes = 0;
    bool active = false; ///< heartbeats (or messages) arrive as configured
};

/// A durable push consumer: subscribes to its deliver subject (in its deliver group), answers
/// flow-control requests once the messages before them were handled, unblocks a stalled
/// consumer, and watches idle heartbeats: after two missed ones it marks the consumer inactive,
/// checks it still exists, and subscribes again.
class PushConsumer : public QObject {
    Q_OBJECT
public:
    using Handler = DeliveryQueue::Handler;

    PushConsumer(const JetStream& js, QString stream, QString consumer,
                 std::shared_ptr<RedeliveryTracker> tracker = {});
    ~PushConsumer() override;

    const QString& stream() const { return m_stream; }
    const QString& consumer() const { return m_consumer; }
    std::shared_ptr<RedeliveryTracker> tracker() const { return m_tracker; }

    /// Reads the consumer's configuration (deliver subject, group, heartbeat, flow control)
    /// and subscribes. The handler runs on the connection's thread when context is null, else
    /// in batches on context's thread. Blocking (one CONSUMER.INFO).
    Status start(Handler handler, QObject* context = nullptr);
    void stop();
    bool isActive() const;
    qint64 undelivered() const;
    PushStats stats() const;
    const ConsumerInfo& info() const { return m_info; }

signals:
    /// Heartbeats stopped or resumed (emitted on the connection's thread).
    void activeChanged(bool active);
    void failed(const jetdeck::Error& error);

private:
    Status subscribe();
    void onMessage(const MsgView& msg);
    void checkHeartbeat();
    void setActive(bool active);

    JetStream m_js;
    Connection* m_conn;
    QString m_stream;
    QString m_consumer;
    std::shared_ptr<RedeliveryTracker> m_tracker;
    ConsumerInfo m_info;
    std::shared_ptr<DeliveryQueue> m_queue;
    SubscriptionPtr m_sub;
    QTimer* m_heartbeatTimer = nullptr;
    qint64 m_heartbeatMs = 0;

    mutable std::mutex m_mu;
    PushStats m_stats;
    qint64 m_lastActivityMs = 0;
};

} // namespace jetdeck::js
