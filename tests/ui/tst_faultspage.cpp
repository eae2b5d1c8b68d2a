// The faults page, offscreen, against real servers: the console routed through a fault
// proxy, a latency toxic seen in its round trips and switched off live, the proxy down and
// up, back to the server directly; the demo's server killed and restarted from the page;
// and every fault in the event log.

#include "core/demo/demosession.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/toxicsmodel.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/faultspage.h"
#include "ui/widgets/chartcsv.h"
#include "ui/widgets/confirm.h"
#include "ui/widgets/faultmarks.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QSignalSpy>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {
double rttMs(Connection* c) {
    QElapsedTimer t;
    t.start();
    if (!c->flushSync(5000).ok())
        return -1;
    return double(t.nsecsElapsed()) / 1e6;
}

int faultEvents(MainWindow& w) {
    int n = 0;
    EventLogModel* m = w.eventModel();
    for (int r = 0; r < m->rowCount(); ++r)
        for (int c = 0; c < m->columnCount(); ++c)
            if (m->index(r, c).data().toString() == QLatin1String("fault"))
                ++n;
    return n;
}
} // namespace

class TestFaultsPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void toxicsModel();
    void proxyAndToxics();
    void demoServerKilledAndRestarted();
    void jetStreamFaults();
    void liveSystemAsksFirst();
};

void TestFaultsPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_faultspage"));
}

void TestFaultsPage::toxicsModel() {
    ToxicsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.columnCount(), int(ToxicsModel::ColumnCount));
    faults::Toxic a;
    a.name = QStringLiteral("a");
    a.kind = faults::ToxicKind::Bandwidth;
    a.rateBytesPerSec = 64 * 1024;
    a.toxicity = 0.5;
    faults::Toxic b;
    b.name = QStringLiteral("b");
    b.latencyMs = 100;
    b.jitterMs = 20;
    model.update({{a, {}}, {b, {3, 2048, 1}}});
    QCOMPARE(model.rowCount(), 2);
    auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(cell(0, ToxicsModel::NameColumn), QStringLiteral("a"));
    QCOMPARE(cell(0, ToxicsModel::TypeColumn), QStringLiteral("bandwidth"));
    QCOMPARE(cell(0, ToxicsModel::ToxicityColumn), QStringLiteral("50 %"));
    QCOMPARE(cell(0, ToxicsModel::ParametersColumn), QStringLiteral("64.0 KiB/s"));
    QCOMPARE(cell(1, ToxicsModel::ParametersColumn), QStringLiteral("100 ms ± 20 ms"));
    QCOMPARE(cell(1, ToxicsModel::ConnectionsColumn), QStringLiteral("3"));
    QCOMPARE(cell(1, ToxicsModel::BytesColumn), QStringLiteral("2.00 KiB"));
    QCOMPARE(cell(1, ToxicsModel::EventsColumn), QStringLiteral("1"));
    QCOMPARE(model.headerData(ToxicsModel::EventsColumn, Qt::Horizontal).toString(),
             QStringLiteral("Closes/resets"));
    const QModelIndex on = model.index(1, ToxicsModel::EnabledColumn);
    QVERIFY(model.flags(on) & Qt::ItemIsUserCheckable);
    QVERIFY(!(model.flags(model.index(1, ToxicsModel::NameColumn)) & Qt::ItemIsUserCheckable));
    QCOMPARE(on.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);

    // The check box asks for the change and shows it at once.
    QSignalSpy asked(&model, &ToxicsModel::enabledChangeRequested);
    QVERIFY(model.setData(on, Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(asked.size(), 1);
    QCOMPARE(asked[0][0].toString(), QStringLiteral("b"));
    QCOMPARE(asked[0][1].toBool(), false);
    QCOMPARE(on.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Unchecked);
    QVERIFY(!model.setData(model.index(1, ToxicsModel::NameColumn), QStringLiteral("x")));

    // A refresh with one toxic fewer removes the last row; an empty one clears it.
    model.update({{b, {4, 4096, 1}}});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.nameAt(0), QStringLiteral("b"));
    QCOMPARE(model.nameAt(1), QString());
    model.update({});
    QCOMPARE(model.rowCount(), 0);
}

void TestFaultsPage::proxyAndToxics() {
    NatsServerProcess server;
    VERIFY_OK(server.start());
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(server.url()));
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected(), 10000);
    w.showPage(MainWindow::Page::Faults);
    QCOMPARE(w.currentPage(), MainWindow::Page::Faults);
    FaultsPage* page = w.faultsPage();
    QAbstractItemModelTester tester(page->toxicModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Toxics need the proxy first.
    faults::Toxic slow;
    slow.name = QStringLiteral("slow");
    slow.kind = faults::ToxicKind::Latency;
    slow.latencyMs = 100;
    QVERIFY(!page->addToxic(slow).ok());

    QVERIFY2(page->startProxy(), qPrintable(page->statusText()));
    const QString proxyPort = QString::number(page->proxy()->port());
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected() &&
                                 w.connection()->currentServer().endsWith(proxyPort),
                             10000);
    QVERIFY(rttMs(w.connection()) < 50);
    VERIFY_OK(page->addToxic(slow));
    QCOMPARE(page->toxicModel()->rowCount(), 1);
    QCOMPARE(page->toxicModel()->nameAt(0), QStringLiteral("slow"));
    const double slowed = rttMs(w.connection());
    QVERIFY2(slowed >= 90 && slowed < 200, qPrintable(QString::number(slowed)));
    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_faultspage
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        faults::Toxic cut;
        cut.name = QStringLiteral("thin");
        cut.kind = faults::ToxicKind::Bandwidth;
        cut.direction = faults::Direction::Upstream;
        cut.rateBytesPerSec = 64 * 1024;
        cut.toxicity = 0.5;
        cut.enabled = false;
        VERIFY_OK(page->addToxic(cut));
        page->refresh();
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-faults.png")));
        page->removeToxic(QStringLiteral("thin"));
    }
    // Off from the table's checkbox: fast again.
    QVERIFY(page->toxicModel()->setData(page->toxicModel()->index(0, ToxicsModel::EnabledColumn),
                                        Qt::Unchecked, Qt::CheckStateRole));
    QVERIFY(!page->proxy()->toxics().first().enabled);
    QVERIFY(rttMs(w.connection()) < 50);

    // Down: the console reconnects until the proxy is up again.
    page->setProxyDown(true);
    QTRY_VERIFY_WITH_TIMEOUT(w.connection()->state() != ConnectionState::Connected, 5000);
    page->setProxyDown(false);
    QTRY_VERIFY_WITH_TIMEOUT(w.connection()->isConnected(), 10000);

    // A malformed line: the server's -ERR, and the console reconnects by itself.
    const quint64 before = w.connection()->health().reconnects;
    page->sendMalformedLine();
    QTRY_VERIFY_WITH_TIMEOUT(
        w.connection()->health().reconnects > before && w.connection()->isConnected(), 10000);
    // Back to the server directly.
    page->stopProxy();
    QTRY_VERIFY_WITH_TIMEOUT(
        w.connection()->isConnected() &&
            w.connection()->currentServer().endsWith(QString::number(server.port())),
        10000);
    // started, toxic on, off, down, up, stopped
    QTRY_VERIFY_WITH_TIMEOUT(faultEvents(w) >= 6, 2000);
    // ... and each is marked on the connection page's charts, starts and ends, when it is
    // shown (a hidden page does not draw).
    QVERIFY(w.faultMarks()->marks().size() >= 6);
    QVERIFY(std::any_of(w.faultMarks()->marks().cbegin(), w.faultMarks()->marks().cend(),
                        [](const FaultMark& m) { return !m.start; }));
    w.showPage(MainWindow::Page::Connection);
    QTRY_VERIFY_WITH_TIMEOUT(w.connectionPage()->visibleFaultMarks() >= 6, 3000);
    // The chart's CSV carries data, not marks.
    const QByteArray csv = chartToCsv(w.findChildren<QChartView*>().first()->chart(), "s");
    QVERIFY(!csv.contains("toxic"));
}

void TestFaultsPage::demoServerKilledAndRestarted() {
    DemoSession demo;
    VERIFY_OK(demo.start());
    MainWindow w;
    w.show();
    w.attachDemo(demo);
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected(), 10000);
    FaultsPage* page = w.faultsPage();
    QVERIFY(!page->killServer(5).ok()); // no such server
    VERIFY_OK(page->killServer(0));
    QTRY_VERIFY_WITH_TIMEOUT(w.connection()->state() != ConnectionState::Connected, 5000);
    VERIFY_OK(page->restartServer(0));
    QTRY_VERIFY_WITH_TIMEOUT(w.connection()->isConnected(), 15000);
    QVERIFY(w.connection()->health().reconnects >= 1);
    QVERIFY(faultEvents(w) >= 2);
}

void TestFaultsPage::jetStreamFaults() {
    DemoSession demo;
    VERIFY_OK(demo.start());
    MainWindow w;
    w.show();
    w.attachDemo(demo);
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected(), 10000);
    FaultsPage* page = w.faultsPage();
    QCOMPARE(page->findChild<QComboBox*>(QStringLiteral("jsStream"))->currentText(),
             DemoSession::streamName());
    // A consumer of our own on the demo's stream that nobody else reads.
    const js::JetStream js(w.connection());
    js::ConsumerConfig drill;
    drill.durableName = QStringLiteral("drill");
    drill.ackWaitNs = 60LL * 1000 * 1000 * 1000;
    QVERIFY(js.addConsumer(DemoSession::streamName(), drill));
    QTRY_VERIFY_WITH_TIMEOUT(
        js.consumerInfo(DemoSession::streamName(), QStringLiteral("drill")).value().numPending >=
            10,
        10000);
    QSignalSpy done(page, &FaultsPage::jetStreamFaultDone);
    const int faultsBefore = faultEvents(w);

    faults::ConsumerFault f;
    f.kind = faults::ConsumerFaultKind::WithholdAcks;
    f.stream = DemoSession::streamName();
    f.consumer = QStringLiteral("drill");
    f.count = 5;
    QVERIFY(page->injectConsumerFault(f));
    QVERIFY(!page->injectConsumerFault(f)); // one at a time
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 10000);
    QVERIFY2(done[0][0].toBool(), qPrintable(done[0][1].toString()));
    QVERIFY2(done[0][1].toString().contains(QStringLiteral("5 message(s) taken")),
             qPrintable(done[0][1].toString()));
    QCOMPARE(js.consumerInfo(f.stream, f.consumer).value().numAckPending, 5);

    f.kind = faults::ConsumerFaultKind::NakBurst;
    QVERIFY(page->injectConsumerFault(f));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 10000);
    QVERIFY2(done[1][1].toString().contains(QStringLiteral("5 answered")),
             qPrintable(done[1][1].toString()));

    // Bad targets: a push consumer, a consumer that does not exist, a step-down on a server
    // that is not clustered; each says why.
    f.kind = faults::ConsumerFaultKind::Term;
    f.consumer = QStringLiteral("billing");
    QVERIFY(page->injectConsumerFault(f));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 3, 10000);
    QVERIFY(!done[2][0].toBool());
    QVERIFY2(done[2][1].toString().contains(QStringLiteral("push consumer")),
             qPrintable(done[2][1].toString()));
    QVERIFY(page->statusText().contains(QStringLiteral("push consumer")));
    f.consumer = QStringLiteral("ghost");
    QVERIFY(page->injectConsumerFault(f));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 4, 10000);
    QVERIFY(!done[3][0].toBool());
    QVERIFY(page->stepDownLeader(DemoSession::streamName()));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 5, 10000);
    QVERIFY(!done[4][0].toBool());
    QVERIFY(!page->stepDownLeader(QString()));
    QVERIFY(page->statusText().contains(QStringLiteral("Name the stream")));
    // The two that worked are in the event log.
    QCOMPARE(faultEvents(w), faultsBefore + 2);
}

void TestFaultsPage::liveSystemAsksFirst() {
    // Not the demo: a JetStream fault touches somebody's stream. The page asks, naming the
    // stream, the consumer and the action; "no" leaves the consumer as it was.
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(server->url()));
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected(), 10000);
    const js::JetStream js(w.connection());
    VERIFY_OK(makeStreamWithConsumer(w.connection(), QStringLiteral("LIVE"), "live.x",
                                     QStringLiteral("payments"), 5));

    QStringList asked;
    bool answer = false;
    Confirm::setAnswer([&](const QString& q) {
        asked << q;
        return answer;
    });
    FaultsPage* page = w.faultsPage();
    QSignalSpy done(page, &FaultsPage::jetStreamFaultDone);
    faults::ConsumerFault f;
    f.kind = faults::ConsumerFaultKind::Term;
    f.stream = QStringLiteral("LIVE");
    f.consumer = QStringLiteral("payments");
    f.count = 3;
    QVERIFY(!page->injectConsumerFault(f));
    QCOMPARE(asked.size(), 1);
    QVERIFY2(asked[0].contains(QStringLiteral("LIVE > payments")) &&
                 asked[0].contains(faults::consumerFaultName(f.kind)),
             qPrintable(asked[0]));
    QVERIFY(page->statusText().contains(QStringLiteral("not done")));
    QVERIFY(holdsFor(300, [&] { return done.isEmpty(); })); // not confirmed: nothing runs
    QCOMPARE(js.consumerInfo(f.stream, f.consumer).value().numPending, qint64(5));

    answer = true;
    QVERIFY(page->injectConsumerFault(f));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 10000);
    QVERIFY2(done[0][0].toBool(), qPrintable(done[0][1].toString()));
    QCOMPARE(js.consumerInfo(f.stream, f.consumer).value().numPending, qint64(2));
    Confirm::setAnswer({});
}

QTEST_MAIN(TestFaultsPage)
#include "tst_faultspage.moc"
