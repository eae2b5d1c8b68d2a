#include "connectionpage.h"

#include "core/metrics/registry.h"
#include "ui/widgets/format.h"
#include "ui/widgets/statebadge.h"
#include "ui/widgets/statetimeline.h"
#include "ui/widgets/timechart.h"

#include "ui/widgets/chartcsv.h"
#include "ui/widgets/theme.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 100;     // 10 Hz snapshot
constexpr int kChartSampleMs = 500; // 2 points a second
constexpr int kChartWindowS = 120;  // two minutes of history, then the oldest points go

} // namespace

ConnectionPage::ConnectionPage(QWidget* parent)
    : SessionPage(parent) {
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

    auto* timelineRow = new QHBoxLayout;
    m_timeline = new StateTimeline(this);
    m_timeline->setObjectName(QStringLiteral("stateTimeline"));
    m_timeline->setWindowSeconds(300);
    auto* window = new QComboBox(this);
    window->setObjectName(QStringLiteral("timelineWindow"));
    window->setToolTip(tr("How much history the state timeline shows"));
    for (const auto& [label, seconds] : {std::pair{tr("1 min"), 60}, std::pair{tr("5 min"), 300},
                                         std::pair{tr("15 min"), 900}, std::pair{tr("1 h"), 3600}})
        window->addItem(label, seconds);
    window->setCurrentIndex(1);
    connect(window, &QComboBox::currentIndexChanged, this,
            [this, window](int) { m_timeline->setWindowSeconds(window->currentData().toInt()); });
    timelineRow->addWidget(m_timeline, 1);
    timelineRow->addWidget(window, 0, Qt::AlignTop);
    layout->addLayout(timelineRow);

    auto* boxes = new QHBoxLayout;
    auto makeBox = [&](const QString& title) {
        auto* box = new QGroupBox(title, this);
        auto* grid = new QGridLayout(box);
        grid->setColumnStretch(1, 1);
        boxes->addWidget(box, 1);
        return grid;
    };
    QGridLayout* conn = makeBox(tr("Connection"));
    int row = 0;
    addRow(conn, QStringLiteral("serverName"), tr("Server"), row++);
    addRow(conn, QStringLiteral("version"), tr("Version"), row++);
    addRow(conn, QStringLiteral("rtt"), tr("RTT (last / smoothed)"), row++);
    addRow(conn, QStringLiteral("uptime"), tr("Connected since"), row++);
    addRow(conn, QStringLiteral("servers"), tr("Known servers"), row++);
    addRow(conn, QStringLiteral("reconnects"), tr("Reconnects"), row++);
    addRow(conn, QStringLiteral("nextAttempt"), tr("Next attempt"), row++);
    addRow(conn, QStringLiteral("lastError"), tr("Last failure"), row++);
    addRow(conn, QStringLiteral("systemAccount"), tr("System account"), row++);

    QGridLayout* traffic = makeBox(tr("Traffic"));
    row = 0;
    addRow(traffic, QStringLiteral("msgsIn"), tr("Messages in"), row++);
    addRow(traffic, QStringLiteral("msgsOut"), tr("Messages out"), row++);
    addRow(traffic, QStringLiteral("bytesIn"), tr("Bytes in"), row++);
    addRow(traffic, QStringLiteral("bytesOut"), tr("Bytes out"), row++);
    addRow(traffic, QStringLiteral("subs"), tr("Subscriptions"), row++);
    addRow(traffic, QStringLiteral("slow"), tr("Slow-consumer drops"), row++);
    addRow(traffic, QStringLiteral("serverErrors"), tr("Server errors"), row++);
    addRow(traffic, QStringLiteral("backpressure"), tr("Consumers"), row++);

    QGridLayout* outbound = makeBox(tr("Outbound"));
    row = 0;
    addRow(outbound, QStringLiteral("published"), tr("Published / sent"), row++);
    addRow(outbound, QStringLiteral("queue"), tr("Queued while away"), row++);
    addRow(outbound, QStringLiteral("flushed"), tr("Queued, then sent"), row++);
    addRow(outbound, QStringLiteral("expired"), tr("Expired"), row++);
    addRow(outbound, QStringLiteral("dropped"), tr("Dropped / rejected"), row++);
    addRow(outbound, QStringLiteral("buffered"), tr("Write buffer"), row++);
    addRow(outbound, QStringLiteral("policy"), tr("When full"), row++);
    layout->addLayout(boxes);

    auto* charts = new QHBoxLayout;
    m_rttChart = charts::makeTimeChart(tr("Round-trip time (ms)"), kChartWindowS, &m_rttX, &m_rttY);
    m_rttSeries =
        charts::addLine(m_rttChart, m_rttX, m_rttY, tr("RTT"), chartColor(ChartColor::Rtt));
    charts::setYMax(m_rttY, 0, 0.5);
    m_rateChart =
        charts::makeTimeChart(tr("Messages per second"), kChartWindowS, &m_rateX, &m_rateY);
    m_inSeries = charts::addLine(m_rateChart, m_rateX, m_rateY, tr("in"),
                                 chartColor(ChartColor::MessagesIn));
    m_outSeries = charts::addLine(m_rateChart, m_rateX, m_rateY, tr("out"),
                                  chartColor(ChartColor::MessagesOut));
    charts::setYMax(m_rateY, 0, 10.0);
    for (QChart* c : {m_rttChart, m_rateChart}) {
        auto* view = new QChartView(c, this);
        addCsvExport(view, "seconds"); // right click: the series as CSV
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(200);
        charts->addWidget(view);
    }
    layout->addLayout(charts, 1);
    m_rttMarks = std::make_unique<ChartFaultMarkers>(m_rttChart, m_rttX, m_rttY);
    m_rateMarks = std::make_unique<ChartFaultMarkers>(m_rateChart, m_rateX, m_rateY);

    setRefreshInterval(kRefreshMs);
    m_chartClock.start();
}

QLabel* ConnectionPage::addRow(QGridLayout* grid, const QString& key, const QString& label,
                               int row) {
    auto* name = new QLabel(label + QLatin1Char(':'), this);
    auto* value = new QLabel(QStringLiteral("–"), this);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setObjectName(key);
    value->setWordWrap(key == QLatin1String("lastError"));
    grid->addWidget(name, row, 0, Qt::AlignTop);
    grid->addWidget(value, row, 1);
    m_values.insert(key, value);
    return value;
}

void ConnectionPage::connectionChanged(const std::shared_ptr<ConnectionThread>&) {
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

int ConnectionPage::visibleFaultMarks() const {
    return m_rttMarks->visibleCount();
}

void ConnectionPage::showBackpressure() {
    // The consumers' backpressure in one line: how many are OK, WARN, CRITICAL.
    if (metrics::MetricsRegistry* reg = registry()) {
        int counts[4] = {0, 0, 0, 0};
        QStringList worst;
        for (const metrics::ConsumerMetrics& m : reg->consumers()) {
            ++counts[qBound(0, int(m.backpressure.level), 3)];
            if (m.backpressure.level == metrics::BackpressureLevel::Critical ||
                m.backpressure.level == metrics::BackpressureLevel::Warn)
                worst
                    << QStringLiteral("%1/%2: %3").arg(m.stream, m.consumer, m.backpressure.reason);
        }
        QLabel* l = m_values.value(QStringLiteral("backpressure"));
        const int total = counts[0] + counts[1] + counts[2] + counts[3];
        l->setText(total == 0 ? QStringLiteral("–")
                              : tr("%1 OK, %2 WARN, %3 CRITICAL")
                                    .arg(counts[int(metrics::BackpressureLevel::Ok)])
                                    .arg(counts[int(metrics::BackpressureLevel::Warn)])
                                    .arg(counts[int(metrics::BackpressureLevel::Critical)]));
        l->setToolTip(worst.join(QLatin1Char('\n')));
        l->setStyleSheet(
            counts[int(metrics::BackpressureLevel::Critical)] > 0 ? textStyle(ColorRole::Bad)
            : counts[int(metrics::BackpressureLevel::Warn)] > 0   ? textStyle(ColorRole::Warning)
                                                                  : QString());
    }
}

void ConnectionPage::recordHistory() {
    if (connection())
        record(connection()->connection()->health());
}

void ConnectionPage::refresh() {
    showBackpressure();
    if (!connection()) {
        m_badge->setState(ConnectionState::Disconnected);
        m_server->setText(tr("not connected"));
        return;
    }
    Connection* c = connection()->connection();
    const HealthSnapshot h = c->health();
    const ServerInfo info = c->serverInfo();
    m_badge->setState(h.state);
    QString where = h.server.isEmpty() ? tr("no server") : h.server;
    if (h.lameDuck)
        where += tr("  — lame duck: the server is shutting down");
    m_server->setText(where);
    m_timeline->setHistory(c->stateHistory(), h.takenAt);
    record(h);

    auto set = [&](const char* key, const QString& text) {
        if (QLabel* l = m_values.value(QLatin1String(key)); l && l->text() != text)
            l->setText(text);
    };
    const bool live = h.state == ConnectionState::Connected || h.state == ConnectionState::Draining;
    // Unnamed servers report their 56-character id as the name: keep the start, full in the
    // tooltip.
    const QString name = live && !h.serverName.isEmpty() ? h.serverName : QStringLiteral("–");
    set("serverName", name.size() > 24 ? name.left(20) + QStringLiteral("…") : name);
    if (QLabel* l = m_values.value(QStringLiteral("serverName")))
        l->setToolTip(name);
    set("version", live && !info.version.isEmpty()
                       ? info.version + (info.jetstream ? tr(" (JetStream)") : QString()) +
                             tr(", max payload %1").arg(format::bytes(info.maxPayload))
                       : QStringLiteral("–"));
    set("rtt", h.rttUs < 0 ? QStringLiteral("–")
                           : format::micros(h.rttUs) + QStringLiteral(" / ") +
                                 format::micros(h.rttSmoothedUs));
    set("uptime",
        h.connectedSince.isValid()
            ? h.connectedSince.toString(QStringLiteral("HH:mm:ss")) +
                  tr("  (up %1)").arg(format::duration(h.connectedSince.msecsTo(h.takenAt)))
            : QStringLiteral("–"));
    set("reconnects", QString::number(h.reconnects));
    {
        int discovered = 0;
        QStringList lines;
        for (const PoolServer& ps : h.servers) {
            discovered += ps.implicit ? 1 : 0;
            lines << ps.url + (ps.current ? tr("  ← current") : QString()) +
                         (ps.implicit ? tr("  (discovered)") : QString()) +
                         (ps.failedAttempts ? tr("  %1 failed attempts").arg(ps.failedAttempts)
                                            : QString());
        }
        set("servers", tr("%1 (%2 discovered)").arg(h.servers.size()).arg(discovered));
        if (QLabel* l = m_values.value(QStringLiteral("servers")))
            l->setToolTip(lines.join(QLatin1Char('\n')));
    }
    set("nextAttempt",
        h.nextAttemptInMs >= 0
            ? tr("in %1 (attempt %2%3)")
                  .arg(format::duration(h.nextAttemptInMs))
                  .arg(h.reconnectAttempt + 1)
                  .arg(h.reconnectAttemptsMax >= 0 ? tr(" of %1").arg(h.reconnectAttemptsMax)
                                                   : QString())
            : QStringLiteral("–"));
    set("lastError", !h.lastFailure.ok() ? h.lastFailureAt.toString(QStringLiteral("HH:mm:ss  ")) +
                                               h.lastFailure.toString()
                                         : tr("none"));
    // Which connection the servers, clients and JetStream pages ask through.
    if (const std::shared_ptr<ConnectionThread>& sc =
            session() ? session()->systemConnection() : nullptr) {
        const HealthSnapshot sh = sc->connection()->health();
        const AuthOptions& a = sc->connection()->options().auth;
        QString text = tr("its own connection as %1: %2")
                           .arg(a.user.isEmpty() ? tr("creds %1").arg(a.credsFile) : a.user,
                                connectionStateName(sh.state));
        if (sh.state != ConnectionState::Connected && !sh.lastFailure.ok())
            text += QStringLiteral(" (") + sh.lastFailure.toString() + QLatin1Char(')');
        set("systemAccount", text);
    } else {
        set("systemAccount", tr("through this connection (when its user is in it)"));
    }
    set("msgsIn", format::count(h.inMsgs) + QStringLiteral("  (") + format::rate(m_inRate) +
                      QStringLiteral(")"));
    set("msgsOut", format::count(h.outMsgs) + QStringLiteral("  (") + format::rate(m_outRate) +
                       QStringLiteral(")"));
    set("bytesIn", format::bytes(qint64(h.inBytes)) + QStringLiteral("  (") +
                       format::bytes(qint64(m_inBytesRate)) + QStringLiteral("/s)"));
    set("bytesOut", format::bytes(qint64(h.outBytes)) + QStringLiteral("  (") +
                        format::bytes(qint64(m_outBytesRate)) + QStringLiteral("/s)"));
    set("subs", QString::number(h.subscriptions));
    set("slow", format::count(h.slowConsumerDrops));
    set("serverErrors", format::count(h.serverErrors));
    set("published", format::count(h.published) + QStringLiteral(" / ") + format::count(h.sent));
    set("queue", tr("%1 ops, %2, oldest %3")
                     .arg(h.queueDepth)
                     .arg(format::bytes(h.queueBytes))
                     .arg(format::duration(h.queueOldestAgeMs)));
    set("flushed", format::count(h.queue.flushed));
    set("expired", format::count(h.queue.expired));
    set("dropped",
        format::count(h.queue.dropped) + QStringLiteral(" / ") + format::count(h.queue.rejected));
    set("buffered", format::bytes(h.bufferedBytes));
    set("policy",
        tr("%1 (max %2 ops, %3)")
            .arg(h.failOpen ? tr("drop oldest (fail-open)") : tr("reject new (fail-closed)"))
            .arg(h.queueLimitOps)
            .arg(format::bytes(h.queueLimitBytes)));
    if (m_undrawn)
        drawCharts();
}

void ConnectionPage::record(const HealthSnapshot& h) {
    ConnectionStats s;
    s.inMsgs = h.inMsgs;
    s.outMsgs = h.outMsgs;
    s.inBytes = h.inBytes;
    s.outBytes = h.outBytes;
    s.rttUs = h.rttUs;
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
    m_undrawn = true;
}

void ConnectionPage::drawCharts() {
    m_undrawn = false;
    const double nowS = double(m_chartClock.elapsed()) / 1000.0;
    const double maxRtt = charts::replaceRelative(m_rttSeries, m_rttPoints, nowS);
    charts::setYMax(m_rttY, maxRtt, 0.5);
    const double maxIn = charts::replaceRelative(m_inSeries, m_inPoints, nowS);
    const double maxOut = charts::replaceRelative(m_outSeries, m_outPoints, nowS);
    charts::setYMax(m_rateY, qMax(maxIn, maxOut), 10.0);
    m_rttMarks->update(faultMarks());
    m_rateMarks->update(faultMarks());
}

} // namespace jetdeck
