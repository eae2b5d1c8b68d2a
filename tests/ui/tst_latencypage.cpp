// The latency page and the metrics the console shows and exports, offscreen, against a real
// nats-server with JetStream: probes filling while requests flow, the window selector, the
// chart's CSV, the JSON snapshot, the Prometheus endpoint, and backpressure in the streams tree.

#include "core/jetstream/jetstream.h"
#include "core/jetstream/pullconsumer.h"
#include "core/metrics/registry.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/connectionview.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/latencymodel.h"
#include "ui/models/streamtreemodel.h"
#include "ui/pages/latencypage.h"
#include "ui/pages/streamspage.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

class TestLatencyPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void probesFillWhileTrafficFlows();
    void windowSelectorAndCsv();
    void snapshotAndEndpoint();
    void backpressureInTheTree();
    void eventsExport();

private:
    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestLatencyPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_latencypage"));
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    m_window = std::make_unique<MainWindow>();
    m_window->session()->setListInterval(300);
    m_window->show();
    QVERIFY(m_window->connectToUrls(m_server->url()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->connection() &&
                                 m_window->connection()->state() == ConnectionState::Connected,
                             10000);
}

void TestLatencyPage::probesFillWhileTrafficFlows() {
    LatencyPage* page = m_window->latencyPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->showPage(MainWindow::Page::Latency);
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Latency);
    Connection* c = m_window->connection();
    auto echo = c->subscribeInline("echo", [c](const MsgView& m) { c->publish(m.reply, "pong"); });
    QVERIFY(echo.ok());
    for (int i = 0; i < 50; ++i)
        QVERIFY(c->requestSync("echo", "ping", 3000).ok());
    // The streams page's JetStream API calls are requests too: at least our 50.
    // The connection is named after its server (typed in the bar): the probes say which.
    const QString name = m_window->currentView()->title();
    QCOMPARE(name, QStringLiteral("127.0.0.1:%1").arg(m_server->port()));
    const QString key = QStringLiteral("request connection=") + name;
    QTRY_VERIFY_WITH_TIMEOUT(page->selectProbe(key), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < page->model()->rowCount(); ++r) {
                const auto* s = page->model()->snapshotAt(r);
                if (s && LatencyModel::keyOf(*s) == key)
                    return s->percentiles.count >= 50 && s->percentiles.p50 > 0 &&
                           s->percentiles.p50 <= s->percentiles.p99;
            }
            return false;
        }(),
        5000);
    QCOMPARE(page->selectedKey(), key);
    const QModelIndex header = page->model()->index(0, LatencyModel::P95Column);
    QVERIFY(page->model()->headerData(LatencyModel::P95Column, Qt::Horizontal).toString() ==
            QStringLiteral("P95 ms"));
    QVERIFY(header.isValid());
    echo.value()->unsubscribe();
}

void TestLatencyPage::windowSelectorAndCsv() {
    LatencyPage* page = m_window->latencyPage();
    auto* box = page->findChild<QComboBox*>(QStringLiteral("latencyWindow"));
    QVERIFY(box);
    QCOMPARE(page->window(), metrics::Window::Last1m);
    box->setCurrentIndex(0);
    QCOMPARE(page->window(), metrics::Window::Last10s);
    page->setWindow(metrics::Window::Last5m);
    QCOMPARE(box->currentIndex(), 2);
    // The chart keeps a point a second per probe; CSV has a header and those points.
    QVERIFY(page->selectProbe(QStringLiteral("request connection=") +
                              m_window->currentView()->title()));
    QTRY_VERIFY_WITH_TIMEOUT(page->chartCsv().count('\n') >= 3, 5000);
    const QList<QByteArray> lines = page->chartCsv().trimmed().split('\n');
    QCOMPARE(lines.first(), QByteArray("seconds,P50,P95,P99"));
    QCOMPARE(lines.last().split(',').size(), 4);
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("chart.csv"));
    VERIFY_OK(page->saveChartCsv(csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().startsWith("seconds,P50,"));
    // A path that cannot be written says so.
    const Status bad = page->saveChartCsv(dir.filePath(QStringLiteral("no/such/dir/x.csv")));
    QVERIFY(!bad.ok());
    QVERIFY(bad.message.contains(QStringLiteral("cannot write")));
}

void TestLatencyPage::snapshotAndEndpoint() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("snap.json"));
    VERIFY_OK(m_window->exportSnapshot(path));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    const QJsonArray conns = o.value(QStringLiteral("connections")).toArray();
    QCOMPARE(conns.size(), 1);
    QCOMPARE(conns[0].toObject().value(QStringLiteral("name")).toString(),
             m_window->currentView()->title());
    QCOMPARE(conns[0].toObject().value(QStringLiteral("state")).toString(),
             QStringLiteral("CONNECTED"));
    QVERIFY(!o.value(QStringLiteral("latency")).toArray().isEmpty());
    QVERIFY(!m_window->exportSnapshot(dir.filePath(QStringLiteral("missing/dir/s.json"))).ok());

    VERIFY_OK(m_window->startMetricsServer(0));
    const QUrl url(m_window->metricsUrl());
    QVERIFY(url.isValid());
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, quint16(url.port()));
    QVERIFY(QTest::qWaitFor([&] { return s.state() == QAbstractSocket::ConnectedState; }, 3000));
    s.write("GET /metrics HTTP/1.0\r\n\r\n");
    QByteArray reply;
    (void)QTest::qWaitFor(
        [&] {
            reply += s.readAll();
            return s.state() == QAbstractSocket::UnconnectedState;
        },
        5000);
    reply += s.readAll();
    QVERIFY2(reply.startsWith("HTTP/1.1 200 OK"), reply.left(200).constData());
    const QByteArray name = m_window->currentView()->title().toUtf8();
    QVERIFY(reply.contains(
        QByteArray("jetdeck_nats_connection_status{connection=\"" + name + "\"} 1")));
    QVERIFY(reply.contains(
        QByteArray("jetdeck_latency_seconds_bucket{probe=\"request\",connection=\"" + name + '"')));
}

void TestLatencyPage::backpressureInTheTree() {
    metrics::BackpressureThresholds t;
    t.pendingWarn = 5;
    t.pendingCritical = 20;
    m_window->metricsRegistry()->setThresholds(t);
    js::JetStream js(m_window->connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("BP");
    sc.subjects = {QStringLiteral("bp.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(js.addStream(sc).ok());
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("slow");
    cc.ackPolicy = js::AckPolicy::Explicit;
    QVERIFY(js.addConsumer(QStringLiteral("BP"), cc).ok());
    StreamTreeModel* model = m_window->streamsPage()->model();
    auto cell = [&]() -> QModelIndex {
        const QModelIndex s = model->indexOfStream(QStringLiteral("BP"));
        return s.isValid() && model->rowCount(s) == 1
                   ? model->index(0, StreamTreeModel::BackpressureColumn, s)
                   : QModelIndex();
    };
    QTRY_COMPARE_WITH_TIMEOUT(cell().data().toString(), QStringLiteral("OK"), 10000);
    for (int i = 0; i < 10; ++i)
        QVERIFY(js.publish("bp.x", "m").ok());
    QTRY_COMPARE_WITH_TIMEOUT(cell().data().toString(), QStringLiteral("WARN"), 10000);
    QCOMPARE(cell().data(Qt::ToolTipRole).toString(),
             QStringLiteral("Backpressure WARN: num_pending 10 > 5"));
    for (int i = 0; i < 20; ++i)
        QVERIFY(js.publish("bp.x", "m").ok());
    QTRY_COMPARE_WITH_TIMEOUT(cell().data().toString(), QStringLiteral("CRITICAL"), 10000);
    QVERIFY(cell().data(Qt::BackgroundRole).value<QColor>().isValid());
    js::PullConsumer pull(js, QStringLiteral("BP"), QStringLiteral("slow"));
    js::FetchOptions fo;
    fo.batch = 30;
    fo.expiresMs = 2000;
    auto got = pull.fetch(fo);
    QVERIFY(got.ok());
    QCOMPARE(got->messages.size(), qsizetype(30));
    for (js::JsMessage& m : got->messages)
        VERIFY_OK(m.ack());
    QTRY_COMPARE_WITH_TIMEOUT(cell().data().toString(), QStringLiteral("OK"), 10000);

    // Each change is a line in the event log.
    QStringList seen;
    EventLogModel* log = m_window->eventModel();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            seen.clear();
            for (int r = 0; r < log->rowCount(); ++r)
                if (log->eventAt(r).kind == ConnectionEvent::Kind::Consumer &&
                    log->eventAt(r).server == QLatin1String("BP/slow"))
                    seen << log->eventAt(r).message;
            return seen.size() >= 3;
        }(),
        10000);
    QCOMPARE(
        seen.mid(seen.size() - 3),
        QStringList({QStringLiteral("backpressure WARN: num_pending 10 > 5"),
                     QStringLiteral("backpressure CRITICAL: num_pending 30 > 20"), seen.last()}));
    QVERIFY(seen.last().startsWith(QStringLiteral("backpressure OK: num_pending 0")));
}

void TestLatencyPage::eventsExport() {
    QTemporaryDir dir;
    const QString all = dir.filePath(QStringLiteral("events.csv"));
    VERIFY_OK(m_window->exportEventsCsv(all));
    QFile f(all);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.first(), QByteArray("time,event,server,message"));
    QCOMPARE(lines.size() - 1, m_window->eventModel()->rowCount());
    QVERIFY(lines.join('\n').contains("\"CONNECTED\""));
    // Only what the filter shows.
    auto* filter = m_window->findChild<QLineEdit*>(QStringLiteral("eventFilter"));
    QVERIFY(filter);
    filter->setText(QStringLiteral("no event says this"));
    const QString none = dir.filePath(QStringLiteral("none.csv"));
    VERIFY_OK(m_window->exportEventsCsv(none));
    QFile g(none);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.readAll(), QByteArray("time,event,server,message\n"));
    filter->clear();
    // Quotes inside a field are doubled.
    ConnectionEvent e;
    e.time = QDateTime::currentDateTime();
    e.message = QStringLiteral("say \"hi\", twice");
    m_window->eventModel()->append(e);
    QVERIFY(m_window->eventModel()->toCsv().contains("\"say \"\"hi\"\", twice\""));
    QVERIFY(!m_window->exportEventsCsv(dir.filePath(QStringLiteral("no/dir/e.csv"))).ok());
}

QTEST_MAIN(TestLatencyPage)
#include "tst_latencypage.moc"
