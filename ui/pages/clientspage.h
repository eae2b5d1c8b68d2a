#pragma once

#include "ui/pages/sessionpage.h"

#include <memory>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;

namespace jetdeck {

class ClientTableModel;

/// Every client connection of the cluster, like `nats top` across all servers: name, server,
/// account, address, library, RTT, subscriptions, pending bytes, messages and bytes per second,
/// uptime and idle time; sortable and filterable. Choosing a connection shows its
/// subscriptions with the messages each received (one CONNZ request to its server).
/// The cluster is asked for its connections only while this page is shown (a CONNZ round
/// every 2 s, paid from the session's request budget); the status line says what that costs,
/// how old the data is and whether a server had more connections than one round lists.
class ClientsPage : public SessionPage {
    Q_OBJECT
public:
    explicit ClientsPage(QWidget* parent = nullptr);
    ~ClientsPage() override;

    ClientTableModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    QTableWidget* subscriptionsView() const { return m_subs; }
    QString statusText() const;
    QString subscriptionsText() const;
    void refresh() override;

protected:
    void attached() override;
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void onSelection();

    ClientTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QTableView* m_view;
    QLabel* m_status;
    QLabel* m_subsTitle;
    QTableWidget* m_subs;
    quint64 m_shownRound = 0;
    const void* m_shownMonitor = nullptr;
    QString m_subsKey; ///< the connection whose subscriptions are shown or asked for
    std::unique_ptr<QObject> m_subsContext; ///< the request on its way dies with it
};

} // namespace jetdeck
