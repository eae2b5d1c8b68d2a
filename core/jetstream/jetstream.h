#pragma once

#include "core/client/connection.h"
#include "core/jetstream/jstypes.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

namespace jetdeck::js {

/// Where the JetStream API lives: `$JS.API.` by default, `$JS.<domain>.API.` for a domain, or
/// an explicit prefix (imports across accounts).
struct JetStreamOptions {
    QString domain;
    QString apiPrefix;
    int timeoutMs = 5000;
};

/// Options of a publish that wants a PubAck.
struct PublishOptions {
    QByteArray msgId;       ///< Nats-Msg-Id: the stream drops duplicates in its window
    QString expectedStream; ///< Nats-Expected-Stream
    std::optional<quint64> expectedLastSeq;        ///< Nats-Expected-Last-Sequence
    std::optional<quint64> expectedLastSubjectSeq; ///< Nats-Expected-Last-Subject-Sequence
    QByteArray expectedLastMsgId;                  ///< Nats-Expected-Last-Msg-Id
    int timeoutMs = 5000;
    /// A 503 (no responders) right after a stream is created or while a leader is elected is
    /// retried, as nats.go does.
    int retryAttempts = 2;
    int retryWaitMs = 250;

    /// Adds the headers these options ask for to `h`.
    void applyTo(Headers& h) const;
};

/// The JetStream API on one connection: account info, streams, consumers and publishing with
/// acknowledgements. Calls block the calling thread (on the connection's own thread they drive
/// the socket themselves); the *Async variants call back on a context object's thread.
class JetStream {
public:
    using JsonCallback = std::function<void(const Result<nlohmann::json>&)>;

    explicit JetStream(Connection* connection, JetStreamOptions options = {});

    Connection* connection() const { return m_conn; }
    const JetStreamOptions& options() const { return m_opts; }
    /// The full API subject for `suffix` ("STREAM.INFO.ORDERS" -> "$JS.API.STREAM.INFO.ORDERS").
    QByteArray apiSubject(QByteArrayView suffix) const;

    /// One API call: the error envelope becomes a typed Error with the server's text; "no
    /// responders" becomes JetStreamNotEnabled.
    Result<nlohmann::json> request(QByteArrayView suffix, const nlohmann::json& body = {}) const;
    void requestAsync(QByteArrayView suffix, const nlohmann::json& body, QObject* context,
                      JsonCallback callback) const;

    Result<AccountInfo> accountInfo() const;

    // --- streams -------------------------------------------------------------------------
    Result<StreamInfo> addStream(const StreamConfig& config) const;
    Result<StreamInfo> updateStream(const StreamConfig& config) const;
    Result<StreamInfo> streamInfo(const QString& name) const;
    /// All stream names (every page), optionally only those whose subjects overlap `subject`.
    Result<QStringList> streamNames(const QString& subject = {}) const;
    /// All streams with their info (every page).
    Result<QList<StreamInfo>> listStreams() const;
    Status deleteStream(const QString& name) const;
    /// Removes messages: all, or only `subject`'s, keeping `keep` newest, or below `upToSeq`.
    /// Returns how many were purged.
    Result<quint64> purgeStream(const QString& name, const QString& subject = {}, quint64 keep = 0,
                                quint64 upToSeq = 0) const;

    /// One stored message by sequence, or the last one stored on a subject.
    Result<StoredMessage> getMessage(const QString& stream, quint64 seq) const;
    Result<StoredMessage> getLastMessage(const QString& stream, const QString& subject) const;
    /// Removes one message (STREAM.MSG.DELETE). Its bytes stay on disk until compaction unless
    /// `erase` asks the server to overwrite them (slower).
    Status deleteMessage(const QString& stream, quint64 seq, bool erase = false) const;

    // --- consumers -----------------------------------------------------------------------
    /// Creates or updates a consumer (durable when the config names one).
    Result<ConsumerInfo> addConsumer(const QString& stream, const ConsumerConfig& config) const;
    Result<ConsumerInfo> consumerInfo(const QString& stream, const QString& name) const;
    Result<QStringList> consumerNames(const QString& stream) const;
    Result<QList<ConsumerInfo>> listConsumers(const QString& stream) const;
    Status deleteConsumer(const QString& stream, const QString& name) const;

    // --- cluster ------------------------------------------------------------------------
    Status stepDownStreamLeader(const QString& stream) const;
    Status stepDownConsumerLeader(const QString& stream, const QString& consumer) const;

    // --- publishing ---------------------------------------------------------------------
    /// Publishes and waits for the stream's PubAck.
    Result<PubAck> publish(QByteArrayView subject, QByteArrayView payload,
                           const PublishOptions& options = {},
                           const Headers* headers = nullptr) const;

private:
    Status checkServerSupports(const ConsumerConfig& config) const;

    Connection* m_conn;
    JetStreamOptions m_opts;
    QByteArray m_prefix;
};

/// Sleeps between attempts of a retried call; returns false to give up (a cancelled run).
using Pause = std::function<bool(int ms)>;

/// addStream() / addConsumer() on a JetStream that may just have started: a new cluster elects
/// its meta leader first (the API does not answer, or answers "temporarily unavailable") and a
/// consumer follows its stream's leader, so these retry every 250 ms for up to `timeoutMs`.
/// Errors that another try would not change (a bad configuration, a name in use with another
/// configuration) are returned at once. `pause` defaults to sleeping.
Result<StreamInfo> addStreamWhenReady(const JetStream& js, const StreamConfig& config,
                                      int timeoutMs = 30000, const Pause& pause = {});
Result<ConsumerInfo> addConsumerWhenReady(const JetStream& js, const QString& stream,
                                          const ConsumerConfig& config, int timeoutMs = 10000,
                                          const Pause& pause = {});

} // namespace jetdeck::js
