#pragma once

#include "core/client/health.h"

#include <QList>
#include <QWidget>

namespace jetdeck {

/// The connection's recent history as coloured spans on a time axis: connected in green,
/// (re)connecting in amber, disconnected in red. Hovering a span tells its state, when it
/// began, how long it lasted, the server and the reason.
class StateTimeline : public QWidget {
    Q_OBJECT
public:
    explicit StateTimeline(QWidget* parent = nullptr);

    void setHistory(const QList<StateSpan>& spans, const QDateTime& now);
    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_windowS; }
    /// The span under a point, for tooltips and tests; -1 when none.
    int spanAt(const QPoint& pos) const;
    QString describeSpan(int index) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRectF barRect() const;
    double xFor(const QDateTime& t) const;

    QList<StateSpan> m_spans;
    QDateTime m_now;
    int m_windowS = 600;
};

} // namespace jetdeck
