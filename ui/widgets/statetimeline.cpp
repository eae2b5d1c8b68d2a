#include "statetimeline.h"

#include "format.h"
#include "statebadge.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace jetdeck {

StateTimeline::StateTimeline(QWidget* parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(tr("Connection state timeline"));
}

QSize StateTimeline::sizeHint() const {
    return QSize(600, 46);
}

QSize StateTimeline::minimumSizeHint() const {
    return QSize(200, 46);
}

void StateTimeline::setHistory(const QList<StateSpan>& spans, const QDateTime& now) {
    m_spans = spans;
    m_now = now;
    update();
}

void StateTimeline::setWindowSeconds(int seconds) {
    m_windowS = qMax(10, seconds);
    update();
}

QRectF StateTimeline::barRect() const {
    return QRectF(4, 4, width() - 8, height() - 22);
}

double StateTimeline::xFor(const QDateTime& t) const {
    const QRectF bar = barRect();
    const double ageS = double(t.msecsTo(m_now)) / 1000.0;
    const double frac = 1.0 - qBound(0.0, ageS / m_windowS, 1.0);
    return bar.left() + frac * bar.width();
}

int StateTimeline::spanAt(const QPoint& pos) const {
    if (!barRect().contains(pos))
        return -1;
    for (int i = int(m_spans.size()) - 1; i >= 0; --i) {
        const double x0 = xFor(m_spans[i].since);
        const double x1 = i + 1 < m_spans.size() ? xFor(m_spans[i + 1].since) : barRect().right();
        if (pos.x() >= x0 && pos.x() <= qMax(x1, x0 + 2))
            return i;
    }
    return -1;
}

QString StateTimeline::describeSpan(int i) const {
    if (i < 0 || i >= m_spans.size())
        return {};
    const StateSpan& s = m_spans[i];
    const QDateTime end = i + 1 < m_spans.size() ? m_spans[i + 1].since : m_now;
    QString text =
        QStringLiteral("<b>%1</b> from %2 for %3")
            .arg(connectionStateName(s.state), s.since.toString(QStringLiteral("HH:mm:ss")),
                 format::duration(s.since.msecsTo(end)));
    if (i + 1 >= m_spans.size())
        text += tr(" (now)");
    if (!s.server.isEmpty())
        text += QStringLiteral("<br>") + tr("server %1").arg(s.server);
    if (!s.reason.isEmpty())
        text += QStringLiteral("<br>") + s.reason.toHtmlEscaped();
    return text;
}

void StateTimeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QRectF bar = barRect();
    p.fillRect(bar, palette().color(QPalette::AlternateBase));
    for (int i = 0; i < m_spans.size(); ++i) {
        const double x0 = xFor(m_spans[i].since);
        const double x1 = i + 1 < m_spans.size() ? xFor(m_spans[i + 1].since) : bar.right();
        if (x1 < bar.left())
            continue;
        // Even an instant (a failed attempt) gets a visible sliver.
        p.fillRect(QRectF(x0, bar.top(), qMax(2.0, x1 - x0), bar.height()),
                   StateBadge::colorFor(m_spans[i].state));
    }
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(bar);

    // Time ticks: now, and every fifth of the window.
    p.setPen(palette().color(QPalette::WindowText));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    p.setFont(f);
    for (int k = 0; k <= 5; ++k) {
        const double frac = double(k) / 5.0;
        const double x = bar.left() + frac * bar.width();
        const int agoS = qRound((1.0 - frac) * m_windowS);
        p.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + 3));
        const QString label = agoS == 0        ? tr("now")
                              : agoS % 60 == 0 ? QStringLiteral("-%1 min").arg(agoS / 60)
                                               : QStringLiteral("-%1 s").arg(agoS);
        const int w = p.fontMetrics().horizontalAdvance(label);
        const double lx = qBound(0.0, x - w / 2.0, double(width() - w));
        p.drawText(QPointF(lx, height() - 3), label);
    }
}

bool StateTimeline::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        const int i = spanAt(help->pos());
        if (i >= 0)
            QToolTip::showText(help->globalPos(), describeSpan(i), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

} // namespace jetdeck
