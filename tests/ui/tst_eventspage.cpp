// The events page against a real three-server cluster with a system account: the account's
// advisories are kept from the moment the console connects (before the page is ever shown),
// MaxDeliver and terminated messages of a worker the console does not run, filters by kind,
// by warnings and by text, the server's JSON of the chosen event, an export of what is shown,
// an unreadable advisory counted, a stream leader elected after its server is killed (also a
// mark on the charts), and a system account user seeing clients connect. The models under
// QAbstractItemModelTester.
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/systemeventmodel.h"
#include "ui/pages/eventspage.h"
#include "ui/widgets/faultmarks.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QSettings>
#include <QTableView>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

constexpr int kWaitMs = 20000;

Options as(const NatsServerProcess* s, const QString& user, const QString& name) {
    Options o = fastOptions(s->url());
    o.auth.user = user;
    o.auth.password = user;
    o.name = name;
    return o;
}

/// Rows of the page's (filtered) view whose kind column is `kind`.
int shownOfKind(const EventsPage* page, const QString& kind) {
    const QAbstractItemModel* m = page->view()->model();
    int n = 0;
    for (int r = 0; r < m->rowCount(); ++r)
        n += m->index(r, SystemEventModel::KindColumn).data().toString() == kind;
    return n;
}

int rowOf(const EventsPage* page, const QString& kind) {
    const QAbstractItemModel* m = page->view()->model();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, SystemEventModel::KindColumn).data().toString() == kind)
            return r;
    return -1;
}

} // namespace

class TestEventsPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void advisoriesLive();
    void systemUserSeesClients();

private:
    NatsServerProcess* server(int i) { return m_servers.at(size_t(i)).get(); }
    std::vector<std::unique_ptr<NatsServerProcess>> m_servers;
};

void TestEventsPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_eventspage"));
    QSettings().clear();
    VERIFY_OK(startSystemCluster(3, &m_servers, QStringLiteral("deck")));
}

void TestEventsPage::advisoriesLive() {
    MainWindow w;
    w.resize(1300, 800);
    w.show();
    EventsPage* page = w.eventsPage();
    QAbstractItemModelTester tester(page->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filterTester(page->filter(),
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(w.connectToUrls(QStringLiteral("nats://app:app@127.0.0.1:%1").arg(server(0)->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    VERIFY_OK(w.connection()->flushSync());

    // Somebody else's service: a stream, a consumer, and a worker that never acks "slow" and
    // terminates "bad". The page has not been shown yet.
    QStringList urls;
    for (const auto& s : m_servers)
        urls << s->url();
    Options service = fastOptions(urls.join(QLatin1Char(',')));
    service.auth.user = service.auth.password = QStringLiteral("app");
    service.name = QStringLiteral("orders-service");
    ConnectionThread app(service);
    VERIFY_OK(app->connectSync());
    js::JetStream js(app.connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("ORDERS");
    sc.subjects = {QStringLiteral("orders.>")};
    sc.replicas = 3;
    sc.storage = js::StorageType::Memory;
    VERIFY_OK(js::addStreamWhenReady(js, sc).error());
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("WORKER");
    cc.deliverSubject = QStringLiteral("deliver.orders.worker");
    cc.filterSubject = QStringLiteral("orders.new");
    cc.ackPolicy = js::AckPolicy::Explicit;
    cc.ackWaitNs = 300'000'000;
    cc.maxDeliver = 2;
    VERIFY_OK(js::addConsumerWhenReady(js, sc.name, cc).error());
    auto worker =
        app->subscribeInline("deliver.orders.worker", [c = app.connection()](const MsgView& m) {
            if (m.payload.startsWith("bad"))
                (void)c->publish(m.reply, "+TERM");
        });
    QVERIFY(worker);
    VERIFY_OK(app->flushSync());
    for (int i = 0; i < 3; ++i) {
        QVERIFY(js.publish("orders.new", QByteArray(QByteArray("slow-") + QByteArray::number(i))));
        QVERIFY(js.publish("orders.new", QByteArray(QByteArray("bad-") + QByteArray::number(i))));
    }
    QTRY_VERIFY_WITH_TIMEOUT(shownOfKind(page, QStringLiteral("max_deliver")) == 3, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(shownOfKind(page, QStringLiteral("terminated")) == 3, kWaitMs);
    QVERIFY(shownOfKind(page, QStringLiteral("stream_action")) >= 1);
    QVERIFY(shownOfKind(page, QStringLiteral("consumer_action")) >= 1);

    w.showPage(MainWindow::Page::Events);
    QTRY_VERIFY(page->statusText().contains(QStringLiteral("event(s) shown")));
    // The console's own listing of streams is audited by the server too: left out, counted.
    QTRY_VERIFY_WITH_TIMEOUT(page->statusText().contains(QStringLiteral("successful API")),
                             kWaitMs);

    // Filters: a kind, warnings and errors, words.
    auto* kind = page->findChild<QComboBox*>(QStringLiteral("eventsKind"));
    QVERIFY(kind);
    kind->setCurrentIndex(kind->findText(QStringLiteral("max_deliver")));
    QCOMPARE(page->view()->model()->rowCount(), 3);
    QVERIFY(page->statusText().startsWith(QStringLiteral("3 of ")));
    kind->setCurrentIndex(kind->findData(-2)); // warnings and errors
    for (int r = 0; r < page->view()->model()->rowCount(); ++r)
        QVERIFY(page->view()->model()->index(r, SystemEventModel::SeverityColumn).data() !=
                QStringLiteral("info"));
    QVERIFY(shownOfKind(page, QStringLiteral("terminated")) == 3);
    QCOMPARE(shownOfKind(page, QStringLiteral("stream_action")), 0);
    kind->setCurrentIndex(0);
    auto* text = page->findChild<QLineEdit*>(QStringLiteral("eventsFilter"));
    QVERIFY(text);
    text->setText(QStringLiteral("orders/worker"));
    const int workerRows = page->view()->model()->rowCount();
    QVERIFY2(workerRows >= 7, qPrintable(QString::number(workerRows))); // 3 + 3 + the consumer
    for (int r = 0; r < workerRows; ++r)
        QCOMPARE(page->view()->model()->index(r, SystemEventModel::WhereColumn).data().toString(),
                 QStringLiteral("ORDERS/WORKER"));
    text->clear();

    // The chosen event as the server sent it.
    page->view()->selectRow(rowOf(page, QStringLiteral("max_deliver")));
    QVERIFY2(page->detailText().contains(
                 QStringLiteral("\"type\": \"io.nats.jetstream.advisory.v1.max_deliver\"")),
             qPrintable(page->detailText()));
    QVERIFY(page->detailText().contains(QStringLiteral("\"deliveries\": 2")));

    // Export what is shown: one JSON object a line, the server's event inside.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("events.jsonl"));
    kind->setCurrentIndex(kind->findText(QStringLiteral("terminated")));
    VERIFY_OK(page->exportJsonLines(path));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    for (const QByteArray& line : lines) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QCOMPARE(o.value(QStringLiteral("kind")).toString(), QStringLiteral("terminated"));
        QCOMPARE(o.value(QStringLiteral("event")).toObject().value(QStringLiteral("stream")),
                 QJsonValue(QStringLiteral("ORDERS")));
    }
    kind->setCurrentIndex(0);

    // Anyone in the account may publish on the advisory subjects: not an event, counted.
    VERIFY_OK(app->publish("$JS.EVENT.ADVISORY.FAKE", "{oops"));
    QTRY_VERIFY_WITH_TIMEOUT(page->statusText().contains(QStringLiteral("1 unreadable")), kWaitMs);

    // The stream's leader is killed: a new one is elected, in the table and as a chart mark.
    auto info = js.streamInfo(sc.name);
    QVERIFY(info);
    NatsServerProcess* victim = nullptr;
    for (const auto& s : m_servers)
        if (s->config().name == info->cluster.leader)
            victim = s.get();
    QVERIFY(victim);
    // The console and the service know every server: whichever dies, they go on elsewhere.
    const int electedBefore = shownOfKind(page, QStringLiteral("stream_leader_elected"));
    victim->kill();
    QTRY_VERIFY_WITH_TIMEOUT(
        shownOfKind(page, QStringLiteral("stream_leader_elected")) > electedBefore, kWaitMs);
    const QList<FaultMark> marks = w.session()->faultMarks()->marks();
    QVERIFY(std::any_of(marks.cbegin(), marks.cend(), [](const FaultMark& m) {
        return m.event && m.label.startsWith(QLatin1String("stream_leader_elected ORDERS"));
    }));
    if (const QString shots = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !shots.isEmpty()) {
        page->view()->selectRow(rowOf(page, QStringLiteral("max_deliver")));
        QVERIFY(w.grab().save(shots + QStringLiteral("/console-events.png")));
    }
    VERIFY_OK(victim->restart());
    worker.value()->unsubscribe();
}

void TestEventsPage::systemUserSeesClients() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(QStringLiteral("nats://sys:sys@127.0.0.1:%1").arg(server(0)->port())));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    VERIFY_OK(w.connection()->flushSync());
    w.showPage(MainWindow::Page::Events);
    EventsPage* page = w.eventsPage();
    {
        ConnectionThread c(as(server(1), QStringLiteral("app"), QStringLiteral("billing")));
        VERIFY_OK(c->connectSync());
        c->closeSync();
    }
    QTRY_VERIFY_WITH_TIMEOUT(shownOfKind(page, QStringLiteral("client_connect")) >= 1, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(shownOfKind(page, QStringLiteral("client_disconnect")) >= 1, kWaitMs);
    auto* text = page->findChild<QLineEdit*>(QStringLiteral("eventsFilter"));
    text->setText(QStringLiteral("billing"));
    QTRY_VERIFY(page->view()->model()->rowCount() >= 2);
    for (int r = 0; r < page->view()->model()->rowCount(); ++r)
        QVERIFY(page->view()
                    ->model()
                    ->index(r, SystemEventModel::SummaryColumn)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("billing")));
}

QTEST_MAIN(TestEventsPage)
#include "tst_eventspage.moc"
