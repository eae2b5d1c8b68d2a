#pragma once

#include "core/base/requestbudget.h"
#include "core/system/fanout.h"
#include "core/system/systemmonitor.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

namespace jetdeck {
class Connection;
}

namespace jetdeck::sys {

/// One client connection of the cluster as the latest CONNZ round saw it.
struct ClientRow {
    QString server;   ///< the name of the server it is connected to
    QString serverId; ///< that server's id (to ask it about this connection)
    ClientConn conn;
    /// Per second, between this connection's two latest readings (by its server's clock);
    /// none after its first reading or a missed round.
    struct Rates {
        double inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
    };
    std::optional<Rates> rates;
    /// "server/cid": unique across the cluster (a cid is unique on its server only).
    QString key() const { return server + QLatin1Char('/') + QString::number(conn.cid); }
};

/// How many connections a server has and how many of them the round listed.
struct ServerConnections {
    QString server;
    int listed = 0;
    int total = 0;
};

/// Every client connection of the cluster, like `nats top` across all servers: a CONNZ fan-out
/// through the system account every interval (2 s by default, at most `limit` connections per
/// server, the first by connection id), paid from the request budget (a fan-out answered by N
/// servers costs N). It runs only while somebody looks (start/stop): a cluster with thousands
/// of connections answers CONNZ with a large document. When the budget says no, the round
/// waits and the data gets older. A user outside the system account gets its own account's
/// connections (nats-server answers CONNZ per account); one STATSZ fan-out when the monitor
/// starts tells which of the two it is (accountOnly()). Lives on the thread of its creator.
class ClientMonitor : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultIntervalMs = 2000;
    static constexpr int kDefaultLimit = 1024;

    ClientMonitor(Connection* connection, RequestBudget* budget, QObject* parent = nullptr);
    ~ClientMonitor() override;

    void setIntervalMs(int ms);
    /// The servers' monitoring ports: every server's /connz when the system account does not
    /// answer this user (instead of only the account's own connections).
    void setMonitorPorts(MonitorPorts* ports) { m_ports = ports; }
    int intervalMs() const { return m_intervalMs; }
    /// Connections listed per server and round (1..10,000).
    void setLimit(int perServer);
    int limit() const { return m_limit; }
    void start();
    void stop();
    bool isRunning() const { return m_tick.isActive(); }

    Access access() const { return m_access; }
    /// The servers list only the connection's own account's connections: its user is not in
    /// the system account. Known after the first round.
    bool accountOnly() const { return m_accountOnly; }
    /// A fan-out is on its way (it ends even after stop()).
    bool isAsking() const { return m_inFlight; }
    /// Every connection of the latest round, by server name, then connection id.
    const QList<ClientRow>& clients() const { return m_rows; }
    /// Per server that answered: how many connections it has, how many were listed.
    const QList<ServerConnections>& servers() const { return m_servers; }
    /// When the latest round completed (invalid: none yet).
    QDateTime lastRound() const { return m_lastRound; }
    quint64 rounds() const { return m_rounds; }
    /// Rounds that waited for the budget so far.
    quint64 roundsDelayed() const { return m_delayed; }
    /// Replies left out of the latest round, and why (not a CONNZ, an error of the server).
    const QStringList& problems() const { return m_problems; }

    /// One connection's subscriptions, each with the messages it received: one CONNZ request
    /// to its server. Asked for by hand, so not paid from the budget. `done` runs on
    /// `context`'s thread (never if it is destroyed first).
    void requestSubscriptions(const QString& serverId, quint64 cid, QObject* context,
                              std::function<void(const Result<ClientConn>&)> done);

signals:
    void clientsUpdated();
    void accessChanged(jetdeck::sys::Access access);

private:
    void onTick();
    void onConnz(const FanoutResult& r);
    void onScope(const FanoutResult& r);

    Connection* m_conn;
    RequestBudget* m_budget;
    MonitorPorts* m_ports = nullptr;
    bool m_viaPorts = false; ///< the system account does not answer: the ports' /connz
    QTimer m_tick;
    int m_intervalMs = kDefaultIntervalMs;
    int m_limit = kDefaultLimit;
    qint64 m_nextDueMs = 0;
    bool m_inFlight = false;
    bool m_waitingForBudget = false;
    bool m_scopeKnown = false;
    bool m_accountOnly = false;
    quint64 m_rounds = 0;
    quint64 m_delayed = 0;
    Access m_access = Access::Unknown;
    QList<ClientRow> m_rows;
    QList<ServerConnections> m_servers;
    QStringList m_problems;
    /// The latest reading of every connection, with its server's clock, for the rates.
    struct Reading {
        QString serverId;
        QDateTime at;
        quint64 inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
    };
    QHash<QString, Reading> m_readings;
    QDateTime m_lastRound;
    QObject m_context; ///< fan-outs in flight die with it
};

/// The CONNZ request body for one round: auth details (account, user), `limit` per server.
QByteArray connzRequest(int limit);
/// The CONNZ request body for one connection with its subscriptions in detail.
QByteArray connzSubscriptionsRequest(quint64 cid);

} // namespace jetdeck::sys
