#pragma once

#include "serverurl.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace jetdeck {

/// TLS settings. TLS is used when a URL says tls://, when `required` is set, when any file
/// below is given, or when the server's INFO requires it.
struct TlsOptions {
    bool required = false;
    QString caFile;   ///< PEM file with the CA certificates to trust (replaces the system set)
    QString certFile; ///< client certificate (PEM)
    QString keyFile;  ///< client private key (PEM)
    bool verifyHostname = true;
    /// Accept any certificate. For local experiments only; the UI marks it loudly.
    bool insecureSkipVerify = false;
    /// TLS before the server's INFO (natscli's tls_first; nats-server 2.10's handshake_first).
    bool handshakeFirst = false;

    bool anyFileSet() const {
        return !caFile.isEmpty() || !certFile.isEmpty() || !keyFile.isEmpty();
    }
};

/// Credentials. URL user info (user:pass@, token@) takes precedence over user/password/token
/// here, as in nats.c and nats.go.
struct AuthOptions {
    QString user;
    QString password;
    QString token;
    QString nkeySeedFile; ///< file with an NKey user seed (SU...)
    QByteArray nkeySeed;  ///< the seed itself, when it does not come from a file
    QString credsFile;    ///< .creds file: user JWT + seed
    QByteArray userJwt;   ///< a user JWT given inline (natscli user_jwt); signed with nkeySeed
};

/// Everything a Connection can be told. Names of the resilience settings follow the earlier
/// router's configuration keys (reconnect_attempts, reconnect_delay_ms,
/// max_reconnect_delay_ms, ...).
struct Options {
    QList<ServerUrl> servers;
    QString name = QStringLiteral("jetdeck");
    bool verbose = false;
    bool pedantic = false;
    bool echo = true;
    bool noRandomize = false; ///< try servers in the given order instead of shuffling
    /// Connect only to the configured servers, never to those a server advertises in INFO
    /// connect_urls. Those get the same credentials: a compromised or misconfigured server
    /// could point the client (and its password or token) anywhere.
    bool ignoreDiscoveredServers = false;
    AuthOptions auth;
    TlsOptions tls;

    int connectTimeoutMs = 2000;
    int pingIntervalMs = 5000; ///< a console wants to notice a dead server quickly
    int maxPingsOut = 2;

    qint64 subPendingMsgsLimit = 65536;
    qint64 subPendingBytesLimit = 64 * 1024 * 1024;

    /// Outbound bytes buffered for a live socket before publishers on other threads wait.
    qint64 writeBufferLimit = 8 * 1024 * 1024;

    QByteArray inboxPrefix = "_INBOX";
    /// Where JetStream lives for this connection (natscli's jetstream_domain,
    /// jetstream_api_prefix, jetstream_event_prefix); empty: `$JS.API.` and `$JS.EVENT.`.
    QString jetstreamDomain;
    QString jetstreamApiPrefix;
    QString jetstreamEventPrefix;
    int eventHistorySize = 1000;
    int stateHistorySize = 500;

    // --- resilience (the earlier router's keys in brackets) ------------------------------
    /// Reconnect after a lost connection.
    bool allowReconnect = true;
    /// Keep trying when the very first connect fails (the console does; one-shot CLI
    /// commands do not, so a wrong URL fails at once).
    bool retryOnFailedConnect = false;
    /// Attempts after a loss before giving up and closing [reconnect_attempts]; -1: never.
    int reconnectAttempts = -1;
    /// First delay between passes over the server pool [reconnect_delay_ms].
    int reconnectDelayMs = 500;
    double reconnectMultiplier = 2.0;
    /// Cap of the delay [max_reconnect_delay_ms].
    int maxReconnectDelayMs = 10000;
    /// Jitter as a percent of each delay.
    int reconnectJitterPercent = 20;
    /// Publishes held while disconnected [max_pending_operations] and their bytes.
    int maxPendingOperations = 10000;
    qint64 maxPendingBytes = 8 * 1024 * 1024;
    /// How long a held publish may wait [pending_operation_timeout_ms].
    int pendingOperationTimeoutMs = 60000;
    /// When the queue is full: drop the oldest publish (true) or reject the new one
    /// [fail_open_mode].
    bool failOpenMode = false;
    /// Drain: how long to wait for buffered messages before closing anyway.
    int drainTimeoutMs = 30000;
    /// Close, the end of a drain and a lame-duck move: how long the socket may take to write
    /// what is buffered. What it has not written by then is reported (dropped at close, held
    /// for the next server on a lame-duck move).
    int closeWriteTimeoutMs = 5000;

    /// Parses `servers` from a comma separated URL list.
    static Result<Options> fromUrls(const QString& urls) {
        auto r = parseServerList(urls);
        if (!r)
            return r.error();
        Options o;
        o.servers = r.value();
        return o;
    }
};

} // namespace jetdeck
