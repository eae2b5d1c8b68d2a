#include "statebadge.h"

namespace jetdeck {

StateBadge::StateBadge(QWidget* parent)
    : QLabel(parent) {
    setAlignment(Qt::AlignCenter);
    setMinimumWidth(150);
    setState(ConnectionState::Disconnected);
}

QColor StateBadge::colorFor(ConnectionState state) {
    switch (state) {
    case ConnectionState::Connected:
        return QColor(0x2e, 0x7d, 0x32);
    case ConnectionState::Connecting:
    case ConnectionState::Reconnecting:
        return QColor(0xef, 0x8f, 0x00);
    case ConnectionState::Draining:
        return QColor(0x15, 0x65, 0xc0);
    case ConnectionState::Disconnected:
        return QColor(0xc6, 0x28, 0x28);
    case ConnectionState::Closed:
        return QColor(0x61, 0x61, 0x61);
    }
    return Qt::gray;
}

void StateBadge::setState(ConnectionState state) {
    m_state = state;
    setText(connectionStateName(state));
    setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; font-weight: bold; "
                                 "border-radius: 10px; padding: 4px 14px; }")
                      .arg(colorFor(state).name()));
    setAccessibleName(tr("Connection state: %1").arg(connectionStateName(state)));
}

} // namespace jetdeck
