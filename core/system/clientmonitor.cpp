#include "clientmonitor.h"

#include "core/base/clock.h"
#include "core/client/connection.h"
#include "core/protocol/json.h"

#include <algorithm>

namespace jetdeck::sys {

QByteArray connzRequest(int limit) {
    return json::dumpBytes(nlohmann::json{{"auth", true}, {"limit", limit}});
}

QByteArray connzSubscriptionsRequest(quint64 cid) {
    return json::dumpBytes(
        nlohmann::json{{"auth", true}, {"cid", cid}, {"subscriptions_detail", true}});
}

ClientMonitor::ClientMonitor(Connection* connection, RequestBudget* budget, QObject* parent)
    : QObject(parent)
    , m_conn(connection)
    , m_budget(budget) {
    m_tick.setInterval(100);
    connect(&m_tick, &QTimer::timeout, this, &ClientMonitor::onTick);
}

ClientMonitor::~ClientMonitor() = default;

void ClientMonitor::setIntervalMs(int ms) {
    m_intervalMs = qMax(250, ms);
}

void ClientMonitor::setLimit(int perServer) {
    m_limit = qBound(1, perServer, 10000);
}

void ClientMonitor::start() {
    if (m_tick.isActive())
        return;
    m_nextDueMs = 0;
    m_tick.start();
    onTick();
}

void ClientMonitor::stop() {
    m_tick.stop();
}

void ClientMonitor::onTick() {
    if (!m_conn || !m_conn->isConnected()) {
        if (m_access != Access::NotConnected) {
            m_access = Access::NotConnected;
            emit accessChanged(m_access);
        }
        return;
    }
    const qint64 now = steadyNowMs();
    if (m_inFlight || now < m_nextDueMs)
        return;
    const int expected = int(m_servers.size());
    if (m_budget && !m_budget->tryTake(qMax(1, expected))) {
        if (!m_waitingForBudget) {
            m_waitingForBudget = true;
            ++m_delayed;
        }
        return; // the next tick asks again: the round is late, not lost
    }
    m_waitingForBudget = false;
    m_inFlight = true;
    if (!m_scopeKnown) {
        // Whether this user sees the whole cluster: only the system account gets an answer.
        FanoutOptions o;
        o.quietMs = 300;
        o.timeoutMs = 1000;
        fanout(m_conn, pingSubject(Doc::Statsz), {}, o, &m_context,
               [this](const FanoutResult& r) { onScope(r); });
        return;
    }
    m_nextDueMs = now + m_intervalMs;
    FanoutOptions o;
    o.expected = expected;
    o.quietMs = 300;
    o.timeoutMs = qBound(500, m_intervalMs, 2000);
    if (m_viaPorts && m_ports) {
        m_ports->fetch(Doc::Connz, connzRequest(m_limit), o, &m_context,
                       [this](const FanoutResult& r) { onConnz(r); });
        return;
    }
    fanout(m_conn, pingSubject(Doc::Connz), connzRequest(m_limit), o, &m_context,
           [this](const FanoutResult& r) { onConnz(r); });
}

void ClientMonitor::onScope(const FanoutResult& r) {
    m_inFlight = false;
    if (!r.error.ok() || (!r.noResponders && r.replies.isEmpty()))
        return; // asked again on the next tick
    m_scopeKnown = true;
    // Outside the system account the monitoring ports list everyone's connections; without
    // them the servers answer this account's own.
    m_viaPorts = r.noResponders && m_ports;
    m_accountOnly = r.noResponders && !m_viaPorts;
    onTick();
}

void ClientMonitor::onConnz(const FanoutResult& r) {
    m_inFlight = false;
    Access a = m_access;
    if (r.noResponders)
        a = Access::NoSystemUser;
    else if (!r.replies.isEmpty())
        a = m_viaPorts ? Access::MonitorPorts : Access::System;
    else if (!m_conn->isConnected())
        a = Access::NotConnected;
    if (a != m_access) {
        m_access = a;
        emit accessChanged(a);
    }
    if (r.noResponders) // nobody lists connections to this user: asking again changes nothing
        m_nextDueMs = steadyNowMs() + SystemMonitor::kNoAccessRetryMs;
    if (!r.error.ok() || r.noResponders || r.replies.isEmpty())
        return;

    ++m_rounds;
    QList<ClientRow> rows;
    QList<ServerConnections> servers;
    QStringList problems = r.malformed;
    QHash<QString, Reading> readings;
    for (const ServerReply& reply : r.replies) {
        const QString server = serverKey(reply.server);
        if (!reply.error.ok()) {
            problems << QStringLiteral("%1: %2").arg(server, reply.error.message);
            continue;
        }
        Result<Connz> z = Connz::fromJson(reply.data);
        if (!z) {
            problems << QStringLiteral("%1: %2").arg(server, z.error().message);
            continue;
        }
        servers.append({server, int(z->connections.size()), z->total});
        for (ClientConn& c : z->connections) {
            ClientRow row;
            row.server = server;
            row.serverId = reply.server.id;
            row.conn = std::move(c);
            const QString key = row.key();
            const auto was = m_readings.constFind(key);
            if (was != m_readings.cend() && was->serverId == row.serverId) {
                if (const qint64 ms = was->at.msecsTo(z->now); ms > 0)
                    row.rates =
                        ClientRow::Rates{ratePerSecond(row.conn.inMsgs, was->inMsgs, ms),
                                         ratePerSecond(row.conn.outMsgs, was->outMsgs, ms),
                                         ratePerSecond(row.conn.inBytes, was->inBytes, ms),
                                         ratePerSecond(row.conn.outBytes, was->outBytes, ms)};
            }
            readings.insert(key, Reading{row.serverId, z->now, row.conn.inMsgs, row.conn.outMsgs,
                                         row.conn.inBytes, row.conn.outBytes});
            rows.append(std::move(row));
        }
    }
    std::sort(rows.begin(), rows.end(), [](const ClientRow& a, const ClientRow& b) {
        return a.server != b.server ? a.server < b.server : a.conn.cid < b.conn.cid;
    });
    std::sort(
        servers.begin(), servers.end(),
        [](const ServerConnections& a, const ServerConnections& b) { return a.server < b.server; });
    // Readings of connections this round did not list are dropped: a rate across a missed
    // round would hide the gap.
    m_readings = std::move(readings);
    m_rows = std::move(rows);
    m_servers = std::move(servers);
    m_problems = std::move(problems);
    m_lastRound = QDateTime::currentDateTime();
    emit clientsUpdated();
}

void ClientMonitor::requestSubscriptions(const QString& serverId, quint64 cid, QObject* context,
                                         std::function<void(const Result<ClientConn>&)> done) {
    FanoutOptions o;
    o.expected = 1;
    o.timeoutMs = 2000;
    auto read = [cid, done = std::move(done)](const FanoutResult& r) {
        if (!r.error.ok())
            return done(r.error);
        if (r.noResponders)
            return done(Error(ErrorKind::NoResponders, systemAccessHint()));
        if (r.replies.isEmpty())
            return done(
                Error(ErrorKind::Timeout, QStringLiteral("the server did not answer within 2 s")));
        const ServerReply& reply = r.replies.first();
        if (!reply.error.ok())
            return done(reply.error);
        Result<Connz> z = Connz::fromJson(reply.data);
        if (!z)
            return done(z.error());
        for (const ClientConn& c : z->connections)
            if (c.cid == cid)
                return done(c);
        return done(Error(ErrorKind::NotFound,
                          QStringLiteral("connection %1 is gone (closed since)").arg(cid)));
    };
    if (m_viaPorts && m_ports)
        m_ports->fetchFrom(serverId, Doc::Connz, connzSubscriptionsRequest(cid), o, context,
                           std::move(read));
    else
        fanout(m_conn, serverSubject(serverId, Doc::Connz), connzSubscriptionsRequest(cid), o,
               context, std::move(read));
}

} // namespace jetdeck::sys
