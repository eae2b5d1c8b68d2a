#include "latencypage.h"

#include "ui/models/sortproxy.h"
#include "ui/widgets/timechart.h"

#include "ui/models/latencymodel.h"
#include "ui/widgets/chartcsv.h"
#include "ui/widgets/theme.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <QValueAxis>
#include <cmath>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 500;
constexpr int kSampleMs = 1000;
constexpr int kHistoryS = 600; // ten minutes per probe, then the oldest points go
} // namespace

LatencyPage::LatencyPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* head = new QHBoxLayout;
    auto* title = new QLabel(tr("<b>Latency</b>"), this);
    m_windowBox = new QComboBox(this);
    m_windowBox->setObjectName(QStringLiteral("latencyWindow"));
    m_windowBox->addItem(tr("last 10 s"), int(metrics::Window::Last10s));
    m_windowBox->addItem(tr("last 1 min"), int(metrics::Window::Last1m));
    m_windowBox->addItem(tr("last 5 min"), int(metrics::Window::Last5m));
    m_windowBox->setCurrentIndex(1);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("latencySummary"));
    auto* csv = new QPushButton(tr("Save chart as CS&V..."), this);
    csv->setObjectName(QStringLiteral("saveCsv"));
    auto* snapshot = new QPushButton(tr("E&xport snapshot..."), this);
    snapshot->setObjectName(QStringLiteral("exportSnapshot"));
    head->addWidget(title);
    head->addSpacing(12);
    head->addWidget(new QLabel(tr("Window:"), this));
    head->addWidget(m_windowBox);
    head->addSpacing(12);
    head->addWidget(m_summary, 1);
    head->addWidget(csv);
    head->addWidget(snapshot);
    layout->addLayout(head);

    m_model = new LatencyModel(this);
    m_proxy = new SortProxy(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(LatencyModel::SortRole);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("latencyView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(LatencyModel::ProbeColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_view->horizontalHeader()->setSectionResizeMode(LatencyModel::TargetColumn,
                                                     QHeaderView::Stretch);
    m_view->setColumnWidth(LatencyModel::ProbeColumn, 110);

    m_chart = new QChart;
    m_chart->setTitle(tr("Select a probe"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_x = new QValueAxis;
    m_x->setRange(-kHistoryS, 0);
    m_x->setLabelFormat(QStringLiteral("%d s"));
    m_x->setTickCount(6);
    m_y = new QValueAxis;
    m_y->setRange(0, 1);
    m_y->setTitleText(tr("ms"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    auto add = [&](const QString& name, const QColor& color) {
        auto* s = new QLineSeries;
        s->setName(name);
        s->setColor(color);
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        return s;
    };
    m_p50 = add(tr("P50"), chartColor(ChartColor::P50));
    m_p95 = add(tr("P95"), chartColor(ChartColor::P95));
    m_p99 = add(tr("P99"), chartColor(ChartColor::P99));
    m_marks = std::make_unique<ChartFaultMarkers>(m_chart, m_x, m_y);
    auto* chartView = new QChartView(m_chart, this);
    addCsvExport(chartView, "seconds");
    chartView->setRenderHint(QPainter::Antialiasing);
    chartView->setMinimumHeight(220);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(chartView);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    layout->addWidget(split, 1);

    connect(m_windowBox, &QComboBox::currentIndexChanged, this, [this] {
        m_history.clear(); // the chart follows the window's percentiles: start afresh
        m_lastSampleMs = -1;
        refresh();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &LatencyPage::redrawChart);
    connect(csv, &QPushButton::clicked, this, [this] {
        if (selectedKey().isEmpty()) {
            QMessageBox::information(this, tr("Save chart"), tr("Select a probe first."));
            return;
        }
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save chart as CSV"), QStringLiteral("latency.csv"), tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        if (Status s = saveChartCsv(path); !s.ok())
            QMessageBox::warning(this, tr("Save chart"), s.toString());
    });
    connect(snapshot, &QPushButton::clicked, this, &LatencyPage::exportSnapshotRequested);

    m_clock.start();
    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        return tr("No latency yet: the round trip fills in with the next PING (a few "
                  "seconds); requests, JetStream publishes and consumers add theirs as they "
                  "run (the Publish page, the Consumer page, the demo).");
    });
    setRefreshInterval(kRefreshMs);
}

metrics::Window LatencyPage::window() const {
    return metrics::Window(m_windowBox->currentData().toInt());
}

void LatencyPage::setWindow(metrics::Window window) {
    m_windowBox->setCurrentIndex(m_windowBox->findData(int(window)));
}

void LatencyPage::refresh() {
    if (!registry())
        return;
    const QList<metrics::ProbeSnapshot> snaps = registry()->probeSnapshots(window());
    const bool hadRows = m_model->rowCount() > 0;
    m_model->update(snaps);
    quint64 samples = 0;
    for (const auto& s : snaps)
        samples += s.percentiles.count;
    m_summary->setText(tr("%n probe(s), ", nullptr, int(snaps.size())) +
                       tr("%1 samples in the window").arg(samples));
    if (!hadRows && m_model->rowCount() > 0 && selectedKey().isEmpty())
        m_view->selectRow(0);
    if (sampleDue())
        sampleHistory(snaps);
    if (m_undrawn)
        redrawChart();
}

void LatencyPage::recordHistory() {
    if (registry() && sampleDue())
        sampleHistory(registry()->probeSnapshots(window()));
}

bool LatencyPage::sampleDue() const {
    return m_lastSampleMs < 0 || m_clock.elapsed() - m_lastSampleMs >= kSampleMs;
}

void LatencyPage::sampleHistory(const QList<metrics::ProbeSnapshot>& snapshots) {
    const qint64 nowMs = m_clock.elapsed();
    m_lastSampleMs = nowMs;
    const double t = double(nowMs) / 1000.0;
    for (const metrics::ProbeSnapshot& s : snapshots) {
        if (s.percentiles.count == 0)
            continue;
        auto& h = m_history[LatencyModel::keyOf(s)];
        h.push_back(Point{t, double(s.percentiles.p50) / 1000.0, double(s.percentiles.p95) / 1000.0,
                          double(s.percentiles.p99) / 1000.0});
        while (!h.empty() && h.front().t < t - kHistoryS)
            h.pop_front();
    }
    m_undrawn = true;
}

QString LatencyPage::selectedKey() const {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(LatencyModel::KeyRole).toString();
}

bool LatencyPage::selectProbe(const QString& key) {
    for (int r = 0; r < m_proxy->rowCount(); ++r)
        if (m_proxy->index(r, 0).data(LatencyModel::KeyRole).toString() == key) {
            m_view->selectRow(r);
            return true;
        }
    return false;
}

void LatencyPage::redrawChart() {
    m_undrawn = false;
    const QString key = selectedKey();
    const auto it = m_history.constFind(key);
    const double now = double(m_clock.elapsed()) / 1000.0;
    QList<QPointF> a, b, c;
    double maxY = 0;
    double oldest = 0;
    if (it != m_history.cend())
        for (const Point& p : *it) {
            oldest = qMin(oldest, p.t - now);
            a.append({p.t - now, p.p50});
            b.append({p.t - now, p.p95});
            c.append({p.t - now, p.p99});
            maxY = qMax(maxY, p.p99);
        }
    // One replace() per series per tick: one repaint.
    m_p50->replace(a);
    m_p95->replace(b);
    m_p99->replace(c);
    charts::setYMax(m_y, maxY, 0.1);
    m_marks->update(faultMarks());
    // The x axis grows with the history, from one minute up to ten.
    m_x->setRange(-qBound(60.0, std::ceil(-oldest / 60.0) * 60.0, double(kHistoryS)), 0);
    m_chart->setTitle(
        key.isEmpty() ? tr("Select a probe")
                      : tr("%1 — percentiles over the %2").arg(key, m_windowBox->currentText()));
}

QByteArray LatencyPage::chartCsv() const {
    return chartToCsv(m_chart, "seconds");
}

Status LatencyPage::saveChartCsv(const QString& path) const {
    return jetdeck::saveChartCsv(m_chart, "seconds", path);
}

} // namespace jetdeck
