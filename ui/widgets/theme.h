#pragma once

#include <QPalette>
#include <QStringView>

#include <QString>
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

} // namespace jetdeck
