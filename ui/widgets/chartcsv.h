#pragma once

#include "core/base/error.h"

#include <QByteArray>

class QChart;
class QChartView;

namespace jetdeck {

/// A chart's line series as CSV: the first column is x (`xName`), then one column per series
/// (named by the series), one row per distinct x in order; a series without a point at that
/// x leaves its cell empty.
QByteArray chartToCsv(const QChart* chart, const QByteArray& xName);
Status saveChartCsv(const QChart* chart, const QByteArray& xName, const QString& path);
/// Adds "Save as CSV..." to the view's context menu.
void addCsvExport(QChartView* view, const QByteArray& xName);

} // namespace jetdeck
