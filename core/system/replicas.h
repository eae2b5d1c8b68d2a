#pragma once

// The health of JetStream's replicas, like `nats server report jetstream` and `nats stream
// report`: for every stream and consumer its RAFT group (leader, followers current or behind or
// offline) and, for streams, their mirror and sources with their lag. Built from a JSZ fan-out
// (every account, through the system account) or from the account's own STREAM.LIST and
// CONSUMER.LIST (JetStreamSnapshot), so the console and the CLI judge them alike.
#include "core/jetstream/lister.h"
#include "core/system/sysdocs.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace jetdeck::sys {

/// From good to bad; a row's health is the worst of its group and its mirror and sources.
enum class ReplicaHealth {
    Ok,       ///< every replica current (or a single replica); mirror and sources caught up
    Lagging,  ///< a follower not current or behind, or a mirror or source with a lag
    Degraded, ///< a follower offline, fewer replicas reported than configured, or a source
              ///< that cannot copy
    NoLeader, ///< replicated and no leader: it takes no writes
};
QString replicaHealthName(ReplicaHealth h);

struct ReplicaRow {
    enum class Kind { Stream, Consumer };
    Kind kind = Kind::Stream;
    QString account; ///< empty when listed through the account's own API
    QString stream;
    QString consumer; ///< consumers only
    int replicas = 1; ///< configured
    QString leader;
    QList<js::PeerInfo> followers;
    /// Streams: messages and bytes stored. Consumers: messages not delivered yet and
    /// deliveries not acknowledged yet.
    quint64 messages = 0;
    quint64 bytes = 0;
    quint64 pending = 0;
    quint64 ackPending = 0;
    std::optional<js::StreamSourceInfo> mirror;
    QList<js::StreamSourceInfo> sources;
    QDateTime created; ///< streams: when the stream was made (UTC), for the sources' grace
    /// No server has reported it since then (its servers do not answer): the rest is its last
    /// view. Invalid: reported in the latest round.
    QDateTime unreportedSince;
    ReplicaHealth health = ReplicaHealth::Ok;
    QStringList problems; ///< in words, worst first: "n3 offline", "mirror of ORDERS: lag 120"

    /// "account/stream" or "account/stream/consumer": unique in one listing.
    QString key() const;
};

/// A mirror or source never heard from this long after its stream was made is degraded (a
/// missing origin stream, an unreachable domain); before that it is only lagging.
inline constexpr qint64 kSourceGraceMs = 10000;

/// Judges a row from its group and its mirror and sources (sets health and problems), as of
/// `now` (UTC; invalid: the current time).
void judge(ReplicaRow& row, const QDateTime& now = {});

/// Every stream and consumer of a JSZ fan-out (leader views), judged; by account, stream,
/// consumer (a stream before its consumers).
QList<ReplicaRow> replicaRows(const JetStreamAssets& assets);
/// The same from the connection's own account listing.
QList<ReplicaRow> replicaRows(const js::JetStreamSnapshot& snapshot);

/// How many rows are in each state.
struct ReplicaSummary {
    int ok = 0, lagging = 0, degraded = 0, noLeader = 0;
    int unhealthy() const { return lagging + degraded + noLeader; }
};
ReplicaSummary summarize(const QList<ReplicaRow>& rows);

} // namespace jetdeck::sys
