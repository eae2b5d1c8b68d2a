#pragma once

#include "core/client/outboundqueue.h"

#include "ui/models/listtablemodel.h"

namespace jetdeck {

/// What the outbound queue holds while the connection is away, oldest first: kind, subject,
/// size and age. Updated in place: shared rows get one ranged dataChanged, the rest are
/// inserted or removed at the end.
class OutboundQueueModel : public ListTableModel<OutboundQueue::Entry, quint64> {
    Q_OBJECT
public:
    enum Column { PositionColumn, KindColumn, SubjectColumn, BytesColumn, AgeColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit OutboundQueueModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<OutboundQueue::Entry>& entries);

protected:
    quint64 rowKey(const OutboundQueue::Entry& e) const override { return e.id; }
};

} // namespace jetdeck
