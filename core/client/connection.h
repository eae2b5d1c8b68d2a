#pragma once

#include "connectionevent.h"
#include "contextguard.h"
#include "core/base/error.h"
#include "core/protocol/headers.h"
#include "core/protocol/parser.h"
#include "eventjournal.h"
#include "health.h"
#include "message.h"
#include "options.h"
#include "outboundqueue.h"
#include "pingtracker.h"
#include "reconnectplan.h"
#include "requestmuxer.h"
#include "serverinfo.h"
#include "serverpool.h"
#include "subscription.h"
#include "writebuffer.h"
#include "writeledger.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

class QSslError;
class QSslSocket;
class QTcpSocket;
class QTimer;

namespace jetdeck {

/// Shared between a Connection and its Subscription handles so that a handle that outlives
/// its connection finds it gone instead of dangling.
struct ConnectionLink {
    std::mutex mu;
    Connection* conn = nullptr;
};

/// Counters for a connection, readable from any thread.
struct ConnectionStats {
    quint64 inMsgs = 0;
    quint64 inBytes = 0;
    quint64 outMsgs = 0;
    quint64 outBytes = 0;
    quint64 reconnects = 0;
    quint64 slowConsumerDrops = 0;
    quint64 serverErrors = 0;
    qint64 rttUs = -1;         ///< last PING round trip, -1 before the first
    qint64 rttSmoothedUs = -1; ///< exponentially smoothed
    qint64 outBufferedBytes = 0;
    int subscriptions = 0;
};

namespace metrics {
class WindowedHistogram;
}

/// One connection to a NATS server (or cluster) on Qt networking.
///
/// Threads: the object lives on one thread (usually a worker thread, see ConnectionThread);
/// everything that touches its socket runs there. All public methods are thread-safe:
/// publishes go into a write buffer under a lock and one queued flush writes them in a batch;
/// results come back as signals, callbacks on a context object's thread, or blocking *Sync
/// calls meant for other threads.
///
/// Parts, each with one job; the Connection wires them to the socket and the timers:
/// - ReconnectPlan (reconnectplan.h): the connect and reconnect decisions, pure logic.
/// - handshake (handshake.h): local inputs checked before connecting, CONNECT and its
///   credentials, the TLS configuration and certificate verdicts.
/// - Parser: inbound frames, forwarded by Handler to the handle*() methods.
/// - WriteBuffer, WriteLedger, OutboundQueue: what waits for the socket (publishes indexed),
///   what the socket was given and has not written yet, what is held while disconnected.
///   After a loss the unwritten publishes go back to the queue by their index.
/// - PingTracker: what waits for a PONG (keep-alive PINGs, flushes).
/// - RequestMuxer: requests in flight over one reply subscription.
/// - EventJournal: the event and state history, and the log.
/// - ServerPool: the servers, configured and discovered, and their attempts.
/// The implementation is split by concern, as nats.c splits conn.c, pub.c and sub.c:
/// connection.cpp (lifecycle and state), connectionwire.cpp (socket, handshake, inbound
/// protocol operations, fault injection), connectionpublish.cpp (the outbound path),
/// connectionsubscribe.cpp (subscriptions, MSG dispatch, drain), connectionrequest.cpp
/// (requests, flushes, pings, blocking waits).
///
/// Locking, the one rule for all of these files:
/// - Members under "Connection thread only" are touched by that thread alone, without a lock.
/// - Locks are taken in this order, never the other way: m_respMu -> m_subsMu -> m_mu -> a
///   Subscription's own mutex. Members are listed under the lock that guards them.
/// - Leaf locks, under which no other lock is taken: the RequestMuxer's, the EventJournal's,
///   a ContextGuard's.
/// - No callback runs and no signal is emitted while m_subsMu or m_mu is held: work is
///   collected under the lock (Notices, callback lists) and done once it is released.
/// - Blocking callers wait on condition variables with m_mu (connectSync, flushSync, room in
///   the write buffer) or with the muxer's lock (requestSync).
class Connection : public QObject {
    Q_OBJECT
public:
    using State = ConnectionState;

    explicit Connection(Options options, QObject* parent = nullptr);
    ~Connection() override;

    // --- lifecycle ---------------------------------------------------------------------
    /// Starts connecting; progress is reported by stateChanged()/eventAdded().
    void open();
    /// Starts connecting and waits until CONNECTED or the attempt failed. Not on the
    /// connection's own thread.
    Status connectSync(int timeoutMs = 10000);
    /// Flushes what is buffered (best effort) and closes for good. Publishes still held in
    /// the outbound queue are counted as dropped.
    void close();
    /// Closes and waits until CLOSED. Not on the connection's own thread.
    void closeSync(int timeoutMs = 5000);
    /// Unsubscribes everything, delivers what is already buffered, flushes, then closes;
    /// gives up and closes after timeoutMs (-1: Options::drainTimeoutMs).
    void drain(int timeoutMs = -1);
    /// Drops the socket as a network failure would, and reconnects (fault injection).
    void forceDisconnect(const QString& reason);
    /// Stops reading the socket for ms milliseconds (fault injection): what the server sends
    /// piles up, the TCP window closes, and the server sees a slow consumer; then reading
    /// resumes and what was held is delivered.
    void stallReading(int ms);
    /// Writes bytes to the socket as they are (fault injection: a malformed protocol line; the
    /// server answers -ERR and the client reconnects).
    void injectRaw(const QByteArray& bytes);

    State state() const;
    bool isConnected() const { return state() == State::Connected; }
    Options options() const { return m_options; }
    ServerInfo serverInfo() const;
    /// host:port of the server in use, empty when none.
    QString currentServer() const;
    /// Every server the pool knows, configured and discovered.
    QList<ServerUrl> knownServers() const;
    /// The error that ended the last connection or connect attempt.
    Error lastError() const;
    ConnectionStats stats() const;
    QList<ConnectionEvent> events() const;
    /// State, server, RTT, reconnects, the outbound queue and traffic, at this moment.
    HealthSnapshot health() const;
    /// The bounded history of state transitions, oldest first.
    QList<StateSpan> stateHistory() const;
    /// The active subscriptions (the request muxer's included), in no particular order.
    QList<SubscriptionPtr> subscriptions() const;
    /// Where PING round trips and request round trips (request to reply) are recorded, in
    /// microseconds; null to stop. The metrics registry sets them.
    void setLatencyProbes(std::shared_ptr<metrics::WindowedHistogram> pingRtt,
                          std::shared_ptr<metrics::WindowedHistogram> request);
    /// What the outbound queue holds, in send order (for the console's queue view).
    QList<OutboundQueue::Entry> queuedOperations(int max = 200) const;

    /// Publishes to subjects that start with `prefix` go first: while disconnected they go out
    /// before queued data and may push data out of a full outbound queue. The
    /// JetStream layer registers its acks and flow-control replies (a lost ack is a
    /// redelivery); the client itself knows no subject. Thread-safe; registering twice is
    /// harmless.
    void addPrioritySubjectPrefix(const QByteArray& prefix);

    // --- publishing --------------------------------------------------------------------
    Status publish(QByteArrayView subject, QByteArrayView payload, QByteArrayView reply = {});
    Status publish(QByteArrayView subject, const Headers& headers, QByteArrayView payload,
                   QByteArrayView reply = {});
    /// Publishes with a pre-serialised header block (for hot loops that reuse headers).
    Status publishRaw(QByteArrayView subject, QByteArrayView reply, QByteArrayView headerBlock,
                      QByteArrayView payload);

    // --- subscribing -------------------------------------------------------------------
    /// Messages are queued; read them with Subscription::next()/takeAll().
    Result<SubscriptionPtr> subscribe(QByteArrayView subject, const SubscribeOptions& opts = {});
    /// Messages are delivered to `callback` on `context`'s thread, in batches.
    Result<SubscriptionPtr> subscribe(QByteArrayView subject, QObject* context,
                                      MessageCallback callback, const SubscribeOptions& opts = {});
    /// Messages are handed to `handler` on the connection's thread without copying.
    Result<SubscriptionPtr> subscribeInline(QByteArrayView subject, InlineHandler handler,
                                            const SubscribeOptions& opts = {});

    // --- request/reply -----------------------------------------------------------------
    /// A fresh inbox subject (`<prefix>.<nuid>`).
    QByteArray newInbox() const;
    /// Sends a request; `callback` runs on `context`'s thread with the reply, a NoResponders
    /// error (status 503) or a Timeout.
    void request(QByteArrayView subject, QByteArrayView payload, int timeoutMs, QObject* context,
                 RequestCallback callback, const Headers* headers = nullptr);
    /// Blocking request. Not on the connection's own thread.
    Result<Message> requestSync(QByteArrayView subject, QByteArrayView payload, int timeoutMs,
                                const Headers* headers = nullptr);

    // --- flush -------------------------------------------------------------------------
    /// PING/PONG round trip: everything published before has been processed by the server.
    Status flushSync(int timeoutMs = 5000);
    void flushAsync(int timeoutMs, QObject* context, StatusCallback callback);

    /// Blocks until `done()` is true or `timeoutMs` passes; returns done(). On the
    /// connection's own thread it drives the socket itself (writes what is buffered, reads and
    /// dispatches what arrives), so a flow there can wait for replies; on other threads it
    /// polls. `done` is called without the connection's locks.
    bool waitFor(const std::function<bool()>& done, int timeoutMs);

signals:
    void stateChanged(jetdeck::ConnectionState state);
    void eventAdded(const jetdeck::ConnectionEvent& event);
    /// Errors worth telling the user about, fatal or not (permissions, slow consumer...).
    void errorOccurred(const jetdeck::Error& error);
    void serverInfoChanged();
    void rttMeasured(qint64 micros);

private:
    friend class Subscription;
    enum class Phase { Idle, TcpConnect, AwaitInfo, TlsHandshake, AwaitPong, Ready };

    class Handler;
    friend class Handler;

    // Connection-thread side.
    void doOpen();
    void doClose();
    void doCloseWith(const Error& why);
    void doDrain(int timeoutMs);
    void checkDrain();
    void startAttempt(bool sameServer = false);
    void attemptFailed(const Error& error);
    void giveUp(const Error& why);
    void onReconnectTimer();
    void onQueueTimer();
    void moveOffLameDuckServer();
    void onSocketConnected();
    void onSocketError();
    void onSslErrors(const QList<QSslError>& errors);
    void onSocketDisconnected();
    void onEncrypted();
    void onReadyRead();
    void onBytesWritten();
    void onConnectTimeout();
    void onPingTimer();
    void onRequestTimer();
    void flushOut();
    void handleInfo(QByteArrayView json);
    void handleMsg(const MsgView& msg);
    void handlePing();
    void handlePong();
    void handleErr(QByteArrayView text);
    void sendConnect();
    void becomeConnected();
    /// The connection is gone: reconnect when allowed, else end in DISCONNECTED. `report`
    /// says whether the reason is an error for the user (not for a lame-duck move).
    void connectionLost(const Error& error, bool report = true);
    /// Takes back every publish the socket did not write (the ledger's unwritten batches,
    /// then the write buffer) into the outbound queue, oldest first; returns how many did not
    /// fit and were dropped (the caller reports them once m_mu is released).
    int salvageUnsentLocked();
    /// Puts the PUB/HPUB frames of `buf` that end after `from` into the outbound queue;
    /// returns how many did not fit (dropped).
    int salvageFramesLocked(const FrameBatch& batch, qsizetype from, WriteLedger::Origin origin,
                            qint64 nowMs);
    void applySettledLocked(const WriteLedger::Settled& settled);
    /// Counts what the socket has written to the kernel since the last call as sent.
    void settleWrites();
    /// Hands bytes to the socket and records them in the ledger; `written` bytes at the
    /// batch's start already went to the kernel directly.
    void writeToSocket(FrameBatch batch, WriteLedger::Origin origin, qsizetype written = 0);
    /// Writes what is buffered out to the kernel, waiting at most timeoutMs (close, lame duck).
    /// Returns the bytes still unwritten.
    qint64 writeOut(int timeoutMs);
    void protocolError(const QString& what);
    void setupTls();
    void teardownSocket();
    void handleReply(const MsgView& msg);
    void failPendingFlushes(const Error& error);
    void failPendingRequests(const Error& error);
    void recordRtt(qint64 rttUs);

    // Any-thread helpers (m_mu held where the name says Locked).
    /// Events to emit once m_mu is released.
    struct Notices {
        QStringList info;
        QList<Error> errors;
    };
    /// What addPrioritySubjectPrefix() named.
    bool isPrioritySubjectLocked(QByteArrayView subject) const;
    /// Takes a validated publish: into the write buffer when connected, into the outbound
    /// queue while (re)connecting, refused otherwise.
    Status acceptPublishLocked(QByteArrayView subject, QByteArrayView reply,
                               QByteArrayView headerBlock, QByteArrayView payload,
                               Notices* notices);
    /// Lays a publish out in the write buffer (m_mu held, connected and writable).
    void appendOutLocked(QByteArrayView subject, QByteArrayView reply, QByteArrayView headerBlock,
                         QByteArrayView payload);
    /// publishRaw for everything off the hot path: full validation, the outbound queue,
    /// waiting for room, notices.
    Status publishChecked(QByteArrayView subject, QByteArrayView reply, QByteArrayView headerBlock,
                          QByteArrayView payload);
    /// On the connection's thread: hands the write buffer to the socket now, waiting for the
    /// kernel when it is behind, so a publishing loop streams with bounded memory.
    void writeInline();
    /// One publish handed to the kernel beside the write buffer, never copied into it.
    struct DirectFrame {
        QByteArrayView subject, reply, headerBlock, payload;
    };
    /// The socket may be written around (connection thread): plain TCP (TLS encrypts inside
    /// the socket), connected, and the socket holding nothing of its own to write first.
    bool canWriteDirect() const;
    /// Writes the write buffer and then `frame` (if any, already counted as published) to the
    /// kernel with one sendmsg() per round, the frame's payload from the caller's memory.
    /// Waits while the kernel is full, for at most a second without progress; what it did not
    /// take (then, or because the server's data waits to be read, or on an error the socket
    /// will report) goes to the socket with its ledger entry, the frame copied into the batch
    /// so that a loss can take it back.
    void writeDirect(const DirectFrame* frame);
    void emitNotices(const Notices& notices);
    void kickFlushLocked();
    void waitForRoomLocked(std::unique_lock<std::mutex>& lock);
    Result<SubscriptionPtr> addSubscription(QByteArrayView subject, const SubscribeOptions& opts,
                                            InlineHandler inlineHandler, QObject* context,
                                            MessageCallback callback);
    Status removeSubscription(quint64 sid, quint64 max);
    void setState(State state, const QString& reason = {});
    /// Keeps the event in the history, logs it and announces it (eventAdded).
    void recordEvent(const ConnectionEvent& e);
    void addEvent(ConnectionEvent::Kind kind, const QString& message, const QString& server = {});
    void reportError(const Error& error);
    Result<QByteArray> ensureResponseSubscription();
    /// Registers a request and publishes it; its reply subject goes to `replyOut`. Null with
    /// `error` set when it could not be sent.
    RequestMuxer::RequestPtr startRequest(QByteArrayView subject, QByteArrayView payload,
                                          const Headers* headers, int timeoutMs,
                                          QByteArray* replyOut, Status* error,
                                          RequestMuxer::RequestPtr req);
    bool onConnectionThread() const;
    /// The server being tried or in use (empty before the first attempt).
    ServerUrl attemptedServer() const;
    void pumpUntil(std::chrono::steady_clock::time_point deadline,
                   const std::function<bool()>& done);

    const Options m_options;
    std::shared_ptr<ConnectionLink> m_link;
    std::unique_ptr<Handler> m_handler;
    Parser m_parser;
    EventJournal m_journal;

    // Connection thread only.
    QTcpSocket* m_socket = nullptr; ///< a QSslSocket when TLS is used
    QTimer* m_connectTimer = nullptr;
    QTimer* m_pingTimer = nullptr;
    QTimer* m_requestTimer = nullptr;
    QTimer* m_reconnectTimer = nullptr;
    QTimer* m_queueTimer = nullptr;
    QTimer* m_drainTimer = nullptr;
    qint64 m_drainDeadlineMs = 0;
    bool m_drainFlushed = false;
    QByteArray m_readBuf;
    WriteLedger m_ledger;
    /// Bytes the socket refused outright (write() on a socket already gone): never written.
    qint64 m_refusedBytes = 0;
    Phase m_phase = Phase::Idle;
    bool m_useTls = false;
    bool m_waitingForSocket = false;
    bool m_closing = false;
    bool m_inFeed = false;
    bool m_readStalled = false; ///< stallReading(): the socket is not read for now
    QString m_tlsErrorText;
    qint64 m_handshakePingNs = 0;
    QByteArray m_directHead; ///< writeDirect()'s control line, reused

    // Guarded by m_mu.
    mutable std::mutex m_mu;
    QList<QByteArray> m_prioritySubjectPrefixes; ///< see addPrioritySubjectPrefix()
    std::condition_variable m_stateCv;
    std::condition_variable m_roomCv;
    State m_state = State::Disconnected;
    WriteBuffer m_out;
    bool m_flushPosted = false;
    PingTracker m_pings;
    ServerInfo m_info;
    ServerPool m_pool;
    ReconnectPlan m_plan;
    OutboundQueue m_queue;
    quint64 m_published = 0; ///< accepted publishes, direct and queued
    quint64 m_sent = 0;      ///< written to the kernel straight from the write buffer
    /// Unwritten publishes the teardown of a socket could not fit in the outbound queue, not
    /// yet reported.
    int m_salvageDropped = 0;
    QDateTime m_connectedSince;
    QDateTime m_lastFailureAt;
    Error m_lastFailure; ///< unlike m_lastError, kept after a successful reconnect
    bool m_lameDuck = false;
    bool m_queueDropEpisode = false;
    bool m_queueRejectEpisode = false;
    /// Publishes may go to m_out: the socket is up and ready.
    bool m_writable = false;
    /// open() was called and doOpen() has not run yet: publishes are held for the connection.
    bool m_openPending = false;
    Error m_lastError;
    bool m_attemptFailed = false;
    SubscriptionPtr m_respSub; ///< the request muxer's reply subscription
    RequestMuxer m_muxer;      ///< thread-safe on its own (a leaf lock)

    // Serialises creating the muxer's reply subscription.
    std::mutex m_respMu;
    // Guarded by m_subsMu.
    mutable std::mutex m_subsMu;
    QHash<quint64, SubscriptionPtr> m_subs;
    quint64 m_nextSid = 0;

    // Lock-free: counters and probes read from any thread.
    std::atomic<quint64> m_inMsgs{0}, m_inBytes{0}, m_outMsgs{0}, m_outBytes{0};
    std::atomic<quint64> m_reconnects{0}, m_slowDrops{0}, m_serverErrors{0};
    std::atomic<qint64> m_rttUs{-1}, m_rttSmoothedUs{-1};
    std::atomic<Qt::HANDLE> m_ownerThread{nullptr};
    std::atomic<std::shared_ptr<metrics::WindowedHistogram>> m_rttProbe, m_requestProbe;
};

} // namespace jetdeck
