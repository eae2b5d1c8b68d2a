// What an open connection costs the console (issue 17), against a real JetStream nats-server
// on loopback with a few streams and consumers to list:
//  1. the window with no connection: resident memory, CPU while idle, the GUI thread's lateness;
//  2. the same with --connections N open (default 10), idle: memory and CPU per connection,
//     and what they ask of the server (its /varz in_msgs: requests and PINGs) per second;
//  3. someone going through them (another connection or page every 200 ms, the overview every
//     second): the GUI thread's lateness, P99 and max.
// Usage: QT_QPA_PLATFORM=offscreen connections_bench [--connections N] [--seconds S] [--json]
#include "bench/benchutil.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/jetstream.h"
#include "ui/connectionview.h"
#include "ui/mainwindow.h"
#include "ui/session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QWindow>

#include <sys/resource.h>

#include <cstdio>

using namespace jetdeck;
using jetdeck::bench::rssKiB;
using jetdeck::bench::waitFor;

namespace {

/// CPU seconds (user + system) of this process so far, every thread's.
double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// The server's own count of messages it received (/varz in_msgs); -1 when it does not answer.
qint64 serverInMsgs(quint16 monitorPort) {
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), monitorPort);
    if (!s.waitForConnected(3000))
        return -1;
    s.write("GET /varz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray reply;
    while (s.waitForReadyRead(3000))
        reply += s.readAll();
    reply += s.readAll();
    const qsizetype body = reply.indexOf("\r\n\r\n");
    if (body < 0)
        return -1;
    return QJsonDocument::fromJson(reply.mid(body + 4))
        .object()
        .value(QStringLiteral("in_msgs"))
        .toInteger(-1);
}

struct Idle {
    double cpuPercent = 0; ///< of one core
    double serverMsgsPerSec = 0;
    metrics::Percentiles late;
    qint64 maxLateUs = 0;
};

/// `seconds` of nothing but the window's own timers.
Idle idleFor(int seconds, quint16 monitorPort) {
    jetdeck::bench::LatenessProbe probe;
    const qint64 in0 = serverInMsgs(monitorPort);
    const double cpu0 = cpuSeconds();
    QElapsedTimer t;
    t.start();
    probe.start();
    waitFor([] { return false; }, seconds * 1000);
    probe.stop();
    const double wall = double(t.elapsed()) / 1000.0;
    Idle r;
    r.cpuPercent = (cpuSeconds() - cpu0) / wall * 100.0;
    r.serverMsgsPerSec = double(serverInMsgs(monitorPort) - in0) / wall;
    r.late = probe.percentiles();
    r.maxLateUs = probe.maxLateUs();
    return r;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("JetDeckBench"));
    QApplication::setApplicationName(QStringLiteral("connections_bench"));
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({{QStringLiteral("connections"), QStringLiteral("Connections to open."),
                   QStringLiteral("n"), QStringLiteral("10")},
                  {QStringLiteral("seconds"), QStringLiteral("Seconds of each measurement."),
                   QStringLiteral("s"), QStringLiteral("20")},
                  {QStringLiteral("json"), QStringLiteral("JSON output.")}});
    p.process(app);
    const int n = p.value(QStringLiteral("connections")).toInt();
    const int seconds = p.value(QStringLiteral("seconds")).toInt();
    if (n < 1 || n > 100 || seconds < 1 || seconds > 600) {
        std::fprintf(stderr, "connections_bench: --connections 1..100, --seconds 1..600\n");
        return 2;
    }

    NatsServerConfig cfg;
    cfg.jetstream = true;
    cfg.monitorPort = NatsServerProcess::freePort();
    NatsServerProcess server(cfg);
    if (Status s = server.start(); !s.ok()) {
        std::fprintf(stderr, "connections_bench: %s\n", qPrintable(s.toString()));
        return 1;
    }
    {
        // Something to list: five streams with two consumers each.
        Connection c(Options::fromUrls(server.url()).value());
        if (Status s = c.connectSync(5000); !s.ok()) {
            std::fprintf(stderr, "connections_bench: %s\n", qPrintable(s.toString()));
            return 1;
        }
        const js::JetStream js(&c);
        for (int i = 0; i < 5; ++i) {
            js::StreamConfig sc;
            sc.name = QStringLiteral("S%1").arg(i);
            sc.subjects = {QStringLiteral("s%1.>").arg(i)};
            sc.storage = js::StorageType::Memory;
            if (auto r = js.addStream(sc); !r) {
                std::fprintf(stderr, "connections_bench: %s\n", qPrintable(r.error().toString()));
                return 1;
            }
            for (int k = 0; k < 2; ++k) {
                js::ConsumerConfig cc;
                cc.durableName = QStringLiteral("C%1").arg(k);
                cc.ackPolicy = js::AckPolicy::Explicit;
                (void)js.addConsumer(sc.name, cc);
            }
        }
        c.close();
    }

    MainWindow window;
    window.show();
    while (!window.windowHandle() || !window.windowHandle()->isExposed())
        QApplication::processEvents(QEventLoop::AllEvents, 5);
    waitFor([] { return false; }, 3000);
    const qint64 rss0 = rssKiB();
    const Idle none = idleFor(seconds, cfg.monitorPort);

    for (int i = 0; i < n; ++i)
        window.openUrls(server.url());
    const bool all = waitFor(
        [&] {
            for (ConnectionView* v : window.views())
                if (v->session()->state().state != ConnectionState::Connected)
                    return false;
            return true;
        },
        30000);
    if (!all) {
        std::fprintf(stderr, "connections_bench: not every connection connected\n");
        return 1;
    }
    window.showPage(MainWindow::Page::Connection);
    waitFor([] { return false; }, 5000); // their first listings
    const qint64 rssN = rssKiB();
    const Idle open = idleFor(seconds, cfg.monitorPort);

    jetdeck::bench::LatenessProbe browsing;
    metrics::Histogram switchUs; // how long one switch takes, the shown page's refresh included
    qint64 switchMaxUs = 0;
    int step = 0;
    QTimer browse;
    browse.setInterval(200);
    QObject::connect(&browse, &QTimer::timeout, [&] {
        ++step;
        QElapsedTimer took;
        took.start();
        if (step % 5 == 0) {
            window.showOverview();
        } else {
            window.switchTo(window.views()[step % n]);
            window.showPage(MainWindow::Page(step % MainWindow::kPageCount));
        }
        const qint64 us = took.nsecsElapsed() / 1000;
        switchUs.record(quint64(us));
        switchMaxUs = qMax(switchMaxUs, us);
    });
    browsing.start();
    browse.start();
    waitFor([] { return false; }, seconds * 1000);
    browse.stop();
    browsing.stop();
    const metrics::Percentiles bl = browsing.percentiles();
    const metrics::Percentiles sw = switchUs.percentiles();

    const double perMiB = double(rssN - rss0) / 1024.0 / n;
    const double perCpu = (open.cpuPercent - none.cpuPercent) / n;
    const double perMsgs = (open.serverMsgsPerSec - none.serverMsgsPerSec) / n;
    QJsonObject o{{QStringLiteral("connections"), n},
                  {QStringLiteral("seconds"), seconds},
                  {QStringLiteral("rss_none_mib"), double(rss0) / 1024.0},
                  {QStringLiteral("rss_open_mib"), double(rssN) / 1024.0},
                  {QStringLiteral("rss_per_connection_mib"), perMiB},
                  {QStringLiteral("cpu_none_percent"), none.cpuPercent},
                  {QStringLiteral("cpu_open_percent"), open.cpuPercent},
                  {QStringLiteral("cpu_per_connection_percent"), perCpu},
                  {QStringLiteral("server_msgs_per_sec_per_connection"), perMsgs},
                  {QStringLiteral("idle_late_p99_ms"), double(open.late.p99) / 1000.0},
                  {QStringLiteral("idle_late_max_ms"), double(open.maxLateUs) / 1000.0},
                  {QStringLiteral("browse_switches"), step},
                  {QStringLiteral("switch_p50_ms"), double(sw.p50) / 1000.0},
                  {QStringLiteral("switch_p99_ms"), double(sw.p99) / 1000.0},
                  {QStringLiteral("switch_max_ms"), double(switchMaxUs) / 1000.0},
                  {QStringLiteral("browse_late_p50_ms"), double(bl.p50) / 1000.0},
                  {QStringLiteral("browse_late_p99_ms"), double(bl.p99) / 1000.0},
                  {QStringLiteral("browse_late_max_ms"), double(browsing.maxLateUs()) / 1000.0}};
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    std::printf("no connection: %.1f MiB, idle CPU %.2f %% of a core\n", double(rss0) / 1024.0,
                none.cpuPercent);
    std::printf("%d idle connections: %.1f MiB, idle CPU %.2f %% of a core; the server gets "
                "%.2f msgs/s from them\n",
                n, double(rssN) / 1024.0, open.cpuPercent,
                open.serverMsgsPerSec - none.serverMsgsPerSec);
    std::printf("per idle connection: %.2f MiB, %.3f %% of a core, %.2f msgs/s to the server\n",
                perMiB, perCpu, perMsgs);
    std::printf("GUI thread lateness of a 10 ms timer, idle: P99 %.2f ms, max %.1f ms\n",
                double(open.late.p99) / 1000.0, double(open.maxLateUs) / 1000.0);
    std::printf("going through them (%d switches, every 200 ms): P50 %.2f ms, P99 %.2f ms, max "
                "%.1f ms\n",
                step, double(bl.p50) / 1000.0, double(bl.p99) / 1000.0,
                double(browsing.maxLateUs()) / 1000.0);
    std::printf("one switch (the shown page's refresh included): P50 %.2f ms, P99 %.2f ms, max "
                "%.1f ms\n",
                double(sw.p50) / 1000.0, double(sw.p99) / 1000.0, double(switchMaxUs) / 1000.0);
    return 0;
}
