#pragma once

#include "core/faults/faultspec.h"
#include "core/jetstream/jetstream.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>

#include <functional>
#include <memory>

class QTimer;

namespace jetdeck {
class Connection;
class NatsServerProcess;
struct ServerUrl;
} // namespace jetdeck

namespace jetdeck::faults {

class FaultProxyThread;

/// What starting a fault did.
struct FaultOutcome {
    QString what;   ///< as announced: "server n1 killed (SIGKILL)", "consumer S > c: term (...)"
    QString detail; ///< a JetStream fault's own result: "5 message(s) taken, 5 answered"
    QJsonObject measured; ///< the numbers behind it (taken, answered, leader_before, ...)
    /// False when nothing new started: a restart that ended a kill in force (announced as the
    /// kill's end).
    bool started = true;
};

/// A fault in force (one that lasts, FaultSpec::lasts()).
struct ActiveFault {
    QString name;
    FaultKind kind = FaultKind::Toxic;
    QString what;         ///< as announced when it started
    qint64 endsInMs = -1; ///< cleared by itself after this long (-1: when asked)
};

/// Starts faults and ends them: the one place the scenario runner, the console's faults page
/// and `jetdeck-cli fault` go through. It owns the fault proxy when there is one, knows the
/// client and the servers faults act on, keeps the faults in force by name (ending each when
/// its duration is over, or when asked), and announces every start and end (faultEvent). Lives
/// on one thread; start() and clear() are called there.
class FaultInjector : public QObject {
    Q_OBJECT
public:
    explicit FaultInjector(QObject* parent = nullptr);
    /// Stops the proxy; other faults in force stay (a killed server stays down): whoever
    /// wants them over calls clear(QStringLiteral("all")) first.
    ~FaultInjector() override;

    // --- what faults act on ---------------------------------------------------------------

    /// The client of client faults and, unless set otherwise, of JetStream faults. `owner`
    /// keeps it alive while a fault runs in the background (startInBackground).
    void setConnection(Connection* c, std::shared_ptr<const void> owner = {});
    /// The connection consumer faults take messages on (the scenario runner's workers' own);
    /// by default the client's.
    void setConsumerConnection(std::function<Result<Connection*>()> get);
    /// Servers JetDeck started, in FaultSpec::server's numbering (1 = the first). Not owned;
    /// they may live on another thread.
    void setServers(const QList<NatsServerProcess*>& servers);
    /// Lets faults wait for their effect: the client's drop after a disconnect or a malformed
    /// line; between looks for a new leader. `pause(ms)` waits (processing events, when the
    /// thread needs it) and returns false to stop waiting. Unset, a fault does not wait for the
    /// drop (a GUI thread must not) and a step-down sleeps between looks.
    void setWait(js::Pause pause);
    /// Who injects, for the connection's own log of a forced disconnect ("the faults page").
    void setReason(const QString& who) { m_who = who; }

    // --- the fault proxy ------------------------------------------------------------------

    /// A FaultProxy on 127.0.0.1 (a free port) in front of `upstream`; toxics and proxy_down
    /// need it. The client is routed through proxyUrl() by whoever owns its options.
    Status startProxy(const ServerUrl& upstream);
    /// Ends every fault that acts in the proxy (announced), then stops it.
    void stopProxy();
    FaultProxyThread* proxy() const { return m_proxy.get(); }
    /// nats://127.0.0.1:PORT, or empty without a proxy.
    QString proxyUrl() const;
    /// Switches a toxic in force off and on again (announced); false when there is none.
    bool setToxicEnabled(const QString& name, bool enabled);

    // --- faults ---------------------------------------------------------------------------

    /// Starts `spec` on this thread and announces it; one that lasts is kept under its name (a
    /// fault in force of that name ends first). JetStream faults block while they wait for
    /// the server. The error says why it could not start (no proxy, no such server...).
    Result<FaultOutcome> start(const FaultSpec& spec);
    /// For a GUI thread: a JetStream fault runs on the thread pool and `done` gets its outcome
    /// on the application's main thread (where this injector must live), after the
    /// announcement; not at all when the injector is gone by then. Other faults start at once.
    void startInBackground(const FaultSpec& spec,
                           std::function<void(const Result<FaultOutcome>&)> done);
    /// Ends the fault in force named `name` ("all": every one) and announces it; nothing when
    /// there is none. The error is the first that could not be ended (a server that would
    /// not start again).
    Status clear(const QString& name);
    QList<ActiveFault> active() const;
    bool isActive(const QString& name) const;

signals:
    /// A fault started (started = true) or ended: for logs and the marks on time charts.
    void faultEvent(const QString& what, bool started);

private:
    struct Active {
        QString name;
        FaultKind kind = FaultKind::Toxic;
        QString what;
        QDeadlineTimer ends{QDeadlineTimer::Forever};
        NatsServerProcess* killed = nullptr; ///< a kill: the server it killed
        std::function<Status()> clear;
    };
    using Starter = Result<FaultOutcome> (FaultInjector::*)(const FaultSpec&, Active*);
    static Starter starterOf(FaultKind kind);

    Result<FaultOutcome> startToxic(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startProxyDown(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startDisconnect(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startStall(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startMalformed(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startKill(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startRestart(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startLameDuck(const FaultSpec& f, Active* a);
    Result<FaultOutcome> startJetStream(const FaultSpec& f, Active* a);
    /// The part of a JetStream fault that waits for the server; safe on any thread.
    static Result<FaultOutcome> runJetStream(Connection* c, Connection* consumers,
                                             const FaultSpec& f, const js::Pause& pause);

    Status checkTarget(const FaultSpec& f) const;
    Result<NatsServerProcess*> serverOf(const FaultSpec& f) const;
    Status onServerThread(NatsServerProcess* s, const std::function<Status()>& f);
    void waitForDrop(quint64 reconnectsBefore);
    Status clearOne(const QString& name);
    void scheduleExpiry();
    void expire();

    Connection* m_conn = nullptr;
    std::shared_ptr<const void> m_connOwner;
    std::function<Result<Connection*>()> m_consumerConn;
    QList<NatsServerProcess*> m_servers;
    js::Pause m_wait;
    QString m_who = QStringLiteral("JetDeck");
    std::unique_ptr<FaultProxyThread> m_proxy;
    QList<Active> m_active;
    QTimer* m_expiry;
};

} // namespace jetdeck::faults
