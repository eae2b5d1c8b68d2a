#pragma once

#include "core/base/requestbudget.h"
#include "core/jetstream/jetstream.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>

#include <deque>
#include <mutex>

namespace jetdeck::js {

/// One CONSUMER.INFO reading.
struct ConsumerSample {
    QDateTime time;
    qint64 numPending = 0;
    qint64 numAckPending = 0;
    qint64 numRedelivered = 0;
    qint64 numWaiting = 0;
    quint64 deliveredStreamSeq = 0;
    quint64 deliveredConsumerSeq = 0;
    quint64 ackFloorStreamSeq = 0;

    /// The reading in a CONSUMER.INFO (or a CONSUMER.LIST entry) taken at `time`.
    static ConsumerSample of(const ConsumerInfo& info, const QDateTime& time);
};

/// Polls CONSUMER.INFO on an interval (default 1 s) without blocking anyone, and keeps a
/// bounded history for charts and for the backpressure view: live numbers, not a cached guess.
/// With a RequestBudget, a poll the budget refuses is skipped (the reading gets older).
class ConsumerMonitor : public QObject {
    Q_OBJECT
public:
    ConsumerMonitor(const JetStream& js, QString stream, QString consumer, int intervalMs = 1000,
                    int historySize = 3600, QObject* parent = nullptr);

    /// Polls only when `budget` has a token (null: always). Not owned; must outlive this.
    void setBudget(RequestBudget* budget) { m_budget = budget; }
    void start();
    void stop();
    /// Polls once now (the next poll is still on the interval).
    void pollNow();

    const QString& stream() const { return m_stream; }
    const QString& consumer() const { return m_consumer; }
    QList<ConsumerSample> history() const;
    /// The last good reading; invalid time when there was none yet.
    ConsumerSample latest() const;
    ConsumerInfo latestInfo() const;
    Error lastError() const;
    /// Polls the budget refused so far.
    int skippedPolls() const { return m_skipped; }

signals:
    void updated(const jetdeck::js::ConsumerInfo& info);
    void pollFailed(const jetdeck::Error& error);

private:
    void onReply(const Result<nlohmann::json>& reply);

    JetStream m_js;
    QString m_stream;
    QString m_consumer;
    int m_historySize;
    QTimer m_timer;
    bool m_inFlight = false;
    RequestBudget* m_budget = nullptr;
    int m_skipped = 0;

    mutable std::mutex m_mu;
    std::deque<ConsumerSample> m_history;
    ConsumerInfo m_latest;
    Error m_lastError;
};

} // namespace jetdeck::js

Q_DECLARE_METATYPE(jetdeck::js::ConsumerInfo)
