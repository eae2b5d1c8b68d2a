#include "publishrunmodel.h"

#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <QBrush>
#include <QColor>

namespace jetdeck {

namespace {

/// Messages that reached their end: acked for JetStream, written for core.
qint64 doneOf(const PublishRun& r) {
    if (r.summary)
        return r.mode == PublishMode::Core ? r.summary->sent + r.summary->queuedThenSent
                                           : r.summary->acked;
    return r.mode == PublishMode::Core ? r.progress.accepted : r.progress.acked;
}

qint64 failedOf(const PublishRun& r) {
    if (r.summary) {
        const PublishSummary& s = *r.summary;
        return s.rejected + s.expired + s.dropped + s.failed + s.timedOut + s.unanswered;
    }
    return r.progress.rejected + r.progress.failed;
}

QString resultOf(const PublishRun& r) {
    if (!r.summary)
        return PublishRunModel::tr("running %1 %")
            .arg(r.progress.total > 0
                     ? qMin<qint64>(100, 100 * r.progress.attempted / r.progress.total)
                     : 0);
    if (r.summary->clean())
        return PublishRunModel::tr("all delivered");
    if (r.summary->stopped)
        return PublishRunModel::tr("stopped");
    return PublishRunModel::tr("incomplete");
}

} // namespace

PublishRunModel::PublishRunModel(QObject* parent)
    : ListTableModel(parent) {}

int PublishRunModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PublishRunModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const PublishRun& r = m_rows[index.row()];
    const bool js = r.mode != PublishMode::Core;
    const bool latency = js && r.summary && r.summary->ackLatency.count > 0;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case StartedColumn:
            return r.started.toString(QStringLiteral("HH:mm:ss"));
        case SubjectColumn:
            return r.subject;
        case ModeColumn:
            return publishModeName(r.mode);
        case DoneColumn:
            return tr("%1 of %2")
                .arg(format::count(quint64(doneOf(r))),
                     format::count(quint64(r.summary ? r.summary->attempted : r.progress.total)));
        case FailedColumn:
            return format::count(quint64(failedOf(r)));
        case RateColumn:
            return r.summary
                       ? format::rate(r.summary->achievedRate)
                       : (r.progress.seconds > 0
                              ? format::rate(double(r.progress.attempted) / r.progress.seconds)
                              : QStringLiteral("–"));
        case P50Column:
            return latency ? format::micros(qint64(r.summary->ackLatency.p50))
                           : QStringLiteral("–");
        case P95Column:
            return latency ? format::micros(qint64(r.summary->ackLatency.p95))
                           : QStringLiteral("–");
        case P99Column:
            return latency ? format::micros(qint64(r.summary->ackLatency.p99))
                           : QStringLiteral("–");
        case ResultColumn:
            return resultOf(r);
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case StartedColumn:
            return r.started;
        case DoneColumn:
            return doneOf(r);
        case FailedColumn:
            return failedOf(r);
        case RateColumn:
            return r.summary ? r.summary->achievedRate : 0.0;
        case P50Column:
            return latency ? qlonglong(r.summary->ackLatency.p50) : 0;
        case P95Column:
            return latency ? qlonglong(r.summary->ackLatency.p95) : 0;
        case P99Column:
            return latency ? qlonglong(r.summary->ackLatency.p99) : 0;
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole && index.column() >= P50Column && index.column() <= P99Column)
        return tr("Publish -> PubAck time (JetStream runs)");
    if (role == Qt::ToolTipRole && r.summary)
        return r.summary->toText();
    if (role == Qt::ForegroundRole && index.column() == ResultColumn && r.summary)
        return QBrush(roleColor(r.summary->clean() ? ColorRole::Good : ColorRole::Bad));
    if (role == Qt::TextAlignmentRole && index.column() >= DoneColumn &&
        index.column() <= P99Column)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant PublishRunModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StartedColumn:
        return tr("Started");
    case SubjectColumn:
        return tr("Subject");
    case ModeColumn:
        return tr("Mode");
    case DoneColumn:
        return tr("Sent / acked");
    case FailedColumn:
        return tr("Failed");
    case RateColumn:
        return tr("Rate");
    case P50Column:
        return tr("P50");
    case P95Column:
        return tr("P95");
    case P99Column:
        return tr("P99");
    case ResultColumn:
        return tr("Result");
    }
    return {};
}

void PublishRunModel::update(const QList<PublishRun>& runs) {
    replaceRows(runs, 0, ColumnCount - 1);
}

} // namespace jetdeck
