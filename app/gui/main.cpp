// jetdeck: the desktop console. Argument parsing and start-up only; the work is in
// jetdeck_ui and jetdeck_core.
#include "core/client/connectoptions.h"
#include "core/client/natscontext.h"
#include "core/client/systemcredentials.h"
#include "core/logging/logging.h"
#include "core/metrics/registry.h"
#include "core/system/monitorports.h"
#include "ui/connections/connectionsidebar.h"
#include "ui/mainwindow.h"
#include "ui/pages/scenariopage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QSocketNotifier>

#include <QIcon>
#include <QScreen>
#include <QThread>
#include <QTimer>
#include <csignal>
#include <unistd.h>

#include <cstdio>

using namespace jetdeck;

namespace {

int fail(const QString& message) {
    std::fprintf(stderr, "jetdeck: error: %s\n", qPrintable(message));
    return 1;
}

int g_signalPipe[2] = {-1, -1};

void onSignal(int) {
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}

/// SIGINT and SIGTERM end the event loop (through a pipe: only write() is safe in a handler).
void quitOnSignals() {
    if (::pipe(g_signalPipe) != 0)
        return;
    auto* notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, qApp);
    QObject::connect(notifier, &QSocketNotifier::activated, qApp, [] {
        char c;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &c, 1);
        QApplication::quit();
    });
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("jetdeck"));
    QApplication::setOrganizationName(QStringLiteral("JetDeck"));
    QApplication::setApplicationDisplayName(QStringLiteral("JetDeck"));
    QApplication::setApplicationVersion(QStringLiteral(JETDECK_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("dev.jetdeck.JetDeck"));
    {
        QIcon icon;
        for (int size : {16, 24, 32, 48, 64, 128, 256})
            icon.addFile(QStringLiteral(":/icons/%1x%1/dev.jetdeck.JetDeck.png").arg(size));
        QApplication::setWindowIcon(icon);
    }
    QThread::currentThread()->setObjectName(QStringLiteral("main"));

    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("JetDeck: a desktop console for NATS and JetStream."));
    p.addHelpOption();
    p.addVersionOption();
    p.addOptions({
        {QStringLiteral("demo"),
         QStringLiteral("Start a local nats-server with JetStream and a live workload, and connect "
                        "to it. Everything is removed on exit.")},
        {QStringLiteral("demo-cluster"),
         QStringLiteral("As --demo, with a JetStream cluster of N servers on loopback (3 to 5; the "
                        "demo's stream is replicated on three of them)."),
         QStringLiteral("n")},
        {{QStringLiteral("s"), QStringLiteral("server"), QStringLiteral("connect")},
         QStringLiteral("Connect to these NATS server URLs (comma separated: one connection to a "
                        "pool of servers). Repeat it, or mix it with --context, to open several "
                        "connections at once."),
         QStringLiteral("urls")},
        {QStringLiteral("context"),
         QStringLiteral("Use this natscli context (repeatable: one connection each)."),
         QStringLiteral("name")},
        {QStringLiteral("ignore-discovered"),
         QStringLiteral("Connect only to the given servers, not to those the cluster advertises "
                        "(they would get the same credentials).")},
        {QStringLiteral("screenshot"),
         QStringLiteral("Save a screenshot of the window to FILE after --screenshot-delay and "
                        "exit (for documentation)."),
         QStringLiteral("file")},
        {QStringLiteral("page"),
         QStringLiteral("Open on this page: %1.")
             .arg(MainWindow::pageNames().join(QStringLiteral(", "))),
         QStringLiteral("name")},
        {QStringLiteral("theme"),
         QStringLiteral("Colours: system (follow the desktop, the default), light or dark. "
                        "Kept for the next start."),
         QStringLiteral("name")},
        {QStringLiteral("metrics-port"),
         QStringLiteral("Serve Prometheus metrics on 127.0.0.1:PORT (/metrics, /snapshot.json)."),
         QStringLiteral("port")},
        {QStringLiteral("scenario"),
         QStringLiteral("Open the scenarios page with this scenario (a built-in name or a "
                        "file)."),
         QStringLiteral("file")},
        {QStringLiteral("run-scenario"), QStringLiteral("With --scenario: run it at once.")},
        {QStringLiteral("log-level"),
         QStringLiteral("Log debug, info, warning or error and above (default: info to the log "
                        "file, warnings to the terminal). Categories: jetdeck.client, "
                        ".jetstream, .server, .faults, .scenario, .metrics, .ui."),
         QStringLiteral("level")},
        {QStringLiteral("no-log-file"),
         QStringLiteral("Write no log file (else one per run in the application's data "
                        "directory, logs/, the last 10 kept).")},
        {QStringLiteral("monitor"),
         QStringLiteral("The servers' monitoring ports (http://host:8222, several separated by "
                        "commas): the servers and JetStream pages read them when the user is "
                        "not in the system account."),
         QStringLiteral("urls")},
        {QStringLiteral("screenshot-delay"),
         QStringLiteral("Milliseconds to wait before the screenshot (default 4000)."),
         QStringLiteral("ms"), QStringLiteral("4000")},
    });
    SystemCredentials::addOptions(p);
    p.process(app);

    const auto log = logging::setupFromArguments(
        QStringLiteral("jetdeck"), logging::Level::Warning,
        p.isSet(QStringLiteral("log-level")) ? std::optional(p.value(QStringLiteral("log-level")))
                                             : std::nullopt,
        p.isSet(QStringLiteral("no-log-file")));
    if (!log)
        return fail(log.error().message);
    if (Status s = logging::install(log.value()); !s.ok() && log->toFile)
        std::fprintf(stderr, "jetdeck: %s (logging to stderr only)\n", qPrintable(s.message));
    qCInfo(lcUi).noquote() << QStringLiteral("JetDeck %1 starting; log file %2")
                                  .arg(QStringLiteral(JETDECK_VERSION), logging::currentFile());

    MainWindow window;
    const auto sysCreds = SystemCredentials::fromArguments(p);
    if (!sysCreds)
        return fail(sysCreds.error().message);
    window.setSystemCredentials(sysCreds.value());
    if (p.isSet(QStringLiteral("monitor"))) {
        const auto urls = sys::MonitorPorts::parseUrls(p.value(QStringLiteral("monitor")));
        if (!urls)
            return fail(QStringLiteral("--monitor: %1").arg(urls.error().message));
        window.setMonitorUrls(urls.value());
    }
    if (p.isSet(QStringLiteral("demo")) || p.isSet(QStringLiteral("demo-cluster"))) {
        int servers = 1;
        if (p.isSet(QStringLiteral("demo-cluster"))) {
            bool ok = false;
            servers = p.value(QStringLiteral("demo-cluster")).toInt(&ok);
            if (!ok || servers < 3 || servers > 5)
                return fail(QStringLiteral("--demo-cluster needs 3, 4 or 5 servers, not '%1'")
                                .arg(p.value(QStringLiteral("demo-cluster"))));
        }
        // The window owns the demo, as when its welcome starts one: the servers stop after it
        // lets go of its connection.
        if (Status s = window.startDemo(servers); !s.ok()) {
            QMessageBox::critical(
                nullptr, QStringLiteral("JetDeck"),
                QStringLiteral("The demo could not start:\n\n%1").arg(s.toString()));
            return fail(s.toString());
        }
    } else {
        const QStringList servers = p.values(QStringLiteral("server"));
        const QStringList contexts = p.values(QStringLiteral("context"));
        NatsContext flags;
        flags.ignoreDiscoveredServers = p.isSet(QStringLiteral("ignore-discovered"));
        // A context (none: NATS_URL, natscli's selected context...) with `url` over its
        // servers when given, and its options as the console connects: named, and trying again
        // while a server is down.
        auto resolve = [&](const QString& name, const QString& url) {
            NatsContext f = flags;
            f.url = url;
            return resolveNatsContext(name, f, QProcessEnvironment::systemEnvironment());
        };
        auto consoleOptions = [](const Result<NatsContext>& ctx) -> Result<Options> {
            if (!ctx)
                return ctx.error();
            auto opts = optionsFromContext(ctx.value());
            if (!opts)
                return opts.error();
            Options o = opts.value();
            o.name = QStringLiteral("jetdeck");
            o.retryOnFailedConnect = true;
            return o;
        };
        if (servers.size() > 1 || contexts.size() > 1) {
            // Several connections at once, in the order given: each --server a pool of its own
            // (with the default context's credentials), each --context its own.
            auto base = consoleOptions(resolve(QString(), QString()));
            if (!base)
                return fail(base.error().toString());
            window.setBaseOptions(base.value());
            qsizetype nextServer = 0, nextContext = 0;
            for (const QString& name : p.optionNames()) {
                if (name == QLatin1String("context")) {
                    const QString context = contexts.value(nextContext++);
                    auto o = consoleOptions(resolve(context, QString()));
                    if (!o)
                        return fail(
                            QStringLiteral("--context %1: %2").arg(context, o.error().toString()));
                    const QString key = QStringLiteral("context:") + context;
                    window.openConnection(
                        o.value(),
                        window.connectionSidebar()->keys().contains(key) ? key : QString(),
                        context);
                } else if (name == QLatin1String("s") || name == QLatin1String("server") ||
                           name == QLatin1String("connect")) {
                    if (!window.openUrls(servers.value(nextServer++)))
                        return fail(window.lastMessage());
                }
            }
        } else {
            const auto ctx =
                resolve(p.value(QStringLiteral("context")), p.value(QStringLiteral("server")));
            auto opts = consoleOptions(ctx);
            if (!opts)
                return fail(opts.error().toString());
            const Options& o = opts.value();
            window.setBaseOptions(o);
            const bool explicitTarget = !servers.isEmpty() || !contexts.isEmpty() ||
                                        qEnvironmentVariableIsSet("NATS_URL") ||
                                        !ctx->sourcePath.isEmpty();
            if (explicitTarget)
                window.connectWith(o);
            // Else what was open when the window last closed; else, on a first start (nothing
            // saved, no server given), the welcome.
            else if (!window.restoreOpenConnection() && !window.hasSavedConnections())
                window.showWelcome();
        }
    }
    if (p.isSet(QStringLiteral("theme"))) {
        const auto theme = themeFromName(p.value(QStringLiteral("theme")));
        if (!theme)
            return fail(QStringLiteral("--theme is one of: system, light, dark"));
        window.setTheme(*theme);
    }
    if (p.isSet(QStringLiteral("page"))) {
        const auto page = MainWindow::pageFromName(p.value(QStringLiteral("page")));
        if (!page)
            return fail(QStringLiteral("--page is one of: %1")
                            .arg(MainWindow::pageNames().join(QStringLiteral(", "))));
        window.showPage(*page);
    }
    if (p.isSet(QStringLiteral("scenario"))) {
        ScenarioPage* page = window.scenarioPage();
        if (!page->loadScenario(p.value(QStringLiteral("scenario"))))
            return fail(page->statusText());
        window.showPage(MainWindow::Page::Scenarios);
        if (p.isSet(QStringLiteral("run-scenario")))
            QTimer::singleShot(0, page, [page] { page->start(); });
    }
    if (p.isSet(QStringLiteral("metrics-port"))) {
        bool ok = false;
        const uint port = p.value(QStringLiteral("metrics-port")).toUInt(&ok);
        if (!ok || port > 65535)
            return fail(QStringLiteral("--metrics-port needs a port number 0..65535, not '%1'")
                            .arg(p.value(QStringLiteral("metrics-port"))));
        if (Status s = window.startMetricsServer(quint16(port)); !s.ok())
            return fail(s.toString());
        std::fprintf(stderr, "jetdeck: serving metrics on %s\n", qPrintable(window.metricsUrl()));
    }
    window.show();

    if (p.isSet(QStringLiteral("screenshot"))) {
        const QString file = p.value(QStringLiteral("screenshot"));
        bool ok = false;
        const int delay = p.value(QStringLiteral("screenshot-delay")).toInt(&ok);
        if (!ok || delay < 0)
            return fail(QStringLiteral("--screenshot-delay needs milliseconds"));
        QTimer::singleShot(delay, &window, [&window, file] {
            if (!window.grab().save(file))
                fail(QStringLiteral("cannot save the screenshot to %1").arg(file));
            QApplication::quit();
        });
    }
    // Ctrl+C or a polite kill quits like closing the window does: the demo's servers stop
    // and their directories go.
    quitOnSignals();
    const int rc = QApplication::exec();
    // While logging still runs: the connection goes, then a demo's servers.
    window.stopDemo();
    window.disconnectAll();
    qCInfo(lcUi) << "JetDeck exits with" << rc;
    logging::shutdown();
    return rc;
}
