#include "reader.h"

#include "core/jetstream/jscommon.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

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

QString joinNames(const QStringList& names) {
    return names.join(QStringLiteral(", "));
}

QString countLabel(qint64 n) {
    QLocale l = QLocale::c();
    l.setNumberOptions({});
    return l.toString(n);
}

QString durationLabel(qint64 ms) {
    if (ms % 60000 == 0 && ms >= 60000)
        return QStringLiteral("%1m").arg(ms / 60000);
    if (ms % 1000 == 0 && ms >= 1000)
        return QStringLiteral("%1s").arg(ms / 1000);
    return QStringLiteral("%1ms").arg(ms);
}

Reader::Reader(const QJsonObject& o, QString pointer, QString label, const JsonLines* lines,
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
    m_used.insert(key);
    return m_o.contains(key);
}

QJsonValue Reader::raw(const QString& key) {
    m_used.insert(key);
    return m_o.value(key);
}

Status Reader::string(const QString& key, QString* out, bool required) {
    const QJsonValue v = raw(key);
    if (v.isUndefined()) {
        if (required)
            return error(key, QStringLiteral("is required"));
        return {};
    }
    if (!v.isString())
        return error(key, QStringLiteral("must be a string"));
    *out = v.toString();
    if (required && out->isEmpty())
        return error(key, QStringLiteral("must not be empty"));
    return {};
}

Status Reader::wholeNumber(const QString& key, std::optional<double>* out, qint64 min, qint64 max) {
    const QJsonValue v = raw(key);
    if (v.isUndefined())
        return {};
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || d != std::floor(d))
        return error(key, QStringLiteral("must be a whole number"));
    if (d < double(min) || d > double(max))
        return error(key,
                     max >= std::numeric_limits<qint32>::max()
                         ? QStringLiteral("must be at least %1, got %2").arg(min).arg(numberText(d))
                         : QStringLiteral("must be between %1 and %2, got %3")
                               .arg(min)
                               .arg(max)
                               .arg(numberText(d)));
    *out = d;
    return {};
}

Status Reader::number(const QString& key, double* out, double min, double max) {
    const QJsonValue v = raw(key);
    if (v.isUndefined())
        return {};
    if (!v.isDouble())
        return error(key, QStringLiteral("must be a number"));
    const double d = v.toDouble();
    if (d < min || d > max)
        return error(key, QStringLiteral("must be between %1 and %2, got %3")
                              .arg(numberText(min), numberText(max), numberText(d)));
    *out = d;
    return {};
}

Status Reader::boolean(const QString& key, bool* out) {
    const QJsonValue v = raw(key);
    if (v.isUndefined())
        return {};
    if (!v.isBool())
        return error(key, QStringLiteral("must be true or false"));
    *out = v.toBool();
    return {};
}

Status Reader::duration(const QString& key, qint64* outMs, bool required) {
    const QJsonValue v = raw(key);
    if (v.isUndefined()) {
        if (required)
            return error(key, QStringLiteral("is required (a duration such as 500ms or 2s)"));
        return {};
    }
    if (v.isDouble() && v.toDouble() >= 0) {
        *outMs = qint64(v.toDouble());
        return {};
    }
    if (v.isString()) {
        auto ns = js::parseDurationNs(v.toString());
        if (ns && *ns >= 0) {
            *outMs = *ns / 1000000;
            return {};
        }
    }
    return error(key,
                 QStringLiteral("'%1' is not a duration such as 500ms, 2s or 1m")
                     .arg(v.isString()
                              ? v.toString()
                              : QString::fromUtf8(
                                    QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact))
                                    .mid(1)
                                    .chopped(1)));
}

Status Reader::finish(const QStringList& extraAllowed) const {
    for (auto it = m_o.begin(); it != m_o.end(); ++it) {
        if (m_used.contains(it.key()) || extraAllowed.contains(it.key()))
            continue;
        QStringList known(m_used.begin(), m_used.end());
        known += extraAllowed;
        known.sort();
        QString best;
        int bestDistance = 3; // suggest only near misses
        for (const QString& k : std::as_const(known)) {
            const int d = editDistance(it.key(), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (!best.isEmpty())
            return error(it.key(), QStringLiteral("unknown field; did you mean '%1'?").arg(best));
        return error(it.key(),
                     QStringLiteral("unknown field (this object takes: %1)").arg(joinNames(known)));
    }
    return {};
}

} // namespace jetdeck::scenario
