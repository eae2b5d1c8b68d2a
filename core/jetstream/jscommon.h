#pragma once

#include "core/base/error.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringView>

#include <nlohmann/json.hpp>

#include <optional>

// The JetStream JSON API's shared vocabulary: policies, times, durations, cluster details, the
// error envelope and the small responses (account info, publish acks). Stream and consumer
// types live in streamtypes.h and consumertypes.h; jstypes.h includes all three.

namespace jetdeck::js {

/// How a stream decides that a message may go.
enum class RetentionPolicy { Limits, Interest, WorkQueue };
/// Where a stream (or consumer state) is kept.
enum class StorageType { File, Memory };
/// What a stream drops when a limit is reached.
enum class DiscardPolicy { Old, New };
/// Where a consumer starts.
enum class DeliverPolicy { All, Last, New, ByStartSequence, ByStartTime, LastPerSubject };
/// How a consumer's deliveries must be acknowledged.
enum class AckPolicy { None, All, Explicit };
/// How fast a consumer replays stored messages.
enum class ReplayPolicy { Instant, Original };

/// The JSON spelling: "limits", "interest", "workqueue".
QString toString(RetentionPolicy p);
/// "file", "memory".
QString toString(StorageType s);
/// "old", "new".
QString toString(DiscardPolicy d);
/// "all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject".
QString toString(DeliverPolicy d);
/// "none", "all", "explicit".
QString toString(AckPolicy a);
/// "instant", "original".
QString toString(ReplayPolicy r);

/// The JSON spellings above, case-insensitive; nullopt for anything else.
std::optional<RetentionPolicy> parseRetentionPolicy(QStringView s);
std::optional<StorageType> parseStorageType(QStringView s);
std::optional<DiscardPolicy> parseDiscardPolicy(QStringView s);
std::optional<DeliverPolicy> parseDeliverPolicy(QStringView s);
std::optional<AckPolicy> parseAckPolicy(QStringView s);
std::optional<ReplayPolicy> parseReplayPolicy(QStringView s);

/// UTC RFC 3339 with nine fraction digits ("2024-01-02T03:04:05.123000000Z"); the server
/// compares some times (a consumer's opt_start_time) exactly, so the precision is spelled
/// out. Empty for an invalid QDateTime.
QString toRfc3339Nano(const QDateTime& t);
/// Parses RFC 3339 with any fraction and a Z or ±hh:mm offset; the result is UTC with
/// millisecond precision. Invalid QDateTime for malformed text and for Go's zero time
/// ("0001-01-01T00:00:00Z"), which the server sends for "never".
QDateTime fromRfc3339Nano(QStringView text);

/// Go's time.Duration spelling: "0s", "250ns", "1.5µs", "500ms", "30s", "1m30s", "2h0m0s".
QString formatDurationNs(qint64 ns);
/// Parses Go durations: "500ms", "1m30s", "2h", "1.5h", "-3s", "0"; units ns, us, µs, ms, s,
/// m, h. nullopt for anything else or a value that does not fit in 64 bits.
std::optional<qint64> parseDurationNs(QStringView text);

/// Checks a stream or consumer name the way the server does: non-empty, at most 255 bytes,
/// no whitespace or control characters, none of . * > / \. `what` starts the message
/// ("stream name"); InvalidArgument on failure.
Status validateName(const QString& name, const QString& what);

/// One server of a replicated stream or consumer, as the leader sees it.
struct PeerInfo {
    QString name;
    bool current = false; ///< caught up with the leader
    bool offline = false; ///< not heard from
    qint64 activeNs = 0;  ///< since the leader last heard from it
    quint64 lag = 0;      ///< operations behind the leader
};

/// The RAFT group behind a stream or consumer. Empty when the server is not clustered.
struct ClusterInfo {
    QString name;
    QString leader;
    QList<PeerInfo> replicas; ///< the followers; the leader is not listed

    static Result<ClusterInfo> fromJson(const nlohmann::json& j);
};

/// JetStream usage and limits of the connected account ($JS.API.INFO).
struct AccountInfo {
    quint64 memory = 0;  ///< bytes in memory streams
    quint64 storage = 0; ///< bytes in file streams
    int streams = 0;
    int consumers = 0;
    struct Limits {
        qint64 maxMemory = -1; ///< -1: unlimited
        qint64 maxStorage = -1;
        int maxStreams = -1;
        int maxConsumers = -1;
        int maxAckPending = -1;
    } limits;
    struct Api {
        quint64 total = 0;  ///< API requests served
        quint64 errors = 0; ///< of which failed
        int level = 0;      ///< API level the server speaks (2.11+; 0 before)
    } api;
    QString domain;

    static Result<AccountInfo> fromJson(const nlohmann::json& j);
};

/// The server's answer to a publish into a stream.
struct PubAck {
    QString stream;
    quint64 seq = 0;
    bool duplicate = false; ///< the message id was seen within the duplicate window
    QString domain;

    /// An error response becomes its API Error; JSON that is not a publish ack is Protocol.
    static Result<PubAck> fromJson(const nlohmann::json& j);
};

/// The "error" member of an API response as an Error (kind None when there is none):
/// apiCode / apiErrCode from code / err_code, serverText the description, and the kind
/// from err_code: NotFound, AlreadyExists, JetStreamNotEnabled, WrongLastSequence, or
/// JetStream for the rest.
Error apiError(const nlohmann::json& response);

/// Parses an API response body and applies apiError(). Malformed JSON or a body that is not
/// an object is a Protocol error quoting the start of the payload.
Result<nlohmann::json> parseApiResponse(QByteArrayView payload);

} // namespace jetdeck::js
