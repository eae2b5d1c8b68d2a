#pragma once

#include "core/metrics/registry.h"

#include "ui/models/listtablemodel.h"

namespace jetdeck {

/// One row per latency probe (probe name + labels) with its percentiles over a window. Rows
/// are stable: an update appends new probes and sends ranged dataChanged for the rest.
class LatencyModel : public ListTableModel<metrics::ProbeSnapshot, QString> {
    Q_OBJECT
public:
    enum Column {
        ProbeColumn,
        TargetColumn, ///< the labels: connection, stream/consumer, subject
        CountColumn,
        P50Column,
        P90Column,
        P95Column,
        P99Column,
        P999Column,
        MaxColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< numbers as numbers
        KeyRole,                     ///< probe + labels, stable across updates
    };

    explicit LatencyModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<metrics::ProbeSnapshot>& snapshots);
    const metrics::ProbeSnapshot* snapshotAt(int row) const { return rowAt(row); }
    static QString keyOf(const metrics::ProbeSnapshot& s);
    static QString targetText(const metrics::Labels& labels);

protected:
    QString rowKey(const metrics::ProbeSnapshot& s) const override { return keyOf(s); }
};

} // namespace jetdeck
