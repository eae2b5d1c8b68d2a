#pragma once

#include <QColor>
#include <QPointF>
#include <QString>

#include <deque>

class QChart;
class QLineSeries;
class QValueAxis;

namespace jetdeck::charts {

/// A chart whose x axis is seconds before now (-windowS .. 0) and whose y axis starts at 0.
QChart* makeTimeChart(const QString& title, int windowS, QValueAxis** x, QValueAxis** y);
QLineSeries* addLine(QChart* chart, QValueAxis* x, QValueAxis* y, const QString& name,
                     const QColor& color);
/// Replaces a series' points in one call (one repaint), with x made relative to nowS; returns
/// the largest y.
double replaceRelative(QLineSeries* series, const std::deque<QPointF>& points, double nowS);
/// A y range with some headroom above maxY, at least 0..floor.
double niceMax(double maxY, double floor = 1.0);
/// Sets the axis to 0..niceMax(maxY) with labels that do not repeat (decimals for small
/// ranges, whole numbers otherwise).
void setYMax(QValueAxis* axis, double maxY, double floor = 1.0);

} // namespace jetdeck::charts
