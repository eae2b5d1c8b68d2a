#pragma once

#include "core/client/connectionevent.h"

#include <QLabel>

namespace jetdeck {

/// A coloured pill with the connection state, readable at a glance from across a room.
class StateBadge : public QLabel {
    Q_OBJECT
public:
    explicit StateBadge(QWidget* parent = nullptr);
    void setState(ConnectionState state);
    ConnectionState state() const { return m_state; }
    static QColor colorFor(ConnectionState state);

private:
    ConnectionState m_state = ConnectionState::Disconnected;
};

/// A connection's dot, as the sidebar and the navigation show it: "green" connected, "amber"
/// connecting or reconnecting, "red" when its last attempt failed, "grey" otherwise.
QString stateDotColorName(ConnectionState state, bool failed);
QIcon stateDot(ConnectionState state, bool failed);

} // namespace jetdeck
