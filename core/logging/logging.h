#pragma once

#include "core/base/error.h"

#include <QLoggingCategory>
#include <QString>

#include <optional>

// JetDeck's logging categories. Everything the client, the JetStream layer, the demo's
// servers, the fault tools, the scenario runner, the metrics endpoint and the console have to
// say goes through one of these, so `--log-level` and QT_LOGGING_RULES select it.
Q_DECLARE_LOGGING_CATEGORY(lcClient)    // jetdeck.client: connects, state changes, errors
Q_DECLARE_LOGGING_CATEGORY(lcJetStream) // jetdeck.jetstream: API failures, publish outcomes
Q_DECLARE_LOGGING_CATEGORY(lcServer)    // jetdeck.server: nats-server processes we started
Q_DECLARE_LOGGING_CATEGORY(lcFaults)    // jetdeck.faults: proxy, toxics, consumer faults
Q_DECLARE_LOGGING_CATEGORY(lcScenario)  // jetdeck.scenario: runs, steps, verdicts
Q_DECLARE_LOGGING_CATEGORY(lcMetrics)   // jetdeck.metrics: the Prometheus endpoint
Q_DECLARE_LOGGING_CATEGORY(lcUi)        // jetdeck.ui: the console

namespace jetdeck::logging {

enum class Level { Debug, Info, Warning, Error };
QString levelName(Level level);
/// "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<Level> levelFromName(QStringView name);
/// The categories above with what each covers, for --help and the README.
QList<QPair<QString, QString>> categories();

struct Setup {
    QString program;           ///< file name stem, e.g. "jetdeck"
    Level level = Level::Info; ///< what reaches the file (and the terminal, see below)
    /// What reaches stderr: nothing below this (the CLI keeps its stderr for its own errors).
    Level stderrLevel = Level::Warning;
    bool toFile = true;
    /// Where the files go; empty: <standard app data location>/logs.
    QString directory;
    int keepFiles = 10;                   ///< earlier runs' files kept (oldest removed)
    qint64 maxBytes = 10LL * 1024 * 1024; ///< a file this large is rolled to NAME.1
};

/// What a program's --log-level LEVEL (nullopt when not given) and --no-log-file ask for, with
/// JETDECK_LOG_DIR for the directory. Without --log-level the terminal gets `quietStderr` and
/// above; with it, that level on the terminal and in the file. The error names a bad level.
Result<Setup> setupFromArguments(const QString& program, Level quietStderr,
                                 const std::optional<QString>& levelOption, bool noFile);

/// Installs the message handler and the category filters. The file is
/// PROGRAM-YYYYMMDD-HHMMSS-PID.log; earlier files beyond keepFiles are removed. When the
/// file cannot be written the error says why and logging goes on to stderr only.
Status install(const Setup& setup);
/// The file this run writes to (empty when none).
QString currentFile();
/// Flushes and closes the file, restores Qt's handler.
void shutdown();

} // namespace jetdeck::logging
