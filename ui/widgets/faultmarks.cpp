#include "faultmarks.h"

#include "ui/widgets/theme.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

namespace jetdeck {

void FaultMarks::add(const QString& label, bool start, const QDateTime& time) {
    push({time, label, start, false});
}

void FaultMarks::addEvent(const QString& label, const QDateTime& time) {
    push({time, label, true, true});
}

void FaultMarks::push(const FaultMark& mark) {
    m_marks.append(mark);
    if (m_marks.size() > kMax)
        m_marks.remove(0, m_marks.size() - kMax);
    emit changed();
}

ChartFaultMarkers::ChartFaultMarkers(QChart* chart, QValueAxis* x, QValueAxis* y)
    : m_chart(chart)
    , m_x(x)
    , m_y(y) {}

QLineSeries* ChartFaultMarkers::seriesAt(int i) {
    while (m_pool.size() <= i) {
        auto* s = new QLineSeries;
        s->setProperty("jetdeckFaultMark", true);
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        for (QLegendMarker* m : m_chart->legend()->markers(s))
            m->setVisible(false);
        m_pool.append(s);
    }
    return m_pool[i];
}

void ChartFaultMarkers::update(const FaultMarks* marks, const QDateTime& now) {
    int used = 0;
    if (marks) {
        const double lo = m_x->min(), top = m_y->max();
        for (const FaultMark& m : marks->marks()) {
            const double x = -double(m.time.msecsTo(now)) / 1000.0;
            if (x < lo || x > 0)
                continue;
            QLineSeries* s = seriesAt(used++);
            QPen pen(chartColor(m.event   ? ChartColor::EventMark
                                : m.start ? ChartColor::FaultStart
                                          : ChartColor::FaultEnd));
            pen.setStyle(m.event ? Qt::DotLine : Qt::DashLine);
            pen.setWidthF(1.5);
            s->setPen(pen);
            s->setName(m.label);
            s->replace(QList<QPointF>{{x, 0.0}, {x, top}});
            s->setVisible(true);
            for (QLegendMarker* lm : m_chart->legend()->markers(s))
                lm->setVisible(false);
        }
    }
    for (int i = used; i < m_pool.size(); ++i)
        m_pool[i]->setVisible(false);
    m_visible = used;
}

} // namespace jetdeck
