// Connection: the socket and the protocol on it: TCP and TLS events, the handshake (INFO,
// TLS upgrade, CONNECT, the first PONG), INFO on an established connection (discovered servers,
// lame duck), PING/PONG/-ERR from the server. Connection thread only.
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

namespace jetdeck {

using namespace connection_internal;

void Connection::startAttempt(bool sameServer) {
    teardownSocket();
    ServerPool::Entry* entry = nullptr;
    {
        std::lock_guard lock(m_mu);
        entry = sameServer && m_pool.current() ? m_pool.current() : m_pool.takeNext();
    }
    if (!entry) {
        attemptFailed(Error{ErrorKind::ConnectFailed, QStringLiteral("no server to connect to")});
        return;
    }
    const ServerUrl url = entry->url;
    m_useTls = url.tls || m_options.tls.required || m_options.tls.anyFileSet() ||
               m_options.tls.handshakeFirst;
    m_tlsErrorText.clear();

    // A plain QTcpSocket unless TLS is wanted: QSslSocket in plain mode relays every read and
    // write through a second socket and copies each buffer once more.
    QSslSocket* ssl = nullptr;
    if (m_useTls) {
        ssl = new QSslSocket(this);
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
    }
    connect(m_socket, &QTcpSocket::connected, this, &Connection::onSocketConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &Connection::onBytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &Connection::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, &Connection::onSocketDisconnected);
    if (ssl) {
        connect(ssl, &QSslSocket::encrypted, this, &Connection::onEncrypted);
        connect(ssl, qOverload<const QList<QSslError>&>(&QSslSocket::sslErrors), this,
                &Connection::onSslErrors);
    }

    m_parser.reset();
    m_phase = Phase::TcpConnect;
    m_connectTimer->start(m_options.connectTimeoutMs);
    addEvent(ConnectionEvent::Kind::Info, QStringLiteral("connecting to %1").arg(url.redacted()),
             url.hostPort());
    m_socket->connectToHost(url.host, url.port);
}

void Connection::teardownSocket() {
    m_connectTimer->stop();
    m_pingTimer->stop();
    m_phase = Phase::Idle;
    m_waitingForSocket = false;
    WriteLedger::Settled settled;
    QList<WriteLedger::Unwritten> unwritten;
    if (m_socket) {
        // What the socket still holds dies with it: those publishes were never sent.
        const qint64 backlog = m_socket->bytesToWrite() + m_refusedBytes;
        settled = m_ledger.settle(backlog);
        unwritten = m_ledger.takeUnwritten(backlog);
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_ledger.clear();
    m_refusedBytes = 0;
    m_parser.stop();
    std::lock_guard lock(m_mu);
    m_pings.resetOutstanding();
    applySettledLocked(settled);
    const qint64 now = steadyNowMs();
    for (const WriteLedger::Unwritten& u : std::as_const(unwritten))
        m_salvageDropped += salvageFramesLocked(u.batch, u.writtenPrefix, u.origin, now);
}

void Connection::forceDisconnect(const QString& reason) {
    QMetaObject::invokeMethod(this, [this, reason] {
        const Error e{ErrorKind::Io, QStringLiteral("forced disconnect: ") + reason};
        if (m_phase == Phase::Ready)
            connectionLost(e);
        else if (m_phase != Phase::Idle)
            attemptFailed(e);
    });
}

void Connection::stallReading(int ms) {
    QMetaObject::invokeMethod(this, [this, ms] {
        m_readStalled = true;
        if (m_socket)
            m_socket->setReadBufferSize(64 * 1024); // let the kernel's window close
        addEvent(ConnectionEvent::Kind::Info,
                 QStringLiteral("reading stalled for %1 ms (fault injection)").arg(ms));
        QTimer::singleShot(qMax(0, ms), this, [this] {
            m_readStalled = false;
            if (m_socket) {
                m_socket->setReadBufferSize(0);
                onReadyRead();
            }
            addEvent(ConnectionEvent::Kind::Info, QStringLiteral("reading resumed"));
        });
    });
}

void Connection::injectRaw(const QByteArray& bytes) {
    QMetaObject::invokeMethod(this, [this, bytes] {
        if (!m_socket || m_phase != Phase::Ready)
            return;
        addEvent(ConnectionEvent::Kind::Info,
                 QStringLiteral("raw bytes injected (fault injection): %1")
                     .arg(QString::fromUtf8(bytes.left(64)).trimmed()));
        writeToSocket(FrameBatch::control(bytes), WriteLedger::Origin::Control);
    });
}

void Connection::onSocketConnected() {
    // Only now: before the socket exists Qt drops socket options without a word. Without
    // TCP_NODELAY, Nagle holds small writes (acks, pull requests, PINGs) for the peer's
    // delayed ACK, and JetStream consumption stalls for tens of milliseconds at a time.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_phase = Phase::AwaitInfo;
    if (m_options.tls.handshakeFirst) {
        // TLS first (nats-server 2.10's handshake_first): the INFO comes encrypted.
        setupTls();
        if (!m_socket)
            return;
        m_phase = Phase::TlsHandshake;
        qobject_cast<QSslSocket*>(m_socket)->startClientEncryption();
    }
}

void Connection::onSslErrors(const QList<QSslError>& errors) {
    auto* ssl = qobject_cast<QSslSocket*>(m_socket);
    if (!ssl)
        return;
    const handshake::SslVerdict v = handshake::judgeSslErrors(
        m_options.tls, errors, ssl->peerVerifyName(), ssl->peerCertificateChain());
    if (v.fatal.isEmpty())
        ssl->ignoreSslErrors(v.ignorable);
    else
        m_tlsErrorText = v.fatal;
}

void Connection::onSocketError() {
    if (!m_socket)
        return;
    // waitForReadyRead() in a blocking call reports its own timeout as a socket error.
    if (m_socket->error() == QAbstractSocket::SocketTimeoutError)
        return;
    const QString hostPort = attemptedServer().hostPort();
    if (m_phase != Phase::Ready) {
        const auto err = m_socket->error();
        const bool tlsError = err == QAbstractSocket::SslHandshakeFailedError ||
                              err == QAbstractSocket::SslInternalError ||
                              err == QAbstractSocket::SslInvalidUserDataError;
        if (tlsError || !m_tlsErrorText.isEmpty()) {
            attemptFailed(Error{ErrorKind::Tls,
                                handshake::tlsFailureText(m_options.tls, hostPort, m_tlsErrorText,
                                                          m_socket->errorString())});
            return;
        }
        attemptFailed(Error{
            ErrorKind::ConnectFailed,
            QStringLiteral("cannot connect to %1: %2").arg(hostPort, m_socket->errorString())});
        return;
    }
    connectionLost(
        Error{ErrorKind::Io,
              QStringLiteral("connection to %1 lost: %2").arg(hostPort, m_socket->errorString())});
}

void Connection::onSocketDisconnected() {
    if (!m_socket)
        return;
    // errorOccurred (RemoteHostClosedError) normally arrives first and tears the socket down;
    // this covers a clean close without an error.
    const QString hostPort = attemptedServer().hostPort();
    if (m_phase != Phase::Ready)
        attemptFailed(
            Error{ErrorKind::ConnectFailed,
                  QStringLiteral("%1 closed the connection during the handshake").arg(hostPort)});
    else
        connectionLost(
            Error{ErrorKind::Io, QStringLiteral("%1 closed the connection").arg(hostPort)});
}

void Connection::onConnectTimeout() {
    const QString hostPort = attemptedServer().hostPort();
    QString waiting;
    switch (m_phase) {
    case Phase::TcpConnect:
        waiting = QStringLiteral("the TCP connection");
        break;
    case Phase::AwaitInfo:
        waiting = QStringLiteral("the server's INFO");
        break;
    case Phase::TlsHandshake:
        waiting = QStringLiteral("the TLS handshake");
        break;
    case Phase::AwaitPong:
        waiting = QStringLiteral("the server's answer to CONNECT");
        break;
    default:
        return;
    }
    attemptFailed(Error{ErrorKind::Timeout, QStringLiteral("timed out after %1 ms waiting for %2 "
                                                           "from %3")
                                                .arg(m_options.connectTimeoutMs)
                                                .arg(waiting, hostPort)});
}

void Connection::onEncrypted() {
    if (m_phase != Phase::TlsHandshake)
        return;
    m_parser.reset(); // a partial plaintext frame must not be completed by encrypted bytes
    if (m_options.tls.handshakeFirst) {
        m_phase = Phase::AwaitInfo; // TLS first: the server's INFO follows, encrypted
        if (m_socket->bytesAvailable() > 0)
            onReadyRead();
        return;
    }
    sendConnect();
}

void Connection::onReadyRead() {
    if (m_readStalled)
        return; // stallReading(): held until it ends
    while (m_socket) {
        const qint64 n = m_socket->read(m_readBuf.data(), m_readBuf.size());
        if (n <= 0)
            break;
        QTcpSocket* sock = m_socket;
        m_inFeed = true;
        const bool ok = m_parser.feed(m_readBuf.constData(), n);
        m_inFeed = false;
        if (!ok) {
            protocolError(m_parser.errorString());
            return;
        }
        if (m_socket != sock)
            return; // torn down by a callback
        if (m_phase == Phase::TlsHandshake)
            return; // the upgrade started: nothing more is read until it is encrypted
    }
}

void Connection::onBytesWritten() {
    settleWrites();
    if (m_waitingForSocket && m_socket &&
        m_socket->bytesToWrite() <= m_options.writeBufferLimit / 2) {
        m_waitingForSocket = false;
        flushOut();
    }
}

void Connection::protocolError(const QString& what) {
    const Error e{ErrorKind::Protocol, QStringLiteral("protocol error from the server: ") + what};
    if (m_phase != Phase::Ready)
        attemptFailed(e);
    else
        connectionLost(e);
}

void Connection::connectionLost(const Error& error, bool report) {
    QString server;
    int dropped = 0;
    // The socket's unwritten publishes first (they are older), then the write buffer's.
    teardownSocket();
    {
        std::lock_guard lock(m_mu);
        m_lastError = error;
        m_lastFailure = error;
        m_lastFailureAt = QDateTime::currentDateTime();
        m_connectedSince = QDateTime();
        if (const auto* e = m_pool.current())
            server = e->url.hostPort();
        dropped = salvageUnsentLocked() + std::exchange(m_salvageDropped, 0);
    }
    failPendingFlushes(error);
    if (report)
        reportError(error);
    else
        addEvent(ConnectionEvent::Kind::Info, error.message, server);
    if (dropped > 0) {
        addEvent(ConnectionEvent::Kind::Error,
                 QStringLiteral("%1 publish%2 not yet written when the connection was lost did "
                                "not fit in the outbound queue (%3 operations, %4 bytes) and "
                                "%5 dropped")
                     .arg(dropped)
                     .arg(dropped == 1 ? QString() : QStringLiteral("es"))
                     .arg(m_options.maxPendingOperations)
                     .arg(m_options.maxPendingBytes)
                     .arg(dropped == 1 ? QStringLiteral("was") : QStringLiteral("were")),
                 server);
    }

    if (state() == State::Draining) {
        doCloseWith(
            Error{error.kind, QStringLiteral("connection lost while draining: ") + error.message});
        return;
    }
    if (!m_options.allowReconnect || m_closing) {
        failPendingRequests(error);
        Notices n;
        {
            std::lock_guard lock(m_mu);
            if (const int dropped = m_queue.dropAll())
                n.info << QStringLiteral("%1 unsent publishes dropped: reconnecting is off")
                              .arg(dropped);
        }
        emitNotices(n);
        setState(State::Disconnected, error.message);
        return;
    }
    {
        std::lock_guard lock(m_mu);
        m_plan.lost();
    }
    setState(State::Reconnecting, error.message);
    m_queueTimer->start();
    startAttempt(); // the next server in the rotation, at once
}

void Connection::handleInfo(QByteArrayView json) {
    auto parsed = ServerInfo::parse(json);
    if (!parsed) {
        protocolError(parsed.error().message);
        return;
    }
    ServerInfo info = parsed.value();
    QString hostPort;
    QStringList added;
    {
        std::lock_guard lock(m_mu);
        if (const auto* e = m_pool.current())
            hostPort = e->url.hostPort();
        if (!info.connectUrls.isEmpty() && !m_options.ignoreDiscoveredServers)
            added = m_pool.updateDiscovered(info.connectUrls, !m_options.noRandomize);
        m_info = info;
    }
    if (!added.isEmpty())
        addEvent(ConnectionEvent::Kind::Discovered,
                 QStringLiteral("discovered servers: %1").arg(added.join(QStringLiteral(", "))),
                 hostPort);

    if (m_phase == Phase::AwaitInfo) {
        addEvent(ConnectionEvent::Kind::ServerInfo,
                 QStringLiteral("server %1 (%2) version %3%4")
                     .arg(info.serverName, info.serverId.left(12), info.version,
                          info.jetstream ? QStringLiteral(", JetStream") : QString()),
                 hostPort);
        if (m_useTls && !info.tlsRequired && !info.tlsAvailable) {
            attemptFailed(
                Error{ErrorKind::Tls,
                      QStringLiteral("TLS was requested but %1 does not offer TLS").arg(hostPort)});
            return;
        }
        if (m_useTls || info.tlsRequired) {
            auto* ssl = qobject_cast<QSslSocket*>(m_socket);
            if (!ssl) {
                // We came with a plain socket and the server wants TLS: remember that for
                // this server and start over on it with a TLS socket.
                {
                    std::lock_guard lock(m_mu);
                    if (auto* e = m_pool.current())
                        e->url.tls = true;
                }
                addEvent(ConnectionEvent::Kind::Info,
                         QStringLiteral("%1 requires TLS; reconnecting with TLS").arg(hostPort),
                         hostPort);
                m_parser.stop();
                startAttempt(true);
                return;
            }
            if (ssl->isEncrypted()) {
                sendConnect(); // TLS first: the handshake is behind us
                return;
            }
            m_useTls = true;
            setupTls();
            if (!m_socket)
                return;
            m_phase = Phase::TlsHandshake;
            // Nothing that came in plaintext after this INFO is trusted: a man in the middle
            // could have appended frames (MSG as a forged reply or PubAck). The parser drops
            // the rest of this chunk, and what the socket buffered unencrypted goes too.
            m_parser.stop();
            if (const qint64 plain = ssl->bytesAvailable(); plain > 0)
                ssl->skip(plain);
            ssl->startClientEncryption();
            return;
        }
        sendConnect();
        return;
    }

    // An INFO on an established connection: cluster changes and lame duck mode.
    emit serverInfoChanged();
    if (info.lameDuckMode) {
        bool first = false;
        qsizetype others = 0;
        {
            std::lock_guard lock(m_mu);
            first = !m_lameDuck;
            m_lameDuck = true;
            others = m_pool.size() - 1;
        }
        if (!first)
            return;
        addEvent(ConnectionEvent::Kind::LameDuck,
                 others > 0 ? QStringLiteral("server %1 entered lame duck mode and will shut down "
                                             "soon; moving to another server")
                                  .arg(hostPort)
                            : QStringLiteral("server %1 entered lame duck mode and will shut down "
                                             "soon; no other server is known")
                                  .arg(hostPort),
                 hostPort);
        if (others > 0) {
            // Leave before the server closes us: after this read, not inside it.
            QMetaObject::invokeMethod(this, &Connection::moveOffLameDuckServer,
                                      Qt::QueuedConnection);
        }
    }
}

void Connection::moveOffLameDuckServer() {
    if (m_phase != Phase::Ready)
        return;
    // Hand over what is buffered first; the server still processes it in lame duck mode.
    // What is not written by the deadline goes back to the outbound queue for the next one.
    writeOut(m_options.closeWriteTimeoutMs);
    if (m_phase != Phase::Ready)
        return; // the socket failed while writing out: connectionLost() has run
    const QString hostPort = attemptedServer().hostPort();
    connectionLost(
        Error{ErrorKind::Server, QStringLiteral("left %1: it is in lame duck mode").arg(hostPort)},
        false);
}

void Connection::setupTls() {
    auto conf = handshake::tlsConfiguration(m_options.tls);
    if (!conf) {
        attemptFailed(conf.error());
        return;
    }
    auto* ssl = qobject_cast<QSslSocket*>(m_socket);
    Q_ASSERT(ssl);
    ssl->setSslConfiguration(conf.value());
    ssl->setPeerVerifyName(attemptedServer().host);
}

void Connection::sendConnect() {
    ServerInfo info;
    ServerUrl url;
    {
        std::lock_guard lock(m_mu);
        info = m_info;
        if (const auto* e = m_pool.current())
            url = e->url;
    }
    auto frame = handshake::connectFrame(m_options, info, url, m_useTls);
    if (!frame) {
        attemptFailed(frame.error());
        return;
    }
    m_phase = Phase::AwaitPong;
    m_handshakePingNs = steadyNowNs();
    writeToSocket(FrameBatch::control(frame.value()), WriteLedger::Origin::Control);
}

void Connection::becomeConnected() {
    m_connectTimer->stop();
    m_reconnectTimer->stop();
    m_queueTimer->stop();
    m_phase = Phase::Ready;
    bool reconnected = false;
    QString hostPort;
    qint64 flushed = 0;
    OutboundQueue::Refusal refused;
    {
        // Restore subscriptions, then what was queued while away, then go live: atomically
        // with respect to subscribe()/publish() on other threads, so nothing overtakes.
        std::lock_guard subsLock(m_subsMu);
        std::lock_guard lock(m_mu);
        reconnected = m_plan.everConnected();
        m_plan.connected();
        m_pool.markConnected();
        if (const auto* e = m_pool.current())
            hostPort = e->url.hostPort();
        FrameBatch batch;
        for (const SubscriptionPtr& s : std::as_const(m_subs)) {
            frames::appendSub(batch.bytes, s->subject(), s->queue(), s->sid());
            const quint64 max = s->maxMessages();
            if (max > 0) {
                const quint64 got = s->stats().received;
                frames::appendUnsub(batch.bytes, s->sid(), max > got ? max - got : 1);
            }
        }
        const qint64 now = steadyNowMs();
        m_queue.expire(now);
        // Held publishes were accepted before this server's INFO was known (before the first
        // one, or under another server's limits): one it would refuse closes the connection
        // and loses what follows it, so it is refused here, counted and reported.
        OutboundQueue::Admission admit;
        admit.maxPayload = m_info.maxPayload;
        admit.headers = m_info.headers;
        m_queue.takeAll(&batch, admit, &refused);
        flushed = batch.msgs();
        m_pings.resetOutstanding();
        m_state = State::Connected;
        m_writable = true;
        m_lastError = Error{};
        m_connectedSince = QDateTime::currentDateTime();
        m_lameDuck = false;
        m_queueDropEpisode = false;
        m_queueRejectEpisode = false;
        // Counted as sent (messages out) once the socket wrote them; taken back into the queue
        // if it never does.
        writeToSocket(std::move(batch), WriteLedger::Origin::Queue);
        // Anything published meanwhile on this thread follows the queue.
        if (!m_out.isEmpty())
            kickFlushLocked();
    }
    m_journal.recordState(State::Connected, hostPort,
                          reconnected ? QStringLiteral("reconnected") : QString());
    if (reconnected)
        m_reconnects.fetch_add(1, std::memory_order_relaxed);
    m_pingTimer->start(qMax(1, m_options.pingIntervalMs));
    m_stateCv.notify_all();
    m_roomCv.notify_all();
    ConnectionEvent e;
    e.time = QDateTime::currentDateTime();
    e.kind = ConnectionEvent::Kind::State;
    e.state = State::Connected;
    e.server = hostPort;
    e.message = reconnected ? QStringLiteral("CONNECTED: reconnected to %1").arg(hostPort)
                            : QStringLiteral("CONNECTED to %1").arg(hostPort);
    if (flushed > 0)
        e.message += QStringLiteral("; %1 queued publishes sent").arg(flushed);
    recordEvent(e);
    if (refused.tooLarge > 0)
        reportError(Error{ErrorKind::MaxPayload,
                          QStringLiteral("%1 queued publish%2 not sent: larger than the "
                                         "max_payload of %3 (%4 bytes; the first: %5 bytes "
                                         "to '%6'); counted as rejected")
                              .arg(refused.tooLarge)
                              .arg(refused.tooLarge == 1 ? QString() : QStringLiteral("es"))
                              .arg(hostPort)
                              .arg(m_info.maxPayload)
                              .arg(refused.firstBytes)
                              .arg(QString::fromUtf8(refused.firstSubject))});
    if (refused.headers > 0)
        reportError(Error{ErrorKind::Unsupported,
                          QStringLiteral("%1 queued publish%2 with headers not sent: %3 does "
                                         "not support headers; counted as rejected")
                              .arg(refused.headers)
                              .arg(refused.headers == 1 ? QString() : QStringLiteral("es"))
                              .arg(hostPort)});
    emit stateChanged(State::Connected);
    emit serverInfoChanged();
}

void Connection::handlePing() {
    writeToSocket(FrameBatch::control(QByteArray(frames::Pong.data(), frames::Pong.size())),
                  WriteLedger::Origin::Control);
}

void Connection::handlePong() {
    if (m_phase == Phase::AwaitPong) {
        // The handshake's PING is the first RTT sample, so the console shows one at once.
        recordRtt((steadyNowNs() - m_handshakePingNs) / 1000);
        becomeConnected();
        return;
    }
    // Everything written before the PING has reached the kernel (and the server).
    settleWrites();
    PingTracker::Answer answer;
    {
        std::lock_guard lock(m_mu);
        answer = m_pings.pong();
    }
    if (!answer.any)
        return;
    recordRtt((steadyNowNs() - answer.sentNs) / 1000);
    if (answer.sync) {
        std::lock_guard lock(m_mu);
        PingTracker::finish(answer);
    }
    answer.callback.post();
}

void Connection::handleErr(QByteArrayView text) {
    m_serverErrors.fetch_add(1, std::memory_order_relaxed);
    const ServerError se = classifyServerError(text);
    if (m_phase != Phase::Ready) {
        attemptFailed(se.error);
        return;
    }
    if (se.action == ServerErrorAction::Report) {
        reportError(se.error);
        return;
    }
    connectionLost(se.error);
}

} // namespace jetdeck
