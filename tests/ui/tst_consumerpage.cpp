// The consumer page, offscreen, against a real nats-server with JetStream: live numbers from
// CONSUMER.INFO, fetch from a pull consumer, read a message (JSON, hex, headers, metadata),
// ack (num_ack_pending falls on the server and on the page), NAK (the redelivery shows its
// count), term with a reason (the server's advisory lands in the events list), MaxDeliver,
// a push consumer refusing fetch with a reason, and another service's worker measured by the
// server's ack samples (sample_freq set from the page) within 5 % of what the worker measured.

#include "core/base/clock.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/pullconsumer.h"
#include "core/metrics/registry.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/streamspage.h"
#include "ui/widgets/format.h"
#include "ui/widgets/messageviewer.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

#include <random>
#include <tuple>

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
    void everyWorkerSampledByTheServer();
    void nakBackoffGrowsWithDeliveries();
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
    // Exported by cause and delivery count, as the router did: three after a NAK, at 2.
    const auto exported = [&](const char* cause, const char* count) -> QByteArray {
        for (const QByteArray& line : m_window->session()->registry()->prometheusText().split('\n'))
            if (line.startsWith("jetdeck_jetstream_redeliveries_total{") &&
                line.contains("consumer=\"work\"") &&
                line.contains(QByteArray(QByteArray("cause=\"") + cause + '"')) &&
                line.contains(QByteArray(QByteArray("delivery_count=\"") + count + '"')))
                return line.mid(line.lastIndexOf(' ') + 1);
        return "missing";
    };
    QTRY_COMPARE_WITH_TIMEOUT(exported("nak", "2"), QByteArray("3"), 5000);
    QCOMPARE(exported("nak", "3"), QByteArray("0"));
    QCOMPARE(exported("ack_wait", "2"), QByteArray("0"));
    QCOMPARE(exported("nak", "10+"), QByteArray("0"));
}

// The NAK delay policy of the earlier router: a delay that grows with the delivery count.
void TestConsumerPage::nakBackoffGrowsWithDeliveries() {
    js::StreamConfig sc;
    sc.name = QStringLiteral("BACKOFF");
    sc.subjects = {QStringLiteral("backoff.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(sc).ok());
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("b");
    cc.ackWaitNs = 30LL * 1000000000LL;
    QVERIFY(m_js->addConsumer(QStringLiteral("BACKOFF"), cc).ok());
    QVERIFY(m_js->publish("backoff.job", "retry me").ok());

    ConsumerPage* page = m_window->consumerPage();
    m_window->showPage(MainWindow::Page::Consumer);
    page->openConsumer(QStringLiteral("BACKOFF"), QStringLiteral("b"));
    QVERIFY2(fetchOnce(1, 2000), qPrintable(page->statusText()));
    QCOMPARE(rowOf(1, 1), 0);

    js::NakDelayPolicy policy;
    policy.initialMs = 1500;
    policy.maxMs = 60000;
    policy.jitterPercent = 0;
    page->setNakBackoff(policy);
    QVERIFY(page->findChild<QSpinBox*>(QStringLiteral("nakMax"))->isVisibleTo(page));
    QCOMPARE(page->nakBackoff()->toString(), QStringLiteral("1.5s,1m0s,x2,0%"));
    QElapsedTimer sinceNak;
    sinceNak.start();
    selectRows({0});
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("nak")), Qt::LeftButton);
    QCOMPARE(
        rowsInState(QStringLiteral("NAKed (redeliver in %1, backoff)").arg(format::duration(1500))),
        QList<int>{0});
    // Not back before its delay; back after it, delivered twice.
    QVERIFY(fetchOnce(1, 700));
    QCOMPARE(rowOf(1, 2), -1);
    for (int i = 0; i < 5 && rowOf(1, 2) < 0; ++i)
        QVERIFY(fetchOnce(1, 2000));
    QVERIFY(rowOf(1, 2) >= 0);
    QVERIFY2(sinceNak.elapsed() >= 1300, qPrintable(QString::number(sinceNak.elapsed())));
    // The second NAK of the same message waits twice as long.
    selectRows({rowOf(1, 2)});
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("nak")), Qt::LeftButton);
    QCOMPARE(
        rowsInState(QStringLiteral("NAKed (redeliver in %1, backoff)").arg(format::duration(3000))),
        QList<int>{rowOf(1, 2)});
    // A fixed delay and "at once" are still there.
    page->setNakDelay(250);
    QVERIFY(!page->nakBackoff());
    QVERIFY(!page->findChild<QSpinBox*>(QStringLiteral("nakMax"))->isVisibleTo(page));
    page->setNakDelay(0);
    QVERIFY(!page->findChild<QSpinBox*>(QStringLiteral("nakDelay"))->isVisibleTo(page));
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

void TestConsumerPage::everyWorkerSampledByTheServer() {
    // Another service's consumer: the console never consumes from it.
    js::StreamConfig sc;
    sc.name = QStringLiteral("SAMPLED");
    sc.subjects = {QStringLiteral("sampled.>")};
    sc.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(sc).ok());
    js::ConsumerConfig svc;
    svc.durableName = QStringLiteral("svc");
    svc.ackWaitNs = 30LL * 1000000000LL;
    QVERIFY(m_js->addConsumer(QStringLiteral("SAMPLED"), svc).ok());
    constexpr int kJobs = 100;
    for (int i = 0; i < kJobs; ++i)
        QVERIFY(m_js->publish("sampled.job", "work").ok());

    ConsumerPage* page = m_window->consumerPage();
    m_window->showPage(MainWindow::Page::Consumer);
    page->openConsumer(QStringLiteral("SAMPLED"), QStringLiteral("svc"));
    QTRY_COMPARE_WITH_TIMEOUT(page->numberText(QStringLiteral("workersP95")),
                              QStringLiteral("not sampled"), 10000);
    // Sampling asked for from the page: the consumer's sample_freq changes, nothing else.
    QSignalSpy changed(page, &ConsumerPage::samplingChanged);
    page->setAckSampling(100, true);
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 10000);
    QVERIFY2(changed.first().at(0).toBool(), qPrintable(changed.first().at(1).toString()));
    Result<js::ConsumerInfo> info =
        m_js->consumerInfo(QStringLiteral("SAMPLED"), QStringLiteral("svc"));
    QVERIFY(info.ok());
    QCOMPARE(info->config.sampleFrequency, QStringLiteral("100%"));
    QCOMPARE(info->numPending, qint64(kJobs));
    QTRY_VERIFY_WITH_TIMEOUT(page->findChild<QLabel*>(QStringLiteral("config"))
                                 ->text()
                                 .contains(QStringLiteral("acks sampled at 100%")),
                             10000);

    // The worker: its own connection, its own clock; 40 to 120 ms per job. The server counts
    // from sending the message to the ack's arrival: the same span plus the loopback trips.
    ConnectionThread worker(optionsFor(m_server->url()));
    VERIFY_OK(worker->connectSync());
    js::JetStream wjs(worker.connection());
    js::PullConsumer pull(wjs, QStringLiteral("SAMPLED"), QStringLiteral("svc"));
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> work(40, 120);
    QList<quint64> measuredUs;
    for (int i = 0; i < kJobs; ++i) {
        js::FetchOptions fo;
        fo.batch = 1;
        fo.expiresMs = 2000;
        Result<js::FetchOutcome> got = pull.fetch(fo);
        QVERIFY2(got.ok() && got->messages.size() == 1, qPrintable(QString::number(i)));
        // From when the message reached this client (as JetDeck's own processing probe
        // counts) to the ack.
        QThread::msleep(work(rng));
        measuredUs << quint64((steadyNowNs() - got->messages.first().receivedNs()) / 1000);
        VERIFY_OK(got->messages.first().ack());
    }
    VERIFY_OK(worker->flushSync());

    // Every ack sampled, in the registry under ack_sampled; its percentiles within 5 % of the
    // worker's own (nearest rank).
    metrics::MetricsRegistry* reg = m_window->session()->registry();
    const metrics::Labels labels{{QStringLiteral("consumer"), QStringLiteral("svc")},
                                 {QStringLiteral("stream"), QStringLiteral("SAMPLED")}};
    const auto sampled = [&] {
        const auto snap = reg->probeSnapshot(QString::fromLatin1(metrics::probe::AckSampled),
                                             labels, metrics::Window::Last1m);
        return snap ? snap->percentiles : metrics::Percentiles{};
    };
    QTRY_COMPARE_WITH_TIMEOUT(sampled().count, quint64(kJobs), 10000);
    std::sort(measuredUs.begin(), measuredUs.end());
    const auto rank = [&](double p) {
        return measuredUs[qBound(0, int(std::ceil(p * kJobs)) - 1, kJobs - 1)];
    };
    const metrics::Percentiles server = sampled();
    for (const auto& [name, ours, theirs] :
         {std::tuple{"P50", rank(0.50), server.p50}, std::tuple{"P95", rank(0.95), server.p95},
          std::tuple{"P99", rank(0.99), server.p99}}) {
        const double off = std::abs(double(theirs) - double(ours)) / double(ours);
        qInfo("%s: the worker measured %llu us, the server's samples say %llu us (%.1f %% off)",
              name, ours, theirs, off * 100);
        QVERIFY2(off < 0.05, name);
    }
    // On the page, with where the number comes from.
    QTRY_VERIFY_WITH_TIMEOUT(
        page->numberText(QStringLiteral("workersP95")).endsWith(QStringLiteral("ms")), 10000);
    QVERIFY(page->findChild<QLabel*>(QStringLiteral("workersP95"))
                ->toolTip()
                .contains(QStringLiteral("$JS.EVENT.METRIC.CONSUMER.ACK.SAMPLED.svc")));
    QCOMPARE(page->numberText(QStringLiteral("processingP95")), QStringLiteral("–"));
    const auto metricsOf = [&] {
        for (const metrics::ConsumerMetrics& m : reg->consumers())
            if (m.stream == QLatin1String("SAMPLED") && m.consumer == QLatin1String("svc"))
                return m;
        return metrics::ConsumerMetrics{};
    };
    QCOMPARE(metricsOf().sampledAcks, quint64(kJobs));
    QCOMPARE(metricsOf().sampledRedelivered, quint64(0));
    // Exported: the samples by whether the message had been delivered before.
    bool exported = false;
    for (const QByteArray& line : reg->prometheusText().split('\n'))
        exported = exported || (line.startsWith("jetdeck_jetstream_sampled_acks_total{") &&
                                line.contains("consumer=\"svc\"") &&
                                line.contains("redelivered=\"false\"") && line.endsWith(" 100"));
    QVERIFY(exported);
    // The backpressure verdict judges another service's consumer on its workers' P95.
    QVERIFY(metricsOf().backpressure.level != metrics::BackpressureLevel::Unknown);

    // Stopped from the page: the server sends no more samples.
    page->setAckSampling(0, true);
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 2, 10000);
    QVERIFY2(changed.last().at(0).toBool(), qPrintable(changed.last().at(1).toString()));
    info = m_js->consumerInfo(QStringLiteral("SAMPLED"), QStringLiteral("svc"));
    QCOMPARE(info->config.sampleFrequency, QStringLiteral("0%"));
    QVERIFY(m_js->publish("sampled.job", "one more").ok());
    js::FetchOptions fo;
    fo.batch = 1;
    Result<js::FetchOutcome> last = pull.fetch(fo);
    QVERIFY(last.ok() && last->messages.size() == 1);
    VERIFY_OK(last->messages.first().ackSync());
    QVERIFY(holdsFor(1000, [&] { return metricsOf().sampledAcks == quint64(kJobs); }));
}

QTEST_MAIN(TestConsumerPage)
#include "tst_consumerpage.moc"
