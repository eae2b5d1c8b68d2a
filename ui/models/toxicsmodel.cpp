#include "toxicsmodel.h"

#include "ui/widgets/format.h"

namespace jetdeck {

ToxicsModel::ToxicsModel(QObject* parent)
    : ListTableModel(parent) {}

int ToxicsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ToxicsModel::data(const QModelIndex& index, int role) const {
    const ToxicRow* r = index.isValid() ? rowAt(index.row()) : nullptr;
    if (!r)
        return {};
    const faults::Toxic& t = r->toxic;
    if (role == Qt::CheckStateRole && index.column() == EnabledColumn)
        return t.enabled ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return t.name;
        case TypeColumn:
            return faults::toxicKindName(t.kind);
        case DirectionColumn:
            return faults::directionName(t.direction);
        case ToxicityColumn:
            return QStringLiteral("%1 %").arg(t.toxicity * 100.0, 0, 'f', 0);
        case ParametersColumn:
            return t.parameters();
        case ConnectionsColumn:
            return QString::number(r->stats.connections);
        case BytesColumn:
            return format::bytes(qint64(r->stats.bytes));
        case EventsColumn:
            return QString::number(r->stats.events);
        }
    }
    return {};
}

bool ToxicsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != EnabledColumn || role != Qt::CheckStateRole ||
        index.row() >= m_rows.size())
        return false;
    const bool on = value.value<Qt::CheckState>() == Qt::Checked;
    faults::Toxic& t = m_rows[index.row()].toxic;
    if (t.enabled == on)
        return true;
    t.enabled = on;
    emit dataChanged(index, index, {Qt::CheckStateRole});
    emit enabledChangeRequested(t.name, on);
    return true;
}

Qt::ItemFlags ToxicsModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == EnabledColumn)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant ToxicsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case EnabledColumn:
        return tr("On");
    case NameColumn:
        return tr("Name");
    case TypeColumn:
        return tr("Type");
    case DirectionColumn:
        return tr("Direction");
    case ToxicityColumn:
        return tr("Toxicity");
    case ParametersColumn:
        return tr("Parameters");
    case ConnectionsColumn:
        return tr("Connections");
    case BytesColumn:
        return tr("Bytes");
    case EventsColumn:
        return tr("Closes/resets");
    }
    return {};
}

void ToxicsModel::update(const QList<ToxicRow>& rows) {
    replaceRows(rows, 0, ColumnCount - 1);
}

QString ToxicsModel::nameAt(int row) const {
    const ToxicRow* r = rowAt(row);
    return r ? r->toxic.name : QString();
}

} // namespace jetdeck
