#pragma once

#include "core/base/error.h"

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace jetdeck {

class EventLogModel;

/// The event log under the connection page: a bounded table of the session's events, a filter
/// over every column, and an export of what the filter shows. Follows the newest event unless
/// the user scrolled up to read older ones.
class EventLogPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kCapacity = 5000;

    explicit EventLogPanel(QWidget* parent = nullptr);

    EventLogModel* model() const { return m_events; }
    QTableView* view() const { return m_view; }
    /// Writes the events the filter shows as CSV.
    Status exportCsv(const QString& path) const;

signals:
    /// The user asked to export the events (the window asks where).
    void exportRequested();

private:
    EventLogModel* m_events;
    QSortFilterProxyModel* m_filter;
    QTableView* m_view;
    QLineEdit* m_filterEdit;
};

} // namespace jetdeck
