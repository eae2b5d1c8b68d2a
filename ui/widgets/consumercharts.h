#pragma once

#include "core/jetstream/consumermonitor.h"
#include "core/jetstream/redeliverytracker.h"
#include "ui/widgets/faultmarks.h"

#include <QElapsedTimer>
#include <QWidget>

#include <deque>
#include <memory>

class QBarSet;
class QChart;
class QLineSeries;
class QValueAxis;

namespace jetdeck {

/// The consumer page's charts, side by side: unprocessed and ack pending over the last minutes
/// (the monitor's CONSUMER.INFO history), the delivery-count bars and redeliveries per second by
/// cause (after a NAK, after AckWait ran out) from the consumer's tracker, with fault marks on
/// the time charts. The rates are kept here, sampled from the tracker's counters.
class ConsumerCharts : public QWidget {
    Q_OBJECT
public:
    static constexpr int kWindowS = 300; ///< five minutes of history on the time charts

    explicit ConsumerCharts(QWidget* parent = nullptr);
    ~ConsumerCharts() override;

    /// Forgets the rates: another consumer (or none), whose tracker counts `stats` now.
    void reset(const js::RedeliveryStats& stats = {});
    /// Redeliveries per second by cause since the last point (a point at most every half
    /// second); true when it added one.
    bool recordRates(const js::RedeliveryStats& stats);
    /// Draws the pending history, the delivery counts and the rates (recordRates() first).
    void draw(const QList<js::ConsumerSample>& history, const js::RedeliveryStats* stats,
              const FaultMarks* marks);
    /// The delivery-count bars (deliveries with count 1, 2, ... 10+).
    QList<qreal> deliveryCountBars() const;

private:
    QElapsedTimer m_clock;
    std::deque<QPointF> m_nakRate, m_ackWaitRate; ///< (time s, redeliveries/s)
    js::RedeliveryStats m_lastStats;
    qint64 m_lastStatsMs = 0;
    bool m_undrawnRates = false; ///< rate points recorded since they were last drawn

    QChart* m_pendingChart;
    QValueAxis *m_pendingX, *m_pendingY;
    QLineSeries *m_pendingSeries, *m_ackPendingSeries;
    QChart* m_countChart;
    QBarSet* m_countBars;
    QValueAxis* m_countY;
    QChart* m_causeChart;
    QValueAxis *m_causeX, *m_causeY;
    QLineSeries *m_nakSeries, *m_ackWaitSeries;
    std::unique_ptr<ChartFaultMarkers> m_pendingMarks, m_causeMarks;
};

} // namespace jetdeck
