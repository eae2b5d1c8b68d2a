#include "writeledger.h"

namespace jetdeck {

void WriteLedger::handed(FrameBatch batch, Origin origin) {
    if (batch.isEmpty())
        return;
    m_handed += batch.bytes.size();
    m_batches.push_back(Batch{std::move(batch), m_handed, origin});
}

WriteLedger::Settled WriteLedger::settle(qint64 backlog) {
    Settled s;
    const qint64 written = m_handed - qMax<qint64>(0, backlog);
    while (!m_batches.empty() && m_batches.front().endOffset <= written) {
        const Batch& b = m_batches.front();
        if (b.origin == Origin::Direct) {
            s.directMsgs += b.frames.msgs();
            s.directBytes += b.frames.payloadBytes;
        } else if (b.origin == Origin::Queue) {
            s.queueMsgs += b.frames.msgs();
            s.queueBytes += b.frames.payloadBytes;
        }
        m_batches.pop_front();
    }
    return s;
}

QList<WriteLedger::Unwritten> WriteLedger::takeUnwritten(qint64 backlog) {
    QList<Unwritten> out;
    const qint64 written = m_handed - qMax<qint64>(0, backlog);
    for (const Batch& b : m_batches) {
        if (b.endOffset <= written)
            continue; // settle() was not called since it was written
        const qsizetype size = b.frames.bytes.size();
        const qint64 start = b.endOffset - size;
        const qsizetype prefix = qsizetype(qBound<qint64>(0, written - start, size));
        out.append(Unwritten{b.frames, prefix, b.origin});
    }
    clear();
    return out;
}

void WriteLedger::clear() {
    m_batches.clear();
    m_handed = 0;
}

} // namespace jetdeck
