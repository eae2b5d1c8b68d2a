#pragma once

#include "core/client/connection.h"
#include "ui/pages/sessionpage.h"
#include "ui/widgets/faultmarks.h"

#include <QElapsedTimer>

#include <deque>
#include <memory>

class QGridLayout;
class QLabel;
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace jetdeck {

class StateBadge;
class StateTimeline;

/// Live view of one connection: state and its timeline, server, RTT, reconnects, traffic and
/// the outbound queue, refreshed from a health snapshot on a timer (never per message), with
/// small bounded RTT and throughput charts (the session's fault marks on them).
class ConnectionPage : public SessionPage {
    Q_OBJECT
public:
    explicit ConnectionPage(QWidget* parent = nullptr);

    /// Fault marks shown on the RTT chart now (for tests).
    int visibleFaultMarks() const;
    /// Pulls a snapshot now (the timer calls it; tests call it directly).
    void refresh() override;

    // For tests and screenshots: what the page currently shows.
    QString stateText() const;
    QString serverText() const;
    QString valueText(const QString& key) const;

protected:
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;
    void recordHistory() override;

private:
    QLabel* addRow(QGridLayout* grid, const QString& key, const QString& label, int row);
    void showBackpressure();
    /// Rates from the counters' deltas, and a chart point every kChartSampleMs.
    void record(const HealthSnapshot& h);
    void drawCharts();

    StateBadge* m_badge;
    StateTimeline* m_timeline;
    QLabel* m_server;
    QHash<QString, QLabel*> m_values;
    std::unique_ptr<ChartFaultMarkers> m_rttMarks, m_rateMarks;

    // Rates from counter deltas between refreshes.
    QElapsedTimer m_rateClock;
    ConnectionStats m_prev;
    double m_inRate = 0, m_outRate = 0, m_inBytesRate = 0, m_outBytesRate = 0;

    QChart* m_rttChart;
    QLineSeries* m_rttSeries;
    QValueAxis* m_rttX;
    QValueAxis* m_rttY;
    QChart* m_rateChart;
    QLineSeries* m_inSeries;
    QLineSeries* m_outSeries;
    QValueAxis* m_rateX;
    QValueAxis* m_rateY;
    std::deque<QPointF> m_rttPoints, m_inPoints, m_outPoints;
    QElapsedTimer m_chartClock;
    qint64 m_lastChartSampleMs = -1;
    bool m_undrawn = false; ///< points recorded since the charts were last drawn
};

} // namespace jetdeck
