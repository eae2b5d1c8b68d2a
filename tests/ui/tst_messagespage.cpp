// The messages page, offscreen, against a real nats-server with JetStream: reaching it from the
// streams page, paging forward and back, starting by sequence, time, newest and the last of each
// subject, the viewer, that a work-queue consumer loses nothing while its stream is browsed,
// deleting a message only after a confirmation that names it, the jetdeck-cli commands, a
// published copy, the JSON lines export, and the form's bad input.
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/storedmessagemodel.h"
#include "ui/pages/messagespage.h"
#include "ui/pages/streamspage.h"
#include "ui/widgets/confirm.h"
#include "ui/widgets/messageviewer.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

QList<quint64> shownSeqs(MessagesPage* page) {
    QList<quint64> out;
    for (int r = 0; r < page->model()->rowCount(); ++r)
        out << page->model()->rowAt(r)->seq;
    return out;
}

QList<quint64> range(quint64 from, quint64 to) {
    QList<quint64> out;
    for (quint64 s = from; s <= to; ++s)
        out << s;
    return out;
}

} // namespace

class TestMessagesPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();
    void modelUnderTester();
    void browseFromTheStreamsPage();
    void startsAndFilters();
    void workersLoseNothing();
    void deleteAsksFirst();
    void commandsCopyAndExport();
    void badInput();

private:
    /// Reads what the form says and waits for the page; false when it failed.
    bool readForm();
    bool waitRead(const std::function<void()>& start);

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<ConnectionThread> m_client;
    std::unique_ptr<js::JetStream> m_js;
    std::unique_ptr<MainWindow> m_window;
    MessagesPage* m_page = nullptr;
};

void TestMessagesPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_messagespage"));
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    VERIFY_OK(m_server->start());
    m_client = std::make_unique<ConnectionThread>(fastOptions(m_server->url()));
    VERIFY_OK(m_client->connection()->connectSync(5000));
    m_js = std::make_unique<js::JetStream>(m_client->connection());
}

void TestMessagesPage::cleanupTestCase() {
    Confirm::setAnswer({});
}

void TestMessagesPage::init() {
    // ORDERS: 120 messages, orders.eu.N and orders.us.N, JSON with a header.
    js::StreamConfig c;
    c.name = QStringLiteral("ORDERS");
    c.subjects = {QStringLiteral("orders.>")};
    c.storage = js::StorageType::Memory;
    QVERIFY(m_js->addStream(c));
    for (int i = 0; i < 120; ++i) {
        Headers h;
        h.append("Order-Kind", i % 2 ? "express" : "standard");
        const QByteArray subject =
            QByteArray(i % 3 ? "orders.eu." : "orders.us.") + QByteArray::number(i % 7);
        const QByteArray body = QByteArray("{\"order\":") + QByteArray::number(i) + '}';
        js::PublishOptions po;
        auto ack = m_js->publish(subject, body, po, &h);
        QVERIFY2(ack, qPrintable(ack.error().toString()));
    }
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(m_window->connectToUrls(m_server->url()));
    m_page = m_window->messagesPage();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->streamsPage()->refreshes() > 0, 10000);
}

void TestMessagesPage::cleanup() {
    m_window.reset();
    m_page = nullptr;
    Confirm::setAnswer({});
    if (auto names = m_js->streamNames())
        for (const QString& n : names.value())
            m_js->deleteStream(n);
}

bool TestMessagesPage::waitRead(const std::function<void()>& start) {
    QSignalSpy read(m_page, &MessagesPage::pageRead);
    start();
    if (read.isEmpty() && !read.wait(10000))
        return false;
    return read.first().at(0).toBool();
}

bool TestMessagesPage::readForm() {
    return waitRead([this] { m_page->readFromForm(); });
}

void TestMessagesPage::modelUnderTester() {
    StoredMessageModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<js::StoredMessage> page;
    for (quint64 s : {3, 4, 9}) {
        js::StoredMessage m;
        m.seq = s;
        m.subject = QStringLiteral("a.%1").arg(s);
        m.data = QByteArray(int(s), 'x');
        m.time = QDateTime::currentDateTimeUtc();
        page << m;
    }
    model.setMessages(page);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(2, StoredMessageModel::SeqColumn).data().toString(), QStringLiteral("9"));
    QCOMPARE(model.index(2, StoredMessageModel::SizeColumn)
                 .data(StoredMessageModel::SortRole)
                 .toLongLong(),
             9);
    QPersistentModelIndex four(model.index(1, 0));
    page.removeFirst(); // the next read lost 3 and gained 10: 4 stays 4
    js::StoredMessage ten = page.last();
    ten.seq = 10;
    page << ten;
    model.setMessages(page);
    QVERIFY(four.isValid());
    QCOMPARE(four.data().toString(), QStringLiteral("4"));
    QCOMPARE(model.rowOfSequence(10), 2);
    QCOMPARE(model.rowOfSequence(3), -1);
    model.setMessages({});
    QCOMPARE(model.rowCount(), 0);
}

void TestMessagesPage::browseFromTheStreamsPage() {
    StreamsPage* streams = m_window->streamsPage();
    QTRY_VERIFY(streams->model()->indexOfStream(QStringLiteral("ORDERS")).isValid());
    auto* combo = m_page->findChild<QComboBox*>(QStringLiteral("messagesStream"));
    QTRY_COMPARE(combo->count(), 1); // the listing reached the chooser
    // The streams page's Messages button opens the stream here, on its first page.
    QSignalSpy read(m_page, &MessagesPage::pageRead);
    emit streams->messagesRequested(QStringLiteral("ORDERS"));
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Messages);
    QTRY_COMPARE_WITH_TIMEOUT(read.count(), 1, 10000);
    QVERIFY2(read.first().at(0).toBool(), qPrintable(m_page->statusText()));
    QCOMPARE(shownSeqs(m_page), range(1, 50));
    QVERIFY2(m_page->statusText().contains(QStringLiteral("sequences 1..50 of 1..120")),
             qPrintable(m_page->statusText()));
    // The first row is selected and shown: pretty JSON, headers, metadata.
    MessageViewer* v = m_page->viewer();
    QVERIFY2(v->tabText(MessageViewer::JsonTab).contains(QStringLiteral("\"order\": 0")),
             qPrintable(v->tabText(MessageViewer::JsonTab)));
    QVERIFY(v->tabText(MessageViewer::HeadersTab).contains(QStringLiteral("Order-Kind: standard")));
    QVERIFY2(v->metadataText().contains(QStringLiteral("ORDERS")), qPrintable(v->metadataText()));

    // Forward and back.
    QVERIFY(m_page->hasNext());
    QVERIFY(!m_page->hasPrevious());
    QVERIFY(waitRead([this] { m_page->readNext(); }));
    QCOMPARE(shownSeqs(m_page), range(51, 100));
    QVERIFY(waitRead([this] { m_page->readNext(); }));
    QCOMPARE(shownSeqs(m_page), range(101, 120));
    QVERIFY(!m_page->hasNext());
    QVERIFY(!m_page->findChild<QToolButton*>(QStringLiteral("messagesNext"))->isEnabled());
    QVERIFY(waitRead([this] { m_page->readPrevious(); }));
    QCOMPARE(shownSeqs(m_page), range(51, 100));
    QVERIFY(waitRead([this] { m_page->readPrevious(); }));
    QCOMPARE(shownSeqs(m_page), range(1, 50));
    QVERIFY(!m_page->hasPrevious());

    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_messagespage
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        m_page->view()->selectRow(3);
        QVERIFY(m_window->grab().save(dir + QStringLiteral("/console-messages.png")));
    }
}

void TestMessagesPage::startsAndFilters() {
    m_window->showPage(MainWindow::Page::Messages);
    auto* combo = m_page->findChild<QComboBox*>(QStringLiteral("messagesStream"));
    auto* from = m_page->findChild<QComboBox*>(QStringLiteral("messagesFrom"));
    auto* seq = m_page->findChild<QLineEdit*>(QStringLiteral("messagesSeq"));
    auto* since = m_page->findChild<QLineEdit*>(QStringLiteral("messagesSince"));
    auto* subject = m_page->findChild<QLineEdit*>(QStringLiteral("messagesSubject"));
    auto* count = m_page->findChild<QSpinBox*>(QStringLiteral("messagesCount"));
    combo->setCurrentText(QStringLiteral("ORDERS"));
    count->setValue(10);

    // From a sequence, with a wildcard filter: orders.us.* is every third (i % 3 == 0).
    from->setCurrentIndex(1);
    QVERIFY(seq->isVisibleTo(m_page));
    QVERIFY(!since->isVisibleTo(m_page));
    seq->setText(QStringLiteral("50"));
    subject->setText(QStringLiteral("orders.us.*"));
    QVERIFY2(readForm(), qPrintable(m_page->statusText()));
    QCOMPARE(shownSeqs(m_page), (QList<quint64>{52, 55, 58, 61, 64, 67, 70, 73, 76, 79}));
    QVERIFY(m_page->statusText().contains(QStringLiteral("subject orders.us.*")));

    // Since an hour ago: from the first one.
    from->setCurrentIndex(2);
    QVERIFY(since->isVisibleTo(m_page));
    since->setText(QStringLiteral("1h"));
    subject->clear();
    QVERIFY(readForm());
    QCOMPARE(shownSeqs(m_page), range(1, 10));
    // Since a minute from now: nothing, and the empty state says what to do.
    since->setText(QDateTime::currentDateTimeUtc().addSecs(60).toString(Qt::ISODate));
    QVERIFY(readForm());
    QCOMPARE(m_page->model()->rowCount(), 0);
    auto* empty = m_page->view()->viewport()->findChild<QLabel*>(QStringLiteral("emptyState"));
    QVERIFY(empty->isVisibleTo(m_page));
    QVERIFY2(empty->text().contains(QStringLiteral("No message matches")),
             qPrintable(empty->text()));

    // Newest ten.
    from->setCurrentIndex(3);
    QVERIFY(readForm());
    QCOMPARE(shownSeqs(m_page), range(111, 120));
    QVERIFY(!empty->isVisibleTo(m_page));

    // The last of each subject: orders.eu.0..6 and orders.us.0..6, in natural order.
    from->setCurrentIndex(4);
    count->setValue(5);
    QVERIFY(readForm());
    QCOMPARE(m_page->model()->rowCount(), 5);
    QCOMPARE(m_page->model()->rowAt(0)->subject, QStringLiteral("orders.eu.0"));
    QCOMPARE(m_page->lastPage().subjects, qint64(14));
    QVERIFY(waitRead([this] { m_page->readNext(); }));
    QCOMPARE(m_page->model()->rowAt(0)->subject, QStringLiteral("orders.eu.5"));
    QVERIFY2(m_page->statusText().contains(QStringLiteral("of 14")),
             qPrintable(m_page->statusText()));
}

// Browsing a work-queue stream must not take its workers' messages.
void TestMessagesPage::workersLoseNothing() {
    js::StreamConfig c;
    c.name = QStringLiteral("JOBS");
    c.subjects = {QStringLiteral("jobs.>")};
    c.storage = js::StorageType::Memory;
    c.retention = js::RetentionPolicy::WorkQueue;
    QVERIFY(m_js->addStream(c));
    js::ConsumerConfig w;
    w.durableName = QStringLiteral("workers");
    QVERIFY(m_js->addConsumer(QStringLiteral("JOBS"), w));
    for (int i = 0; i < 30; ++i)
        QVERIFY(m_js->publish("jobs.x", QByteArray::number(i)));
    auto before = m_js->consumerInfo(QStringLiteral("JOBS"), QStringLiteral("workers"));
    QVERIFY(before);
    m_window->showPage(MainWindow::Page::Messages);
    QVERIFY(waitRead([this] { m_page->openStream(QStringLiteral("JOBS")); }));
    QCOMPARE(m_page->model()->rowCount(), 30);
    auto* from = m_page->findChild<QComboBox*>(QStringLiteral("messagesFrom"));
    for (int i = 0; i < from->count(); ++i) {
        from->setCurrentIndex(i);
        m_page->findChild<QLineEdit*>(QStringLiteral("messagesSeq"))->setText(QStringLiteral("1"));
        m_page->findChild<QLineEdit*>(QStringLiteral("messagesSince"))
            ->setText(QStringLiteral("1h"));
        QVERIFY2(readForm(), qPrintable(m_page->statusText()));
        QVERIFY(m_page->model()->rowCount() > 0);
    }
    auto after = m_js->consumerInfo(QStringLiteral("JOBS"), QStringLiteral("workers"));
    QVERIFY(after);
    QCOMPARE(after->numPending, before->numPending);
    QCOMPARE(after->numAckPending, qint64(0));
    QCOMPARE(after->delivered.streamSeq, before->delivered.streamSeq);
    QCOMPARE(m_js->streamInfo(QStringLiteral("JOBS"))->state.messages, quint64(30));
    QCOMPARE(m_js->streamInfo(QStringLiteral("JOBS"))->state.consumerCount, 1);
}

void TestMessagesPage::deleteAsksFirst() {
    m_window->showPage(MainWindow::Page::Messages);
    QVERIFY(waitRead([this] { m_page->openStream(QStringLiteral("ORDERS")); }));
    QString asked;
    Confirm::setAnswer([&](const QString& q) {
        asked = q;
        return false;
    });
    QSignalSpy done(m_page, &MessagesPage::actionFinished);
    m_page->deleteMessage(7);
    QVERIFY2(asked.contains(QStringLiteral("message 7")) &&
                 asked.contains(QStringLiteral("ORDERS")) &&
                 asked.contains(QStringLiteral("orders.us.6")),
             qPrintable(asked));
    QTest::qWait(200);
    QCOMPARE(done.count(), 0); // "no": nothing sent
    QCOMPARE(m_js->streamInfo(QStringLiteral("ORDERS"))->state.messages, quint64(120));

    Confirm::setAnswer([](const QString&) { return true; });
    QSignalSpy read(m_page, &MessagesPage::pageRead);
    m_page->view()->selectRow(6);
    QTest::mouseClick(m_page->findChild<QToolButton*>(QStringLiteral("messagesDelete")),
                      Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
    QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
    QCOMPARE(m_js->streamInfo(QStringLiteral("ORDERS"))->state.messages, quint64(119));
    QVERIFY(!m_js->getMessage(QStringLiteral("ORDERS"), 7));
    // The page is read again without it.
    QTRY_COMPARE_WITH_TIMEOUT(read.count(), 1, 10000);
    QCOMPARE(m_page->model()->rowOfSequence(7), -1);
    QCOMPARE(m_page->model()->rowCount(), 50);
    QVERIFY2(m_page->statusText().startsWith(QStringLiteral("Deleted message 7 from ORDERS")),
             qPrintable(m_page->statusText()));
    // The same again: the server's answer, said.
    m_page->deleteMessage(7, true);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 10000);
    QVERIFY(!done.last().at(0).toBool());
    QVERIFY2(m_page->statusText().contains(QStringLiteral("not deleted")),
             qPrintable(m_page->statusText()));
}

void TestMessagesPage::commandsCopyAndExport() {
    m_window->showPage(MainWindow::Page::Messages);
    QVERIFY(waitRead([this] { m_page->openStream(QStringLiteral("ORDERS")); }));
    const quint16 port = m_server->port();
    QCOMPARE(
        m_page->getCommand(2),
        QStringLiteral("jetdeck-cli -s nats://127.0.0.1:%1 stream get ORDERS --seq 2").arg(port));
    QCOMPARE(m_page->pubCommand(2),
             QStringLiteral("jetdeck-cli -s nats://127.0.0.1:%1 pub orders.eu.1 --header "
                            "Order-Kind:express '{\"order\":1}'")
                 .arg(port));

    // The commands work: the get prints the message, the pub stores a copy.
    QByteArray output;
    QCOMPARE(run(QStringLiteral(JETDECK_CLI_PATH),
                 QProcess::splitCommand(m_page->getCommand(2)).mid(1), &output),
             0);
    QVERIFY2(output.contains("{\"order\":1}"), output.constData());

    // Publish an edited copy: a subject the stream takes stores it as message 121.
    QSignalSpy done(m_page, &MessagesPage::actionFinished);
    m_page->publishCopy(2, QStringLiteral("orders.eu.copy"), "{\"order\":1,\"copy\":true}");
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
    QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(m_js->streamInfo(QStringLiteral("ORDERS"))->state.messages,
                              quint64(121), 5000);
    auto copy = m_js->getMessage(QStringLiteral("ORDERS"), 121);
    QVERIFY(copy);
    QCOMPARE(copy->subject, QStringLiteral("orders.eu.copy"));
    QCOMPARE(copy->data, QByteArray("{\"order\":1,\"copy\":true}"));
    QCOMPARE(copy->headers.value("Order-Kind"), QByteArray("express"));
    // A bad subject is refused before anything is sent.
    m_page->publishCopy(2, QStringLiteral("orders.*"), "x");
    QCOMPARE(done.count(), 2);
    QVERIFY(!done.last().at(0).toBool());
    QVERIFY(m_page->statusText().startsWith(QStringLiteral("Subject:")));

    // Export: the selection, else the page, as JSON lines.
    QTemporaryDir dir;
    const QString all = dir.filePath(QStringLiteral("all.jsonl"));
    m_page->view()->clearSelection();
    VERIFY_OK(m_page->exportSelection(all));
    QFile f(all);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 50);
    const QJsonObject first = QJsonDocument::fromJson(lines.first()).object();
    QCOMPARE(first.value(QStringLiteral("seq")).toInt(), 1);
    QCOMPARE(first.value(QStringLiteral("stream")).toString(), QStringLiteral("ORDERS"));
    QCOMPARE(first.value(QStringLiteral("data")).toString(), QStringLiteral("{\"order\":0}"));
    m_page->view()->selectRow(4);
    m_page->view()->selectionModel()->select(
        m_page->model()->index(9, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(m_page->selectedSequences(), (QList<quint64>{5, 10}));
    const QString two = dir.filePath(QStringLiteral("two.jsonl"));
    VERIFY_OK(m_page->exportSelection(two));
    QFile g(two);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.readAll().trimmed().split('\n').size(), 2);
    // Somewhere it cannot write: said, nothing half-written.
    const Status bad = m_page->exportSelection(dir.filePath(QStringLiteral("no/such/dir/x.jsonl")));
    QVERIFY(!bad.ok());
    QVERIFY2(bad.message.contains(QStringLiteral("cannot write")), qPrintable(bad.message));
}

void TestMessagesPage::badInput() {
    m_window->showPage(MainWindow::Page::Messages);
    auto* combo = m_page->findChild<QComboBox*>(QStringLiteral("messagesStream"));
    auto* from = m_page->findChild<QComboBox*>(QStringLiteral("messagesFrom"));
    auto* seq = m_page->findChild<QLineEdit*>(QStringLiteral("messagesSeq"));
    auto* since = m_page->findChild<QLineEdit*>(QStringLiteral("messagesSince"));
    auto* subject = m_page->findChild<QLineEdit*>(QStringLiteral("messagesSubject"));
    struct Case {
        QString stream;
        int from;
        QString seq, since, subject;
        QString says;
    };
    const QList<Case> cases{
        {QString(), 0, {}, {}, {}, QStringLiteral("Choose a stream first")},
        {QStringLiteral("OR DERS"), 0, {}, {}, {}, QStringLiteral("stream name")},
        {QStringLiteral("NOPE"), 0, {}, {}, {}, QStringLiteral("NOPE: ")},
        {QStringLiteral("ORDERS"), 1, QStringLiteral("0"), {}, {}, QStringLiteral("Sequence:")},
        {QStringLiteral("ORDERS"), 1, QStringLiteral("x12"), {}, {}, QStringLiteral("Sequence:")},
        {QStringLiteral("ORDERS"),
         2,
         {},
         QStringLiteral("last week"),
         {},
         QStringLiteral("Since:")},
        {QStringLiteral("ORDERS"),
         0,
         {},
         {},
         QStringLiteral("orders..x"),
         QStringLiteral("subject filter")},
    };
    for (const Case& c : cases) {
        combo->setCurrentText(c.stream);
        from->setCurrentIndex(c.from);
        seq->setText(c.seq);
        since->setText(c.since);
        subject->setText(c.subject);
        QVERIFY2(!readForm(), qPrintable(c.says));
        QVERIFY2(m_page->statusText().contains(c.says),
                 qPrintable(c.says + QStringLiteral(" / ") + m_page->statusText()));
    }
    // Nothing destructive without a page: no stream, no message.
    Confirm::setAnswer([](const QString&) { return true; });
    m_page->deleteMessage(1);
    QCOMPARE(m_js->streamInfo(QStringLiteral("ORDERS"))->state.messages, quint64(120));
}

QTEST_MAIN(TestMessagesPage)
#include "tst_messagespage.moc"
