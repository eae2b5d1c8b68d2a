#pragma once

#include "core/client/connection.h"
#include "core/metrics/registry.h"
#include "ui/widgets/faultmarks.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include <deque>
#include <memory>

class QGridLayout;
class QLabel;
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
class QTimer;

namespace jetdeck {

class StateBadge;
class StateTimeline;

/// Live view of one connection: state and its timeline, server, RTT, reconnects, traffic and
/// the outbound queue, refreshed from a health snapshot on a timer (never per message), with
/// small bounded RTT and throughput charts.
class ConnectionPage : public QWidget {
    Q_OBJECT
public:
    explicit ConnectionPage(QWidget* parent = nullptr);

    /// The connection to show; it may live on another thread. nullptr shows nothing.
    void setConnection(Connection* connection);
    /// Where the consumers' backpressure summary comes from.
    void setMetricsRegistry(metrics::MetricsRegistry* registry) { m_registry = registry; }
    /// Faults to mark on the charts.
    void setFaultMarks(FaultMarks* marks);
    /// Fault marks shown on the RTT chart now (for tests).
    int visibleFaultMarks() const;
    /// Pulls a snapshot now (the timer calls it; tests call it directly).
    void refresh();

    // For tests and screenshots: what the page currently shows.
    QString stateText() const;
    QString serverText() const;
    QString valueText(const QString& key) const;

private:
    QLabel* addRow(QGridLayout* grid, const QString& key, const QString& label, int row);
    void sampleCharts(const ConnectionStats& s);

    Connection* m_conn = nullptr; // owned by the main window, which detaches it first
    StateBadge* m_badge;
    StateTimeline* m_timeline;
    QLabel* m_server;
    QHash<QString, QLabel*> m_values;
    QPointer<metrics::MetricsRegistry> m_registry;
    QPointer<FaultMarks> m_faultMarks;
    std::unique_ptr<ChartFaultMarkers> m_rttMarks, m_rateMarks;
    QTimer* m_timer;

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
};

} // namespace jetdeck
