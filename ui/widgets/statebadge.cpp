#include "statebadge.h"

#include "ui/widgets/theme.h"

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
        return roleColor(ColorRole::Good);
    case ConnectionState::Connecting:
    case ConnectionState::Reconnecting:
        return roleColor(ColorRole::Busy);
    case ConnectionState::Draining:
        return roleColor(ColorRole::Accent);
    case ConnectionState::Disconnected:
        return roleColor(ColorRole::Bad);
    case ConnectionState::Closed:
        return roleColor(ColorRole::Muted);
    }
    return roleColor(ColorRole::Muted);
}

void StateBadge::setState(ConnectionState state) {
    m_state = state;
    setText(connectionStateName(state));
    setStyleSheet(QStringLiteral("QLabel { background: %1; color: %2; font-weight: bold; "
                                 "border-radius: 10px; padding: 4px 14px; }")
                      .arg(colorFor(state).name(), roleColorName(ColorRole::OnStatus)));
    setAccessibleName(tr("Connection state: %1").arg(connectionStateName(state)));
}

} // namespace jetdeck
