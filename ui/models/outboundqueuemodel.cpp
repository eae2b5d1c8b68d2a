#include "outboundqueuemodel.h"

#include "ui/widgets/format.h"

namespace jetdeck {

OutboundQueueModel::OutboundQueueModel(QObject* parent)
    : ListTableModel(parent) {}

int OutboundQueueModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OutboundQueueModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const OutboundQueue::Entry& e = m_rows[index.row()];
    const bool control = e.kind == OutboundQueue::Kind::Control;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case PositionColumn:
            return e.position; // as of the snapshot: a row keeps its data until it changes
        case KindColumn:
            return control ? tr("control") : tr("publish");
        case SubjectColumn:
            return QString::fromUtf8(e.subject);
        case BytesColumn:
            return format::bytes(e.bytes);
        case AgeColumn:
            return format::duration(e.ageMs);
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case PositionColumn:
            return e.position;
        case BytesColumn:
            return qlonglong(e.bytes);
        case AgeColumn:
            return qlonglong(e.ageMs);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole && index.column() == KindColumn)
        return control ? tr("Subscriptions, acks and other control operations go first after "
                            "the reconnect")
                       : tr("A publish held until the connection is back, or until it expires");
    if (role == Qt::TextAlignmentRole &&
        (index.column() == PositionColumn || index.column() >= BytesColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant OutboundQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case PositionColumn:
        return tr("#");
    case KindColumn:
        return tr("Kind");
    case SubjectColumn:
        return tr("Subject");
    case BytesColumn:
        return tr("Size");
    case AgeColumn:
        return tr("Age");
    }
    return {};
}

void OutboundQueueModel::update(const QList<OutboundQueue::Entry>& entries) {
    replaceRows(entries, 0, ColumnCount - 1); // positions and ages move on every tick
}

} // namespace jetdeck
