#include "sparklinedelegate.h"

#include "ui/widgets/theme.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace jetdeck {

SparklineDelegate::SparklineDelegate(int role, QObject* parent)
    : QStyledItemDelegate(parent)
    , m_role(role) {}

void SparklineDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
    QStyledItemDelegate::paint(painter, option, index); // background, selection
    const QList<qreal> values = index.data(m_role).value<QList<qreal>>();
    if (values.size() < 2)
        return;
    const QRectF r = QRectF(option.rect).adjusted(3, 4, -5, -4);
    const auto [lo, hi] = std::minmax_element(values.cbegin(), values.cend());
    const qreal min = qMin<qreal>(0, *lo), span = qMax<qreal>(1, *hi - min);
    QPainterPath path;
    for (int i = 0; i < values.size(); ++i) {
        const QPointF p(r.left() + r.width() * i / (values.size() - 1),
                        r.bottom() - r.height() * (values[i] - min) / span);
        if (i == 0)
            path.moveTo(p);
        else
            path.lineTo(p);
    }
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const bool selected = option.state & QStyle::State_Selected;
    const QColor line = selected ? option.palette.color(QPalette::HighlightedText)
                                 : chartColor(ChartColor::Sparkline);
    painter->setPen(QPen(line, 1.5));
    painter->drawPath(path);
    painter->setBrush(line);
    painter->drawEllipse(path.currentPosition(), 2, 2);
    painter->restore();
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem& option,
                                  const QModelIndex& index) const {
    return QStyledItemDelegate::sizeHint(option, index).expandedTo(QSize(90, 18));
}

} // namespace jetdeck
