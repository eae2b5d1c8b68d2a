// jetdeck-cli: the headless face of JetDeck. This file finds the command and parses the
// arguments; the commands are thin glue over jetdeck_core.
#include "app/cli/clicommon.h"
#include "core/logging/logging.h"

#include <QCoreApplication>
#include <QThread>

#include <cstdio>

using namespace jetdeck;
using namespace jetdeck::cli;

QList<Command> jetdeck::cli::allCommands() {
    return coreCommands() + jetStreamCommands() + serverCommands() + eventCommands() +
           metricsCommands() + scenarioCommands() + completionCommands();
}

namespace {

QString findCommand(const QStringList& args) {
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == QLatin1String("--"))
            return i + 1 < args.size() ? args[i + 1] : QString();
        if (a.startsWith(QLatin1Char('-'))) {
            QString name = a.mid(a.startsWith(QLatin1String("--")) ? 2 : 1);
            if (!name.contains(QLatin1Char('=')) && globalValueOptions().contains(name))
                ++i; // skip its value
            continue;
        }
        return a;
    }
    return {};
}

QString globalHelp() {
    QString s = QStringLiteral(
        "Usage: jetdeck-cli [global options] COMMAND [arguments] [options]\n\n"
        "The headless face of JetDeck, a console for NATS and JetStream.\n\nCommands:\n");
    for (const Command& c : allCommands())
        s += QStringLiteral("  %1%2\n      %3\n")
                 .arg(QLatin1String(c.name),
                      *c.args ? QLatin1Char(' ') + QLatin1String(c.args) : QString(),
                      QLatin1String(c.description));
    s += QStringLiteral(
        "\nGlobal options (natscli names; NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN,\n"
        "NATS_CREDS, NATS_NKEY, NATS_CERT, NATS_KEY, NATS_CA, NATS_TIMEOUT and NATS_CONTEXT\n"
        "work as in natscli; flags win over the environment, which wins over the context):\n"
        "  -s, --server URL[,URL...]  NATS server URLs (nats://, tls://, host:port)\n"
        "  --context NAME             natscli context to use\n"
        "  --user USER, --password PASS, --token TOKEN\n"
        "  --nkey FILE                NKey user seed file\n"
        "  --creds FILE               .creds file (user JWT and seed)\n"
        "  --tlsca FILE, --tlscert FILE, --tlskey FILE\n"
        "  --timeout DURATION         connect and request timeout (5s, 250ms, 1m)\n"
        "  --name NAME                connection name shown by the server\n"
        "  --json                     machine-readable output\n"
        "Resilience (the earlier router's configuration keys in brackets):\n"
        "  --reconnect-delay D        first delay between reconnect passes [reconnect_delay_ms]\n"
        "  --max-reconnect-delay D    cap of the growing delay [max_reconnect_delay_ms]\n"
        "  --reconnect-attempts N     give up after N attempts, -1 never [reconnect_attempts]\n"
        "  --max-pending N            publishes held while disconnected [max_pending_operations]\n"
        "  --pending-timeout D        how long a held publish may wait "
        "[pending_operation_timeout_ms]\n"
        "  --fail-open                when the queue is full, drop the oldest [fail_open_mode]\n"
        "  --ping-interval D          client PING interval (stale detection)\n"
        "Logging (categories jetdeck.client, .jetstream, .server, .faults, .scenario, .metrics):\n"
        "  --log-level LEVEL          debug, info, warning or error: to stderr and the log file\n"
        "                             (default: info to the file, errors only to stderr)\n"
        "  --no-log-file              no log file (else one per run in\n"
        "                             ~/.local/share/jetdeck-cli/logs, the last 10 kept;\n"
        "                             JETDECK_LOG_DIR picks another directory)\n"
        "  --version, -h/--help\n\n"
        "Run 'jetdeck-cli COMMAND --help' for the options of a command.\n"
        "Exit codes: 0 success, 1 failure, 2 usage error.\n");
    return s;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jetdeck-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JETDECK_VERSION));
    QThread::currentThread()->setObjectName(QStringLiteral("main"));
    installSignalHandlers();

    const QStringList args = QCoreApplication::arguments();
    if (args.contains(QStringLiteral("--version"))) {
        out(QStringLiteral("jetdeck-cli ") + QStringLiteral(JETDECK_VERSION));
        return kExitOk;
    }
    const QString command = findCommand(args);
    QCommandLineParser p;
    p.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    const QList<Command> commands = allCommands();
    const Command* selected = nullptr;
    for (const Command& c : commands)
        if (command == QLatin1String(c.name))
            selected = &c;
    addGlobalOptions(p, selected != nullptr);
    if (selected) {
        selected->addOptions(p);
        p.addPositionalArgument(QLatin1String(selected->name) + QLatin1Char(' ') +
                                    QLatin1String(selected->args),
                                QLatin1String(selected->description));
    }

    if (!p.parse(args))
        return fail(p.errorText() + QStringLiteral(" (see jetdeck-cli --help)"), kExitUsage);
    if (command.isEmpty()) {
        out(globalHelp());
        return p.isSet(QStringLiteral("help")) ? kExitOk : kExitUsage;
    }
    if (!selected)
        return fail(QStringLiteral("unknown command '%1' (see jetdeck-cli --help)").arg(command),
                    kExitUsage);
    if (p.isSet(QStringLiteral("help"))) {
        // "Usage: jetdeck-cli ..." whatever path it was started by, then a pointer to the
        // global options.
        QString help = p.helpText();
        const qsizetype nl = help.indexOf(QLatin1Char('\n'));
        const QString first = help.left(nl);
        const qsizetype opts = first.indexOf(QStringLiteral(" [options]"));
        if (first.startsWith(QStringLiteral("Usage: ")) && opts > 0)
            help = QStringLiteral("Usage: jetdeck-cli") + help.mid(opts);
        out(help + QStringLiteral("\nGlobal options (server, credentials, TLS, resilience, "
                                  "logging): see jetdeck-cli --help.\n"));
        return kExitOk;
    }
    // A log file per run (rotated), and the terminal only for what was asked for: stderr
    // stays for the command's own errors unless --log-level says otherwise.
    const auto log = logging::setupFromArguments(
        QStringLiteral("jetdeck-cli"), logging::Level::Error,
        p.isSet(QStringLiteral("log-level")) ? std::optional(p.value(QStringLiteral("log-level")))
                                             : std::nullopt,
        p.isSet(QStringLiteral("no-log-file")));
    if (!log)
        return fail(log.error().message, kExitUsage);
    if (Status s = logging::install(log.value()); !s.ok() && log->toFile)
        std::fprintf(stderr, "jetdeck-cli: %s (logging to stderr only)\n", qPrintable(s.message));
    const bool json = p.isSet(QStringLiteral("json"));
    auto resolved = resolveOptions(p);
    if (!resolved)
        return fail(resolved.error().toString(), kExitUsage);
    return selected->run(p, resolved.value(), json);
}
