#pragma once

#include "core/base/requestbudget.h"
#include "core/jetstream/jetstream.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

namespace jetdeck::js {

/// Every stream and consumer of the account, as one listing found them.
struct JetStreamSnapshot {
    /// The account's usage and limits ($JS.API.INFO), when the lister was asked for them.
    std::optional<AccountInfo> account;
    QList<StreamInfo> streams;
    QHash<QString, QList<ConsumerInfo>> consumers; ///< by stream name
    QDateTime taken;   ///< when the listing's last answer came (invalid: not a listing)
    int requests = 0;  ///< API requests the listing took
    qint64 tookMs = 0; ///< from its first request to its last answer
    /// From one JSZ fan-out through the system account (sys::AccountLister), not the paged
    /// STREAM.LIST and CONSUMER.LIST.
    bool throughSystem = false;
};

/// Lists every stream and consumer of the account, again and again, within a request budget:
/// one round is STREAM.LIST page by page, then CONSUMER.LIST page by page for each stream that
/// has consumers. Requests go one at a time, each only when the shared RequestBudget has a token
/// and at most at `share` of its rate (half by default, so that the system monitor and a consumer
/// page keep their turn). A round starts `interval` after the previous one started, or when it
/// ended if it took longer: with more streams than the budget covers in an interval, the data
/// gets older (JetStreamSnapshot::taken says by how much) and the cluster gets no more load.
/// Lives on the thread of its parent; the answers are read there.
class JetStreamLister : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultIntervalMs = 2000;
    static constexpr double kDefaultShare = 0.5;

    /// `budget` may be null (no limit but the pace of one request at a time).
    JetStreamLister(const JetStream& js, RequestBudget* budget, QObject* parent = nullptr);

    void setInterval(int ms);
    int interval() const { return m_intervalMs; }
    /// The part of the budget's rate this lister uses at most, in (0, 1].
    void setShare(double share);
    double share() const { return m_share; }

    /// Each round also asks for the account's usage and limits ($JS.API.INFO, one request
    /// more, first).
    void setWithAccount(bool on) { m_withAccount = on; }

    /// Lists now and then every interval.
    void start();
    /// Stops; an answer still on its way is dropped.
    void stop();
    /// Starts a round now unless one is on its way (the next ones follow from this one).
    void listNow();

    /// Requests a second this lister sends at most (share of the budget's rate).
    double maxRate() const;

signals:
    /// A round ended: every stream and consumer, or why the listing stopped.
    void listed(const jetdeck::Result<jetdeck::js::JetStreamSnapshot>& snapshot);

private:
    enum class Phase { Idle, Account, Streams, Consumers };

    void sendNext();
    void onAccount(quint64 round, const Result<nlohmann::json>& reply);
    void onStreams(quint64 round, const Result<nlohmann::json>& reply);
    void onConsumers(quint64 round, const Result<nlohmann::json>& reply);
    /// The next stream with consumers from m_streamIndex on, or finishes the round.
    void nextStreamOrFinish();
    void finish(const Result<JetStreamSnapshot>& result);

    JetStream m_js;
    RequestBudget* m_budget;
    int m_intervalMs = kDefaultIntervalMs;
    double m_share = kDefaultShare;
    bool m_running = false;
    bool m_withAccount = false;
    QTimer m_next; ///< the next round
    QTimer m_pace; ///< the next request of this round

    Phase m_phase = Phase::Idle;
    quint64 m_round = 0; ///< answers of an earlier round (or before stop()) are dropped
    qint64 m_roundStartMs = 0;
    qint64 m_nextSendMs = 0;
    int m_offset = 0;
    int m_streamIndex = 0;
    JetStreamSnapshot m_building;
};

} // namespace jetdeck::js

Q_DECLARE_METATYPE(jetdeck::js::JetStreamSnapshot)
