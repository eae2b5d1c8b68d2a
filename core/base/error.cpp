#include "error.h"

namespace jetdeck {

QString errorKindName(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::None:
        return QStringLiteral("ok");
    case ErrorKind::InvalidArgument:
        return QStringLiteral("invalid argument");
    case ErrorKind::InvalidSubject:
        return QStringLiteral("invalid subject");
    case ErrorKind::MaxPayload:
        return QStringLiteral("maximum payload exceeded");
    case ErrorKind::NotConnected:
        return QStringLiteral("not connected");
    case ErrorKind::ConnectionClosed:
        return QStringLiteral("connection closed");
    case ErrorKind::ConnectFailed:
        return QStringLiteral("connect failed");
    case ErrorKind::Timeout:
        return QStringLiteral("timeout");
    case ErrorKind::NoResponders:
        return QStringLiteral("no responders");
    case ErrorKind::Authorization:
        return QStringLiteral("authorization violation");
    case ErrorKind::AuthExpired:
        return QStringLiteral("authentication expired");
    case ErrorKind::PermissionViolation:
        return QStringLiteral("permissions violation");
    case ErrorKind::StaleConnection:
        return QStringLiteral("stale connection");
    case ErrorKind::MaxConnections:
        return QStringLiteral("maximum connections exceeded");
    case ErrorKind::SlowConsumer:
        return QStringLiteral("slow consumer");
    case ErrorKind::Protocol:
        return QStringLiteral("protocol error");
    case ErrorKind::Tls:
        return QStringLiteral("TLS error");
    case ErrorKind::Credentials:
        return QStringLiteral("credentials error");
    case ErrorKind::Server:
        return QStringLiteral("server error");
    case ErrorKind::QueueFull:
        return QStringLiteral("outbound queue full");
    case ErrorKind::Io:
        return QStringLiteral("I/O error");
    case ErrorKind::Unsupported:
        return QStringLiteral("unsupported");
    case ErrorKind::JetStream:
        return QStringLiteral("JetStream error");
    case ErrorKind::NotFound:
        return QStringLiteral("not found");
    case ErrorKind::AlreadyExists:
        return QStringLiteral("already exists");
    case ErrorKind::JetStreamNotEnabled:
        return QStringLiteral("JetStream not enabled");
    case ErrorKind::WrongLastSequence:
        return QStringLiteral("wrong last sequence");
    }
    return QStringLiteral("unknown");
}

QString Error::toString() const {
    if (ok())
        return QStringLiteral("ok");
    QString s = message.isEmpty() ? errorKindName(kind) : message;
    if (!serverText.isEmpty() && !s.contains(QString::fromUtf8(serverText), Qt::CaseInsensitive))
        s += QStringLiteral(" (server: ") + QString::fromUtf8(serverText) + QLatin1Char(')');
    return s;
}

} // namespace jetdeck
