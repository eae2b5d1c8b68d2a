#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace jetdeck {

/// Where one publish (PUB or HPUB) lies in a batch of bytes, and what is needed to hold it
/// again after a loss: its subject and its header + payload size.
struct PubFrame {
    qsizetype start = 0; ///< offset of the frame's first byte in the batch
    qsizetype end = 0;   ///< offset just past its trailing CRLF
    qsizetype subjectAt = 0;
    qsizetype subjectSize = 0;
    qint64 payloadBytes = 0; ///< headers + payload, what traffic counters count
};

/// Bytes handed to the socket together, with the publishes among them indexed. Other frames
/// (SUB, UNSUB, PING, CONNECT) are in the bytes but not in the index: after a loss they are
/// rebuilt (subscriptions) or fail with what waited for them (flushes), so only publishes are
/// taken back, and they are found by the index, never by parsing the bytes again.
struct FrameBatch {
    QByteArray bytes;
    std::vector<PubFrame> pubs;
    qint64 payloadBytes = 0; ///< sum over pubs

    qint64 msgs() const { return qint64(pubs.size()); }
    bool isEmpty() const { return bytes.isEmpty(); }
    /// Lays out a PUB (no header block) or an HPUB and indexes it.
    void appendPub(QByteArrayView subject, QByteArrayView reply, QByteArrayView headerBlock,
                   QByteArrayView payload);
    /// Appends a frame already laid out (the outbound queue's) and indexes it.
    void appendFrame(const QByteArray& frame, QByteArrayView subject, qint64 payloadBytes);
    /// A batch of frames that are not publishes.
    static FrameBatch control(QByteArray bytes);
    QByteArrayView subjectOf(const PubFrame& f) const {
        return QByteArrayView(bytes).sliced(f.subjectAt, f.subjectSize);
    }
    QByteArray frameOf(const PubFrame& f) const { return bytes.sliced(f.start, f.end - f.start); }
};

/// What publish(), subscribe() and flushes lay out for the socket until the next write: the
/// bytes in send order and the publishes among them. Guarded by the connection's main lock.
class WriteBuffer {
public:
    void appendPub(QByteArrayView subject, QByteArrayView reply, QByteArrayView headerBlock,
                   QByteArrayView payload) {
        m_batch.appendPub(subject, reply, headerBlock, payload);
    }
    /// For frames that are not publishes (SUB, UNSUB, PING): not indexed.
    QByteArray& control() { return m_batch.bytes; }

    qsizetype size() const { return m_batch.bytes.size(); }
    bool isEmpty() const { return m_batch.bytes.isEmpty(); }
    qint64 publishes() const { return m_batch.msgs(); }

    /// Takes everything out; the buffer starts over empty with room for a batch like this one
    /// (at most `maxReserve` bytes).
    FrameBatch take(qsizetype maxReserve);
    /// Takes everything out; the buffer starts over in the storage a recycle() gave back, if
    /// any (no allocation: the same warm memory is laid out again and again).
    FrameBatch takeReusing();
    /// Gives back a batch the kernel took whole, to be laid out again by takeReusing()'s
    /// successor. Ignored when its bytes are still shared with someone.
    void recycle(FrameBatch&& used);

private:
    FrameBatch m_batch;
    FrameBatch m_spare; ///< empty, with capacity
};

} // namespace jetdeck
