#pragma once

class QSettings;
class QWidget;

namespace jetdeck {

/// Where the user left splitters and columns: every splitter under `root` with an object name
/// (window/splitter/<name>), and the column layout (widths, order, sort) of every table and
/// tree with one (window/columns/<name>).
void saveLayout(QWidget* root, QSettings& settings);
void restoreLayout(QWidget* root, const QSettings& settings);

} // namespace jetdeck
