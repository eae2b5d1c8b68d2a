#pragma once

#include "core/jetstream/jstypes.h"
#include "core/jetstream/lister.h"
#include "core/metrics/backpressure.h"

#include <QAbstractItemModel>
#include <QHash>

namespace jetdeck {

/// Streams as top-level rows, their consumers as children, with the live numbers. Updates
/// keep rows stable: changed cells get ranged dataChanged, new and gone items are inserted and
/// removed, so selections and expansion survive a refresh.
class StreamTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        TypeColumn,
        MessagesColumn,    ///< stream: stored messages
        BytesColumn,       ///< stream: stored bytes
        UnprocessedColumn, ///< consumer: num_pending
        AckPendingColumn,
        RedeliveredColumn,
        WaitingColumn,
        RateColumn,         ///< consumer: deliveries per second
        LagColumn,          ///< consumer: num_pending over the last minutes, as a sparkline
        BackpressureColumn, ///< consumer: OK / WARN / CRITICAL with the reason as tooltip
        SubjectsColumn,     ///< stream subjects / consumer filter
        LeaderColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< numbers as numbers
        IsStreamRole,
        StreamNameRole,
        ConsumerNameRole,
        SparklineRole, ///< LagColumn: QList<qreal> of num_pending readings, oldest first
    };

    explicit StreamTreeModel(QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const js::JetStreamSnapshot& snapshot);
    /// Backpressure per consumer, keyed "stream/consumer"; changed cells get dataChanged.
    void setBackpressure(const QHash<QString, metrics::BackpressureStatus>& statuses);
    /// Deliveries per second and the num_pending history per consumer ("stream/consumer");
    /// the rate and lag cells get one dataChanged per stream.
    void setActivity(const QHash<QString, double>& rates, const QHash<QString, QList<qreal>>& lag);
    void clear();

    const js::StreamInfo* streamAt(const QModelIndex& index) const;
    const js::ConsumerInfo* consumerAt(const QModelIndex& index) const;
    QModelIndex indexOfStream(const QString& name) const;

private:
    struct StreamNode {
        js::StreamInfo info;
        QList<js::ConsumerInfo> consumers;
    };
    QVariant streamData(const js::StreamInfo& s, int column, int role) const;
    QVariant consumerData(const js::ConsumerInfo& c, int column, int role) const;
    void updateConsumers(int streamRow, const QList<js::ConsumerInfo>& fresh);

    QList<StreamNode> m_streams;
    /// During update(): consumer lists replaced, to be freed off the GUI thread.
    QList<QList<js::ConsumerInfo>> m_releasing;
    QHash<QString, metrics::BackpressureStatus> m_backpressure;
    QHash<QString, double> m_rates;
    QHash<QString, QList<qreal>> m_lag;
};

} // namespace jetdeck
