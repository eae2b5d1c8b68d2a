#pragma once

#include "core/base/error.h"

#include <QList>
#include <QString>

namespace jetdeck {

/// One server address with the credentials that may ride along in its URL.
struct ServerUrl {
    QString host;
    quint16 port = 4222;
    bool tls = false; ///< tls:// scheme: TLS required for this server
    QString user;
    QString password;
    QString token;
    bool implicit = false; ///< learned from INFO connect_urls, not configured

    bool hasUserInfo() const { return !user.isEmpty() || !token.isEmpty(); }
    /// host:port, with brackets around IPv6 hosts.
    QString hostPort() const;
    /// URL with any password or token replaced by "***", for logs and the UI.
    QString redacted() const;
    /// Same server (host and port; localhost, 127.0.0.1 and ::1 count as one host).
    bool sameServer(const ServerUrl& other) const;

    static constexpr quint16 DefaultPort = 4222;
};

/// Parses `nats://`, `tls://`, `host:port`, `host`, `user:pass@host`, `token@host`, with
/// IPv6 in brackets. Percent-escapes in user, password and token are decoded.
/// `text` (a URL as typed, valid or not) with the password or token in its user info masked.
QString redactUrlText(const QString& text);

Result<ServerUrl> parseServerUrl(const QString& text);
/// A comma separated list of the above; blanks around entries are ignored.
Result<QList<ServerUrl>> parseServerList(const QString& text);

} // namespace jetdeck
