// benchplot: draws bench/compare.sh's ratios by payload size into a PNG.
//
//   benchplot RESULTS.json OUT.png
//
// One line per mode (publish, publish -> subscribe, JetStream publish, JetStream consume):
// the ratio of medians JetDeck / nats.c at each size, with a whisker from the lowest to the
// highest ratio of a single round, and a dashed line at 1.0 (as fast as nats.c). Sizes are
// evenly spaced (16 B, 128 B, 1 KiB, 16 KiB, 64 KiB). Exit status 0, or 1 with a message when
// the file is missing, is not compare.sh's JSON, or the PNG cannot be written.
#include <QFile>
#include <QFont>
#include <QGuiApplication>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPainter>
#include <QPainterPath>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

namespace {

struct Point {
    qint64 size = 0;
    double ratio = 0;
    double low = 0;
    double high = 0;
};

struct Line {
    QString mode;
    QString label;
    QColor color;
    QList<Point> points;
};

QString sizeLabel(qint64 b) {
    if (b >= 1024 * 1024 && b % (1024 * 1024) == 0)
        return QStringLiteral("%1 MiB").arg(b / (1024 * 1024));
    if (b >= 1024 && b % 1024 == 0)
        return QStringLiteral("%1 KiB").arg(b / 1024);
    return QStringLiteral("%1 B").arg(b);
}

int fail(const QString& why) {
    std::fprintf(stderr, "benchplot: %s\n", qPrintable(why));
    return 1;
}

std::optional<double> number(const QJsonObject& o, const char* key) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return std::nullopt;
    return v.toDouble();
}

} // namespace

int main(int argc, char** argv) {
    // Drawing text needs a GUI application; no display is needed.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 3)
        return fail(QStringLiteral("usage: benchplot RESULTS.json OUT.png"));

    QFile in(args[1]);
    if (!in.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1: %2").arg(args[1], in.errorString()));
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(in.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return fail(QStringLiteral("%1 is not JSON: %2").arg(args[1], err.errorString()));
    const QJsonObject root = doc.object();
    const QJsonValue summaryValue = root.value(QLatin1String("summary"));
    if (!summaryValue.isArray())
        return fail(QStringLiteral("%1 has no \"summary\" list: not bench/compare.sh's output")
                        .arg(args[1]));

    const QList<std::pair<QString, QString>> known = {
        {QStringLiteral("pub"), QStringLiteral("publish")},
        {QStringLiteral("pubsub"), QStringLiteral("publish -> subscribe")},
        {QStringLiteral("js-pub"), QStringLiteral("JetStream publish (acked)")},
        {QStringLiteral("js-consume"), QStringLiteral("JetStream consume (pull, ack)")},
    };
    const QList<QColor> colors = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28),
                                  QColor(0x2c, 0xa0, 0x2c), QColor(0x94, 0x67, 0xbd)};
    QList<Line> lines;
    for (int i = 0; i < known.size(); ++i)
        lines.append(Line{known[i].first, known[i].second, colors[i], {}});

    QList<qint64> sizes;
    double top = 1.2;
    const QJsonArray summary = summaryValue.toArray();
    for (int i = 0; i < summary.size(); ++i) {
        const QJsonObject s = summary[i].toObject();
        const QString mode = s.value(QLatin1String("mode")).toString();
        auto line =
            std::find_if(lines.begin(), lines.end(), [&](const Line& l) { return l.mode == mode; });
        if (line == lines.end())
            continue; // req has no size axis to speak of; other modes are not drawn
        const auto size = number(s, "size");
        const auto ratio = number(s, "ratio");
        if (!size || !ratio || *size < 0 || *ratio <= 0)
            return fail(QStringLiteral("summary entry %1 (%2) lacks a size or a positive ratio")
                            .arg(i)
                            .arg(mode));
        Point p{qint64(*size), *ratio, number(s, "ratio_round_min").value_or(*ratio),
                number(s, "ratio_round_max").value_or(*ratio)};
        line->points.append(p);
        if (!sizes.contains(p.size))
            sizes.append(p.size);
        top = std::max(top, p.high);
    }
    if (sizes.isEmpty())
        return fail(QStringLiteral("%1 holds no publish or consume results to draw").arg(args[1]));
    std::sort(sizes.begin(), sizes.end());
    for (Line& l : lines)
        std::sort(l.points.begin(), l.points.end(),
                  [](const Point& a, const Point& b) { return a.size < b.size; });
    top = std::ceil(top * 5.0) / 5.0;

    const int w = 1000, h = 560;
    const QRect plot(80, 70, w - 80 - 280, h - 70 - 70);
    QImage img(w, h, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    QFont font = p.font();
    font.setPixelSize(13);
    p.setFont(font);

    const auto yAt = [&](double r) { return plot.bottom() - r / top * plot.height(); };
    const auto xAt = [&](qint64 size) {
        const qsizetype i = sizes.indexOf(size);
        return plot.left() + (double(i) + 0.5) / double(sizes.size()) * plot.width();
    };

    // Title: what, where, when.
    QFont titleFont = font;
    titleFont.setPixelSize(17);
    titleFont.setBold(true);
    p.setFont(titleFont);
    p.setPen(Qt::black);
    p.drawText(QRect(0, 8, w, 26), Qt::AlignHCenter,
               QStringLiteral("JetDeck / nats.c by payload size (median of rounds; >= 1.0: "
                              "JetDeck as fast or faster)"));
    p.setFont(font);
    const QJsonObject host = root.value(QLatin1String("host")).toObject();
    const QJsonObject params = root.value(QLatin1String("params")).toObject();
    p.setPen(QColor(0x55, 0x55, 0x55));
    p.drawText(QRect(0, 34, w, 22), Qt::AlignHCenter,
               QStringLiteral("%1 · %2 cores · %3 · %4 rounds, alternating; whiskers: lowest and "
                              "highest single-round ratio")
                   .arg(root.value(QLatin1String("generated_at")).toString().left(10))
                   .arg(host.value(QLatin1String("cpus")).toInt())
                   .arg(root.value(QLatin1String("server"))
                            .toObject()
                            .value(QLatin1String("version"))
                            .toString())
                   .arg(params.value(QLatin1String("runs")).toInt()));

    // Grid and the y axis.
    for (double r = 0; r <= top + 1e-9; r += 0.2) {
        const double y = yAt(r);
        p.setPen(QPen(QColor(0xe0, 0xe0, 0xe0), 1));
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        p.setPen(Qt::black);
        p.drawText(QRectF(plot.left() - 60, y - 9, 52, 18), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(r, 'f', 1));
    }
    p.setPen(QPen(QColor(0x33, 0x33, 0x33), 1.5, Qt::DashLine));
    p.drawLine(QPointF(plot.left(), yAt(1.0)), QPointF(plot.right(), yAt(1.0)));
    p.setPen(QPen(Qt::black, 1));
    p.drawRect(plot);
    for (qint64 s : sizes)
        p.drawText(QRectF(xAt(s) - 50, plot.bottom() + 6, 100, 18), Qt::AlignHCenter, sizeLabel(s));
    p.drawText(QRect(plot.left(), plot.bottom() + 30, plot.width(), 20), Qt::AlignHCenter,
               QStringLiteral("payload size"));
    p.save();
    p.translate(22, plot.center().y());
    p.rotate(-90);
    p.drawText(QRect(-150, -10, 300, 20), Qt::AlignHCenter,
               QStringLiteral("ratio JetDeck / nats.c"));
    p.restore();

    // The lines, each point with its whisker; a small offset keeps whiskers apart.
    int legendRow = 0;
    for (int li = 0; li < lines.size(); ++li) {
        const Line& l = lines[li];
        if (l.points.isEmpty())
            continue;
        const double dx = (li - 1.5) * 6.0;
        p.setPen(QPen(l.color, 2.2));
        QPainterPath path;
        for (int i = 0; i < l.points.size(); ++i) {
            const QPointF at(xAt(l.points[i].size) + dx, yAt(l.points[i].ratio));
            if (i == 0)
                path.moveTo(at);
            else
                path.lineTo(at);
        }
        p.drawPath(path);
        for (const Point& pt : l.points) {
            const double x = xAt(pt.size) + dx;
            p.setPen(QPen(l.color, 1.4));
            p.drawLine(QPointF(x, yAt(pt.low)), QPointF(x, yAt(pt.high)));
            p.drawLine(QPointF(x - 4, yAt(pt.low)), QPointF(x + 4, yAt(pt.low)));
            p.drawLine(QPointF(x - 4, yAt(pt.high)), QPointF(x + 4, yAt(pt.high)));
            p.setBrush(l.color);
            p.drawEllipse(QPointF(x, yAt(pt.ratio)), 4.5, 4.5);
            p.setBrush(Qt::NoBrush);
        }
        const int ly = plot.top() + 10 + legendRow * 24;
        p.setPen(QPen(l.color, 3));
        p.drawLine(plot.right() + 20, ly + 9, plot.right() + 46, ly + 9);
        p.setPen(Qt::black);
        p.drawText(QRect(plot.right() + 54, ly, 200, 20), Qt::AlignVCenter, l.label);
        ++legendRow;
    }
    p.end();

    if (!img.save(args[2], "PNG"))
        return fail(QStringLiteral("cannot write %1").arg(args[2]));
    QTextStream(stdout) << "plot written to " << args[2] << '\n';
    return 0;
}
