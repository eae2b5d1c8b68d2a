// The fault injector (core/faults/faultinjector.h) against real servers: toxics through its
// proxy, started, replaced, switched off and cleared by name with every start and end
// announced; faults that end by themselves; server kills ended by a restart; consumer faults
// in the foreground and in the background; and clear errors for what cannot start.
#include "core/faults/faultinjector.h"
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QSignalSpy>

#include <optional>

using namespace jetdeck;
using namespace jetdeck::faults;
using namespace jetdeck::test;

namespace {

FaultSpec latency(const QString& name, int ms) {
    FaultSpec f;
    f.kind = FaultKind::Toxic;
    f.name = name;
    f.toxic.name = name;
    f.toxic.kind = ToxicKind::Latency;
    f.toxic.latencyMs = ms;
    return f;
}

QStringList names(const QList<ActiveFault>& active) {
    QStringList out;
    for (const ActiveFault& a : active)
        out << a.name;
    return out;
}

/// The announcements so far: "+what" for a start, "-what" for an end.
QStringList events(const QSignalSpy& spy) {
    QStringList out;
    for (const QList<QVariant>& e : spy)
        out << (e[1].toBool() ? QStringLiteral("+") : QStringLiteral("-")) + e[0].toString();
    return out;
}

} // namespace

class TestFaultInjector : public QObject {
    Q_OBJECT
private slots:
    void toxicsByName();
    void whatCannotStart();
    void faultsEndByThemselves();
    void killEndedByRestart();
    void consumerFaults();
};

void TestFaultInjector::toxicsByName() {
    JETDECK_START_SERVER(server);
    FaultInjector injector;
    QSignalSpy spy(&injector, &FaultInjector::faultEvent);
    auto upstream = parseServerUrl(server->url());
    QVERIFY(upstream);
    VERIFY_OK(injector.startProxy(upstream.value()));
    QVERIFY(injector.proxyUrl().startsWith(QStringLiteral("nats://127.0.0.1:")));
    QVERIFY(!injector.startProxy(upstream.value()).ok()); // one at a time
    ConnectionThread conn(optionsFor(injector.proxyUrl()));
    VERIFY_OK(conn->connectSync(5000));
    injector.setConnection(conn.connection());

    auto r = injector.start(latency(QStringLiteral("slow"), 50));
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    QVERIFY2(r.value().what.contains(QStringLiteral("latency toxic slow")),
             qPrintable(r.value().what));
    QVERIFY(r.value().what.contains(QStringLiteral("50 ms")));
    QCOMPARE(names(injector.active()), QStringList{QStringLiteral("slow")});
    QCOMPARE(injector.active().first().endsInMs, -1);
    QCOMPARE(injector.proxy()->toxics().size(), 1);

    // The same name again: the first ends, then its replacement starts, and stays.
    VERIFY_OK(injector.start(latency(QStringLiteral("slow"), 80)).error());
    QCOMPARE(names(injector.active()), QStringList{QStringLiteral("slow")});
    QCOMPARE(injector.proxy()->toxics().size(), 1);
    QCOMPARE(injector.proxy()->toxics().first().latencyMs, 80);

    QVERIFY(injector.setToxicEnabled(QStringLiteral("slow"), false));
    QVERIFY(!injector.proxy()->toxics().first().enabled);
    QVERIFY(!injector.setToxicEnabled(QStringLiteral("nobody"), false));

    FaultSpec down;
    down.kind = FaultKind::ProxyDown;
    down.name = QStringLiteral("down");
    QVERIFY(injector.start(down));
    QTRY_VERIFY_WITH_TIMEOUT(!conn->isConnected(), 5000);
    VERIFY_OK(injector.clear(QStringLiteral("down")));
    QTRY_VERIFY_WITH_TIMEOUT(conn->isConnected(), 10000);

    VERIFY_OK(injector.clear(QStringLiteral("slow")));
    QVERIFY(injector.active().isEmpty());
    QVERIFY(injector.proxy()->toxics().isEmpty());
    VERIFY_OK(injector.clear(QStringLiteral("slow"))); // nothing in force: nothing to do

    const QStringList e = events(spy);
    QCOMPARE(e.size(), 7);
    QVERIFY2(e[0].startsWith(QStringLiteral("+proxy: latency toxic slow")), qPrintable(e[0]));
    QVERIFY2(e[1].startsWith(QStringLiteral("-proxy: latency toxic slow")) &&
                 e[1].endsWith(QStringLiteral(": ended")),
             qPrintable(e[1]));
    QVERIFY2(e[2].contains(QStringLiteral("80 ms")), qPrintable(e[2]));
    QCOMPARE(e[3], QStringLiteral("-proxy: toxic slow off"));
    QVERIFY2(e[4].startsWith(QStringLiteral("+proxy: down")), qPrintable(e[4]));
    QVERIFY2(e[5].startsWith(QStringLiteral("-proxy: down")), qPrintable(e[5]));
    QVERIFY2(e[6].startsWith(QStringLiteral("-proxy: latency toxic slow")), qPrintable(e[6]));

    // Stopping the proxy ends what acts in it.
    QVERIFY(injector.start(latency(QStringLiteral("again"), 10)));
    injector.stopProxy();
    QVERIFY(injector.active().isEmpty());
    QVERIFY(!injector.proxy());
    QVERIFY(events(spy).last().startsWith(QStringLiteral("-proxy: latency toxic again")));
}

void TestFaultInjector::whatCannotStart() {
    FaultInjector injector;
    QSignalSpy spy(&injector, &FaultInjector::faultEvent);
    auto r = injector.start(latency(QStringLiteral("slow"), 50));
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(QStringLiteral("fault proxy")),
             qPrintable(r.error().message));
    FaultSpec f;
    f.kind = FaultKind::Disconnect;
    f.name = QStringLiteral("d");
    r = injector.start(f);
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(QStringLiteral("needs a connection")),
             qPrintable(r.error().message));
    f.kind = FaultKind::KillServer;
    f.server = 2;
    r = injector.start(f);
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(QStringLiteral("server 2 was not started by JetDeck")),
             qPrintable(r.error().message));
    QCOMPARE(spy.size(), 0);
    QVERIFY(injector.active().isEmpty());
}

void TestFaultInjector::faultsEndByThemselves() {
    JETDECK_START_SERVER(server);
    ConnectionThread conn(optionsFor(server->url()));
    VERIFY_OK(conn->connectSync(5000));
    FaultInjector injector;
    injector.setConnection(conn.connection());
    QSignalSpy spy(&injector, &FaultInjector::faultEvent);
    FaultSpec stall;
    stall.kind = FaultKind::StallReading;
    stall.name = QStringLiteral("stall");
    stall.durationMs = 300;
    QElapsedTimer t;
    t.start();
    auto r = injector.start(stall);
    QVERIFY(r);
    QCOMPARE(r.value().what, QStringLiteral("client: reading stalled for 300 ms"));
    QCOMPARE(names(injector.active()), QStringList{QStringLiteral("stall")});
    QVERIFY(injector.active().first().endsInMs > 0 && injector.active().first().endsInMs <= 300);
    QTRY_VERIFY_WITH_TIMEOUT(injector.active().isEmpty(), 3000);
    QVERIFY2(t.elapsed() >= 290, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(events(spy),
             QStringList({QStringLiteral("+client: reading stalled for 300 ms"),
                          QStringLiteral("-client: reading stalled for 300 ms: ended")}));

    // A disconnect happens at once: nothing stays in force; with a wait, the drop is seen.
    injector.setWait([](int ms) {
        QTest::qWait(ms);
        return true;
    });
    const quint64 before = conn->health().reconnects;
    FaultSpec d;
    d.kind = FaultKind::Disconnect;
    d.name = QStringLiteral("d");
    QVERIFY(injector.start(d));
    QVERIFY(!conn->isConnected() || conn->health().reconnects > before);
    QVERIFY(injector.active().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(conn->isConnected() && conn->health().reconnects > before, 10000);
}

void TestFaultInjector::killEndedByRestart() {
    JETDECK_START_SERVER(server);
    FaultInjector injector;
    injector.setServers({server.get()});
    QSignalSpy spy(&injector, &FaultInjector::faultEvent);
    FaultSpec kill;
    kill.kind = FaultKind::KillServer;
    kill.name = QStringLiteral("k");
    kill.server = 1;
    auto r = injector.start(kill);
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    QVERIFY(!server->isRunning());
    QCOMPARE(names(injector.active()), QStringList{QStringLiteral("k")});
    FaultSpec restart;
    restart.kind = FaultKind::RestartServer;
    restart.name = QStringLiteral("r");
    restart.server = 1;
    r = injector.start(restart);
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    QVERIFY(!r.value().started); // it ended the kill; nothing new started
    QVERIFY(r.value().what.contains(QStringLiteral("running again")));
    QVERIFY(server->isRunning());
    QVERIFY(injector.active().isEmpty());
    const QStringList e = events(spy);
    QCOMPARE(e.size(), 2);
    QVERIFY2(e[0].startsWith(QStringLiteral("+server ")) &&
                 e[0].endsWith(QStringLiteral("(SIGKILL)")),
             qPrintable(e[0]));
    QCOMPARE(e[1], QStringLiteral("-") + e[0].mid(1) + QStringLiteral(": ended"));
}

void TestFaultInjector::consumerFaults() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    JETDECK_START_SERVER(server, cfg);
    ConnectionThread conn(optionsFor(server->url()));
    VERIFY_OK(conn->connectSync(5000));
    VERIFY_OK(makeStreamWithConsumer(conn.connection(), QStringLiteral("INJ"), "inj.x",
                                     QStringLiteral("w"), 10));
    FaultInjector injector;
    injector.setConnection(conn.connection());
    QSignalSpy spy(&injector, &FaultInjector::faultEvent);
    FaultSpec f;
    f.kind = FaultKind::WithholdAcks;
    f.stream = QStringLiteral("INJ");
    f.consumer = QStringLiteral("w");
    f.count = 3;
    f.name = f.title();
    QCOMPARE(f.name, QStringLiteral("withhold_acks 3 on INJ > w"));
    auto r = injector.start(f);
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    QCOMPARE(r.value().measured.value(QStringLiteral("taken")).toInt(), 3);
    QVERIFY2(r.value().detail.startsWith(QStringLiteral("3 message(s) taken")),
             qPrintable(r.value().detail));
    QVERIFY(injector.active().isEmpty()); // it happened; nothing to clear
    const js::JetStream js(conn.connection());
    QCOMPARE(js.consumerInfo(f.stream, f.consumer).value().numAckPending, qint64(3));

    // In the background: the outcome comes back on this thread, after the announcement.
    f.kind = FaultKind::Term;
    f.count = 2;
    std::optional<Result<FaultOutcome>> outcome;
    int eventsAtOutcome = -1;
    injector.startInBackground(f, [&](const Result<FaultOutcome>& res) {
        outcome = res;
        eventsAtOutcome = int(spy.size());
    });
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 10000);
    QVERIFY2(outcome->ok(), qPrintable(outcome->ok() ? QString() : outcome->error().message));
    QCOMPARE(outcome->value().measured.value(QStringLiteral("answered")).toInt(), 2);
    QCOMPARE(eventsAtOutcome, 2);

    // A consumer that does not exist: an error, no announcement.
    f.consumer = QStringLiteral("ghost");
    outcome.reset();
    injector.startInBackground(f, [&](const Result<FaultOutcome>& res) { outcome = res; });
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 10000);
    QVERIFY(!outcome->ok());
    QCOMPARE(spy.size(), 2);
}

QTEST_GUILESS_MAIN(TestFaultInjector)
#include "tst_faultinjector.moc"
