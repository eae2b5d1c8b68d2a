#include "outboundpage.h"

#include "core/client/connection.h"
#include "ui/models/outboundqueuemodel.h"
#include "ui/widgets/chartcsv.h"
#include "ui/widgets/faultmarks.h"
#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"
#include "ui/widgets/timechart.h"

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QLineSeries>
#include <QValueAxis>

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTableView>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 250;
constexpr int kMaxRows = 1000; // the view shows the oldest thousand; the counters count all
} // namespace

OutboundPage::OutboundPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("<b>Outbound queue</b> — what waits for the server"), this);
    layout->addWidget(title);

    auto* grid = new QGridLayout;
    const QList<QPair<QString, QString>> counters{
        {QStringLiteral("depth"), tr("Held now")},
        {QStringLiteral("oldest"), tr("Oldest")},
        {QStringLiteral("queued"), tr("Queued (ever)")},
        {QStringLiteral("flushed"), tr("Sent after reconnect")},
        {QStringLiteral("expired"), tr("Expired")},
        {QStringLiteral("dropped"), tr("Dropped (fail-open)")},
        {QStringLiteral("rejected"), tr("Rejected (fail-closed)")},
        {QStringLiteral("mode"), tr("When full")},
        {QStringLiteral("timeout"), tr("Each waits at most")},
    };
    for (int i = 0; i < counters.size(); ++i) {
        auto* name = new QLabel(counters[i].second + QLatin1Char(':'), this);
        auto* value = new QLabel(QStringLiteral("–"), this);
        value->setObjectName(counters[i].first);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        QFont f = value->font();
        f.setBold(true);
        value->setFont(f);
        grid->addWidget(name, i / 3, (i % 3) * 2);
        grid->addWidget(value, i / 3, (i % 3) * 2 + 1);
        m_counters.insert(counters[i].first, value);
    }
    grid->setColumnStretch(5, 1);
    layout->addLayout(grid);

    m_fill = new QProgressBar(this);
    m_fill->setObjectName(QStringLiteral("queueFill"));
    m_fill->setRange(0, 100);
    m_fill->setFormat(tr("%p % of the limit"));
    layout->addWidget(m_fill);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("queueNote"));
    m_note->setWordWrap(true);
    layout->addWidget(m_note);

    // The last five minutes: an outage shows whole, how it filled and how it drained.
    auto* chartRow = new QHBoxLayout;
    m_depthChart =
        charts::makeTimeChart(tr("Operations held"), kChartWindowS, &m_depthX, &m_depthY);
    m_depthSeries = charts::addLine(m_depthChart, m_depthX, m_depthY, tr("held"),
                                    chartColor(ChartColor::MessagesOut));
    m_bytesChart =
        charts::makeTimeChart(tr("Bytes held (KiB)"), kChartWindowS, &m_bytesX, &m_bytesY);
    m_bytesSeries = charts::addLine(m_bytesChart, m_bytesX, m_bytesY, tr("KiB"),
                                    chartColor(ChartColor::MessagesIn));
    m_oldestChart =
        charts::makeTimeChart(tr("Oldest waiting (s)"), kChartWindowS, &m_oldestX, &m_oldestY);
    m_oldestSeries = charts::addLine(m_oldestChart, m_oldestX, m_oldestY, tr("age"),
                                     chartColor(ChartColor::Rtt));
    for (QChart* c : {m_depthChart, m_bytesChart, m_oldestChart}) {
        c->legend()->hide();
        auto* view = new QChartView(c, this);
        addCsvExport(view, "seconds"); // right click: the series as CSV
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(170);
        chartRow->addWidget(view);
    }
    charts::setYMax(m_depthY, 0, 10.0);
    charts::setYMax(m_bytesY, 0, 1.0);
    charts::setYMax(m_oldestY, 0, 1.0);
    layout->addLayout(chartRow);
    m_depthMarks = std::make_unique<ChartFaultMarkers>(m_depthChart, m_depthX, m_depthY);
    m_bytesMarks = std::make_unique<ChartFaultMarkers>(m_bytesChart, m_bytesX, m_bytesY);
    m_oldestMarks = std::make_unique<ChartFaultMarkers>(m_oldestChart, m_oldestX, m_oldestY);
    m_clock.start();

    m_model = new OutboundQueueModel(this);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("queueView"));
    m_view->setModel(m_model);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->horizontalHeader()->setSectionResizeMode(OutboundQueueModel::SubjectColumn,
                                                     QHeaderView::Stretch);
    m_view->setColumnWidth(OutboundQueueModel::PositionColumn, 60);
    m_view->setColumnWidth(OutboundQueueModel::KindColumn, 90);
    layout->addWidget(m_view, 1);

    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        return tr("Nothing waits: publishes go straight to the server. While the server is "
                  "away they wait here, oldest first, until it is back or they expire.");
    });
    setRefreshInterval(kRefreshMs);
    refresh();
}

OutboundPage::~OutboundPage() = default;

void OutboundPage::connectionChanged(const std::shared_ptr<ConnectionThread>&) {
    refresh();
}

void OutboundPage::recordHistory() {
    if (connection())
        record(connection()->connection()->health());
}

void OutboundPage::record(const HealthSnapshot& h) {
    const qint64 nowMs = m_clock.elapsed();
    if (m_lastSampleMs >= 0 && nowMs - m_lastSampleMs < kChartSampleMs)
        return;
    m_lastSampleMs = nowMs;
    const double nowS = double(nowMs) / 1000.0;
    m_depthPoints.emplace_back(nowS, double(h.queueDepth));
    m_bytesPoints.emplace_back(nowS, double(h.queueBytes) / 1024.0);
    m_oldestPoints.emplace_back(nowS, h.queueDepth > 0 ? double(h.queueOldestAgeMs) / 1000.0 : 0.0);
    for (auto* pts : {&m_depthPoints, &m_bytesPoints, &m_oldestPoints})
        while (!pts->empty() && pts->front().x() < nowS - kChartWindowS)
            pts->pop_front();
}

void OutboundPage::drawCharts() {
    const double nowS = double(m_clock.elapsed()) / 1000.0;
    charts::setYMax(m_depthY, charts::replaceRelative(m_depthSeries, m_depthPoints, nowS), 10.0);
    charts::setYMax(m_bytesY, charts::replaceRelative(m_bytesSeries, m_bytesPoints, nowS), 1.0);
    charts::setYMax(m_oldestY, charts::replaceRelative(m_oldestSeries, m_oldestPoints, nowS), 1.0);
    for (auto* marks : {m_depthMarks.get(), m_bytesMarks.get(), m_oldestMarks.get()})
        marks->update(faultMarks());
}

int OutboundPage::visibleFaultMarks() const {
    return m_depthMarks->visibleCount();
}

QString OutboundPage::counterText(const QString& name) const {
    const QLabel* l = m_counters.value(name);
    return l ? l->text() : QString();
}

void OutboundPage::refresh() {
    if (!connection()) {
        m_model->update({});
        m_note->setText(tr("Not connected to anything."));
        m_fill->setValue(0);
        return;
    }
    const Connection* c = connection()->connection();
    const HealthSnapshot h = c->health();
    record(h);
    drawCharts();
    auto set = [&](const char* name, const QString& text) {
        m_counters.value(QLatin1String(name))->setText(text);
    };
    set("depth", tr("%1 of %2 ops, %3 of %4")
                     .arg(h.queueDepth)
                     .arg(h.queueLimitOps)
                     .arg(format::bytes(h.queueBytes), format::bytes(h.queueLimitBytes)));
    set("oldest", h.queueDepth > 0 ? format::duration(h.queueOldestAgeMs) : QStringLiteral("–"));
    set("queued", format::count(h.queue.queued));
    set("flushed", format::count(h.queue.flushed));
    set("expired", format::count(h.queue.expired));
    set("dropped", format::count(h.queue.dropped));
    set("rejected", format::count(h.queue.rejected));
    set("mode", h.failOpen ? tr("fail-open: drop the oldest") : tr("fail-closed: refuse new ones"));
    set("timeout", format::duration(c->options().pendingOperationTimeoutMs));

    const double byOps = h.queueLimitOps > 0 ? double(h.queueDepth) / h.queueLimitOps : 0;
    const double byBytes =
        h.queueLimitBytes > 0 ? double(h.queueBytes) / double(h.queueLimitBytes) : 0;
    const int pct = qBound(0, int(qMax(byOps, byBytes) * 100.0 + 0.5), 100);
    m_fill->setValue(pct);
    m_fill->setStyleSheet(pct >= 80 ? QStringLiteral("QProgressBar::chunk { background: %1; }")
                                          .arg(roleColorName(ColorRole::Bad))
                                    : QString());
    if (h.state == ConnectionState::Connected && h.queueDepth == 0)
        m_note->setText(tr("Connected to %1: publishes go straight to the socket; nothing waits.")
                            .arg(h.server));
    else if (h.queueDepth == 0)
        m_note->setText(tr("%1: nothing is waiting yet.").arg(connectionStateName(h.state)));
    else
        m_note->setText(tr("%1: %n operation(s) wait for the server; the oldest go first, "
                           "control operations before publishes.",
                           nullptr, int(h.queueDepth))
                            .arg(connectionStateName(h.state)));
    m_model->update(c->queuedOperations(kMaxRows));
}

} // namespace jetdeck
