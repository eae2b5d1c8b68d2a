#pragma once

// The servers' own measurement of every worker's processing time: for a consumer with
// `sample_freq` set, nats-server publishes a sample of its acknowledgements on
// `$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>` with the time from delivery to ack as
// the server saw it and the delivery count. That covers the workers of every service, not only
// the deliveries JetDeck consumes itself. Checked against nats-server 2.9.10.
#include "core/base/error.h"
#include "core/client/subscription.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace jetdeck {
class Connection;
}

namespace jetdeck::sys {

/// One sampled acknowledgement (io.nats.jetstream.metric.v1.consumer_ack).
struct AckSample {
    QString stream;
    QString consumer;
    quint64 consumerSeq = 0;
    quint64 streamSeq = 0;
    qint64 ackTimeNs = 0;   ///< from the delivery to the ack, by the server's clock
    quint64 deliveries = 0; ///< 1: acked on the first delivery
    QDateTime time;         ///< when the server sent it (UTC)
};

/// Reads one sample. Untrusted: anything else is an Error of kind Protocol naming the field
/// (another type, a negative ack time, no stream or consumer).
Result<AckSample> parseAckSample(QByteArrayView payload);

/// `<prefix>.METRIC.CONSUMER.ACK.>` ("$JS.EVENT" when `eventPrefix` is empty).
QByteArray ackSampleSubject(const QString& eventPrefix);

/// Listens to the account's ack samples: a subscription only (the cluster is sent nothing;
/// only consumers with sample_freq publish any). Samples are parsed on the connection's
/// thread and handed to the sink there; what cannot be read is counted, never fatal.
class AckSampler {
public:
    using Sink = std::function<void(const AckSample&)>;

    AckSampler() = default;
    ~AckSampler();
    AckSampler(const AckSampler&) = delete;
    AckSampler& operator=(const AckSampler&) = delete;

    Status watch(Connection* connection, const QString& eventPrefix, Sink sink);
    void stop();

    quint64 received() const { return m_counts->received.load(); }
    quint64 malformed() const { return m_counts->malformed.load(); }
    /// Why the latest unreadable sample was left out (empty when none was).
    QString lastProblem() const;

private:
    struct Counts {
        std::atomic<quint64> received{0};
        std::atomic<quint64> malformed{0};
        std::mutex mu;
        QString lastProblem;
    };
    std::shared_ptr<Counts> m_counts = std::make_shared<Counts>();
    SubscriptionPtr m_sub;
};

} // namespace jetdeck::sys
