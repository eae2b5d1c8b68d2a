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

} // namespace jetdeck
