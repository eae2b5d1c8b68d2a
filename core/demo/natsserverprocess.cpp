#include "natsserverprocess.h"
#include "core/logging/logging.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>

namespace jetdeck {

namespace {
int g_serial = 0;

QString quoted(const QString& s) {
    return QLatin1Char('"') + s + QLatin1Char('"');
}
} // namespace

NatsServerProcess::NatsServerProcess(NatsServerConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config)) {
    if (m_config.name.isEmpty())
        m_config.name =
            QStringLiteral("jetdeck-%1-%2").arg(QCoreApplication::applicationPid()).arg(++g_serial);
}

NatsServerProcess::~NatsServerProcess() {
    stop();
}

Result<QString> NatsServerProcess::executable() {
    const QString fromEnv = qEnvironmentVariable("JETDECK_NATS_SERVER");
    if (!fromEnv.isEmpty())
        return fromEnv;
    QString path = QStandardPaths::findExecutable(QStringLiteral("nats-server"));
    // Debian installs it in /usr/sbin, which is not in an ordinary user's PATH.
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("nats-server"),
                                              {QStringLiteral("/usr/sbin"),
                                               QStringLiteral("/usr/local/sbin"),
                                               QStringLiteral("/sbin")});
    if (path.isEmpty())
        return Error{ErrorKind::Io, QStringLiteral("nats-server was not found in PATH nor in "
                                                   "/usr/sbin; install the Debian package "
                                                   "'nats-server' (sudo apt-get install "
                                                   "nats-server) or set JETDECK_NATS_SERVER to "
                                                   "its path")};
    return path;
}

quint16 NatsServerProcess::freePort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

QString NatsServerProcess::url() const {
    return QStringLiteral("nats://127.0.0.1:%1").arg(m_config.port);
}

QString NatsServerProcess::routeUrl() const {
    return QStringLiteral("nats-route://127.0.0.1:%1").arg(m_config.clusterPort);
}

QString NatsServerProcess::directory() const {
    return m_dir ? m_dir->path() : QString();
}

QString NatsServerProcess::storeDirectory() const {
    return m_dir ? m_dir->filePath(QStringLiteral("store")) : QString();
}

QString NatsServerProcess::configPath() const {
    return m_dir ? m_dir->filePath(QStringLiteral("nats-server.conf")) : QString();
}

QString NatsServerProcess::log() const {
    return QString::fromUtf8(logFrom(0));
}

QString NatsServerProcess::logPath() const {
    return m_dir ? m_dir->filePath(QStringLiteral("nats-server.log")) : QString();
}

QByteArray NatsServerProcess::logFrom(qint64 offset) const {
    QFile f(logPath());
    if (!m_dir || !f.open(QIODevice::ReadOnly) || !f.seek(offset))
        return {};
    return f.readAll();
}

qint64 NatsServerProcess::logSize() const {
    return m_dir ? QFileInfo(logPath()).size() : 0;
}

Status NatsServerProcess::writeConfig() {
    QString c;
    c += QStringLiteral("server_name: %1\n").arg(quoted(m_config.name));
    c += QStringLiteral("listen: \"127.0.0.1:%1\"\n").arg(m_config.port);
    if (m_config.monitorPort)
        c += QStringLiteral("http: \"127.0.0.1:%1\"\n").arg(m_config.monitorPort);
    if (m_config.jetstream)
        c += QStringLiteral("jetstream: { store_dir: %1, max_memory_store: 256MB, "
                            "max_file_store: 1GB }\n")
                 .arg(quoted(storeDirectory()));
    if (!m_config.clusterName.isEmpty()) {
        c += QStringLiteral("cluster: {\n  name: %1\n  listen: \"127.0.0.1:%2\"\n")
                 .arg(quoted(m_config.clusterName))
                 .arg(m_config.clusterPort);
        if (!m_config.routes.isEmpty()) {
            c += QStringLiteral("  routes: [\n");
            for (const QString& r : m_config.routes)
                c += QStringLiteral("    %1\n").arg(quoted(r));
            c += QStringLiteral("  ]\n");
        }
        c += QStringLiteral("}\n");
    }
    c += m_config.extraConfig;
    c += QLatin1Char('\n');
    QFile f(configPath());
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(c.toUtf8()) < 0)
        return Error{ErrorKind::Io,
                     QStringLiteral("cannot write %1: %2").arg(configPath(), f.errorString())};
    return {};
}

Status NatsServerProcess::start(int timeoutMs) {
    if (isRunning())
        return {};
    auto exe = executable();
    if (!exe)
        return exe.error();
    if (!m_dir) {
        m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                                QStringLiteral("/jetdeck-nats-XXXXXX"));
        if (!m_dir->isValid())
            return Error{ErrorKind::Io, QStringLiteral("cannot create a temporary directory: %1")
                                            .arg(m_dir->errorString())};
    }

    // A port picked by freePort() can be taken by someone else before the server binds it;
    // try a few times with fresh ports when we chose them.
    const bool pickPort = m_config.port == 0;
    const bool pickCluster = !m_config.clusterName.isEmpty() && m_config.clusterPort == 0;
    QString lastLog;
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (pickPort && (attempt > 0 || m_config.port == 0))
            m_config.port = freePort();
        if (pickCluster && (attempt > 0 || m_config.clusterPort == 0))
            m_config.clusterPort = freePort();
        if (Status s = writeConfig(); !s.ok())
            return s;

        // The log is appended to across restarts: only this start's lines count, and only
        // they are read (reading the whole log at every probe made a long soak's memory grow:
        // ever larger buffers, freed, with small long-lived allocations landing above them).
        const qint64 logStart = logSize();
        delete m_process;
        m_process = new QProcess(this);
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->setStandardOutputFile(logPath(), QIODevice::Append);
        QStringList args{QStringLiteral("-c"), configPath()};
        args += m_config.extraArgs;
        connect(m_process, &QProcess::finished, this, [this](int code) {
            if (!m_expectExit)
                emit exited(code);
        });
        m_expectExit = false;
        // If we die without stopping it (SIGKILL, a crash), the server goes too: a demo or a
        // test never leaves a nats-server running. Servers are started from the thread that
        // lives as long as the process (the main thread), as PDEATHSIG follows the thread.
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process->start(exe.value(), args);
        if (!m_process->waitForStarted(timeoutMs))
            return Error{
                ErrorKind::Io,
                QStringLiteral("cannot start %1: %2").arg(exe.value(), m_process->errorString())};

        const QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (m_process->state() == QProcess::NotRunning)
                break;
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_config.port);
            if (probe.waitForConnected(200)) {
                // Accepting TCP is not enough when JetStream is still recovering; wait for the
                // line the server prints when it is ready for clients.
                // A cluster member binds its route port after it says it is ready, and exits
                // when that port is taken: it is ready once it listens for routes too.
                const QByteArray lines = logFrom(logStart);
                if (lines.contains("Server is ready") &&
                    (m_config.clusterName.isEmpty() ||
                     lines.contains("Listening for route connections"))) {
                    qCInfo(lcServer).noquote()
                        << QStringLiteral("nats-server %1 ready on %2 (pid %3, store %4)")
                               .arg(m_config.name, url())
                               .arg(pid())
                               .arg(storeDirectory());
                    return {};
                }
            }
            // Waiting on the process (not sleeping) notices at once that it exited: its state
            // is only updated by the event loop or a wait.
            m_process->waitForFinished(20);
        }
        lastLog = QString::fromUtf8(logFrom(logStart));
        const bool portClash = lastLog.contains(QLatin1String("address already in use"));
        // Which port clashed: only one we picked ourselves is worth picking again.
        const bool routeClash = lastLog.contains(QLatin1String("router port"));
        stop();
        if (!portClash || (routeClash ? !pickCluster : !pickPort))
            break;
    }
    const QStringList lines = lastLog.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return Error{ErrorKind::Io,
                 QStringLiteral("nats-server on port %1 did not become ready: %2")
                     .arg(m_config.port)
                     .arg(lines.mid(qMax(0, int(lines.size()) - 5)).join(QStringLiteral(" | ")))};
}

void NatsServerProcess::stop(int timeoutMs) {
    if (!m_process)
        return;
    m_expectExit = true;
    qCInfo(lcServer).noquote()
        << QStringLiteral("stopping nats-server %1 (pid %2)").arg(m_config.name).arg(pid());
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process->processId()), SIGCONT); // a paused server cannot exit
        m_process->terminate();
        if (!m_process->waitForFinished(timeoutMs)) {
            m_process->kill();
            m_process->waitForFinished(timeoutMs);
        }
    }
    delete m_process;
    m_process = nullptr;
}

void NatsServerProcess::kill() {
    if (!m_process)
        return;
    m_expectExit = true;
    qCInfo(lcServer).noquote()
        << QStringLiteral("killing nats-server %1 (pid %2, SIGKILL)").arg(m_config.name).arg(pid());
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    delete m_process;
    m_process = nullptr;
}

Status NatsServerProcess::restart(int timeoutMs) {
    stop();
    return start(timeoutMs);
}

bool NatsServerProcess::pause() {
    if (!isRunning() || ::kill(pid_t(m_process->processId()), SIGSTOP) != 0)
        return false;
    // SIGSTOP is asynchronous: wait until every thread of the server shows as stopped, or a
    // "paused" server may still answer for a moment.
    const QString taskDir = QStringLiteral("/proc/%1/task").arg(pid());
    QDeadlineTimer deadline(5000);
    while (!deadline.hasExpired()) {
        const QStringList tasks = QDir(taskDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        bool all = !tasks.isEmpty();
        for (const QString& tid : tasks) {
            QFile f(taskDir + QLatin1Char('/') + tid + QStringLiteral("/stat"));
            if (!f.open(QIODevice::ReadOnly))
                continue; // the thread is gone
            const QByteArray stat = f.readAll();
            const qsizetype paren = stat.lastIndexOf(')'); // "tid (comm) STATE ..."
            const char state = paren >= 0 && paren + 2 < stat.size() ? stat[paren + 2] : '?';
            all = all && (state == 'T' || state == 't');
        }
        if (all)
            return true;
        QThread::msleep(1);
    }
    return false;
}

bool NatsServerProcess::resume() {
    return isRunning() && ::kill(pid_t(m_process->processId()), SIGCONT) == 0;
}

Status NatsServerProcess::enterLameDuckMode() {
    if (!isRunning())
        return Error{ErrorKind::InvalidArgument, QStringLiteral("the server is not running")};
    auto exe = executable();
    if (!exe)
        return exe.error();
    QProcess signal;
    signal.start(exe.value(), {QStringLiteral("--signal"), QStringLiteral("ldm=%1").arg(pid())});
    if (!signal.waitForFinished(5000) || signal.exitCode() != 0)
        return Error{ErrorKind::Io, QStringLiteral("nats-server --signal ldm failed: %1")
                                        .arg(QString::fromUtf8(signal.readAll()))};
    qCInfo(lcServer).noquote() << QStringLiteral("nats-server %1 (pid %2) in lame duck mode")
                                      .arg(m_config.name)
                                      .arg(pid());
    return {};
}

bool NatsServerProcess::isRunning() const {
    return m_process && m_process->state() == QProcess::Running;
}

qint64 NatsServerProcess::pid() const {
    return m_process ? m_process->processId() : 0;
}

Status startLocalCluster(int n, std::vector<std::unique_ptr<NatsServerProcess>>* out,
                         const QString& clusterName, bool jetstream, const QString& namePrefix) {
    NatsServerConfig base;
    base.clusterName = clusterName;
    base.jetstream = jetstream;
    return startLocalCluster(n, out, base, namePrefix);
}

namespace {

constexpr int kAttempts = 5;

Status startLocalClusterOnce(int n, std::vector<std::unique_ptr<NatsServerProcess>>* out,
                             const NatsServerConfig& base, const QString& namePrefix, int attempt) {
    if (n < 1 || n > 9)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("a local cluster has 1 to 9 servers, not %1").arg(n)};
    // Every route port, and every monitoring port asked for, picked together and distinct: a
    // monitoring port picked later could be a member's route port that is free only until that
    // member starts, and a server whose route port is taken exits after it said it is ready.
    const int wanted = base.monitorPort == 1 ? 2 * n : n;
    QList<quint16> picked;
    for (int guard = 0; picked.size() < wanted && guard < 200; ++guard) {
        const quint16 p = NatsServerProcess::freePort();
        if (p != 0 && !picked.contains(p))
            picked.append(p);
    }
    if (picked.size() < wanted)
        return Error{ErrorKind::Io, QStringLiteral("no free route ports on 127.0.0.1")};
    const QList<quint16> routePorts = picked.mid(0, n);
    const size_t first = out->size();
    for (int i = 0; i < n; ++i) {
        NatsServerConfig cfg = base;
        cfg.port = 0;
        cfg.clusterPort = routePorts[i];
        cfg.routes.clear();
        if (base.monitorPort == 1)
            cfg.monitorPort = picked[n + i];
        if (!namePrefix.isEmpty())
            cfg.name = QStringLiteral("%1-%2").arg(namePrefix).arg(i + 1);
        for (int j = 0; j < n; ++j)
            if (j != i)
                cfg.routes << QStringLiteral("nats-route://127.0.0.1:%1").arg(routePorts[j]);
        out->push_back(std::make_unique<NatsServerProcess>(cfg));
        if (Status s = out->back()->start(); !s.ok()) {
            // A route or monitoring port picked above can be taken by another process before
            // its member binds it; the members' routes name each other's ports, so the whole
            // cluster starts again on fresh ports.
            if (attempt + 1 < kAttempts &&
                s.message.contains(QLatin1String("address already in use"))) {
                out->erase(out->begin() + qsizetype(first), out->end());
                return startLocalClusterOnce(n, out, base, namePrefix, attempt + 1);
            }
            return s;
        }
    }
    return {};
}

} // namespace

Status startLocalCluster(int n, std::vector<std::unique_ptr<NatsServerProcess>>* out,
                         const NatsServerConfig& base, const QString& namePrefix) {
    return startLocalClusterOnce(n, out, base, namePrefix, 0);
}

} // namespace jetdeck
