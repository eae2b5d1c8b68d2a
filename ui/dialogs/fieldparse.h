#pragma once

#include "core/base/error.h"

#include <QString>

namespace jetdeck::field {

/// A limit typed by a person: empty or -1 is unlimited (-1), else a whole number >= 0.
Result<qint64> parseCount(const QString& text, const QString& label);
/// A Go duration ("30s", "1h30m"); empty is 0 (unset).
Result<qint64> parseDuration(const QString& text, const QString& label);
/// A positive Go duration list, comma separated ("1s, 5s, 30s").
Result<QList<qint64>> parseDurationList(const QString& text, const QString& label);
QString countText(qint64 value);
QString durationText(qint64 ns);

} // namespace jetdeck::field
