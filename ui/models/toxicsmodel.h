#pragma once

#include "core/faults/faultproxy.h"

#include "ui/models/listtablemodel.h"

namespace jetdeck {

/// One toxic of the fault proxy and what it did so far.
struct ToxicRow {
    faults::Toxic toxic;
    faults::ToxicStats stats;
};

/// The fault proxy's toxics: on/off (checkable), name, type, direction, toxicity, parameters
/// and their counters. A snapshot per refresh replaces the rows (ListTableModel); switching the
/// check box asks for the change (enabledChangeRequested) and shows it at once.
class ToxicsModel : public ListTableModel<ToxicRow, QString> {
    Q_OBJECT
public:
    enum Column {
        EnabledColumn,
        NameColumn,
        TypeColumn,
        DirectionColumn,
        ToxicityColumn,
        ParametersColumn,
        ConnectionsColumn,
        BytesColumn,
        EventsColumn,
        ColumnCount
    };

    explicit ToxicsModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<ToxicRow>& rows);
    /// The toxic's name on `row`; empty when there is no such row.
    QString nameAt(int row) const;

signals:
    /// The user switched a toxic on or off.
    void enabledChangeRequested(const QString& name, bool enabled);

protected:
    QString rowKey(const ToxicRow& row) const override { return row.toxic.name; }
};

} // namespace jetdeck
