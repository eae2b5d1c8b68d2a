#include "theme.h"

#include <QAbstractAxis>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QStyle>
#include <QStyleFactory>

#include <optional>

namespace jetdeck {

namespace {
QPalette g_systemPalette; ///< the platform's own palette, captured before we change it
bool g_captured = false;

void capture() {
    if (!g_captured) {
        g_systemPalette = QApplication::palette();
        g_captured = true;
    }
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5);
    const QColor disabled(0x80, 0x82, 0x86), highlight(0x2f, 0x65, 0xca);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x58, 0x9d, 0xf6));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(0x3c, 0x3f, 0x41));
    p.setColor(QPalette::Dark, QColor(0x1a, 0x1a, 0x1a));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4b));
    for (QPalette::ColorRole r : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, r, disabled);
    return p;
}
} // namespace

QString themeName(Theme theme) {
    switch (theme) {
    case Theme::System:
        return QStringLiteral("system");
    case Theme::Light:
        return QStringLiteral("light");
    case Theme::Dark:
        return QStringLiteral("dark");
    }
    return QStringLiteral("system");
}

std::optional<Theme> themeFromName(QStringView name) {
    if (name == u"system")
        return Theme::System;
    if (name == u"light")
        return Theme::Light;
    if (name == u"dark")
        return Theme::Dark;
    return std::nullopt;
}

bool systemPrefersDark() {
    capture();
    if (qEnvironmentVariable("GTK_THEME").contains(QLatin1String(":dark"), Qt::CaseInsensitive))
        return true;
    return g_systemPalette.color(QPalette::Window).lightness() < 128;
}

bool isDark(Theme theme) {
    return theme == Theme::Dark || (theme == Theme::System && systemPrefersDark());
}

QPalette paletteFor(Theme theme) {
    capture();
    if (isDark(theme))
        return theme == Theme::System && g_systemPalette.color(QPalette::Window).lightness() < 128
                   ? g_systemPalette
                   : darkPalette();
    if (theme == Theme::System)
        return g_systemPalette;
    static QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion"));
    return fusion->standardPalette();
}

void applyChartPalette(QChart* chart, const QPalette& palette) {
    const QColor text = palette.color(QPalette::WindowText);
    const QColor grid = palette.color(QPalette::Mid);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(grid);
    }
}

QColor roleColor(ColorRole role) {
    switch (role) {
    case ColorRole::Good:
        return QColor(0x2e, 0x7d, 0x32);
    case ColorRole::Bad:
        return QColor(0xc6, 0x28, 0x28);
    case ColorRole::Warning:
        return QColor(0xef, 0x6c, 0x00);
    case ColorRole::Busy:
        return QColor(0xef, 0x8f, 0x00);
    case ColorRole::Caution:
        return QColor(0xb2, 0x6a, 0x00);
    case ColorRole::Accent:
        return QColor(0x15, 0x65, 0xc0);
    case ColorRole::Muted:
        return QColor(0x61, 0x61, 0x61);
    case ColorRole::Faint:
        return QColor(0x75, 0x75, 0x75);
    case ColorRole::OnStatus:
        return QColor(0xff, 0xff, 0xff);
    case ColorRole::DotBusy:
        return QColor(0xf9, 0xa8, 0x25);
    case ColorRole::DotIdle:
        return QColor(0x9e, 0x9e, 0x9e);
    case ColorRole::GoodCell:
        return QColor(0xc8, 0xe6, 0xc9);
    case ColorRole::GoodCellText:
        return QColor(0x1b, 0x5e, 0x20);
    case ColorRole::WarningCell:
        return QColor(0xff, 0xe0, 0xb2);
    case ColorRole::WarningCellText:
        return QColor(0xe6, 0x51, 0x00);
    case ColorRole::BadCell:
        return QColor(0xff, 0xcd, 0xd2);
    case ColorRole::BadCellText:
        return QColor(0xb7, 0x1c, 0x1c);
    }
    return QColor(0x61, 0x61, 0x61);
}

QString roleColorName(ColorRole role) {
    return roleColor(role).name();
}

QString textStyle(ColorRole role) {
    return QStringLiteral("color: %1;").arg(roleColorName(role));
}

QColor chartColor(ChartColor which) {
    switch (which) {
    case ChartColor::Rtt:
    case ChartColor::Unprocessed:
    case ChartColor::Sparkline:
        return roleColor(ColorRole::Accent);
    case ChartColor::MessagesIn:
    case ChartColor::P50:
    case ChartColor::FaultEnd:
        return roleColor(ColorRole::Good);
    case ChartColor::MessagesOut:
    case ChartColor::AckPending:
        return roleColor(ColorRole::Busy);
    case ChartColor::P95:
    case ChartColor::EventMark:
        return roleColor(ColorRole::Warning);
    case ChartColor::P99:
    case ChartColor::AfterNak:
    case ChartColor::FaultStart:
        return roleColor(ColorRole::Bad);
    case ChartColor::DeliveryCounts:
        return QColor(0x5e, 0x35, 0xb1);
    case ChartColor::AfterAckWait:
        return QColor(0x6d, 0x4c, 0x41);
    }
    return roleColor(ColorRole::Accent);
}

void applyTheme(Theme theme) {
    capture();
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    const QPalette palette = paletteFor(theme);
    QApplication::setPalette(palette);
    for (QWidget* top : QApplication::topLevelWidgets())
        for (QChartView* view : top->findChildren<QChartView*>())
            applyChartPalette(view->chart(), palette);
}

} // namespace jetdeck
