#include "ratepublisher.h"

#include <cmath>

namespace jetdeck {

QJsonObject PublishSummary::toJson() const {
    return QJsonObject{{QStringLiteral("attempted"), attempted},
                       {QStringLiteral("accepted"), accepted},
                       {QStringLiteral("rejected"), rejected},
                       {QStringLiteral("sent"), sent},
                       {QStringLiteral("queued_then_sent"), queuedThenSent},
                       {QStringLiteral("expired"), expired},
                       {QStringLiteral("dropped"), dropped},
                       {QStringLiteral("still_queued"), stillQueued},
                       {QStringLiteral("still_buffered"), stillBuffered},
                       {QStringLiteral("reconnects"), qint64(reconnects)},
                       {QStringLiteral("seconds"), seconds},
                       {QStringLiteral("rate"), achievedRate},
                       {QStringLiteral("confirmed"), confirmed},
                       {QStringLiteral("reject_reasons"), QJsonValue::fromVariant(rejectReasons)}};
}

QString PublishSummary::toText() const {
    QString s = QStringLiteral("Published %1 of %2 messages in %3 s (%4 msgs/s): %5 sent, %6 "
                               "queued then sent, %7 expired, %8 dropped, %9 rejected")
                    .arg(accepted)
                    .arg(attempted)
                    .arg(seconds, 0, 'f', 2)
                    .arg(achievedRate, 0, 'f', 1)
                    .arg(sent)
                    .arg(queuedThenSent)
                    .arg(expired)
                    .arg(dropped)
                    .arg(rejected);
    if (stillQueued > 0)
        s += QStringLiteral(", %1 still queued").arg(stillQueued);
    if (stillBuffered > 0)
        s += QStringLiteral(", %1 not written").arg(stillBuffered);
    if (reconnects > 0)
        s += QStringLiteral("; %1 reconnect%2")
                 .arg(reconnects)
                 .arg(reconnects == 1 ? QString() : QStringLiteral("s"));
    for (const QString& r : rejectReasons)
        s += QStringLiteral("\n  rejected: ") + r;
    return s;
}

RatePublisher::RatePublisher(Connection* connection, PublishPlan plan, QObject* parent)
    : QObject(parent)
    , m_conn(connection)
    , m_plan(std::move(plan)) {
    qRegisterMetaType<PublishSummary>();
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RatePublisher::tick);
    m_settleTimer.setInterval(50);
    connect(&m_settleTimer, &QTimer::timeout, this, &RatePublisher::settle);
    if (!m_plan.headers.isEmpty())
        m_headerBlock = m_plan.headers.toBlock();
}

void RatePublisher::start() {
    m_start = m_conn->health();
    m_summary = PublishSummary{};
    m_settling = false;
    m_clock.start();
    // Fast enough to keep bursts small at high rates, idle enough at low ones.
    m_timer.start(m_plan.rate <= 0 ? 0 : (m_plan.rate >= 1000 ? 1 : 5));
    tick();
}

void RatePublisher::stop() {
    if (m_timer.isActive()) {
        m_timer.stop();
        settle();
    }
}

void RatePublisher::tick() {
    qint64 due = m_plan.count;
    if (m_plan.rate > 0) {
        const double elapsed = double(m_clock.nsecsElapsed()) / 1e9;
        due = qMin<qint64>(m_plan.count, qint64(std::floor(elapsed * m_plan.rate)) + 1);
    } else {
        // Unpaced: a slice at a time so the event loop (reconnects, PINGs) keeps running.
        due = qMin<qint64>(m_plan.count, m_summary.attempted + 10000);
    }
    while (m_summary.attempted < due) {
        ++m_summary.attempted;
        const Status s =
            m_conn->publishRaw(m_plan.subject, m_plan.reply, m_headerBlock, m_plan.payload);
        if (s) {
            ++m_summary.rejected;
            if (m_summary.rejectReasons.size() < 5 && !m_summary.rejectReasons.contains(s.message))
                m_summary.rejectReasons << s.message;
        } else {
            ++m_summary.accepted;
        }
    }
    emit progress(m_summary.attempted, m_plan.count);
    if (m_summary.attempted >= m_plan.count) {
        m_timer.stop();
        m_summary.seconds = double(m_clock.nsecsElapsed()) / 1e9;
        m_settling = true;
        m_settleLimitMs = m_plan.settleTimeoutMs >= 0
                              ? m_plan.settleTimeoutMs
                              : m_conn->options().pendingOperationTimeoutMs + 2000;
        m_settleClock.start();
        m_settleTimer.start();
        settle();
    }
}

void RatePublisher::settle() {
    // Done when nothing of ours waits in the queue or the write buffer, or time is up.
    const HealthSnapshot h = m_conn->health();
    const bool quiet = h.queueDepth == 0 && h.bufferedBytes == 0;
    if (!quiet && m_settleClock.elapsed() < m_settleLimitMs && h.state != ConnectionState::Closed &&
        h.state != ConnectionState::Disconnected)
        return;
    m_settleTimer.stop();
    if (h.state == ConnectionState::Connected)
        m_summary.confirmed = !m_conn->flushSync(5000);
    finish();
}

void RatePublisher::finish() {
    const HealthSnapshot h = m_conn->health();
    m_summary.sent = qint64(h.sent - m_start.sent);
    m_summary.queuedThenSent = qint64(h.queue.flushed - m_start.queue.flushed);
    m_summary.expired = qint64(h.queue.expired - m_start.queue.expired);
    m_summary.dropped = qint64(h.queue.dropped - m_start.queue.dropped);
    m_summary.stillQueued = qint64(h.queueDepth);
    m_summary.stillBuffered = m_summary.accepted - m_summary.sent - m_summary.queuedThenSent -
                              m_summary.expired - m_summary.dropped - m_summary.stillQueued;
    m_summary.reconnects = h.reconnects - m_start.reconnects;
    m_summary.achievedRate =
        m_summary.seconds > 0 ? double(m_summary.attempted) / m_summary.seconds : 0;
    m_settling = false;
    emit finished(m_summary);
}

} // namespace jetdeck
