#pragma once

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

} // namespace jetdeck::scenario
