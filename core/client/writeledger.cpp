#include "writeledger.h"

namespace jetdeck {

void WriteLedger::handed(const QByteArray& bytes, qint64 msgs, qint64 payloadBytes, Origin origin) {
    if (bytes.isEmpty())
        return;
    m_handed += bytes.size();
    m_batches.push_back(Batch{bytes, m_handed, msgs, payloadBytes, origin});
}

WriteLedger::Settled WriteLedger::settle(qint64 backlog) {
    Settled s;
    const qint64 written = m_handed - qMax<qint64>(0, backlog);
    while (!m_batches.empty() && m_batches.front().endOffset <= written) {
        const Batch& b = m_batches.front();
        if (b.origin == Origin::Direct) {
            s.directMsgs += b.msgs;
            s.directBytes += b.payloadBytes;
        } else if (b.origin == Origin::Queue) {
            s.queueMsgs += b.msgs;
            s.queueBytes += b.payloadBytes;
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
        const qint64 start = b.endOffset - b.bytes.size();
        const qsizetype prefix = qsizetype(qBound<qint64>(0, written - start, b.bytes.size()));
        out.append(Unwritten{b.bytes, prefix, b.origin});
    }
    clear();
    return out;
}

void WriteLedger::clear() {
    m_batches.clear();
    m_handed = 0;
}

} // namespace jetdeck
