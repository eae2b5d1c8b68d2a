#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>

class QChart;
class QLineSeries;
class QValueAxis;

namespace jetdeck {

/// A fault's start or end, or a server's event, for the marks on the time charts.
struct FaultMark {
    QDateTime time;
    QString label;
    bool start = true;
    bool event = false; ///< a server's event (start does not apply)
};

/// The console's faults as time marks (the newest kMax), shared by every page with a time
/// chart. Lives on the GUI thread.
class FaultMarks : public QObject {
    Q_OBJECT
public:
    static constexpr int kMax = 200;
    using QObject::QObject;
    void add(const QString& label, bool start,
             const QDateTime& time = QDateTime::currentDateTime());
    /// A server's event worth seeing next to the numbers (a leader elected, quorum lost...).
    void addEvent(const QString& label, const QDateTime& time);
    const QList<FaultMark>& marks() const { return m_marks; }

signals:
    void changed();

private:
    void push(const FaultMark& mark);

    QList<FaultMark> m_marks;
};

/// Draws fault marks on one chart whose x axis is seconds before now: a dashed vertical line
/// per mark in the axis' range, red where a fault started, green where it ended, a dotted
/// orange one at a server's event (the legend leaves them out). Series are pooled: no allocation
/// per tick.
class ChartFaultMarkers {
public:
    ChartFaultMarkers(QChart* chart, QValueAxis* x, QValueAxis* y);
    /// Places the marks for `now`; call after the y range is set.
    void update(const FaultMarks* marks, const QDateTime& now = QDateTime::currentDateTime());
    /// How many marks are shown now (for tests).
    int visibleCount() const { return m_visible; }

private:
    QLineSeries* seriesAt(int i);

    QChart* m_chart;
    QValueAxis* m_x;
    QValueAxis* m_y;
    QList<QLineSeries*> m_pool;
    int m_visible = 0;
};

} // namespace jetdeck
