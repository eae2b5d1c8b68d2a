#include "servertablemodel.h"

#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

namespace jetdeck {

namespace {

const QString kDash = QStringLiteral("–");

QString usage(quint64 used, quint64 max) {
    return max > 0 ? QStringLiteral("%1 / %2").arg(format::bytes(qint64(used)),
                                                   format::bytes(qint64(max)))
                   : format::bytes(qint64(used));
}

QString rate(double perSecond) {
    return perSecond < 10 ? QString::number(perSecond, 'f', 1)
                          : format::count(quint64(perSecond + 0.5));
}

} // namespace

ServerTableModel::ServerTableModel(QObject* parent)
    : ListTableModel(parent) {}

QString ServerTableModel::rowKey(const sys::ServerRow& row) const {
    return row.id.name.isEmpty() ? row.id.id : row.id.name;
}

int ServerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString ServerTableModel::stateText(const sys::ServerRow& row, const QDateTime& now) {
    if (!row.answering)
        return row.lastSeen.isValid()
                   ? tr("not answering for %1").arg(format::duration(row.lastSeen.msecsTo(now)))
                   : tr("not answering");
    if (!row.lastError.ok())
        return tr("error");
    if (row.health && !row.health->ok())
        return tr("unhealthy");
    return tr("ok");
}

QVariant ServerTableModel::data(const QModelIndex& index, int role) const {
    const sys::ServerRow* r = rowAt(index.row());
    if (!r)
        return {};
    const sys::Varz* v = r->varz ? &*r->varz : nullptr;
    const bool live = r->answering && v;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return rowKey(*r);
        case StateColumn:
            return stateText(*r,
                             m_lastRound.isValid() ? m_lastRound : QDateTime::currentDateTime());
        case ClusterColumn:
            return r->id.cluster.isEmpty() ? kDash : r->id.cluster;
        case VersionColumn:
            return r->id.version;
        }
        // The rest is what the server's latest VARZ said: nothing while it does not answer.
        const bool rateColumn = index.column() >= InMsgsColumn && index.column() <= OutBytesColumn;
        const bool jsColumn = index.column() >= JsMemoryColumn;
        if (!live || (rateColumn && !r->rates) || (jsColumn && !v->jetstream))
            return kDash;
        switch (index.column()) {
        case UptimeColumn:
            return sys::uptimeText(v->uptimeMs());
        case CpuColumn:
            return QString::number(v->cpu, 'f', 1);
        case MemoryColumn:
            return format::bytes(v->memBytes);
        case ConnectionsColumn:
            return format::count(quint64(v->connections));
        case SubscriptionsColumn:
            return format::count(v->subscriptions);
        case SlowConsumersColumn:
            return format::count(v->slowConsumers);
        case InMsgsColumn:
            return rate(r->rates->inMsgs);
        case OutMsgsColumn:
            return rate(r->rates->outMsgs);
        case InBytesColumn:
            return QString(format::bytes(qint64(r->rates->inBytes)) + tr("/s"));
        case OutBytesColumn:
            return QString(format::bytes(qint64(r->rates->outBytes)) + tr("/s"));
        case RoutesColumn:
            return QString::number(v->routes);
        case LeafnodesColumn:
            return QString::number(v->leafnodes);
        case JsMemoryColumn:
            return usage(v->js.memory, v->js.maxMemory);
        case JsStorageColumn:
            return usage(v->js.storage, v->js.maxStorage);
        case ApiColumn:
            return QStringLiteral("%1 / %2").arg(format::count(v->js.apiTotal),
                                                 format::count(v->js.apiErrors));
        }
        return {};
    }
    if (role == SortRole) {
        switch (index.column()) {
        case NameColumn:
        case ClusterColumn:
        case VersionColumn:
        case StateColumn:
            return data(index, Qt::DisplayRole);
        case UptimeColumn:
            return live ? v->uptimeMs() : -1;
        case CpuColumn:
            return live ? v->cpu : -1.0;
        case MemoryColumn:
            return live ? v->memBytes : -1;
        case ConnectionsColumn:
            return live ? v->connections : -1;
        case SubscriptionsColumn:
            return live ? qlonglong(v->subscriptions) : -1;
        case SlowConsumersColumn:
            return live ? qlonglong(v->slowConsumers) : -1;
        case InMsgsColumn:
            return r->rates ? r->rates->inMsgs : -1.0;
        case OutMsgsColumn:
            return r->rates ? r->rates->outMsgs : -1.0;
        case InBytesColumn:
            return r->rates ? r->rates->inBytes : -1.0;
        case OutBytesColumn:
            return r->rates ? r->rates->outBytes : -1.0;
        case RoutesColumn:
            return live ? v->routes : -1;
        case LeafnodesColumn:
            return live ? v->leafnodes : -1;
        case JsMemoryColumn:
            return live ? qlonglong(v->js.memory) : -1;
        case JsStorageColumn:
            return live ? qlonglong(v->js.storage) : -1;
        case ApiColumn:
            return live ? qlonglong(v->js.apiErrors) : -1;
        }
        return {};
    }
    if (role == Qt::ForegroundRole && index.column() == StateColumn) {
        if (!r->answering || !r->lastError.ok())
            return roleColor(ColorRole::Bad);
        if (r->health && !r->health->ok())
            return roleColor(ColorRole::Warning);
        return roleColor(ColorRole::Good);
    }
    if (role == Qt::ForegroundRole && index.column() == SlowConsumersColumn && live &&
        v->slowConsumers > 0)
        return roleColor(ColorRole::Warning);
    if (role == Qt::ToolTipRole && index.column() == StateColumn) {
        QStringList lines;
        if (r->lastSeen.isValid())
            lines << tr("Last answer: %1").arg(r->lastSeen.toString(QStringLiteral("HH:mm:ss")));
        if (!r->lastError.ok())
            lines << r->lastError.message;
        if (r->health)
            lines << tr("Health: %1%2")
                         .arg(r->health->status,
                              r->health->error.isEmpty()
                                  ? QString()
                                  : QStringLiteral(" (%1)").arg(r->health->error));
        return lines.join(QLatin1Char('\n'));
    }
    if (role == Qt::TextAlignmentRole && index.column() >= CpuColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ServerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case StateColumn:
            return tr("Whether the server answered the latest round (HEALTHZ for its health)");
        case InMsgsColumn:
        case OutMsgsColumn:
        case InBytesColumn:
        case OutBytesColumn:
            return tr("Per second, between its two latest VARZ, by the server's own clock");
        case JsMemoryColumn:
        case JsStorageColumn:
            return tr("JetStream used / the server's limit");
        case ApiColumn:
            return tr("JetStream API requests / errors since the server started");
        default:
            return tr("From the server's VARZ ($SYS.REQ.SERVER.PING.VARZ)");
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Server");
    case StateColumn:
        return tr("State");
    case ClusterColumn:
        return tr("Cluster");
    case VersionColumn:
        return tr("Version");
    case UptimeColumn:
        return tr("Uptime");
    case CpuColumn:
        return tr("CPU %");
    case MemoryColumn:
        return tr("Memory");
    case ConnectionsColumn:
        return tr("Conns");
    case SubscriptionsColumn:
        return tr("Subs");
    case SlowConsumersColumn:
        return tr("Slow");
    case InMsgsColumn:
        return tr("In msg/s");
    case OutMsgsColumn:
        return tr("Out msg/s");
    case InBytesColumn:
        return tr("In");
    case OutBytesColumn:
        return tr("Out");
    case RoutesColumn:
        return tr("Routes");
    case LeafnodesColumn:
        return tr("Leafs");
    case JsMemoryColumn:
        return tr("JS memory");
    case JsStorageColumn:
        return tr("JS file");
    case ApiColumn:
        return tr("API req / err");
    }
    return {};
}

void ServerTableModel::update(const QList<sys::ServerRow>& rows, const QDateTime& lastRound) {
    m_lastRound = lastRound;
    replaceRows(rows, 0, ColumnCount - 1);
}

} // namespace jetdeck
