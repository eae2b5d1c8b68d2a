#include "consumercharts.h"

#include "ui/widgets/chartcsv.h"
#include "ui/widgets/theme.h"
#include "ui/widgets/timechart.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

namespace jetdeck {

ConsumerCharts::ConsumerCharts(QWidget* parent)
    : QWidget(parent) {
    m_clock.start();
    auto* charts = new QHBoxLayout(this);
    charts->setContentsMargins(0, 0, 0, 0);

    m_pendingChart =
        charts::makeTimeChart(tr("Pending and ack pending"), kWindowS, &m_pendingX, &m_pendingY);
    m_pendingSeries = charts::addLine(m_pendingChart, m_pendingX, m_pendingY, tr("unprocessed"),
                                      chartColor(ChartColor::Unprocessed));
    m_ackPendingSeries = charts::addLine(m_pendingChart, m_pendingX, m_pendingY, tr("ack pending"),
                                         chartColor(ChartColor::AckPending));
    auto* pendingView = new QChartView(m_pendingChart, this);
    pendingView->setRenderHint(QPainter::Antialiasing);
    addCsvExport(pendingView, "seconds_ago");
    charts->addWidget(pendingView, 1);

    m_countChart = new QChart;
    m_countChart->setTitle(tr("Delivery counts"));
    m_countChart->legend()->hide();
    m_countChart->setMargins(QMargins(4, 4, 4, 4));
    m_countBars = new QBarSet(tr("deliveries"));
    QStringList categories;
    for (int i = 1; i <= js::RedeliveryTracker::Buckets; ++i) {
        *m_countBars << 0;
        categories << (i == js::RedeliveryTracker::Buckets ? QStringLiteral("%1+").arg(i)
                                                           : QString::number(i));
    }
    m_countBars->setColor(chartColor(ChartColor::DeliveryCounts));
    auto* bars = new QBarSeries;
    bars->append(m_countBars);
    m_countChart->addSeries(bars);
    auto* countX = new QBarCategoryAxis;
    countX->append(categories);
    countX->setTitleText(tr("delivery count"));
    QFont small = countX->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    countX->setLabelsFont(small);
    m_countY = new QValueAxis;
    m_countY->setLabelFormat(QStringLiteral("%.0f"));
    m_countY->setRange(0, 1);
    m_countChart->addAxis(countX, Qt::AlignBottom);
    m_countChart->addAxis(m_countY, Qt::AlignLeft);
    bars->attachAxis(countX);
    bars->attachAxis(m_countY);
    charts->addWidget(new QChartView(m_countChart, this), 1);

    m_causeChart = charts::makeTimeChart(tr("Redeliveries per second by cause"), kWindowS,
                                         &m_causeX, &m_causeY);
    m_causeY->setLabelFormat(QStringLiteral("%.1f"));
    m_nakSeries = charts::addLine(m_causeChart, m_causeX, m_causeY, tr("after NAK"),
                                  chartColor(ChartColor::AfterNak));
    m_ackWaitSeries = charts::addLine(m_causeChart, m_causeX, m_causeY, tr("after AckWait"),
                                      chartColor(ChartColor::AfterAckWait));
    auto* causeView = new QChartView(m_causeChart, this);
    causeView->setRenderHint(QPainter::Antialiasing);
    addCsvExport(causeView, "seconds_ago");
    charts->addWidget(causeView, 1);

    m_pendingMarks = std::make_unique<ChartFaultMarkers>(m_pendingChart, m_pendingX, m_pendingY);
    m_causeMarks = std::make_unique<ChartFaultMarkers>(m_causeChart, m_causeX, m_causeY);
}

ConsumerCharts::~ConsumerCharts() = default;

void ConsumerCharts::reset(const js::RedeliveryStats& stats) {
    m_nakRate.clear();
    m_ackWaitRate.clear();
    m_lastStats = stats;
    m_lastStatsMs = m_clock.elapsed();
}

bool ConsumerCharts::recordRates(const js::RedeliveryStats& st) {
    const qint64 nowMs = m_clock.elapsed();
    const double dt = double(nowMs - m_lastStatsMs) / 1000.0;
    if (dt < 0.5)
        return false;
    const double t = double(nowMs) / 1000.0;
    m_nakRate.push_back({t, double(st.afterNak - m_lastStats.afterNak) / dt});
    m_ackWaitRate.push_back({t, double(st.afterAckWait - m_lastStats.afterAckWait) / dt});
    while (!m_nakRate.empty() && m_nakRate.front().x() < t - kWindowS)
        m_nakRate.pop_front();
    while (!m_ackWaitRate.empty() && m_ackWaitRate.front().x() < t - kWindowS)
        m_ackWaitRate.pop_front();
    m_lastStats = st;
    m_lastStatsMs = nowMs;
    m_undrawnRates = true;
    return true;
}

void ConsumerCharts::draw(const QList<js::ConsumerSample>& history,
                          const js::RedeliveryStats* stats, const FaultMarks* marks) {
    // Pending and ack pending over the last minutes.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<QPointF> pending, ackPending;
    double maxY = 0;
    for (const js::ConsumerSample& h : history) {
        const double x = -double(h.time.msecsTo(now)) / 1000.0;
        if (x < -kWindowS)
            continue;
        pending.append({x, double(h.numPending)});
        ackPending.append({x, double(h.numAckPending)});
        maxY = qMax(maxY, double(qMax(h.numPending, h.numAckPending)));
    }
    m_pendingSeries->replace(pending);
    m_ackPendingSeries->replace(ackPending);
    charts::setYMax(m_pendingY, maxY);

    // Delivery counts and redeliveries by cause, from the tracker.
    if (stats) {
        double maxBar = 0;
        for (int i = 0; i < m_countBars->count(); ++i) {
            const double v = double(stats->deliveryCounts.value(i));
            if (m_countBars->at(i) != v)
                m_countBars->replace(i, v);
            maxBar = qMax(maxBar, v);
        }
        charts::setYMax(m_countY, maxBar);
    }
    if (m_undrawnRates) {
        m_undrawnRates = false;
        const double t = double(m_clock.elapsed()) / 1000.0;
        const double a = charts::replaceRelative(m_nakSeries, m_nakRate, t);
        const double b = charts::replaceRelative(m_ackWaitSeries, m_ackWaitRate, t);
        charts::setYMax(m_causeY, qMax(a, b));
    }
    m_pendingMarks->update(marks);
    m_causeMarks->update(marks);
}

QList<qreal> ConsumerCharts::deliveryCountBars() const {
    QList<qreal> out;
    for (int i = 0; i < m_countBars->count(); ++i)
        out.append(m_countBars->at(i));
    return out;
}

} // namespace jetdeck
