#include "streamtreemodel.h"

#include <QColor>
#include <QHash>
#include <QSet>

#include "core/base/background.h"
#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <algorithm>

namespace jetdeck {

namespace {

/// Row of each name (the first, should a name come twice).
template <typename List, typename NameOf>
QHash<QString, int> rowsByName(const List& list, NameOf nameOf) {
    QHash<QString, int> rows;
    rows.reserve(list.size());
    for (int i = int(list.size()) - 1; i >= 0; --i)
        rows.insert(nameOf(list[i]), i);
    return rows;
}

/// What a stream's row shows (cells, sort keys, tooltip) is the same in both.
bool sameRow(const js::StreamInfo& a, const js::StreamInfo& b) {
    return a.config.name == b.config.name && a.state.messages == b.state.messages &&
           a.state.bytes == b.state.bytes && a.state.consumerCount == b.state.consumerCount &&
           a.state.firstSeq == b.state.firstSeq && a.state.lastSeq == b.state.lastSeq &&
           a.cluster.leader == b.cluster.leader && a.config.subjects == b.config.subjects &&
           a.config.storage == b.config.storage && a.config.retention == b.config.retention &&
           a.config.replicas == b.config.replicas && a.config.description == b.config.description;
}

/// What a consumer's row shows is the same in both.
bool sameRow(const js::ConsumerInfo& a, const js::ConsumerInfo& b) {
    return a.name == b.name && a.numPending == b.numPending && a.numAckPending == b.numAckPending &&
           a.numRedelivered == b.numRedelivered && a.numWaiting == b.numWaiting &&
           a.delivered.streamSeq == b.delivered.streamSeq &&
           a.ackFloor.streamSeq == b.ackFloor.streamSeq && a.cluster.leader == b.cluster.leader &&
           a.config == b.config;
}

/// Widens [first, last] to take `row` in.
void widen(int& first, int& last, int row) {
    first = first < 0 ? row : qMin(first, row);
    last = qMax(last, row);
}

// internalId: 0 for stream rows, 1 + stream row for consumer rows.
constexpr quintptr kStreamId = 0;
} // namespace

StreamTreeModel::StreamTreeModel(QObject* parent)
    : QAbstractItemModel(parent) {}

QModelIndex StreamTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < m_streams.size() ? createIndex(row, column, kStreamId) : QModelIndex();
    if (parent.internalId() != kStreamId || parent.row() >= m_streams.size())
        return {};
    if (row >= m_streams[parent.row()].consumers.size())
        return {};
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex StreamTreeModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == kStreamId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kStreamId);
}

int StreamTreeModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid())
        return int(m_streams.size());
    if (parent.column() != 0 || parent.internalId() != kStreamId ||
        parent.row() >= m_streams.size())
        return 0;
    return int(m_streams[parent.row()].consumers.size());
}

int StreamTreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

const js::StreamInfo* StreamTreeModel::streamAt(const QModelIndex& index) const {
    if (!index.isValid())
        return nullptr;
    const int row = index.internalId() == kStreamId ? index.row() : int(index.internalId() - 1);
    return row < m_streams.size() ? &m_streams[row].info : nullptr;
}

const js::ConsumerInfo* StreamTreeModel::consumerAt(const QModelIndex& index) const {
    if (!index.isValid() || index.internalId() == kStreamId)
        return nullptr;
    const int s = int(index.internalId() - 1);
    if (s >= m_streams.size() || index.row() >= m_streams[s].consumers.size())
        return nullptr;
    return &m_streams[s].consumers[index.row()];
}

QModelIndex StreamTreeModel::indexOfStream(const QString& name) const {
    for (int i = 0; i < m_streams.size(); ++i)
        if (m_streams[i].info.config.name == name)
            return index(i, 0);
    return {};
}

QVariant StreamTreeModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (const js::ConsumerInfo* c = consumerAt(index)) {
        switch (role) {
        case IsStreamRole:
            return false;
        case StreamNameRole:
            return c->stream;
        case ConsumerNameRole:
            return c->name;
        default:
            return consumerData(*c, index.column(), role);
        }
    }
    const js::StreamInfo* s = streamAt(index);
    if (!s)
        return {};
    switch (role) {
    case IsStreamRole:
        return true;
    case StreamNameRole:
        return s->config.name;
    default:
        return streamData(*s, index.column(), role);
    }
}

QVariant StreamTreeModel::streamData(const js::StreamInfo& s, int column, int role) const {
    const js::StreamConfig& c = s.config;
    if (role == Qt::DisplayRole) {
        switch (column) {
        case NameColumn:
            return c.name;
        case TypeColumn:
            return tr("stream, %1, %2").arg(js::toString(c.storage), js::toString(c.retention));
        case MessagesColumn:
            return format::count(s.state.messages);
        case BytesColumn:
            return format::bytes(qint64(s.state.bytes));
        case UnprocessedColumn:
            return tr("%n consumer(s)", nullptr, s.state.consumerCount);
        case SubjectsColumn:
            return c.subjects.join(QStringLiteral(", "));
        case LeaderColumn:
            return s.cluster.leader;
        default:
            return {};
        }
    }
    if (role == SortRole) {
        switch (column) {
        case MessagesColumn:
            return qulonglong(s.state.messages);
        case BytesColumn:
            return qulonglong(s.state.bytes);
        case UnprocessedColumn:
            return s.state.consumerCount;
        default:
            return streamData(s, column, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole)
        return tr("%1: %2 messages (seq %3..%4), %5 replica(s)%6")
            .arg(c.name, format::count(s.state.messages))
            .arg(s.state.firstSeq)
            .arg(s.state.lastSeq)
            .arg(c.replicas)
            .arg(c.description.isEmpty() ? QString() : QStringLiteral("\n") + c.description);
    if (role == Qt::TextAlignmentRole && column >= MessagesColumn && column <= WaitingColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant StreamTreeModel::consumerData(const js::ConsumerInfo& c, int column, int role) const {
    if (role == Qt::DisplayRole) {
        switch (column) {
        case NameColumn:
            return c.name;
        case TypeColumn:
            return c.config.isPush() ? (c.config.deliverGroup.isEmpty()
                                            ? tr("push")
                                            : tr("push, group %1").arg(c.config.deliverGroup))
                                     : tr("pull");
        case UnprocessedColumn:
            return format::count(quint64(qMax<qint64>(0, c.numPending)));
        case AckPendingColumn:
            return format::count(quint64(qMax<qint64>(0, c.numAckPending)));
        case RedeliveredColumn:
            return format::count(quint64(qMax<qint64>(0, c.numRedelivered)));
        case WaitingColumn:
            return c.config.isPush() ? QString() : QString::number(c.numWaiting);
        case RateColumn: {
            const auto it = m_rates.constFind(c.stream + QLatin1Char('/') + c.name);
            return it == m_rates.cend() ? QString() : format::rate(*it);
        }
        case LagColumn:
            return QString(); // drawn by the view's sparkline delegate
        case BackpressureColumn: {
            const auto it = m_backpressure.constFind(c.stream + QLatin1Char('/') + c.name);
            return it == m_backpressure.cend() ? QString()
                                               : metrics::backpressureLevelName(it->level);
        }
        case SubjectsColumn:
            return c.config.filterSubject;
        case LeaderColumn:
            return c.cluster.leader;
        default:
            return {};
        }
    }
    if (role == SortRole) {
        switch (column) {
        case UnprocessedColumn:
            return qlonglong(c.numPending);
        case AckPendingColumn:
            return qlonglong(c.numAckPending);
        case RedeliveredColumn:
            return qlonglong(c.numRedelivered);
        case WaitingColumn:
            return qlonglong(c.numWaiting);
        case RateColumn:
            return m_rates.value(c.stream + QLatin1Char('/') + c.name);
        case LagColumn:
            return m_lag.value(c.stream + QLatin1Char('/') + c.name)
                .value(m_lag.value(c.stream + QLatin1Char('/') + c.name).size() - 1);
        case BackpressureColumn: {
            const auto it = m_backpressure.constFind(c.stream + QLatin1Char('/') + c.name);
            return it == m_backpressure.cend() ? -1 : int(it->level);
        }
        default:
            return consumerData(c, column, Qt::DisplayRole);
        }
    }
    if (column == LagColumn && role == SparklineRole)
        return QVariant::fromValue(m_lag.value(c.stream + QLatin1Char('/') + c.name));
    if (column == LagColumn && role == Qt::ToolTipRole) {
        const QList<qreal> h = m_lag.value(c.stream + QLatin1Char('/') + c.name);
        if (h.isEmpty())
            return {};
        const auto [lo, hi] = std::minmax_element(h.cbegin(), h.cend());
        return tr("Unprocessed over the last %n reading(s): now %1, lowest %2, highest %3", nullptr,
                  int(h.size()))
            .arg(qint64(h.last()))
            .arg(qint64(*lo))
            .arg(qint64(*hi));
    }
    if (column == RateColumn && role == Qt::TextAlignmentRole)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (column == BackpressureColumn &&
        (role == Qt::ToolTipRole || role == Qt::BackgroundRole || role == Qt::ForegroundRole)) {
        const auto it = m_backpressure.constFind(c.stream + QLatin1Char('/') + c.name);
        if (it == m_backpressure.cend())
            return {};
        if (role == Qt::ToolTipRole)
            return tr("Backpressure %1: %2")
                .arg(metrics::backpressureLevelName(it->level), it->reason);
        switch (it->level) {
        case metrics::BackpressureLevel::Ok:
            return roleColor(role == Qt::BackgroundRole ? ColorRole::GoodCell
                                                        : ColorRole::GoodCellText);
        case metrics::BackpressureLevel::Warn:
            return roleColor(role == Qt::BackgroundRole ? ColorRole::WarningCell
                                                        : ColorRole::WarningCellText);
        case metrics::BackpressureLevel::Critical:
            return roleColor(role == Qt::BackgroundRole ? ColorRole::BadCell
                                                        : ColorRole::BadCellText);
        case metrics::BackpressureLevel::Unknown:
            break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole)
        return tr("%1 on %2: delivered up to stream seq %3, ack floor %4; ack %5, max deliver "
                  "%6")
            .arg(c.name, c.stream)
            .arg(c.delivered.streamSeq)
            .arg(c.ackFloor.streamSeq)
            .arg(js::toString(c.config.ackPolicy))
            .arg(c.config.maxDeliver < 0 ? tr("unlimited") : QString::number(c.config.maxDeliver));
    if (role == Qt::TextAlignmentRole && column >= MessagesColumn && column <= WaitingColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant StreamTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case TypeColumn:
        return tr("Type");
    case MessagesColumn:
        return tr("Messages");
    case BytesColumn:
        return tr("Bytes");
    case UnprocessedColumn:
        return tr("Unprocessed");
    case AckPendingColumn:
        return tr("Ack pending");
    case RedeliveredColumn:
        return tr("Redelivered");
    case WaitingColumn:
        return tr("Waiting");
    case RateColumn:
        return tr("Deliveries");
    case LagColumn:
        return tr("Lag");
    case BackpressureColumn:
        return tr("Backpressure");
    case SubjectsColumn:
        return tr("Subjects / filter");
    case LeaderColumn:
        return tr("Leader");
    }
    return {};
}

void StreamTreeModel::setBackpressure(const QHash<QString, metrics::BackpressureStatus>& statuses) {
    QHash<QString, metrics::BackpressureStatus> old = std::exchange(m_backpressure, statuses);
    for (int s = 0; s < m_streams.size(); ++s) {
        const StreamNode& node = m_streams[s];
        for (int c = 0; c < node.consumers.size(); ++c) {
            const QString key =
                node.consumers[c].stream + QLatin1Char('/') + node.consumers[c].name;
            const auto a = old.constFind(key);
            const auto b = m_backpressure.constFind(key);
            const bool same = (a == old.cend()) == (b == m_backpressure.cend()) &&
                              (a == old.cend() || (a->level == b->level && a->reason == b->reason));
            if (same)
                continue;
            const QModelIndex i = index(c, BackpressureColumn, index(s, 0));
            emit dataChanged(i, i);
        }
    }
}

void StreamTreeModel::setActivity(const QHash<QString, double>& rates,
                                  const QHash<QString, QList<qreal>>& lag) {
    const QHash<QString, double> oldRates = std::exchange(m_rates, rates);
    const QHash<QString, QList<qreal>> oldLag = std::exchange(m_lag, lag);
    for (int s = 0; s < m_streams.size(); ++s) {
        const QList<js::ConsumerInfo>& consumers = m_streams[s].consumers;
        int first = -1, last = -1;
        for (int c = 0; c < int(consumers.size()); ++c) {
            const QString key = consumers[c].stream + QLatin1Char('/') + consumers[c].name;
            if (oldRates.value(key, -1) != m_rates.value(key, -1) ||
                oldLag.value(key) != m_lag.value(key))
                widen(first, last, c);
        }
        if (first >= 0)
            emit dataChanged(index(first, RateColumn, index(s, 0)),
                             index(last, LagColumn, index(s, 0)));
    }
}

void StreamTreeModel::clear() {
    if (m_streams.isEmpty())
        return;
    beginResetModel();
    m_streams.clear();
    endResetModel();
}

void StreamTreeModel::update(const js::JetStreamSnapshot& snap) {
    // Thousands of streams: names are looked up in hashes, and only the rows that show something
    // new are told, in one dataChanged() (each one makes the sorting proxy above place rows
    // again). Most of a large account's consumers are idle at any moment.
    const auto streamName = [](const auto& s) -> const QString& { return s.info.config.name; };
    QSet<QString> fresh;
    fresh.reserve(snap.streams.size());
    for (const js::StreamInfo& s : snap.streams)
        fresh.insert(s.config.name);
    // Gone streams first (from the back, so rows stay valid while removing).
    for (int i = int(m_streams.size()) - 1; i >= 0; --i) {
        if (fresh.contains(streamName(m_streams[i])))
            continue;
        beginRemoveRows({}, i, i);
        m_streams.removeAt(i);
        endRemoveRows();
    }
    const QHash<QString, int> rowOf = rowsByName(m_streams, streamName);
    int firstChanged = -1, lastChanged = -1;
    for (const js::StreamInfo& s : snap.streams) {
        int row = rowOf.value(s.config.name, -1);
        if (row < 0) {
            row = int(m_streams.size());
            beginInsertRows({}, row, row);
            m_streams.append(StreamNode{s, {}});
            endInsertRows();
        } else {
            if (!sameRow(m_streams[row].info, s))
                widen(firstChanged, lastChanged, row);
            m_streams[row].info = s;
        }
        updateConsumers(row, snap.consumers.value(s.config.name));
    }
    if (firstChanged >= 0)
        emit dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
    if (!m_releasing.isEmpty())
        releaseInBackground(std::exchange(m_releasing, {}));
}

void StreamTreeModel::updateConsumers(int streamRow, const QList<js::ConsumerInfo>& fresh) {
    const QModelIndex parent = index(streamRow, 0);
    QList<js::ConsumerInfo>& have = m_streams[streamRow].consumers;
    int firstChanged = -1, lastChanged = -1;
    const auto tell = [&] {
        if (firstChanged >= 0)
            emit dataChanged(index(firstChanged, 0, parent),
                             index(lastChanged, ColumnCount - 1, parent));
    };
    // The same consumers in the same order, as nearly always: the new list is taken whole
    // (shared with the snapshot, not copied).
    if (have.size() == fresh.size() &&
        std::equal(have.cbegin(), have.cend(), fresh.cbegin(),
                   [](const js::ConsumerInfo& a, const js::ConsumerInfo& b) {
                       return a.name == b.name;
                   })) {
        for (int i = 0; i < int(have.size()); ++i)
            if (!sameRow(have[i], fresh[i]))
                widen(firstChanged, lastChanged, i);
        // The previous lists are freed on the background thread (with 10,000 consumers that is
        // most of what a refresh costs here otherwise).
        m_releasing.append(std::exchange(have, fresh));
        tell();
        return;
    }
    QSet<QString> freshNames;
    freshNames.reserve(fresh.size());
    for (const js::ConsumerInfo& c : fresh)
        freshNames.insert(c.name);
    for (int i = int(have.size()) - 1; i >= 0; --i) {
        if (freshNames.contains(have[i].name))
            continue;
        beginRemoveRows(parent, i, i);
        have.removeAt(i);
        endRemoveRows();
    }
    const QHash<QString, int> rowOf =
        rowsByName(have, [](const js::ConsumerInfo& c) -> const QString& { return c.name; });
    for (const js::ConsumerInfo& c : fresh) {
        int row = rowOf.value(c.name, -1);
        if (row < 0) {
            row = int(have.size());
            beginInsertRows(parent, row, row);
            have.append(c);
            endInsertRows();
        } else {
            if (!sameRow(have[row], c))
                widen(firstChanged, lastChanged, row);
            have[row] = c;
        }
    }
    tell();
}

} // namespace jetdeck
