#pragma once

#include "core/client/connectionevent.h"
#include "core/metrics/backpressure.h"
#include "ui/models/listtablemodel.h"

#include <QString>

namespace jetdeck {

/// One open connection as the overview shows it.
struct ConnectionRow {
    quint64 id = 0; ///< the window's view id: the same connection keeps it while open
    QString name;
    ConnectionState state = ConnectionState::Closed;
    bool failed = false; ///< its last attempt failed (red rather than grey or amber)
    QString server;      ///< host:port in use; empty when none
    QString lastError;
    qint64 rttUs = -1;
    double inMsgsPerSec = 0, outMsgsPerSec = 0;
    qsizetype outboundHeld = 0; ///< publishes held while disconnected
    int consumers = 0;
    /// The worst backpressure of its consumers, and which one.
    metrics::BackpressureLevel worst = metrics::BackpressureLevel::Unknown;
    QString worstConsumer;
    int unreadErrors = 0;
    bool shown = false; ///< the one the window shows
};

/// Every open connection in the window, a row each, in the order they were opened: state,
/// server, round trip, rates, held publishes, the worst backpressure of its consumers and the
/// errors its journal got while another connection was shown.
class ConnectionsModel : public ListTableModel<ConnectionRow, quint64> {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StateColumn,
        ServerColumn,
        RttColumn,
        InColumn,
        OutColumn,
        HeldColumn,
        ErrorsColumn,
        BackpressureColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, IdRole };

    explicit ConnectionsModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<ConnectionRow>& rows);

protected:
    quint64 rowKey(const ConnectionRow& r) const override { return r.id; }
};

} // namespace jetdeck
