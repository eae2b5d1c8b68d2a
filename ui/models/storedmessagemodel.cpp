#include "storedmessagemodel.h"

#include "ui/widgets/format.h"

namespace jetdeck {

StoredMessageModel::StoredMessageModel(QObject* parent)
    : ListTableModel(parent) {}

int StoredMessageModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StoredMessageModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const js::StoredMessage& m = m_rows[index.row()];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case SeqColumn:
            return QString::number(m.seq);
        case TimeColumn:
            return m.time.isValid() ? m.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd "
                                                                                   "HH:mm:ss.zzz"))
                                    : QStringLiteral("–");
        case SubjectColumn:
            return m.subject;
        case SizeColumn:
            return format::bytes(m.data.size());
        case HeadersColumn:
            return m.headers.entries().isEmpty() ? QString()
                                                 : QString::number(m.headers.entries().size());
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case SeqColumn:
            return qulonglong(m.seq);
        case TimeColumn:
            return m.time;
        case SizeColumn:
            return qlonglong(m.data.size());
        case HeadersColumn:
            return qlonglong(m.headers.entries().size());
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole && index.column() == TimeColumn && m.time.isValid())
        return m.time.toUTC().toString(Qt::ISODateWithMs);
    if (role == Qt::TextAlignmentRole &&
        (index.column() == SeqColumn || index.column() == SizeColumn ||
         index.column() == HeadersColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant StoredMessageModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeqColumn:
        return tr("Seq");
    case TimeColumn:
        return tr("Stored at");
    case SubjectColumn:
        return tr("Subject");
    case SizeColumn:
        return tr("Size");
    case HeadersColumn:
        return tr("Headers");
    }
    return {};
}

void StoredMessageModel::setMessages(const QList<js::StoredMessage>& messages) {
    replaceRows(messages, 0, ColumnCount - 1);
}

int StoredMessageModel::rowOfSequence(quint64 seq) const {
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].seq == seq)
            return int(i);
    return -1;
}

} // namespace jetdeck
