#include "labels.h"

#include <QLocale>

namespace jetdeck {

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

QString bytesLabel(qint64 n) {
    if (n < 1024)
        return QString::number(n) + QStringLiteral(" B");
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = double(n);
    int u = -1;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        ++u;
    }
    return QString::number(v, 'f', v < 10 ? 2 : 1) + QLatin1Char(' ') + QLatin1String(units[u]);
}

} // namespace jetdeck
