// The console under load (issue: the console's engineering targets), against a real
// nats-server on loopback:
//  1. startup: from main() to the main window exposed on screen (target: under 1 s);
//  2. a load of --rate messages per second (default 200,000) for --seconds (default 60) on a
//     subject the console subscribes to, published by `jetdeck-cli pub --rate` in its own
//     process, while the window cycles through its pages;
//  3. meanwhile the GUI thread's responsiveness: a 10 ms timer's lateness (max, P99, count
//     of stalls over 100 ms) and resident memory (start, peak, end).
// Usage: QT_QPA_PLATFORM=offscreen gui_bench [--rate N] [--seconds S] [--json]
#include "bench/benchutil.h"
#include "core/base/histogram.h"
#include "core/demo/natsserverprocess.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>
#include <QWindow>

#include <cstdio>

using namespace jetdeck;
using jetdeck::bench::rssKiB;
using jetdeck::bench::waitFor;

int main(int argc, char** argv) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("JetDeckBench"));
    QApplication::setApplicationName(QStringLiteral("gui_bench"));
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({{QStringLiteral("rate"), QStringLiteral("Messages per second."),
                   QStringLiteral("n"), QStringLiteral("200000")},
                  {QStringLiteral("seconds"), QStringLiteral("Seconds of load."),
                   QStringLiteral("s"), QStringLiteral("60")},
                  {QStringLiteral("size"), QStringLiteral("Payload bytes."), QStringLiteral("b"),
                   QStringLiteral("128")},
                  {QStringLiteral("json"), QStringLiteral("JSON output.")}});
    p.process(app);
    const int rate = p.value(QStringLiteral("rate")).toInt();
    const int seconds = p.value(QStringLiteral("seconds")).toInt();
    if (rate <= 0 || seconds <= 0 || seconds > 3600) {
        std::fprintf(stderr, "gui_bench: --rate and --seconds (up to 3600) must be positive\n");
        return 2;
    }

    // 1. Startup: the window, exposed.
    MainWindow window;
    window.show();
    while (!window.windowHandle() || !window.windowHandle()->isExposed())
        QApplication::processEvents(QEventLoop::AllEvents, 5);
    QApplication::processEvents();
    const qint64 startupMs = sinceStart.elapsed();

    NatsServerProcess server;
    if (Status s = server.start(); !s.ok()) {
        std::fprintf(stderr, "gui_bench: %s\n", qPrintable(s.toString()));
        return 1;
    }
    window.setWatchedSubjects({QByteArrayLiteral("load.>")});
    window.connectToUrls(server.url());
    QElapsedTimer wait;
    wait.start();
    while (!(window.connection() && window.connection()->isConnected()) && wait.elapsed() < 10000)
        QApplication::processEvents(QEventLoop::AllEvents, 10);
    QApplication::processEvents(QEventLoop::AllEvents, 200); // the subscription is made

    // 2. The load, from its own process.
    QProcess pub;
    pub.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    pub.start(QStringLiteral(JETDECK_CLI_PATH),
              {QStringLiteral("--server"), server.url(), QStringLiteral("pub"),
               QStringLiteral("load.test"), QStringLiteral("--count"),
               QString::number(qint64(rate) * seconds), QStringLiteral("--rate"),
               QString::number(rate), QStringLiteral("--size"), p.value(QStringLiteral("size")),
               QStringLiteral("--json")});
    if (!pub.waitForStarted(5000)) {
        std::fprintf(stderr, "gui_bench: cannot start %s\n", JETDECK_CLI_PATH);
        return 1;
    }

    // 3. The GUI thread's lateness and memory while it runs.
    jetdeck::bench::LatenessProbe probe;
    probe.start();
    const qint64 rssStart = rssKiB();
    jetdeck::bench::RssPeak rss;
    rss.start();
    const quint64 inStart = window.connection()->stats().inMsgs;
    int page = 0;
    QTimer pages;
    pages.setInterval(2000);
    QObject::connect(&pages, &QTimer::timeout, [&] {
        page = (page + 1) % 6;
        window.showPage(MainWindow::Page(page));
    });
    pages.start();
    QElapsedTimer load;
    load.start();
    waitFor([&] { return pub.state() == QProcess::NotRunning; }, (seconds + 30) * 1000);
    const double loadS = double(load.elapsed()) / 1000.0;
    probe.stop();
    pages.stop();
    rss.stop();
    const qint64 rssPeak = rss.peakKiB();
    // Let the subscription drain what is still buffered.
    QApplication::processEvents(QEventLoop::AllEvents, 500);
    const quint64 received = window.connection()->stats().inMsgs - inStart;
    const qint64 rssEnd = rssKiB();
    const QByteArray pubOut = pub.readAllStandardOutput();
    const metrics::Percentiles pl = probe.percentiles();
    const qint64 maxLateUs = probe.maxLateUs();
    const qint64 stalls = probe.stalls();

    QJsonObject o{{QStringLiteral("startup_ms"), startupMs},
                  {QStringLiteral("rate_asked"), rate},
                  {QStringLiteral("seconds"), loadS},
                  {QStringLiteral("received"), qint64(received)},
                  {QStringLiteral("received_per_s"), double(received) / loadS},
                  {QStringLiteral("publisher"), QJsonDocument::fromJson(pubOut).object()},
                  {QStringLiteral("gui_late_p50_ms"), double(pl.p50) / 1000.0},
                  {QStringLiteral("gui_late_p99_ms"), double(pl.p99) / 1000.0},
                  {QStringLiteral("gui_late_max_ms"), double(maxLateUs) / 1000.0},
                  {QStringLiteral("gui_stalls_over_100ms"), stalls},
                  {QStringLiteral("rss_start_mib"), double(rssStart) / 1024.0},
                  {QStringLiteral("rss_peak_mib"), double(rssPeak) / 1024.0},
                  {QStringLiteral("rss_end_mib"), double(rssEnd) / 1024.0}};
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Indented).constData());
    } else {
        std::printf("window exposed %lld ms after main()\n", startupMs);
        std::printf("load: %.0f msgs/s asked for %d s; the console received %llu (%.0f/s)\n",
                    double(rate), seconds, qulonglong(received), double(received) / loadS);
        std::printf("GUI thread lateness of a 10 ms timer: P50 %.2f ms, P99 %.2f ms, max %.1f ms, "
                    "%lld stalls over 100 ms\n",
                    double(pl.p50) / 1000.0, double(pl.p99) / 1000.0, double(maxLateUs) / 1000.0,
                    stalls);
        std::printf("resident memory: %.1f MiB at start, %.1f MiB peak, %.1f MiB at the end\n",
                    double(rssStart) / 1024.0, double(rssPeak) / 1024.0, double(rssEnd) / 1024.0);
    }
    return 0;
}
