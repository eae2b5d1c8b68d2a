#pragma once

#include "core/system/replicas.h"

#include "ui/models/listtablemodel.h"

#include "sortproxy.h"

namespace jetdeck {

/// The JetStream page's table: every stream and consumer with its replicas (leader, followers
/// current, behind or offline), mirror and sources with their lag, and a verdict, like
/// `nats server report jetstream` and `nats stream report` together. Rows are matched by
/// account, stream and consumer.
class ReplicaTableModel : public ListTableModel<sys::ReplicaRow, QString> {
    Q_OBJECT
public:
    enum Column {
        HealthColumn,
        AccountColumn,
        StreamColumn,
        ConsumerColumn,
        ProblemsColumn, ///< next to the verdict: the why beside the what
        ReplicasColumn,
        LeaderColumn,
        FollowersColumn,
        MessagesColumn,
        SizeColumn,
        OriginColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, HealthRole };

    explicit ReplicaTableModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<sys::ReplicaRow>& rows);

    /// "n2 current · n3 behind by 5 · n4 OFFLINE"
    static QString followersText(const sys::ReplicaRow& row);
    /// "mirror of ORDERS (lag 0)", "sources: A (lag 0), B (stream not found)"
    static QString originText(const sys::ReplicaRow& row);

protected:
    QString rowKey(const sys::ReplicaRow& row) const override { return row.key(); }
};

/// Words over every column, and optionally only the rows that are not ok.
class ReplicaFilter : public SortProxy {
    Q_OBJECT
public:
    using SortProxy::SortProxy;
    void setOnlyProblems(bool on);
    bool onlyProblems() const { return m_onlyProblems; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    bool m_onlyProblems = false;
};

} // namespace jetdeck
