#pragma once

#include "connectionevent.h"
#include "core/base/error.h"
#include "outboundqueue.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace jetdeck {

/// One span of a connection's state history: from `since` until the next span began.
struct StateSpan {
    ConnectionState state = ConnectionState::Disconnected;
    QDateTime since;
    QString server;
    QString reason;
};

/// One server of the pool as the health snapshot lists it.
struct PoolServer {
    QString url;           ///< redacted: no password or token
    bool implicit = false; ///< learned from the cluster, not configured
    bool current = false;
    int failedAttempts = 0; ///< since its last successful connect
};

/// Everything the console and `jetdeck-cli status` show about a connection, at one moment.
struct HealthSnapshot {
    QDateTime takenAt;
    ConnectionState state = ConnectionState::Disconnected;
    bool lameDuck = false; ///< the current server announced it will shut down
    QString server;        ///< host:port in use, empty when none
    QString serverName;
    QString serverVersion;
    qint64 rttUs = -1;
    qint64 rttSmoothedUs = -1;
    QDateTime connectedSince; ///< invalid when not connected
    QDateTime lastFailureAt;  ///< invalid when there was none
    Error lastFailure;
    quint64 reconnects = 0;   ///< successful reconnects
    int reconnectAttempt = 0; ///< attempts since the connection was lost
    int reconnectAttemptsMax = -1;
    qint64 nextAttemptInMs = -1; ///< -1 when no attempt is scheduled

    // Outbound: what publish() accepted and where each went.
    quint64 published = 0;    ///< accepted by publish()
    quint64 sent = 0;         ///< written to the socket directly
    qsizetype queueDepth = 0; ///< held while disconnected, now
    qint64 queueBytes = 0;
    qint64 queueOldestAgeMs = 0;
    OutboundQueue::Counters queue; ///< queued / flushed / expired / dropped / rejected
    int queueLimitOps = 0;
    qint64 queueLimitBytes = 0;
    bool failOpen = false;
    qint64 bufferedBytes = 0; ///< accepted while connected, not yet handed to the socket

    int subscriptions = 0;
    quint64 inMsgs = 0, inBytes = 0, outMsgs = 0, outBytes = 0;
    quint64 slowConsumerDrops = 0;
    quint64 serverErrors = 0;
    QList<PoolServer> servers; ///< the server pool, in the order it will be tried

    QJsonObject toJson() const;
    /// A few aligned lines for a terminal.
    QString toText() const;
};

} // namespace jetdeck
