#include "replicas.h"

#include <algorithm>

namespace jetdeck::sys {

QString replicaHealthName(ReplicaHealth h) {
    switch (h) {
    case ReplicaHealth::Ok:
        return QStringLiteral("ok");
    case ReplicaHealth::Lagging:
        return QStringLiteral("lagging");
    case ReplicaHealth::Degraded:
        return QStringLiteral("degraded");
    case ReplicaHealth::NoLeader:
        return QStringLiteral("no leader");
    }
    return {};
}

QString ReplicaRow::key() const {
    QString k = account + QLatin1Char('/') + stream;
    if (kind == Kind::Consumer)
        k += QLatin1Char('/') + consumer;
    return k;
}

namespace {

void worsen(ReplicaRow& row, ReplicaHealth h, const QString& problem) {
    if (int(h) > int(row.health))
        row.health = h;
    row.problems << problem;
}

void judgeSource(ReplicaRow& row, const js::StreamSourceInfo& s, const QString& what,
                 const QDateTime& now) {
    if (!s.error.isEmpty()) {
        worsen(row, ReplicaHealth::Degraded, QStringLiteral("%1: %2").arg(what, s.error));
    } else if (s.activeNs < 0) {
        // Never heard from its origin: a stream that does not exist, in a clustered server's
        // words (a single server says "stream not found"), or one not reached yet.
        const bool late = row.created.isValid() && row.created.msecsTo(now) > kSourceGraceMs;
        worsen(row, late ? ReplicaHealth::Degraded : ReplicaHealth::Lagging,
               QStringLiteral("%1: never heard from it").arg(what));
    } else if (s.lag > 0) {
        worsen(row, ReplicaHealth::Lagging, QStringLiteral("%1: lag %2").arg(what).arg(s.lag));
    }
}

} // namespace

void judge(ReplicaRow& row, const QDateTime& nowOrInvalid) {
    const QDateTime now = nowOrInvalid.isValid() ? nowOrInvalid : QDateTime::currentDateTimeUtc();
    row.health = ReplicaHealth::Ok;
    row.problems.clear();
    if (row.unreportedSince.isValid()) {
        // Its last view is stale: nothing in it is judged but its absence.
        worsen(row, ReplicaHealth::Degraded,
               QStringLiteral("no server has reported it since %1: its servers do not answer")
                   .arg(row.unreportedSince.toLocalTime().toString(QStringLiteral("HH:mm:ss"))));
        return;
    }
    if (row.replicas > 1) {
        if (row.leader.isEmpty())
            worsen(row, ReplicaHealth::NoLeader, QStringLiteral("no leader"));
        for (const js::PeerInfo& p : std::as_const(row.followers)) {
            if (p.offline)
                worsen(row, ReplicaHealth::Degraded, QStringLiteral("%1 offline").arg(p.name));
            else if (!p.current) // a current follower's lag is the last few writes in flight
                worsen(row, ReplicaHealth::Lagging,
                       p.lag > 0 ? QStringLiteral("%1 behind by %2").arg(p.name).arg(p.lag)
                                 : QStringLiteral("%1 not current").arg(p.name));
        }
        const int reported = int(row.followers.size()) + (row.leader.isEmpty() ? 0 : 1);
        if (!row.leader.isEmpty() && reported < row.replicas)
            worsen(row, ReplicaHealth::Degraded,
                   QStringLiteral("%1 of %2 replicas reported").arg(reported).arg(row.replicas));
    }
    if (row.mirror)
        judgeSource(row, *row.mirror, QStringLiteral("mirror of %1").arg(row.mirror->name), now);
    for (const js::StreamSourceInfo& s : std::as_const(row.sources))
        judgeSource(row, s, QStringLiteral("source %1").arg(s.name), now);
    // Worst first: the first problem is what a one-line summary shows.
    std::stable_sort(row.problems.begin(), row.problems.end(),
                     [](const QString& a, const QString& b) {
                         const auto rank = [](const QString& p) {
                             return p == QLatin1String("no leader")         ? 0
                                    : p.endsWith(QLatin1String(" offline")) ? 1
                                                                            : 2;
                         };
                         return rank(a) < rank(b);
                     });
}

namespace {

ReplicaRow streamRow(const QString& account, const js::StreamInfo& s) {
    ReplicaRow row;
    row.kind = ReplicaRow::Kind::Stream;
    row.account = account;
    row.stream = s.config.name;
    row.replicas = qMax(1, s.config.replicas);
    row.leader = s.cluster.leader;
    row.followers = s.cluster.replicas;
    row.messages = s.state.messages;
    row.bytes = s.state.bytes;
    row.mirror = s.mirror;
    row.sources = s.sources;
    row.created = s.created;
    judge(row);
    return row;
}

ReplicaRow consumerRow(const QString& account, int streamReplicas, const js::ConsumerInfo& c) {
    ReplicaRow row;
    row.kind = ReplicaRow::Kind::Consumer;
    row.account = account;
    row.stream = c.stream;
    row.consumer = c.name;
    row.replicas = c.config.replicas > 0 ? c.config.replicas : streamReplicas;
    row.leader = c.cluster.leader;
    row.followers = c.cluster.replicas;
    row.pending = quint64(qMax<qint64>(0, c.numPending));
    row.ackPending = quint64(qMax<qint64>(0, c.numAckPending));
    judge(row);
    return row;
}

bool before(const ReplicaRow& a, const ReplicaRow& b) {
    if (a.account != b.account)
        return a.account < b.account;
    if (a.stream != b.stream)
        return a.stream < b.stream;
    if (a.kind != b.kind)
        return a.kind == ReplicaRow::Kind::Stream;
    return a.consumer < b.consumer;
}

} // namespace

QList<ReplicaRow> replicaRows(const JetStreamAssets& assets) {
    QList<ReplicaRow> rows;
    rows.reserve(assets.streams.size() + assets.consumers.size());
    QHash<QString, int> streamReplicas;
    for (const JetStreamAssets::Stream& s : assets.streams) {
        rows.append(streamRow(s.account, s.info));
        if (s.unreportedSince.isValid()) {
            rows.last().unreportedSince = s.unreportedSince;
            judge(rows.last());
        }
        streamReplicas.insert(s.account + QLatin1Char('/') + s.info.config.name,
                              rows.last().replicas);
    }
    for (const JetStreamAssets::Consumer& c : assets.consumers) {
        rows.append(consumerRow(
            c.account, streamReplicas.value(c.account + QLatin1Char('/') + c.info.stream, 1),
            c.info));
        if (c.unreportedSince.isValid()) {
            rows.last().unreportedSince = c.unreportedSince;
            judge(rows.last());
        }
    }
    std::sort(rows.begin(), rows.end(), before);
    return rows;
}

QList<ReplicaRow> replicaRows(const js::JetStreamSnapshot& snapshot) {
    QList<ReplicaRow> rows;
    for (const js::StreamInfo& s : snapshot.streams) {
        rows.append(streamRow(QString(), s));
        const int r = rows.last().replicas;
        for (const js::ConsumerInfo& c : snapshot.consumers.value(s.config.name))
            rows.append(consumerRow(QString(), r, c));
    }
    std::sort(rows.begin(), rows.end(), before);
    return rows;
}

ReplicaSummary summarize(const QList<ReplicaRow>& rows) {
    ReplicaSummary s;
    for (const ReplicaRow& r : rows) {
        switch (r.health) {
        case ReplicaHealth::Ok:
            ++s.ok;
            break;
        case ReplicaHealth::Lagging:
            ++s.lagging;
            break;
        case ReplicaHealth::Degraded:
            ++s.degraded;
            break;
        case ReplicaHealth::NoLeader:
            ++s.noLeader;
            break;
        }
    }
    return s;
}

} // namespace jetdeck::sys
