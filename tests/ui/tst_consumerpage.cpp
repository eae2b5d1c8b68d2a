// The consumer page, offscreen, against a real nats-server with JetStream: live numbers from
// CONSUMER.INFO, fetch from a pull consumer, read a message (JSON, hex, headers, metadata),
// ack (num_ack_pending falls on the server and on the page), NAK (the redelivery shows its
// count), term with a reason (the server's advisory lands in the events list), MaxDeliver,
// and a push consumer refusing fetch with a reason.

#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/streamspage.h"
#include "ui/widgets/messageviewer.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

class TestConsumerPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void liveNumbers();
    void fetchReadAndAck();
    void nakThenRedelivered();
    void termAndMaxDeliverEvents();
    void pushConsumerRefusesFetch();
    void openedFromStreamsPage();
    void cleanupTestCase();

private:
    qint64 serverAckPending();
    void selectRows(const QList<int>& rows);
    QList<int> rowsInState(const QString& state);
    int rowOf(quint64 seq, quint64 delivered);
    bool fetchOnce(int count, int expiresMs);

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<Connection> m_check;
    std::unique_ptr<js::JetStream> m_js;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestConsumerPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_consumerpage"));
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    m_check = std::make_unique<Connection>(optionsFor(m_server->url()));
    VERIFY_OK(m_check->connectSync(5000));
    m_js = std::make_unique<js::JetStream>(m_check.get());
    js::StreamConfig sc;
    sc.name = QStringLiteral("CP");
    sc.subjects = {QStringLiteral("cp.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(sc).ok());
    js::ConsumerConfig work;
    work.durableName = QStringLiteral("work");
    work.ackWaitNs = 30LL * 1000000000LL;
    work.maxDeliver = 2;
    QVERIFY(m_js->addConsumer(QStringLiteral("CP"), work).ok());
    js::ConsumerConfig pushy;
    pushy.durableName = QStringLiteral("pushy");
    pushy.deliverSubject = QStringLiteral("deliver.cp.pushy");
    QVERIFY(m_js->addConsumer(QStringLiteral("CP"), pushy).ok());
    for (int i = 1; i <= 20; ++i) {
        Headers h;
        h.append("Order-Kind", "express");
        const QByteArray body = "{\"order\":" + QByteArray::number(i) + "}";
        QVERIFY(m_js->publish("cp.orders", body, {}, &h).ok());
    }

    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QVERIFY(m_window->connectToUrls(m_server->url()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->connection() &&
                                 m_window->connection()->state() == ConnectionState::Connected,
                             10000);
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_window->consumerPage()->messages(),
        QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->showPage(MainWindow::Page::Consumer);
}

void TestConsumerPage::cleanupTestCase() {
    m_tester.reset();
    m_window.reset();
    m_js.reset();
    m_check.reset();
}

qint64 TestConsumerPage::serverAckPending() {
    auto info = m_js->consumerInfo(QStringLiteral("CP"), QStringLiteral("work"));
    return info ? info->numAckPending : -1;
}

void TestConsumerPage::selectRows(const QList<int>& rows) {
    QTableView* view = m_window->consumerPage()->messageView();
    view->clearSelection();
    for (int r : rows)
        view->selectionModel()->select(view->model()->index(r, 0),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

QList<int> TestConsumerPage::rowsInState(const QString& state) {
    QList<int> out;
    auto* m = m_window->consumerPage()->messages();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, FetchedMessageModel::StateColumn).data().toString().startsWith(state))
            out.append(r);
    return out;
}

void TestConsumerPage::liveNumbers() {
    ConsumerPage* page = m_window->consumerPage();
    page->openConsumer(QStringLiteral("CP"), QStringLiteral("work"));
    QTRY_COMPARE_WITH_TIMEOUT(page->numberText(QStringLiteral("pending")), QStringLiteral("20"),
                              10000);
    QCOMPARE(page->numberText(QStringLiteral("ackPending")), QStringLiteral("0"));
    QVERIFY2(page->findChild<QLabel*>(QStringLiteral("config"))
                 ->text()
                 .contains(QStringLiteral("MaxDeliver 2")),
             qPrintable(page->findChild<QLabel*>(QStringLiteral("config"))->text()));
    QVERIFY(page->findChild<QPushButton*>(QStringLiteral("fetch"))->isEnabled());
    QVERIFY(!page->findChild<QPushButton*>(QStringLiteral("ack"))->isEnabled());
}

void TestConsumerPage::fetchReadAndAck() {
    ConsumerPage* page = m_window->consumerPage();
    QSignalSpy fetched(page, &ConsumerPage::fetched);
    QVERIFY(page->fetch(5, 2000));
    QVERIFY(page->isFetching());
    QVERIFY(fetched.wait(10000));
    QCOMPARE(fetched.first().first().toInt(), 5);
    QCOMPARE(page->messages()->rowCount(), 5);
    QCOMPARE(serverAckPending(), qint64(5));
    QTRY_COMPARE_WITH_TIMEOUT(page->numberText(QStringLiteral("ackPending")), QStringLiteral("5"),
                              5000);
    QCOMPARE(page->numberText(QStringLiteral("pending")), QStringLiteral("15"));

    // Read the first: JSON pretty-printed, headers, metadata.
    selectRows({0});
    MessageViewer* v = page->viewer();
    QVERIFY2(v->tabText(MessageViewer::JsonTab).contains(QStringLiteral("\"order\": 1")),
             qPrintable(v->tabText(MessageViewer::JsonTab)));
    QCOMPARE(v->tabs()->currentIndex(), int(MessageViewer::JsonTab));
    QVERIFY(v->tabText(MessageViewer::HeadersTab).contains(QStringLiteral("Order-Kind: express")));
    QVERIFY(v->tabText(MessageViewer::HexTab).startsWith(QStringLiteral("00000000  7b 22 6f")));
    QVERIFY2(v->metadataText().contains(QStringLiteral("stream seq: <b>1</b>")),
             qPrintable(v->metadataText()));

    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_consumerpage
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(m_window->grab().save(dir + QStringLiteral("/console-consumer.png")));

    // Ack two of them: the server's and the page's num_ack_pending fall to 3.
    selectRows({0, 1});
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("ack")), Qt::LeftButton);
    QCOMPARE(rowsInState(QStringLiteral("acked")), QList<int>({0, 1}));
    QTRY_COMPARE_WITH_TIMEOUT(serverAckPending(), qint64(3), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(page->numberText(QStringLiteral("ackPending")), QStringLiteral("3"),
                              5000);
}

int TestConsumerPage::rowOf(quint64 seq, quint64 delivered) {
    auto* m = m_window->consumerPage()->messages();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, FetchedMessageModel::SeqColumn).data().toString() == QString::number(seq) &&
            m->index(r, FetchedMessageModel::DeliveredColumn).data().toString() ==
                QString::number(delivered))
            return r;
    return -1;
}

bool TestConsumerPage::fetchOnce(int count, int expiresMs) {
    ConsumerPage* page = m_window->consumerPage();
    QSignalSpy fetched(page, &ConsumerPage::fetched);
    return page->fetch(count, expiresMs) && fetched.wait(10000);
}

void TestConsumerPage::nakThenRedelivered() {
    ConsumerPage* page = m_window->consumerPage();
    // No selection: NAK every message still pending (3).
    m_window->consumerPage()->messageView()->clearSelection();
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("nak")), Qt::LeftButton);
    QCOMPARE(rowsInState(QStringLiteral("NAKed")).size(), 3);
    // They come back delivered a second time. The server handles a NAK on its own time, so
    // a pull right after it may first get new messages: pull until all three are back.
    for (int i = 0; i < 5 && (rowOf(3, 2) < 0 || rowOf(4, 2) < 0 || rowOf(5, 2) < 0); ++i)
        QVERIFY(fetchOnce(3, 1000));
    QVERIFY(rowOf(3, 2) >= 0 && rowOf(4, 2) >= 0 && rowOf(5, 2) >= 0);
    // The delivery-count chart: the second deliveries of those three.
    QTRY_VERIFY_WITH_TIMEOUT(
        page->deliveryCountBars().value(0) >= 5 && page->deliveryCountBars().value(1) == 3, 5000);
}

void TestConsumerPage::termAndMaxDeliverEvents() {
    ConsumerPage* page = m_window->consumerPage();
    // Terminate seq 3 with a reason; NAK 4 and 5, their second delivery: MaxDeliver is 2.
    selectRows({rowOf(3, 2)});
    for (QLineEdit* e : page->findChildren<QLineEdit*>())
        if (e->placeholderText().startsWith(QStringLiteral("term reason")))
            e->setText(QStringLiteral("bad order"));
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("term")), Qt::LeftButton);
    QCOMPARE(rowsInState(QStringLiteral("terminated")), QList<int>({rowOf(3, 2)}));
    selectRows({rowOf(4, 2), rowOf(5, 2)});
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("nak")), Qt::LeftButton);
    // The server gives up on 4 and 5 when it would deliver them a third time; pulls ask.
    auto allThere = [&] {
        const QStringList lines = page->eventLines();
        const bool term = lines.filter(QStringLiteral("terminated: seq 3")).size() == 1;
        const bool max4 = lines.filter(QStringLiteral("MaxDeliver: seq 4 after 2")).size() == 1;
        const bool max5 = lines.filter(QStringLiteral("MaxDeliver: seq 5 after 2")).size() == 1;
        return term && max4 && max5;
    };
    for (int i = 0; i < 10 && !allThere(); ++i) {
        QVERIFY(fetchOnce(1, 500));
        QTest::qWait(200);
    }
    QTRY_VERIFY_WITH_TIMEOUT(allThere(), 5000);
    QVERIFY2(rowOf(4, 3) < 0 && rowOf(5, 3) < 0, "delivered past MaxDeliver");
}

void TestConsumerPage::pushConsumerRefusesFetch() {
    ConsumerPage* page = m_window->consumerPage();
    page->openConsumer(QStringLiteral("CP"), QStringLiteral("pushy"));
    QTRY_VERIFY_WITH_TIMEOUT(page->findChild<QLabel*>(QStringLiteral("config"))
                                 ->text()
                                 .startsWith(QStringLiteral("push to")),
                             10000);
    QVERIFY(!page->findChild<QPushButton*>(QStringLiteral("fetch"))->isEnabled());
    QVERIFY(!page->fetch(1));
    QVERIFY2(page->statusText().contains(QStringLiteral("push consumer")),
             qPrintable(page->statusText()));
    QCOMPARE(page->messages()->rowCount(), 0);
}

void TestConsumerPage::openedFromStreamsPage() {
    StreamsPage* streams = m_window->streamsPage();
    streams->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(streams->consumerList().size() == 2, 10000);
    QCOMPARE(streams->consumerList(),
             (QList<QPair<QString, QString>>{{QStringLiteral("CP"), QStringLiteral("pushy")},
                                             {QStringLiteral("CP"), QStringLiteral("work")}}));
    m_window->showPage(MainWindow::Page::Streams);
    emit streams->consumerActivated(QStringLiteral("CP"), QStringLiteral("work"));
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Consumer);
    QCOMPARE(m_window->consumerPage()->consumer(), QStringLiteral("work"));
    // The chooser offers both consumers.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->consumerPage()->findChild<QComboBox*>(QStringLiteral("chooser"))->count(), 2,
        5000);
}

QTEST_MAIN(TestConsumerPage)
#include "tst_consumerpage.moc"
