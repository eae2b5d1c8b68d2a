#pragma once

#include <QString>

namespace jetdeck::format {

/// 1.5 KiB, 12.0 MiB...
QString bytes(qint64 n);
/// 1,234,567 with group separators.
QString count(quint64 n);
/// "12.3k msgs/s"
QString rate(double perSecond);
/// "850 µs", "12.4 ms", "1.20 s"
QString micros(qint64 us);
/// "3.2 s", "1 min 5 s", "2 h 3 min"
QString duration(qint64 ms);

} // namespace jetdeck::format
