// The main window, offscreen, against a real nats-server.
#include "tests/support/testsupport.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/pages/connectionpage.h"
#include "ui/widgets/format.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLineEdit>
#include <QPushButton>

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
    void formatting_data();
    void formatting();

private:
    std::unique_ptr<NatsServerProcess> m_server;
};

void TestMainWindow::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QSettings().clear();
    m_server = std::make_unique<NatsServerProcess>();
    const Status s = m_server->start();
    QVERIFY2(!s, qPrintable(s.toString()));
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
    QVERIFY(!c->flushSync());
    for (int i = 0; i < 25; ++i)
        QVERIFY(!c->publish("ui.test", "hello"));
    QVERIFY(!c->flushSync());
    page->refresh();
    QTRY_VERIFY(page->valueText(QStringLiteral("msgsIn")).startsWith(QStringLiteral("25")));
    QVERIFY(page->valueText(QStringLiteral("msgsOut")).startsWith(QStringLiteral("25")));
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
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("DISCONNECTED"));
    QTRY_VERIFY(w.lastMessage().contains(QStringLiteral("refused"), Qt::CaseInsensitive));
    QTRY_VERIFY(
        w.connectionPage()->valueText(QStringLiteral("lastError")).contains(QString::number(port)));
}

void TestMainWindow::disconnectButton() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("CONNECTED"));
    auto* button = w.findChild<QPushButton*>(QStringLiteral("disconnectButton"));
    QVERIFY(button && button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("CLOSED"));
    QTRY_VERIFY(!button->isEnabled());
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

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
