#pragma once

#include "core/base/error.h"

#include <QByteArrayView>

namespace jetdeck {

/// What the client does about an -ERR from the server, as nats.c and nats.go do.
enum class ServerErrorAction {
    Reconnect, ///< the server will drop us; try again (this or another server)
    Report,    ///< the connection stays up; tell the user (permissions, invalid subject)
    Close,     ///< fatal for this connection (parser error, max payload, TLS required...)
};

struct ServerError {
    Error error;
    ServerErrorAction action = ServerErrorAction::Close;
    QByteArray normalized; ///< trimmed, unquoted, lower case
};

/// Classifies the text of an -ERR line.
ServerError classifyServerError(QByteArrayView text);

/// Trims blanks, strips one pair of surrounding single or double quotes, lower-cases.
QByteArray normalizeServerError(QByteArrayView text);

} // namespace jetdeck
