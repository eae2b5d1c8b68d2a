#pragma once

#include "ui/models/streamtreemodel.h"
#include "ui/pages/sessionpage.h"

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QToolButton;
class QTreeView;

namespace jetdeck {

class ConsumerDialog;
class StreamDialog;

/// Streams and their durable consumers with live numbers (messages, bytes, unprocessed, ack
/// pending, redelivered, waiting pulls), sortable and filterable, from the session's listing
/// (every few seconds, shown or not: the registry, the consumer page's chooser and the lag
/// sparklines need it); backpressure and rates from the session's registry. Create, edit and
/// delete through dialogs that validate before sending and show what the server answers.
class StreamsPage : public SessionPage {
    Q_OBJECT
public:
    explicit StreamsPage(QWidget* parent = nullptr);
    ~StreamsPage() override;

    /// Asks the session for a listing now (unless one is under way); the page shows it when it
    /// comes.
    void refresh() override;

    StreamTreeModel* model() const { return m_model; }
    QTreeView* view() const { return m_view; }
    QString statusText() const;
    /// Listings shown (for tests and the status line).
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
    /// Every stream listed.
    QStringList streamNames() const;
    /// The last error an action or refresh produced (shown in the status line).
    QString lastError() const { return m_lastError; }

signals:
    void refreshed();
    /// The user asked to open a consumer (double click, or the context menu).
    void consumerActivated(const QString& stream, const QString& consumer);
    /// The user asked to browse a stream's messages (the Messages button or the context menu).
    void messagesRequested(const QString& stream);
    /// A create, edit or delete finished (ok, or with the server's error).
    void actionFinished(bool ok, const QString& message);

protected:
    void attached() override;
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;
    void stateChanged(const SessionState& state) override;

private:
    void apply(const Result<js::JetStreamSnapshot>& snapshot);
    void showWaiting();
    void setStatus(const QString& text, bool error);
    void updateActions();
    QString selectedStream() const;
    QString selectedConsumer() const;
    void contextMenu(const QPoint& pos);

    int m_refreshes = 0;
    QString m_lastError;
    QString m_listingError; ///< why the last listing failed; empty when it worked

    static constexpr int kLagReadings = 60; ///< two minutes at the default refresh
    QHash<QString, QList<qreal>> m_lag;     ///< num_pending readings per "stream/consumer"
    StreamTreeModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTreeView* m_view;
    QLineEdit* m_filter;
    QLabel* m_status;
    QToolButton* m_editButton;
    QToolButton* m_deleteButton;
    QToolButton* m_newConsumerButton;
    QToolButton* m_messagesButton;
};

} // namespace jetdeck
