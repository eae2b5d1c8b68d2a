#include "redeliverytracker.h"

#include "core/base/clock.h"
#include "core/base/windowedhistogram.h"
#include "core/jetstream/jscommon.h"
#include "core/protocol/headers.h"

#include <QRandomGenerator>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace jetdeck::js {

namespace {

constexpr std::size_t kMaxEvents = 1000;

// Advisories are read without throwing: whoever may publish on the subject can send members of
// the wrong type, and an exception must not leave the subscription handler.
quint64 unsignedMember(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<quint64>() : 0;
}

QString stringMember(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                            : QString();
}

} // namespace

qint64 NakDelayPolicy::delayNs(quint64 deliveries, double unit) const {
    const BackoffPolicy b{int(std::clamp<qint64>(initialMs, 0, INT32_MAX)), multiplier,
                          int(std::clamp<qint64>(maxMs, 0, INT32_MAX)), jitterPercent};
    return b.delay(int(std::min<quint64>(deliveries, 64)), unit) * 1000000;
}

Status NakDelayPolicy::validate() const {
    auto bad = [](const QString& what) {
        return Error{ErrorKind::InvalidArgument, QStringLiteral("NAK backoff: %1").arg(what)};
    };
    if (initialMs < 1 || initialMs > 3600 * 1000)
        return bad(QStringLiteral("the first delay is 1ms to 1h, not %1")
                       .arg(formatDurationNs(initialMs * 1000000)));
    if (maxMs < initialMs || maxMs > 12 * 3600 * 1000)
        return bad(
            QStringLiteral("the longest delay is at least the first (%1) and at most 12h, "
                           "not %2")
                .arg(formatDurationNs(initialMs * 1000000), formatDurationNs(maxMs * 1000000)));
    if (!(multiplier >= 1.0 && multiplier <= 10.0))
        return bad(QStringLiteral("the multiplier is 1 to 10, not %1").arg(multiplier));
    if (jitterPercent < 0 || jitterPercent > 100)
        return bad(QStringLiteral("the jitter is 0%-100%, not %1%").arg(jitterPercent));
    return {};
}

Result<NakDelayPolicy> NakDelayPolicy::parse(const QString& text) {
    NakDelayPolicy p;
    const QStringList parts = text.split(QLatin1Char(','));
    int durations = 0;
    bool maxGiven = false;
    for (const QString& raw : parts) {
        const QString part = raw.trimmed();
        auto bad = [&](const QString& why) {
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("NAK backoff '%1': %2 (write INITIAL[,MAX][,xMULTIPLIER]"
                                        "[,JITTER%], such as 1s,60s,x2,20%)")
                             .arg(text, why)};
        };
        if (part.isEmpty())
            return bad(QStringLiteral("an empty part"));
        if (part.endsWith(QLatin1Char('%'))) {
            bool ok = false;
            const int v = part.chopped(1).toInt(&ok);
            if (!ok)
                return bad(QStringLiteral("'%1' is not a whole percent").arg(part));
            p.jitterPercent = v;
        } else if (part.startsWith(QLatin1Char('x')) || part.startsWith(QLatin1Char('*'))) {
            bool ok = false;
            const double v = part.mid(1).toDouble(&ok);
            if (!ok)
                return bad(QStringLiteral("'%1' is not a multiplier such as x2").arg(part));
            p.multiplier = v;
        } else {
            const auto ns = parseDurationNs(part);
            if (!ns)
                return bad(QStringLiteral("'%1' is not a duration such as 500ms or 2s").arg(part));
            if (durations == 0)
                p.initialMs = *ns / 1000000;
            else if (durations == 1) {
                p.maxMs = *ns / 1000000;
                maxGiven = true;
            } else
                return bad(QStringLiteral("more than two durations"));
            ++durations;
        }
    }
    if (durations == 0)
        return Error{
            ErrorKind::InvalidArgument,
            QStringLiteral("NAK backoff '%1': the first delay is missing (such as 1s)").arg(text)};
    if (!maxGiven)
        p.maxMs = std::max(p.maxMs, p.initialMs);
    if (Status s = p.validate(); !s.ok())
        return s;
    return p;
}

QString NakDelayPolicy::toString() const {
    return QStringLiteral("%1,%2,x%3,%4%")
        .arg(formatDurationNs(initialMs * 1000000), formatDurationNs(maxMs * 1000000))
        .arg(multiplier)
        .arg(jitterPercent);
}

qint64 NakDelayPolicy::delayNs(quint64 deliveries) const {
    return delayNs(deliveries, QRandomGenerator::global()->generateDouble() * 2.0 - 1.0);
}

RedeliveryTracker::RedeliveryTracker(QString stream, QString consumer, std::size_t memory)
    : m_stream(std::move(stream))
    , m_consumer(std::move(consumer))
    , m_memory(std::max<std::size_t>(1, memory)) {
    m_stats.deliveryCounts.fill(0, Buckets);
    m_stats.afterNakByCount.fill(0, Buckets);
    m_stats.afterAckWaitByCount.fill(0, Buckets);
}

void RedeliveryTracker::setLatencyProbes(std::shared_ptr<metrics::WindowedHistogram> endToEnd,
                                         std::shared_ptr<metrics::WindowedHistogram> processing) {
    m_endToEndProbe.store(std::move(endToEnd));
    m_processingProbe.store(std::move(processing));
}

void RedeliveryTracker::onDelivered(const JsMessage& message) {
    if (message.hasMetadata())
        onDelivered(message.metadata());
    const auto probe = m_endToEndProbe.load();
    if (!probe)
        return;
    // Wall clocks: the sender's stamp (or the stream's) against ours. On one machine they agree;
    // across machines the result is only as good as their clock synchronisation.
    qint64 sentUs = sentTimestampUs(message.message().headerBlock());
    if (sentUs <= 0 && message.hasMetadata())
        sentUs = message.metadata().timestampNs / 1000;
    if (sentUs <= 0)
        return;
    const qint64 nowUs = wallNowUs();
    probe->record(quint64(qMax<qint64>(0, nowUs - sentUs)));
}

void RedeliveryTracker::onAnswered(const JsMessage& message, AckKind kind) {
    if (message.hasMetadata())
        onAnswered(message.metadata(), kind);
    if (kind == AckKind::InProgress)
        return; // still processing
    const auto probe = m_processingProbe.load();
    const auto bySubject = m_subjectProbes.load();
    if (!probe && !bySubject)
        return;
    const auto us = quint64(qMax<qint64>(0, (steadyNowNs() - message.receivedNs()) / 1000));
    if (probe)
        probe->record(us);
    if (bySubject && *bySubject)
        if (const auto subjectProbe = (*bySubject)(message.subject()))
            subjectProbe->record(us);
}

void RedeliveryTracker::setSubjectProbeLookup(SubjectProbeLookup lookup) {
    m_subjectProbes.store(lookup ? std::make_shared<SubjectProbeLookup>(std::move(lookup))
                                 : std::shared_ptr<SubjectProbeLookup>());
}

void RedeliveryTracker::onDelivered(const JsMetadata& meta) {
    std::lock_guard lock(m_mu);
    ++m_stats.delivered;
    const quint64 n = std::max<quint64>(1, meta.delivered);
    const qsizetype bucket = qsizetype(std::min<quint64>(n, Buckets) - 1);
    ++m_stats.deliveryCounts[bucket];
    if (n == 1) {
        ++m_stats.firstDeliveries;
        return;
    }
    ++m_stats.redelivered;
    auto it = m_naked.find(meta.streamSeq);
    if (it != m_naked.end()) {
        ++m_stats.afterNak;
        ++m_stats.afterNakByCount[bucket];
        if (--it->second.count == 0) {
            m_nakOrder.erase(it->second.at);
            m_naked.erase(it);
        }
    } else {
        ++m_stats.afterAckWait;
        ++m_stats.afterAckWaitByCount[bucket];
    }
}

void RedeliveryTracker::rememberNak(quint64 seq) {
    auto [it, added] = m_naked.try_emplace(seq);
    if (!added)
        m_nakOrder.erase(it->second.at);
    ++it->second.count;
    it->second.at = m_nakOrder.insert(m_nakOrder.end(), seq);
    // Bounded: forget the messages NAKed longest ago (their redeliveries then count as ack-wait
    // ones). Only sequences still waiting for a redelivery are in the order, so `memory` of
    // them are remembered however often each one was NAKed.
    while (m_naked.size() > m_memory) {
        m_naked.erase(m_nakOrder.front());
        m_nakOrder.pop_front();
    }
}

void RedeliveryTracker::onAnswered(const JsMetadata& meta, AckKind kind) {
    std::lock_guard lock(m_mu);
    switch (kind) {
    case AckKind::Ack:
        ++m_stats.acked;
        break;
    case AckKind::Nak:
        ++m_stats.naked;
        rememberNak(meta.streamSeq);
        break;
    case AckKind::InProgress:
        ++m_stats.inProgress;
        break;
    case AckKind::Term:
        ++m_stats.terminated;
        break;
    }
}

void RedeliveryTracker::onAdvisory(QByteArrayView subject, QByteArrayView json) {
    const auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return;
    RedeliveryEvent e;
    e.time = QDateTime::currentDateTime();
    e.streamSeq = unsignedMember(j, "stream_seq");
    e.deliveries = unsignedMember(j, "deliveries");
    std::lock_guard lock(m_mu);
    if (subject.contains(".MAX_DELIVERIES.")) {
        e.kind = RedeliveryEvent::Kind::MaxDeliveries;
        e.reason = QStringLiteral("reached MaxDeliver after %1 deliveries").arg(e.deliveries);
        ++m_stats.maxDeliveriesReached;
    } else if (subject.contains(".MSG_TERMINATED.")) {
        e.kind = RedeliveryEvent::Kind::Terminated;
        e.reason = stringMember(j, "reason");
        ++m_stats.terminatedAdvisories;
    } else {
        return;
    }
    m_events.push_back(e);
    while (m_events.size() > kMaxEvents)
        m_events.pop_front();
}

RedeliveryStats RedeliveryTracker::stats() const {
    std::lock_guard lock(m_mu);
    return m_stats;
}

QList<RedeliveryEvent> RedeliveryTracker::takeEvents() {
    std::lock_guard lock(m_mu);
    QList<RedeliveryEvent> out(m_events.begin(), m_events.end());
    m_events.clear();
    return out;
}

Result<SubscriptionPtr> watchAdvisories(Connection* connection,
                                        std::shared_ptr<RedeliveryTracker> tracker) {
    if (!connection || !tracker)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("watching advisories needs a connection and a tracker")};
    if (tracker->stream().isEmpty() || tracker->consumer().isEmpty())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("the tracker does not name its stream and consumer")};
    const QByteArray tail = tracker->stream().toUtf8() + '.' + tracker->consumer().toUtf8();
    // One subscription for both kinds: $JS.EVENT.ADVISORY.CONSUMER.<kind>.<stream>.<consumer>,
    // under the context's event prefix when it names one.
    QByteArray prefix = connection->options().jetstreamEventPrefix.toUtf8();
    if (prefix.isEmpty())
        prefix = "$JS.EVENT";
    if (prefix.endsWith('.'))
        prefix.chop(1);
    return connection->subscribeInline(
        QByteArray(prefix + ".ADVISORY.CONSUMER.*." + tail),
        [tracker](const MsgView& m) { tracker->onAdvisory(m.subject, m.payload); });
}

JsMessage::AckObserver trackerObserver(std::shared_ptr<RedeliveryTracker> tracker) {
    if (!tracker)
        return {};
    return [tracker](const JsMessage& m, AckKind kind, qint64) { tracker->onAnswered(m, kind); };
}

} // namespace jetdeck::js
