#pragma once

#include "ui/pages/sessionpage.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;

namespace jetdeck {

class SystemEventFilter;
class SystemEventModel;

/// What the servers announce, live: the account's JetStream advisories (MaxDeliver and
/// terminated messages of every worker, stream and consumer changes, leader elections, quorum
/// lost, API errors) and, for a user of the system account, clients connecting, disconnecting
/// and failing to authenticate. The session listens from the moment it connects (a
/// subscription: the cluster is sent nothing), so the history is there when the page is first
/// opened. Filter by kind, warnings or text; the chosen event's JSON as the server sent it;
/// export what is shown as JSON lines. Leader elections and quorum losses are also marks on the
/// charts.
class EventsPage : public SessionPage {
    Q_OBJECT
public:
    explicit EventsPage(QWidget* parent = nullptr);

    SystemEventModel* model() const { return m_model; }
    SystemEventFilter* filter() const { return m_filter; }
    QTableView* view() const { return m_view; }
    QString statusText() const;
    QString detailText() const;
    /// The rows shown (filtered) as JSON lines into `path`.
    Status exportJsonLines(const QString& path) const;
    void refresh() override;

protected:
    void attached() override;
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;

private:
    void applyKindChoice();
    void showDetail();

    SystemEventModel* m_model;
    SystemEventFilter* m_filter;
    QLineEdit* m_text;
    QComboBox* m_kind;
    QTableView* m_view;
    QPlainTextEdit* m_detail;
    QLabel* m_status;
};

} // namespace jetdeck
