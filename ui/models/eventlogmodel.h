#pragma once

#include "core/client/connectionevent.h"

#include <QAbstractTableModel>

#include <deque>

namespace jetdeck {

/// The connection's event history as a table, bounded: once `capacity` rows are held, the
/// oldest are dropped, so memory does not grow with uptime.
class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, KindColumn, ServerColumn, MessageColumn, ColumnCount };
    enum Role { KindRole = Qt::UserRole + 1, StateRole };

    explicit EventLogModel(int capacity = 2000, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const ConnectionEvent& event);
    void appendMany(const QList<ConnectionEvent>& events);
    void clear();
    /// Every row as CSV (time with milliseconds, event, server or consumer, message), oldest
    /// first.
    QByteArray toCsv() const;
    /// Only these rows (what a filter shows), in the order given.
    QByteArray toCsv(const QList<int>& rows) const;
    int capacity() const { return m_capacity; }
    const ConnectionEvent& eventAt(int row) const { return m_events[size_t(row)]; }

private:
    int m_capacity;
    std::deque<ConnectionEvent> m_events;
};

} // namespace jetdeck
