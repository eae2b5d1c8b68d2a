#include "latencymodel.h"

#include <QStringList>

namespace jetdeck {

namespace {

QString ms(quint64 us) {
    const double v = double(us) / 1000.0;
    return QString::number(v, 'f', v < 10 ? 3 : (v < 1000 ? 1 : 0));
}

quint64 valueOf(const metrics::Percentiles& p, int column) {
    switch (column) {
    case LatencyModel::CountColumn:
        return p.count;
    case LatencyModel::P50Column:
        return p.p50;
    case LatencyModel::P90Column:
        return p.p90;
    case LatencyModel::P95Column:
        return p.p95;
    case LatencyModel::P99Column:
        return p.p99;
    case LatencyModel::P999Column:
        return p.p999;
    case LatencyModel::MaxColumn:
        return p.max;
    }
    return 0;
}

} // namespace

LatencyModel::LatencyModel(QObject* parent)
    : ListTableModel(parent) {}

int LatencyModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString LatencyModel::keyOf(const metrics::ProbeSnapshot& s) {
    return s.probe + QLatin1Char(' ') + targetText(s.labels);
}

QString LatencyModel::targetText(const metrics::Labels& labels) {
    QStringList parts;
    for (const auto& [k, v] : labels)
        parts << k + QLatin1Char('=') + v;
    return parts.join(QLatin1Char(' '));
}

QVariant LatencyModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const metrics::ProbeSnapshot& s = m_rows[index.row()];
    const int column = index.column();
    if (role == KeyRole)
        return keyOf(s);
    if (role == Qt::DisplayRole) {
        if (column == ProbeColumn)
            return s.probe;
        if (column == TargetColumn)
            return targetText(s.labels);
        if (column == CountColumn)
            return QString::number(s.percentiles.count);
        if (s.percentiles.count == 0)
            return QStringLiteral("–");
        return ms(valueOf(s.percentiles, column));
    }
    if (role == SortRole) {
        if (column == ProbeColumn || column == TargetColumn)
            return data(index, Qt::DisplayRole);
        return qulonglong(valueOf(s.percentiles, column));
    }
    if (role == Qt::TextAlignmentRole && column >= CountColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && column == ProbeColumn) {
        if (s.probe == QLatin1String(metrics::probe::PingRtt))
            return tr("Client PING to server PONG");
        if (s.probe == QLatin1String(metrics::probe::Request))
            return tr("Core request to its reply");
        if (s.probe == QLatin1String(metrics::probe::PublishAck))
            return tr("JetStream publish to its PubAck");
        if (s.probe == QLatin1String(metrics::probe::EndToEnd))
            return tr("Publish (sender's JetDeck-Sent-Us header, else the stream's timestamp) "
                      "to delivery");
        if (s.probe == QLatin1String(metrics::probe::Processing))
            return tr("Delivery to ack, NAK or term");
    }
    return {};
}

QVariant LatencyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ProbeColumn:
        return tr("Probe");
    case TargetColumn:
        return tr("Target");
    case CountColumn:
        return tr("Samples");
    case P50Column:
        return tr("P50 ms");
    case P90Column:
        return tr("P90 ms");
    case P95Column:
        return tr("P95 ms");
    case P99Column:
        return tr("P99 ms");
    case P999Column:
        return tr("P99.9 ms");
    case MaxColumn:
        return tr("Max ms");
    }
    return {};
}

void LatencyModel::update(const QList<metrics::ProbeSnapshot>& snapshots) {
    // The registry never forgets a probe and lists them in creation order: existing rows keep
    // their place, new ones come at the end.
    replaceRows(snapshots, CountColumn, MaxColumn);
}

} // namespace jetdeck
