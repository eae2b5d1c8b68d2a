#include "replicatablemodel.h"

#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

namespace jetdeck {

namespace {

const QString kDash = QStringLiteral("–");

QString sourceText(const js::StreamSourceInfo& s) {
    QString text = s.name;
    if (!s.filterSubject.isEmpty())
        text += QStringLiteral(" [%1]").arg(s.filterSubject);
    if (!s.externalPrefix.isEmpty())
        text += QStringLiteral(" via %1").arg(s.externalPrefix);
    text += s.error.isEmpty() ? QStringLiteral(" (lag %1)").arg(format::count(s.lag))
                              : QStringLiteral(" (%1)").arg(s.error);
    return text;
}

ColorRole healthColor(sys::ReplicaHealth h) {
    switch (h) {
    case sys::ReplicaHealth::Ok:
        return ColorRole::Good;
    case sys::ReplicaHealth::Lagging:
        return ColorRole::Warning;
    case sys::ReplicaHealth::Degraded:
    case sys::ReplicaHealth::NoLeader:
        return ColorRole::Bad;
    }
    return ColorRole::Good;
}

} // namespace

ReplicaTableModel::ReplicaTableModel(QObject* parent)
    : ListTableModel(parent) {}

int ReplicaTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString ReplicaTableModel::followersText(const sys::ReplicaRow& row) {
    if (row.replicas <= 1)
        return QObject::tr("single replica");
    QStringList parts;
    for (const js::PeerInfo& p : row.followers) {
        if (p.offline)
            parts << QObject::tr("%1 OFFLINE").arg(p.name);
        else
            parts << (p.current ? QObject::tr("%1 current") : QObject::tr("%1 not current"))
                             .arg(p.name) +
                         (p.lag > 0 ? QObject::tr(" (lag %1)").arg(format::count(p.lag))
                                    : QString());
    }
    return parts.isEmpty() ? kDash : parts.join(QStringLiteral(" · "));
}

QString ReplicaTableModel::originText(const sys::ReplicaRow& row) {
    if (row.mirror)
        return QObject::tr("mirror of %1").arg(sourceText(*row.mirror));
    if (row.sources.isEmpty())
        return QString();
    QStringList parts;
    for (const js::StreamSourceInfo& s : row.sources)
        parts << sourceText(s);
    return QObject::tr("sources: %1").arg(parts.join(QStringLiteral(", ")));
}

QVariant ReplicaTableModel::data(const QModelIndex& index, int role) const {
    const sys::ReplicaRow* r = rowAt(index.row());
    if (!r)
        return {};
    const bool stream = r->kind == sys::ReplicaRow::Kind::Stream;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case HealthColumn:
            return sys::replicaHealthName(r->health);
        case AccountColumn:
            return r->account.isEmpty() ? tr("(this one)") : r->account;
        case StreamColumn:
            return r->stream;
        case ConsumerColumn:
            return stream ? QString() : r->consumer;
        case ReplicasColumn:
            return QString::number(r->replicas);
        case LeaderColumn:
            return r->leader.isEmpty() ? (r->replicas > 1 ? tr("NONE") : kDash) : r->leader;
        case FollowersColumn:
            return followersText(*r);
        case MessagesColumn:
            return stream ? format::count(r->messages)
                          : tr("%1 pending, %2 unacked")
                                .arg(format::count(r->pending), format::count(r->ackPending));
        case SizeColumn:
            return stream ? format::bytes(qint64(r->bytes)) : QString();
        case OriginColumn:
            return originText(*r);
        case ProblemsColumn:
            return r->problems.join(QStringLiteral("; "));
        }
        return {};
    }
    if (role == SortRole) {
        switch (index.column()) {
        case HealthColumn:
            return int(r->health);
        case ReplicasColumn:
            return r->replicas;
        case MessagesColumn:
            return qulonglong(stream ? r->messages : r->pending);
        case SizeColumn:
            return qulonglong(stream ? r->bytes : 0);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == HealthRole)
        return int(r->health);
    if (role == Qt::ForegroundRole &&
        (index.column() == HealthColumn || index.column() == ProblemsColumn ||
         (index.column() == LeaderColumn && r->leader.isEmpty() && r->replicas > 1)))
        return roleColor(healthColor(r->health));
    if (role == Qt::ToolTipRole && index.column() == FollowersColumn && r->replicas > 1) {
        QStringList lines;
        for (const js::PeerInfo& p : r->followers)
            lines << tr("%1: %2, last heard from %3 ago, %4 operation(s) behind")
                         .arg(p.name, p.offline   ? tr("offline")
                                      : p.current ? tr("current")
                                                  : tr("not current"))
                         .arg(p.activeNs < 0 ? tr("never") : format::duration(p.activeNs / 1000000))
                         .arg(p.lag);
        return lines.join(QLatin1Char('\n'));
    }
    if (role == Qt::TextAlignmentRole &&
        (index.column() == ReplicasColumn || index.column() == SizeColumn ||
         (index.column() == MessagesColumn && stream)))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ReplicaTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case HealthColumn:
            return tr("ok; lagging: a follower, mirror or source behind; degraded: a follower "
                      "offline, a replica missing or a source that cannot copy; no leader: it "
                      "takes no writes");
        case ReplicasColumn:
            return tr("Replicas configured");
        case FollowersColumn:
            return tr("The leader's view of its followers");
        case MessagesColumn:
            return tr("Streams: messages stored. Consumers: messages not delivered yet, and "
                      "deliveries not acknowledged yet");
        case OriginColumn:
            return tr("What a mirror or a stream with sources copies from, and how far behind");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case HealthColumn:
        return tr("Health");
    case AccountColumn:
        return tr("Account");
    case StreamColumn:
        return tr("Stream");
    case ConsumerColumn:
        return tr("Consumer");
    case ReplicasColumn:
        return tr("R");
    case LeaderColumn:
        return tr("Leader");
    case FollowersColumn:
        return tr("Followers");
    case MessagesColumn:
        return tr("Messages");
    case SizeColumn:
        return tr("Size");
    case OriginColumn:
        return tr("Mirror / sources");
    case ProblemsColumn:
        return tr("Problems");
    }
    return {};
}

void ReplicaTableModel::update(const QList<sys::ReplicaRow>& rows) {
    replaceRows(rows, 0, ColumnCount - 1);
}

void ReplicaFilter::setOnlyProblems(bool on) {
    if (on == m_onlyProblems)
        return;
    m_onlyProblems = on;
    invalidateRowsFilter();
}

bool ReplicaFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (m_onlyProblems &&
        sourceModel()->index(sourceRow, 0, sourceParent).data(ReplicaTableModel::HealthRole) ==
            int(sys::ReplicaHealth::Ok))
        return false;
    return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
}

} // namespace jetdeck
