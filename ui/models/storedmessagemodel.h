#pragma once

#include "core/jetstream/streamtypes.h"

#include "ui/models/listtablemodel.h"

namespace jetdeck {

/// A page of a stream's messages as the message browser read it: sequence, when it was stored,
/// subject, payload size and headers. A page replaces the last one; rows are the same row when
/// they hold the same sequence, so re-reading a page keeps the selection.
class StoredMessageModel : public ListTableModel<js::StoredMessage, quint64> {
    Q_OBJECT
public:
    enum Column { SeqColumn, TimeColumn, SubjectColumn, SizeColumn, HeadersColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit StoredMessageModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setMessages(const QList<js::StoredMessage>& messages);
    /// The row holding `seq`, or -1.
    int rowOfSequence(quint64 seq) const;

protected:
    quint64 rowKey(const js::StoredMessage& row) const override { return row.seq; }
};

} // namespace jetdeck
