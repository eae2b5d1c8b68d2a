#pragma once

#include "core/base/error.h"
#include "core/base/labels.h"
#include "core/protocol/json.h"
#include "core/scenario/jsonlines.h"

#include <QSet>
#include <QString>
#include <QStringList>

#include <limits>
#include <optional>

namespace jetdeck::scenario {

/// Reads one JSON object of a scenario file, remembering which keys were used so that anything
/// left over (a typo) is reported, and turning every problem into "file:line: field: ...".
/// Only checked accessors: nothing it does throws.
class Reader {
public:
    /// `o` is the object (or, to report that it is not one, the value) at `pointer` in the file
    /// ("/steps/3"); `label` is how an error names it ("steps[3]"). `o`, `lines` and `file`
    /// outlive the reader.
    Reader(const nlohmann::json& o, QString pointer, QString label, const JsonLines* lines,
           const QString* file);

    /// "file:line: label.key: what"; the object itself when `key` is empty.
    Error error(const QString& key, const QString& what) const;
    /// The line where the object starts.
    int line() const;
    /// Whether the object has `key` (it counts as read).
    bool has(const QString& key);
    /// The value of `key` as it is (it counts as read); null when absent.
    const nlohmann::json* raw(const QString& key);

    // Each reader leaves `out` as it was when the key is absent.
    Status string(const QString& key, QString* out, bool required = false);
    /// A whole number within [min, max].
    template <typename T>
    Status integer(const QString& key, T* out, qint64 min,
                   qint64 max = std::numeric_limits<T>::max()) {
        std::optional<qint64> v;
        if (Status e = wholeNumber(key, &v, min, max); !e.ok())
            return e;
        if (v)
            *out = T(*v);
        return {};
    }
    Status number(const QString& key, double* out, double min, double max);
    Status boolean(const QString& key, bool* out);
    /// A duration: a Go duration string ("500ms", "2s", "1m30s") or a number of milliseconds.
    Status duration(const QString& key, qint64* outMs, bool required = false);
    /// Every key not read so far is a mistake: the error names the nearest known key, or lists
    /// them all.
    Status finish(const QStringList& extraAllowed = {}) const;

    const nlohmann::json& object() const { return m_o; }
    const QString& pointer() const { return m_pointer; }

private:
    /// Empty when the key is absent.
    Status wholeNumber(const QString& key, std::optional<qint64>* out, qint64 min, qint64 max);

    const nlohmann::json& m_o;
    QString m_pointer;
    QString m_label;
    const JsonLines* m_lines;
    const QString* m_file;
    QSet<QString> m_used;
};

/// A JSON string's text (empty for anything else).
QString textOf(const nlohmann::json& v);
/// "a, b, c".
QString joinNames(const QStringList& names);

} // namespace jetdeck::scenario
