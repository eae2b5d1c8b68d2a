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
/// router's configuration keys (see DESIGN.md).
struct Options {
    QList<ServerUrl> servers;
    QString name = QStringLiteral("jetdeck");
    bool verbose = false;
    bool pedantic = false;
    bool echo = true;
    bool noRandomize = false; ///< try servers in the given order instead of shuffling
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
    int eventHistorySize = 1000;

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
