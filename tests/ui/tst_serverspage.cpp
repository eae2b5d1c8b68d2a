// The servers page against a real three-server cluster with a system account: every server
// on its row with the numbers its own /varz has (within one poll), the meta group, a killed
// server marked within two seconds (and in the log), its row back after a restart; a user
// outside the system account is told what is needed. The model under
// QAbstractItemModelTester.
#include "core/system/systemmonitor.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/servertablemodel.h"
#include "ui/pages/serverspage.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTableView>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

constexpr int kWaitMs = 20000;

QString cell(const ServerTableModel* m, const QString& server, int column) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, ServerTableModel::NameColumn).data().toString() == server)
            return m->index(r, column).data().toString();
    return {};
}

} // namespace

class TestServersPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyServerAsItsVarzSays();
    void outsideTheSystemAccount();

private:
    std::vector<std::unique_ptr<NatsServerProcess>> m_servers;
};

void TestServersPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_serverspage"));
    QSettings().clear();
    VERIFY_OK(startSystemCluster(3, &m_servers, QStringLiteral("deck")));
}

void TestServersPage::everyServerAsItsVarzSays() {
    MainWindow w;
    w.resize(1300, 800);
    w.show();
    ServersPage* page = w.serversPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(m_servers[0]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    // Nothing is watched before somebody looks.
    QVERIFY(!w.session()->systemMonitor());
    w.showPage(MainWindow::Page::Servers);
    QVERIFY(w.session()->systemMonitor());
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 3, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(page->metaText().contains(QStringLiteral("meta group deck")) &&
                                 !page->metaText().contains(QStringLiteral("NONE")),
                             kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(page->statusText().startsWith(QStringLiteral("3 of 3 server(s)")),
                             kWaitMs);
    // Each row shows what the server's own /varz says, within one poll.
    for (const auto& s : m_servers) {
        const QString name = s->config().name;
        QTRY_COMPARE_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn),
                                  QStringLiteral("ok"), kWaitMs);
        QCOMPARE(cell(page->model(), name, ServerTableModel::VersionColumn),
                 QStringLiteral("2.9.10"));
        QCOMPARE(cell(page->model(), name, ServerTableModel::ClusterColumn),
                 QStringLiteral("deck"));
        const auto varz = [&] {
            bool ok = false;
            return QJsonDocument::fromJson(httpGet(s->config().monitorPort, "/varz", &ok)).object();
        };
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(page->model(), name, ServerTableModel::ConnectionsColumn),
            QString::number(varz().value(QStringLiteral("connections")).toInt()), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::RoutesColumn),
                                  QString::number(varz().value(QStringLiteral("routes")).toInt()),
                                  kWaitMs);
        QVERIFY(cell(page->model(), name, ServerTableModel::JsMemoryColumn).contains(u'/'));
    }
    // The chart follows the chosen server.
    page->view()->selectRow(1);
    const QString chosen =
        page->view()->model()->index(1, ServerTableModel::NameColumn).data().toString();
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        QTest::qWait(15000); // some chart points
        QVERIFY(w.grab().save(dir + QStringLiteral("/console-servers.png")));
    }
    QVERIFY(!chosen.isEmpty());

    // Kill one we are not connected to: marked within two seconds, and in the log.
    NatsServerProcess* victim = m_servers[2].get();
    const QString name = victim->config().name;
    QElapsedTimer t;
    victim->kill();
    t.start();
    QTRY_VERIFY_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn)
                                 .startsWith(QStringLiteral("not answering")),
                             5000);
    QVERIFY2(t.elapsed() < 2000, qPrintable(QStringLiteral("%1 ms").arg(t.elapsed())));
    QTRY_VERIFY(page->statusText().startsWith(QStringLiteral("2 of 3 server(s)")));
    QCOMPARE(cell(page->model(), name, ServerTableModel::ConnectionsColumn), QStringLiteral("–"));
    // The other two keep their numbers.
    QCOMPARE(cell(page->model(), m_servers[0]->config().name, ServerTableModel::StateColumn),
             QStringLiteral("ok"));
    VERIFY_OK(victim->restart());
    QTRY_COMPARE_WITH_TIMEOUT(cell(page->model(), name, ServerTableModel::StateColumn),
                              QStringLiteral("ok"), kWaitMs);
    QCOMPARE(page->model()->rowCount(), 3);
}

void TestServersPage::outsideTheSystemAccount() {
    MainWindow w;
    w.show();
    QVERIFY(
        w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(m_servers[1]->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(MainWindow::Page::Servers);
    QTRY_VERIFY_WITH_TIMEOUT(
        w.serversPage()->statusText().contains(QStringLiteral("not in the system account")),
        kWaitMs);
    QCOMPARE(w.serversPage()->model()->rowCount(), 0);
}

QTEST_MAIN(TestServersPage)
#include "tst_serverspage.moc"
