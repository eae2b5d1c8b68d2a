// Connection: the outbound path. A publish is validated and laid out in the write buffer (or
// held in the outbound queue while there is no connection); one queued flush hands the buffer to
// the socket; the ledger settles what the kernel took and takes back what it never did.
#include "connection.h"
#include "connectioninternal.h"
#include "core/logging/logging.h"

#include "core/base/windowedhistogram.h"

#include "backoff.h"
#include "core/auth/creds.h"
#include "core/base/clock.h"
#include "core/protocol/frames.h"
#include "core/protocol/servererror.h"
#include "core/protocol/subject.h"
#include "handshake.h"
#include "nuid.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <chrono>

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace jetdeck {

using namespace connection_internal;

void Connection::applySettledLocked(const WriteLedger::Settled& s) {
    if (s.isEmpty())
        return;
    m_sent += quint64(s.directMsgs);
    m_outMsgs.store(m_outMsgs.load(std::memory_order_relaxed) + quint64(s.directMsgs + s.queueMsgs),
                    std::memory_order_relaxed);
    m_outBytes.store(m_outBytes.load(std::memory_order_relaxed) +
                         quint64(s.directBytes + s.queueBytes),
                     std::memory_order_relaxed);
}

void Connection::settleWrites() {
    if (!m_socket || m_ledger.batches() == 0)
        return;
    const WriteLedger::Settled s = m_ledger.settle(m_socket->bytesToWrite() + m_refusedBytes);
    if (s.isEmpty())
        return;
    std::lock_guard lock(m_mu);
    applySettledLocked(s);
}

void Connection::writeToSocket(FrameBatch batch, WriteLedger::Origin origin, qsizetype written) {
    if (!m_socket || batch.isEmpty())
        return;
    // The first `written` bytes already reached the kernel: the socket gets the rest (shared,
    // not copied, when that is all of it) and the ledger the whole batch, so they settle.
    const QByteArray rest = written == 0 ? batch.bytes : batch.bytes.sliced(written);
    const qint64 n = m_socket->write(rest);
    m_ledger.handed(std::move(batch), origin);
    if (n < rest.size())
        m_refusedBytes += rest.size() - qMax<qint64>(0, n);
}

qint64 Connection::writeOut(int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (m_socket) {
        flushOut();
        if (!m_socket || (m_socket->bytesToWrite() == 0 && !m_waitingForSocket))
            break;
        const qint64 left = timeoutMs - t.elapsed();
        if (left <= 0 || !m_socket->waitForBytesWritten(int(left)))
            break;
    }
    settleWrites();
    return m_socket ? m_socket->bytesToWrite() : 0;
}

int Connection::salvageUnsentLocked() {
    // Publishes still in the write buffer never reached the socket: put them in the outbound
    // queue, in order, so they go out after the reconnect.
    m_writable = false;
    const FrameBatch batch = m_out.take(0);
    return salvageFramesLocked(batch, 0, WriteLedger::Origin::Direct, steadyNowMs());
}

int Connection::salvageFramesLocked(const FrameBatch& batch, qsizetype from,
                                    WriteLedger::Origin origin, qint64 nowMs) {
    // Only publishes are taken back: SUB/UNSUB are rebuilt from the subscription table and
    // PINGs belong to flushes that fail now. A frame the socket wrote in part is taken whole:
    // the server drops a frame it did not get to the end of.
    if (origin == WriteLedger::Origin::Control)
        return 0;
    int dropped = 0;
    for (const PubFrame& f : batch.pubs) {
        if (f.end <= from) {
            // Written whole before the socket went: sent, though its batch was not.
            if (origin == WriteLedger::Origin::Direct)
                ++m_sent;
            m_outMsgs.fetch_add(1, std::memory_order_relaxed);
            m_outBytes.fetch_add(quint64(f.payloadBytes), std::memory_order_relaxed);
            continue;
        }
        const QByteArrayView subject = batch.subjectOf(f);
        const auto kind = isPrioritySubjectLocked(subject) ? OutboundQueue::Kind::Control
                                                           : OutboundQueue::Kind::Data;
        const OutboundQueue::Outcome o =
            origin == WriteLedger::Origin::Queue
                ? m_queue.requeue(kind, subject.toByteArray(), batch.frameOf(f), nowMs,
                                  f.payloadBytes)
                : m_queue.enqueue(kind, subject.toByteArray(), batch.frameOf(f), nowMs,
                                  f.payloadBytes, true);
        if (!o.accepted)
            ++dropped;
    }
    return dropped;
}

void Connection::onQueueTimer() {
    int expired = 0;
    {
        std::lock_guard lock(m_mu);
        expired = m_queue.expire(steadyNowMs());
    }
    if (expired > 0)
        addEvent(ConnectionEvent::Kind::Error,
                 QStringLiteral("%1 queued publish%2 expired after waiting %3 for a connection "
                                "(pending_operation_timeout_ms)")
                     .arg(expired)
                     .arg(expired == 1 ? QString() : QStringLiteral("es"))
                     .arg(delayText(m_options.pendingOperationTimeoutMs)));
}

void Connection::addPrioritySubjectPrefix(const QByteArray& prefix) {
    std::lock_guard lock(m_mu);
    if (!prefix.isEmpty() && !m_prioritySubjectPrefixes.contains(prefix))
        m_prioritySubjectPrefixes.append(prefix);
}

bool Connection::isPrioritySubjectLocked(QByteArrayView subject) const {
    for (const QByteArray& p : m_prioritySubjectPrefixes)
        if (subject.startsWith(p))
            return true;
    return false;
}

Status Connection::acceptPublishLocked(QByteArrayView subject, QByteArrayView reply,
                                       QByteArrayView headerBlock, QByteArrayView payload,
                                       Notices* notices) {
    const qsizetype size = headerBlock.size() + payload.size();
    const bool knowServer = !m_info.serverId.isEmpty();
    switch (m_state) {
    case State::Connected:
    case State::Draining:
    case State::Connecting:
    case State::Reconnecting:
        break;
    case State::Disconnected:
        if (m_openPending)
            break;
        return Error{ErrorKind::NotConnected,
                     QStringLiteral("cannot publish to '%1': the connection is DISCONNECTED")
                         .arg(QString::fromUtf8(subject))};
    case State::Closed:
        if (m_openPending)
            break;
        return Error{ErrorKind::ConnectionClosed,
                     QStringLiteral("cannot publish to '%1': the connection is CLOSED")
                         .arg(QString::fromUtf8(subject))};
    }
    if (knowServer && size > m_info.maxPayload)
        return Error{
            ErrorKind::MaxPayload,
            QStringLiteral("message of %1 for '%2' exceeds the server's max_payload of %3")
                .arg(sizeText(size), QString::fromUtf8(subject), sizeText(m_info.maxPayload))};
    if (knowServer && !headerBlock.isEmpty() && !m_info.headers)
        return Error{ErrorKind::Unsupported,
                     QStringLiteral("the server does not support message headers")};

    // m_writable drops with the socket, before the state catches up: publishes made in between
    // queue up behind the salvaged ones instead of waiting in m_out for the next socket.
    if ((m_state == State::Connected || m_state == State::Draining) && m_writable) {
        appendOutLocked(subject, reply, headerBlock, payload);
        return {};
    }

    // (Re)connecting: hold it in the outbound queue.
    QByteArray frame;
    if (headerBlock.isEmpty())
        frames::appendPub(frame, subject, reply, payload);
    else
        frames::appendHpub(frame, subject, reply, headerBlock, payload);
    const auto kind =
        isPrioritySubjectLocked(subject) ? OutboundQueue::Kind::Control : OutboundQueue::Kind::Data;
    const OutboundQueue::Outcome o =
        m_queue.enqueue(kind, subject.toByteArray(), std::move(frame), steadyNowMs(), size);
    if (o.evicted > 0 && !m_queueDropEpisode) {
        m_queueDropEpisode = true;
        notices->info << (m_options.failOpenMode
                              ? QStringLiteral("outbound queue full: dropping the oldest "
                                               "publishes to make room (fail-open mode)")
                              : QStringLiteral("outbound queue full: an ack or flow-control "
                                               "reply pushed out the oldest publish"));
    }
    if (!o.accepted) {
        if (!m_queueRejectEpisode) {
            m_queueRejectEpisode = true;
            notices->errors << o.error;
        }
        return o.error;
    }
    ++m_published;
    return {};
}

void Connection::appendOutLocked(QByteArrayView subject, QByteArrayView reply,
                                 QByteArrayView headerBlock, QByteArrayView payload) {
    m_out.appendPub(subject, reply, headerBlock, payload);
    ++m_published;
}

void Connection::kickFlushLocked() {
    if (m_flushPosted || (m_state != State::Connected && m_state != State::Draining))
        return;
    m_flushPosted = true;
    QMetaObject::invokeMethod(this, &Connection::flushOut, Qt::QueuedConnection);
}

void Connection::waitForRoomLocked(std::unique_lock<std::mutex>& lock) {
    if (m_out.size() < m_options.writeBufferLimit || onConnectionThread())
        return;
    m_roomCv.wait(lock, [&] {
        return m_out.size() < m_options.writeBufferLimit / 2 ||
               (m_state != State::Connected && m_state != State::Draining);
    });
}

void Connection::flushOut() {
    std::unique_lock lock(m_mu);
    m_flushPosted = false;
    if (m_phase != Phase::Ready || !m_socket || m_out.isEmpty())
        return;
    if (m_socket->bytesToWrite() > m_options.writeBufferLimit / 2) {
        // The kernel is not keeping up; resume from bytesWritten.
        m_waitingForSocket = true;
        return;
    }
    // Hand the whole batch to the socket as a QByteArray: Qt keeps large chunks by reference
    // instead of copying them into its ring buffer. m_out starts over with fresh capacity.
    FrameBatch batch = m_out.take(4 * kInlineWriteThreshold);
    lock.unlock();
    m_roomCv.notify_all();
    // Sent (m_sent, messages out) once the socket has written it to the kernel: the ledger
    // settles it as the socket's backlog shrinks.
    writeToSocket(std::move(batch), WriteLedger::Origin::Direct);
}

Status Connection::publish(QByteArrayView subject, QByteArrayView payload, QByteArrayView reply) {
    return publishRaw(subject, reply, {}, payload);
}

Status Connection::publish(QByteArrayView subject, const Headers& headers, QByteArrayView payload,
                           QByteArrayView reply) {
    for (const auto& e : headers.entries())
        if (!Headers::isValidKey(e.first) || !Headers::isValidValue(e.second))
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("invalid header '%1': keys need printable characters "
                                        "without ':' or spaces, values no line breaks")
                             .arg(QString::fromUtf8(e.first))};
    if (headers.isEmpty())
        return publishRaw(subject, reply, {}, payload);
    return publishRaw(subject, reply, headers.toBlock(), payload);
}

Status Connection::publishRaw(QByteArrayView subject, QByteArrayView reply,
                              QByteArrayView headerBlock, QByteArrayView payload) {
    // The hot path: a plain subject on a connection that is up, with room in the write
    // buffer. No Status, no notices, the thread looked up only when a write is due.
    if (subject::isPlainPublishSubject(subject) &&
        (reply.isEmpty() || subject::isPlainPublishSubject(reply))) {
        std::unique_lock lock(m_mu);
        const qsizetype size = headerBlock.size() + payload.size();
        if (m_state == State::Connected && m_writable &&
            m_out.size() < m_options.writeBufferLimit && size <= m_info.maxPayload &&
            (headerBlock.isEmpty() || m_info.headers)) {
            // Due for a write once this frame would fill the buffer (or is that large
            // itself): on the connection's thread it then goes to the kernel now.
            if (m_out.size() + size < kInlineWriteThreshold || !onConnectionThread()) {
                appendOutLocked(subject, reply, headerBlock, payload);
                kickFlushLocked();
                return {};
            }
            if (canWriteDirect()) {
                // The payload is handed to the kernel from the caller's memory.
                ++m_published;
                lock.unlock();
                const DirectFrame frame{subject, reply, headerBlock, payload};
                writeDirect(&frame);
                return {};
            }
            appendOutLocked(subject, reply, headerBlock, payload);
            lock.unlock();
            writeInline();
            return {};
        }
    }
    return publishChecked(subject, reply, headerBlock, payload);
}

Status Connection::publishChecked(QByteArrayView subject, QByteArrayView reply,
                                  QByteArrayView headerBlock, QByteArrayView payload) {
    if (Status s = subject::validatePublish(subject); !s.ok())
        return s;
    if (!reply.isEmpty())
        if (Status s = subject::validatePublish(reply); !s.ok())
            return Error{ErrorKind::InvalidSubject, QStringLiteral("reply ") + s.message};
    const bool inlineWrite = onConnectionThread();
    Notices notices;
    Status result;
    bool writeNow = false;
    {
        std::unique_lock lock(m_mu);
        if (m_state == State::Connected)
            waitForRoomLocked(lock);
        result = acceptPublishLocked(subject, reply, headerBlock, payload, &notices);
        if (result.ok() && (m_state == State::Connected || m_state == State::Draining)) {
            writeNow = inlineWrite && m_out.size() >= kInlineWriteThreshold;
            if (!writeNow)
                kickFlushLocked();
        }
    }
    if (!notices.info.isEmpty() || !notices.errors.isEmpty())
        emitNotices(notices);
    if (writeNow)
        writeInline();
    return result;
}

void Connection::writeInline() {
    // Past half the limit the socket's own backlog is waited for: a publishing loop on this
    // thread streams with bounded memory. Below it, the socket writes what the kernel takes
    // now; once it holds nothing, the write buffer goes straight to the kernel.
    while (m_socket && m_socket->bytesToWrite() > m_options.writeBufferLimit / 2)
        if (!m_socket->waitForBytesWritten(1000))
            break;
    if (m_socket && m_socket->bytesToWrite() > 0)
        m_socket->flush();
    if (canWriteDirect()) {
        writeDirect(nullptr);
        return;
    }
    flushOut();
    if (m_socket)
        m_socket->flush();
}

bool Connection::canWriteDirect() const {
    return m_socket && !m_useTls && m_phase == Phase::Ready && m_refusedBytes == 0 &&
           m_socket->bytesToWrite() == 0 && m_socket->socketDescriptor() >= 0;
}

void Connection::writeDirect(const DirectFrame* frame) {
    FrameBatch batch;
    {
        std::lock_guard lock(m_mu);
        batch = m_out.takeReusing();
    }
    m_roomCv.notify_all();

    iovec iov[5];
    int count = 0;
    qint64 total = 0;
    const auto add = [&](const char* data, qsizetype size) {
        if (size <= 0)
            return;
        iov[count++] = iovec{const_cast<char*>(data), size_t(size)};
        total += size;
    };
    add(batch.bytes.constData(), batch.bytes.size());
    qint64 frameBytes = 0;
    if (frame) {
        m_directHead.resize(0);
        frames::appendPubHead(m_directHead, frame->subject, frame->reply, frame->headerBlock.size(),
                              frame->payload.size());
        add(m_directHead.constData(), m_directHead.size());
        add(frame->headerBlock.data(), frame->headerBlock.size());
        add(frame->payload.data(), frame->payload.size());
        add("\r\n", 2);
        frameBytes = frame->headerBlock.size() + frame->payload.size();
    }

    // Blocking in spirit (the caller is a publishing loop on this thread), non-blocking in
    // fact: a full kernel is waited for with poll(), and anything to read ends the wait so
    // the socket can take it from here.
    const int fd = int(m_socket->socketDescriptor());
    qint64 written = 0;
    int first = 0;
    while (written < total) {
        msghdr msg{};
        msg.msg_iov = iov + first;
        msg.msg_iovlen = size_t(count - first);
        const ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            written += n;
            // Step over what went out.
            size_t left = size_t(n);
            while (first < count && left >= iov[first].iov_len)
                left -= iov[first++].iov_len;
            if (first < count) {
                iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
                iov[first].iov_len -= left;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            break; // the socket sees the same error and reports it
        pollfd p{fd, POLLOUT | POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0 || (p.revents & ~POLLOUT) != 0)
            break;
    }

    if (written == total) {
        WriteLedger::Settled s;
        s.directMsgs = batch.msgs() + (frame ? 1 : 0);
        s.directBytes = batch.payloadBytes + frameBytes;
        std::lock_guard lock(m_mu);
        applySettledLocked(s);
        m_out.recycle(std::move(batch));
        return;
    }
    // The rest goes through the socket, the frame copied into the batch so a loss can take
    // it back whole.
    if (frame)
        batch.appendPub(frame->subject, frame->reply, frame->headerBlock, frame->payload);
    writeToSocket(std::move(batch), WriteLedger::Origin::Direct, qsizetype(written));
}

} // namespace jetdeck
