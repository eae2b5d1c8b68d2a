#include "accountlister.h"

#include "core/base/clock.h"
#include "core/client/connection.h"
#include "core/protocol/json.h"
#include "core/system/fanout.h"

#include <algorithm>
#include <functional>

namespace jetdeck::sys {

namespace {

QByteArray accountJszRequest(const QString& account) {
    return json::dumpBytes(nlohmann::json{{"account", account.toStdString()},
                                          {"accounts", true},
                                          {"streams", true},
                                          {"consumer", true},
                                          {"config", true}});
}

QByteArray ownConnzRequest(quint64 cid) {
    return json::dumpBytes(nlohmann::json{{"auth", true}, {"cid", cid}});
}

/// One JSZ round's answers, read on the fan-out's worker thread: the account's streams and
/// consumers, each in its leader's view, or why there are none.
struct JszPart {
    Result<js::JetStreamSnapshot> snapshot = js::JetStreamSnapshot{};
    int servers = 0; ///< servers that answered
};

JszPart readAccountJsz(const QString& account, const FanoutResult& r) {
    JszPart part;
    part.servers = int(r.replies.size());
    if (r.noResponders) {
        part.snapshot = Error(ErrorKind::NoResponders, systemAccessHint());
        return part;
    }
    if (!r.error.ok() || r.replies.isEmpty()) {
        part.snapshot = r.error.ok()
                            ? Error(ErrorKind::Timeout, QStringLiteral("no server answered JSZ"))
                            : r.error;
        return part;
    }
    QList<std::pair<ServerIdentity, Jsz>> docs;
    for (const ServerReply& reply : r.replies) {
        if (!reply.error.ok())
            continue;
        Result<Jsz> z = Jsz::fromJson(reply.data);
        if (z && !z->disabled)
            docs.append({reply.server, std::move(z).value()});
    }
    JetStreamAssets assets = leaderViews(docs);
    js::JetStreamSnapshot& s = part.snapshot.value();
    for (JetStreamAssets::Stream& a : assets.streams)
        if (a.account == account)
            s.streams.append(std::move(a.info));
    for (JetStreamAssets::Consumer& a : assets.consumers) {
        if (a.account != account)
            continue;
        QList<js::ConsumerInfo>& ofStream = s.consumers[a.info.stream];
        ofStream.append(std::move(a.info));
    }
    s.requests = int(r.replies.size());
    return part;
}

} // namespace

AccountLister::AccountLister(Connection* systemSide, const js::JetStream& account,
                             RequestBudget* budget, QObject* parent)
    : QObject(parent)
    , m_sys(systemSide)
    , m_js(account)
    , m_budget(budget) {
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &AccountLister::tick);
}

void AccountLister::setInterval(int ms) {
    m_intervalMs = qMax(250, ms);
}

void AccountLister::start() {
    m_running = true;
    m_timer.start();
    tick();
}

void AccountLister::stop() {
    m_running = false;
    m_timer.stop();
    // Answers on their way were for the stopped lister: a new context drops them. The old one
    // goes later: stop() may be called from one of its own answers.
    m_context.release()->deleteLater();
    m_context = std::make_unique<QObject>();
    m_asking = false;
    ++m_round;
}

void AccountLister::listNow() {
    m_nextDueMs = 0;
    tick();
}

void AccountLister::tick() {
    if (!m_running || m_asking)
        return;
    if (!m_js.connection()->isConnected())
        return;
    if (!m_sys->isConnected()) {
        systemSideDown();
        return;
    }
    if (m_account.isEmpty()) {
        findAccount();
        return;
    }
    if (steadyNowMs() >= m_nextDueMs)
        startRound();
}

void AccountLister::systemSideDown() {
    // Once per interval while the system account's connection is down: the caller lists the
    // paged way meanwhile.
    if (!m_running || m_account.isEmpty() || steadyNowMs() < m_nextDueMs)
        return;
    m_nextDueMs = steadyNowMs() + m_intervalMs;
    emit listed(
        Error(ErrorKind::NotConnected, QStringLiteral("the system account's connection is down")));
}

void AccountLister::findAccount() {
    const ServerInfo info = m_js.connection()->serverInfo();
    if (info.serverId.isEmpty())
        return;
    if (m_budget && !m_budget->tryTake(1))
        return; // the next tick asks again
    m_asking = true;
    FanoutOptions o;
    o.expected = 1;
    o.timeoutMs = 2000;
    const quint64 cid = info.clientId;
    fanout(m_sys, serverSubject(info.serverId, Doc::Connz), ownConnzRequest(cid), o,
           m_context.get(), [this, cid](const FanoutResult& r) {
               m_asking = false;
               if (r.noResponders) {
                   stop(); // nobody will answer this user: the paged lister goes on alone
                   emit unavailable(systemAccessHint());
                   return;
               }
               if (!r.ok() || r.replies.isEmpty() || !r.replies.first().error.ok())
                   return; // asked again at the next tick
               Result<Connz> z = Connz::fromJson(r.replies.first().data);
               if (!z)
                   return;
               for (const ClientConn& c : z->connections)
                   if (c.cid == cid && !c.account.isEmpty())
                       m_account = c.account;
               if (!m_account.isEmpty())
                   startRound();
           });
}

void AccountLister::startRound() {
    // One request per server that answered last time (at least one), and the INFO.
    const double cost = double(m_lastServers) + 1;
    if (m_budget && !m_budget->tryTake(cost))
        return; // late, not lost: the next tick asks again
    m_asking = true;
    const quint64 round = ++m_round;
    m_roundStartMs = steadyNowMs();
    m_pending = 2;
    m_building = js::JetStreamSnapshot{};
    FanoutOptions o;
    o.quietMs = 300;
    o.timeoutMs = 5000;
    // Megabytes of JSON for a large account: read on a worker thread, merged here.
    fanoutDigested<JszPart>(m_sys, pingSubject(Doc::Jsz), accountJszRequest(m_account), o,
                            m_context.get(), std::bind_front(&readAccountJsz, m_account),
                            [this, round](JszPart&& part) {
                                if (round != m_round)
                                    return;
                                m_lastServers = qMax(1, part.servers);
                                if (!m_building) {
                                    finishRound();
                                    return;
                                }
                                if (!part.snapshot) {
                                    m_building = part.snapshot.error();
                                    finishRound();
                                    return;
                                }
                                js::JetStreamSnapshot& s = m_building.value();
                                js::JetStreamSnapshot& got = part.snapshot.value();
                                s.throughSystem = true;
                                s.streams = std::move(got.streams);
                                s.consumers = std::move(got.consumers);
                                s.requests += got.requests;
                                finishRound();
                            });
    m_js.requestAsync("INFO", nlohmann::json(), m_context.get(),
                      [this, round](const Result<nlohmann::json>& reply) {
                          if (round != m_round)
                              return;
                          Result<js::AccountInfo> info =
                              reply ? js::AccountInfo::fromJson(reply.value())
                                    : Result<js::AccountInfo>(reply.error());
                          if (m_building) {
                              if (info)
                                  m_building.value().account = std::move(info).value();
                              else
                                  m_building = info.error();
                          }
                          if (m_building)
                              ++m_building.value().requests;
                          finishRound();
                      });
}

void AccountLister::finishRound() {
    if (--m_pending > 0)
        return;
    m_asking = false;
    const qint64 now = steadyNowMs();
    const qint64 took = now - m_roundStartMs;
    // A large account stretches its own interval: at least five times its round trip.
    m_nextDueMs = m_roundStartMs + qMax<qint64>(m_intervalMs, 5 * took);
    if (m_building) {
        m_building.value().taken = QDateTime::currentDateTime();
        m_building.value().tookMs = took;
    }
    emit listed(m_building);
}

} // namespace jetdeck::sys
