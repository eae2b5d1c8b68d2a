#include "clienttablemodel.h"

#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

namespace jetdeck {

namespace {

const QString kDash = QStringLiteral("–");

QString rate(double perSecond) {
    return perSecond < 10 ? QString::number(perSecond, 'f', 1)
                          : format::count(quint64(perSecond + 0.5));
}

} // namespace

ClientTableModel::ClientTableModel(QObject* parent)
    : ListTableModel(parent) {}

int ClientTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ClientTableModel::data(const QModelIndex& index, int role) const {
    const sys::ClientRow* r = rowAt(index.row());
    if (!r)
        return {};
    const sys::ClientConn& c = r->conn;
    const bool rateColumn = index.column() >= InMsgsColumn && index.column() <= OutBytesColumn;
    if (role == Qt::DisplayRole) {
        if (rateColumn && !r->rates)
            return kDash;
        switch (index.column()) {
        case NameColumn:
            return c.name.isEmpty() ? kDash : c.name;
        case ServerColumn:
            return r->server;
        case CidColumn:
            return QString::number(c.cid);
        case AccountColumn:
            return c.account.isEmpty() ? kDash : c.account;
        case AddressColumn:
            return QStringLiteral("%1:%2").arg(c.ip).arg(c.port);
        case ClientColumn:
            return c.lang.isEmpty() ? kDash : QStringLiteral("%1 %2").arg(c.lang, c.version);
        case RttColumn:
            return c.rttUs < 0 ? kDash : format::micros(c.rttUs);
        case SubscriptionsColumn:
            return format::count(c.subscriptions);
        case PendingColumn:
            return format::bytes(c.pendingBytes);
        case InMsgsColumn:
            return rate(r->rates->inMsgs);
        case OutMsgsColumn:
            return rate(r->rates->outMsgs);
        case InBytesColumn:
            return QString(format::bytes(qint64(r->rates->inBytes)) + tr("/s"));
        case OutBytesColumn:
            return QString(format::bytes(qint64(r->rates->outBytes)) + tr("/s"));
        case UptimeColumn:
            return sys::uptimeText(c.uptimeMs);
        case IdleColumn:
            return sys::uptimeText(c.idleMs);
        }
        return {};
    }
    if (role == SortRole) {
        if (rateColumn && !r->rates)
            return -1.0;
        switch (index.column()) {
        case CidColumn:
            return qulonglong(c.cid);
        case RttColumn:
            return qlonglong(c.rttUs);
        case SubscriptionsColumn:
            return qulonglong(c.subscriptions);
        case PendingColumn:
            return qlonglong(c.pendingBytes);
        case InMsgsColumn:
            return r->rates->inMsgs;
        case OutMsgsColumn:
            return r->rates->outMsgs;
        case InBytesColumn:
            return r->rates->inBytes;
        case OutBytesColumn:
            return r->rates->outBytes;
        case UptimeColumn:
            return qlonglong(c.uptimeMs);
        case IdleColumn:
            return qlonglong(c.idleMs);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ForegroundRole && index.column() == PendingColumn && c.pendingBytes > 0)
        return roleColor(c.pendingBytes >= kPendingWarnBytes ? ColorRole::Bad : ColorRole::Warning);
    if (role == Qt::ToolTipRole) {
        QStringList lines;
        lines << tr("Connection %1 on %2 (%3)").arg(c.cid).arg(r->server, c.type);
        if (!c.user.isEmpty())
            lines << tr("User: %1").arg(c.user);
        if (!c.tlsVersion.isEmpty())
            lines << tr("TLS %1").arg(c.tlsVersion);
        lines << tr("Since %1; last activity %2")
                     .arg(c.start.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                          c.lastActivity.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
        lines << tr("Messages in %1, out %2; bytes in %3, out %4 (since it connected)")
                     .arg(format::count(c.inMsgs), format::count(c.outMsgs),
                          format::bytes(qint64(c.inBytes)), format::bytes(qint64(c.outBytes)));
        return lines.join(QLatin1Char('\n'));
    }
    if (role == Qt::TextAlignmentRole && index.column() >= RttColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ClientTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case CidColumn:
            return tr("The connection's id on its server");
        case RttColumn:
            return tr("Round trip between the server and the client, as the server measured it");
        case PendingColumn:
            return tr("Bytes the server holds for this client and could not write yet: a "
                      "client that keeps a large amount here is falling behind (the server "
                      "cuts it as a slow consumer at its write deadline; see the events page)");
        case InMsgsColumn:
        case OutMsgsColumn:
        case InBytesColumn:
        case OutBytesColumn:
            return tr("Per second, between its two latest CONNZ readings, by the server's "
                      "clock; in: what the client published, out: what it was sent");
        default:
            return tr("From its server's CONNZ ($SYS.REQ.SERVER.PING.CONNZ)");
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ServerColumn:
        return tr("Server");
    case CidColumn:
        return tr("CID");
    case AccountColumn:
        return tr("Account");
    case AddressColumn:
        return tr("Address");
    case ClientColumn:
        return tr("Library");
    case RttColumn:
        return tr("RTT");
    case SubscriptionsColumn:
        return tr("Subs");
    case PendingColumn:
        return tr("Pending");
    case InMsgsColumn:
        return tr("In msg/s");
    case OutMsgsColumn:
        return tr("Out msg/s");
    case InBytesColumn:
        return tr("In");
    case OutBytesColumn:
        return tr("Out");
    case UptimeColumn:
        return tr("Uptime");
    case IdleColumn:
        return tr("Idle");
    }
    return {};
}

void ClientTableModel::update(const QList<sys::ClientRow>& rows) {
    replaceRows(rows, 0, ColumnCount - 1);
}

} // namespace jetdeck
