#include "format.h"

#include "core/base/labels.h"

namespace jetdeck::format {

QString bytes(qint64 n) {
    return bytesLabel(n); // one spelling for the console, the CLI and the exports
}

QString count(quint64 n) {
    // Thin groups of three, the same in every locale: a dashboard is read across a room.
    const QString digits = QString::number(n);
    QString out;
    out.reserve(digits.size() + digits.size() / 3);
    for (qsizetype i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += QLatin1Char(' ');
        out += digits[i];
    }
    return out;
}

QString rate(double v) {
    if (v < 1000)
        return QString::number(v, 'f', v < 10 ? 1 : 0) + QStringLiteral(" msgs/s");
    if (v < 1e6)
        return QString::number(v / 1e3, 'f', 1) + QStringLiteral("k msgs/s");
    return QString::number(v / 1e6, 'f', 2) + QStringLiteral("M msgs/s");
}

QString micros(qint64 us) {
    if (us < 1000)
        return QString::number(us) + QStringLiteral(" µs");
    if (us < 1000000)
        return QString::number(double(us) / 1000.0, 'f', us < 10000 ? 2 : 1) +
               QStringLiteral(" ms");
    return QString::number(double(us) / 1e6, 'f', 2) + QStringLiteral(" s");
}

QString duration(qint64 ms) {
    if (ms < 60000)
        return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
    const qint64 s = ms / 1000;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

} // namespace jetdeck::format
