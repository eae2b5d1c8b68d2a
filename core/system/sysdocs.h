#pragma once

// What nats-server answers about itself on $SYS.REQ.SERVER.* (and over its monitoring port):
// the reply envelope and the documents the console reads, typed. Checked against nats-server
// 2.9.10 (replies recorded in tests/data/system/). Every parser takes untrusted
// bytes: a malformed reply is an Error naming the field, never an exception.
#include "core/base/error.h"
#include "core/jetstream/consumertypes.h"
#include "core/jetstream/jscommon.h"
#include "core/jetstream/streamtypes.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

namespace jetdeck::sys {

/// The documents a server is asked for, by the last token of their subject.
enum class Doc { Statsz, Varz, Connz, Routez, Gatewayz, Leafz, Subsz, Jsz, Healthz, Accountz };
/// "VARZ", "JSZ"...
QByteArray docToken(Doc d);
/// `$SYS.REQ.SERVER.PING.<DOC>`: every server answers (one reply each).
QByteArray pingSubject(Doc d);
/// `$SYS.REQ.SERVER.<id>.<DOC>`: one server.
QByteArray serverSubject(const QString& serverId, Doc d);

/// Who answered: the "server" member of every $SYS reply.
struct ServerIdentity {
    QString name;
    QString host;
    QString id;
    QString cluster;
    QString version;
    bool jetstream = false;
    quint64 seq = 0;
    QDateTime time; ///< the server's clock when it answered (UTC)
};

/// One server's answer: who, and its document or its error.
struct ServerReply {
    ServerIdentity server;
    nlohmann::json data;  ///< "data" (or "statsz" for STATSZ); null with an error
    Error error;          ///< the server's {"error": {code, description}}
    qint64 elapsedMs = 0; ///< from the request to this reply
};
/// The envelope {"server": {...}, "data" | "statsz" | "error": ...}; an Error of kind Protocol
/// when `payload` is not one (not JSON, no server name, neither data nor error).
Result<ServerReply> parseServerReply(QByteArrayView payload);

/// JetStream usage against what is reserved, as VARZ, STATSZ and JSZ report it.
struct JetStreamUsage {
    quint64 memory = 0;
    quint64 storage = 0;
    quint64 reservedMemory = 0;
    quint64 reservedStorage = 0;
    quint64 maxMemory = 0;  ///< configured limit (0: not reported)
    quint64 maxStorage = 0; ///< configured limit (0: not reported)
    quint64 apiTotal = 0;
    quint64 apiErrors = 0;
    int accounts = 0;
    int haAssets = 0;
};

/// The JetStream meta group (every server's JetStream peers) as one server sees it. Only the
/// meta leader lists the replicas (its followers), with whether each is current and its lag.
struct MetaCluster {
    QString name;
    QString leader;
    QString peer; ///< this server's own peer id
    int clusterSize = 0;
    QList<js::PeerInfo> replicas;
};

/// `/varz` (and `$SYS.REQ.SERVER.PING.VARZ`): the server's identity, load and traffic.
struct Varz {
    QString serverId;
    QString name;
    QString version;
    QString goVersion;
    QString host;
    int port = 0;
    QString clusterName;
    QString gatewayName;
    QDateTime start;
    QDateTime now;
    qint64 memBytes = 0;
    int cores = 0;
    double cpu = 0; ///< percent of one core
    int connections = 0;
    quint64 totalConnections = 0;
    int routes = 0;
    int remotes = 0;
    int leafnodes = 0;
    quint64 inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
    quint64 slowConsumers = 0;
    quint64 subscriptions = 0;
    qint64 maxPayload = 0;
    QString systemAccount;
    bool jetstream = false; ///< JetStream is enabled on this server
    JetStreamUsage js;
    MetaCluster meta;

    qint64 uptimeMs() const { return start.isValid() && now.isValid() ? start.msecsTo(now) : 0; }
    static Result<Varz> fromJson(const nlohmann::json& j);
};

/// `/healthz`: "ok", or what is wrong.
struct Healthz {
    QString status;
    QString error;
    bool ok() const { return status == QLatin1String("ok"); }
    static Result<Healthz> fromJson(const nlohmann::json& j);
};

/// One client connection in `/connz`.
struct ClientConn {
    quint64 cid = 0;
    QString kind; ///< "Client"
    QString type; ///< "nats", "websocket", "mqtt"
    QString ip;
    int port = 0;
    QString name;
    QString lang;
    QString version;
    QString account; ///< with the "auth" option
    QString user;    ///< with the "auth" option
    QDateTime start;
    QDateTime lastActivity;
    qint64 rttUs = -1; ///< -1 when not measured yet
    qint64 uptimeMs = 0;
    qint64 idleMs = 0;
    qint64 pendingBytes = 0;
    quint64 inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
    quint64 subscriptions = 0;
    QStringList subscriptionsList; ///< with the "subscriptions" option
    /// With the "subscriptions_detail" option: each subscription and what it received.
    struct Subscription {
        QString subject;
        QString queue;
        quint64 msgs = 0;
    };
    QList<Subscription> subscriptionsDetail;
    QString tlsVersion;
    QString reason; ///< why a closed connection closed
};

/// `/connz`: one page of a server's connections.
struct Connz {
    QString serverId;
    QDateTime now;
    int numConnections = 0; ///< on this page
    int total = 0;          ///< on the server
    int offset = 0;
    int limit = 0;
    QList<ClientConn> connections;
    static Result<Connz> fromJson(const nlohmann::json& j);
};

/// One account's JetStream assets on a server (`/jsz?accounts=true&streams=true&consumers=true`).
struct AccountJetStream {
    QString name;
    quint64 memory = 0;
    quint64 storage = 0;
    quint64 apiTotal = 0;
    quint64 apiErrors = 0;
    QList<js::StreamInfo> streams;     ///< config only when asked for
    QList<js::ConsumerInfo> consumers; ///< of every stream above
};

/// `/jsz`: a server's JetStream usage, the meta group, and (when asked) the streams and
/// consumers it holds a replica of, each in this server's view. A fan-out over the cluster
/// therefore lists a stream once per replica; the view that counts is its leader's (see
/// leaderViews()). ("leader_only" would not do: in 2.9.10 it makes every server but the meta
/// leader stay silent, and the meta leader lists only the streams it holds itself.)
struct Jsz {
    QString serverId;
    QDateTime now;
    bool disabled = false; ///< JetStream is not enabled on this server
    JetStreamUsage usage;
    int streams = 0;
    int consumers = 0;
    quint64 messages = 0;
    quint64 bytes = 0;
    MetaCluster meta;
    QList<AccountJetStream> accounts;
    static Result<Jsz> fromJson(const nlohmann::json& j);
};

/// Every stream and consumer of a JSZ fan-out once, in its leader's view.
struct JetStreamAssets {
    struct Stream {
        QString account;
        QString server; ///< whose view this is: the leader's
        js::StreamInfo info;
        int reports = 1;         ///< servers that reported it (its replicas that answered)
        bool leaderless = false; ///< replicated, and no server said it leads: the first view
        /// No server has reported it since then: its servers do not answer, and this is its
        /// last view (SystemMonitor keeps it rather than let it vanish). Invalid: reported.
        QDateTime unreportedSince;
    };
    struct Consumer {
        QString account;
        QString server;
        js::ConsumerInfo info;
        int reports = 1;
        bool leaderless = false;
        QDateTime unreportedSince;
    };
    QList<Stream> streams;     ///< by account, then name
    QList<Consumer> consumers; ///< by account, stream, then name
};
JetStreamAssets leaderViews(const QList<std::pair<ServerIdentity, Jsz>>& servers);

/// A server's name in the console (its id when it has none): servers are told apart by name,
/// which, unlike the id, survives a restart.
QString serverKey(const ServerIdentity& s);
/// The rate of a counter between two readings `ms` apart; 0 when it went back (a restart).
double ratePerSecond(quint64 now, quint64 before, qint64 ms);

/// The JSZ request body: details for every account, streams and consumers, with configs.
QByteArray jszDetailRequest();

/// One of a server's links to other servers: a route (ROUTEZ), a gateway connection out or in
/// (GATEWAYZ) or a leaf node connection (LEAFZ).
struct ServerLink {
    enum class Kind { Route, GatewayOut, GatewayIn, Leaf };
    Kind kind = Kind::Route;
    QString remote;  ///< route: the remote server's id; gateway: its cluster; leaf: the account
    QString address; ///< ip:port of the other end
    bool configured = false; ///< route or gateway from the configuration (not discovered)
    QString rtt;             ///< as the server wrote it ("201µs"); empty when not measured
    QString uptime;          ///< route and gateway
    qint64 pendingBytes = 0; ///< what the server holds for the other end
    quint64 inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
    quint64 subscriptions = 0;
};
QString linkKindName(ServerLink::Kind k);
/// Every link in a ROUTEZ, GATEWAYZ or LEAFZ document (the "data" of the reply, or the
/// monitoring port's answer); an Error naming the field when it is not one.
Result<QList<ServerLink>> parseLinks(Doc doc, const nlohmann::json& j);

/// The server's own duration text: Go durations ("1.5ms", "2m3s") and the uptime form with
/// days and years ("3d4h5m6s", "1y2d"). Milliseconds; nullopt when it is neither.
std::optional<qint64> parseServerDurationMs(QStringView text);
/// The other way, in two units: "45s", "12m30s", "3h5m", "4d2h", "1y10d".
QString uptimeText(qint64 ms);

} // namespace jetdeck::sys
