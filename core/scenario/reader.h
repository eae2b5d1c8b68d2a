#pragma once

#include "core/base/error.h"
#include "core/scenario/jsonlines.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QSet>
#include <QString>
#include <QStringList>

#include <limits>
#include <optional>

namespace jetdeck::scenario {

/// Reads one JSON object of a scenario file, remembering which keys were used so that anything
/// left over (a typo) is reported, and turning every problem into "file:line: field: ...".
class Reader {
public:
    /// `pointer` is where the object is in the file ("/steps/3"), `label` how an error names it
    /// ("steps[3]"); `lines` and `file` outlive the reader.
    Reader(const QJsonObject& o, QString pointer, QString label, const JsonLines* lines,
           const QString* file);

    /// "file:line: label.key: what"; the object itself when `key` is empty.
    Error error(const QString& key, const QString& what) const;
    /// The line where the object starts.
    int line() const;
    /// Whether the object has `key` (it counts as read).
    bool has(const QString& key);
    /// The value of `key` as it is (it counts as read).
    QJsonValue raw(const QString& key);

    // Each reader leaves `out` as it was when the key is absent.
    Status string(const QString& key, QString* out, bool required = false);
    /// A whole number within [min, max].
    template <typename T>
    Status integer(const QString& key, T* out, qint64 min,
                   qint64 max = std::numeric_limits<T>::max()) {
        std::optional<double> d;
        if (Status e = wholeNumber(key, &d, min, max); !e.ok())
            return e;
        if (d)
            *out = T(*d);
        return {};
    }
    Status number(const QString& key, double* out, double min, double max);
    Status boolean(const QString& key, bool* out);
    /// A duration: a Go duration string ("500ms", "2s", "1m30s") or a number of milliseconds.
    Status duration(const QString& key, qint64* outMs, bool required = false);
    /// Every key not read so far is a mistake: the error names the nearest known key, or lists
    /// them all.
    Status finish(const QStringList& extraAllowed = {}) const;

    const QJsonObject& object() const { return m_o; }
    const QString& pointer() const { return m_pointer; }

private:
    /// Empty when the key is absent.
    Status wholeNumber(const QString& key, std::optional<double>* out, qint64 min, qint64 max);

    QJsonObject m_o;
    QString m_pointer;
    QString m_label;
    const JsonLines* m_lines;
    const QString* m_file;
    QSet<QString> m_used;
};

/// "a, b, c".
QString joinNames(const QStringList& names);
/// 12345 -> "12,345".
QString countLabel(qint64 n);
/// 1500 -> "1500ms", 2000 -> "2s", 120000 -> "2m".
QString durationLabel(qint64 ms);

} // namespace jetdeck::scenario
