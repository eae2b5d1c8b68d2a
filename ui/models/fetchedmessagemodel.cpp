#include "fetchedmessagemodel.h"

#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <QBrush>
#include <QColor>

namespace jetdeck {

FetchedMessageModel::FetchedMessageModel(QObject* parent)
    : ListTableModel(parent) {}

int FetchedMessageModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FetchedMessageModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const FetchedMessage& f = m_rows[index.row()];
    const js::JsMetadata& meta = f.message->metadata();
    const qint64 ageMs =
        meta.timestamp.isValid() ? meta.timestamp.msecsTo(QDateTime::currentDateTimeUtc()) : -1;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case SeqColumn:
            return QString::number(meta.streamSeq);
        case SubjectColumn:
            return QString::fromUtf8(f.message->subject());
        case DeliveredColumn:
            return QString::number(meta.delivered);
        case SizeColumn:
            return format::bytes(f.message->message().payload().size());
        case StoredColumn:
            return ageMs >= 0 ? tr("%1 ago").arg(format::duration(ageMs)) : QStringLiteral("–");
        case StateColumn:
            return f.state;
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case SeqColumn:
            return qulonglong(meta.streamSeq);
        case DeliveredColumn:
            return qulonglong(meta.delivered);
        case SizeColumn:
            return qlonglong(f.message->message().payload().size());
        case StoredColumn:
            return qlonglong(ageMs);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ForegroundRole && index.column() == DeliveredColumn && meta.delivered > 1)
        return QBrush(roleColor(ColorRole::Warning)); // a redelivery
    if (role == Qt::ToolTipRole && index.column() == DeliveredColumn && meta.delivered > 1)
        return tr("Delivered %1 times: a redelivery").arg(meta.delivered);
    if (role == Qt::TextAlignmentRole &&
        (index.column() == SeqColumn || index.column() == DeliveredColumn ||
         index.column() == SizeColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant FetchedMessageModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeqColumn:
        return tr("Stream seq");
    case SubjectColumn:
        return tr("Subject");
    case DeliveredColumn:
        return tr("Deliveries");
    case SizeColumn:
        return tr("Size");
    case StoredColumn:
        return tr("Stored");
    case StateColumn:
        return tr("State");
    }
    return {};
}

void FetchedMessageModel::update(const QList<FetchedMessage>& rows) {
    replaceRows(rows, 0, ColumnCount - 1);
}

} // namespace jetdeck
