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
