#pragma once

#include "writebuffer.h"

#include <QByteArray>
#include <QList>

#include <deque>

namespace jetdeck {

/// What was handed to the socket and has not reached the kernel yet.
///
/// A publish counts as sent when the socket has written its bytes to the kernel, not when it
/// was handed to the socket: what still sits in the socket's own buffer when the connection
/// drops or closes never left this process. The ledger keeps each handed batch (by reference:
/// the socket holds the same shared bytes) with how many publishes it carries, and settles
/// batches as the socket's backlog shrinks. Connection thread only.
class WriteLedger {
public:
    /// Where a batch's publishes came from: straight from publish(), or out of the outbound
    /// queue after a reconnect (already counted there as flushed).
    enum class Origin { Direct, Queue, Control };

    /// One batch whose end has not been written, from the first unwritten frame's batch on.
    struct Unwritten {
        FrameBatch batch;
        qsizetype writtenPrefix = 0; ///< bytes at its start that did reach the kernel
        Origin origin = Origin::Direct;
    };

    /// Publishes and their header + payload bytes that reached the kernel, by origin.
    struct Settled {
        qint64 directMsgs = 0;
        qint64 directBytes = 0;
        qint64 queueMsgs = 0;
        qint64 queueBytes = 0;
        bool isEmpty() const { return directMsgs == 0 && queueMsgs == 0; }
    };

    /// Records a batch just written to the socket (its bytes are shared with the socket).
    void handed(FrameBatch batch, Origin origin);
    /// The socket's backlog is now `backlog` bytes (QAbstractSocket::bytesToWrite()): every
    /// batch that ends before it has been written. Returns what that settled.
    Settled settle(qint64 backlog);
    /// Ends the ledger for this socket: what was not written (given the final backlog), oldest
    /// first. The ledger is empty afterwards.
    QList<Unwritten> takeUnwritten(qint64 backlog);
    /// Forgets everything (a new socket).
    void clear();

    qint64 handedBytes() const { return m_handed; }
    qsizetype batches() const { return qsizetype(m_batches.size()); }

private:
    struct Batch {
        FrameBatch frames;
        qint64 endOffset = 0; ///< m_handed after this batch
        Origin origin = Origin::Direct;
    };
    std::deque<Batch> m_batches;
    qint64 m_handed = 0; ///< bytes handed to this socket, in all
};

} // namespace jetdeck
