#pragma once

#include "core/system/clientmonitor.h"

#include "ui/models/listtablemodel.h"

namespace jetdeck {

/// The clients page's table: every client connection of the cluster as the client monitor's
/// latest CONNZ round listed it, like `nats top` across all servers. Rows are matched by
/// server and connection id, so a selection stays on its connection from round to round.
class ClientTableModel : public ListTableModel<sys::ClientRow, QString> {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        ServerColumn,
        CidColumn,
        AccountColumn,
        AddressColumn,
        ClientColumn,
        RttColumn,
        SubscriptionsColumn,
        PendingColumn,
        InMsgsColumn,
        OutMsgsColumn,
        InBytesColumn,
        OutBytesColumn,
        UptimeColumn,
        IdleColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1 };
    /// Pending bytes from which a connection is shown in the warning colour (the server holds
    /// that much it could not write to the client yet).
    static constexpr qint64 kPendingWarnBytes = 64 * 1024;

    explicit ClientTableModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<sys::ClientRow>& rows);

protected:
    QString rowKey(const sys::ClientRow& row) const override { return row.key(); }
};

} // namespace jetdeck
