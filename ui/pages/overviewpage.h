#pragma once

#include "ui/models/connectionsmodel.h"

#include <QWidget>

#include <functional>
#include <memory>

class QLabel;
class QPushButton;
class QTableView;
class QTimer;

namespace jetdeck {

class EmptyState;
class SortProxy;

/// Every open connection of the window at a glance (ConnectionsModel): state, server, round
/// trip, rates, held publishes, the worst backpressure and the unread errors. A click on its
/// name, a double-click on its row or Show goes to that connection's pages. It reads what the
/// connections already measure: it asks no server anything. Refreshes every second while shown.
class OverviewPage : public QWidget {
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 1000;

    explicit OverviewPage(QWidget* parent = nullptr);
    ~OverviewPage() override;

    /// Where the rows come from (the window's open connections).
    void setSource(std::function<QList<ConnectionRow>()> source);
    void refresh();
    ConnectionsModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    /// The connection of the selected row; 0 when none is selected.
    quint64 selectedId() const;
    /// Selects the row of connection `id` (false when it is not listed).
    bool select(quint64 id);
    QString summaryText() const;

signals:
    /// Show this connection's pages.
    void showRequested(quint64 id);
    void closeRequested(quint64 id);
    void newConnectionRequested();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void updateButtons();

    std::function<QList<ConnectionRow>()> m_source;
    ConnectionsModel* m_model;
    SortProxy* m_proxy;
    QTableView* m_view;
    QLabel* m_summary;
    QPushButton* m_show;
    QPushButton* m_close;
    QTimer* m_timer;
    std::unique_ptr<EmptyState> m_empty;
};

} // namespace jetdeck
