#pragma once

// What the jetdeck-cli commands share: output, errors and exit codes, the connection options
// from flags / environment / natscli context, and small parsing helpers.
#include "core/client/connection.h"

#include <QCommandLineParser>
#include <QJsonObject>

#include <functional>
#include <limits>

namespace jetdeck::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// SIGINT/SIGTERM set a flag that runLoop() and long commands check.
void installSignalHandlers();
bool interrupted();

void out(const QString& s);
void outBytes(QByteArrayView b);
/// One line on stderr, "jetdeck-cli: error: ..."; returns `code`.
int fail(const QString& message, int code = kExitFailure);
void printJson(const QJsonObject& o);

/// Connection settings for a command, resolved from flags, NATS_* and the natscli context.
struct Resolved {
    Options options;
    int timeoutMs = 5000;
};

/// hidden: parsed, but left out of the help text (a command's --help shows its own options).
void addGlobalOptions(QCommandLineParser& p, bool hidden = false);
/// Names of the global options that take a value (to find the command word).
const QStringList& globalValueOptions();
Result<Resolved> resolveOptions(const QCommandLineParser& p);

bool parseCount(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64* out,
                QString* error);
/// A Go-style duration option ("500ms", "2s", "1m30s") in milliseconds.
bool parseDurationMs(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64* out,
                     QString* error);
/// An optional whole-number option between min and max: *out stays as it is when the option is
/// absent; anything else is an error naming the option and what it got.
template <typename T>
Status readIntOption(const QCommandLineParser& p, const char* name, qint64 min, T* out,
                     qint64 max = std::numeric_limits<T>::max()) {
    const QString key = QLatin1String(name);
    if (!p.isSet(key))
        return {};
    bool ok = false;
    const qint64 v = p.value(key).toLongLong(&ok);
    if (!ok || v < min || v > max)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("--%1 needs a whole number of at least %2, got '%3'")
                         .arg(key)
                         .arg(min)
                         .arg(p.value(key))};
    *out = T(v);
    return {};
}
Result<Headers> parseHeaders(const QStringList& specs);

QJsonObject messageJson(const Message& m);
void printMessage(const Message& m, quint64 n, bool json);

/// --sys-user, --sys-password and --sys-creds: a system account user for commands that need
/// one when the connection's own user is not.
void systemCredentialOptions(QCommandLineParser& p);
/// The connection options for the system: the command's own, with the --sys-* credentials
/// instead of its credentials when given.
Result<Options> systemOptions(const QCommandLineParser& p, const Resolved& r);

/// Connects on this thread; prints a one-line error and returns false when it cannot.
bool connectOrFail(Connection& c, int timeoutMs, int* code);
/// Runs the event loop until an interrupt or done() says so.
void runLoop(const std::function<bool()>& done);

/// A subcommand: its options, and what it does.
struct Command {
    const char* name;
    const char* args;
    const char* description;
    void (*addOptions)(QCommandLineParser& p);
    int (*run)(const QCommandLineParser& p, const Resolved& r, bool json);
};

/// Core NATS commands (pub, sub, req, reply, status, bench) and JetStream ones.
QList<Command> coreCommands();
QList<Command> jetStreamCommands();
/// serve-metrics and latency.
QList<Command> metricsCommands();
/// scenario run / check / list, and fault.
QList<Command> scenarioCommands();
/// server list / ping / report (servercommands.cpp).
QList<Command> serverCommands();
/// events (eventcommands.cpp).
QList<Command> eventCommands();
/// completion bash.
QList<Command> completionCommands();
/// Every command, in the order --help lists them.
QList<Command> allCommands();

/// `pub --js`: publish with acknowledgements (sync for one message, async for --count).
int runJsPublish(const QCommandLineParser& p, const Resolved& r, bool json,
                 const QByteArray& subject, const QByteArray& body, const Headers& headers,
                 qint64 count);

} // namespace jetdeck::cli
