#include "systemmonitor.h"

#include "core/base/clock.h"
#include "core/client/connection.h"

#include <QSet>

#include <algorithm>
#include <tuple>

namespace jetdeck::sys {

namespace {

/// Assets of the previous round that this one lacks because the server that led them is
/// silent now: kept, marked with when they were last reported, instead of vanishing while
/// their servers are down (an R1 stream lives on one server only).
template <typename Asset, typename KeyOf>
void keepUnreported(const QList<Asset>& before, QList<Asset>& now, const QSet<QString>& silent,
                    const QDateTime& at, KeyOf keyOf) {
    QSet<QString> present;
    for (const Asset& a : now)
        present.insert(keyOf(a));
    for (const Asset& a : before) {
        if (present.contains(keyOf(a)) || !silent.contains(a.server))
            continue;
        Asset kept = a;
        if (!kept.unreportedSince.isValid())
            kept.unreportedSince = at;
        now.append(kept);
    }
}

} // namespace

QString accessName(Access a) {
    switch (a) {
    case Access::Unknown:
        return QStringLiteral("unknown");
    case Access::System:
        return QStringLiteral("system account");
    case Access::NoSystemUser:
        return QStringLiteral("no system access");
    case Access::NotConnected:
        return QStringLiteral("not connected");
    case Access::MonitorPorts:
        return QStringLiteral("monitoring ports");
    }
    return {};
}

SystemMonitor::SystemMonitor(Connection* connection, RequestBudget* budget, QObject* parent)
    : QObject(parent)
    , m_conn(connection)
    , m_budget(budget) {
    m_tick.setInterval(100);
    connect(&m_tick, &QTimer::timeout, this, &SystemMonitor::onTick);
}

SystemMonitor::~SystemMonitor() = default;

void SystemMonitor::setMonitorPorts(MonitorPorts* ports) {
    m_ports = ports;
}

bool SystemMonitor::throughPorts() const {
    // The ports when the system account refused this user, and while the connection is down
    // (the servers may well be up: the ports still tell).
    return m_ports && (m_systemRefused || !m_conn || !m_conn->isConnected());
}

void SystemMonitor::setIntervalMs(int ms) {
    m_intervalMs = qMax(100, ms);
}

void SystemMonitor::setDetailEvery(int n) {
    m_detailEvery = qMax(1, n);
}

void SystemMonitor::setHistorySize(int n) {
    m_historySize = qMax(1, n);
}

void SystemMonitor::start() {
    m_nextDueMs = 0;
    m_detailDue = true;
    m_tick.start();
    onTick();
}

void SystemMonitor::stop() {
    m_tick.stop();
}

void SystemMonitor::pollNow() {
    m_nextDueMs = 0;
    m_detailDue = true;
    onTick();
}

QList<ServerRow> SystemMonitor::servers() const {
    QList<ServerRow> rows = m_servers.values();
    std::sort(rows.begin(), rows.end(), [](const ServerRow& a, const ServerRow& b) {
        return serverKey(a.id) < serverKey(b.id);
    });
    return rows;
}

QList<ServerPoint> SystemMonitor::history(const QString& serverName) const {
    const auto it = m_history.constFind(serverName);
    if (it == m_history.cend())
        return {};
    return QList<ServerPoint>(it->cbegin(), it->cend());
}

int SystemMonitor::expected() const {
    return int(m_servers.size());
}

bool SystemMonitor::requestLinks(const QString& serverId, QObject* context,
                                 std::function<void(const Result<QList<ServerLink>>&)> done) {
    static constexpr Doc kDocs[] = {Doc::Routez, Doc::Gatewayz, Doc::Leafz};
    if (m_budget && !m_budget->tryTake(std::size(kDocs)))
        return false;
    struct Gathered {
        int pending = int(std::size(kDocs));
        QList<ServerLink> links;
        Error error;
        std::function<void(const Result<QList<ServerLink>>&)> done;
    };
    auto g = std::make_shared<Gathered>();
    g->done = std::move(done);
    FanoutOptions o;
    o.expected = 1;
    o.timeoutMs = 2000;
    for (const Doc doc : kDocs) {
        auto read = [g, doc](const FanoutResult& r) {
            if (g->error.ok()) {
                if (!r.error.ok())
                    g->error = r.error;
                else if (r.noResponders)
                    g->error = Error(ErrorKind::NoResponders, systemAccessHint());
                else if (r.replies.isEmpty())
                    g->error = Error(ErrorKind::Timeout,
                                     QStringLiteral("the server did not answer %1 within 2 s")
                                         .arg(QString::fromLatin1(docToken(doc))));
                else if (!r.replies.first().error.ok())
                    g->error = r.replies.first().error;
                else if (Result<QList<ServerLink>> l = parseLinks(doc, r.replies.first().data))
                    g->links.append(l.value());
                else
                    g->error = l.error();
            }
            if (--g->pending > 0)
                return;
            if (g->error.ok())
                g->done(g->links);
            else
                g->done(g->error);
        };
        if (throughPorts())
            m_ports->fetchFrom(serverId, doc, {}, o, context, std::move(read));
        else
            fanout(m_conn, serverSubject(serverId, doc), {}, o, context, std::move(read));
    }
    return true;
}

bool SystemMonitor::startRound(Doc doc, QByteArrayView body) {
    const int cost = qMax(1, expected());
    if (m_budget && !m_budget->tryTake(cost))
        return false;
    FanoutOptions o;
    o.expected = expected();
    o.quietMs = 300;
    o.timeoutMs = qBound(500, m_intervalMs, 2000);
    // Each round goes to the monitoring ports or through the system account; the answers
    // are handled alike.
    const bool ports = throughPorts();
    if (ports)
        o.expected = 0; // every port answers or fails on its own
    const auto ask = [&](FanoutCallback done) {
        if (ports)
            m_ports->fetch(doc, body, o, &m_context, std::move(done));
        else
            fanout(m_conn, pingSubject(doc), body, o, &m_context, std::move(done));
    };
    switch (doc) {
    case Doc::Jsz: {
        // Every account's streams and consumers with their configurations: megabytes of JSON
        // on a large cluster, read on the background thread.
        FanoutWork work = digestInto<JszRound>(
            &readJszRound, [this](JszRound&& round) { onJsz(std::move(round)); });
        if (ports)
            m_ports->fetchOffThread(doc, body, o, &m_context, std::move(work));
        else
            fanoutOffThread(m_conn, pingSubject(doc), body, o, &m_context, std::move(work));
        break;
    }
    case Doc::Healthz:
        ask([this](const FanoutResult& r) { onHealthz(r); });
        break;
    default:
        ask([this, ports](const FanoutResult& r) { onVarz(r, ports); });
        break;
    }
    return true;
}

void SystemMonitor::onTick() {
    if ((!m_conn || !m_conn->isConnected()) && !m_ports) {
        if (m_access != Access::NotConnected) {
            m_access = Access::NotConnected;
            emit accessChanged(m_access);
        }
        return;
    }
    const qint64 now = steadyNowMs();
    if (m_varzInFlight || now < m_nextDueMs)
        return;
    if (!startRound(Doc::Varz, {})) {
        if (!m_waitingForBudget) {
            m_waitingForBudget = true;
            ++m_delayed;
        }
        return; // the next tick asks again: the round is late, not lost
    }
    m_waitingForBudget = false;
    m_varzInFlight = true;
    m_nextDueMs = now + m_intervalMs;
}

void SystemMonitor::setAccess(const FanoutResult& r, bool fromPorts) {
    Access a = m_access;
    if (fromPorts)
        a = Access::MonitorPorts;
    else if (r.noResponders)
        a = m_ports ? Access::MonitorPorts : Access::NoSystemUser;
    else if (!r.replies.isEmpty())
        a = Access::System;
    else if (!m_conn->isConnected())
        a = Access::NotConnected;
    if (a != m_access) {
        m_access = a;
        emit accessChanged(a);
    }
}

void SystemMonitor::onVarz(const FanoutResult& r, bool fromPorts) {
    m_varzInFlight = false;
    if (!fromPorts && r.noResponders)
        m_systemRefused = true;
    setAccess(r, fromPorts);
    // Not in the system account: asking every second changes nothing.
    if (r.noResponders && !m_ports)
        m_nextDueMs = steadyNowMs() + kNoAccessRetryMs;
    m_unanswered = fromPorts ? r.unanswered : QStringList();
    if (r.noResponders && m_ports) {
        // The system account does not answer this user: the monitoring ports at once.
        m_nextDueMs = 0;
        m_detailDue = true;
        return;
    }
    // Nobody answering says something about the servers only when the request went out and
    // the connection held (a lost connection says nothing about them).
    if (!r.error.ok() || r.noResponders ||
        (r.replies.isEmpty() && !fromPorts && !m_conn->isConnected()))
        return;
    ++m_rounds;
    const QDateTime now = QDateTime::currentDateTime();
    QSet<QString> answered;
    for (const ServerReply& reply : r.replies) {
        const QString key = serverKey(reply.server);
        ServerRow& row = m_servers[key];
        const bool wasLost = !row.answering && row.lastSeen.isValid();
        row.id = reply.server;
        row.lastSeen = now;
        row.answering = true;
        row.lastError = reply.error;
        answered.insert(key);
        if (!reply.error.ok()) {
            if (wasLost)
                emit serverBack(key);
            continue;
        }
        Result<Varz> v = Varz::fromJson(reply.data);
        if (!v) {
            row.lastError = v.error();
            continue;
        }
        // None after a first reading or a restart (the counters start anew).
        row.rates.reset();
        if (row.varz && row.varz->serverId == v->serverId) {
            const Varz& was = *row.varz;
            if (const qint64 ms = was.now.msecsTo(v->now); ms > 0)
                row.rates = ServerRow::Rates{ratePerSecond(v->inMsgs, was.inMsgs, ms),
                                             ratePerSecond(v->outMsgs, was.outMsgs, ms),
                                             ratePerSecond(v->inBytes, was.inBytes, ms),
                                             ratePerSecond(v->outBytes, was.outBytes, ms)};
        }
        row.varz = std::move(v).value();
        if (wasLost)
            emit serverBack(key);
    }
    for (auto it = m_servers.begin(); it != m_servers.end(); ++it) {
        if (answered.contains(it.key()))
            continue;
        ServerRow& row = it.value();
        const bool wasAnswering = row.answering;
        row.answering = false;
        row.rates.reset();
        if (wasAnswering)
            emit serverLost(it.key(), row.lastSeen);
    }
    const qint64 at = now.toMSecsSinceEpoch();
    for (auto it = m_servers.cbegin(); it != m_servers.cend(); ++it) {
        const ServerRow& row = it.value();
        std::deque<ServerPoint>& h = m_history[it.key()];
        ServerPoint p;
        p.atMs = at;
        p.answering = row.answering;
        if (row.rates) {
            p.inMsgsPerSec = row.rates->inMsgs;
            p.outMsgsPerSec = row.rates->outMsgs;
        }
        if (row.varz && row.answering) {
            p.connections = row.varz->connections;
            p.slowConsumers = row.varz->slowConsumers;
        }
        h.push_back(p);
        while (int(h.size()) > m_historySize)
            h.pop_front();
    }
    m_lastRound = now;
    emit serversUpdated();

    // Rounds 1, 1 + n, 1 + 2n, ... carry the details, and any round after a refused one.
    if (m_detailDue || (m_rounds - 1) % quint64(m_detailEvery) == 0) {
        m_detailDue = false;
        if (!m_healthzInFlight && startRound(Doc::Healthz, {}))
            m_healthzInFlight = true;
        if (!m_jszInFlight && startRound(Doc::Jsz, jszDetailRequest()))
            m_jszInFlight = true;
        else if (!m_jszInFlight)
            m_detailDue = true; // the budget said no: at the next round
    }
}

void SystemMonitor::onHealthz(const FanoutResult& r) {
    m_healthzInFlight = false;
    for (const ServerReply& reply : r.replies) {
        const auto it = m_servers.find(serverKey(reply.server));
        if (it == m_servers.end())
            continue;
        if (!reply.error.ok()) {
            it->health = Healthz{QStringLiteral("error"), reply.error.message};
            continue;
        }
        Result<Healthz> h = Healthz::fromJson(reply.data);
        it->health = h ? std::move(h).value() : Healthz{QStringLiteral("error"), h.error().message};
    }
    emit serversUpdated();
}

JszRound readJszRound(const FanoutResult& r) {
    JszRound round;
    if (!r.ok() || r.replies.isEmpty())
        return round;
    round.answered = true;
    JetStreamView& view = round.view;
    QList<std::pair<ServerIdentity, Jsz>> docs;
    for (const ServerReply& reply : r.replies) {
        if (!reply.error.ok())
            continue;
        Result<Jsz> z = Jsz::fromJson(reply.data);
        if (!z) {
            round.errors.append({serverKey(reply.server), z.error()});
            continue;
        }
        if (z->disabled)
            continue;
        view.usageByServer.append({serverKey(reply.server), z->usage});
        // Only the meta leader lists the followers; anyone names the leader.
        if (!z->meta.replicas.isEmpty() || view.meta.leader.isEmpty())
            view.meta = z->meta;
        round.reported.insert(serverKey(reply.server));
        docs.append({reply.server, std::move(z).value()});
    }
    std::sort(view.usageByServer.begin(), view.usageByServer.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    view.assets = leaderViews(docs);
    return round;
}

void SystemMonitor::onJsz(JszRound&& round) {
    m_jszInFlight = false;
    if (!round.answered)
        return;
    for (const auto& [name, error] : std::as_const(round.errors)) {
        const auto it = m_servers.find(name);
        if (it != m_servers.end())
            it->lastError = error;
    }
    JetStreamView& view = round.view;
    view.at = QDateTime::currentDateTime();
    // Servers known to be there that sent no JSZ this round.
    QSet<QString> silent;
    for (const QString& name : m_servers.keys())
        if (!round.reported.contains(name))
            silent.insert(name);
    if (!silent.isEmpty()) {
        const QDateTime at = m_js.at.isValid() ? m_js.at : view.at;
        keepUnreported(m_js.assets.streams, view.assets.streams, silent, at,
                       [](const JetStreamAssets::Stream& a) -> QString {
                           return a.account + QChar(0) + a.info.config.name;
                       });
        keepUnreported(m_js.assets.consumers, view.assets.consumers, silent, at,
                       [](const JetStreamAssets::Consumer& a) -> QString {
                           return a.account + QChar(0) + a.info.stream + QChar(0) + a.info.name;
                       });
        std::sort(view.assets.streams.begin(), view.assets.streams.end(),
                  [](const auto& a, const auto& b) {
                      return std::tie(a.account, a.info.config.name) <
                             std::tie(b.account, b.info.config.name);
                  });
        std::sort(view.assets.consumers.begin(), view.assets.consumers.end(),
                  [](const auto& a, const auto& b) {
                      return std::tie(a.account, a.info.stream, a.info.name) <
                             std::tie(b.account, b.info.stream, b.info.name);
                  });
    }
    m_js = std::move(view);
    emit jetStreamUpdated();
}

} // namespace jetdeck::sys
