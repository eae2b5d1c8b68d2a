#include "reader.h"

#include "core/jetstream/jscommon.h"

#include <cmath>

namespace jetdeck::scenario {

namespace {

QString numberText(double d) {
    return QString::number(d, 'g', 15);
}

/// Levenshtein distance, for "did you mean" on a mistyped field.
int editDistance(const QString& a, const QString& b) {
    QList<int> prev(b.size() + 1), cur(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        prev[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        cur[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j)
            cur[j] = qMin(qMin(prev[j] + 1, cur[j - 1] + 1),
                          prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace

QString textOf(const nlohmann::json& v) {
    if (!v.is_string())
        return {};
    return QString::fromStdString(v.get_ref<const std::string&>());
}

QString joinNames(const QStringList& names) {
    return names.join(QStringLiteral(", "));
}

Reader::Reader(const nlohmann::json& o, QString pointer, QString label, const JsonLines* lines,
               const QString* file)
    : m_o(o)
    , m_pointer(std::move(pointer))
    , m_label(std::move(label))
    , m_lines(lines)
    , m_file(file) {}

Error Reader::error(const QString& key, const QString& what) const {
    const QString ptr = key.isEmpty() ? m_pointer : m_pointer + QLatin1Char('/') + key;
    const int line = m_lines->line(ptr);
    QString where = m_file->isEmpty() ? QStringLiteral("scenario") : *m_file;
    if (line > 0)
        where += QLatin1Char(':') + QString::number(line);
    const QString field = key.isEmpty() ? m_label : m_label + QLatin1Char('.') + key;
    return Error{ErrorKind::InvalidArgument, QStringLiteral("%1: %2: %3").arg(where, field, what)};
}

int Reader::line() const {
    return m_lines->line(m_pointer);
}

bool Reader::has(const QString& key) {
    return raw(key) != nullptr;
}

const nlohmann::json* Reader::raw(const QString& key) {
    m_used.insert(key);
    if (!m_o.is_object())
        return nullptr;
    const auto it = m_o.find(key.toStdString());
    return it == m_o.end() ? nullptr : &*it;
}

Status Reader::string(const QString& key, QString* out, bool required) {
    const nlohmann::json* v = raw(key);
    if (!v) {
        if (required)
            return error(key, QStringLiteral("is required"));
        return {};
    }
    if (!v->is_string())
        return error(key, QStringLiteral("must be a string"));
    *out = textOf(*v);
    if (required && out->isEmpty())
        return error(key, QStringLiteral("must not be empty"));
    return {};
}

Status Reader::wholeNumber(const QString& key, std::optional<qint64>* out, qint64 min, qint64 max) {
    const nlohmann::json* v = raw(key);
    if (!v)
        return {};
    if (!v->is_number())
        return error(key, QStringLiteral("must be a whole number"));
    const double d = v->get<double>();
    if (d != std::floor(d))
        return error(key, QStringLiteral("must be a whole number"));
    // Exact for integers, and no cast of a float beyond qint64's range.
    const std::optional<qint64> i = json::toInt64(*v);
    if (!i || *i < min || *i > max)
        return error(key,
                     max >= std::numeric_limits<qint32>::max()
                         ? QStringLiteral("must be at least %1, got %2").arg(min).arg(numberText(d))
                         : QStringLiteral("must be between %1 and %2, got %3")
                               .arg(min)
                               .arg(max)
                               .arg(numberText(d)));
    *out = *i;
    return {};
}

Status Reader::number(const QString& key, double* out, double min, double max) {
    const nlohmann::json* v = raw(key);
    if (!v)
        return {};
    if (!v->is_number())
        return error(key, QStringLiteral("must be a number"));
    const double d = v->get<double>();
    if (d < min || d > max)
        return error(key, QStringLiteral("must be between %1 and %2, got %3")
                              .arg(numberText(min), numberText(max), numberText(d)));
    *out = d;
    return {};
}

Status Reader::boolean(const QString& key, bool* out) {
    const nlohmann::json* v = raw(key);
    if (!v)
        return {};
    if (!v->is_boolean())
        return error(key, QStringLiteral("must be true or false"));
    *out = v->get<bool>();
    return {};
}

Status Reader::duration(const QString& key, qint64* outMs, bool required) {
    const nlohmann::json* v = raw(key);
    if (!v) {
        if (required)
            return error(key, QStringLiteral("is required (a duration such as 500ms or 2s)"));
        return {};
    }
    if (v->is_number()) {
        // Milliseconds, within the range of a duration string (nanoseconds in a qint64).
        const double ms = v->get<double>();
        if (ms >= 0 && ms <= double(std::numeric_limits<qint64>::max() / 1000000)) {
            *outMs = qint64(ms);
            return {};
        }
    }
    if (v->is_string()) {
        auto ns = js::parseDurationNs(textOf(*v));
        if (ns && *ns >= 0) {
            *outMs = *ns / 1000000;
            return {};
        }
    }
    return error(key,
                 QStringLiteral("'%1' is not a duration such as 500ms, 2s or 1m")
                     .arg(v->is_string() ? textOf(*v) : QString::fromStdString(json::dump(*v))));
}

Status Reader::finish(const QStringList& extraAllowed) const {
    if (!m_o.is_object())
        return {};
    for (const auto& item : m_o.items()) {
        const QString key = QString::fromStdString(item.key());
        if (m_used.contains(key) || extraAllowed.contains(key))
            continue;
        QStringList known(m_used.begin(), m_used.end());
        known += extraAllowed;
        known.sort();
        QString best;
        int bestDistance = 3; // suggest only near misses
        for (const QString& k : std::as_const(known)) {
            const int d = editDistance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (!best.isEmpty())
            return error(key, QStringLiteral("unknown field; did you mean '%1'?").arg(best));
        return error(key,
                     QStringLiteral("unknown field (this object takes: %1)").arg(joinNames(known)));
    }
    return {};
}

} // namespace jetdeck::scenario
