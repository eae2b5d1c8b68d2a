#include "servererror.h"

namespace jetdeck {

QByteArray normalizeServerError(QByteArrayView text) {
    QByteArrayView t = text.trimmed();
    if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front())
        t = t.sliced(1, t.size() - 2);
    return t.trimmed().toByteArray().toLower();
}

ServerError classifyServerError(QByteArrayView text) {
    ServerError e;
    e.normalized = normalizeServerError(text);
    const QByteArray& n = e.normalized;
    const QByteArray server = text.trimmed().toByteArray();
    auto make = [&](ErrorKind kind, const char* message, ServerErrorAction action) {
        e.error = Error{kind, QString::fromLatin1(message), server};
        e.action = action;
        return e;
    };

    if (n.startsWith("stale connection"))
        return make(ErrorKind::StaleConnection, "the server declared the connection stale",
                    ServerErrorAction::Reconnect);
    if (n.startsWith("authorization violation"))
        return make(ErrorKind::Authorization,
                    "the server refused the credentials (authorization violation)",
                    ServerErrorAction::Reconnect);
    if (n.startsWith("user authentication expired") ||
        n.startsWith("account authentication expired"))
        return make(ErrorKind::AuthExpired, "the credentials have expired",
                    ServerErrorAction::Reconnect);
    if (n.startsWith("user authentication revoked"))
        return make(ErrorKind::AuthExpired, "the credentials have been revoked",
                    ServerErrorAction::Reconnect);
    if (n.startsWith("authentication timeout"))
        return make(ErrorKind::Authorization, "the server timed out waiting for authentication",
                    ServerErrorAction::Reconnect);
    if (n.startsWith("permissions violation")) {
        // Keep the server's sentence: it names the subject and the direction.
        e.error = Error{ErrorKind::PermissionViolation, QString::fromUtf8(server), server};
        e.action = ServerErrorAction::Report;
        return e;
    }
    if (n.startsWith("maximum connections exceeded") ||
        n.startsWith("maximum account active connections exceeded"))
        return make(ErrorKind::MaxConnections, "the server has reached its connection limit",
                    ServerErrorAction::Reconnect);
    if (n.startsWith("invalid subject") || n.startsWith("invalid publish subject"))
        return make(ErrorKind::InvalidSubject, "the server rejected a subject",
                    ServerErrorAction::Report);
    if (n.startsWith("maximum subscriptions exceeded"))
        return make(ErrorKind::Server, "the server's subscription limit for this user was reached",
                    ServerErrorAction::Report);
    if (n.startsWith("maximum payload violation") || n.startsWith("maximum payload exceeded"))
        return make(ErrorKind::MaxPayload, "the server rejected a message larger than max_payload",
                    ServerErrorAction::Close);
    if (n.startsWith("secure connection - tls required"))
        return make(ErrorKind::Tls, "the server requires TLS", ServerErrorAction::Close);
    if (n.startsWith("slow consumer"))
        return make(ErrorKind::SlowConsumer, "the server closed this connection as a slow consumer",
                    ServerErrorAction::Close);
    if (n.startsWith("unknown protocol operation") || n.startsWith("parser error") ||
        n.contains("protocol"))
        return make(ErrorKind::Protocol, "the server could not parse what we sent",
                    ServerErrorAction::Close);
    e.error = Error{ErrorKind::Server, QStringLiteral("server error: ") + QString::fromUtf8(server),
                    server};
    e.action = ServerErrorAction::Close;
    return e;
}

} // namespace jetdeck
