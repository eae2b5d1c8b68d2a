#include "prometheus.h"

#include <algorithm>
#include <cmath>

namespace jetdeck::metrics {

bool PrometheusWriter::validName(QByteArrayView name) {
    if (name.isEmpty())
        return false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

QByteArray PrometheusWriter::escapeLabelValue(const QString& value) {
    const QByteArray utf8 = value.toUtf8();
    QByteArray out;
    out.reserve(utf8.size());
    for (char c : utf8) {
        if (c == '\\')
            out.append("\\\\");
        else if (c == '"')
            out.append("\\\"");
        else if (c == '\n')
            out.append("\\n");
        else
            out.append(c);
    }
    return out;
}

QByteArray PrometheusWriter::formatValue(double v) {
    if (std::isnan(v))
        return QByteArrayLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (v == std::floor(v) && std::abs(v) < 1e15)
        return QByteArray::number(qint64(v));
    return QByteArray::number(v, 'g', 10);
}

void PrometheusWriter::family(const QByteArray& name, Type type, const QByteArray& help) {
    Q_ASSERT(validName(name));
    if (m_families.contains(name))
        return;
    const char* typeName = type == Type::Gauge     ? "gauge"
                           : type == Type::Counter ? "counter"
                                                   : "histogram";
    Family f;
    QByteArray escapedHelp = help;
    escapedHelp.replace('\\', "\\\\").replace('\n', "\\n");
    f.header = "# HELP " + name + ' ' + escapedHelp + "\n# TYPE " + name + ' ' + typeName + '\n';
    m_families.insert(name, f);
    m_order.append(name);
}

void PrometheusWriter::appendLabels(QByteArray& out, const Labels& labels, const char* extraName,
                                    const QByteArray& extraValue) {
    if (labels.isEmpty() && !extraName)
        return;
    out.append('{');
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first)
            out.append(',');
        first = false;
        out.append(k.toLatin1()).append("=\"").append(escapeLabelValue(v)).append('"');
    }
    if (extraName) {
        if (!first)
            out.append(',');
        out.append(extraName).append("=\"").append(extraValue).append('"');
    }
    out.append('}');
}

Labels PrometheusWriter::withCommon(const Labels& labels) const {
    if (m_common.isEmpty())
        return labels;
    Labels out;
    for (const auto& common : m_common) {
        const bool own = std::any_of(labels.cbegin(), labels.cend(),
                                     [&](const auto& l) { return l.first == common.first; });
        if (!own)
            out.append(common);
    }
    out.append(labels);
    return out;
}

void PrometheusWriter::sample(const QByteArray& name, const Labels& ownLabels, double value) {
    const Labels labels = withCommon(ownLabels);
    auto it = m_families.find(name);
    Q_ASSERT_X(it != m_families.end(), "PrometheusWriter::sample", "family not declared");
    if (it == m_families.end())
        return;
    QByteArray& body = it->body;
    body.append(name);
    appendLabels(body, labels);
    body.append(' ').append(formatValue(value)).append('\n');
    ++m_series;
}

void PrometheusWriter::histogram(const QByteArray& name, const Labels& ownLabels,
                                 const CumulativeBuckets& b) {
    const Labels labels = withCommon(ownLabels);
    auto it = m_families.find(name);
    Q_ASSERT_X(it != m_families.end(), "PrometheusWriter::histogram", "family not declared");
    if (it == m_families.end())
        return;
    QByteArray& body = it->body;
    for (qsizetype i = 0; i < b.boundsSeconds.size(); ++i) {
        body.append(name).append("_bucket");
        appendLabels(body, labels, "le", formatValue(b.boundsSeconds[i]));
        body.append(' ').append(QByteArray::number(b.counts.value(i))).append('\n');
    }
    body.append(name).append("_bucket");
    appendLabels(body, labels, "le", QByteArrayLiteral("+Inf"));
    body.append(' ').append(QByteArray::number(b.count)).append('\n');
    body.append(name).append("_sum");
    appendLabels(body, labels);
    body.append(' ').append(formatValue(b.sumSeconds)).append('\n');
    body.append(name).append("_count");
    appendLabels(body, labels);
    body.append(' ').append(QByteArray::number(b.count)).append('\n');
    ++m_series;
}

QByteArray PrometheusWriter::text() const {
    QByteArray out;
    for (const QByteArray& name : m_order) {
        const Family& f = m_families[name];
        if (f.body.isEmpty())
            continue; // a family without samples says nothing
        out.append(f.header).append(f.body);
    }
    return out;
}

} // namespace jetdeck::metrics
