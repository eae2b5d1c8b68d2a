// The dashboard tells the truth: what the console shows equals the server's own monitoring
// (/connz for the console's connection, /jsz for consumers), also after the server was killed
// and restarted several times. Comparing counters alone would not catch a console that
// subscribes twice (the server's counters are inflated the same way): the subscriptions the
// server holds for the connection and the rate of a known workload are checked too.
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/streamtreemodel.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/streamspage.h"

#include "core/jetstream/jetstream.h"
#include "core/jetstream/pullconsumer.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

/// GET on the server's monitoring port, as JSON (an empty object when it fails).
QJsonObject monitor(quint16 port, const QString& pathAndQuery) {
    QNetworkAccessManager nam;
    QNetworkReply* reply = nam.get(
        QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(pathAndQuery))));
    QElapsedTimer t;
    t.start();
    while (!reply->isFinished() && t.elapsed() < 5000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    const QByteArray body = reply->isFinished() ? reply->readAll() : QByteArray();
    delete reply;
    return QJsonDocument::fromJson(body).object();
}

/// The console's connection in /connz?subs=1 (by its name), empty when it is not there.
QJsonObject consoleInConnz(quint16 port, const QString& name) {
    const QJsonArray conns = monitor(port, QStringLiteral("/connz?subs=1"))
                                 .value(QStringLiteral("connections"))
                                 .toArray();
    for (const QJsonValue& v : conns)
        if (v.toObject().value(QStringLiteral("name")).toString() == name)
            return v.toObject();
    return {};
}

/// One consumer's numbers in /jsz?consumers=true.
QJsonObject consumerInJsz(quint16 port, const QString& stream, const QString& consumer) {
    const QJsonArray accounts =
        monitor(port, QStringLiteral("/jsz?accounts=true&streams=true&consumers=true"))
            .value(QStringLiteral("account_details"))
            .toArray();
    for (const QJsonValue& a : accounts)
        for (const QJsonValue& s : a.toObject().value(QStringLiteral("stream_detail")).toArray()) {
            if (s.toObject().value(QStringLiteral("name")).toString() != stream)
                continue;
            for (const QJsonValue& c :
                 s.toObject().value(QStringLiteral("consumer_detail")).toArray())
                if (c.toObject().value(QStringLiteral("name")).toString() == consumer)
                    return c.toObject();
        }
    return {};
}

/// The streams page's row for a consumer.
QModelIndex consumerRow(const StreamTreeModel* m, const QString& stream, const QString& consumer) {
    for (int i = 0; i < m->rowCount(); ++i) {
        const QModelIndex s = m->index(i, 0);
        if (s.data(StreamTreeModel::StreamNameRole).toString() != stream)
            continue;
        for (int j = 0; j < m->rowCount(s); ++j) {
            const QModelIndex c = m->index(j, 0, s);
            if (c.data(StreamTreeModel::ConsumerNameRole).toString() == consumer)
                return c;
        }
    }
    return {};
}

qint64 cell(const QModelIndex& row, int column) {
    return row.siblingAtColumn(column).data(StreamTreeModel::SortRole).toLongLong();
}

/// "1 234  (98.0 msgs/s)" -> 98.0
double shownRate(const QString& text) {
    static const QRegularExpression re(QStringLiteral("\\(([0-9.]+)(k?) msgs/s\\)"));
    const auto m = re.match(text);
    if (!m.hasMatch())
        return -1;
    return m.captured(1).toDouble() * (m.captured(2).isEmpty() ? 1 : 1000);
}

/// Kills the server (-9), waits until the console noticed, restarts it on the same port and
/// store, and waits until the console is back.
bool killAndRestart(NatsServerProcess* server, Connection* c, quint64 reconnectsBefore) {
    server->kill();
    QElapsedTimer t;
    t.start();
    while (c->isConnected() && t.elapsed() < 10000)
        QTest::qWait(20);
    if (!server->start().ok())
        return false;
    while ((!c->isConnected() || c->health().reconnects <= reconnectsBefore) && t.elapsed() < 20000)
        QTest::qWait(20);
    return c->isConnected() && c->health().reconnects > reconnectsBefore;
}

} // namespace

class TestDashboardTruth : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void connectionMatchesConnzAcrossRestarts();
    void consumersMatchJszAcrossRestarts();

private:
    std::unique_ptr<NatsServerProcess> m_server;
    quint16 m_monitorPort = 0;
};

void TestDashboardTruth::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_dashboardtruth"));
    QSettings().clear();
    NatsServerConfig cfg;
    cfg.jetstream = true;
    cfg.monitorPort = NatsServerProcess::freePort();
    m_monitorPort = cfg.monitorPort;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestDashboardTruth::connectionMatchesConnzAcrossRestarts() {
    MainWindow w;
    w.setWatchedSubjects({"truth.>"});
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    Connection* c = w.connection();
    const QString name = c->options().name;

    for (quint64 cycle = 0; cycle < 3; ++cycle) {
        QVERIFY2(killAndRestart(m_server.get(), c, cycle), qPrintable(QString::number(cycle)));
        // The server holds the watched subject once for this connection, and as many
        // subscriptions as the console says it has.
        QJsonObject conn;
        QTRY_VERIFY_WITH_TIMEOUT(!(conn = consoleInConnz(m_monitorPort, name)).isEmpty(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(
            consoleInConnz(m_monitorPort, name).value(QStringLiteral("subscriptions")).toInt(),
            c->stats().subscriptions, 5000);
        const QJsonArray subs = consoleInConnz(m_monitorPort, name)
                                    .value(QStringLiteral("subscriptions_list"))
                                    .toArray();
        QCOMPARE(std::count(subs.begin(), subs.end(), QJsonValue(QStringLiteral("truth.>"))), 1);
        QTRY_COMPARE(w.connectionPage()->valueText(QStringLiteral("subs")),
                     QString::number(c->stats().subscriptions));
    }

    // A known workload: 100 messages a second for 4 s. Shown at that rate, not a multiple of it.
    ConnectionThread pub(optionsFor(m_server->url()));
    VERIFY_OK(pub->connectSync());
    const quint64 serverOutBefore =
        quint64(consoleInConnz(m_monitorPort, name).value(QStringLiteral("out_msgs")).toDouble());
    const quint64 inBefore = c->stats().inMsgs;
    int sent = 0;
    QList<double> rates;
    QElapsedTimer t;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    // Paced by the clock, not by the timer: a late tick (a loaded machine, a sanitizer build)
    // catches up, so the workload really is 100 a second.
    connect(&tick, &QTimer::timeout, this, [&] {
        const int due = qMin(400, int(t.elapsed() / 10));
        while (sent < due)
            pub->publish("truth.orders", QByteArray::number(sent++));
    });
    t.start();
    tick.start(10);
    while (sent < 400) {
        QTest::qWait(250);      // sampling what the page shows
        if (t.elapsed() > 2000) // past the rate's smoothing
            rates << shownRate(w.connectionPage()->valueText(QStringLiteral("msgsIn")));
    }
    tick.stop();
    VERIFY_OK(pub->flushSync());
    QTRY_VERIFY(c->stats().inMsgs - inBefore >= 400);
    VERIFY_OK(c->flushSync()); // what the server sent before this, the console has read
    QVERIFY(!rates.isEmpty());
    std::sort(rates.begin(), rates.end());
    const double median = rates[rates.size() / 2];
    QVERIFY2(median > 85 && median < 115,
             qPrintable(QStringLiteral("shown in-rate median %1 for 100 msgs/s").arg(median)));
    // Each message arrived once; the server counted the same deliveries the console did
    // (the console's own JetStream polls add a few replies to both sides alike).
    const quint64 serverOut =
        quint64(consoleInConnz(m_monitorPort, name).value(QStringLiteral("out_msgs")).toDouble()) -
        serverOutBefore;
    const quint64 clientIn = c->stats().inMsgs - inBefore;
    QVERIFY2(clientIn >= 400 && clientIn < 400 + 20, qPrintable(QString::number(clientIn)));
    QVERIFY2(serverOut + 5 >= clientIn && clientIn + 5 >= serverOut,
             qPrintable(QStringLiteral("server %1, console %2").arg(serverOut).arg(clientIn)));
    // What the page shows is the client's count as of its last refresh (within one tick).
    QTRY_COMPARE(w.connectionPage()
                     ->valueText(QStringLiteral("msgsIn"))
                     .section(QStringLiteral("  ("), 0, 0)
                     .remove(QLatin1Char(' ')),
                 QString::number(c->stats().inMsgs));
}

void TestDashboardTruth::consumersMatchJszAcrossRestarts() {
    ConnectionThread admin(optionsFor(m_server->url()));
    VERIFY_OK(admin->connectSync());
    const js::JetStream js(admin.connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("TRUTH");
    sc.subjects = {QStringLiteral("jtruth.>")};
    sc.storage = js::StorageType::File;
    QVERIFY2(js.addStream(sc).ok(), "stream");
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("workers");
    cc.ackPolicy = js::AckPolicy::Explicit;
    cc.ackWaitNs = 600LL * 1000 * 1000 * 1000;
    QVERIFY2(js.addConsumer(QStringLiteral("TRUTH"), cc).ok(), "consumer");
    for (int i = 0; i < 50; ++i)
        QVERIFY(js.publish("jtruth.x", QByteArray::number(i)).ok());
    // 10 taken and not acked: pending 40, ack pending 10.
    js::PullConsumer pull(js, QStringLiteral("TRUTH"), QStringLiteral("workers"));
    js::FetchOptions fo;
    fo.batch = 10;
    fo.expiresMs = 5000;
    auto got = pull.fetch(fo);
    QVERIFY2(got.ok() && got->messages.size() == 10, "fetch");

    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    Connection* c = w.connection();
    const StreamTreeModel* model = w.streamsPage()->model();

    auto matches = [&](QString* why) {
        const QJsonObject j =
            consumerInJsz(m_monitorPort, QStringLiteral("TRUTH"), QStringLiteral("workers"));
        const QModelIndex row =
            consumerRow(model, QStringLiteral("TRUTH"), QStringLiteral("workers"));
        if (j.isEmpty() || !row.isValid()) {
            *why = QStringLiteral("no row or no /jsz entry");
            return false;
        }
        const qint64 pending = qint64(j.value(QStringLiteral("num_pending")).toDouble());
        const qint64 ackPending = qint64(j.value(QStringLiteral("num_ack_pending")).toDouble());
        const qint64 redelivered = qint64(j.value(QStringLiteral("num_redelivered")).toDouble());
        *why = QStringLiteral("page %1/%2/%3, /jsz %4/%5/%6")
                   .arg(cell(row, StreamTreeModel::UnprocessedColumn))
                   .arg(cell(row, StreamTreeModel::AckPendingColumn))
                   .arg(cell(row, StreamTreeModel::RedeliveredColumn))
                   .arg(pending)
                   .arg(ackPending)
                   .arg(redelivered);
        return cell(row, StreamTreeModel::UnprocessedColumn) == pending &&
               cell(row, StreamTreeModel::AckPendingColumn) == ackPending &&
               cell(row, StreamTreeModel::RedeliveredColumn) == redelivered;
    };
    QString why;
    // Within one poll (2 s) of the page, and a margin for the request itself.
    QTRY_VERIFY2_WITH_TIMEOUT(matches(&why), qPrintable(why), 5000);
    QVERIFY2(why.startsWith(QStringLiteral("page 40/10/")), qPrintable(why));

    admin->closeSync();
    for (quint64 cycle = 0; cycle < 2; ++cycle) {
        QVERIFY(killAndRestart(m_server.get(), c, c->health().reconnects));
        QTRY_VERIFY2_WITH_TIMEOUT(matches(&why), qPrintable(why), 8000);
    }
}

QTEST_MAIN(TestDashboardTruth)
#include "tst_dashboardtruth.moc"
