#pragma once

#include "ui/pages/sessionpage.h"

class QChart;
class QLabel;
class QLineSeries;
class QSortFilterProxyModel;
class QTableView;
class QValueAxis;

namespace jetdeck {

class ServerTableModel;

/// Every server of the cluster through the system account: state (a server that stops
/// answering is marked at the next round), version, uptime, CPU, memory, connections,
/// subscriptions, slow consumers, traffic per second, routes and leaf nodes, JetStream usage
/// against its limits and API errors; the JetStream meta group; charts of the chosen server's
/// traffic and connections. Without system access it says what it needs. The page starts the
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
    void refresh() override;

protected:
    void attached() override;
    void showEvent(QShowEvent* event) override;

private:
    void updateCharts();
    QString chosenServer() const;

    ServerTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
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
};

} // namespace jetdeck
