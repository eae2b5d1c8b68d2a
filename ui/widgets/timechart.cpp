#include "timechart.h"

#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>

namespace jetdeck::charts {

QChart* makeTimeChart(const QString& title, int windowS, QValueAxis** x, QValueAxis** y) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    *x = new QValueAxis;
    (*x)->setRange(-windowS, 0);
    (*x)->setLabelFormat(QStringLiteral("%d s"));
    (*x)->setTickCount(5);
    *y = new QValueAxis;
    (*y)->setRange(0, 1);
    (*y)->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(*x, Qt::AlignBottom);
    chart->addAxis(*y, Qt::AlignLeft);
    return chart;
}

QLineSeries* addLine(QChart* chart, QValueAxis* x, QValueAxis* y, const QString& name,
                     const QColor& color) {
    auto* s = new QLineSeries;
    s->setName(name);
    s->setColor(color);
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
    return s;
}

double replaceRelative(QLineSeries* series, const std::deque<QPointF>& points, double nowS) {
    QList<QPointF> pts;
    pts.reserve(qsizetype(points.size()));
    double maxY = 0;
    for (const QPointF& p : points) {
        pts.append(QPointF(p.x() - nowS, p.y()));
        maxY = qMax(maxY, p.y());
    }
    series->replace(pts);
    return maxY;
}

double niceMax(double maxY, double floor) {
    const double m = qMax(floor, maxY * 1.15);
    const double step = std::pow(10.0, std::floor(std::log10(m)));
    return std::ceil(m / step) * step;
}

void setYMax(QValueAxis* axis, double maxY, double floor) {
    const double top = niceMax(maxY, floor);
    if (axis->max() != top || axis->min() != 0)
        axis->setRange(0, top);
    const int ticks = axis->tickCount() - 1;
    // Whole numbers when every tick lands on one; enough decimals to tell ticks apart.
    const bool whole = ticks > 0 && std::fmod(top, ticks) == 0;
    axis->setLabelFormat(whole       ? QStringLiteral("%.0f")
                         : top < 2.0 ? QStringLiteral("%.2f")
                                     : QStringLiteral("%.1f"));
}

} // namespace jetdeck::charts
