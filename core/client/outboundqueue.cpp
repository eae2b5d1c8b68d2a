#include "outboundqueue.h"

namespace jetdeck {

bool OutboundQueue::fits(qsizetype frameBytes) const {
    return depth() < m_limits.maxOps && m_bytes + frameBytes <= m_limits.maxBytes;
}

void OutboundQueue::popFront(std::deque<Op>& q) {
    m_bytes -= q.front().frame.size();
    q.pop_front();
}

OutboundQueue::Outcome OutboundQueue::enqueue(Kind kind, QByteArray subject, QByteArray frame,
                                              qint64 nowMs, qint64 payloadBytes, bool salvaged) {
    Outcome out;
    expire(nowMs);
    const qsizetype size = frame.size();
    if (size > m_limits.maxBytes || m_limits.maxOps <= 0) {
        ++(salvaged ? m_counters.dropped : m_counters.rejected);
        out.error = Error{ErrorKind::QueueFull,
                          QStringLiteral("publish to '%1' (%2 bytes) is larger than the whole "
                                         "outbound queue (%3 bytes) allowed while disconnected")
                              .arg(QString::fromUtf8(subject))
                              .arg(size)
                              .arg(m_limits.maxBytes)};
        return out;
    }
    // Control operations may always push data out; data only in fail-open mode.
    const bool mayEvict = kind == Kind::Control || m_limits.failOpen;
    while (!fits(size) && mayEvict && !m_data.empty()) {
        popFront(m_data);
        ++m_counters.dropped;
        ++out.evicted;
    }
    if (!fits(size)) {
        ++(salvaged ? m_counters.dropped : m_counters.rejected);
        out.error = Error{ErrorKind::QueueFull,
                          QStringLiteral("outbound queue full while disconnected (%1 operations, "
                                         "%2 bytes; limits %3 / %4): publish to '%5' rejected")
                              .arg(depth())
                              .arg(m_bytes)
                              .arg(m_limits.maxOps)
                              .arg(m_limits.maxBytes)
                              .arg(QString::fromUtf8(subject))};
        return out;
    }
    m_bytes += size;
    (kind == Kind::Control ? m_control : m_data)
        .push_back(Op{std::move(subject), std::move(frame), nowMs, payloadBytes, ++m_lastId});
    ++m_counters.queued;
    out.accepted = true;
    return out;
}

OutboundQueue::Outcome OutboundQueue::requeue(Kind kind, QByteArray subject, QByteArray frame,
                                              qint64 nowMs, qint64 payloadBytes) {
    if (m_counters.flushed > 0)
        --m_counters.flushed;
    // Counted as queued once already, when it first came in: enqueue() counts it again.
    Outcome o = enqueue(kind, std::move(subject), std::move(frame), nowMs, payloadBytes, true);
    if (o.accepted && m_counters.queued > 0)
        --m_counters.queued;
    return o;
}

int OutboundQueue::expire(qint64 nowMs) {
    if (m_limits.timeoutMs <= 0)
        return 0;
    int n = 0;
    for (auto* q : {&m_control, &m_data})
        while (!q->empty() && nowMs - q->front().queuedAtMs >= m_limits.timeoutMs) {
            popFront(*q);
            ++n;
        }
    m_counters.expired += quint64(n);
    return n;
}

QByteArray OutboundQueue::takeAll(qint64* ops, qint64* payloadBytes, const Admission& admit,
                                  Refusal* refused) {
    FrameBatch batch;
    takeAll(&batch, admit, refused);
    if (ops)
        *ops = batch.msgs();
    if (payloadBytes)
        *payloadBytes = batch.payloadBytes;
    return batch.bytes;
}

void OutboundQueue::takeAll(FrameBatch* out, const Admission& admit, Refusal* refused) {
    out->bytes.reserve(out->bytes.size() + m_bytes);
    out->pubs.reserve(out->pubs.size() + size_t(depth()));
    qint64 n = 0;
    Refusal r;
    for (auto* q : {&m_control, &m_data}) {
        for (const Op& op : *q) {
            const bool tooLarge = admit.maxPayload >= 0 && op.payloadBytes > admit.maxPayload;
            const bool noHeaders = !admit.headers && op.hasHeaders();
            if (tooLarge || noHeaders) {
                ++(tooLarge ? r.tooLarge : r.headers);
                if (tooLarge && r.tooLarge == 1) {
                    r.firstSubject = op.subject;
                    r.firstBytes = op.payloadBytes;
                }
                ++m_counters.rejected;
                continue;
            }
            out->appendFrame(op.frame, op.subject, op.payloadBytes);
            ++n;
        }
        q->clear();
    }
    m_counters.flushed += quint64(n);
    if (refused)
        *refused = r;
    m_bytes = 0;
}

int OutboundQueue::dropAll() {
    const int n = int(depth());
    m_control.clear();
    m_data.clear();
    m_bytes = 0;
    m_counters.dropped += quint64(n);
    return n;
}

qint64 OutboundQueue::oldestAgeMs(qint64 nowMs) const {
    qint64 oldest = -1;
    for (const auto* q : {&m_control, &m_data})
        if (!q->empty())
            oldest = oldest < 0 ? q->front().queuedAtMs : qMin(oldest, q->front().queuedAtMs);
    return oldest < 0 ? 0 : nowMs - oldest;
}

QList<OutboundQueue::Entry> OutboundQueue::entries(qint64 nowMs, int max) const {
    QList<Entry> out;
    for (const auto* q : {&m_control, &m_data})
        for (const Op& op : *q) {
            if (out.size() >= max)
                return out;
            out.append(Entry{q == &m_control ? Kind::Control : Kind::Data, op.subject,
                             op.frame.size(), nowMs - op.queuedAtMs, op.id, int(out.size()) + 1});
        }
    return out;
}

} // namespace jetdeck
