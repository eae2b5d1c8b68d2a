#pragma once

#include "core/jetstream/jscommon.h"
#include "core/protocol/headers.h"

#include <QMap>
#include <QStringList>

namespace jetdeck::js {

/// A stream's configuration as STREAM.CREATE / STREAM.UPDATE take it and STREAM.INFO
/// returns it. Durations are nanoseconds; -1 means unlimited for the max_* limits.
struct StreamConfig {
    QString name;
    QString description;
    QStringList subjects; ///< empty: the server uses the stream name
    RetentionPolicy retention = RetentionPolicy::Limits;
    StorageType storage = StorageType::File;
    int replicas = 1;
    int maxConsumers = -1;
    qint64 maxMsgs = -1;
    qint64 maxBytes = -1;
    qint64 maxAgeNs = 0; ///< 0: keep forever
    qint64 maxMsgsPerSubject = -1;
    int maxMsgSize = -1;
    DiscardPolicy discard = DiscardPolicy::Old;
    qint64 duplicateWindowNs = 0; ///< 0: server default (2 min, or max age if shorter)
    bool noAck = false;
    bool allowRollup = false;
    bool denyDelete = false;
    bool denyPurge = false;
    bool allowDirect = false;
    bool sealed = false;
    QMap<QString, QString> metadata; ///< nats-server 2.10+
    /// Every member we do not model (mirror, sources, placement, compression, ...), kept so
    /// that info -> edit -> update sends them back unchanged.
    nlohmann::json extra = nlohmann::json::object();

    /// The request body: extra first, then the modeled fields, zero-valued optional ones left
    /// out the way Go's omitempty does.
    nlohmann::json toJson() const;
    /// Tolerates missing members; a member of the wrong type is an InvalidArgument error
    /// naming it.
    static Result<StreamConfig> fromJson(const nlohmann::json& j);
    /// The server's own rules that can be checked here; InvalidArgument with a message
    /// naming the field.
    Status validate() const;
    /// Unsupported when a field needs a newer server. serverVersion is
    /// major*10000 + minor*100 + patch (2.9.10 -> 20910); 0 or less skips the check.
    Status checkSupported(int serverVersion) const;

    friend bool operator==(const StreamConfig&, const StreamConfig&) = default;
};

/// What a stream holds right now.
struct StreamState {
    quint64 messages = 0;
    quint64 bytes = 0;
    quint64 firstSeq = 0;
    quint64 lastSeq = 0;
    QDateTime firstTime; ///< UTC; invalid for an empty stream
    QDateTime lastTime;  ///< UTC; invalid for an empty stream
    int consumerCount = 0;
    qint64 numDeleted = 0;  ///< gaps (interior deletes) between first and last
    qint64 numSubjects = 0; ///< distinct subjects stored
};

/// How far a mirror or a source is behind the stream it copies from (the "mirror" and
/// "sources" members of STREAM.INFO and of /jsz's stream details).
struct StreamSourceInfo {
    QString name;           ///< the stream copied from
    QString filterSubject;  ///< only these subjects (sources)
    QString externalPrefix; ///< the other domain's or account's API prefix, when external
    quint64 lag = 0;        ///< messages not copied yet
    qint64 activeNs = -1;   ///< since it last heard from the origin; -1: never
    QString error;          ///< why it cannot copy ("stream not found"), empty when it can
};

/// STREAM.INFO / STREAM.CREATE / STREAM.UPDATE response.
struct StreamInfo {
    StreamConfig config;
    StreamState state;
    QDateTime created; ///< UTC
    ClusterInfo cluster;
    std::optional<StreamSourceInfo> mirror;
    QList<StreamSourceInfo> sources;

    static Result<StreamInfo> fromJson(const nlohmann::json& j);
};

/// STREAM.NAMES response: one page of names.
struct StreamNamesPage {
    QStringList names;
    int total = 0;
    int offset = 0;
    int limit = 0;

    static Result<StreamNamesPage> fromJson(const nlohmann::json& j);
};

/// STREAM.LIST response: one page of stream infos.
struct StreamListPage {
    QList<StreamInfo> streams;
    int total = 0;
    int offset = 0;
    int limit = 0;
    QStringList missing; ///< clustered: streams whose leader did not answer in time

    static Result<StreamListPage> fromJson(const nlohmann::json& j);
};

/// A message read back from a stream (STREAM.MSG.GET): what was stored, with its headers.
struct StoredMessage {
    QString subject;
    quint64 seq = 0;
    Headers headers;
    QByteArray data;
    QDateTime time; ///< UTC, when the stream stored it

    static Result<StoredMessage> fromJson(const nlohmann::json& j);
};

} // namespace jetdeck::js
