#pragma once

#include "core/base/windowedhistogram.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

namespace jetdeck::metrics {

using Labels = QList<QPair<QString, QString>>;

/// Builds the Prometheus text exposition (format 0.0.4): each family's HELP and TYPE once, its
/// samples together, families in the order first declared, label values escaped.
class PrometheusWriter {
public:
    enum class Type { Gauge, Counter, Histogram };

    /// Declares a family; samples for undeclared families are refused (see sample()).
    void family(const QByteArray& name, Type type, const QByteArray& help);
    /// One sample of a gauge or counter family (counters: name without the _total suffix
    /// is not accepted; pass the full name as declared).
    void sample(const QByteArray& name, const Labels& labels, double value);
    /// One histogram series: _bucket lines for each bound and +Inf, _sum and _count.
    void histogram(const QByteArray& name, const Labels& labels, const CumulativeBuckets& b);

    QByteArray text() const;
    int seriesCount() const { return m_series; }
    /// Labels put first on every sample from now on, unless the sample has a label of the same
    /// name already (several registries in one exposition: connection="...").
    void setCommonLabels(const Labels& labels) { m_common = labels; }

    /// A valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
    static bool validName(QByteArrayView name);
    /// Escapes \, " and newline for a label value.
    static QByteArray escapeLabelValue(const QString& value);
    /// "1", "0.25", "1e+06", "NaN", "+Inf" as Prometheus reads them.
    static QByteArray formatValue(double value);

private:
    struct Family {
        QByteArray header;
        QByteArray body;
    };
    static void appendLabels(QByteArray& out, const Labels& labels, const char* extraName = nullptr,
                             const QByteArray& extraValue = {});
    Labels withCommon(const Labels& labels) const;
    Labels m_common;
    QList<QByteArray> m_order;
    QHash<QByteArray, Family> m_families;
    int m_series = 0;
};

} // namespace jetdeck::metrics
