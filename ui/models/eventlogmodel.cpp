#include "eventlogmodel.h"

#include "ui/widgets/theme.h"

#include <numeric>

#include <QBrush>
#include <QColor>

namespace jetdeck {

EventLogModel::EventLogModel(int capacity, QObject* parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(1, capacity)) {}

int EventLogModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionEvent& e = m_events[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return e.time.toString(QStringLiteral("HH:mm:ss.zzz"));
        case KindColumn:
            return e.kind == ConnectionEvent::Kind::State ? connectionStateName(e.state)
                                                          : connectionEventKindName(e.kind);
        case ServerColumn:
            return e.server;
        case MessageColumn:
            return e.message;
        }
        break;
    case Qt::ToolTipRole:
        return QString(e.time.toString(Qt::ISODateWithMs) + QLatin1Char(0x0a) + e.message);
    case Qt::ForegroundRole:
        if (e.kind == ConnectionEvent::Kind::Error || e.kind == ConnectionEvent::Kind::SlowConsumer)
            return QBrush(roleColor(ColorRole::Bad));
        if (e.kind == ConnectionEvent::Kind::LameDuck)
            return QBrush(roleColor(ColorRole::Caution));
        break;
    case KindRole:
        return int(e.kind);
    case StateRole:
        return int(e.state);
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case KindColumn:
        return tr("Event");
    case ServerColumn:
        return tr("Server");
    case MessageColumn:
        return tr("Details");
    }
    return {};
}

void EventLogModel::append(const ConnectionEvent& event) {
    appendMany({event});
}

void EventLogModel::appendMany(const QList<ConnectionEvent>& events) {
    if (events.isEmpty())
        return;
    // Drop from the front first so the model never holds more than capacity rows.
    const qsizetype incoming = qMin<qsizetype>(events.size(), m_capacity);
    const qsizetype overflow = qsizetype(m_events.size()) + incoming - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_events.erase(m_events.begin(), m_events.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + int(incoming) - 1);
    for (qsizetype i = events.size() - incoming; i < events.size(); ++i)
        m_events.push_back(events[i]);
    endInsertRows();
}

QByteArray EventLogModel::toCsv(const QList<int>& rows) const {
    QByteArray out("time,event,server,message\n");
    auto field = [&out](const QString& text, char after) {
        // RFC 4180: quote every field, double the quotes inside.
        QByteArray utf8 = text.toUtf8();
        utf8.replace('"', QByteArrayLiteral("\"\""));
        out.append('"');
        out.append(utf8);
        out.append('"');
        out.append(after);
    };
    auto row = [&](int r) {
        const ConnectionEvent& e = m_events[size_t(r)];
        field(e.time.toString(Qt::ISODateWithMs), ',');
        field(e.kind == ConnectionEvent::Kind::State ? connectionStateName(e.state)
                                                     : connectionEventKindName(e.kind),
              ',');
        field(e.server, ',');
        field(e.message, '\n');
    };
    for (int r : rows)
        if (r >= 0 && r < int(m_events.size()))
            row(r);
    return out;
}

QByteArray EventLogModel::toCsv() const {
    QList<int> all(qsizetype(m_events.size()));
    std::iota(all.begin(), all.end(), 0);
    return toCsv(all);
}

void EventLogModel::clear() {
    if (m_events.empty())
        return;
    beginResetModel();
    m_events.clear();
    endResetModel();
}

} // namespace jetdeck
