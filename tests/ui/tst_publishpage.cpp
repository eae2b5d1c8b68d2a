// The publish page, offscreen, against a real nats-server with JetStream: 1,000 messages
// published from the form land in the stream, a template and msg ids arrive as asked, a bad
// field blocks the run with a message naming it, a run stops on request, and the run table
// holds up under QAbstractItemModelTester while runs progress.

#include "core/jetstream/jetstream.h"
#include "core/metrics/registry.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/publishrunmodel.h"
#include "ui/pages/publishpage.h"
#include "ui/widgets/format.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

class TestPublishPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void invalidFieldsBlockTheRun_data();
    void invalidFieldsBlockTheRun();
    void thousandIntoTheStream();
    void templatesAndMsgIds();
    void coreRunStops();
    void cleanupTestCase();

private:
    void resetForm();
    void setMode(PublishMode mode);
    PublishSummary runAndWait(int timeoutMs = 30000);

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<Connection> m_check; ///< the test's own view of the stream
    std::unique_ptr<js::JetStream> m_js;
};

void TestPublishPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_publishpage"));
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    m_check = std::make_unique<Connection>(optionsFor(m_server->url()));
    VERIFY_OK(m_check->connectSync(5000));
    m_js = std::make_unique<js::JetStream>(m_check.get());
    js::StreamConfig sc;
    sc.name = QStringLiteral("PUBPAGE");
    sc.subjects = {QStringLiteral("page.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(sc).ok());

    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QVERIFY(m_window->connectToUrls(m_server->url()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->connection() &&
                                 m_window->connection()->state() == ConnectionState::Connected,
                             10000);
    m_window->showPage(MainWindow::Page::Publish);
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Publish);
}

void TestPublishPage::cleanupTestCase() {
    m_window.reset();
    m_js.reset();
    m_check.reset();
}

void TestPublishPage::resetForm() {
    PublishPage* page = m_window->publishPage();
    page->subjectEdit()->setText(QStringLiteral("page.orders"));
    setMode(PublishMode::Core);
    page->payloadEdit()->clear();
    page->headersEdit()->clear();
    page->msgIdEdit()->clear();
    page->sizeSpin()->setValue(-1);
    page->countSpin()->setValue(10);
    page->durationSpin()->setValue(0);
    page->rateSpin()->setValue(0);
    page->burstSpin()->setValue(1);
}

void TestPublishPage::setMode(PublishMode mode) {
    QComboBox* combo = m_window->publishPage()->modeCombo();
    combo->setCurrentIndex(combo->findData(int(mode)));
}

PublishSummary TestPublishPage::runAndWait(int timeoutMs) {
    PublishPage* page = m_window->publishPage();
    QSignalSpy done(page, &PublishPage::runFinished);
    QTest::mouseClick(page->publishButton(), Qt::LeftButton);
    if (!done.wait(timeoutMs) || done.isEmpty())
        return {};
    return done.first().first().value<PublishSummary>();
}

void TestPublishPage::invalidFieldsBlockTheRun_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty subject") << "subject"
                                   << ""
                                   << "Subject: enter";
    QTest::newRow("wildcard subject") << "subject"
                                      << "page.*"
                                      << "Subject:";
    QTest::newRow("header without colon") << "headers"
                                          << "Kind express"
                                          << "Headers: header 1";
    QTest::newRow("one msg id for many") << "msgId"
                                         << "fixed"
                                         << "Msg-Id: the same id";
    QTest::newRow("count and duration zero") << "count"
                                             << "0"
                                             << "Count: give";
    QTest::newRow("bigger than max_payload") << "size"
                                             << "2000000"
                                             << "max_payload";
}

void TestPublishPage::invalidFieldsBlockTheRun() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, message);
    resetForm();
    PublishPage* page = m_window->publishPage();
    if (field == QLatin1String("subject"))
        page->subjectEdit()->setText(value);
    else if (field == QLatin1String("headers"))
        page->headersEdit()->setPlainText(value);
    else if (field == QLatin1String("msgId"))
        page->msgIdEdit()->setText(value);
    else if (field == QLatin1String("count"))
        page->countSpin()->setValue(value.toInt());
    else if (field == QLatin1String("size"))
        page->sizeSpin()->setValue(value.toInt());
    const int runsBefore = page->runs()->rowCount();
    QTest::mouseClick(page->publishButton(), Qt::LeftButton);
    QVERIFY2(page->errorText().contains(message), qPrintable(page->errorText()));
    QVERIFY(!page->isRunning());
    QCOMPARE(page->runs()->rowCount(), runsBefore);
}

void TestPublishPage::thousandIntoTheStream() {
    resetForm();
    PublishPage* page = m_window->publishPage();
    QAbstractItemModelTester tester(page->runs(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    setMode(PublishMode::JetStreamAsync);
    page->countSpin()->setValue(1000);
    page->rateSpin()->setValue(2000); // half a second: progress shows while it runs
    page->sizeSpin()->setValue(256);
    const auto before = m_js->streamInfo(QStringLiteral("PUBPAGE"));
    QVERIFY(before);
    QSignalSpy done(page, &PublishPage::runFinished);
    QTest::mouseClick(page->publishButton(), Qt::LeftButton);
    QVERIFY2(page->isRunning(), qPrintable(page->errorText()));
    QVERIFY(!page->publishButton()->isEnabled());
    QVERIFY(done.wait(30000));
    const auto summary = done.first().first().value<PublishSummary>();
    QVERIFY2(summary.clean(), qPrintable(summary.toText()));
    QCOMPARE(summary.acked, qint64(1000));
    const auto after = m_js->streamInfo(QStringLiteral("PUBPAGE"));
    QVERIFY(after);
    QCOMPARE(after->state.messages - before->state.messages, quint64(1000));
    QCOMPARE(after->state.bytes > before->state.bytes, true);
    // The run's row says so, and the page shows the summary.
    const int row = page->runs()->rowCount() - 1;
    QCOMPARE(page->runs()->index(row, PublishRunModel::DoneColumn).data().toString(),
             format::count(1000) + QStringLiteral(" of ") + format::count(1000));
    QCOMPARE(page->runs()->index(row, PublishRunModel::ResultColumn).data().toString(),
             QStringLiteral("all delivered"));
    QVERIFY(page->runs()->index(row, PublishRunModel::P95Column).data().toString() !=
            QStringLiteral("–"));
    QVERIFY2(page->summaryText().contains(QStringLiteral("1000 acked")),
             qPrintable(page->summaryText()));
    QVERIFY(page->publishButton()->isEnabled());
    // The PubAck times reached the console's metrics, and the event log has the run.
    auto ackSamples = [&]() -> quint64 {
        const auto probe = m_window->metricsRegistry()->probeSnapshot(
            QStringLiteral("publish_ack"),
            {{QStringLiteral("subject"), QStringLiteral("page.orders")}}, metrics::Window::Last1m);
        return probe ? probe->percentiles.count : 0;
    };
    QTRY_COMPARE_WITH_TIMEOUT(ackSamples(), quint64(1000), 10000);
    bool logged = false;
    for (int r = 0; r < m_window->eventModel()->rowCount(); ++r)
        for (int c = 0; c < m_window->eventModel()->columnCount(); ++c)
            logged = logged || m_window->eventModel()->index(r, c).data().toString().contains(
                                   QStringLiteral("publish run"));
    QVERIFY(logged);

    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_publishpage
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        page->subjectEdit()->setText(QStringLiteral("page.orders"));
        page->payloadEdit()->setPlainText(QStringLiteral("{\"order\": {seq}, \"at\": {ts}}"));
        page->msgIdEdit()->setText(QStringLiteral("order-{seq}"));
        page->headersEdit()->setPlainText(QStringLiteral("Order-Kind: express"));
        QVERIFY(m_window->grab().save(dir + QStringLiteral("/console-publish.png")));
    }
}

void TestPublishPage::templatesAndMsgIds() {
    resetForm();
    PublishPage* page = m_window->publishPage();
    setMode(PublishMode::JetStreamSync);
    page->subjectEdit()->setText(QStringLiteral("page.tpl"));
    page->payloadEdit()->setPlainText(QStringLiteral("{\"order\": {seq}}"));
    page->headersEdit()->setPlainText(QStringLiteral("Order-Kind: express\nBatch: b-{seq}"));
    page->msgIdEdit()->setText(QStringLiteral("tpl-{seq}"));
    page->countSpin()->setValue(20);
    const PublishSummary first = runAndWait();
    QVERIFY2(first.clean(), qPrintable(first.toText()));
    QCOMPARE(first.acked, qint64(20));
    auto last = m_js->getLastMessage(QStringLiteral("PUBPAGE"), QStringLiteral("page.tpl"));
    QVERIFY2(last, qPrintable(last.error().toString()));
    QCOMPARE(last->data, QByteArrayLiteral("{\"order\": 20}"));
    QCOMPARE(last->headers.value("Nats-Msg-Id"), QByteArrayLiteral("tpl-20"));
    QCOMPARE(last->headers.value("Batch"), QByteArrayLiteral("b-20"));
    QVERIFY(last->headers.contains(kSentHeader)); // stamped by default
    // Again: the ids are known, the stream stores nothing new, the run says duplicates.
    const PublishSummary again = runAndWait();
    QCOMPARE(again.duplicates, qint64(20));
    QVERIFY2(page->summaryText().contains(QStringLiteral("20 duplicates")),
             qPrintable(page->summaryText()));
}

void TestPublishPage::coreRunStops() {
    resetForm();
    PublishPage* page = m_window->publishPage();
    QAbstractItemModelTester tester(page->runs(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    page->subjectEdit()->setText(QStringLiteral("core.slow"));
    page->countSpin()->setValue(0);
    page->durationSpin()->setValue(60);
    page->rateSpin()->setValue(50);
    QSignalSpy done(page, &PublishPage::runFinished);
    QTest::mouseClick(page->publishButton(), Qt::LeftButton);
    QVERIFY(page->isRunning());
    // Progress moves in the run's row while it runs.
    const int row = page->runs()->rowCount() - 1;
    QTRY_VERIFY_WITH_TIMEOUT(page->runs()
                                     ->index(row, PublishRunModel::ResultColumn)
                                     .data()
                                     .toString()
                                     .startsWith(QStringLiteral("running")) &&
                                 !page->runs()
                                      ->index(row, PublishRunModel::DoneColumn)
                                      .data()
                                      .toString()
                                      .startsWith(QStringLiteral("0 ")),
                             5000);
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("stop")), Qt::LeftButton);
    QVERIFY(done.wait(10000));
    const auto summary = done.first().first().value<PublishSummary>();
    QVERIFY(summary.stopped);
    QVERIFY(summary.attempted > 0 && summary.attempted < 3000);
    QCOMPARE(summary.sent, summary.attempted);
    QCOMPARE(page->runs()->index(row, PublishRunModel::ResultColumn).data().toString(),
             QStringLiteral("stopped"));
    QVERIFY(!page->isRunning());
}

QTEST_MAIN(TestPublishPage)
#include "tst_publishpage.moc"
