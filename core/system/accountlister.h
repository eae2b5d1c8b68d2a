#pragma once

#include "core/base/requestbudget.h"
#include "core/jetstream/lister.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace jetdeck {
class Connection;
}

namespace jetdeck::sys {

/// The account's streams and consumers through the system account: one JSZ fan-out per round
/// (`{"account": A, "streams", "consumer", "config"}`, answered by every server, each stream and
/// consumer kept in its leader's view) and $JS.API.INFO on the account's own connection, instead
/// of the paged STREAM.LIST and a CONSUMER.LIST per stream (JetStreamLister). A round costs one
/// request per server plus one, whatever the number of streams and consumers: 10,000 consumers
/// on 1,000 streams are one round, not a thousand requests.
///
/// First it learns the account: the account connection's own entry in its server's CONNZ
/// (`{"cid": N, "auth": true}`), one request. When the system account does not answer (the
/// user is not in it), it says so (unavailable()) and lists nothing: the caller keeps the paged
/// lister. Rounds are paid from the RequestBudget like the other monitors; the next starts
/// `interval` after the previous one began, or later when a round took longer (a large account
/// stretches its own interval: at least five times its round trip).
class AccountLister : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultIntervalMs = 2000;

    /// `systemSide` asks the servers (a user of the system account); `account` is the
    /// connection whose account is listed. Both must outlive the lister.
    AccountLister(Connection* systemSide, const js::JetStream& account, RequestBudget* budget,
                  QObject* parent = nullptr);

    void setInterval(int ms);
    int interval() const { return m_intervalMs; }
    /// Finds the account (once both connections are up), then lists every interval.
    void start();
    void stop();
    /// A round now, unless one is on its way or the account is not known yet.
    void listNow();

    /// The account listed; empty until it is known.
    QString account() const { return m_account; }
    bool isAvailable() const { return !m_account.isEmpty(); }

signals:
    /// A round ended: the account's streams with their consumers, or why not.
    void listed(const jetdeck::Result<jetdeck::js::JetStreamSnapshot>& snapshot);
    /// The system account does not answer this user: listing through it is not possible.
    void unavailable(const QString& why);

private:
    void tick();
    void systemSideDown();
    void findAccount();
    void startRound();
    void finishRound();

    Connection* m_sys;
    js::JetStream m_js;
    RequestBudget* m_budget;
    int m_intervalMs = kDefaultIntervalMs;
    QTimer m_timer;
    /// Answers arrive on it; stop() replaces it, so that those for a stopped lister go nowhere.
    std::unique_ptr<QObject> m_context = std::make_unique<QObject>();
    int m_lastServers = 1; ///< servers that answered the last JSZ round
    bool m_running = false;
    bool m_asking = false;
    QString m_account;
    qint64 m_nextDueMs = 0;
    // The round being built: its two halves arrive in either order.
    quint64 m_round = 0;
    qint64 m_roundStartMs = 0;
    int m_pending = 0;
    Result<js::JetStreamSnapshot> m_building = js::JetStreamSnapshot{};
};

} // namespace jetdeck::sys
