#pragma once

#include "core/system/replicas.h"
#include "ui/pages/sessionpage.h"

#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTableWidget;

namespace jetdeck {

class ReplicaFilter;
class ReplicaTableModel;

/// JetStream's health across the cluster, like `nats server report jetstream` and `nats stream
/// report`: the meta group (leader, each peer current, behind or offline, with each server's
/// JetStream usage), every stream's and consumer's replicas with a verdict, mirrors and sources
/// with their lag, and the account's usage against its limits. With system access it reads the
/// system monitor's JSZ rounds (every account); without, the session's listing of this account
/// (the meta group needs the system account, and the page says so).
class JetStreamPage : public SessionPage {
    Q_OBJECT
public:
    explicit JetStreamPage(QWidget* parent = nullptr);

    ReplicaTableModel* model() const { return m_model; }
    ReplicaFilter* filter() const { return m_filter; }
    QTableView* view() const { return m_view; }
    QTableWidget* metaView() const { return m_meta; }
    QString statusText() const;
    QString accountText() const;
    QString metaText() const;
    void setOnlyProblems(bool on);
    void refresh() override;

protected:
    void attached() override;
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;
    void showEvent(QShowEvent* event) override;

private:
    void onListed(const Result<js::JetStreamSnapshot>& snapshot);
    void showMeta(const sys::JetStreamView& view);
    void showAccount();
    void showRows(const QList<sys::ReplicaRow>& rows);

    ReplicaTableModel* m_model;
    ReplicaFilter* m_filter;
    QLabel* m_status;
    QLabel* m_account;
    QLabel* m_metaTitle;
    QTableWidget* m_meta;
    QLineEdit* m_text;
    QCheckBox* m_onlyProblems;
    QTableView* m_view;
    /// The session's latest listing of this account (the rows without system access).
    js::JetStreamSnapshot m_listed; ///< the account's latest listing
    std::optional<js::AccountInfo> m_accountInfo;
    QDateTime m_listedAt;
    QString m_listError;
    QDateTime m_shownJsz;     ///< the JSZ round the table shows (invalid: the listing)
    QDateTime m_shownListing; ///< the listing the table shows (invalid: none, or JSZ)
    sys::ReplicaSummary m_summary;
    int m_streamCount = 0;
};

} // namespace jetdeck
