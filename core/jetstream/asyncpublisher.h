#pragma once

#include "core/jetstream/jetstream.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace jetdeck::metrics {
class WindowedHistogram;
}

namespace jetdeck::js {

struct AsyncPublishConfig {
    int maxInFlight = 4000; ///< publishes waiting for their PubAck at most
    int ackTimeoutMs = 5000;
    /// After a reconnect, publish again what was sent before the loss and never acked, when
    /// it carries a Nats-Msg-Id (the stream drops the duplicate, so each is stored once).
    bool republishOnReconnect = true;
    /// A publish with a Nats-Msg-Id whose PubAck has not come after this long is sent again
    /// (same id, so the stream still keeps one copy), until ackTimeoutMs. A stream leader that
    /// loses its place, or a new one still catching up, can drop a publish without answering;
    /// this recovers it without waiting for the timeout. 0: never.
    int resendAfterMs = 2000;
    /// Give every publish a Nats-Msg-Id (publisher id + sequence) when it has none.
    bool autoMsgIds = false;
};

struct AsyncPublishStats {
    quint64 published = 0;
    quint64 acked = 0;      ///< PubAck received (including duplicates)
    quint64 duplicates = 0; ///< the stream already had that msg id
    quint64 failed = 0;     ///< API error, no stream, lost without a msg id
    quint64 timedOut = 0;   ///< no PubAck within ackTimeoutMs
    quint64 republished = 0;
    quint64 retried = 0; ///< sent again after a 503 (no responders), see publish()
    quint64 resent = 0;  ///< sent again after resendAfterMs without an answer
    qint64 inFlight = 0;
};

/// Publishes to JetStream without waiting for each PubAck: up to maxInFlight acks outstanding,
/// each with its own timeout, all arriving on one inbox subscription handled on the
/// connection's thread. Every publish ends acked, failed or timed out, and is counted.
class AsyncPublisher : public QObject {
    Q_OBJECT
public:
    /// Runs for every outcome, on the connection's thread; keep it short.
    using AckHandler = std::function<void(quint64 id, const Result<PubAck>& ack)>;

    AsyncPublisher(Connection* connection, AsyncPublishConfig config = {});
    ~AsyncPublisher() override;

    /// Sets up the ack inbox; call once before publishing.
    Status start();
    void setAckHandler(AckHandler handler);
    /// Where publish -> PubAck times go, in microseconds (from the first send); null to stop.
    void setLatencyProbe(std::shared_ptr<metrics::WindowedHistogram> probe);
    /// Also hands every publish -> PubAck time (microseconds) to this function, on the
    /// connection's thread. Set it before the first publish.
    void setLatencyObserver(std::function<void(quint64 micros)> observer);
    /// True when publish() would not wait for room in the window. For callers on the
    /// connection's thread that cannot block (the rate publisher): try again later.
    bool hasRoom();

    /// Waits up to windowWaitMs for room in the window, then publishes. Returns the id the
    /// ack handler will report. A 503 (no responders: no stream for the subject, or none leads
    /// it while a leader is elected) stored nothing: the publish is sent again up to
    /// options.retryAttempts times, options.retryWaitMs apart, as JetStream::publish() does.
    Result<quint64> publish(QByteArrayView subject, QByteArrayView payload,
                            const PublishOptions& options = {}, const Headers* headers = nullptr,
                            int windowWaitMs = 10000);
    /// Waits until nothing is in flight and every outcome was counted and handed to the ack
    /// handler; Timeout if acks are still missing after timeoutMs.
    Status waitComplete(int timeoutMs);
    AsyncPublishStats stats() const;
    qint64 inFlight() const;

private:
    struct Pending {
        qint64 sentNs = 0; ///< first sent (publish -> PubAck latency)
        qint64 deadlineMs = 0;
        qint64 retryAtMs = 0;  ///< answered with a 503: send again then (0: not waiting)
        qint64 resendAtMs = 0; ///< no answer by then: send again (0: never)
        int retriesLeft = 0;
        int retryWaitMs = 0;
        bool done = false;
        bool direct = false;    ///< written on a live connection (may be lost with it)
        bool republish = false; ///< has a msg id: sent again after a reconnect
        // Kept only when it may be sent again.
        QByteArray subject;
        QByteArray headerBlock;
        QByteArray payload;
    };
    /// Marks id complete in the window; false when it is not pending (late or duplicate ack).
    bool takeLocked(quint64 id);
    /// The window's room rule (refill once a quarter drained after it was full).
    bool roomLocked();
    /// When a publish sent at sentAtMs is sent again if still unanswered (0: never).
    qint64 resendAt(const Pending& p, qint64 sentAtMs) const;
    /// The publish `id` while it is in flight, else nullptr.
    Pending* pendingLocked(quint64 id);

    void onAck(const MsgView& msg);
    void checkTimeouts();
    void onStateChanged(ConnectionState state);
    void complete(quint64 id, const Result<PubAck>& result);

    Connection* m_conn;
    AsyncPublishConfig m_cfg;
    QByteArray m_prefix; ///< "_INBOX.<nuid>." ack inbox
    QByteArray m_idPrefix;
    SubscriptionPtr m_sub;
    AckHandler m_handler;
    std::function<void(quint64)> m_latencyObserver;
    std::atomic<std::shared_ptr<metrics::WindowedHistogram>> m_ackProbe;
    QTimer* m_timer = nullptr;
    quint64 m_reconnectsSeen = 0;

    mutable std::mutex m_mu;
    std::condition_variable m_cv;
    // Ids are handed out in order, so the publishes in flight are a window [m_firstId, ...):
    // O(1) to add and to complete, no hashing; completed entries leave from the front.
    std::deque<Pending> m_window;
    quint64 m_firstId = 1;
    qint64 m_inFlight = 0;
    qint64 m_reporting = 0; ///< taken from the window; outcome not yet counted and handed over
    quint64 m_nextId = 0;
    bool m_stalled = false; ///< the window was full: refill only once a quarter drained
    AsyncPublishStats m_stats;
};

} // namespace jetdeck::js
