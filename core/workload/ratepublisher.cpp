#include "ratepublisher.h"

#include "core/base/clock.h"
#include "core/jetstream/asyncpublisher.h"

#include <cmath>

namespace jetdeck {

bool PublishSummary::clean() const {
    if (rejected > 0 || stopped)
        return false;
    if (mode == PublishMode::Core)
        return expired == 0 && dropped == 0 && stillQueued == 0 && stillBuffered == 0 && confirmed;
    return acked == accepted && failed == 0 && timedOut == 0 && unanswered == 0;
}

QJsonObject PublishSummary::toJson() const {
    QJsonObject o{{QStringLiteral("mode"), publishModeName(mode)},
                  {QStringLiteral("attempted"), attempted},
                  {QStringLiteral("accepted"), accepted},
                  {QStringLiteral("rejected"), rejected},
                  {QStringLiteral("bytes"), bytes},
                  {QStringLiteral("reconnects"), qint64(reconnects)},
                  {QStringLiteral("seconds"), seconds},
                  {QStringLiteral("rate"), achievedRate},
                  {QStringLiteral("stopped"), stopped},
                  {QStringLiteral("clean"), clean()},
                  {QStringLiteral("reject_reasons"), QJsonValue::fromVariant(rejectReasons)}};
    if (mode == PublishMode::Core) {
        o.insert(QStringLiteral("sent"), sent);
        o.insert(QStringLiteral("queued_then_sent"), queuedThenSent);
        o.insert(QStringLiteral("expired"), expired);
        o.insert(QStringLiteral("dropped"), dropped);
        o.insert(QStringLiteral("still_queued"), stillQueued);
        o.insert(QStringLiteral("still_buffered"), stillBuffered);
        o.insert(QStringLiteral("confirmed"), confirmed);
    } else {
        o.insert(QStringLiteral("acked"), acked);
        o.insert(QStringLiteral("duplicates"), duplicates);
        o.insert(QStringLiteral("failed"), failed);
        o.insert(QStringLiteral("timed_out"), timedOut);
        o.insert(QStringLiteral("unanswered"), unanswered);
        QJsonObject f;
        for (auto it = failures.cbegin(); it != failures.cend(); ++it)
            f.insert(it.key(), it.value());
        o.insert(QStringLiteral("failures"), f);
        o.insert(QStringLiteral("ack_latency_us"),
                 QJsonObject{{QStringLiteral("count"), qint64(ackLatency.count)},
                             {QStringLiteral("p50"), qint64(ackLatency.p50)},
                             {QStringLiteral("p95"), qint64(ackLatency.p95)},
                             {QStringLiteral("p99"), qint64(ackLatency.p99)},
                             {QStringLiteral("max"), qint64(ackLatency.max)}});
    }
    return o;
}

namespace {
QString ms(quint64 us) {
    return QString::number(double(us) / 1000.0, 'f', us < 10000 ? 2 : 1);
}
} // namespace

QString PublishSummary::toText() const {
    QString s;
    if (mode == PublishMode::Core) {
        s = QStringLiteral("Published %1 of %2 messages in %3 s (%4 msgs/s): %5 sent, %6 "
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
    } else {
        s = QStringLiteral("Published %1 of %2 messages to JetStream (%3) in %4 s (%5 msgs/s): "
                           "%6 acked (%7 duplicates), %8 failed, %9 timed out")
                .arg(accepted)
                .arg(attempted)
                .arg(publishModeName(mode))
                .arg(seconds, 0, 'f', 2)
                .arg(achievedRate, 0, 'f', 1)
                .arg(acked)
                .arg(duplicates)
                .arg(failed)
                .arg(timedOut);
        if (unanswered > 0)
            s += QStringLiteral(", %1 unanswered").arg(unanswered);
        if (rejected > 0)
            s += QStringLiteral(", %1 rejected").arg(rejected);
        if (ackLatency.count > 0)
            s += QStringLiteral("; PubAck P50 %1 ms, P95 %2 ms, P99 %3 ms, max %4 ms")
                     .arg(ms(ackLatency.p50), ms(ackLatency.p95), ms(ackLatency.p99),
                          ms(ackLatency.max));
    }
    if (reconnects > 0)
        s += QStringLiteral("; %1 reconnect%2")
                 .arg(reconnects)
                 .arg(reconnects == 1 ? QString() : QStringLiteral("s"));
    if (stopped)
        s += QStringLiteral("; stopped before the end");
    for (const QString& r : rejectReasons)
        s += QStringLiteral("\n  rejected: ") + r;
    for (auto it = failures.cbegin(); it != failures.cend(); ++it)
        s += QStringLiteral("\n  %1 x %2").arg(it.value()).arg(it.key());
    return s;
}

RatePublisher::RatePublisher(Connection* connection, PublishPlan plan, QObject* parent)
    : QObject(parent)
    , m_conn(connection)
    , m_plan(std::move(plan))
    , m_renderer(m_plan)
    , m_timer(new QTimer(this))
    , m_settleTimer(new QTimer(this)) {
    qRegisterMetaType<PublishSummary>();
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &RatePublisher::tick);
    m_settleTimer->setInterval(50);
    connect(m_settleTimer, &QTimer::timeout, this, &RatePublisher::settle);
    if (m_renderer.isConstant()) {
        m_constBody = m_renderer.body(1, 0);
        m_constHeaders = m_renderer.headerBlock(1, 0);
    }
}

RatePublisher::~RatePublisher() {
    // Before the members its handlers write to.
    if (m_async)
        m_async->setAckHandler({});
    m_async.reset();
}

void RatePublisher::setAckLatencyProbe(std::shared_ptr<metrics::WindowedHistogram> probe) {
    m_ackProbe = std::move(probe);
}

qint64 RatePublisher::plannedTotal() const {
    if (m_plan.count > 0)
        return m_plan.count;
    return qMax<qint64>(1, qint64(m_plan.rate * double(m_plan.durationMs) / 1000.0));
}

PublishProgress RatePublisher::progress() const {
    PublishProgress p;
    p.attempted = m_pAttempted.load(std::memory_order_relaxed);
    p.accepted = m_pAccepted.load(std::memory_order_relaxed);
    p.rejected = m_pRejected.load(std::memory_order_relaxed);
    p.acked = m_pAcked.load(std::memory_order_relaxed);
    p.failed = m_pFailed.load(std::memory_order_relaxed);
    p.seconds = double(m_pElapsedMs.load(std::memory_order_relaxed)) / 1000.0;
    p.total = plannedTotal();
    p.running = isRunning();
    return p;
}

void RatePublisher::storeProgress() {
    m_pAttempted.store(m_summary.attempted, std::memory_order_relaxed);
    m_pAccepted.store(m_summary.accepted, std::memory_order_relaxed);
    m_pRejected.store(m_summary.rejected, std::memory_order_relaxed);
    m_pAcked.store(m_summary.acked, std::memory_order_relaxed);
    m_pFailed.store(m_summary.failed + m_summary.timedOut, std::memory_order_relaxed);
    if (!m_settling)
        m_pElapsedMs.store(m_clock.elapsed(), std::memory_order_relaxed);
}

void RatePublisher::start() {
    m_start = m_conn->health();
    m_summary = PublishSummary{};
    m_summary.mode = m_plan.mode;
    m_latency.reset();
    m_settling = false;
    if (m_plan.mode != PublishMode::Core) {
        js::AsyncPublishConfig cfg;
        cfg.maxInFlight = m_plan.mode == PublishMode::JetStreamSync ? 1 : m_plan.jsWindow;
        cfg.ackTimeoutMs = m_plan.ackTimeoutMs;
        m_async = std::make_unique<js::AsyncPublisher>(m_conn, cfg);
        if (m_ackProbe)
            m_async->setLatencyProbe(m_ackProbe);
        m_async->setLatencyObserver([this](quint64 us) { m_latency.record(us); });
        m_async->setAckHandler([this](quint64, const Result<js::PubAck>& ack) {
            if (ack) {
                ++m_summary.acked;
                if (ack->duplicate)
                    ++m_summary.duplicates;
            } else {
                if (ack.error().kind == ErrorKind::Timeout)
                    ++m_summary.timedOut;
                else
                    ++m_summary.failed;
                QString reason = ack.error().message;
                if (m_summary.failures.size() >= 20 && !m_summary.failures.contains(reason))
                    reason = QStringLiteral("(other reasons)");
                ++m_summary.failures[reason];
            }
            if (m_settling)
                storeProgress();
        });
        if (Status s = m_async->start(); !s.ok()) {
            // No inbox, no acks: every message would be lost; say so instead.
            m_summary.attempted = m_summary.rejected = plannedTotal();
            m_summary.rejectReasons << s.message;
            m_running = true;
            finish();
            return;
        }
    }
    m_running = true;
    m_clock.start();
    // Fast enough to keep bursts small at high rates, idle enough at low ones.
    const double stepsPerSec = m_plan.rate / qMax(1, m_plan.burst);
    m_timer->start(m_plan.rate <= 0 ? 0 : (stepsPerSec >= 1000 ? 1 : 5));
    tick();
}

void RatePublisher::stop() {
    if (m_timer->isActive()) {
        m_summary.stopped = true;
        beginSettle();
    }
}

bool RatePublisher::publishOne(qint64 seq) {
    const qint64 nowUs = m_renderer.isConstant() ? 0 : wallNowUs();
    const QByteArray body = m_renderer.isConstant() ? m_constBody : m_renderer.body(seq, nowUs);
    Status s;
    if (!m_async) {
        const QByteArray headers =
            m_renderer.isConstant() ? m_constHeaders : m_renderer.headerBlock(seq, nowUs);
        s = m_conn->publishRaw(m_plan.subject, m_plan.reply, headers, body);
    } else {
        js::PublishOptions po;
        po.timeoutMs = m_plan.ackTimeoutMs;
        po.retryAttempts = m_plan.retryAttempts;
        po.retryWaitMs = m_plan.retryWaitMs;
        if (m_renderer.hasMsgId())
            po.msgId = m_renderer.msgId(seq, nowUs);
        const Headers h = m_renderer.headers(seq, nowUs, false);
        auto id = m_async->publish(m_plan.subject, body, po, h.isEmpty() ? nullptr : &h, 0);
        if (!id)
            s = id.error();
    }
    ++m_summary.attempted;
    if (!s.ok()) {
        ++m_summary.rejected;
        if (m_summary.rejectReasons.size() < 5 && !m_summary.rejectReasons.contains(s.message))
            m_summary.rejectReasons << s.message;
        return false;
    }
    ++m_summary.accepted;
    m_summary.bytes += body.size();
    return true;
}

void RatePublisher::tick() {
    const qint64 limit = m_plan.count > 0 ? m_plan.count : std::numeric_limits<qint64>::max();
    const qint64 elapsedNs = m_clock.nsecsElapsed();
    const bool timeUp = m_plan.durationMs > 0 && elapsedNs >= m_plan.durationMs * 1000000;
    qint64 due = m_summary.attempted;
    if (!timeUp) {
        if (m_plan.rate > 0) {
            // The schedule: burst messages every burst/rate seconds, the first at once. Behind
            // it (a stall), the next ticks catch up, so the average rate holds.
            const qint64 burst = qMax(1, m_plan.burst);
            const double steps = std::floor(double(elapsedNs) / 1e9 * m_plan.rate / double(burst));
            due = qMin<qint64>(limit, (qint64(steps) + 1) * burst);
        } else {
            // Unpaced: a slice at a time so the event loop (reconnects, PINGs, acks) keeps running.
            due = qMin<qint64>(limit, m_summary.attempted + 10000);
        }
    }
    while (m_summary.attempted < due) {
        if (m_async && !m_async->hasRoom())
            break; // the window is full: the acks come in on the event loop, go on next tick
        publishOne(m_summary.attempted + 1);
    }
    storeProgress();
    const qint64 nowMs = elapsedNs / 1000000;
    if (nowMs - m_lastProgressMs >= 100 || m_summary.attempted >= limit || timeUp) {
        m_lastProgressMs = nowMs;
        emit progressed(m_summary.attempted, plannedTotal());
    }
    if (m_summary.attempted >= limit || timeUp)
        beginSettle();
}

void RatePublisher::beginSettle() {
    m_timer->stop();
    m_summary.seconds = double(m_clock.nsecsElapsed()) / 1e9;
    storeProgress();
    m_settling = true;
    if (m_plan.settleTimeoutMs >= 0)
        m_settleLimitMs = m_plan.settleTimeoutMs;
    else if (m_async)
        m_settleLimitMs = m_plan.ackTimeoutMs + 2000;
    else
        m_settleLimitMs = m_conn->options().pendingOperationTimeoutMs + 2000;
    m_settleClock.start();
    m_settleTimer->start();
    settle();
}

void RatePublisher::settle() {
    const HealthSnapshot h = m_conn->health();
    const bool timeLeft = m_settleClock.elapsed() < m_settleLimitMs;
    if (m_async) {
        // Done when every PubAck came, failed or timed out (the publisher times them out).
        if (m_async->inFlight() > 0 && timeLeft && h.state != ConnectionState::Closed)
            return;
    } else {
        // Done when nothing of ours waits in the queue or the write buffer, or time is up.
        const bool quiet = h.queueDepth == 0 && h.bufferedBytes == 0;
        if (!quiet && timeLeft && h.state != ConnectionState::Closed &&
            h.state != ConnectionState::Disconnected)
            return;
    }
    m_settleTimer->stop();
    if (!m_async && h.state == ConnectionState::Connected)
        m_summary.confirmed = m_conn->flushSync(5000).ok();
    finish();
}

void RatePublisher::finish() {
    const HealthSnapshot h = m_conn->health();
    if (!m_async) {
        m_summary.sent = qint64(h.sent - m_start.sent);
        m_summary.queuedThenSent = qint64(h.queue.flushed - m_start.queue.flushed);
        m_summary.expired = qint64(h.queue.expired - m_start.queue.expired);
        m_summary.dropped = qint64(h.queue.dropped - m_start.queue.dropped);
        m_summary.stillQueued = qint64(h.queueDepth);
        m_summary.stillBuffered = m_summary.accepted - m_summary.sent - m_summary.queuedThenSent -
                                  m_summary.expired - m_summary.dropped - m_summary.stillQueued;
    } else {
        m_summary.unanswered = qMax<qint64>(0, m_summary.accepted - m_summary.acked -
                                                   m_summary.failed - m_summary.timedOut);
        m_summary.ackLatency = m_latency.percentiles();
        // Outcomes that come after this would count into a finished summary.
        m_async->setAckHandler({});
    }
    m_summary.reconnects = h.reconnects - m_start.reconnects;
    m_summary.achievedRate =
        m_summary.seconds > 0 ? double(m_summary.attempted) / m_summary.seconds : 0;
    m_settling = false;
    storeProgress();
    m_running = false;
    emit finished(m_summary);
}

} // namespace jetdeck
