#pragma once

#include "core/metrics/registry.h"
#include "ui/pages/sessionpage.h"
#include "ui/widgets/faultmarks.h"

#include <QElapsedTimer>
#include <QHash>

#include <deque>
#include <memory>

class QChart;
class QComboBox;
class QLabel;
class QLineSeries;
class QSortFilterProxyModel;
class QTableView;
class QValueAxis;

namespace jetdeck {

class LatencyModel;

/// Latency: every probe's P50 ... max over the chosen window (10 s, 1 min, 5 min) in a table,
/// and P50 / P95 / P99 of the selected probe over the last 10 minutes in a chart. Reads the
/// session's metrics registry on a timer (the session's fault marks on the chart); the chart's
/// series can be saved as CSV.
class LatencyPage : public SessionPage {
    Q_OBJECT
public:
    explicit LatencyPage(QWidget* parent = nullptr);

    metrics::Window window() const;
    void setWindow(metrics::Window window);
    LatencyModel* model() const { return m_model; }
    /// Selects the row of this probe key ("processing stream=ORDERS consumer=billing").
    bool selectProbe(const QString& key);
    QString selectedKey() const;
    /// The selected probe's chart series as CSV (seconds relative to now, P50, P95, P99 in ms).
    QByteArray chartCsv() const;
    Status saveChartCsv(const QString& path) const;
    /// Refreshes now (the timer does it twice a second).
    void refresh() override;

signals:
    void exportSnapshotRequested();

protected:
    void recordHistory() override;

private:
    struct Point {
        double t; ///< seconds on the page's clock
        double p50, p95, p99;
    };
    /// A chart point per probe, once every kSampleMs.
    bool sampleDue() const;
    void sampleHistory(const QList<metrics::ProbeSnapshot>& snapshots);
    void redrawChart();

    std::unique_ptr<ChartFaultMarkers> m_marks;
    QComboBox* m_windowBox;
    QLabel* m_summary;
    LatencyModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    QChart* m_chart;
    QValueAxis* m_x;
    QValueAxis* m_y;
    QLineSeries* m_p50;
    QLineSeries* m_p95;
    QLineSeries* m_p99;
    QElapsedTimer m_clock;
    qint64 m_lastSampleMs = -1;
    bool m_undrawn = false;                      ///< points sampled since the chart was last drawn
    QHash<QString, std::deque<Point>> m_history; ///< per probe key, bounded
};

} // namespace jetdeck
