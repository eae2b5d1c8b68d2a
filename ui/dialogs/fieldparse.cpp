#include "fieldparse.h"

#include "core/jetstream/jscommon.h"

#include <QCoreApplication>
#include <QStringList>

namespace jetdeck::field {

namespace {
QString tr(const char* s) {
    return QCoreApplication::translate("field", s);
}
} // namespace

Result<qint64> parseCount(const QString& text, const QString& label) {
    const QString t = text.trimmed();
    if (t.isEmpty())
        return qint64(-1);
    bool ok = false;
    const qint64 v = t.toLongLong(&ok);
    if (!ok || v < -1)
        return Error{
            ErrorKind::InvalidArgument,
            tr("%1: '%2' is not a whole number (leave it empty for unlimited)").arg(label, t)};
    return v;
}

Result<qint64> parseDuration(const QString& text, const QString& label) {
    const QString t = text.trimmed();
    if (t.isEmpty())
        return qint64(0);
    auto v = js::parseDurationNs(t);
    if (!v || *v < 0)
        return Error{ErrorKind::InvalidArgument,
                     tr("%1: '%2' is not a duration such as 30s, 5m or 24h").arg(label, t)};
    return *v;
}

Result<QList<qint64>> parseDurationList(const QString& text, const QString& label) {
    QList<qint64> out;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString t = part.trimmed();
        if (t.isEmpty())
            continue;
        auto v = js::parseDurationNs(t);
        if (!v || *v <= 0)
            return Error{ErrorKind::InvalidArgument,
                         tr("%1: '%2' is not a positive duration such as 1s or 30s").arg(label, t)};
        out << *v;
    }
    return out;
}

QString countText(qint64 value) {
    return value < 0 ? QString() : QString::number(value);
}

QString durationText(qint64 ns) {
    return ns <= 0 ? QString() : js::formatDurationNs(ns);
}

} // namespace jetdeck::field
