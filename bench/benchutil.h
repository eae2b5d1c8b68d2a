#pragma once

#include <QFile>

namespace jetdeck::bench {

/// Resident memory of this process in KiB (VmRSS), -1 when /proc is not there.
inline qint64 rssKiB() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

} // namespace jetdeck::bench
