#pragma once

#include "core/base/histogram.h"
#include "core/client/connection.h"
#include "core/workload/publishplan.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>

namespace jetdeck {

namespace js {
class AsyncPublisher;
}
namespace metrics {
class WindowedHistogram;
}

/// Where every publish of one run ended. The counts add up: attempted = accepted + rejected;
/// for core publishes accepted = sent + queuedThenSent + expired + dropped + stillQueued +
/// stillBuffered; for JetStream accepted = acked + failed + timedOut + unanswered.
struct PublishSummary {
    PublishMode mode = PublishMode::Core;
    qint64 attempted = 0;
    qint64 accepted = 0;
    qint64 rejected = 0;
    qint64 bytes = 0;          ///< payload bytes accepted
    qint64 sent = 0;           ///< written to the socket while connected
    qint64 queuedThenSent = 0; ///< held during an outage, sent after the reconnect
    qint64 expired = 0;
    qint64 dropped = 0;
    qint64 stillQueued = 0;   ///< in the outbound queue when the settle timeout ran out
    qint64 stillBuffered = 0; ///< accepted, not yet written (connection closed meanwhile)
    // JetStream
    qint64 acked = 0;                ///< stored (duplicates included)
    qint64 duplicates = 0;           ///< the stream already had that msg id
    qint64 failed = 0;               ///< the server refused it, or no stream took it
    qint64 timedOut = 0;             ///< no PubAck in time
    qint64 unanswered = 0;           ///< still waiting for a PubAck when the run ended
    metrics::Percentiles ackLatency; ///< publish -> PubAck, microseconds
    quint64 reconnects = 0;
    double seconds = 0;
    double achievedRate = 0;
    bool stopped = false;           ///< stopped by the user before the plan was done
    QStringList rejectReasons;      ///< distinct reasons, first few
    QMap<QString, qint64> failures; ///< JetStream failures and timeouts by reason
    bool confirmed = false;         ///< the server answered a final flush

    /// True when every message asked for ended where it should (sent, or acked).
    bool clean() const;
    QJsonObject toJson() const;
    QString toText() const;
};

/// A run in progress, readable from any thread.
struct PublishProgress {
    qint64 attempted = 0;
    qint64 accepted = 0;
    qint64 rejected = 0;
    qint64 acked = 0;
    qint64 failed = 0; ///< JetStream failures and timeouts
    qint64 total = 0;  ///< the messages the plan asks for (estimated for a timed run)
    double seconds = 0;
    bool running = false;
};

/// Publishes a plan on the connection's own thread, paced by a schedule on the event loop
/// (rate, bursts, count or duration), through outages (the connection queues while it
/// reconnects), with JetStream acknowledgements when asked, and reports where every message
/// went. Create it on the connection's thread, or move it there before start().
class RatePublisher : public QObject {
    Q_OBJECT
public:
    RatePublisher(Connection* connection, PublishPlan plan, QObject* parent = nullptr);
    ~RatePublisher() override;

    /// Where publish -> PubAck times also go (the console's metrics); set before start().
    void setAckLatencyProbe(std::shared_ptr<metrics::WindowedHistogram> probe);

    void start();
    /// Stops publishing; what was accepted still settles and the summary follows.
    void stop();
    bool isRunning() const { return m_running.load(std::memory_order_relaxed); }
    qint64 attempted() const { return m_summary.attempted; }
    const PublishPlan& plan() const { return m_plan; }
    PublishProgress progress() const;

signals:
    void progressed(qint64 attempted, qint64 total);
    void finished(const jetdeck::PublishSummary& summary);

private:
    void tick();
    bool publishOne(qint64 seq);
    void beginSettle();
    void settle();
    void finish();
    void storeProgress();
    qint64 plannedTotal() const;

    Connection* m_conn;
    PublishPlan m_plan;
    MessageRenderer m_renderer;
    QByteArray m_constBody; ///< when every message is the same
    QByteArray m_constHeaders;
    std::unique_ptr<js::AsyncPublisher> m_async;
    std::shared_ptr<metrics::WindowedHistogram> m_ackProbe;
    metrics::Histogram m_latency;
    HealthSnapshot m_start;
    PublishSummary m_summary;
    QTimer* m_timer;
    QTimer* m_settleTimer;
    QElapsedTimer m_clock;
    QElapsedTimer m_settleClock;
    qint64 m_lastProgressMs = 0;
    bool m_settling = false;
    int m_settleLimitMs = 0;
    std::atomic<bool> m_running{false};
    std::atomic<qint64> m_pAttempted{0}, m_pAccepted{0}, m_pRejected{0}, m_pAcked{0}, m_pFailed{0},
        m_pElapsedMs{0};
};

} // namespace jetdeck

Q_DECLARE_METATYPE(jetdeck::PublishSummary)
