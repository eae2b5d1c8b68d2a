// The embedded demo, as `jetdeck --demo` runs it: within a few seconds every page shows live
// data from the demo's real nats-server and workload; a three-server cluster replicates the
// stream; and stopping the demo, or closing the real jetdeck binary, leaves no nats-server
// process and no temporary directory behind.

#include "core/demo/demosession.h"
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/clienttablemodel.h"
#include "ui/models/latencymodel.h"
#include "ui/models/replicatablemodel.h"
#include "ui/models/servertablemodel.h"
#include "ui/pages/clientspage.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/faultspage.h"
#include "ui/pages/jetstreampage.h"
#include "ui/pages/latencypage.h"
#include "ui/pages/outboundpage.h"
#include "ui/pages/publishpage.h"
#include "ui/pages/serverspage.h"
#include "ui/pages/streamspage.h"
#include "ui/pages/welcomepage.h"

#include <QDir>
#include <QDirIterator>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QTcpServer>
#include <QtTest>

#include <csignal>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

bool processAlive(qint64 pid) {
    return pid > 0 && ::kill(pid_t(pid), 0) == 0;
}

/// nats-server processes whose command line mentions `needle` (a directory of ours).
QStringList serversMentioning(const QString& needle) {
    QStringList out;
    QDirIterator it(QStringLiteral("/proc"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        const QString dir = it.next();
        QFile cmd(dir + QStringLiteral("/cmdline"));
        if (!cmd.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = cmd.readAll().replace('\0', ' ');
        if (line.contains("nats-server") && line.contains(needle.toUtf8()))
            out << QString::fromUtf8(line);
    }
    return out;
}

/// The health column of the stream's row (not its consumers'); empty when it has none.
QString replicaHealth(const ReplicaTableModel* m, const QString& stream) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, ReplicaTableModel::StreamColumn).data().toString() == stream &&
            m->index(r, ReplicaTableModel::ConsumerColumn).data().toString().isEmpty())
            return m->index(r, ReplicaTableModel::HealthColumn).data().toString();
    return {};
}

qint64 leadingNumber(const QString& text) {
    QString digits;
    for (QChar c : text) {
        if (c.isDigit())
            digits += c;
        else if (!digits.isEmpty() && !c.isSpace() && c != QLatin1Char(',') && c != QChar(0x202f) &&
                 c != QChar(0xa0))
            break;
    }
    return digits.toLongLong();
}

} // namespace

class TestDemo : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyPageShowsData();
    void stopLeavesNothing();
    void clusterReplicates();
    void aTakenRoutePortIsNotReady();
    void welcomeStartsTheDemo();
    void clusterDemoThroughAKilledServer();
    void binaryExitsClean_data();
    void binaryExitsClean();
    void killedBinaryTakesItsServerAlong();
};

void TestDemo::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_demo"));
}

void TestDemo::everyPageShowsData() {
    QElapsedTimer launch;
    launch.start();
    DemoSession demo;
    {
        const Status s = demo.start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    MainWindow window;
    window.show();
    window.attachDemo(demo);
    QVERIFY(window.windowTitle().contains(QStringLiteral("demo")));
    // Connection page: connected, messages coming in.
    QTRY_VERIFY_WITH_TIMEOUT(
        leadingNumber(window.connectionPage()->valueText(QStringLiteral("msgsIn"))) > 0, 5000);
    // The overview sums up the consumers' backpressure.
    QTRY_VERIFY_WITH_TIMEOUT(window.connectionPage()
                                 ->valueText(QStringLiteral("backpressure"))
                                 .contains(QStringLiteral("OK")),
                             5000);
    // Streams page: ORDERS with its three consumers.
    QTRY_COMPARE_WITH_TIMEOUT(window.streamsPage()->consumerList().size(), 3, 5000);
    // Latency page: probes with samples (end to end from the demo's stamps, processing...).
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            window.latencyPage()->refresh();
            return window.latencyPage()->model()->rowCount() >= 3;
        }(),
        5000);
    // Consumer page: the audit consumer delivering, with redeliveries (40 % NAKs). A page shows
    // its numbers while it is shown.
    window.showPage(MainWindow::Page::Consumer);
    ConsumerPage* consumer = window.consumerPage();
    QCOMPARE(consumer->consumer(), QStringLiteral("audit"));
    QTRY_VERIFY_WITH_TIMEOUT(leadingNumber(consumer->numberText(QStringLiteral("delivered"))) > 0,
                             5000);
    QTRY_VERIFY_WITH_TIMEOUT(consumer->deliveryCountBars().value(1) > 0, 10000);
    // Outbound page: connected, nothing waiting; publish page: ready with the demo's subject.
    window.outboundPage()->refresh();
    QCOMPARE(window.outboundPage()->counterText(QStringLiteral("depth")).left(1),
             QStringLiteral("0"));
    QCOMPARE(window.publishPage()->subjectEdit()->text(), QStringLiteral("demo.orders.created"));
    // The pages of the whole system: the demo has a system account, and the console a user of
    // it beside its own connection.
    QVERIFY(window.session()->systemConnection());
    window.showPage(MainWindow::Page::Servers);
    QTRY_COMPARE_WITH_TIMEOUT(window.serversPage()->model()->rowCount(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        window.serversPage()->model()->index(0, ServerTableModel::StateColumn).data().toString(),
        QStringLiteral("ok"), 5000);
    window.showPage(MainWindow::Page::Clients);
    const auto clientNamed = [&](const QString& name) {
        const ClientTableModel* m = window.clientsPage()->model();
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->rowAt(r)->conn.name == name)
                return m->rowAt(r)->conn.account;
        return QString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(clientNamed(QStringLiteral("jetdeck-demo-workers")),
                              QStringLiteral("DEMO"), 5000);
    window.showPage(MainWindow::Page::JetStream);
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaHealth(window.jetStreamPage()->model(), DemoSession::streamName()),
        QStringLiteral("ok"), 5000);
    qInfo("every page showed data %lld ms after launch", qint64(launch.elapsed()));
    // And the demo's publisher keeps moving: its count grows.
    const quint64 published = demo.published();
    QTRY_VERIFY_WITH_TIMEOUT(demo.published() > published, 3000);
}

void TestDemo::stopLeavesNothing() {
    QList<qint64> pids;
    QStringList dirs;
    {
        DemoSession demo;
        const Status s = demo.start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
        for (NatsServerProcess* p : demo.servers())
            pids << p->pid();
        dirs = demo.directories();
        QCOMPARE(pids.size(), 1);
        QVERIFY(processAlive(pids[0]));
        QVERIFY(QDir(dirs[0]).exists());
    }
    for (qint64 pid : std::as_const(pids))
        QVERIFY2(!processAlive(pid), qPrintable(QString::number(pid)));
    for (const QString& d : std::as_const(dirs))
        QVERIFY2(!QDir(d).exists(), qPrintable(d));
}

void TestDemo::clusterReplicates() {
    DemoSession::Config cfg;
    cfg.clusterSize = 3;
    QList<qint64> pids;
    QStringList dirs;
    {
        DemoSession demo(cfg);
        const Status s = demo.start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
        QCOMPARE(demo.servers().size(), 3);
        QCOMPARE(demo.url().count(QLatin1Char(',')), 2);
        Connection c(optionsFor(demo.servers()[1]->url()));
        VERIFY_OK(c.connectSync(5000));
        js::JetStream js(&c);
        auto info = js.streamInfo(DemoSession::streamName());
        QVERIFY2(info, qPrintable(info.error().toString()));
        QCOMPARE(info->config.replicas, 3);
        QTRY_VERIFY_WITH_TIMEOUT(js.streamInfo(DemoSession::streamName())->state.messages > 10,
                                 10000);
        for (NatsServerProcess* p : demo.servers())
            pids << p->pid();
        dirs = demo.directories();
    }
    for (qint64 pid : std::as_const(pids))
        QVERIFY(!processAlive(pid));
    for (const QString& d : std::as_const(dirs))
        QVERIFY(!QDir(d).exists());
}

// A cluster member says "Server is ready" before it binds its route port, and exits when that
// port is taken (CI saw it: a route port picked free was taken by another suite's process before
// the member bound it). Such a member is not ready; the error names the clash, which is what
// startLocalCluster starts the cluster again on fresh ports for.
void TestDemo::aTakenRoutePortIsNotReady() {
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    NatsServerConfig cfg;
    cfg.clusterName = QStringLiteral("taken");
    cfg.clusterPort = holder.serverPort();
    NatsServerProcess server(cfg);
    const Status s = server.start(5000);
    QVERIFY(!s.ok());
    QVERIFY2(s.message.contains(QLatin1String("address already in use")), qPrintable(s.message));
    QVERIFY(!server.isRunning());

    // With its route port free, the same member is ready and listens for routes.
    holder.close();
    VERIFY_OK(server.start(5000));
    QVERIFY(server.log().contains(QLatin1String("Listening for route connections")));
}

// The first start's welcome starts the demo with one click, in the window's own process; the
// window's end takes its servers and their directories along.
void TestDemo::welcomeStartsTheDemo() {
    QList<qint64> pids;
    QStringList dirs;
    {
        MainWindow window;
        window.show();
        window.showWelcome();
        QTest::mouseClick(
            window.welcomePage()->findChild<QPushButton*>(QStringLiteral("welcomeDemo")),
            Qt::LeftButton);
        QVERIFY2(window.ownDemo(), qPrintable(window.welcomePage()->messageText()));
        QVERIFY(!window.isWelcomeShown());
        QVERIFY(window.windowTitle().contains(QStringLiteral("demo")));
        QTRY_VERIFY_WITH_TIMEOUT(window.connection() &&
                                     window.connection()->state() == ConnectionState::Connected,
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.streamsPage()->model()->indexOfStream(DemoSession::streamName()).isValid(),
            15000);
        // A second click while it runs starts nothing more.
        VERIFY_OK(window.startDemo());
        for (NatsServerProcess* p : window.ownDemo()->servers())
            pids << p->pid();
        dirs = window.ownDemo()->directories();
        QCOMPARE(pids.size(), 1);
        // A demo's servers go with it: the next start has nothing to reopen.
        window.close();
        QVERIFY(!QSettings().contains(QStringLiteral("connection/openAtExit")));
    }
    for (qint64 pid : std::as_const(pids))
        QVERIFY2(!processAlive(pid), qPrintable(QString::number(pid)));
    for (const QString& d : std::as_const(dirs))
        QVERIFY2(!QDir(d).exists(), qPrintable(d));
}

void TestDemo::clusterDemoThroughAKilledServer() {
    // `jetdeck --demo-cluster 3`, then a server killed from the faults page: the servers page
    // marks it at once, the JetStream page shows ORDERS without that replica; restarted, it
    // catches up.
    DemoSession::Config cfg;
    cfg.clusterSize = 3;
    DemoSession demo(cfg);
    VERIFY_OK(demo.start());
    MainWindow window;
    window.show();
    window.attachDemo(demo);
    QTRY_VERIFY(window.connection() && window.connection()->isConnected());
    QTRY_VERIFY_WITH_TIMEOUT(window.session()->systemConnection()->connection()->isConnected(),
                             10000);
    window.showPage(MainWindow::Page::Servers);
    const ServerTableModel* servers = window.serversPage()->model();
    const auto stateOf = [&](const QString& name) {
        for (int r = 0; r < servers->rowCount(); ++r)
            if (servers->index(r, ServerTableModel::NameColumn).data().toString() == name)
                return servers->index(r, ServerTableModel::StateColumn).data().toString();
        return QString();
    };
    for (NatsServerProcess* p : demo.servers())
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(p->name()), QStringLiteral("ok"), 15000);
    window.showPage(MainWindow::Page::JetStream);
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaHealth(window.jetStreamPage()->model(), DemoSession::streamName()),
        QStringLiteral("ok"), 20000);
    // A server neither of the console's connections is on.
    const auto portOf = [](const QString& hostPort) { return hostPort.section(u':', -1).toInt(); };
    const int mine = portOf(window.connection()->currentServer());
    const int sys = portOf(window.session()->systemConnection()->connection()->currentServer());
    int victim = -1;
    for (int i = 0; i < demo.servers().size(); ++i)
        if (demo.servers()[i]->port() != mine && demo.servers()[i]->port() != sys)
            victim = i;
    QVERIFY(victim >= 0);
    const QString name = demo.servers()[victim]->name();
    window.showPage(MainWindow::Page::Servers);
    QElapsedTimer t;
    t.start();
    VERIFY_OK(window.faultsPage()->killServer(victim));
    QTRY_VERIFY_WITH_TIMEOUT(stateOf(name).startsWith(QStringLiteral("not answering")), 5000);
    QVERIFY2(t.elapsed() < 2000, qPrintable(QStringLiteral("%1 ms").arg(t.elapsed())));
    window.showPage(MainWindow::Page::JetStream);
    QTRY_VERIFY_WITH_TIMEOUT(replicaHealth(window.jetStreamPage()->model(),
                                           DemoSession::streamName()) != QStringLiteral("ok"),
                             20000);
    qInfo("ORDERS with %s killed: %s", qPrintable(name),
          qPrintable(replicaHealth(window.jetStreamPage()->model(), DemoSession::streamName())));
    VERIFY_OK(window.faultsPage()->restartServer(victim));
    QTRY_COMPARE_WITH_TIMEOUT(
        replicaHealth(window.jetStreamPage()->model(), DemoSession::streamName()),
        QStringLiteral("ok"), 40000);
    window.showPage(MainWindow::Page::Servers);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(name), QStringLiteral("ok"), 10000);
}

namespace {
/// Starts the jetdeck binary with the demo, its TMPDIR and runtime dir under `root`.
void startDemoBinary(QProcess& p, const QString& root, const QStringList& extra) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString inner = root + QStringLiteral("/tmp");
    QDir().mkpath(inner);
    env.insert(QStringLiteral("TMPDIR"), inner);
    // Qt falls back to $TMPDIR/runtime-<user> without a runtime dir: give it one elsewhere.
    const QString runtime = root + QStringLiteral("/run");
    QDir().mkpath(runtime);
    QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(JETDECK_GUI_PATH), QStringList{QStringLiteral("--demo")} + extra);
}
} // namespace

void TestDemo::binaryExitsClean_data() {
    QTest::addColumn<bool>("terminate");
    QTest::newRow("window closes (after a screenshot)") << false;
    QTest::newRow("SIGTERM") << true;
}

void TestDemo::binaryExitsClean() {
    QFETCH(bool, terminate);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString inner = tmp.path() + QStringLiteral("/tmp");
    const QString shot = tmp.path() + QStringLiteral("/shot.png");
    QProcess p;
    startDemoBinary(p, tmp.path(),
                    terminate ? QStringList()
                              : QStringList{QStringLiteral("--screenshot"), shot,
                                            QStringLiteral("--screenshot-delay"),
                                            QStringLiteral("3000")});
    QVERIFY(p.waitForStarted(5000));
    // While it runs, its server lives under our TMPDIR.
    QTRY_VERIFY_WITH_TIMEOUT(!serversMentioning(inner).isEmpty(), 10000);
    if (terminate) {
        QTest::qWait(1000); // running for a moment, then asked to stop
        p.terminate();
    }
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAll().constData());
    if (!terminate)
        QVERIFY(QFileInfo(shot).size() > 10000);
    QCOMPARE(serversMentioning(inner), QStringList());
    QCOMPARE(QDir(inner).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList());
}

void TestDemo::killedBinaryTakesItsServerAlong() {
    // SIGKILL gives the console no chance to clean up: its server still goes with it (the
    // temporary directory stays, in the system's temp dir, as with any killed program).
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString inner = tmp.path() + QStringLiteral("/tmp");
    QProcess p;
    startDemoBinary(p, tmp.path(), {});
    QVERIFY(p.waitForStarted(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!serversMentioning(inner).isEmpty(), 10000);
    p.kill();
    QVERIFY(p.waitForFinished(10000));
    QTRY_COMPARE_WITH_TIMEOUT(serversMentioning(inner), QStringList(), 5000);
}

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
