#include "writebuffer.h"

#include "core/protocol/frames.h"

#include <algorithm>
#include <utility>

namespace jetdeck {

void FrameBatch::appendPub(QByteArrayView subject, QByteArrayView reply, QByteArrayView headerBlock,
                           QByteArrayView payload) {
    const qsizetype start = bytes.size();
    if (headerBlock.isEmpty())
        frames::appendPub(bytes, subject, reply, payload);
    else
        frames::appendHpub(bytes, subject, reply, headerBlock, payload);
    const qint64 size = headerBlock.size() + payload.size();
    // "PUB " or "HPUB ", then the subject.
    pubs.push_back(PubFrame{start, bytes.size(), start + (headerBlock.isEmpty() ? 4 : 5),
                            subject.size(), size});
    payloadBytes += size;
}

void FrameBatch::appendFrame(const QByteArray& frame, QByteArrayView subject, qint64 frameBytes) {
    const qsizetype start = bytes.size();
    bytes.append(frame);
    const qsizetype at = frame.indexOf(' ') + 1; // after PUB or HPUB
    pubs.push_back(PubFrame{start, bytes.size(), start + at, subject.size(), frameBytes});
    payloadBytes += frameBytes;
}

FrameBatch FrameBatch::control(QByteArray bytes) {
    FrameBatch b;
    b.bytes = std::move(bytes);
    return b;
}

FrameBatch WriteBuffer::take(qsizetype maxReserve) {
    FrameBatch out = std::exchange(m_batch, FrameBatch());
    m_batch.bytes.reserve(std::min(out.bytes.capacity(), maxReserve));
    m_batch.pubs.reserve(out.pubs.size());
    return out;
}

FrameBatch WriteBuffer::takeReusing() {
    FrameBatch out = std::exchange(m_batch, std::exchange(m_spare, FrameBatch()));
    return out;
}

void WriteBuffer::recycle(FrameBatch&& used) {
    if (!used.bytes.isDetached() || used.bytes.capacity() <= m_spare.bytes.capacity())
        return;
    used.bytes.resize(0); // keeps the capacity, unlike clear()
    used.pubs.clear();
    used.payloadBytes = 0;
    m_spare = std::move(used);
}

} // namespace jetdeck
