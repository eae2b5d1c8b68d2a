#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace jetdeck {

/// Connection states, as the UI and the CLI show them.
enum class ConnectionState {
    Disconnected, ///< not connected and not trying (initial state)
    Connecting,   ///< first connect in progress
    Connected,
    Reconnecting, ///< lost the server, trying again
    Draining,     ///< unsubscribed, delivering what is buffered, then closing
    Closed,       ///< closed for good
};

QString connectionStateName(ConnectionState state);

/// One entry of a connection's event history.
struct ConnectionEvent {
    enum class Kind {
        State,        ///< a state transition; `state` says which
        ServerInfo,   ///< INFO received (first or updated)
        Discovered,   ///< new servers learned from connect_urls
        LameDuck,     ///< the server announced it is shutting down
        Error,        ///< an error, fatal or not
        SlowConsumer, ///< a subscription started dropping messages
        Consumer,     ///< a JetStream consumer's news (backpressure level, MaxDeliver...)
        Fault,        ///< a fault injected from the console (toxic, server kill...), start or end
        Info,         ///< anything else worth a line in the log
    };
    QDateTime time;
    Kind kind = Kind::Info;
    ConnectionState state = ConnectionState::Disconnected;
    QString server;  ///< host:port involved, when there is one
    QString message; ///< what happened, for people
};

QString connectionEventKindName(ConnectionEvent::Kind kind);

} // namespace jetdeck

Q_DECLARE_METATYPE(jetdeck::ConnectionEvent)
Q_DECLARE_METATYPE(jetdeck::ConnectionState)
