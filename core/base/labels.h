#pragma once

#include <QString>

namespace jetdeck {

/// Short labels for numbers in titles and messages, the same in every locale.

/// 12345 -> "12,345".
QString countLabel(qint64 n);
/// 1500 -> "1500ms", 2000 -> "2s", 120000 -> "2m".
QString durationLabel(qint64 ms);
/// 512 -> "512 B", 65536 -> "64.0 KiB", 1536 -> "1.50 KiB".
QString bytesLabel(qint64 n);

} // namespace jetdeck
