#pragma once

#include "core/client/backoff.h"
#include "core/client/connection.h"
#include "core/jetstream/jsmessage.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <atomic>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace jetdeck::metrics {
class WindowedHistogram;
}

namespace jetdeck::js {

/// Counts for one consumer, as the console shows them.
struct RedeliveryStats {
    quint64 delivered = 0; ///< deliveries seen (first ones and redeliveries)
    quint64 firstDeliveries = 0;
    quint64 redelivered = 0;  ///< deliveries with a count above 1
    quint64 afterNak = 0;     ///< redeliveries of a message this client NAKed
    quint64 afterAckWait = 0; ///< redeliveries nobody asked for: the ack wait ran out
    quint64 acked = 0;
    quint64 naked = 0;
    quint64 inProgress = 0;
    quint64 terminated = 0;           ///< +TERM sent by this client
    quint64 maxDeliveriesReached = 0; ///< MAX_DELIVERIES advisories from the server
    quint64 terminatedAdvisories = 0; ///< MSG_TERMINATED advisories from the server
    /// deliveryCounts[i] = deliveries whose count was i + 1; the last bucket holds the rest.
    QList<quint64> deliveryCounts;
    /// Redeliveries by cause and delivery count, bucketed as deliveryCounts (index 0, a first
    /// delivery, stays 0): afterNakByCount sums to afterNak, afterAckWaitByCount to afterAckWait.
    QList<quint64> afterNakByCount;
    QList<quint64> afterAckWaitByCount;
};

/// One notable event (a message that hit MaxDeliver, a termination) for the console's log.
struct RedeliveryEvent {
    enum class Kind { MaxDeliveries, Terminated };
    Kind kind = Kind::MaxDeliveries;
    QDateTime time;
    quint64 streamSeq = 0;
    quint64 deliveries = 0;
    QString reason;
};

/// The delay to ask for when NAKing a message for the n-th time: exponential, capped, with
/// jitter (percent, default 20) so redeliveries of a burst do not come back together.
struct NakDelayPolicy {
    qint64 initialMs = 1000;
    double multiplier = 2.0;
    qint64 maxMs = 60000;
    int jitterPercent = 20;
    /// Nanoseconds, for JsMessage::nak(), for a message delivered `deliveries` times.
    qint64 delayNs(quint64 deliveries) const;
    qint64 delayNs(quint64 deliveries, double unit) const;

    /// "INITIAL[,MAX][,xMULTIPLIER][,JITTER%]": "1s", "500ms,30s", "1s,60s,x3,10%". Unset parts
    /// keep their defaults (60 s, x2, 20 %). InvalidArgument naming the bad part otherwise
    /// (initial 1 ms to 1 h, max at least the initial and at most 12 h, multiplier 1 to 10,
    /// jitter 0 to 100 %).
    static Result<NakDelayPolicy> parse(const QString& text);
    /// The same form back: "1s,60s,x2,20%".
    QString toString() const;
    /// The same checks for a policy built field by field.
    Status validate() const;

    friend bool operator==(const NakDelayPolicy&, const NakDelayPolicy&) = default;
};

/// Watches one consumer's deliveries and this client's answers to tell redeliveries apart by
/// cause, and keeps the delivery-count histogram. Memory is bounded: it remembers the NAKed
/// sequences of at most `memory` messages.
class RedeliveryTracker {
public:
    static constexpr int Buckets = 10;

    explicit RedeliveryTracker(QString stream = {}, QString consumer = {},
                               std::size_t memory = 100000);

    const QString& stream() const { return m_stream; }
    const QString& consumer() const { return m_consumer; }

    void onDelivered(const JsMetadata& meta);
    void onAnswered(const JsMetadata& meta, AckKind kind);
    /// As above, and records end-to-end latency (from the sender's JetDeck-Sent-Us header, or
    /// else from the time the stream stored it) when a probe is set.
    void onDelivered(const JsMessage& message);
    /// As above, and records processing time (delivery to ack, NAK or term) when a probe is set.
    void onAnswered(const JsMessage& message, AckKind kind);
    /// Where end-to-end latency and processing time go, in microseconds; null to stop.
    void setLatencyProbes(std::shared_ptr<metrics::WindowedHistogram> endToEnd,
                          std::shared_ptr<metrics::WindowedHistogram> processing);
    /// Processing time per message subject as well: `lookup` gives the probe of a subject (or
    /// null for subjects it does not track). Empty to stop.
    using SubjectProbeLookup =
        std::function<std::shared_ptr<metrics::WindowedHistogram>(QByteArrayView subject)>;
    void setSubjectProbeLookup(SubjectProbeLookup lookup);
    /// The JSON of a $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES / MSG_TERMINATED advisory.
    void onAdvisory(QByteArrayView subject, QByteArrayView json);

    RedeliveryStats stats() const;
    /// Events since the last call (bounded).
    QList<RedeliveryEvent> takeEvents();

private:
    void rememberNak(quint64 seq);

    QString m_stream;
    QString m_consumer;
    std::size_t m_memory;
    mutable std::mutex m_mu;
    RedeliveryStats m_stats;
    struct NakEntry {
        quint64 count = 0;               ///< NAKs still waiting for their redelivery
        std::list<quint64>::iterator at; ///< the sequence's place in m_nakOrder
    };
    std::unordered_map<quint64, NakEntry> m_naked; ///< stream seq -> NAKs pending redelivery
    std::list<quint64> m_nakOrder; ///< the sequences in m_naked, least recently NAKed first
    std::deque<RedeliveryEvent> m_events;
    std::atomic<std::shared_ptr<metrics::WindowedHistogram>> m_endToEndProbe, m_processingProbe;
    std::atomic<std::shared_ptr<SubjectProbeLookup>> m_subjectProbes;
};

/// Subscribes to the server's MAX_DELIVERIES and MSG_TERMINATED advisories for the tracker's
/// consumer and feeds them to it (on the connection's thread). Unsubscribe to stop.
Result<SubscriptionPtr> watchAdvisories(Connection* connection,
                                        std::shared_ptr<RedeliveryTracker> tracker);

/// An observer for JsMessage that feeds the tracker's onAnswered(); it keeps the tracker alive.
JsMessage::AckObserver trackerObserver(std::shared_ptr<RedeliveryTracker> tracker);

} // namespace jetdeck::js
