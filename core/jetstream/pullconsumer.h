#pragma once

#include "core/jetstream/deliveryqueue.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/redeliverytracker.h"

#include <QMap>
#include <QObject>
#include <QTimer>

#include <condition_variable>
#include <memory>
#include <mutex>

namespace jetdeck::js {

struct FetchOptions {
    int batch = 1;
    int expiresMs = 5000; ///< how long the server holds the request
    qint64 maxBytes = 0;  ///< 0: no limit
    bool noWait = false;  ///< answer at once: 404 when nothing is pending
};

/// What one fetch brought: the messages, and the status that ended it (0 when the batch
/// filled; 404 no messages, 408 request expired, 409 conflict such as a leadership change).
struct FetchOutcome {
    QList<JsMessage> messages;
    int status = 0;
    QString statusText;
};

struct ConsumeOptions {
    int batch = 100;           ///< messages asked for per pull
    int thresholdPercent = 50; ///< pull again when fewer than this share are still to come
    int expiresMs = 30000;
    int heartbeatMs = 5000; ///< idle heartbeat the server sends while a pull waits
    qint64 maxBytes = 0;
};

struct PullStats {
    quint64 pulls = 0;
    quint64 delivered = 0;
    quint64 noMessages = 0; ///< 404
    quint64 expired = 0;    ///< 408
    quint64 conflicts = 0;  ///< 409
    quint64 heartbeats = 0; ///< 100
    quint64 missedHeartbeats = 0;
    quint64 repullsAfterReconnect = 0;
    quint64 repullsAfterConflict = 0;
    qint64 pending = 0; ///< messages asked for and not yet received
    QString lastStatus;
};

/// A pull consumer: fetch a batch at a time, or consume continuously (pulling again before
/// the previous pull runs dry, re-pulling after a reconnect, a 409 leadership change or a
/// missed heartbeat). Each pull carries its own reply token so a stale status from an
/// earlier pull is recognised and does not end a newer one.
class PullConsumer : public QObject {
    Q_OBJECT
public:
    using Handler = DeliveryQueue::Handler;

    PullConsumer(const JetStream& js, QString stream, QString consumer,
                 std::shared_ptr<RedeliveryTracker> tracker = {});
    ~PullConsumer() override;

    const QString& stream() const { return m_stream; }
    const QString& consumer() const { return m_consumer; }
    std::shared_ptr<RedeliveryTracker> tracker() const { return m_tracker; }

    /// One pull, waiting for it to end. Blocking (on the connection's thread it drives the
    /// socket itself).
    Result<FetchOutcome> fetch(const FetchOptions& options);

    /// Continuous delivery to `handler`: on the connection's thread when context is null, else
    /// in batches on context's thread.
    Status consume(Handler handler, const ConsumeOptions& options = {}, QObject* context = nullptr);
    void stop();
    bool isConsuming() const;
    /// Messages handed to the consume handler and still being handled or queued for it.
    qint64 undelivered() const;
    PullStats stats() const;
    /// Called on the connection's thread for every message that reaches this consumer, before
    /// it is handed on (diagnostics: what the server delivered, whatever became of it). Set it
    /// before consuming.
    void setArrivalObserver(std::function<void(const JsMetadata&)> observer) {
        m_arrivals = std::move(observer);
    }

signals:
    /// A status from the server (404, 408, 409, 100), emitted on the connection's thread.
    void statusReceived(int code, const QString& text);
    /// The consumer is gone or refuses pulls; consuming stopped.
    void failed(const jetdeck::Error& error);

private:
    Status ensureSubscribed();
    void onMessage(const MsgView& msg);
    void onStatus(quint64 token, int code, const QString& text);
    void pull(int count);
    void maybePull();
    void resetPulls();
    void onStateChanged(ConnectionState state);
    void checkHeartbeat();

    JetStream m_js;
    Connection* m_conn;
    QString m_stream;
    QString m_consumer;
    QByteArray m_nextSubject;
    std::shared_ptr<RedeliveryTracker> m_tracker;
    std::function<void(const JsMetadata&)> m_arrivals;
    QByteArray m_prefix;
    SubscriptionPtr m_sub;
    QTimer* m_heartbeatTimer = nullptr;
    quint64 m_reconnectsSeen = 0;

    mutable std::mutex m_mu;
    std::condition_variable m_cv;
    quint64 m_nextToken = 0;
    PullStats m_stats;
    qint64 m_lastActivityMs = 0;

    // The fetch in progress.
    struct Fetch {
        quint64 token = 0;
        int batch = 0;
        FetchOutcome outcome;
        bool done = false;
    };
    std::shared_ptr<Fetch> m_fetch;

    // Continuous consume.
    bool m_consuming = false;
    ConsumeOptions m_consumeOpts;
    std::shared_ptr<DeliveryQueue> m_queue;
    QMap<quint64, int> m_remaining; ///< pull token -> messages still to come, oldest first
};

} // namespace jetdeck::js
