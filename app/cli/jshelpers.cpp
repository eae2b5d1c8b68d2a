#include "app/cli/jshelpers.h"
#include "core/protocol/json.h"

#include <QJsonDocument>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace jetdeck::cli {

using namespace jetdeck::js;

QJsonObject toQt(const nlohmann::json& j) {
    return QJsonDocument::fromJson(json::dumpBytes(j)).object();
}

QString count(quint64 n) {
    return QString::number(n);
}

QString bytesText(quint64 n) {
    if (n < 1024)
        return QString::number(n) + QStringLiteral(" B");
    double v = double(n);
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        ++u;
    }
    return QString::number(v, 'f', 1) + QLatin1Char(' ') + QLatin1String(units[u]);
}

QString row(const QStringList& cells, const QList<int>& widths) {
    QString line;
    for (qsizetype i = 0; i < cells.size(); ++i)
        line += i + 1 < cells.size()
                    ? cells[i].leftJustified(widths.value(i, 12)) + QLatin1Char(' ')
                    : cells[i];
    return line;
}

QString table(const QList<QStringList>& rows) {
    QList<int> widths;
    for (const QStringList& r : rows)
        for (qsizetype i = 0; i < r.size(); ++i) {
            if (widths.size() <= i)
                widths.append(0);
            widths[i] = std::max(widths[i], int(r[i].size()) + 1);
        }
    QStringList lines;
    for (const QStringList& r : rows)
        lines << row(r, widths);
    return lines.join(QLatin1Char('\n'));
}

bool openSession(const Resolved& r, Session* s, int* code) {
    s->conn = std::make_unique<Connection>(r.options);
    if (!connectOrFail(*s->conn, r.timeoutMs, code))
        return false;
    JetStreamOptions jo;
    jo.timeoutMs = r.timeoutMs;
    s->js = std::make_unique<JetStream>(s->conn.get(), jo);
    return true;
}

} // namespace jetdeck::cli
