#pragma once

#include <QColor>
#include <QPalette>
#include <QString>
#include <QStringView>

#include <optional>

class QChart;
class QWidget;

namespace jetdeck {

/// The console's colours: the system's (light or dark, as the desktop says), or forced.
enum class Theme { System, Light, Dark };
QString themeName(Theme theme);
/// "system", "light", "dark"; nullopt otherwise.
std::optional<Theme> themeFromName(QStringView name);

/// True when the desktop asks for dark colours: its palette is dark, or GTK_THEME names a
/// dark variant.
bool systemPrefersDark();
/// The palette a theme uses (System: light or dark as the desktop prefers).
QPalette paletteFor(Theme theme);
/// True when `theme` ends up dark.
bool isDark(Theme theme);
/// Sets the application's style (Fusion) and palette, and recolours every chart under the
/// top-level widgets.
void applyTheme(Theme theme);
/// Recolours one chart (background, title, axes, grid, legend) for a palette; its series keep
/// their colours.
void applyChartPalette(QChart* chart, const QPalette& palette);

/// What a colour says. Every colour the console picks beyond the palette is one of these roles
/// (or a ChartColor), and theme.cpp alone says which colour each is. The roles read on light
/// and dark backgrounds alike, so both themes use the same ones.
enum class ColorRole {
    Good,     ///< connected, passed, all delivered, backpressure OK
    Bad,      ///< an error, failed, disconnected, over the limit, backpressure CRITICAL
    Warning,  ///< worth a look: a redelivery, backpressure WARN
    Busy,     ///< on its way: connecting, reconnecting
    Caution,  ///< the server is going away (lame duck): text on a table row
    Accent,   ///< running, draining
    Muted,    ///< closed: nothing happens on it any more
    Faint,    ///< left out: a scenario step that did not run
    OnStatus, ///< text on a status colour (the state badge)
    // A saved connection's dot in the sidebar: small, so brighter than text (with Good, Bad).
    DotBusy, ///< connecting or reconnecting
    DotIdle, ///< not the connection in use
    // A table cell that shows a level (backpressure): a light background, dark text.
    GoodCell,
    GoodCellText,
    WarningCell,
    WarningCellText,
    BadCell,
    BadCellText,
};
QColor roleColor(ColorRole role);
/// The role's colour as a style sheet writes it ("#rrggbb").
QString roleColorName(ColorRole role);
/// A style sheet that colours a label's text: "color: #rrggbb;".
QString textStyle(ColorRole role);

/// The colour of each series and mark the time charts draw.
enum class ChartColor {
    Rtt,            ///< connection page: round-trip time
    MessagesIn,     ///< connection page: messages per second in
    MessagesOut,    ///< ... and out
    P50,            ///< latency page: the percentiles
    P95,            ///<
    P99,            ///<
    Unprocessed,    ///< consumer page: num_pending
    AckPending,     ///< ... and num_ack_pending
    DeliveryCounts, ///< consumer page: the delivery-count bars
    AfterNak,       ///< consumer page: redeliveries after a NAK
    AfterAckWait,   ///< ... and after AckWait ran out
    Sparkline,      ///< a table's small trend line (consumer lag)
    FaultStart,     ///< the mark where a fault started
    FaultEnd,       ///< ... and where it ended
    EventMark,      ///< the mark of a server's event (leader elected, MaxDeliver...)
};
QColor chartColor(ChartColor which);

} // namespace jetdeck
