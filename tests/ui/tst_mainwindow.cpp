// The main window, offscreen, against a real nats-server.
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/pages/connectionpage.h"
#include "ui/widgets/format.h"
#include "ui/widgets/statetimeline.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>

using namespace jetdeck;
using namespace jetdeck::test;

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void eventModelIsBoundedAndConsistent();
    void showsLiveConnection();
    void badUrlIsReportedAndChangesNothing();
    void unreachableServerShowsError();
    void disconnectButton();
    void timelineSpans();
    void showsOutageAndRecovery();
    void formatting_data();
    void formatting();
    void themesAndRestoredLayout();

private:
    std::unique_ptr<NatsServerProcess> m_server;
};

void TestMainWindow::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QSettings().clear();
    m_server = std::make_unique<NatsServerProcess>();
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestMainWindow::eventModelIsBoundedAndConsistent() {
    EventLogModel model(50);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 120; ++i) {
        ConnectionEvent e;
        e.time = QDateTime::currentDateTime();
        e.kind = i % 2 ? ConnectionEvent::Kind::Info : ConnectionEvent::Kind::Error;
        e.message = QStringLiteral("event %1").arg(i);
        model.append(e);
    }
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(model.index(0, EventLogModel::MessageColumn).data().toString(),
             QStringLiteral("event 70"));
    QCOMPARE(model.index(49, EventLogModel::MessageColumn).data().toString(),
             QStringLiteral("event 119"));
    QList<ConnectionEvent> many(200);
    model.appendMany(many);
    QCOMPARE(model.rowCount(), 50);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestMainWindow::showsLiveConnection() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    ConnectionPage* page = w.connectionPage();
    QTRY_COMPARE(page->stateText(), QStringLiteral("CONNECTED"));
    QCOMPARE(page->serverText(), QStringLiteral("127.0.0.1:%1").arg(m_server->port()));
    QTRY_VERIFY(page->valueText(QStringLiteral("version")).startsWith(QStringLiteral("2.")));

    // Traffic shows up in the counters.
    Connection* c = w.connection();
    auto sub = c->subscribe("ui.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 25; ++i)
        VERIFY_OK(c->publish("ui.test", "hello"));
    VERIFY_OK(c->flushSync());
    page->refresh();
    // The console's own traffic (the streams page asks the JetStream API too) adds to the
    // counters: at least the 25 messages, read back as numbers.
    auto counter = [page](const char* key) {
        return page->valueText(QLatin1String(key))
            .section(QStringLiteral("  ("), 0, 0)
            .remove(QLatin1Char(' '))
            .toLongLong();
    };
    QTRY_VERIFY(counter("msgsIn") >= 25);
    QVERIFY(counter("msgsOut") >= 25);
    QTRY_COMPARE(sub.value()->stats().received, 25u);
    QTRY_VERIFY(page->valueText(QStringLiteral("rtt")) != QStringLiteral("–"));

    // The event log saw the handshake.
    EventLogModel* events = w.eventModel();
    QTRY_VERIFY(events->rowCount() >= 3);
    bool sawConnected = false;
    for (int r = 0; r < events->rowCount(); ++r)
        sawConnected |= events->eventAt(r).kind == ConnectionEvent::Kind::State &&
                        events->eventAt(r).state == ConnectionState::Connected;
    QVERIFY(sawConnected);
}

void TestMainWindow::badUrlIsReportedAndChangesNothing() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("CONNECTED"));
    Connection* before = w.connection();
    auto* edit = w.findChild<QLineEdit*>(QStringLiteral("serverUrl"));
    QVERIFY(edit);
    edit->setText(QStringLiteral("http://nope:80"));
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(w.lastMessage().contains(QStringLiteral("unsupported scheme")));
    QCOMPARE(w.connection(), before);
    QCOMPARE(w.connectionPage()->stateText(), QStringLiteral("CONNECTED"));
}

void TestMainWindow::unreachableServerShowsError() {
    MainWindow w;
    w.show();
    const quint16 port = NatsServerProcess::freePort();
    QVERIFY(w.connectToUrls(QStringLiteral("nats://127.0.0.1:%1").arg(port)));
    // The console keeps trying a server that is down, and says why it is not connected.
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("RECONNECTING"));
    QTRY_VERIFY(w.connectionPage()
                    ->valueText(QStringLiteral("nextAttempt"))
                    .startsWith(QStringLiteral("in ")));
    QTRY_VERIFY(
        w.connectionPage()->valueText(QStringLiteral("lastError")).contains(QString::number(port)));
}

void TestMainWindow::disconnectButton() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("CONNECTED"));
    auto* button = w.findChild<QPushButton*>(QStringLiteral("disconnectButton"));
    QVERIFY(button);
    // The page polls the connection's state; the button follows its queued stateChanged,
    // which a slow (ASan) run can see a moment later.
    QTRY_VERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("CLOSED"));
    QTRY_VERIFY(!button->isEnabled());
}

void TestMainWindow::timelineSpans() {
    StateTimeline t;
    t.resize(600, 46);
    t.setWindowSeconds(60);
    const QDateTime now = QDateTime::currentDateTime();
    t.setHistory(
        {StateSpan{ConnectionState::Connected, now.addSecs(-50), QStringLiteral("a:1"), {}},
         StateSpan{ConnectionState::Reconnecting,
                   now.addSecs(-30),
                   {},
                   QStringLiteral("stale connection")},
         StateSpan{ConnectionState::Connected, now.addSecs(-20), QStringLiteral("b:2"),
                   QStringLiteral("reconnected")}},
        now);
    const int y = 10;
    const int i = t.spanAt(QPoint(int(4 + 592 * 35.0 / 60.0), y)); // 25 s ago
    QCOMPARE(i, 1);
    const QString d = t.describeSpan(i);
    QVERIFY2(d.contains(QStringLiteral("RECONNECTING")), qPrintable(d));
    QVERIFY(d.contains(QStringLiteral("stale connection")));
    QVERIFY(d.contains(QStringLiteral("10.0 s"))); // lasted from -30 s to -20 s
    QCOMPARE(t.spanAt(QPoint(590, y)), 2);
    QVERIFY(t.describeSpan(2).contains(QStringLiteral("(now)")));
    QCOMPARE(t.spanAt(QPoint(10, y)), -1); // before the first span
    QImage img(t.size(), QImage::Format_ARGB32);
    t.render(&img); // paints without a crash
}

void TestMainWindow::showsOutageAndRecovery() {
    NatsServerConfig cfg;
    JETDECK_START_SERVER(server, cfg);
    MainWindow w;
    Options o = optionsFor(server->url());
    o.reconnectDelayMs = 100;
    o.maxReconnectDelayMs = 300;
    w.setBaseOptions(o);
    w.show();
    QVERIFY(w.connectToUrls(server->url()));
    ConnectionPage* page = w.connectionPage();
    QTRY_COMPARE(page->stateText(), QStringLiteral("CONNECTED"));
    server->kill();
    QTRY_COMPARE(page->stateText(), QStringLiteral("RECONNECTING"));
    QTRY_VERIFY(page->valueText(QStringLiteral("nextAttempt")).startsWith(QStringLiteral("in ")));
    // Publishes while away are held and shown.
    for (int i = 0; i < 3; ++i)
        VERIFY_OK(w.connection()->publish("ui.outage", "x"));
    int mine = 0;
    for (const OutboundQueue::Entry& e : w.connection()->queuedOperations(100))
        mine += e.subject == "ui.outage";
    QCOMPARE(mine, 3);
    // The streams page may have had a JetStream request on its way when the server went (a
    // slow ASan run sees it): it waits in the queue too, and is flushed with ours.
    page->refresh();
    const QString queued = page->valueText(QStringLiteral("queue"));
    QVERIFY2(queued.startsWith(QLatin1String("3 ops")) || queued.startsWith(QLatin1String("4 ops")),
             qPrintable(queued));
    VERIFY_OK(server->start());
    QTRY_COMPARE_WITH_TIMEOUT(page->stateText(), QStringLiteral("CONNECTED"), 10000);
    page->refresh();
    QCOMPARE(page->valueText(QStringLiteral("reconnects")), QStringLiteral("1"));
    const QString flushed = page->valueText(QStringLiteral("flushed"));
    QVERIFY2(flushed == QLatin1String("3") || flushed == QLatin1String("4"), qPrintable(flushed));
    QVERIFY(!page->valueText(QStringLiteral("lastError")).startsWith(QStringLiteral("none")));
    auto* timeline = w.findChild<StateTimeline*>(QStringLiteral("stateTimeline"));
    QVERIFY(timeline);
    QVERIFY(w.connection()->stateHistory().size() >=
            4); // CONNECTING, CONNECTED, RECONNECTING, CONNECTED
    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_mainwindow
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        QTest::qWait(1500); // a few chart points after the recovery
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-outage.png")));
    }
}

void TestMainWindow::formatting_data() {
    QTest::addColumn<QString>("got");
    QTest::addColumn<QString>("want");
    QTest::newRow("bytes") << format::bytes(512) << QStringLiteral("512 B");
    QTest::newRow("kib") << format::bytes(1536) << QStringLiteral("1.50 KiB");
    QTest::newRow("mib") << format::bytes(64LL * 1024 * 1024) << QStringLiteral("64.0 MiB");
    QTest::newRow("count") << format::count(1234567) << QStringLiteral("1 234 567");
    QTest::newRow("rate") << format::rate(12345) << QStringLiteral("12.3k msgs/s");
    QTest::newRow("us") << format::micros(850) << QStringLiteral("850 µs");
    QTest::newRow("ms") << format::micros(12400) << QStringLiteral("12.4 ms");
    QTest::newRow("duration") << format::duration(65000) << QStringLiteral("1 min 5 s");
}

void TestMainWindow::formatting() {
    QFETCH(QString, got);
    QFETCH(QString, want);
    QCOMPARE(got, want);
}

void TestMainWindow::themesAndRestoredLayout() {
    int leftWidth = 0;
    {
        MainWindow w;
        w.show();
        w.setTheme(Theme::Dark);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 128);
        for (QChartView* v : w.findChildren<QChartView*>())
            QVERIFY(v->chart()->backgroundBrush().color().lightness() < 128);
        w.setTheme(Theme::Light);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 128);
        for (QChartView* v : w.findChildren<QChartView*>())
            QVERIFY(v->chart()->backgroundBrush().color().lightness() > 128);
        w.setTheme(Theme::Dark);
        w.showPage(MainWindow::Page::Latency);
        auto* central = w.findChild<QSplitter*>(QStringLiteral("centralSplitter"));
        QVERIFY(central);
        central->setSizes({300, 900});
        leftWidth = central->sizes().value(0);
        w.close(); // saves the settings
    }
    // A new window comes back dark, on the same page, with the same column widths.
    MainWindow again;
    again.show();
    QCOMPARE(again.theme(), Theme::Dark);
    QCOMPARE(again.currentPage(), MainWindow::Page::Latency);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 128);
    QTRY_COMPARE(again.findChild<QSplitter*>(QStringLiteral("centralSplitter"))->sizes().value(0),
                 leftWidth);
    again.setTheme(Theme::System);
    QCOMPARE(themeFromName(u"dark"), std::optional<Theme>(Theme::Dark));
    QCOMPARE(themeFromName(u"purple"), std::nullopt);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
