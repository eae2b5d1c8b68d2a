#include "tailmodel.h"

#include "ui/widgets/format.h"

namespace jetdeck {

namespace {

/// The payload's start as one line of text; bytes that are not text as dots.
QString preview(QByteArrayView payload) {
    const QByteArrayView head = payload.first(qMin<qsizetype>(payload.size(), 160));
    QString s = QString::fromUtf8(head);
    for (QChar& c : s)
        if (c == QChar::ReplacementCharacter || (c.unicode() < 0x20) || c.unicode() == 0x7f)
            c = QLatin1Char('.');
    return payload.size() > head.size() ? s + QStringLiteral("…") : s;
}

} // namespace

TailModel::TailModel(int capacity, QObject* parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(1, capacity)) {}

int TailModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TailModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TailModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size()) || index.column() >= ColumnCount)
        return {};
    const TailSampler::Kept& k = m_rows[size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return k.received.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case SubjectColumn:
            return QString::fromUtf8(k.message.subject());
        case SizeColumn:
            return format::bytes(k.message.size());
        case ReplyColumn:
            return QString::fromUtf8(k.message.reply());
        case PayloadColumn:
            return preview(k.message.payload());
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() == SizeColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant TailModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Received");
    case SubjectColumn:
        return tr("Subject");
    case SizeColumn:
        return tr("Size");
    case ReplyColumn:
        return tr("Reply to");
    case PayloadColumn:
        return tr("Payload");
    }
    return {};
}

void TailModel::append(const QList<TailSampler::Kept>& rows) {
    if (rows.isEmpty())
        return;
    // Only the newest `capacity` of what came can stay.
    const qsizetype take = qMin<qsizetype>(rows.size(), m_capacity);
    const qsizetype first = rows.size() - take;
    const qsizetype overflow = qsizetype(m_rows.size()) + take - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + size_t(take)) - 1);
    for (qsizetype i = first; i < rows.size(); ++i)
        m_rows.push_back(rows[i]);
    endInsertRows();
}

void TailModel::clear() {
    if (m_rows.empty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void TailModel::setCapacity(int capacity) {
    m_capacity = qMax(1, capacity);
    const qsizetype overflow = qsizetype(m_rows.size()) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
}

const TailSampler::Kept* TailModel::rowAt(int row) const {
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[size_t(row)] : nullptr;
}

} // namespace jetdeck
