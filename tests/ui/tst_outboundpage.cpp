// The outbound queue page, offscreen, against a real nats-server killed and restarted: what
// the client holds while the server is away, row by row, and where it went afterwards.

#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/outboundqueuemodel.h"
#include "ui/pages/outboundpage.h"
#include "ui/widgets/faultmarks.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

class TestOutboundPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void emptyWhileConnected();
    void holdsWhileAwayAndFlushes();
    void noConnection();

private:
    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestOutboundPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_outboundpage"));
    m_server = std::make_unique<NatsServerProcess>();
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QVERIFY(m_window->connectToUrls(m_server->url()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->connection() &&
                                 m_window->connection()->state() == ConnectionState::Connected,
                             10000);
    m_window->showPage(MainWindow::Page::Outbound);
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Outbound);
}

void TestOutboundPage::emptyWhileConnected() {
    OutboundPage* page = m_window->outboundPage();
    page->refresh();
    QCOMPARE(page->model()->rowCount(), 0);
    QVERIFY2(page->findChild<QLabel*>(QStringLiteral("queueNote"))
                 ->text()
                 .contains(QStringLiteral("nothing waits")),
             qPrintable(page->findChild<QLabel*>(QStringLiteral("queueNote"))->text()));
    QCOMPARE(page->counterText(QStringLiteral("mode")),
             QStringLiteral("fail-closed: refuse new ones"));
}

void TestOutboundPage::holdsWhileAwayAndFlushes() {
    OutboundPage* page = m_window->outboundPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    Connection* c = m_window->connection();
    m_server->kill();
    QTRY_VERIFY_WITH_TIMEOUT(c->state() != ConnectionState::Connected, 10000);
    for (int i = 0; i < 25; ++i)
        VERIFY_OK(c->publish("held.orders", QByteArray(100, 'x')));
    auto heldRows = [&] {
        int n = 0;
        for (int r = 0; r < page->model()->rowCount(); ++r)
            n += page->model()->index(r, OutboundQueueModel::SubjectColumn).data().toString() ==
                 QLatin1String("held.orders");
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(heldRows(), 25, 5000);
    // The streams page may have had a JetStream request on its way when the server went: it
    // waits in the queue too.
    const int held = page->model()->rowCount();
    QVERIFY2(held == 25 || held == 26, qPrintable(QString::number(held)));
    const int firstHeld =
        page->model()->index(0, OutboundQueueModel::SubjectColumn).data().toString() ==
                QLatin1String("held.orders")
            ? 0
            : 1;
    const QModelIndex first = page->model()->index(firstHeld, OutboundQueueModel::SubjectColumn);
    QCOMPARE(first.data().toString(), QStringLiteral("held.orders"));
    QCOMPARE(page->model()->index(firstHeld, OutboundQueueModel::KindColumn).data().toString(),
             QStringLiteral("publish"));
    QVERIFY(page->counterText(QStringLiteral("depth"))
                .startsWith(QStringLiteral("%1 of 10000 ops").arg(held)));
    QVERIFY(page->findChild<QLabel*>(QStringLiteral("queueNote"))
                ->text()
                .contains(QStringLiteral("%1 operation(s) wait").arg(held)));
    // 25 of 10000: under one percent.
    QCOMPARE(page->findChild<QProgressBar*>(QStringLiteral("queueFill"))->value(), 0);
    // Over time: the charts have the outage (a sample a second), with the console's fault marks.
    auto peak = [](const std::deque<QPointF>& pts) {
        double m = 0;
        for (const QPointF& p : pts)
            m = qMax(m, p.y());
        return m;
    };
    QTRY_VERIFY_WITH_TIMEOUT(peak(page->depthHistory()) >= 25, 5000);
    QVERIFY2(peak(page->depthHistory()) <= 26,
             qPrintable(QString::number(peak(page->depthHistory()))));
    QVERIFY2(peak(page->bytesHistory()) > 25 * 100 / 1024.0,
             qPrintable(QString::number(peak(page->bytesHistory()))));
    QTRY_VERIFY_WITH_TIMEOUT(page->oldestHistory().back().y() > 0, 5000);
    m_window->session()->faultMarks()->add(QStringLiteral("server killed"), true);
    QTRY_VERIFY_WITH_TIMEOUT(page->visibleFaultMarks() >= 1, 5000);
    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_outboundpage
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        m_window->resize(1100, 700);
        QTest::qWait(600);
        QVERIFY(m_window->grab().save(dir + QStringLiteral("/console-outbound.png")));
    }

    // Ages grow while they wait.
    const qlonglong age0 = page->model()
                               ->index(0, OutboundQueueModel::AgeColumn)
                               .data(OutboundQueueModel::SortRole)
                               .toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(page->model()
                                     ->index(0, OutboundQueueModel::AgeColumn)
                                     .data(OutboundQueueModel::SortRole)
                                     .toLongLong() > age0,
                             3000);

    // The server comes back: everything goes out, and the counters say so.
    VERIFY_OK(m_server->restart());
    QTRY_VERIFY_WITH_TIMEOUT(c->state() == ConnectionState::Connected, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 0, 5000);
    QCOMPARE(page->counterText(QStringLiteral("flushed")), QString::number(held));
    // ... and the charts come back down to nothing held.
    QTRY_COMPARE_WITH_TIMEOUT(page->depthHistory().back().y(), 0.0, 5000);
    QCOMPARE(page->bytesHistory().back().y(), 0.0);
    QCOMPARE(page->oldestHistory().back().y(), 0.0);
    QCOMPARE(page->counterText(QStringLiteral("expired")), QStringLiteral("0"));
    QCOMPARE(page->counterText(QStringLiteral("rejected")), QStringLiteral("0"));
}

void TestOutboundPage::noConnection() {
    OutboundPage page;
    page.refresh();
    QCOMPARE(page.model()->rowCount(), 0);
    QVERIFY(page.findChild<QLabel*>(QStringLiteral("queueNote"))
                ->text()
                .contains(QStringLiteral("Not connected")));
}

QTEST_MAIN(TestOutboundPage)
#include "tst_outboundpage.moc"
