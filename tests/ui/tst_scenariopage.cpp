// The scenarios page, offscreen: shipped scenarios listed, a malformed file refused with its
// line and field, a run on fresh servers followed step by step to its verdict and report, a
// run on the demo's own server that kills and restarts it (the console sees the fault), and
// a run stopped half way.
#include "core/demo/demosession.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/scenariostepmodel.h"
#include "ui/pages/scenariopage.h"
#include "ui/widgets/confirm.h"

#include "core/jetstream/jetstream.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QtTest>

using namespace jetdeck;
using jetdeck::test::writeFile;

namespace {

bool logContains(MainWindow& w, const QString& text) {
    EventLogModel* m = w.eventModel();
    for (int r = 0; r < m->rowCount(); ++r)
        for (int c = 0; c < m->columnCount(); ++c)
            if (m->index(r, c).data().toString().contains(text))
                return true;
    return false;
}

} // namespace

class TestScenarioPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void loading();
    void runOnFreshServers();
    void runOnTheDemo();
    void stopHalfWay();
    void liveSystemAsksFirst();
};

void TestScenarioPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_scenariopage"));
}

void TestScenarioPage::loading() {
    MainWindow w;
    w.show();
    w.showPage(MainWindow::Page::Scenarios);
    QCOMPARE(w.currentPage(), MainWindow::Page::Scenarios);
    ScenarioPage* page = w.scenarioPage();
    // Loading replaces every row: the model must keep Qt's rules while it does.
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto* choice = page->findChild<QComboBox*>(QStringLiteral("scenarioChoice"));
    QVERIFY(choice->count() >= 4);
    QVERIFY(page->scenario().has_value()); // the first built-in is ready to run
    QCOMPARE(page->model()->rowCount(), int(page->scenario()->steps.size()));

    QTemporaryDir dir;
    const QString bad = writeFile(dir, QStringLiteral("bad.json"),
                                  "{\n  \"steps\": [\n    {\"step\": \"wait\", \"duration\": "
                                  "\"soon\"}\n  ]\n}\n");
    QVERIFY(!page->loadScenario(bad));
    QVERIFY2(page->statusText().contains(QStringLiteral("bad.json:3: steps[0].duration")),
             qPrintable(page->statusText()));
    const QString good = writeFile(dir, QStringLiteral("good.json"),
                                   R"({"name": "good", "steps": [
                                       {"step": "wait", "duration": "10ms"},
                                       {"step": "assert", "check": "reconnects", "at_most": 0}]})");
    QVERIFY(page->loadScenario(good));
    QCOMPARE(page->model()->rowCount(), 2);
    QCOMPARE(page->model()->index(0, ScenarioStepModel::LineColumn).data().toInt(), 2);
    QCOMPARE(choice->currentText(), QStringLiteral("good.json"));
    // Not connected: the console's servers are no target yet.
    page->setTarget(ScenarioPage::Target::ConsoleServers);
    QVERIFY(!page->start());
    QVERIFY(page->statusText().contains(QStringLiteral("not connected")));
}

void TestScenarioPage::runOnFreshServers() {
    MainWindow w;
    w.show();
    w.showPage(MainWindow::Page::Scenarios);
    ScenarioPage* page = w.scenarioPage();
    // A run changes rows as its steps go: the model must keep Qt's rules while it does.
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(page->loadScenario(QStringLiteral("integration")));
    page->setTarget(ScenarioPage::Target::FreshServers);
    QSignalSpy finished(page, &ScenarioPage::runFinished);
    QVERIFY(page->start());
    QVERIFY(page->isRunning());
    QVERIFY(!page->loadScenario(QStringLiteral("performance"))); // not while running
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
    QVERIFY(!page->isRunning());
    QVERIFY(page->lastReport().has_value());
    QVERIFY2(page->lastReport()->passed(), qPrintable(test::failedSteps(*page->lastReport())));
    QVERIFY(page->verdictText().contains(QStringLiteral("PASSED")));
    const int rows = page->model()->rowCount();
    QCOMPARE(rows, int(page->lastReport()->steps.size()));
    for (int r = 0; r < rows; ++r) {
        const QString status =
            page->model()->index(r, ScenarioStepModel::StatusColumn).data().toString();
        QVERIFY2(status == QLatin1String("passed") || status == QLatin1String("done"),
                 qPrintable(status));
    }
    QVERIFY(logContains(w, QStringLiteral("scenario integration: passed")));
    QTemporaryDir dir;
    const QString report = dir.filePath(QStringLiteral("r.json"));
    VERIFY_OK(page->saveReport(report));
    QFile f(report);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("passed")).toBool(),
             true);
}

void TestScenarioPage::runOnTheDemo() {
    DemoSession demo;
    VERIFY_OK(demo.start());
    MainWindow w;
    w.show();
    w.attachDemo(demo);
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected(), 10000);
    ScenarioPage* page = w.scenarioPage();
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("outage.json"), R"({
  "name": "outage",
  "connection": {"reconnect_delay_ms": 100},
  "streams": [{"name": "OUTAGE", "subjects": ["outage.>"], "storage": "file"}],
  "steps": [
    {"step": "publish", "name": "before", "subject": "outage.a", "mode": "js-sync", "count": 20},
    {"step": "fault", "type": "kill_server", "server": 1, "duration": "1500ms"},
    {"step": "wait", "duration": "2s"},
    {"step": "assert", "check": "connected", "within": "10s"},
    {"step": "assert", "check": "reconnects", "at_least": 1},
    {"step": "assert", "check": "stream_messages", "stream": "OUTAGE", "at_least": 20, "within": "10s"}
  ]
})");
    QVERIFY(page->loadScenario(path));
    // A demo with enough servers is the default target: the effects show on every page.
    QCOMPARE(page->target(), ScenarioPage::Target::ConsoleServers);
    QSignalSpy finished(page, &ScenarioPage::runFinished);
    QVERIFY(page->start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
    QVERIFY2(page->lastReport()->passed(), qPrintable(test::failedSteps(*page->lastReport())));
    QVERIFY(demo.server()->isRunning());
    // The console's own connection lived through it, and the fault is in its log.
    QVERIFY(logContains(w, QStringLiteral("scenario: server")));
    QTRY_VERIFY_WITH_TIMEOUT(w.connection()->isConnected(), 15000);
    QVERIFY(w.connection()->health().reconnects >= 1);
    // The stream the run made is gone again.
    const js::JetStream js(w.connection());
    QCOMPARE(js.streamInfo(QStringLiteral("OUTAGE")).error().kind, ErrorKind::NotFound);
}

void TestScenarioPage::stopHalfWay() {
    MainWindow w;
    w.show();
    ScenarioPage* page = w.scenarioPage();
    QVERIFY(page->loadScenario(QStringLiteral("connection-failure")));
    page->setTarget(ScenarioPage::Target::FreshServers);
    QSignalSpy finished(page, &ScenarioPage::runFinished);
    QVERIFY(page->start());
    QTRY_VERIFY_WITH_TIMEOUT(page->model()->runningRow() >= 2, 15000);
    page->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY(page->lastReport()->cancelled);
    QVERIFY(page->verdictText().contains(QStringLiteral("STOPPED")));
    const int last = page->model()->rowCount() - 1;
    QCOMPARE(page->model()->index(last, ScenarioStepModel::StatusColumn).data().toString(),
             QStringLiteral("skipped"));
    // And a window closed in the middle of a run does not hang or crash.
    QVERIFY(page->start());
    QTest::qWait(500); // mid-run when the window closes
}

void TestScenarioPage::liveSystemAsksFirst() {
    // On the console's own servers, not the demo: a scenario that would terminate messages of
    // a consumer it does not create runs only after a question naming it; "no" runs nothing.
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(server->url()));
    QTRY_VERIFY_WITH_TIMEOUT(w.connection() && w.connection()->isConnected(), 10000);
    const js::JetStream js(w.connection());
    VERIFY_OK(test::makeStreamWithConsumer(w.connection(), QStringLiteral("LIVE"), "live.x",
                                           QStringLiteral("payments"), 1));

    QTemporaryDir dir;
    const QString file =
        writeFile(dir, QStringLiteral("drill.json"), R"({"name": "drill", "steps": [
        {"step": "fault", "type": "term", "stream": "LIVE", "consumer": "payments", "count": 1}]})");
    ScenarioPage* page = w.scenarioPage();
    QVERIFY(page->loadScenario(file));
    page->setTarget(ScenarioPage::Target::ConsoleServers);
    QStringList asked;
    Confirm::setAnswer([&](const QString& q) {
        asked << q;
        return false;
    });
    QVERIFY(!page->start());
    QVERIFY(!page->isRunning());
    QCOMPARE(asked.size(), 1);
    QVERIFY2(asked[0].contains(QStringLiteral("term on LIVE > payments")), qPrintable(asked[0]));
    QVERIFY(page->statusText().contains(QStringLiteral("Not run")));
    QCOMPARE(js.consumerInfo(QStringLiteral("LIVE"), QStringLiteral("payments")).value().numPending,
             qint64(1));
    Confirm::setAnswer({});
}

QTEST_MAIN(TestScenarioPage)
#include "tst_scenariopage.moc"
