#include "connectionevent.h"

namespace jetdeck {

QString connectionStateName(ConnectionState state) {
    switch (state) {
    case ConnectionState::Disconnected:
        return QStringLiteral("DISCONNECTED");
    case ConnectionState::Connecting:
        return QStringLiteral("CONNECTING");
    case ConnectionState::Connected:
        return QStringLiteral("CONNECTED");
    case ConnectionState::Reconnecting:
        return QStringLiteral("RECONNECTING");
    case ConnectionState::Draining:
        return QStringLiteral("DRAINING");
    case ConnectionState::Closed:
        return QStringLiteral("CLOSED");
    }
    return QStringLiteral("UNKNOWN");
}

QString connectionEventKindName(ConnectionEvent::Kind kind) {
    switch (kind) {
    case ConnectionEvent::Kind::State:
        return QStringLiteral("state");
    case ConnectionEvent::Kind::ServerInfo:
        return QStringLiteral("info");
    case ConnectionEvent::Kind::Discovered:
        return QStringLiteral("discovered");
    case ConnectionEvent::Kind::LameDuck:
        return QStringLiteral("lame-duck");
    case ConnectionEvent::Kind::Error:
        return QStringLiteral("error");
    case ConnectionEvent::Kind::SlowConsumer:
        return QStringLiteral("slow-consumer");
    case ConnectionEvent::Kind::Consumer:
        return QStringLiteral("consumer");
    case ConnectionEvent::Kind::Info:
        return QStringLiteral("info");
    case ConnectionEvent::Kind::Fault:
        return QStringLiteral("fault");
    }
    return QStringLiteral("event");
}

} // namespace jetdeck
