#pragma once

// What the jetdeck-cli commands share: output, errors and exit codes, the connection options
// from flags / environment / natscli context, and small parsing helpers.
#include "core/client/connection.h"

#include <QCommandLineParser>
#include <QJsonObject>

#include <functional>

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

void addGlobalOptions(QCommandLineParser& p);
/// Names of the global options that take a value (to find the command word).
const QStringList& globalValueOptions();
Result<Resolved> resolveOptions(const QCommandLineParser& p);

bool parseCount(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64* out,
                QString* error);
/// A Go-style duration option ("500ms", "2s", "1m30s") in milliseconds.
bool parseDurationMs(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64* out,
                     QString* error);
Result<Headers> parseHeaders(const QStringList& specs);

QJsonObject messageJson(const Message& m);
void printMessage(const Message& m, quint64 n, bool json);

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

/// `pub --js`: publish with acknowledgements (sync for one message, async for --count).
int runJsPublish(const QCommandLineParser& p, const Resolved& r, bool json,
                 const QByteArray& subject, const QByteArray& body, const Headers& headers,
                 qint64 count);

} // namespace jetdeck::cli
