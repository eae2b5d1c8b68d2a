#pragma once

#include "core/system/events.h"

#include "sortproxy.h"
#include <QAbstractTableModel>

#include <deque>
#include <optional>

namespace jetdeck {

/// What the servers announced (sys::SystemEvent), oldest first, bounded: once `capacity` rows
/// are held the oldest go, so memory does not grow with uptime.
class SystemEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, SeverityColumn, KindColumn, WhereColumn, SummaryColumn, ColumnCount };
    enum Role { KindRole = Qt::UserRole + 1, SeverityRole, SortRole };

    explicit SystemEventModel(int capacity = 5000, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const QList<sys::SystemEvent>& events);
    void clear();
    const sys::SystemEvent& eventAt(int row) const { return m_events[size_t(row)]; }
    int capacity() const { return m_capacity; }
    /// Rows let go because the model was full.
    quint64 trimmed() const { return m_trimmed; }
    /// These rows as JSON lines (SystemEvent::toJsonLine), in the order given.
    QByteArray toJsonLines(const QList<int>& rows) const;

private:
    int m_capacity;
    std::deque<sys::SystemEvent> m_events;
    quint64 m_trimmed = 0;
};

/// Which events a filter lets through: a kind (or warnings and errors only) and a text found
/// in the kind, the place, the summary or the client.
class SystemEventFilter : public SortProxy {
    Q_OBJECT
public:
    using SortProxy::SortProxy;
    /// nullopt: every kind.
    void setKind(std::optional<sys::EventKind> kind);
    void setWarningsOnly(bool on);
    void setText(const QString& text);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

private:
    std::optional<sys::EventKind> m_kind;
    bool m_warningsOnly = false;
    QString m_text;
};

} // namespace jetdeck
