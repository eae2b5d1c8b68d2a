#include "connection.h"
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

namespace {

constexpr qsizetype kReadChunk = 256 * 1024;
/// On the connection's own thread a publish writes synchronously once this much is buffered,
/// like nats.c's 32 KiB write buffer: a tight loop then streams instead of piling up.
constexpr qsizetype kInlineWriteThreshold = 64 * 1024;
constexpr int kRequestTimerIntervalMs = 10;
constexpr int kQueueTimerIntervalMs = 250;
constexpr int kDrainPollMs = 20;

QString delayText(qint64 ms) {
    return ms < 1000 ? QString::number(ms) + QStringLiteral(" ms")
                     : QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

QString sizeText(qint64 bytes) {
    return QString::number(bytes) + QStringLiteral(" bytes");
}

} // namespace

// Forwards parser callbacks to the connection (keeps Connection's interface free of the
// ParserHandler virtuals).
class Connection::Handler final : public ParserHandler {
public:
    explicit Handler(Connection* c)
        : m_c(c) {}
    void onInfo(QByteArrayView json) override { m_c->handleInfo(json); }
    void onMsg(const MsgView& msg) override { m_c->handleMsg(msg); }
    void onPing() override { m_c->handlePing(); }
    void onPong() override { m_c->handlePong(); }
    void onOk() override {}
    void onErr(QByteArrayView text) override { m_c->handleErr(text); }

private:
    Connection* m_c;
};

Connection::Connection(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_link(std::make_shared<ConnectionLink>())
    , m_handler(std::make_unique<Handler>(this))
    , m_parser(m_handler.get())
    , m_journal(m_options.name, m_options.eventHistorySize, m_options.stateHistorySize)
    , m_plan(ReconnectPlan::Policy{
          m_options.reconnectAttempts, m_options.retryOnFailedConnect,
          BackoffPolicy{m_options.reconnectDelayMs, m_options.reconnectMultiplier,
                        m_options.maxReconnectDelayMs, m_options.reconnectJitterPercent}}) {
    qRegisterMetaType<ConnectionEvent>();
    qRegisterMetaType<ConnectionState>();
    qRegisterMetaType<Error>();
    m_link->conn = this;
    m_readBuf.resize(kReadChunk);

    QList<ServerUrl> servers = m_options.servers;
    if (servers.isEmpty()) {
        ServerUrl local;
        local.host = QStringLiteral("127.0.0.1");
        servers.append(local);
    }
    m_pool.setServers(servers, !m_options.noRandomize);

    m_connectTimer = new QTimer(this);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, &Connection::onConnectTimeout);
    m_pingTimer = new QTimer(this);
    connect(m_pingTimer, &QTimer::timeout, this, &Connection::onPingTimer);
    m_requestTimer = new QTimer(this);
    m_requestTimer->setInterval(kRequestTimerIntervalMs);
    connect(m_requestTimer, &QTimer::timeout, this, &Connection::onRequestTimer);
    m_reconnectTimer = new QTimer(this);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &Connection::onReconnectTimer);
    m_queueTimer = new QTimer(this);
    m_queueTimer->setInterval(kQueueTimerIntervalMs);
    connect(m_queueTimer, &QTimer::timeout, this, &Connection::onQueueTimer);
    m_drainTimer = new QTimer(this);
    m_drainTimer->setInterval(kDrainPollMs);
    connect(m_drainTimer, &QTimer::timeout, this, &Connection::checkDrain);

    OutboundQueue::Limits limits;
    limits.maxOps = m_options.maxPendingOperations;
    limits.maxBytes = m_options.maxPendingBytes;
    limits.timeoutMs = m_options.pendingOperationTimeoutMs;
    limits.failOpen = m_options.failOpenMode;
    m_queue.setLimits(limits);
}

Connection::~Connection() {
    {
        std::lock_guard lock(m_link->mu);
        m_link->conn = nullptr;
    }
    const Error gone{ErrorKind::ConnectionClosed, QStringLiteral("the connection was destroyed")};
    QHash<quint64, SubscriptionPtr> subs;
    {
        std::lock_guard lock(m_subsMu);
        subs.swap(m_subs);
    }
    for (const SubscriptionPtr& s : std::as_const(subs))
        s->markClosed(gone);
    // Blocking waiters are woken; callbacks are not run for a connection being destroyed.
    for (const RequestMuxer::RequestPtr& r : m_muxer.takeAll(true))
        if (!r->async)
            m_muxer.complete(r, gone);
    std::lock_guard lock(m_mu);
    m_pings.failAll(gone);
}

bool Connection::onConnectionThread() const {
    return QThread::currentThread() == thread();
}

// --- state and events ----------------------------------------------------------------------

ConnectionState Connection::state() const {
    std::lock_guard lock(m_mu);
    return m_state;
}

ServerInfo Connection::serverInfo() const {
    std::lock_guard lock(m_mu);
    return m_info;
}

QString Connection::currentServer() const {
    std::lock_guard lock(m_mu);
    if (m_state != State::Connected && m_state != State::Draining)
        return {};
    const ServerPool::Entry* e = m_pool.current();
    return e ? e->url.hostPort() : QString();
}

ServerUrl Connection::attemptedServer() const {
    std::lock_guard lock(m_mu);
    const ServerPool::Entry* e = m_pool.current();
    return e ? e->url : ServerUrl{};
}

QList<ServerUrl> Connection::knownServers() const {
    std::lock_guard lock(m_mu);
    QList<ServerUrl> out;
    for (const auto& e : m_pool.entries())
        out.append(e.url);
    return out;
}

Error Connection::lastError() const {
    std::lock_guard lock(m_mu);
    return m_lastError;
}

ConnectionStats Connection::stats() const {
    ConnectionStats s;
    s.inMsgs = m_inMsgs.load(std::memory_order_relaxed);
    s.inBytes = m_inBytes.load(std::memory_order_relaxed);
    s.outMsgs = m_outMsgs.load(std::memory_order_relaxed);
    s.outBytes = m_outBytes.load(std::memory_order_relaxed);
    s.reconnects = m_reconnects.load(std::memory_order_relaxed);
    s.slowConsumerDrops = m_slowDrops.load(std::memory_order_relaxed);
    s.serverErrors = m_serverErrors.load(std::memory_order_relaxed);
    s.rttUs = m_rttUs.load(std::memory_order_relaxed);
    s.rttSmoothedUs = m_rttSmoothedUs.load(std::memory_order_relaxed);
    {
        std::lock_guard lock(m_mu);
        s.outBufferedBytes = m_out.size();
    }
    {
        std::lock_guard lock(m_subsMu);
        s.subscriptions = int(m_subs.size());
    }
    return s;
}

QList<ConnectionEvent> Connection::events() const {
    return m_journal.events();
}

void Connection::setState(State state, const QString& reason) {
    QString server;
    {
        std::lock_guard lock(m_mu);
        if (m_state == state)
            return;
        m_state = state;
        if (const ServerPool::Entry* e = m_pool.current())
            server = e->url.hostPort();
    }
    m_journal.recordState(state, server, reason);
    m_stateCv.notify_all();
    m_roomCv.notify_all();
    ConnectionEvent e;
    e.time = QDateTime::currentDateTime();
    e.kind = ConnectionEvent::Kind::State;
    e.state = state;
    e.server = server;
    e.message = reason.isEmpty() ? connectionStateName(state)
                                 : connectionStateName(state) + QStringLiteral(": ") + reason;
    recordEvent(e);
    emit stateChanged(state);
}

void Connection::addEvent(ConnectionEvent::Kind kind, const QString& message,
                          const QString& server) {
    ConnectionEvent e;
    e.time = QDateTime::currentDateTime();
    e.kind = kind;
    e.state = state();
    e.server = server;
    e.message = message;
    recordEvent(e);
}

void Connection::recordEvent(const ConnectionEvent& e) {
    m_journal.record(e);
    emit eventAdded(e);
}

void Connection::reportError(const Error& error) {
    addEvent(ConnectionEvent::Kind::Error, error.toString(), currentServer());
    emit errorOccurred(error);
}

// --- lifecycle -----------------------------------------------------------------------------

void Connection::open() {
    {
        std::lock_guard lock(m_mu);
        m_attemptFailed = false;
        // doOpen() runs later on the connection's thread: publishes made meanwhile belong to
        // the connection being made and are held for it.
        if (m_state == State::Disconnected || m_state == State::Closed)
            m_openPending = true;
    }
    QMetaObject::invokeMethod(this, &Connection::doOpen, Qt::AutoConnection);
}

Status Connection::connectSync(int timeoutMs) {
    if (onConnectionThread()) {
        if (m_inFeed)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("connectSync() from a message handler; use open()")};
        // The handshake needs the event loop of this thread: run a local one until the
        // attempt settles.
        QEventLoop loop;
        QTimer timer;
        timer.setSingleShot(true);
        connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        // Settling is a state change or a failed first pass (which may leave the state as
        // it was); a short poll catches both.
        auto check = [&] {
            std::lock_guard lock(m_mu);
            if (m_state == State::Connected || m_attemptFailed)
                loop.quit();
        };
        QTimer poll;
        connect(&poll, &QTimer::timeout, &loop, check);
        connect(this, &Connection::stateChanged, &loop, check);
        poll.start(5);
        open();
        timer.start(timeoutMs);
        bool settled = false;
        {
            std::lock_guard lock(m_mu);
            settled = m_state == State::Connected || m_attemptFailed;
        }
        if (!settled)
            loop.exec();
    } else {
        open();
    }
    std::unique_lock lock(m_mu);
    auto settled = [&] { return m_state == State::Connected || m_attemptFailed; };
    const bool done = onConnectionThread()
                          ? settled()
                          : m_stateCv.wait_for(lock, std::chrono::milliseconds(timeoutMs), settled);
    if (m_state == State::Connected)
        return {};
    if (!done)
        return Error{ErrorKind::Timeout,
                     QStringLiteral("not connected within %1 ms").arg(timeoutMs)};
    return !m_lastError.ok() ? m_lastError
                             : Error{ErrorKind::ConnectFailed, QStringLiteral("could not connect")};
}

void Connection::doOpen() {
    m_ownerThread.store(QThread::currentThreadId(), std::memory_order_relaxed);
    State st = state();
    if (st == State::Connecting || st == State::Connected || st == State::Reconnecting ||
        st == State::Draining) {
        std::lock_guard lock(m_mu);
        m_openPending = false;
        return;
    }
    m_closing = false;
    {
        std::lock_guard lock(m_mu);
        m_plan.opened();
        m_lameDuck = false;
    }

    // Check local inputs before touching the network: a bad file is the user's to fix and
    // no amount of retrying helps.
    const Status bad = handshake::checkLocalInputs(m_options);
    if (!bad.ok()) {
        Notices n;
        {
            std::lock_guard lock(m_mu);
            m_lastError = bad;
            m_attemptFailed = true;
            m_openPending = false;
            if (const int dropped = m_queue.dropAll())
                n.info << QStringLiteral("%1 publishes held for the connection were dropped: it "
                                         "could not start")
                              .arg(dropped);
        }
        emitNotices(n);
        reportError(bad);
        setState(State::Disconnected, bad.message);
        m_stateCv.notify_all();
        return;
    }

    // Secrets others can read: the connection goes ahead, the user hears about it once.
    for (const QString& path :
         {m_options.auth.credsFile, m_options.auth.nkeySeedFile, m_options.tls.keyFile}) {
        const QString warning = secretFileWarning(path);
        if (!warning.isEmpty())
            addEvent(ConnectionEvent::Kind::Error, QStringLiteral("warning: ") + warning);
    }

    setState(State::Connecting);
    {
        std::lock_guard lock(m_mu);
        m_openPending = false;
    }
    m_queueTimer->start();
    startAttempt();
}

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

void Connection::writeToSocket(FrameBatch batch, WriteLedger::Origin origin) {
    if (!m_socket || batch.isEmpty())
        return;
    const qsizetype size = batch.bytes.size();
    const qint64 n = m_socket->write(batch.bytes);
    m_ledger.handed(std::move(batch), origin);
    if (n < size)
        m_refusedBytes += size - qMax<qint64>(0, n);
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

void Connection::attemptFailed(const Error& error) {
    QString server;
    bool removed = false;
    ReconnectPlan::Decision next;
    qsizetype poolSize = 0;
    {
        std::lock_guard lock(m_mu);
        m_lastError = error;
        m_lastFailure = error;
        m_lastFailureAt = QDateTime::currentDateTime();
        m_pool.markFailed(steadyNowMs());
        if (ServerPool::Entry* e = m_pool.current()) {
            server = e->url.hostPort();
            // Two authorization failures in a row from one server: it will not change its
            // mind, and hammering it only fills its log.
            const bool auth =
                error.kind == ErrorKind::Authorization || error.kind == ErrorKind::AuthExpired;
            if (auth && e->authFailedLast) {
                m_pool.removeCurrent();
                removed = true;
            } else {
                e->authFailedLast = auth;
            }
        }
        poolSize = m_pool.size();
        next = m_plan.attemptFailed(poolSize, steadyNowMs());
    }
    teardownSocket();
    addEvent(ConnectionEvent::Kind::Error, error.toString(), server);
    if (removed)
        addEvent(ConnectionEvent::Kind::Error,
                 QStringLiteral("%1 refused the credentials twice in a row; not trying it again")
                     .arg(server),
                 server);
    if (m_closing)
        return;
    switch (next.step) {
    case ReconnectPlan::Step::GiveUpNoServer:
        giveUp(
            Error{error.kind,
                  QStringLiteral("no server left to try; the last one said: %1").arg(error.message),
                  error.serverText});
        return;
    case ReconnectPlan::Step::GiveUpAttempts:
        giveUp(Error{error.kind,
                     QStringLiteral("gave up after %1 connect attempts (reconnect_attempts); the "
                                    "last one failed with: %2")
                         .arg(next.attempts)
                         .arg(error.message),
                     error.serverText});
        return;
    case ReconnectPlan::Step::TryNextServer:
        startAttempt();
        return;
    case ReconnectPlan::Step::FailFirstConnect: {
        emit errorOccurred(error);
        Notices n;
        {
            std::lock_guard lock(m_mu);
            if (const int dropped = m_queue.dropAll())
                n.info << QStringLiteral("%1 publishes held while connecting were dropped: the "
                                         "connection failed")
                              .arg(dropped);
        }
        emitNotices(n);
        setState(State::Disconnected, error.message);
        break;
    }
    case ReconnectPlan::Step::WaitThenRetry:
        if (next.neverConnected)
            emit errorOccurred(error);
        setState(State::Reconnecting, error.message);
        addEvent(ConnectionEvent::Kind::Info,
                 QStringLiteral("%1 of %2 server%3 failed; next attempt in %4")
                     .arg(next.failedThisPass)
                     .arg(poolSize)
                     .arg(poolSize == 1 ? QString() : QStringLiteral("s"))
                     .arg(delayText(next.delayMs)));
        m_reconnectTimer->start(int(next.delayMs));
        if (!next.neverConnected)
            return;
        break;
    }
    {
        // A first connect that failed: after the state change, so connectSync() returns into
        // a settled state.
        std::lock_guard lock(m_mu);
        m_attemptFailed = true;
    }
    m_stateCv.notify_all();
}

void Connection::onReconnectTimer() {
    {
        std::lock_guard lock(m_mu);
        m_plan.retryDue();
    }
    startAttempt();
}

void Connection::giveUp(const Error& why) {
    {
        std::lock_guard lock(m_mu);
        m_lastError = why;
        m_lastFailure = why;
        m_attemptFailed = true;
    }
    m_stateCv.notify_all();
    reportError(why);
    doCloseWith(why);
}

void Connection::close() {
    QMetaObject::invokeMethod(this, &Connection::doClose);
}

void Connection::drain(int timeoutMs) {
    QMetaObject::invokeMethod(this, [this, timeoutMs] { doDrain(timeoutMs); });
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

void Connection::closeSync(int timeoutMs) {
    if (onConnectionThread()) {
        doClose();
        return;
    }
    close();
    std::unique_lock lock(m_mu);
    m_stateCv.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                       [&] { return m_state == State::Closed; });
}

void Connection::doClose() {
    doCloseWith(Error{});
}

void Connection::doCloseWith(const Error& why) {
    m_closing = true;
    qsizetype heldBefore = 0;
    {
        std::lock_guard lock(m_mu);
        heldBefore = m_queue.depth();
    }
    // What the user published before close() goes out, within a deadline; what the socket
    // could not write by then is counted and reported below, never silently discarded.
    if (m_socket && m_phase == Phase::Ready)
        writeOut(m_options.closeWriteTimeoutMs);
    teardownSocket();
    m_requestTimer->stop();
    m_reconnectTimer->stop();
    m_queueTimer->stop();
    m_drainTimer->stop();

    const Error closed =
        !why.ok() ? Error{ErrorKind::ConnectionClosed, why.message, why.serverText}
                  : Error{ErrorKind::ConnectionClosed, QStringLiteral("the connection was closed")};
    QHash<quint64, SubscriptionPtr> subs;
    Notices n;
    {
        std::lock_guard respLock(m_respMu);
        std::lock_guard subsLock(m_subsMu);
        subs.swap(m_subs);
        std::lock_guard lock(m_mu);
        m_respSub.reset();
        // Accepted but never written (the socket's unwritten part is in the queue already):
        // into the queue, or straight to dropped when there is no room, so that dropAll()
        // below counts them. Accepted publishes never vanish uncounted.
        const int overflow = salvageUnsentLocked() + std::exchange(m_salvageDropped, 0);
        const qsizetype unwritten = m_queue.depth() - heldBefore + overflow;
        m_flushPosted = false;
        m_plan.cancel();
        m_connectedSince = QDateTime();
        const int dropped = m_queue.dropAll();
        if (unwritten > 0)
            n.info << QStringLiteral("%1 publishes not written to the socket within %2 of "
                                     "closing were dropped")
                          .arg(unwritten)
                          .arg(delayText(m_options.closeWriteTimeoutMs));
        if (dropped + overflow - unwritten > 0)
            n.info << QStringLiteral("%1 publishes held in the outbound queue were dropped at "
                                     "close")
                          .arg(dropped + overflow - unwritten);
    }
    emitNotices(n);
    for (const SubscriptionPtr& s : std::as_const(subs))
        s->markClosed(Error{});
    failPendingFlushes(closed);
    failPendingRequests(closed);
    {
        std::lock_guard lock(m_mu);
        m_attemptFailed = true;
    }
    setState(State::Closed, !why.ok() ? why.message : QString());
}

// --- socket events -------------------------------------------------------------------------

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

void Connection::failPendingRequests(const Error& error) {
    // No reply can come over a connection that is gone.
    const bool closed = error.kind == ErrorKind::ConnectionClosed;
    for (const RequestMuxer::RequestPtr& r : m_muxer.takeAll(closed))
        m_muxer.complete(r, Error{closed ? error.kind : ErrorKind::NotConnected,
                                  QStringLiteral("request to '%1' lost: %2")
                                      .arg(QString::fromUtf8(r->subject), error.message),
                                  error.serverText});
}

// --- handshake -----------------------------------------------------------------------------

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

// --- drain ---------------------------------------------------------------------------------

void Connection::doDrain(int timeoutMs) {
    if (state() != State::Connected) {
        doClose();
        return;
    }
    const int limit = timeoutMs < 0 ? m_options.drainTimeoutMs : timeoutMs;
    setState(State::Draining, QStringLiteral("unsubscribing and delivering what is buffered"));
    {
        // UNSUB everything except the request muxer (requests in flight may still be
        // answered); the subscriptions stay in the table so messages in flight are delivered.
        std::lock_guard respLock(m_respMu);
        std::lock_guard subsLock(m_subsMu);
        std::lock_guard lock(m_mu);
        for (const SubscriptionPtr& sub : std::as_const(m_subs))
            if (sub != m_respSub)
                frames::appendUnsub(m_out.control(), sub->sid());
        kickFlushLocked();
    }
    m_drainDeadlineMs = steadyNowMs() + limit;
    m_drainFlushed = false;
    // A PING after the UNSUBs: its PONG means the server sent everything it will send.
    flushAsync(limit, this, [this](const Status& s) {
        if (s.ok())
            m_drainFlushed = true;
    });
    m_drainTimer->start();
}

void Connection::checkDrain() {
    if (state() != State::Draining) {
        m_drainTimer->stop();
        return;
    }
    qint64 pending = 0;
    {
        std::lock_guard lock(m_subsMu);
        for (const SubscriptionPtr& sub : std::as_const(m_subs))
            if (!sub->m_inline)
                pending += sub->undelivered();
    }
    const bool timedOut = steadyNowMs() >= m_drainDeadlineMs;
    if (!timedOut && (!m_drainFlushed || pending > 0))
        return;
    m_drainTimer->stop();
    if (timedOut)
        addEvent(ConnectionEvent::Kind::Error,
                 QStringLiteral("drain timed out with %1 messages not yet consumed; closing")
                     .arg(pending));
    else
        addEvent(ConnectionEvent::Kind::Info,
                 QStringLiteral("drained: every buffered message was delivered"));
    doClose();
}

// --- health --------------------------------------------------------------------------------

HealthSnapshot Connection::health() const {
    HealthSnapshot h;
    h.takenAt = QDateTime::currentDateTime();
    const ConnectionStats st = stats();
    h.rttUs = st.rttUs;
    h.rttSmoothedUs = st.rttSmoothedUs;
    h.reconnects = st.reconnects;
    h.subscriptions = st.subscriptions;
    h.inMsgs = st.inMsgs;
    h.inBytes = st.inBytes;
    h.outMsgs = st.outMsgs;
    h.outBytes = st.outBytes;
    h.slowConsumerDrops = st.slowConsumerDrops;
    h.serverErrors = st.serverErrors;
    std::lock_guard lock(m_mu);
    const qint64 now = steadyNowMs();
    h.state = m_state;
    h.lameDuck = m_lameDuck;
    if (m_state == State::Connected || m_state == State::Draining) {
        if (const ServerPool::Entry* e = m_pool.current())
            h.server = e->url.hostPort();
        h.serverName = m_info.serverName;
        h.serverVersion = m_info.version;
    }
    h.connectedSince = m_connectedSince;
    h.lastFailureAt = m_lastFailureAt;
    h.lastFailure = m_lastFailure;
    h.reconnectAttempt = m_plan.attemptsSinceLoss();
    h.reconnectAttemptsMax = m_options.reconnectAttempts;
    const qint64 nextAt = m_plan.nextAttemptAtMs();
    h.nextAttemptInMs = nextAt < 0 ? -1 : qMax<qint64>(0, nextAt - now);
    h.published = m_published;
    h.sent = m_sent;
    h.queueDepth = m_queue.depth();
    h.queueBytes = m_queue.bytes();
    h.queueOldestAgeMs = m_queue.oldestAgeMs(now);
    h.queue = m_queue.counters();
    h.queueLimitOps = m_queue.limits().maxOps;
    h.queueLimitBytes = m_queue.limits().maxBytes;
    h.failOpen = m_queue.limits().failOpen;
    h.bufferedBytes = m_out.size();
    const ServerPool::Entry* current = m_pool.current();
    for (const ServerPool::Entry& e : m_pool.entries())
        h.servers.append(
            PoolServer{e.url.redacted(), e.url.implicit,
                       current == &e && (m_state == State::Connected || m_state == State::Draining),
                       e.attempts});
    return h;
}

QList<StateSpan> Connection::stateHistory() const {
    return m_journal.stateHistory();
}

QList<OutboundQueue::Entry> Connection::queuedOperations(int max) const {
    std::lock_guard lock(m_mu);
    return m_queue.entries(steadyNowMs(), max);
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

// --- inbound operations --------------------------------------------------------------------

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

QList<SubscriptionPtr> Connection::subscriptions() const {
    std::lock_guard lock(m_subsMu);
    return m_subs.values();
}

void Connection::setLatencyProbes(std::shared_ptr<metrics::WindowedHistogram> pingRtt,
                                  std::shared_ptr<metrics::WindowedHistogram> request) {
    m_rttProbe.store(std::move(pingRtt));
    m_requestProbe.store(std::move(request));
}

void Connection::recordRtt(qint64 rttUs) {
    if (const auto probe = m_rttProbe.load())
        probe->record(quint64(qMax<qint64>(0, rttUs)));
    m_rttUs.store(rttUs, std::memory_order_relaxed);
    const qint64 prev = m_rttSmoothedUs.load(std::memory_order_relaxed);
    m_rttSmoothedUs.store(prev < 0 ? rttUs : (prev * 7 + rttUs) / 8, std::memory_order_relaxed);
    emit rttMeasured(rttUs);
}

void Connection::failPendingFlushes(const Error& error) {
    QList<PingTracker::Callback> callbacks;
    {
        std::lock_guard lock(m_mu);
        callbacks = m_pings.failAll(error);
    }
    for (const PingTracker::Callback& c : std::as_const(callbacks))
        c.post();
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

void Connection::handleMsg(const MsgView& msg) {
    if (m_phase != Phase::Ready) {
        // The server sends messages only for subscriptions, and those are made once the
        // handshake is over: anything earlier is not from a NATS server.
        protocolError(QStringLiteral("a message arrived before the handshake was complete"));
        return;
    }
    m_inMsgs.fetch_add(1, std::memory_order_relaxed);
    m_inBytes.fetch_add(quint64(msg.headers.size() + msg.payload.size()),
                        std::memory_order_relaxed);
    SubscriptionPtr sub;
    {
        std::lock_guard lock(m_subsMu);
        sub = m_subs.value(msg.sid);
    }
    if (!sub)
        return; // a message already in flight when we unsubscribed
    const bool last = sub->reachedMax(msg.headers.size() + msg.payload.size());
    if (sub->m_inline) {
        sub->m_inline(msg);
        sub->countInline(msg.headers.size() + msg.payload.size());
    } else {
        const auto accepted = sub->enqueue(msg);
        if (accepted != Subscription::Accept::Queued) {
            m_slowDrops.fetch_add(1, std::memory_order_relaxed);
            if (accepted == Subscription::Accept::DroppedNewEpisode) {
                const SubscriptionStats st = sub->stats();
                reportError(Error{ErrorKind::SlowConsumer,
                                  QStringLiteral("slow consumer: subscription %1 on '%2' is "
                                                 "dropping messages (pending limit %3 msgs / %4 "
                                                 "reached)")
                                      .arg(sub->sid())
                                      .arg(QString::fromUtf8(sub->subject()))
                                      .arg(st.pendingMsgsLimit)
                                      .arg(sizeText(st.pendingBytesLimit))});
            }
        }
    }
    if (last) {
        {
            std::lock_guard lock(m_subsMu);
            m_subs.remove(msg.sid);
        }
        sub->markClosed(Error{});
    }
}

// --- outbound ------------------------------------------------------------------------------

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

void Connection::emitNotices(const Notices& notices) {
    for (const QString& i : notices.info)
        addEvent(ConnectionEvent::Kind::Info, i, currentServer());
    for (const Error& e : notices.errors)
        reportError(e);
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
        if (m_state == State::Connected && m_writable &&
            m_out.size() < m_options.writeBufferLimit &&
            headerBlock.size() + payload.size() <= m_info.maxPayload &&
            (headerBlock.isEmpty() || m_info.headers)) {
            appendOutLocked(subject, reply, headerBlock, payload);
            if (m_out.size() < kInlineWriteThreshold || !onConnectionThread()) {
                kickFlushLocked();
                return {};
            }
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
    while (m_socket && m_socket->bytesToWrite() > m_options.writeBufferLimit / 2)
        if (!m_socket->waitForBytesWritten(1000))
            break;
    flushOut();
    if (m_socket)
        m_socket->flush();
}

// --- subscriptions -------------------------------------------------------------------------

Result<SubscriptionPtr> Connection::addSubscription(QByteArrayView subject,
                                                    const SubscribeOptions& opts,
                                                    InlineHandler inlineHandler, QObject* context,
                                                    MessageCallback callback) {
    if (Status s = subject::validateSubscribe(subject); !s.ok())
        return s;
    if (!opts.queue.isEmpty())
        if (Status s = subject::validateQueue(opts.queue); !s.ok())
            return s;
    if (callback && !context)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("a subscription callback needs a context object")};

    std::lock_guard subsLock(m_subsMu);
    std::lock_guard lock(m_mu);
    if (m_state == State::Closed || m_state == State::Draining)
        return Error{ErrorKind::ConnectionClosed,
                     QStringLiteral("cannot subscribe to '%1': the connection is %2")
                         .arg(QString::fromUtf8(subject), m_state == State::Closed
                                                              ? QStringLiteral("closed")
                                                              : QStringLiteral("draining"))};
    const quint64 sid = ++m_nextSid;
    SubscriptionPtr sub(new Subscription(m_link, sid, subject.toByteArray(), opts.queue));
    sub->m_inline = std::move(inlineHandler);
    sub->m_callback = std::move(callback);
    sub->m_context = ContextGuard::make(context);
    sub->m_stats.pendingMsgsLimit =
        opts.pendingMsgsLimit < 0 ? m_options.subPendingMsgsLimit : opts.pendingMsgsLimit;
    sub->m_stats.pendingBytesLimit =
        opts.pendingBytesLimit < 0 ? m_options.subPendingBytesLimit : opts.pendingBytesLimit;
    sub->m_max = opts.autoUnsubscribeAfter;
    m_subs.insert(sid, sub);
    if (m_state == State::Connected) {
        frames::appendSub(m_out.control(), subject, opts.queue, sid);
        if (opts.autoUnsubscribeAfter > 0)
            frames::appendUnsub(m_out.control(), sid, opts.autoUnsubscribeAfter);
        kickFlushLocked();
    }
    return sub;
}

Result<SubscriptionPtr> Connection::subscribe(QByteArrayView subject,
                                              const SubscribeOptions& opts) {
    return addSubscription(subject, opts, {}, nullptr, {});
}

Result<SubscriptionPtr> Connection::subscribe(QByteArrayView subject, QObject* context,
                                              MessageCallback callback,
                                              const SubscribeOptions& opts) {
    if (!callback)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("empty subscription callback")};
    return addSubscription(subject, opts, {}, context, std::move(callback));
}

Result<SubscriptionPtr> Connection::subscribeInline(QByteArrayView subject, InlineHandler handler,
                                                    const SubscribeOptions& opts) {
    if (!handler)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("empty subscription handler")};
    return addSubscription(subject, opts, std::move(handler), nullptr, {});
}

Status Connection::removeSubscription(quint64 sid, quint64 max) {
    SubscriptionPtr sub;
    {
        std::lock_guard subsLock(m_subsMu);
        sub = m_subs.value(sid);
        if (!sub)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("subscription %1 is not active").arg(sid)};
        std::lock_guard lock(m_mu);
        const quint64 received = sub->stats().received;
        const bool now = max == 0 || received >= max;
        if (now) {
            m_subs.remove(sid);
        } else {
            std::lock_guard subLock(sub->m_mu);
            sub->m_max = max;
        }
        if (m_state == State::Connected) {
            frames::appendUnsub(m_out.control(), sid, now ? 0 : max);
            kickFlushLocked();
        }
        if (!now)
            return {};
    }
    sub->markClosed(
        Error{ErrorKind::ConnectionClosed,
              QStringLiteral("unsubscribed from '%1'").arg(QString::fromUtf8(sub->subject()))});
    return {};
}

// --- request/reply -------------------------------------------------------------------------

QByteArray Connection::newInbox() const {
    return m_options.inboxPrefix + '.' + Nuid::global();
}

Result<QByteArray> Connection::ensureResponseSubscription() {
    std::lock_guard respLock(m_respMu);
    if (QByteArray prefix = m_muxer.prefix(); !prefix.isEmpty())
        return prefix;
    const QByteArray prefix = m_options.inboxPrefix + '.' + Nuid::global() + '.';
    auto sub =
        subscribeInline(QByteArray(prefix + '*'), [this](const MsgView& m) { handleReply(m); });
    if (!sub)
        return sub.error();
    {
        std::lock_guard lock(m_mu);
        m_respSub = sub.value();
    }
    m_muxer.setPrefix(prefix);
    return prefix;
}

RequestMuxer::RequestPtr Connection::startRequest(QByteArrayView subject, QByteArrayView payload,
                                                  const Headers* headers, int timeoutMs,
                                                  QByteArray* replyOut, Status* error,
                                                  RequestMuxer::RequestPtr req) {
    if (Status s = subject::validatePublish(subject); !s.ok()) {
        *error = s;
        return {};
    }
    if (timeoutMs <= 0) {
        *error =
            Error{ErrorKind::InvalidArgument,
                  QStringLiteral("request timeout must be positive, got %1 ms").arg(timeoutMs)};
        return {};
    }
    QByteArray headerBlock;
    if (headers && !headers->isEmpty()) {
        for (const auto& e : headers->entries())
            if (!Headers::isValidKey(e.first) || !Headers::isValidValue(e.second)) {
                *error =
                    Error{ErrorKind::InvalidArgument,
                          QStringLiteral("invalid header '%1'").arg(QString::fromUtf8(e.first))};
                return {};
            }
        headerBlock = headers->toBlock();
    }
    if (auto prefix = ensureResponseSubscription(); !prefix) {
        *error = prefix.error();
        return {};
    }
    if (!req)
        req = std::make_shared<RequestMuxer::Request>();
    req->subject = subject.toByteArray();
    req->sentNs = steadyNowNs();
    req->deadlineMs = req->sentNs / 1000000 + timeoutMs;
    // Registered before it is published: the reply cannot overtake it.
    bool firstAsync = false;
    const QByteArray reply = m_muxer.add(req, &firstAsync);
    Notices notices;
    Status accepted;
    {
        std::lock_guard lock(m_mu);
        accepted = acceptPublishLocked(subject, reply, headerBlock, payload, &notices);
        if (accepted.ok())
            kickFlushLocked();
    }
    emitNotices(notices);
    if (!accepted.ok()) {
        m_muxer.forget(reply);
        *error = accepted;
        return {};
    }
    if (firstAsync)
        QMetaObject::invokeMethod(this, [this] {
            if (!m_requestTimer->isActive())
                m_requestTimer->start();
        });
    *replyOut = reply;
    return req;
}

void Connection::request(QByteArrayView subject, QByteArrayView payload, int timeoutMs,
                         QObject* context, RequestCallback callback, const Headers* headers) {
    auto deliver = [context, callback](const Result<Message>& r) {
        if (context)
            QMetaObject::invokeMethod(
                context, [callback, r] { callback(r); }, Qt::QueuedConnection);
    };
    if (!callback || !context) {
        return;
    }
    auto req = std::make_shared<RequestMuxer::Request>();
    req->async = true;
    req->callback = callback;
    req->context = ContextGuard::make(context);
    Status error;
    QByteArray reply;
    if (!startRequest(subject, payload, headers, timeoutMs, &reply, &error, req))
        deliver(error);
}

Result<Message> Connection::requestSync(QByteArrayView subject, QByteArrayView payload,
                                        int timeoutMs, const Headers* headers) {
    if (onConnectionThread() && m_inFeed)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("requestSync() from a message handler on the connection's "
                                    "thread would deadlock; use request()")};
    Status error;
    QByteArray reply;
    auto req = startRequest(subject, payload, headers, timeoutMs, &reply, &error, nullptr);
    if (!req)
        return error;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    if (onConnectionThread())
        pumpUntil(deadline, [&] { return m_muxer.isDone(req); });
    else
        m_muxer.waitUntil(req, deadline);
    if (std::optional<Result<Message>> r = m_muxer.abandon(req, reply))
        return *r;
    const State st = state();
    if (st != State::Connected)
        return Error{ErrorKind::NotConnected,
                     QStringLiteral("request to '%1' lost: the connection is %2")
                         .arg(QString::fromUtf8(subject), connectionStateName(st))};
    return Error{ErrorKind::Timeout, QStringLiteral("no reply from '%1' within %2 ms")
                                         .arg(QString::fromUtf8(subject))
                                         .arg(timeoutMs)};
}

void Connection::handleReply(const MsgView& msg) {
    const RequestMuxer::RequestPtr req = m_muxer.take(msg.subject);
    if (!req)
        return; // a late reply after a timeout, or not one of ours
    if (const auto probe = m_requestProbe.load())
        probe->record(quint64(qMax<qint64>(0, (steadyNowNs() - req->sentNs) / 1000)));
    Result<Message> result = Message(msg);
    if (headerStatus(msg.headers) == status::NoResponders && msg.payload.isEmpty())
        result =
            Error{ErrorKind::NoResponders, QStringLiteral("no responders are listening on '%1'")
                                               .arg(QString::fromUtf8(req->subject))};
    // Queued behind what the context already has: a reply follows the messages before it.
    m_muxer.complete(req, std::move(result), true);
}

void Connection::onRequestTimer() {
    const qint64 now = steadyNowMs();
    const QList<RequestMuxer::RequestPtr> expired = m_muxer.takeExpired(now);
    QList<PingTracker::Callback> flushes;
    bool asyncFlushes = false;
    {
        std::lock_guard lock(m_mu);
        flushes = m_pings.expire(now);
        asyncFlushes = m_pings.hasAsync();
    }
    if (!asyncFlushes && m_muxer.asyncCount() <= 0)
        m_requestTimer->stop();
    for (const RequestMuxer::RequestPtr& r : expired)
        m_muxer.complete(
            r,
            Error{ErrorKind::Timeout,
                  QStringLiteral("no reply from '%1' in time").arg(QString::fromUtf8(r->subject))});
    for (const PingTracker::Callback& c : std::as_const(flushes))
        c.post();
}

// --- flush and ping ------------------------------------------------------------------------

void Connection::pumpUntil(std::chrono::steady_clock::time_point deadline,
                           const std::function<bool()>& done) {
    // A blocking call on the connection's own thread: no event loop runs, so write what is
    // queued (including what handlers published while we waited) and read the socket here.
    while (true) {
        if (done())
            return;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0 || !m_socket || m_phase != Phase::Ready)
            return;
        flushOut();
        if (m_socket->bytesToWrite() > 0)
            m_socket->flush();
        m_socket->waitForReadyRead(int(qMax<qint64>(1, left)));
    }
}

bool Connection::waitFor(const std::function<bool()>& done, int timeoutMs) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(qMax(0, timeoutMs));
    if (onConnectionThread()) {
        if (m_inFeed)
            return done(); // inside a message handler: the socket cannot be read again here
        pumpUntil(deadline, done);
        return done();
    }
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        QThread::usleep(500);
    }
    return true;
}

Status Connection::flushSync(int timeoutMs) {
    auto done = std::make_shared<PingTracker::SyncFlush>();
    {
        std::lock_guard lock(m_mu);
        if (m_state != State::Connected)
            return Error{ErrorKind::NotConnected, QStringLiteral("cannot flush: the connection "
                                                                 "is %1")
                                                      .arg(connectionStateName(m_state))};
        m_pings.addFlush(steadyNowNs(), done);
        m_out.control().append(frames::Ping);
        kickFlushLocked();
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    if (onConnectionThread()) {
        pumpUntil(deadline, [&] {
            std::lock_guard lock(m_mu);
            return done->done;
        });
    } else {
        std::unique_lock lock(m_mu);
        done->cv.wait_until(lock, deadline, [&] { return done->done; });
    }
    std::lock_guard lock(m_mu);
    if (done->done)
        return done->result;
    done->done = true; // abandon: the PONG, if it ever comes, completes nothing
    return Error{ErrorKind::Timeout,
                 QStringLiteral("flush: no PONG from the server within %1 ms").arg(timeoutMs)};
}

void Connection::flushAsync(int timeoutMs, QObject* context, StatusCallback callback) {
    if (!context || !callback)
        return;
    bool startTimer = false;
    {
        std::lock_guard lock(m_mu);
        if (m_state != State::Connected && m_state != State::Draining) {
            const Error e{ErrorKind::NotConnected, QStringLiteral("cannot flush: not connected")};
            QMetaObject::invokeMethod(
                context, [callback, e] { callback(e); }, Qt::QueuedConnection);
            return;
        }
        m_pings.addFlush(steadyNowNs(), steadyNowMs() + timeoutMs, std::move(callback),
                         ContextGuard::make(context));
        m_out.control().append(frames::Ping);
        kickFlushLocked();
        startTimer = true;
    }
    if (startTimer)
        QMetaObject::invokeMethod(this, [this] {
            if (!m_requestTimer->isActive())
                m_requestTimer->start();
        });
}

void Connection::onPingTimer() {
    if (m_phase != Phase::Ready)
        return;
    bool stale = false;
    {
        std::lock_guard lock(m_mu);
        if (!m_pings.addPing(steadyNowNs(), m_options.maxPingsOut)) {
            stale = true;
        } else {
            m_out.control().append(frames::Ping);
            kickFlushLocked();
        }
    }
    if (stale)
        connectionLost(Error{ErrorKind::StaleConnection,
                             QStringLiteral("stale connection: %1 PINGs without a PONG (ping "
                                            "interval %2 ms)")
                                 .arg(m_options.maxPingsOut)
                                 .arg(m_options.pingIntervalMs)});
}

} // namespace jetdeck
