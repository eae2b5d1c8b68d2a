#pragma once

#include <QHash>
#include <QPointer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QTableView;
class QTimer;

namespace jetdeck {

class Connection;
class OutboundQueueModel;

/// The outbound queue: what the client holds while the server is away (oldest first, with
/// kind, subject, size and age), how full it is against its limits, and where every held
/// operation went: sent after the reconnect, expired, dropped (fail-open) or rejected
/// (fail-closed). Refreshed from the connection on a timer.
class OutboundPage : public QWidget {
    Q_OBJECT
public:
    explicit OutboundPage(QWidget* parent = nullptr);

    void setConnection(Connection* connection);
    OutboundQueueModel* model() const { return m_model; }
    /// The text of one counter ("depth", "queued", "flushed", "expired", "dropped",
    /// "rejected", "mode", "timeout"), for tests.
    QString counterText(const QString& name) const;
    void refresh();

private:
    QPointer<Connection> m_conn;
    OutboundQueueModel* m_model;
    QTableView* m_view;
    QProgressBar* m_fill;
    QLabel* m_note;
    QHash<QString, QLabel*> m_counters;
    QTimer* m_timer;
};

} // namespace jetdeck
