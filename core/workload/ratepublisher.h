#pragma once

#include "core/client/connection.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace jetdeck {

/// What to publish and how fast.
struct PublishPlan {
    QByteArray subject;
    QByteArray payload;
    Headers headers;
    QByteArray reply;
    qint64 count = 1;
    double rate = 0; ///< messages per second; 0 publishes as fast as the connection takes them
    /// After the last publish, how long to wait for queued publishes to be sent (or expire)
    /// before reporting; -1 takes the connection's pending_operation_timeout_ms + 2 s.
    int settleTimeoutMs = -1;
};

/// Where every publish of one run ended. The counts add up: accepted = sent + queuedThenSent
/// + expired + dropped + stillQueued + stillBuffered, and attempted = accepted + rejected.
struct PublishSummary {
    qint64 attempted = 0;
    qint64 accepted = 0;
    qint64 rejected = 0;
    qint64 sent = 0;           ///< written to the socket while connected
    qint64 queuedThenSent = 0; ///< held during an outage, sent after the reconnect
    qint64 expired = 0;
    qint64 dropped = 0;
    qint64 stillQueued = 0;   ///< in the outbound queue when the settle timeout ran out
    qint64 stillBuffered = 0; ///< accepted, not yet written (connection closed meanwhile)
    quint64 reconnects = 0;
    double seconds = 0;
    double achievedRate = 0;
    QStringList rejectReasons; ///< distinct reasons, first few
    bool confirmed = false;    ///< the server answered a final flush

    QJsonObject toJson() const;
    QString toText() const;
};

/// Publishes a plan on the connection's own thread, paced by a token bucket on the event
/// loop, through outages (the connection queues while it reconnects), and reports where
/// every message went. Create it on the thread the connection lives on.
class RatePublisher : public QObject {
    Q_OBJECT
public:
    RatePublisher(Connection* connection, PublishPlan plan, QObject* parent = nullptr);

    void start();
    void stop();
    bool isRunning() const { return m_timer.isActive() || m_settling; }
    qint64 attempted() const { return m_summary.attempted; }

signals:
    void progress(qint64 attempted, qint64 total);
    void finished(const jetdeck::PublishSummary& summary);

private:
    void tick();
    void settle();
    void finish();

    Connection* m_conn;
    PublishPlan m_plan;
    QByteArray m_headerBlock;
    HealthSnapshot m_start;
    PublishSummary m_summary;
    QTimer m_timer;
    QTimer m_settleTimer;
    QElapsedTimer m_clock;
    QElapsedTimer m_settleClock;
    bool m_settling = false;
    int m_settleLimitMs = 0;
};

} // namespace jetdeck

Q_DECLARE_METATYPE(jetdeck::PublishSummary)
