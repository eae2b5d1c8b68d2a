#pragma once

#include "core/base/error.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace jetdeck {

/// What the server said about itself in its INFO line.
struct ServerInfo {
    QString serverId;
    QString serverName;
    QString version;
    QString go;
    QString host;
    int port = 0;
    int proto = 0;
    bool headers = false;
    qint64 maxPayload = 1024 * 1024;
    quint64 clientId = 0;
    QString clientIp;
    bool authRequired = false;
    bool tlsRequired = false;
    bool tlsAvailable = false;
    bool tlsVerify = false;
    QByteArray nonce;
    QStringList connectUrls;
    bool lameDuckMode = false;
    bool jetstream = false;
    QString cluster;
    QString domain;
    QByteArray raw; ///< the JSON as received

    /// Parses the JSON argument of INFO; an Error when it is not a JSON object.
    static Result<ServerInfo> parse(QByteArrayView json);
    /// Major.minor.patch as one comparable number (2.9.10 -> 20910); 0 when unknown.
    int versionNumber() const;
};

} // namespace jetdeck
