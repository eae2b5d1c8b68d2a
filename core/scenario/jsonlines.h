#pragma once

#include "core/base/error.h"
#include "core/protocol/json.h"

#include <QByteArray>
#include <QHash>
#include <QPair>
#include <QString>

namespace jetdeck::scenario {

/// Where each value of a JSON text starts: JSON Pointer ("/steps/3/rate") -> 1-based line.
/// Built from text that already parsed, so it only has to follow valid JSON.
class JsonLines {
public:
    static JsonLines scan(const QByteArray& text);
    /// The line of `pointer`, or of its closest ancestor that has one; 0 when none.
    int line(const QString& pointer) const;

private:
    QHash<QString, int> m_lines;
};

/// 1-based line and column of a byte offset.
QPair<int, int> lineColumn(const QByteArray& text, qsizetype offset);

/// How deep a scenario file may nest arrays and objects (the line scanner and the readers
/// recurse; a real scenario nests 4 deep).
inline constexpr int kMaxJsonDepth = 256;

/// Parses a JSON text with nlohmann, without exceptions. An error says
/// "WHERE:LINE:COLUMN: not valid JSON: what is wrong" (text that is not UTF-8, a lone surrogate
/// escape, nesting deeper than kMaxJsonDepth included).
Result<nlohmann::json> parseJsonText(const QByteArray& text, const QString& where);

} // namespace jetdeck::scenario
