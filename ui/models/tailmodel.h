#pragma once

#include "core/client/tailsampler.h"

#include <QAbstractTableModel>

#include <deque>

namespace jetdeck {

/// The newest messages a tail kept, at most `capacity`, oldest first: when more come the
/// oldest rows go (one removal, one insertion per batch).
class TailModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, SubjectColumn, SizeColumn, ReplyColumn, PayloadColumn, ColumnCount };

    explicit TailModel(int capacity = 500, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const QList<TailSampler::Kept>& rows);
    void clear();
    void setCapacity(int capacity);
    int capacity() const { return m_capacity; }
    const TailSampler::Kept* rowAt(int row) const;

private:
    int m_capacity;
    std::deque<TailSampler::Kept> m_rows;
};

} // namespace jetdeck
