#include "systemeventmodel.h"

#include "ui/widgets/theme.h"

namespace jetdeck {

SystemEventModel::SystemEventModel(int capacity, QObject* parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(1, capacity)) {}

int SystemEventModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_events.size());
}

int SystemEventModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SystemEventModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const sys::SystemEvent& e = m_events[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return e.time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case SeverityColumn:
            return sys::eventSeverityName(e.severity);
        case KindColumn:
            return sys::eventKindName(e.kind);
        case WhereColumn:
            return e.where();
        case SummaryColumn:
            return e.summary;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return e.time.toLocalTime().toString(Qt::ISODateWithMs);
        if (index.column() == SummaryColumn && !e.client.isEmpty())
            return tr("%1\nclient: %2").arg(e.summary, e.client);
        if (index.column() == KindColumn)
            return e.type;
        return {};
    case Qt::ForegroundRole:
        if (index.column() != SeverityColumn)
            return {};
        if (e.severity == sys::EventSeverity::Error)
            return roleColor(ColorRole::BadCellText);
        if (e.severity == sys::EventSeverity::Warning)
            return roleColor(ColorRole::WarningCellText);
        return {};
    case SortRole:
        // Arrival order is time order here; the row keeps equal timestamps in that order.
        if (index.column() == TimeColumn)
            return e.time.toMSecsSinceEpoch();
        if (index.column() == SeverityColumn)
            return int(e.severity);
        return data(index, Qt::DisplayRole);
    case KindRole:
        return int(e.kind);
    case SeverityRole:
        return int(e.severity);
    }
    return {};
}

QVariant SystemEventModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case SeverityColumn:
        return tr("Severity");
    case KindColumn:
        return tr("Event");
    case WhereColumn:
        return tr("Where");
    case SummaryColumn:
        return tr("What happened");
    }
    return {};
}

void SystemEventModel::append(const QList<sys::SystemEvent>& events) {
    if (events.isEmpty())
        return;
    // A batch larger than the model keeps its newest.
    const qsizetype skip = qMax<qsizetype>(0, events.size() - m_capacity);
    m_trimmed += quint64(skip);
    const int incoming = int(events.size() - skip);
    const int overflow = int(m_events.size()) + incoming - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_events.erase(m_events.begin(), m_events.begin() + overflow);
        endRemoveRows();
        m_trimmed += quint64(overflow);
    }
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + incoming - 1);
    m_events.insert(m_events.end(), events.begin() + skip, events.end());
    endInsertRows();
}

void SystemEventModel::clear() {
    beginResetModel();
    m_events.clear();
    endResetModel();
}

QByteArray SystemEventModel::toJsonLines(const QList<int>& rows) const {
    QByteArray out;
    for (int row : rows)
        if (row >= 0 && row < int(m_events.size()))
            out += m_events[size_t(row)].toJsonLine() + '\n';
    return out;
}

void SystemEventFilter::setKind(std::optional<sys::EventKind> kind) {
    m_kind = kind;
    invalidateFilter();
}

void SystemEventFilter::setWarningsOnly(bool on) {
    m_warningsOnly = on;
    invalidateFilter();
}

void SystemEventFilter::setText(const QString& text) {
    m_text = text.trimmed();
    invalidateFilter();
}

bool SystemEventFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const auto* model = qobject_cast<const SystemEventModel*>(sourceModel());
    if (!model || parent.isValid())
        return false;
    const sys::SystemEvent& e = model->eventAt(row);
    if (m_kind && e.kind != *m_kind)
        return false;
    if (m_warningsOnly && e.severity == sys::EventSeverity::Info)
        return false;
    if (m_text.isEmpty())
        return true;
    for (const QString& field : {e.where(), e.summary, sys::eventKindName(e.kind), e.client})
        if (field.contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}

} // namespace jetdeck
