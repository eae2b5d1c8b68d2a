#pragma once

#include "ui/pages/sessionpage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointF>

#include <deque>
#include <memory>

class QChart;
class QLabel;
class QLineSeries;
class QValueAxis;
class QProgressBar;
class QTableView;

namespace jetdeck {

class ChartFaultMarkers;
class OutboundQueueModel;
struct HealthSnapshot;

/// The outbound queue: what the client holds while the server is away (oldest first, with
/// kind, subject, size and age), how full it is against its limits, and where every held
/// operation went: sent after the reconnect, expired, dropped (fail-open) or rejected
/// (fail-closed); and the last five minutes of it as charts (operations held, bytes held, the
/// oldest one's age) with the console's fault marks. Refreshed from the session's connection
/// on a timer; the history is recorded while the page is hidden too.
class OutboundPage : public SessionPage {
    Q_OBJECT
public:
    explicit OutboundPage(QWidget* parent = nullptr);

    OutboundQueueModel* model() const { return m_model; }
    /// The text of one counter ("depth", "queued", "flushed", "expired", "dropped",
    /// "rejected", "mode", "timeout"), for tests.
    QString counterText(const QString& name) const;
    void refresh() override;
    ~OutboundPage() override;

    /// The charts' points as (seconds since the page started, value): operations held, bytes
    /// held, the oldest one's age in seconds.
    const std::deque<QPointF>& depthHistory() const { return m_depthPoints; }
    const std::deque<QPointF>& bytesHistory() const { return m_bytesPoints; }
    const std::deque<QPointF>& oldestHistory() const { return m_oldestPoints; }
    /// Fault marks drawn on the depth chart now.
    int visibleFaultMarks() const;

    static constexpr int kChartWindowS = 300;
    static constexpr int kChartSampleMs = 1000;

protected:
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;
    void recordHistory() override;

private:
    void record(const HealthSnapshot& h);
    void drawCharts();

    OutboundQueueModel* m_model;
    QTableView* m_view;
    QProgressBar* m_fill;
    QLabel* m_note;
    QHash<QString, QLabel*> m_counters;

    QChart* m_depthChart;
    QChart* m_bytesChart;
    QChart* m_oldestChart;
    QValueAxis *m_depthX, *m_depthY, *m_bytesX, *m_bytesY, *m_oldestX, *m_oldestY;
    QLineSeries* m_depthSeries;
    QLineSeries* m_bytesSeries;
    QLineSeries* m_oldestSeries;
    std::unique_ptr<ChartFaultMarkers> m_depthMarks, m_bytesMarks, m_oldestMarks;
    std::deque<QPointF> m_depthPoints, m_bytesPoints, m_oldestPoints;
    QElapsedTimer m_clock;
    qint64 m_lastSampleMs = -1;
};

} // namespace jetdeck
