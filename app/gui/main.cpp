// jetdeck: the desktop console. Argument parsing and start-up only; the work is in
// jetdeck_ui and jetdeck_core.
#include "core/client/connectoptions.h"
#include "core/client/natscontext.h"
#include "core/demo/demosession.h"
#include "core/metrics/registry.h"
#include "ui/mainwindow.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/publishpage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QScreen>
#include <QTimer>

#include <cstdio>

using namespace jetdeck;

namespace {

int fail(const QString& message) {
    std::fprintf(stderr, "jetdeck: error: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("jetdeck"));
    QApplication::setOrganizationName(QStringLiteral("JetDeck"));
    QApplication::setApplicationDisplayName(QStringLiteral("JetDeck"));
    QApplication::setApplicationVersion(QStringLiteral(JETDECK_VERSION));

    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("JetDeck: a desktop console for NATS and JetStream."));
    p.addHelpOption();
    p.addVersionOption();
    p.addOptions({
        {QStringLiteral("demo"),
         QStringLiteral("Start a local nats-server with JetStream and a live workload, and connect "
                        "to it. Everything is removed on exit.")},
        {{QStringLiteral("s"), QStringLiteral("server")},
         QStringLiteral("Connect to these NATS server URLs (comma separated)."),
         QStringLiteral("urls")},
        {QStringLiteral("context"), QStringLiteral("Use this natscli context."),
         QStringLiteral("name")},
        {QStringLiteral("screenshot"),
         QStringLiteral("Save a screenshot of the window to FILE after --screenshot-delay and "
                        "exit (for documentation)."),
         QStringLiteral("file")},
        {QStringLiteral("page"),
         QStringLiteral(
             "Open on this page: connection, streams, latency, outbound, publish or consumer."),
         QStringLiteral("name")},
        {QStringLiteral("metrics-port"),
         QStringLiteral("Serve Prometheus metrics on 127.0.0.1:PORT (/metrics, /snapshot.json)."),
         QStringLiteral("port")},
        {QStringLiteral("screenshot-delay"),
         QStringLiteral("Milliseconds to wait before the screenshot (default 4000)."),
         QStringLiteral("ms"), QStringLiteral("4000")},
    });
    p.process(app);

    MainWindow window;
    std::unique_ptr<DemoSession> demo;
    if (p.isSet(QStringLiteral("demo"))) {
        demo = std::make_unique<DemoSession>();
        if (Status s = demo->start()) {
            QMessageBox::critical(
                nullptr, QStringLiteral("JetDeck"),
                QStringLiteral("The demo could not start:\n\n%1").arg(s.toString()));
            return fail(s.toString());
        }
        window.setWindowTitle(QStringLiteral("JetDeck — demo"));
        window.setWatchedSubjects({DemoSession::subjects()});
        for (const auto& tracker : demo->trackers())
            window.metricsRegistry()->attachTracker(tracker);
        window.connectToUrls(demo->url());
        // Pages that need a choice open on something worth seeing.
        window.consumerPage()->openConsumer(DemoSession::streamName(), QStringLiteral("audit"));
        window.publishPage()->presetForDemo();
    } else {
        NatsContext flags;
        flags.url = p.value(QStringLiteral("server"));
        auto ctx = resolveNatsContext(p.value(QStringLiteral("context")), flags,
                                      QProcessEnvironment::systemEnvironment());
        if (!ctx)
            return fail(ctx.error().toString());
        auto opts = optionsFromContext(ctx.value());
        if (!opts)
            return fail(opts.error().toString());
        Options o = opts.value();
        o.name = QStringLiteral("jetdeck");
        o.retryOnFailedConnect = true;
        window.setBaseOptions(o);
        const bool explicitTarget =
            p.isSet(QStringLiteral("server")) || p.isSet(QStringLiteral("context")) ||
            qEnvironmentVariableIsSet("NATS_URL") || !ctx->sourcePath.isEmpty();
        if (explicitTarget)
            window.connectWith(o);
    }
    if (p.isSet(QStringLiteral("page"))) {
        const QString page = p.value(QStringLiteral("page"));
        const QStringList pages{QStringLiteral("connection"), QStringLiteral("streams"),
                                QStringLiteral("latency"),    QStringLiteral("outbound"),
                                QStringLiteral("publish"),    QStringLiteral("consumer")};
        if (!pages.contains(page))
            return fail(
                QStringLiteral("--page is one of: %1").arg(pages.join(QStringLiteral(", "))));
        window.showPage(int(pages.indexOf(page)));
    }
    if (p.isSet(QStringLiteral("metrics-port"))) {
        bool ok = false;
        const uint port = p.value(QStringLiteral("metrics-port")).toUInt(&ok);
        if (!ok || port > 65535)
            return fail(QStringLiteral("--metrics-port needs a port number 0..65535, not '%1'")
                            .arg(p.value(QStringLiteral("metrics-port"))));
        if (Status s = window.startMetricsServer(quint16(port)))
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
    const int rc = QApplication::exec();
    demo.reset();
    return rc;
}
