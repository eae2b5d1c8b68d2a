// Several connections open at once in one window, against two real nats-servers: each with its
// own session, pages and event log; switching between them reconnects nothing (the servers'
// own /connz says so); closing one leaves the others; the overview of all of them (state,
// server, round trip, the worst backpressure, unread errors); the metrics endpoint labelling
// every series with its connection; reopening all of them at the next start; `jetdeck
// --server A --connect B`; and the GUI thread with ten connections open.

#include "core/jetstream/jetstream.h"
#include "core/metrics/registry.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/connectionview.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/pages/overviewpage.h"
#include "ui/session.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <algorithm>

using namespace jetdeck;
using namespace jetdeck::test;

class TestMultiConnection : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void severalAtOnce();
    void closingOneLeavesTheOthers();
    void overviewOfAll();
    void metricsLabelEveryConnection();
    void reopensEveryOpenOne();
    void tenConnectionsKeepTheWindowResponsive();
    void commandLineOpensSeveral();

private:
    /// The client connections a server counts (/connz), with their ids.
    QList<qint64> clientIds(const NatsServerProcess& server);
    /// JetStream API requests the server answered so far (/jsz api.total).
    qint64 apiRequests(const NatsServerProcess& server);
    /// A window with a connection to A, then one to B, both connected.
    void openBoth(MainWindow& w);
    static bool connected(const ConnectionView* v) {
        return v->session()->connection() &&
               v->session()->state().state == ConnectionState::Connected;
    }

    std::unique_ptr<NatsServerProcess> m_a, m_b;
};

void TestMultiConnection::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_multiconnection"));
    for (auto* server : {&m_a, &m_b}) {
        NatsServerConfig cfg;
        cfg.jetstream = true;
        cfg.monitorPort = NatsServerProcess::freePort();
        *server = std::make_unique<NatsServerProcess>(cfg);
        const Status s = (*server)->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
}

void TestMultiConnection::init() {
    QSettings().remove(QStringLiteral("connection"));
}

QList<qint64> TestMultiConnection::clientIds(const NatsServerProcess& server) {
    bool ok = false;
    const QJsonObject o =
        QJsonDocument::fromJson(httpGet(server.config().monitorPort, "/connz?limit=1024", &ok))
            .object();
    QList<qint64> ids;
    for (const QJsonValue& c : o.value(QStringLiteral("connections")).toArray())
        ids << c.toObject().value(QStringLiteral("cid")).toInteger();
    return ok ? ids : QList<qint64>{-1};
}

qint64 TestMultiConnection::apiRequests(const NatsServerProcess& server) {
    bool ok = false;
    const QJsonObject o =
        QJsonDocument::fromJson(httpGet(server.config().monitorPort, "/jsz", &ok)).object();
    return ok ? o.value(QStringLiteral("api")).toObject().value(QStringLiteral("total")).toInteger()
              : -1;
}

void TestMultiConnection::openBoth(MainWindow& w) {
    w.show();
    QVERIFY(w.openUrls(m_a->url()));
    QVERIFY(w.openUrls(m_b->url()));
    QCOMPARE(w.views().size(), qsizetype(2));
    QTRY_VERIFY_WITH_TIMEOUT(connected(w.views()[0]) && connected(w.views()[1]), 10000);
}

void TestMultiConnection::severalAtOnce() {
    MainWindow w;
    w.show();
    QVERIFY(w.openUrls(m_a->url()));
    QVERIFY(w.openUrls(m_b->url()));
    // The first took the empty view the window starts with; the second one opened beside it.
    QCOMPARE(w.views().size(), qsizetype(2));
    ConnectionView* a = w.views()[0];
    ConnectionView* b = w.views()[1];
    QCOMPARE(w.currentView(), b);
    QTRY_VERIFY_WITH_TIMEOUT(connected(a) && connected(b), 10000);
    QCOMPARE(a->title(), QStringLiteral("127.0.0.1:%1").arg(m_a->port()));
    QCOMPARE(b->title(), QStringLiteral("127.0.0.1:%1").arg(m_b->port()));
    QCOMPARE(a->session()->state().server, a->title());
    QCOMPARE(b->session()->state().server, b->title());
    // One request budget for the whole window: ten connections ask no more of their own.
    QCOMPARE(a->session()->budget(), w.requestBudget());
    QCOMPARE(b->session()->budget(), w.requestBudget());
    Connection* ca = a->session()->connection()->connection();
    Connection* cb = b->session()->connection()->connection();
    QVERIFY(ca != cb);
    // Each server has exactly the console's one connection to it.
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_a).size(), qsizetype(1), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_b).size(), qsizetype(1), 5000);
    const QList<qint64> idsA = clientIds(*m_a), idsB = clientIds(*m_b);

    // Switching back and forth through every page reconnects nothing.
    const int logA = a->eventModel()->rowCount();
    for (int i = 0; i < 2 * MainWindow::kPageCount; ++i) {
        w.switchTo(i % 2 ? a : b);
        w.showPage(MainWindow::Page(i % MainWindow::kPageCount));
        QCOMPARE(w.currentPage(), MainWindow::Page(i % MainWindow::kPageCount));
        QCoreApplication::processEvents();
    }
    QVERIFY(connected(a) && connected(b));
    QCOMPARE(a->session()->connection()->connection(), ca);
    QCOMPARE(b->session()->connection()->connection(), cb);
    QCOMPARE(ca->health().reconnects, quint64(0));
    QCOMPARE(clientIds(*m_a), idsA);
    QCOMPARE(clientIds(*m_b), idsB);
    // Each has its own event log: A's knows nothing of B's server.
    QVERIFY(a->eventModel()->rowCount() >= logA);
    for (int r = 0; r < a->eventModel()->rowCount(); ++r)
        QVERIFY(!a->eventModel()
                     ->index(r, EventLogModel::MessageColumn)
                     .data()
                     .toString()
                     .contains(QString::number(m_b->port())));

    // The navigation: all connections, then each with its pages; the shown one unfolded.
    auto* nav = w.findChild<QTreeWidget*>(QStringLiteral("navigation"));
    QVERIFY(nav);
    QCOMPARE(nav->topLevelItemCount(), 3);
    QCOMPARE(nav->topLevelItem(1)->text(0), a->title());
    QCOMPARE(nav->topLevelItem(2)->childCount(), MainWindow::kPageCount);
    w.switchTo(b);
    w.showPage(MainWindow::Page::Streams);
    QVERIFY(nav->topLevelItem(2)->isExpanded());
    QVERIFY(!nav->topLevelItem(1)->isExpanded());
    QCOMPARE(nav->currentItem(), nav->topLevelItem(2)->child(int(MainWindow::Page::Streams)));
    // A click on A's Latency page shows A, on that page.
    nav->setCurrentItem(nav->topLevelItem(1)->child(int(MainWindow::Page::Latency)));
    QCOMPARE(w.currentView(), a);
    QCOMPARE(w.currentPage(), MainWindow::Page::Latency);
    QCOMPARE(w.serverBarText(), QStringLiteral("nats://127.0.0.1:%1").arg(m_a->port()));
}

void TestMultiConnection::closingOneLeavesTheOthers() {
    MainWindow w;
    w.show();
    QVERIFY(w.openUrls(m_a->url()));
    QVERIFY(w.openUrls(m_b->url()));
    QVERIFY(w.openUrls(m_a->url())); // the same server twice: two connections, two names
    QCOMPARE(w.views().size(), qsizetype(3));
    QCOMPARE(w.views()[2]->title(), w.views()[0]->title() + QStringLiteral(" (2)"));
    for (ConnectionView* v : w.views())
        QTRY_VERIFY_WITH_TIMEOUT(connected(v), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_a).size(), qsizetype(2), 5000);
    ConnectionView* b = w.views()[1];
    Connection* cb = b->session()->connection()->connection();
    const QList<qint64> idsB = clientIds(*m_b);

    w.closeConnection(w.views()[0]);
    QCOMPARE(w.views().size(), qsizetype(2));
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_a).size(), qsizetype(1), 5000);
    QVERIFY(connected(b));
    QCOMPARE(b->session()->connection()->connection(), cb);
    QCOMPARE(clientIds(*m_b), idsB);
    QVERIFY(connected(w.views()[1]));

    // The last one closed leaves an empty one to connect from.
    w.closeConnection(w.views()[1]);
    w.closeConnection(w.views()[0]);
    QCOMPARE(w.views().size(), qsizetype(1));
    QVERIFY(!w.currentView()->used());
    QVERIFY(!w.connection());
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_a).size(), qsizetype(0), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_b).size(), qsizetype(0), 5000);
}

void TestMultiConnection::overviewOfAll() {
    MainWindow w;
    openBoth(w);
    if (QTest::currentTestFailed())
        return;
    ConnectionView* a = w.views()[0];
    ConnectionView* b = w.views()[1];
    w.showOverview();
    QVERIFY(w.isOverviewShown());
    OverviewPage* ov = w.overviewPage();
    ConnectionsModel* model = ov->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto cell = [&](int row, int column) { return model->index(row, column).data().toString(); };
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 3000);
    QCOMPARE(cell(0, ConnectionsModel::NameColumn), a->title());
    QCOMPARE(cell(1, ConnectionsModel::ServerColumn), b->title());
    QTRY_COMPARE_WITH_TIMEOUT(cell(0, ConnectionsModel::StateColumn), QStringLiteral("CONNECTED"),
                              5000);
    QTRY_VERIFY_WITH_TIMEOUT(cell(1, ConnectionsModel::RttColumn) != QStringLiteral("-"), 10000);
    QCOMPARE(cell(1, ConnectionsModel::BackpressureColumn), QStringLiteral("no consumers"));

    // B's consumer falls behind: the overview names it with its verdict, as the registry does.
    metrics::BackpressureThresholds t;
    t.pendingWarn = 5;
    t.pendingCritical = 1000;
    b->session()->registry()->setThresholds(t);
    VERIFY_OK(makeStreamWithConsumer(b->session()->connection()->connection(), QStringLiteral("OV"),
                                     "ov.x", QStringLiteral("slow"), 10));
    b->session()->listJetStream();
    QTRY_COMPARE_WITH_TIMEOUT(cell(1, ConnectionsModel::BackpressureColumn),
                              QStringLiteral("WARN (OV/slow)"), 15000);
    QCOMPARE(cell(0, ConnectionsModel::BackpressureColumn), QStringLiteral("no consumers"));

    // A's server goes away while B is the one shown: A's errors wait, unread, in the overview.
    w.switchTo(b);
    w.showOverview();
    m_a->stop();
    QTRY_VERIFY_WITH_TIMEOUT(cell(0, ConnectionsModel::StateColumn) != QStringLiteral("CONNECTED"),
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(a->unreadErrors() > 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cell(0, ConnectionsModel::ErrorsColumn),
                              QString::number(a->unreadErrors()), 3000);
    QCOMPARE(b->unreadErrors(), 0);
    QVERIFY(connected(b));
    QVERIFY(ov->summaryText().contains(QStringLiteral("1 connected")));
    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_multiconnection
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        ov->view()->clearSelection(); // the colours of every row show
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-overview.png")));
    }
    // A click on A's name shows A's pages; its errors are read.
    QVERIFY(ov->select(a->id));
    const QModelIndex name = ov->view()->currentIndex().siblingAtColumn(0);
    QTest::mouseClick(ov->view()->viewport(), Qt::LeftButton, {},
                      ov->view()->visualRect(name).center());
    QCOMPARE(w.currentView(), a);
    QVERIFY(!w.isOverviewShown());
    QCOMPARE(a->unreadErrors(), 0);
    VERIFY_OK(m_a->start());
    QTRY_VERIFY_WITH_TIMEOUT(connected(a), 15000);
    w.showOverview();
    QTRY_COMPARE_WITH_TIMEOUT(cell(0, ConnectionsModel::StateColumn), QStringLiteral("CONNECTED"),
                              5000);
}

void TestMultiConnection::metricsLabelEveryConnection() {
    MainWindow w;
    openBoth(w);
    if (QTest::currentTestFailed())
        return;
    ConnectionView* a = w.views()[0];
    ConnectionView* b = w.views()[1];
    VERIFY_OK(makeStreamWithConsumer(b->session()->connection()->connection(),
                                     QStringLiteral("LBL"), "lbl.x", QStringLiteral("work"), 3));
    b->session()->listJetStream();
    VERIFY_OK(w.startMetricsServer(0));
    const quint16 port = quint16(QUrl(w.metricsUrl()).port());
    const QByteArray na = a->title().toUtf8(), nb = b->title().toUtf8();
    QByteArray text;
    QTRY_VERIFY_WITH_TIMEOUT(
        (text = httpGet(port, "/metrics"))
            .contains(QByteArray("jetdeck_jetstream_consumer_pending_messages{connection=\"" + nb +
                                 "\",stream=\"LBL\",consumer=\"work\"} 3")),
        15000);
    QVERIFY(
        text.contains(QByteArray("jetdeck_nats_connection_status{connection=\"" + na + "\"} 1")));
    QVERIFY(
        text.contains(QByteArray("jetdeck_nats_connection_status{connection=\"" + nb + "\"} 1")));
    // A has no such consumer; every family's HELP and TYPE once, its samples together.
    QVERIFY(!text.contains(QByteArray("connection=\"" + na + "\",stream=\"LBL\"")));
    QCOMPARE(text.count("# TYPE jetdeck_nats_connection_status gauge"), qsizetype(1));
    QCOMPARE(text.count("# TYPE jetdeck_backpressure_threshold gauge"), qsizetype(1));
    // Every sample carries a connection label.
    for (const QByteArray& line : text.split('\n'))
        if (!line.isEmpty() && !line.startsWith('#'))
            QVERIFY2(line.contains("connection=\""), line.constData());
    // The snapshot: the shown connection's, the others beside it.
    const QJsonObject snap = QJsonDocument::fromJson(httpGet(port, "/snapshot.json")).object();
    QCOMPARE(snap.value(QStringLiteral("connection")).toString(), b->title());
    const QJsonArray others = snap.value(QStringLiteral("other_connections")).toArray();
    QCOMPARE(others.size(), 1);
    QCOMPARE(others[0].toObject().value(QStringLiteral("connection")).toString(), a->title());
}

void TestMultiConnection::reopensEveryOpenOne() {
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openUrls(m_a->url()));
        QVERIFY(w.openUrls(m_b->url()));
        QVERIFY(w.openUrls(QStringLiteral("nats://u:secret@127.0.0.1:%1").arg(m_b->port())));
        QVERIFY(w.openUrls(m_a->url()));
        w.closeConnection(w.views()[3]);
        for (ConnectionView* v : w.views())
            QTRY_VERIFY_WITH_TIMEOUT(v->live(), 10000);
        w.switchTo(w.views()[0]);
        w.close();
    }
    // Two written down (the one with a password is not; a closed one is not).
    const QStringList open =
        QSettings().value(QStringLiteral("connection/openAtExit")).toStringList();
    QCOMPARE(open, (QStringList{QStringLiteral("url:nats://127.0.0.1:%1").arg(m_a->port()),
                                QStringLiteral("url:nats://127.0.0.1:%1").arg(m_b->port())}));
    MainWindow w;
    w.show();
    QVERIFY2(w.restoreOpenConnection(), qPrintable(w.lastMessage()));
    QCOMPARE(w.views().size(), qsizetype(2));
    for (ConnectionView* v : w.views())
        QTRY_VERIFY_WITH_TIMEOUT(connected(v), 10000);
    // The one shown at exit is shown again.
    QCOMPARE(w.currentView(), w.views()[0]);
    QCOMPARE(w.currentView()->session()->state().server,
             QStringLiteral("127.0.0.1:%1").arg(m_a->port()));
}

void TestMultiConnection::tenConnectionsKeepTheWindowResponsive() {
    MainWindow w;
    w.show();
    for (int i = 0; i < 10; ++i)
        QVERIFY(w.openUrls((i % 2 ? m_b : m_a)->url()));
    QCOMPARE(w.views().size(), qsizetype(10));
    for (ConnectionView* v : w.views())
        QTRY_VERIFY_WITH_TIMEOUT(connected(v), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_a).size(), qsizetype(5), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(clientIds(*m_b).size(), qsizetype(5), 5000);
    const qint64 api0 = apiRequests(*m_a) + apiRequests(*m_b);
    QElapsedTimer apiClock;
    apiClock.start();
    // Six seconds of someone going through them: another connection and page every 200 ms,
    // the overview every second; a 5 ms timer on the GUI thread says how late its turns come.
    TurnGaps gaps;
    int step = 0;
    QTimer browse;
    browse.setInterval(200);
    connect(&browse, &QTimer::timeout, this, [&] {
        ++step;
        if (step % 5 == 0) {
            w.showOverview();
            return;
        }
        w.switchTo(w.views()[step % 10]);
        w.showPage(MainWindow::Page(step % MainWindow::kPageCount));
    });
    gaps.start();
    browse.start();
    QTest::qWait(6000);
    gaps.stop();
    browse.stop();
    const qint64 p99 = gaps.percentileMs(99);
    const qint64 worst = gaps.maxMs();
    qInfo("ten connections, %d switches: GUI timer gaps %lld samples, P99 %lld ms, max %lld ms",
          step, qlonglong(gaps.count()), qlonglong(p99), qlonglong(worst));
    QVERIFY(gaps.count() > 300);
    for (ConnectionView* v : w.views())
        QVERIFY(connected(v));
    // What the ten asked of the servers' JetStream API on their own (listings, consumer
    // readings) stayed within the window's one budget: its rate over the time, and one
    // second's burst.
    const qint64 asked = apiRequests(*m_a) + apiRequests(*m_b) - api0;
    const double allowed =
        w.requestBudget()->perSecond() * (double(apiClock.elapsed()) / 1000.0 + 1);
    qInfo("JetStream API requests from ten connections in %.1f s: %lld (the budget allows %.0f)",
          double(apiClock.elapsed()) / 1000.0, qlonglong(asked), allowed);
    QVERIFY2(asked > 0 && asked <= qint64(allowed), qPrintable(QString::number(asked)));
#if defined(__SANITIZE_ADDRESS__)
    const qint64 bound = 150; // the sanitizers make every turn two to three times slower
#else
    const qint64 bound = 50; // the number
#endif
    QVERIFY2(p99 < bound, qPrintable(QString::number(p99)));
    QVERIFY2(worst < 1000, qPrintable(QString::number(worst)));
}

void TestMultiConnection::commandLineOpensSeveral() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), tmp.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), tmp.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.remove(QStringLiteral("NATS_URL"));
    const quint16 metricsPort = NatsServerProcess::freePort();
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(JETDECK_GUI_PATH),
            {QStringLiteral("--no-log-file"), QStringLiteral("--server"), m_a->url(),
             QStringLiteral("--connect"), m_b->url(), QStringLiteral("--metrics-port"),
             QString::number(metricsPort)});
    QVERIFY(p.waitForStarted(5000));
    const QByteArray na = QStringLiteral("127.0.0.1:%1").arg(m_a->port()).toUtf8();
    const QByteArray nb = QStringLiteral("127.0.0.1:%1").arg(m_b->port()).toUtf8();
    QByteArray text;
    QTRY_VERIFY_WITH_TIMEOUT(
        (text = httpGet(metricsPort, "/metrics"))
                .contains(
                    QByteArray("jetdeck_nats_connection_status{connection=\"" + na + "\"} 1")) &&
            text.contains(
                QByteArray("jetdeck_nats_connection_status{connection=\"" + nb + "\"} 1")),
        20000);
    // Asked to stop, it closes both and exits cleanly.
    p.terminate();
    QVERIFY(p.waitForFinished(30000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAll().constData());

    // A bad URL among them: said, nothing opened.
    QProcess bad;
    bad.setProcessEnvironment(env);
    bad.setProcessChannelMode(QProcess::MergedChannels);
    bad.start(QStringLiteral(JETDECK_GUI_PATH),
              {QStringLiteral("--no-log-file"), QStringLiteral("--server"), m_a->url(),
               QStringLiteral("--server"), QStringLiteral("nats://127.0.0.1:99999")});
    QVERIFY(bad.waitForFinished(20000));
    const QByteArray said = bad.readAll();
    QCOMPARE(bad.exitCode(), 1);
    QVERIFY2(said.contains("jetdeck: error:") && said.contains("99999"), said.constData());
}

QTEST_MAIN(TestMultiConnection)
#include "tst_multiconnection.moc"
