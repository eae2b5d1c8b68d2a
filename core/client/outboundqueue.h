#pragma once

#include "core/base/error.h"
#include "writebuffer.h"

#include <QByteArray>
#include <QList>

#include <deque>

namespace jetdeck {

/// Publishes held while the connection is down, until it is back or they expire.
///
/// Bounded by operation count and bytes. Each operation carries the time it was queued and
/// expires after the timeout. Control operations (acks, flow-control replies) go out before
/// data publishes. When full, fail-closed rejects the new publish (the default); fail-open
/// drops the oldest data publish to make room. A control operation may always evict data.
/// Every operation ends in exactly one counter: flushed, expired, dropped (or rejected when
/// it was never accepted).
class OutboundQueue {
public:
    enum class Kind { Control, Data };

    struct Limits {
        int maxOps = 10000;                ///< max_pending_operations
        qint64 maxBytes = 8 * 1024 * 1024; ///< bytes of frames held
        qint64 timeoutMs = 60000;          ///< pending_operation_timeout_ms
        bool failOpen = false;             ///< fail_open_mode
    };

    struct Counters {
        quint64 queued = 0;   ///< accepted into the queue, ever
        quint64 flushed = 0;  ///< queued, then sent after a reconnect
        quint64 expired = 0;  ///< waited longer than the timeout
        quint64 dropped = 0;  ///< evicted (fail-open, control priority, close)
        quint64 rejected = 0; ///< refused because the queue was full (fail-closed)
    };

    /// What happened to one enqueue() call.
    struct Outcome {
        bool accepted = false;
        int evicted = 0; ///< older data publishes dropped to make room
        Error error;     ///< why it was refused
    };

    /// One queued operation as the UI lists it.
    struct Entry {
        Kind kind = Kind::Data;
        QByteArray subject;
        qsizetype bytes = 0;
        qint64 ageMs = 0;
        quint64 id = 0;   ///< this operation's number in the queue: a display row follows it
        int position = 0; ///< 1 for the next to be sent
    };

    void setLimits(const Limits& limits) { m_limits = limits; }
    const Limits& limits() const { return m_limits; }

    /// `payloadBytes` (headers + payload) is what traffic counters count once it is sent.
    /// `salvaged` marks a publish that was accepted earlier (it was in the write buffer when
    /// the connection dropped): if there is no room it counts as dropped, not rejected.
    Outcome enqueue(Kind kind, QByteArray subject, QByteArray frame, qint64 nowMs,
                    qint64 payloadBytes = 0, bool salvaged = false);
    /// Takes back a publish that takeAll() handed out (and counted as flushed) but the socket
    /// never wrote: it waits again, or counts as dropped when there is no room. Either way it
    /// is no longer counted as flushed.
    Outcome requeue(Kind kind, QByteArray subject, QByteArray frame, qint64 nowMs,
                    qint64 payloadBytes);
    /// Drops what waited longer than the timeout; returns how many.
    int expire(qint64 nowMs);
    /// What the server in use accepts (from its INFO): a publish beyond it would make the
    /// server close the connection, losing everything written after it.
    struct Admission {
        qint64 maxPayload = -1; ///< -1: no limit known
        bool headers = true;
    };
    /// What takeAll() refused to hand over because the server would not take it.
    struct Refusal {
        int tooLarge = 0;
        int headers = 0;
        QByteArray firstSubject; ///< the first publish refused as too large, for the message
        qint64 firstBytes = 0;
        int count() const { return tooLarge + headers; }
    };
    /// All frames in send order (control first), counted as flushed; the queue is empty after.
    /// `ops` and `payloadBytes` receive how many publishes and how many of their bytes. Those
    /// the server would refuse (`admit`) are counted as rejected instead and described in
    /// `refused`.
    QByteArray takeAll(qint64* ops, qint64* payloadBytes, const Admission& admit, Refusal* refused);
    /// The same, appended to `into` with each publish indexed (for the write ledger).
    void takeAll(FrameBatch* into, const Admission& admit, Refusal* refused);
    QByteArray takeAll(qint64* ops = nullptr, qint64* payloadBytes = nullptr) {
        return takeAll(ops, payloadBytes, Admission(), nullptr);
    }
    /// Empties the queue counting everything as dropped (closing for good); returns how many.
    int dropAll();

    qsizetype depth() const { return qsizetype(m_control.size() + m_data.size()); }
    qint64 bytes() const { return m_bytes; }
    bool isEmpty() const { return m_control.empty() && m_data.empty(); }
    qint64 oldestAgeMs(qint64 nowMs) const;
    const Counters& counters() const { return m_counters; }
    /// The first `max` operations in send order, for display.
    QList<Entry> entries(qint64 nowMs, int max = 200) const;

private:
    struct Op {
        QByteArray subject;
        QByteArray frame;
        qint64 queuedAtMs = 0;
        qint64 payloadBytes = 0;
        quint64 id = 0;
        bool hasHeaders() const { return frame.startsWith("HPUB"); }
    };
    bool fits(qsizetype frameBytes) const;
    void popFront(std::deque<Op>& q);

    Limits m_limits;
    std::deque<Op> m_control;
    std::deque<Op> m_data;
    qint64 m_bytes = 0;
    quint64 m_lastId = 0;
    Counters m_counters;
};

} // namespace jetdeck
