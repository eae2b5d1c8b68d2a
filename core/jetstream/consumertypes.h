#pragma once

#include "core/jetstream/jscommon.h"

#include <QMap>
#include <QStringList>

namespace jetdeck::js {

/// A consumer's configuration as CONSUMER.CREATE takes it and CONSUMER.INFO returns it.
/// Durations are nanoseconds; 0 leaves a value to the server's default.
struct ConsumerConfig {
    QString durableName; ///< legacy way to make a consumer durable
    QString name;        ///< nats-server 2.9+: the consumer's name (must equal durableName if both)
    QString description;
    QString filterSubject;
    QStringList filterSubjects; ///< nats-server 2.10+; exclusive with filterSubject
    DeliverPolicy deliverPolicy = DeliverPolicy::All;
    quint64 optStartSeq = 0; ///< only with DeliverPolicy::ByStartSequence
    QDateTime optStartTime;  ///< only with DeliverPolicy::ByStartTime
    /// The server's text for optStartTime: toJson() sends it back while optStartTime still
    /// names the same millisecond, so the nanoseconds the server compares on update survive.
    QString optStartTimeText;
    AckPolicy ackPolicy = AckPolicy::Explicit;
    qint64 ackWaitNs = 0;    ///< 0: server default (30 s)
    int maxDeliver = -1;     ///< -1: unlimited
    QList<qint64> backoffNs; ///< redelivery delays; replaces ackWait
    int maxAckPending = 0;   ///< 0: server default (1000); -1: unlimited
    QString deliverSubject;  ///< set: push consumer; empty: pull consumer
    QString deliverGroup;    ///< push: queue group that shares the deliveries
    qint64 idleHeartbeatNs = 0;
    bool flowControl = false;
    int maxWaiting = 0; ///< pull: outstanding fetch requests; 0: server default (512)
    ReplayPolicy replay = ReplayPolicy::Instant;
    QString sampleFrequency;  ///< "100" or "100%": share of acks sampled as advisories
    quint64 rateLimitBps = 0; ///< push: bits per second
    bool headersOnly = false;
    int maxBatch = 0;               ///< pull: largest batch one request may ask for
    qint64 maxExpiresNs = 0;        ///< pull: longest expiry one request may ask for
    qint64 maxBytes = 0;            ///< pull: most bytes one request may ask for
    qint64 inactiveThresholdNs = 0; ///< delete the consumer after this long without interest
    int replicas = 0;               ///< 0: as the stream
    bool memoryStorage = false;
    QDateTime pauseUntil;            ///< nats-server 2.11+: deliver nothing until then
    QMap<QString, QString> metadata; ///< nats-server 2.10+
    /// Every member we do not model (priority groups, ...), sent back unchanged.
    nlohmann::json extra = nlohmann::json::object();

    bool isPush() const { return !deliverSubject.isEmpty(); }

    /// The request's "config": extra first, then the modeled fields; zero-valued optional ones
    /// left out as Go's omitempty does; deliver_policy, ack_policy, replay_policy always.
    nlohmann::json toJson() const;
    /// Tolerates missing members; a member of the wrong type is an InvalidArgument error
    /// naming it.
    static Result<ConsumerConfig> fromJson(const nlohmann::json& j);
    /// The server's rules that do not need the stream; InvalidArgument naming the field.
    Status validate() const;
    /// Unsupported when a field needs a newer server. serverVersion is
    /// major*10000 + minor*100 + patch (2.9.10 -> 20910); 0 or less skips the check.
    Status checkSupported(int serverVersion) const;

    friend bool operator==(const ConsumerConfig&, const ConsumerConfig&) = default;
};

/// A position in the consumer and in the stream.
struct SequenceInfo {
    quint64 consumerSeq = 0;
    quint64 streamSeq = 0;
    QDateTime lastActive; ///< UTC; invalid when never
};

/// CONSUMER.INFO / CONSUMER.CREATE response.
struct ConsumerInfo {
    QString stream;
    QString name;
    ConsumerConfig config;
    QDateTime created; ///< UTC
    SequenceInfo delivered;
    SequenceInfo ackFloor;
    qint64 numAckPending = 0;
    qint64 numRedelivered = 0;
    qint64 numWaiting = 0; ///< pull requests waiting
    qint64 numPending = 0; ///< stream messages not yet delivered
    ClusterInfo cluster;
    bool pushBound = false; ///< a push consumer whose deliver subject has a subscriber
    bool paused = false;    ///< nats-server 2.11+
    qint64 pauseRemainingNs = 0;

    static Result<ConsumerInfo> fromJson(const nlohmann::json& j);
};

/// CONSUMER.NAMES response: one page of names.
struct ConsumerNamesPage {
    QStringList names;
    int total = 0;
    int offset = 0;
    int limit = 0;

    static Result<ConsumerNamesPage> fromJson(const nlohmann::json& j);
};

/// CONSUMER.LIST response: one page of consumer infos.
struct ConsumerListPage {
    QList<ConsumerInfo> consumers;
    int total = 0;
    int offset = 0;
    int limit = 0;
    QStringList missing; ///< clustered: consumers whose leader did not answer in time

    static Result<ConsumerListPage> fromJson(const nlohmann::json& j);
};

} // namespace jetdeck::js
