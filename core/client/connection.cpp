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

void Connection::emitNotices(const Notices& notices) {
    for (const QString& i : notices.info)
        addEvent(ConnectionEvent::Kind::Info, i, currentServer());
    for (const Error& e : notices.errors)
        reportError(e);
}

} // namespace jetdeck
