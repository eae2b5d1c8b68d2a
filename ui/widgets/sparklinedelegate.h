#pragma once

#include <QStyledItemDelegate>

namespace jetdeck {

/// Draws a cell's history (a QList<qreal> under `role`) as a small line, scaled to its own
/// range, the last value marked; the cell's tooltip carries the numbers.
class SparklineDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    SparklineDelegate(int role, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_role;
};

} // namespace jetdeck
