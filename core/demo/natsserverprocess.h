#pragma once

#include "core/base/error.h"

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace jetdeck {

/// How to run a local nats-server. Only loopback addresses: this launches servers for the
/// demo and for tests, never for anything else.
struct NatsServerConfig {
    QString name;     ///< server_name; generated when empty
    quint16 port = 0; ///< client port; 0 picks a free one
    bool jetstream = false;
    quint16 monitorPort = 0; ///< HTTP monitoring port; 0 = off
    /// Cluster: name, a route port (0 picks one) and the route URLs of the other members.
    QString clusterName;
    quint16 clusterPort = 0;
    QStringList routes;
    /// Extra lines appended to the generated configuration (auth blocks, tls, operator...).
    QString extraConfig;
    QStringList extraArgs;
};

/// A nats-server child process with its own temporary directory (config, JetStream store,
/// log). start() waits until it accepts connections; the destructor stops it and removes the
/// directory. Restarting keeps the port and the store, as a real restart would.
class NatsServerProcess : public QObject {
    Q_OBJECT
public:
    explicit NatsServerProcess(NatsServerConfig config = {}, QObject* parent = nullptr);
    ~NatsServerProcess() override;

    /// Path of nats-server from PATH (or $JETDECK_NATS_SERVER); an Error naming the Debian
    /// package when it is missing.
    static Result<QString> executable();
    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static quint16 freePort();

    Status start(int timeoutMs = 15000);
    /// SIGTERM, then SIGKILL if it does not exit in time.
    void stop(int timeoutMs = 5000);
    /// SIGKILL: a crash, for fault injection.
    void kill();
    Status restart(int timeoutMs = 15000);
    /// SIGSTOP / SIGCONT: a server that stops answering without closing sockets.
    bool pause();
    bool resume();
    /// Lame duck mode through `nats-server --signal ldm=PID`.
    Status enterLameDuckMode();

    bool isRunning() const;
    qint64 pid() const;
    quint16 port() const { return m_config.port; }
    quint16 clusterPort() const { return m_config.clusterPort; }
    QString url() const;
    QString routeUrl() const;
    QString name() const { return m_config.name; }
    QString directory() const;
    QString storeDirectory() const;
    QString configPath() const;
    /// The server's log so far.
    QString log() const;
    const NatsServerConfig& config() const { return m_config; }

signals:
    void exited(int exitCode);

private:
    Status writeConfig();
    /// The log file (appended to across restarts), its bytes from `offset` on, its size now.
    QString logPath() const;
    QByteArray logFrom(qint64 offset) const;
    qint64 logSize() const;

    NatsServerConfig m_config;
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess* m_process = nullptr;
    bool m_expectExit = false;
};

/// Starts `n` clustered servers on loopback, each with routes to all the others, and appends
/// them to `out` (also those started before a failure, so the caller stops them). With
/// `jetstream` every member runs JetStream with its own store and server name, as a JetStream
/// cluster needs. `namePrefix` names the members prefix-1, prefix-2, ...
Status startLocalCluster(int n, std::vector<std::unique_ptr<NatsServerProcess>>* out,
                         const QString& clusterName, bool jetstream,
                         const QString& namePrefix = {});
/// The same with every member made from `base` (its monitoring port, extra configuration such
/// as an accounts block; a monitorPort of 0 stays off, 1 picks a free port per member).
Status startLocalCluster(int n, std::vector<std::unique_ptr<NatsServerProcess>>* out,
                         const NatsServerConfig& base, const QString& namePrefix);

} // namespace jetdeck
