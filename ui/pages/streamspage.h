#pragma once

#include "core/client/connectionthread.h"
#include "core/metrics/registry.h"
#include "ui/models/streamtreemodel.h"

#include <QPointer>
#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTimer;
class QToolButton;
class QTreeView;

namespace jetdeck {

class ConsumerDialog;
class StreamDialog;

/// Streams and their durable consumers with live numbers (messages, bytes, unprocessed, ack
/// pending, redelivered, waiting pulls), refreshed in the background, sortable and filterable;
/// create, edit and delete through dialogs that validate before sending and show what the
/// server answers.
class StreamsPage : public QWidget {
    Q_OBJECT
public:
    explicit StreamsPage(QWidget* parent = nullptr);
    ~StreamsPage() override;

    /// The connection to use; shared so that a refresh still running keeps it alive.
    void setConnection(std::shared_ptr<ConnectionThread> connection);
    /// Where each refresh's consumer numbers go, and where backpressure comes from.
    void setMetricsRegistry(metrics::MetricsRegistry* registry) { m_registry = registry; }
    /// Starts a background refresh unless one is running.
    void refresh();
    void setRefreshInterval(int ms);

    StreamTreeModel* model() const { return m_model; }
    QTreeView* view() const { return m_view; }
    QString statusText() const;
    /// Refreshes that completed (for tests and the status line).
    int refreshes() const { return m_refreshes; }

    // The actions, reachable from tests; the toolbar and context menu call them.
    StreamDialog* newStream();
    StreamDialog* editStream(const QString& name);
    ConsumerDialog* newConsumer(const QString& stream);
    ConsumerDialog* editConsumer(const QString& stream, const QString& consumer);
    /// Asks first unless `confirmed`.
    void deleteStream(const QString& name, bool confirmed = false);
    void deleteConsumer(const QString& stream, const QString& consumer, bool confirmed = false);
    /// Every consumer listed, as (stream, consumer).
    QList<QPair<QString, QString>> consumerList() const;
    /// The last error an action or refresh produced (shown in the status line).
    QString lastError() const { return m_lastError; }

signals:
    void refreshed();
    /// The user asked to open a consumer (double click, or the context menu).
    void consumerActivated(const QString& stream, const QString& consumer);
    /// A create, edit or delete finished (ok, or with the server's error).
    void actionFinished(bool ok, const QString& message);

private:
    void apply(quint64 generation, const Result<JetStreamSnapshot>& snapshot);
    void setStatus(const QString& text, bool error);
    void updateActions();
    QString selectedStream() const;
    QString selectedConsumer() const;
    void contextMenu(const QPoint& pos);

    std::shared_ptr<ConnectionThread> m_conn;
    quint64 m_generation = 0;
    bool m_refreshing = false;
    int m_refreshes = 0;
    QString m_lastError;

    QPointer<metrics::MetricsRegistry> m_registry;
    static constexpr int kLagReadings = 60; ///< two minutes at the default refresh
    QHash<QString, QList<qreal>> m_lag;     ///< num_pending readings per "stream/consumer"
    StreamTreeModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTreeView* m_view;
    QLineEdit* m_filter;
    QLabel* m_status;
    QTimer* m_timer;
    QToolButton* m_editButton;
    QToolButton* m_deleteButton;
    QToolButton* m_newConsumerButton;
};

} // namespace jetdeck
