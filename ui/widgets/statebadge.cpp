#include "statebadge.h"

#include "ui/widgets/theme.h"

#include <QIcon>
#include <QPainter>
#include <QPixmap>

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

QString stateDotColorName(ConnectionState state, bool failed) {
    switch (state) {
    case ConnectionState::Connected:
        return QStringLiteral("green");
    case ConnectionState::Connecting:
    case ConnectionState::Reconnecting:
    case ConnectionState::Draining:
        return failed ? QStringLiteral("red") : QStringLiteral("amber");
    case ConnectionState::Disconnected:
    case ConnectionState::Closed:
        return failed ? QStringLiteral("red") : QStringLiteral("grey");
    }
    return QStringLiteral("grey");
}

QIcon stateDot(ConnectionState state, bool failed) {
    const QString name = stateDotColorName(state, failed);
    const QColor color = name == QLatin1String("green")   ? roleColor(ColorRole::Good)
                         : name == QLatin1String("amber") ? roleColor(ColorRole::DotBusy)
                         : name == QLatin1String("red")   ? roleColor(ColorRole::Bad)
                                                          : roleColor(ColorRole::DotIdle);
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(color.darker(130));
    p.drawEllipse(1, 1, 10, 10);
    p.end();
    return QIcon(pm);
}

} // namespace jetdeck
