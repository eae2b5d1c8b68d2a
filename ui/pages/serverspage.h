#pragma once

#include "core/system/sysdocs.h"
#include "ui/pages/sessionpage.h"

class QChart;
class QLabel;
class QLineSeries;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;
class QValueAxis;

namespace jetdeck {

class ServerTableModel;

/// Every server of the cluster through the system account: state (a server that stops
/// answering is marked at the next round), version, uptime, CPU, memory, connections,
/// subscriptions, slow consumers, traffic per second, routes and leaf nodes, JetStream usage
/// against its limits and API errors; the JetStream meta group; charts of the chosen server's
/// traffic and connections, and its routes, gateway connections and leaf nodes (ROUTEZ,
/// GATEWAYZ, LEAFZ of that server alone, every 5 s while shown). Without system access it
/// says what it needs. The page starts the
/// session's system monitor when first shown; the monitor's requests are paid from the
/// session's request budget, and the page shows what that costs and how old the data is.
class ServersPage : public SessionPage {
    Q_OBJECT
public:
    explicit ServersPage(QWidget* parent = nullptr);

    ServerTableModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QString statusText() const;
    QString metaText() const;
    /// The chosen server's routes, gateways and leaf nodes as last read, and the line above them.
    const QList<sys::ServerLink>& links() const { return m_links; }
    QString linksText() const;
    QTableWidget* linksTable() const { return m_linkTable; }
    void refresh() override;

protected:
    void attached() override;
    void showEvent(QShowEvent* event) override;

private:
    void updateCharts();
    void updateLinks();
    void showLinks();
    QString chosenServer() const;

    ServerTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    QLabel* m_title;
    QLabel* m_status;
    QLabel* m_meta;
    QChart* m_rateChart;
    QValueAxis* m_rateX;
    QValueAxis* m_rateY;
    QLineSeries* m_in;
    QLineSeries* m_out;
    QChart* m_connChart;
    QValueAxis* m_connX;
    QValueAxis* m_connY;
    QLineSeries* m_conns;
    QLineSeries* m_slow;
    QLabel* m_linksTitle;
    QTableWidget* m_linkTable;
    QList<sys::ServerLink> m_links;
    QString m_linksOf;    ///< the server the links are of
    QString m_linksError; ///< why the last request failed
    qint64 m_linksAskedMs = 0;
    bool m_linksInFlight = false;
    QObject* m_linksContext = nullptr; ///< answers for a server no longer chosen go with it
};

} // namespace jetdeck
