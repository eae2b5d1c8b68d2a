#pragma once

#include "core/system/systemmonitor.h"

#include "ui/models/listtablemodel.h"

namespace jetdeck {

/// The servers page's table: one row per server of the cluster as the system monitor last saw
/// it (VARZ for the load and traffic, HEALTHZ for health), matched by server name so that a
/// selection stays on its server. A server that stopped answering keeps its row, marked.
class ServerTableModel : public ListTableModel<sys::ServerRow, QString> {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StateColumn,
        ClusterColumn,
        VersionColumn,
        UptimeColumn,
        CpuColumn,
        MemoryColumn,
        ConnectionsColumn,
        SubscriptionsColumn,
        SlowConsumersColumn,
        InMsgsColumn,
        OutMsgsColumn,
        InBytesColumn,
        OutBytesColumn,
        RoutesColumn,
        LeafnodesColumn,
        JsMemoryColumn,
        JsStorageColumn,
        ApiColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit ServerTableModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// `lastRound`: when the monitor's latest round ended (for "not answering for 12 s").
    void update(const QList<sys::ServerRow>& rows, const QDateTime& lastRound);
    /// One word for a row's state: "ok", "not answering", "unhealthy", "error".
    static QString stateText(const sys::ServerRow& row, const QDateTime& now);

protected:
    QString rowKey(const sys::ServerRow& row) const override;

private:
    QDateTime m_lastRound;
};

} // namespace jetdeck
