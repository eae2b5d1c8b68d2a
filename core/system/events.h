#pragma once

// What the servers announce on their own: the account's JetStream advisories
// ($JS.EVENT.ADVISORY.>) and, in the system account, clients connecting, disconnecting and
// failing to authenticate. Checked against nats-server 2.9.10 (advisories recorded in
// tests/data/events/). Every parser takes untrusted bytes: a malformed event is an Error, never
// an exception.
#include "core/base/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace jetdeck::sys {

/// The kinds of event the console tells apart (the last part of the server's schema type).
enum class EventKind {
    MaxDeliver,            ///< a message reached the consumer's MaxDeliver
    Terminated,            ///< a worker terminated a message (AckTerm)
    StreamAction,          ///< a stream was created, modified or deleted
    ConsumerAction,        ///< a consumer was created, modified or deleted
    StreamLeaderElected,   ///< a stream's replicas elected a leader
    StreamQuorumLost,      ///< a stream's replicas lost their quorum: it is stalled
    ConsumerLeaderElected, ///< a consumer's replicas elected a leader
    ConsumerQuorumLost,    ///< a consumer's replicas lost their quorum: it is stalled
    MetaLeaderElected,     ///< the JetStream meta group (domain) elected a leader
    ApiError,              ///< a JetStream API request was answered with an error
    Snapshot,              ///< a stream snapshot started or completed
    Restore,               ///< a stream restore started or completed
    OutOfSpace,            ///< a server ran out of JetStream storage
    ServerRemoved,         ///< a server was removed from the JetStream meta group
    ApiLimit,              ///< a server dropped JetStream API requests (queue limit)
    ClientConnect,         ///< system account: a client connected
    ClientDisconnect,      ///< system account: a client disconnected (with the reason)
    AuthError,             ///< system account: a client failed to authenticate
    Other,                 ///< a type this version of JetDeck does not know; shown as sent
};
inline constexpr int kEventKindCount = int(EventKind::Other) + 1;

/// "max_deliver", "stream_leader_elected"... as in the schema type; also what --kind takes.
QString eventKindName(EventKind k);
std::optional<EventKind> eventKindFromName(QStringView name);

enum class EventSeverity { Info, Warning, Error };
QString eventSeverityName(EventSeverity s);

/// One event as the console shows it.
struct SystemEvent {
    QDateTime time; ///< the event's own timestamp (UTC); when it arrived if it had none
    EventKind kind = EventKind::Other;
    EventSeverity severity = EventSeverity::Info;
    QString type;       ///< the schema type as sent ("io.nats.jetstream.advisory.v1.max_deliver")
    QString id;         ///< the event's unique id
    QString stream;     ///< where it happened, when it names one
    QString consumer;   ///< ditto
    QString server;     ///< the server it names (a leader, the one that ran out of space...)
    QString account;    ///< the account it names (system events, clustered advisories)
    QString client;     ///< "name (id, host)" for client events and API errors
    QString summary;    ///< one line a person reads: what happened, with its numbers
    QByteArray subject; ///< what it came on
    QByteArray payload; ///< the JSON as sent

    /// "stream/consumer", "stream", the account or the server: the event's place in one word.
    QString where() const;
    /// One JSON object (the event's own fields plus what the console read from it).
    QByteArray toJsonLine() const;
};

/// Reads one event from its subject and JSON payload. nullopt (no error) for an API audit of
/// a request that succeeded: every JetStream API call makes one, the console's own listing
/// among them, and only the errors are news. An Error of kind Protocol for a payload that is
/// not an event.
Result<std::optional<SystemEvent>> parseEvent(QByteArrayView subject, QByteArrayView payload);

/// The subjects of the account's JetStream advisories, under `eventPrefix` ("$JS.EVENT" when
/// empty; a context may name another).
QList<QByteArray> advisorySubjects(const QString& eventPrefix = {});
/// The subjects of the system account's client events.
QList<QByteArray> systemEventSubjects();

} // namespace jetdeck::sys
