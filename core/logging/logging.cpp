#include "logging.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>

#include <cstdio>
#include <mutex>

Q_LOGGING_CATEGORY(lcClient, "jetdeck.client", QtWarningMsg)
Q_LOGGING_CATEGORY(lcJetStream, "jetdeck.jetstream", QtWarningMsg)
Q_LOGGING_CATEGORY(lcServer, "jetdeck.server", QtWarningMsg)
Q_LOGGING_CATEGORY(lcFaults, "jetdeck.faults", QtWarningMsg)
Q_LOGGING_CATEGORY(lcScenario, "jetdeck.scenario", QtWarningMsg)
Q_LOGGING_CATEGORY(lcMetrics, "jetdeck.metrics", QtWarningMsg)
Q_LOGGING_CATEGORY(lcUi, "jetdeck.ui", QtWarningMsg)

namespace jetdeck::logging {

namespace {

struct State {
    std::mutex mu;
    Setup setup;
    QFile file;
    QString path;
    qint64 written = 0;
    QtMessageHandler previous = nullptr;
    bool installed = false;
};

State& state() {
    static State s;
    return s;
}

int rank(QtMsgType t) {
    switch (t) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
    case QtFatalMsg:
        return 3;
    }
    return 3;
}

const char* typeName(QtMsgType t) {
    switch (t) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "?";
}

void rollLocked(State& s) {
    s.file.close();
    const QString rolled = s.path + QStringLiteral(".1");
    QFile::remove(rolled);
    QFile::rename(s.path, rolled);
    s.file.setFileName(s.path);
    if (s.file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        s.file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        s.written = 0;
    }
}

void handler(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    State& s = state();
    const int r = rank(type);
    {
        // Below both thresholds (Qt's own categories are not filtered by our rules): nothing to
        // format.
        std::lock_guard lock(s.mu);
        if (r < int(s.setup.stderrLevel) && (!s.file.isOpen() || r < int(s.setup.level)) &&
            type != QtFatalMsg)
            return;
    }
    const QByteArray line =
        QStringLiteral("%1 %2 %3 [%4] %5\n")
            .arg(QDateTime::currentDateTime().toString(Qt::ISODateWithMs),
                 QLatin1String(typeName(type)),
                 QLatin1String(context.category ? context.category : "default"),
                 QThread::currentThread()->objectName().isEmpty()
                     ? QStringLiteral("%1").arg(quintptr(QThread::currentThreadId()), 0, 16)
                     : QThread::currentThread()->objectName(),
                 message)
            .toUtf8();
    {
        std::lock_guard lock(s.mu);
        if (s.file.isOpen() && r >= int(s.setup.level)) {
            s.file.write(line);
            s.file.flush();
            s.written += line.size();
            if (s.written > s.setup.maxBytes)
                rollLocked(s);
        }
        if (r >= int(s.setup.stderrLevel)) {
            // The terminal gets the message the way Qt would print it, without the time.
            const QByteArray text = message.toLocal8Bit();
            std::fprintf(stderr, "%s\n", text.constData());
            std::fflush(stderr);
        }
    }
    if (type == QtFatalMsg)
        std::abort();
}

QString defaultDirectory() {
    const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    return base.isEmpty() ? QString() : base + QStringLiteral("/logs");
}

} // namespace

QString levelName(Level level) {
    switch (level) {
    case Level::Debug:
        return QStringLiteral("debug");
    case Level::Info:
        return QStringLiteral("info");
    case Level::Warning:
        return QStringLiteral("warning");
    case Level::Error:
        return QStringLiteral("error");
    }
    return {};
}

std::optional<Level> levelFromName(QStringView name) {
    const QString n = name.toString().trimmed().toLower();
    if (n == QLatin1String("debug"))
        return Level::Debug;
    if (n == QLatin1String("info"))
        return Level::Info;
    if (n == QLatin1String("warning") || n == QLatin1String("warn"))
        return Level::Warning;
    if (n == QLatin1String("error"))
        return Level::Error;
    return std::nullopt;
}

QList<QPair<QString, QString>> categories() {
    return {
        {QStringLiteral("jetdeck.client"),
         QStringLiteral("connections: connects, state changes, reconnects, server errors")},
        {QStringLiteral("jetdeck.jetstream"),
         QStringLiteral("JetStream API failures, publish outcomes, consumers")},
        {QStringLiteral("jetdeck.server"),
         QStringLiteral("nats-server processes JetDeck started (demo, scenarios)")},
        {QStringLiteral("jetdeck.faults"),
         QStringLiteral("the fault proxy, toxics, consumer faults, step-downs")},
        {QStringLiteral("jetdeck.scenario"), QStringLiteral("scenario runs, steps and verdicts")},
        {QStringLiteral("jetdeck.metrics"), QStringLiteral("the Prometheus endpoint")},
        {QStringLiteral("jetdeck.ui"), QStringLiteral("the console's own actions")},
    };
}

Result<Setup> setupFromArguments(const QString& program, Level quietStderr,
                                 const std::optional<QString>& levelOption, bool noFile) {
    Setup s;
    s.program = program;
    s.stderrLevel = quietStderr;
    if (levelOption) {
        const auto level = levelFromName(*levelOption);
        if (!level)
            return Error{
                ErrorKind::InvalidArgument,
                QStringLiteral("--log-level is one of debug, info, warning, error; got '%1'")
                    .arg(*levelOption)};
        s.level = *level;
        s.stderrLevel = *level;
    }
    s.toFile = !noFile;
    s.directory = qEnvironmentVariable("JETDECK_LOG_DIR");
    return s;
}

Status install(const Setup& setup) {
    State& s = state();
    {
        std::lock_guard lock(s.mu);
        s.setup = setup;
        if (s.file.isOpen())
            s.file.close();
        s.path.clear();
        s.written = 0;
    }
    // Only JetDeck's categories are filtered here; Qt's own keep their defaults.
    const int lowest = int(qMin(setup.level, setup.stderrLevel));
    QStringList rules;
    const char* names[] = {"debug", "info", "warning", "critical"};
    for (int i = 0; i < 4; ++i)
        rules << QStringLiteral("jetdeck.*.%1=%2")
                     .arg(QLatin1String(names[i]),
                          i >= lowest ? QStringLiteral("true") : QStringLiteral("false"));
    QLoggingCategory::setFilterRules(rules.join(QLatin1Char('\n')));
    if (!s.installed) {
        s.previous = qInstallMessageHandler(handler);
        s.installed = true;
    }
    if (!setup.toFile)
        return {};
    const QString dir = setup.directory.isEmpty() ? defaultDirectory() : setup.directory;
    if (dir.isEmpty() || !QDir().mkpath(dir))
        return Error{ErrorKind::Io, QStringLiteral("cannot create the log directory %1").arg(dir)};
    // Logs name servers, subjects and users: for the user's eyes only.
    QFile::setPermissions(dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QString stem = setup.program.isEmpty() ? QStringLiteral("jetdeck") : setup.program;
    // Earlier runs: keep the newest keepFiles - 1, this run's file makes keepFiles.
    QFileInfoList old =
        QDir(dir).entryInfoList({stem + QStringLiteral("-*.log*")}, QDir::Files, QDir::Time);
    for (qsizetype i = qMax(0, setup.keepFiles - 1); i < old.size(); ++i)
        QFile::remove(old[i].absoluteFilePath());
    const QString path =
        QStringLiteral("%1/%2-%3-%4.log")
            .arg(dir, stem,
                 QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")))
            .arg(QCoreApplication::applicationPid());
    std::lock_guard lock(s.mu);
    s.file.setFileName(path);
    if (!s.file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
        return Error{
            ErrorKind::Io,
            QStringLiteral("cannot write the log file %1: %2").arg(path, s.file.errorString())};
    s.file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    s.path = path;
    return {};
}

QString currentFile() {
    State& s = state();
    std::lock_guard lock(s.mu);
    return s.path;
}

void shutdown() {
    State& s = state();
    std::lock_guard lock(s.mu);
    if (s.file.isOpen())
        s.file.close();
    s.path.clear();
    if (s.installed) {
        qInstallMessageHandler(s.previous);
        s.installed = false;
    }
}

} // namespace jetdeck::logging
