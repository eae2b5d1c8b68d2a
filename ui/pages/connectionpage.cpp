#include "connectionpage.h"

#include "ui/widgets/format.h"
#include "ui/widgets/statebadge.h"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineSeries>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 100;     // 10 Hz snapshot
constexpr int kChartSampleMs = 500; // 2 points a second
constexpr int kChartWindowS = 120;  // two minutes of history, then the oldest points go

QChart* makeChart(const QString& title, QValueAxis** x, QValueAxis** y) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    *x = new QValueAxis;
    (*x)->setRange(-kChartWindowS, 0);
    (*x)->setLabelFormat(QStringLiteral("%d s"));
    (*x)->setTickCount(5);
    *y = new QValueAxis;
    (*y)->setRange(0, 1);
    (*y)->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(*x, Qt::AlignBottom);
    chart->addAxis(*y, Qt::AlignLeft);
    return chart;
}

QLineSeries* addSeries(QChart* chart, QValueAxis* x, QValueAxis* y, const QString& name,
                       const QColor& color) {
    auto* s = new QLineSeries;
    s->setName(name);
    s->setColor(color);
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
    return s;
}

/// Replaces a series' points in one call (one repaint), with x relative to now.
double replaceSeries(QLineSeries* series, const std::deque<QPointF>& points, double nowS) {
    QList<QPointF> pts;
    pts.reserve(qsizetype(points.size()));
    double maxY = 0;
    for (const QPointF& p : points) {
        pts.append(QPointF(p.x() - nowS, p.y()));
        maxY = qMax(maxY, p.y());
    }
    series->replace(pts);
    return maxY;
}
} // namespace

ConnectionPage::ConnectionPage(QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* head = new QHBoxLayout;
    m_badge = new StateBadge(this);
    m_server = new QLabel(tr("not connected"), this);
    m_server->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont f = m_server->font();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_server->setFont(f);
    head->addWidget(m_badge);
    head->addSpacing(12);
    head->addWidget(m_server, 1);
    layout->addLayout(head);

    auto* box = new QGroupBox(tr("Connection health"), this);
    auto* grid = new QGridLayout(box);
    int row = 0;
    addRow(QStringLiteral("serverName"), tr("Server"), row, 0);
    addRow(QStringLiteral("version"), tr("Version"), row++, 2);
    addRow(QStringLiteral("rtt"), tr("RTT (last / smoothed)"), row, 0);
    addRow(QStringLiteral("maxPayload"), tr("Max payload"), row++, 2);
    addRow(QStringLiteral("msgsIn"), tr("Messages in"), row, 0);
    addRow(QStringLiteral("msgsOut"), tr("Messages out"), row++, 2);
    addRow(QStringLiteral("bytesIn"), tr("Bytes in"), row, 0);
    addRow(QStringLiteral("bytesOut"), tr("Bytes out"), row++, 2);
    addRow(QStringLiteral("subs"), tr("Subscriptions"), row, 0);
    addRow(QStringLiteral("buffered"), tr("Outbound buffered"), row++, 2);
    addRow(QStringLiteral("slow"), tr("Slow-consumer drops"), row, 0);
    addRow(QStringLiteral("serverErrors"), tr("Server errors"), row++, 2);
    addRow(QStringLiteral("lastError"), tr("Last error"), row++, 0);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);
    layout->addWidget(box);

    auto* charts = new QHBoxLayout;
    m_rttChart = makeChart(tr("Round-trip time (ms)"), &m_rttX, &m_rttY);
    m_rttSeries = addSeries(m_rttChart, m_rttX, m_rttY, tr("RTT"), QColor(0x15, 0x65, 0xc0));
    m_rttY->setLabelFormat(QStringLiteral("%.2f"));
    m_rateChart = makeChart(tr("Messages per second"), &m_rateX, &m_rateY);
    m_inSeries = addSeries(m_rateChart, m_rateX, m_rateY, tr("in"), QColor(0x2e, 0x7d, 0x32));
    m_outSeries = addSeries(m_rateChart, m_rateX, m_rateY, tr("out"), QColor(0xef, 0x8f, 0x00));
    for (QChart* c : {m_rttChart, m_rateChart}) {
        auto* view = new QChartView(c, this);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(200);
        charts->addWidget(view);
    }
    layout->addLayout(charts, 1);

    m_timer = new QTimer(this);
    m_timer->setInterval(kRefreshMs);
    connect(m_timer, &QTimer::timeout, this, &ConnectionPage::refresh);
    m_timer->start();
    m_chartClock.start();
}

QLabel* ConnectionPage::addRow(const QString& key, const QString& label, int row, int column) {
    auto* grid = static_cast<QGridLayout*>(findChild<QGroupBox*>()->layout());
    auto* name = new QLabel(label + QLatin1Char(':'), this);
    auto* value = new QLabel(QStringLiteral("–"), this);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setObjectName(key);
    if (key == QLatin1String("lastError")) {
        value->setWordWrap(true);
        grid->addWidget(name, row, column);
        grid->addWidget(value, row, column + 1, 1, 3);
    } else {
        grid->addWidget(name, row, column);
        grid->addWidget(value, row, column + 1);
    }
    m_values.insert(key, value);
    return value;
}

void ConnectionPage::setConnection(Connection* connection) {
    m_conn = connection;
    m_prev = ConnectionStats{};
    m_rateClock.invalidate();
    m_inRate = m_outRate = m_inBytesRate = m_outBytesRate = 0;
    m_rttPoints.clear();
    m_inPoints.clear();
    m_outPoints.clear();
    refresh();
}

QString ConnectionPage::stateText() const {
    return m_badge->text();
}

QString ConnectionPage::serverText() const {
    return m_server->text();
}

QString ConnectionPage::valueText(const QString& key) const {
    const QLabel* l = m_values.value(key);
    return l ? l->text() : QString();
}

void ConnectionPage::refresh() {
    if (!m_conn) {
        m_badge->setState(ConnectionState::Disconnected);
        m_server->setText(tr("not connected"));
        return;
    }
    const ConnectionState st = m_conn->state();
    const ConnectionStats s = m_conn->stats();
    const ServerInfo info = m_conn->serverInfo();
    const QString current = m_conn->currentServer();
    m_badge->setState(st);
    m_server->setText(current.isEmpty() ? tr("no server") : current);

    if (m_rateClock.isValid()) {
        const double dt = double(m_rateClock.nsecsElapsed()) / 1e9;
        if (dt > 0.05) {
            // Smooth over about a second so the numbers are readable.
            const double a = qMin(1.0, dt);
            m_inRate = m_inRate * (1 - a) + a * double(s.inMsgs - m_prev.inMsgs) / dt;
            m_outRate = m_outRate * (1 - a) + a * double(s.outMsgs - m_prev.outMsgs) / dt;
            m_inBytesRate = m_inBytesRate * (1 - a) + a * double(s.inBytes - m_prev.inBytes) / dt;
            m_outBytesRate =
                m_outBytesRate * (1 - a) + a * double(s.outBytes - m_prev.outBytes) / dt;
            m_prev = s;
            m_rateClock.restart();
        }
    } else {
        m_prev = s;
        m_rateClock.start();
    }

    auto set = [&](const char* key, const QString& text) {
        if (QLabel* l = m_values.value(QLatin1String(key)); l && l->text() != text)
            l->setText(text);
    };
    set("serverName", info.serverName.isEmpty() ? QStringLiteral("–") : info.serverName);
    set("version", info.version.isEmpty()
                       ? QStringLiteral("–")
                       : info.version + (info.jetstream ? tr(" (JetStream)") : QString()));
    set("rtt", s.rttUs < 0 ? QStringLiteral("–")
                           : format::micros(s.rttUs) + QStringLiteral(" / ") +
                                 format::micros(s.rttSmoothedUs));
    set("maxPayload", info.maxPayload > 0 ? format::bytes(info.maxPayload) : QStringLiteral("–"));
    set("msgsIn", format::count(s.inMsgs) + QStringLiteral("  (") + format::rate(m_inRate) +
                      QStringLiteral(")"));
    set("msgsOut", format::count(s.outMsgs) + QStringLiteral("  (") + format::rate(m_outRate) +
                       QStringLiteral(")"));
    set("bytesIn", format::bytes(qint64(s.inBytes)) + QStringLiteral("  (") +
                       format::bytes(qint64(m_inBytesRate)) + QStringLiteral("/s)"));
    set("bytesOut", format::bytes(qint64(s.outBytes)) + QStringLiteral("  (") +
                        format::bytes(qint64(m_outBytesRate)) + QStringLiteral("/s)"));
    set("subs", QString::number(s.subscriptions));
    set("buffered", format::bytes(s.outBufferedBytes));
    set("slow", format::count(s.slowConsumerDrops));
    set("serverErrors", format::count(s.serverErrors));
    const Error last = m_conn->lastError();
    set("lastError", last.isError() ? last.toString() : tr("none"));

    sampleCharts(s);
}

void ConnectionPage::sampleCharts(const ConnectionStats& s) {
    const qint64 nowMs = m_chartClock.elapsed();
    if (m_lastChartSampleMs >= 0 && nowMs - m_lastChartSampleMs < kChartSampleMs)
        return;
    m_lastChartSampleMs = nowMs;
    const double nowS = double(nowMs) / 1000.0;
    if (s.rttUs >= 0)
        m_rttPoints.emplace_back(nowS, double(s.rttUs) / 1000.0);
    m_inPoints.emplace_back(nowS, m_inRate);
    m_outPoints.emplace_back(nowS, m_outRate);
    for (auto* pts : {&m_rttPoints, &m_inPoints, &m_outPoints})
        while (!pts->empty() && pts->front().x() < nowS - kChartWindowS)
            pts->pop_front();

    const double maxRtt = replaceSeries(m_rttSeries, m_rttPoints, nowS);
    m_rttY->setRange(0, qMax(0.5, maxRtt * 1.2));
    const double maxIn = replaceSeries(m_inSeries, m_inPoints, nowS);
    const double maxOut = replaceSeries(m_outSeries, m_outPoints, nowS);
    m_rateY->setRange(0, qMax(10.0, qMax(maxIn, maxOut) * 1.2));
}

} // namespace jetdeck
