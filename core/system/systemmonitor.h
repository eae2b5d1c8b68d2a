#pragma once

#include "core/base/requestbudget.h"
#include "core/system/fanout.h"
#include "core/system/monitorports.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <deque>
#include <optional>

namespace jetdeck {
class Connection;
}

namespace jetdeck::sys {

/// Whether this connection can see the system.
enum class Access {
    Unknown,      ///< not asked yet
    System,       ///< the servers answer $SYS.REQ.SERVER.PING
    NoSystemUser, ///< nobody listens there for this user (not in the system account)
    NotConnected, ///< no connection to ask through
    MonitorPorts, ///< not through the system account: the servers' monitoring ports (HTTP)
};
QString accessName(Access a);

/// One server as the latest rounds saw it.
struct ServerRow {
    ServerIdentity id;
    std::optional<Varz> varz;      ///< the latest /varz it sent
    std::optional<Healthz> health; ///< the latest /healthz it sent
    QDateTime lastSeen;            ///< local time of its latest reply
    bool answering = false;        ///< answered the latest round
    Error lastError;               ///< what it answered instead of a document
    /// Per second, between its two latest VARZ (by the server's own clock); none after its
    /// first reading, a restart or a missed round.
    struct Rates {
        double inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
    };
    std::optional<Rates> rates;
};

/// A server's numbers at one round, for the charts.
struct ServerPoint {
    qint64 atMs = 0; ///< ms since the epoch
    double inMsgsPerSec = 0;
    double outMsgsPerSec = 0;
    int connections = 0;
    quint64 slowConsumers = 0;
    bool answering = true;
};

/// JetStream across the cluster from one JSZ round: every stream and consumer once, in its
/// leader's view, the meta group from its leader, and each server's usage.
struct JetStreamView {
    QDateTime at; ///< local time the round completed (invalid: none yet)
    MetaCluster meta;
    QList<QPair<QString, JetStreamUsage>> usageByServer; ///< by server name
    JetStreamAssets assets;
};

/// One JSZ round read on the fan-out's worker thread.
struct JszRound {
    bool answered = false;                   ///< some server answered
    JetStreamView view;                      ///< without `at`: set when it reaches the monitor
    QSet<QString> reported;                  ///< servers whose JSZ was read
    QList<std::pair<QString, Error>> errors; ///< servers whose JSZ was unreadable, and why
};
/// Reads a JSZ round's replies into one view (on any thread).
JszRound readJszRound(const FanoutResult& r);

/// Watches every server of the cluster through the system account: a VARZ fan-out every
/// interval (1 s by default), HEALTHZ and the JSZ details every fifth, each fan-out paid from
/// the request budget (a fan-out answered by N servers costs N). When the budget says no, the
/// round waits: the data gets older (lastRound()), the cluster gets no more requests.
/// A server missing from a round is shown as not answering at once, with when it last did.
/// Lives on the thread of its creator; everything is read there.
class SystemMonitor : public QObject {
    Q_OBJECT
public:
    /// Without system access, how long until it asks again (a server's configuration may be
    /// reloaded meanwhile).
    static constexpr int kNoAccessRetryMs = 30000;

    SystemMonitor(Connection* connection, RequestBudget* budget, QObject* parent = nullptr);
    ~SystemMonitor() override;

    /// The servers' monitoring ports, for a user outside the system account: once the system
    /// account does not answer (or without a connection), rounds go to them instead.
    void setMonitorPorts(MonitorPorts* ports);
    MonitorPorts* monitorPorts() const { return m_ports; }
    /// Whether the pages have the servers' documents: through the system account or the ports.
    bool seesServers() const {
        return m_access == Access::System || m_access == Access::MonitorPorts;
    }
    /// The system account did not answer this user (not while the connection was down).
    bool systemRefused() const { return m_systemRefused; }
    /// Monitoring ports that did not answer the latest round, and why.
    QStringList unanswered() const { return m_unanswered; }

    void setIntervalMs(int ms);
    int intervalMs() const { return m_intervalMs; }
    /// HEALTHZ and JSZ every `n`th round (default 5).
    void setDetailEvery(int n);
    /// Points kept per server (default 600: ten minutes at 1 s).
    void setHistorySize(int n);
    void start();
    void stop();
    bool isRunning() const { return m_tick.isActive(); }
    /// The next round as soon as the budget allows, with the details.
    void pollNow();
    /// One server's routes, gateway connections and leaf nodes (ROUTEZ, GATEWAYZ, LEAFZ: three
    /// requests to that server alone, through the system account or its monitoring port, paid
    /// from the budget); `done` on `context`'s thread with every link or the first error. False
    /// when the budget has no room now (nothing asked: ask again later).
    bool requestLinks(const QString& serverId, QObject* context,
                      std::function<void(const Result<QList<ServerLink>>&)> done);

    Access access() const { return m_access; }
    /// The servers, by name; those that stopped answering stay, marked.
    QList<ServerRow> servers() const;
    QList<ServerPoint> history(const QString& serverName) const;
    const JetStreamView& jetStream() const { return m_js; }
    /// When the latest VARZ round completed (invalid: none yet).
    QDateTime lastRound() const { return m_lastRound; }
    /// Rounds that waited for the budget so far.
    quint64 roundsDelayed() const { return m_delayed; }
    quint64 rounds() const { return m_rounds; }

signals:
    void serversUpdated();
    void jetStreamUpdated();
    void accessChanged(jetdeck::sys::Access access);
    /// A server that answered before missed a round.
    void serverLost(const QString& name, const QDateTime& lastSeen);
    /// A server that had stopped answering is back.
    void serverBack(const QString& name);

private:
    void onTick();
    bool startRound(Doc doc, QByteArrayView body);
    void onVarz(const FanoutResult& r, bool fromPorts);
    void onHealthz(const FanoutResult& r);
    void onJsz(JszRound&& round);
    void setAccess(const FanoutResult& r, bool fromPorts);
    int expected() const;
    bool throughPorts() const;

    Connection* m_conn;
    RequestBudget* m_budget;
    MonitorPorts* m_ports = nullptr;
    bool m_systemRefused = false; ///< the system account did not answer this user
    QStringList m_unanswered;
    QTimer m_tick;
    int m_intervalMs = 1000;
    int m_detailEvery = 5;
    int m_historySize = 600;
    qint64 m_nextDueMs = 0;
    quint64 m_rounds = 0;
    quint64 m_delayed = 0;
    bool m_detailDue = true;
    bool m_varzInFlight = false;
    bool m_healthzInFlight = false;
    bool m_jszInFlight = false;
    bool m_waitingForBudget = false;
    Access m_access = Access::Unknown;
    /// By server name (an id changes with every restart; the name stays).
    QHash<QString, ServerRow> m_servers;
    QHash<QString, std::deque<ServerPoint>> m_history;
    JetStreamView m_js;
    QDateTime m_lastRound;
    QObject m_context; ///< fan-outs in flight die with it
};

} // namespace jetdeck::sys
