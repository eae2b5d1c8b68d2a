#pragma once

// A scripted fake NATS server for what a real nats-server cannot be made to do: odd or broken
// INFO, -ERR at chosen moments, frames cut into pieces or injected where no server would put
// them, silence, a server that stops reading. Shared by the suites that need one.
//
// The fake server runs on a thread of its own, so blocking client calls on the test's thread
// (connectSync, requestSync, flushSync, Subscription::next) never stall it.

#include "tests/support/testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>

namespace jetdeck::test {

/// One operation the client sent, as the fake server parsed it.
struct ClientOp {
    QByteArray op;      ///< upper case: CONNECT, PING, PONG, SUB, UNSUB, PUB, HPUB...
    QByteArray args;    ///< the rest of the control line, trimmed
    QByteArray payload; ///< PUB/HPUB: header block + payload
};

/// A fake NATS server on 127.0.0.1:<ephemeral> that serves one client at a time.
///
/// Script (thread-safe, set before or while the client talks to it): the INFO sent on accept
/// (optionally in pieces with delays), the answer to the handshake's CONNECT+PING (PONG, an
/// -ERR, or nothing), whether later PINGs get a PONG, whether requests get a 503 reply.
/// Actions (thread-safe, run in order on the server's thread): write bytes, write them in
/// pieces with delays, close the client's socket. Records: every byte and every operation the
/// client sent, the subscriptions it made.
class FakeNatsServer {
public:
    FakeNatsServer()
        : m_thread(std::make_unique<QThread>()) {
        m_thread->setObjectName(QStringLiteral("fake-nats"));
        m_home = new QObject;
        m_home->moveToThread(m_thread.get());
        QObject::connect(m_thread.get(), &QThread::finished, m_home, &QObject::deleteLater);
        m_thread->start();
        QMetaObject::invokeMethod(
            m_home,
            [this] {
                m_tcp = new QTcpServer(m_home);
                QObject::connect(m_tcp, &QTcpServer::newConnection, m_home,
                                 [this] { onNewConnection(); });
                if (m_tcp->listen(QHostAddress::LocalHost, 0))
                    m_port = m_tcp->serverPort();
            },
            Qt::BlockingQueuedConnection);
        std::lock_guard lock(m_mu);
        m_script.info = standardInfo();
    }

    ~FakeNatsServer() {
        QMetaObject::invokeMethod(
            m_home,
            [this] {
                if (m_client)
                    m_client->disconnect(m_home);
                delete m_client;
                m_client = nullptr;
                delete m_tcp;
                m_tcp = nullptr;
                m_queue.clear();
            },
            Qt::BlockingQueuedConnection);
        m_thread->quit();
        m_thread->wait();
    }

    FakeNatsServer(const FakeNatsServer&) = delete;
    FakeNatsServer& operator=(const FakeNatsServer&) = delete;

    bool isListening() const { return m_port != 0; }
    quint16 port() const { return m_port; }
    QString hostPort() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    /// nats://[userInfo@]127.0.0.1:port
    QString url(const QString& userInfo = {}) const {
        return QStringLiteral("nats://") +
               (userInfo.isEmpty() ? QString() : userInfo + QLatin1Char('@')) + hostPort();
    }

    /// An INFO line like nats-server's, with `extra` (",\"k\":v...") appended to the object.
    QByteArray standardInfo(const QByteArray& extra = {}, bool headers = true) const {
        return QByteArrayLiteral("INFO {\"server_id\":\"NFAKESERVER\",\"server_name\":\"fake\","
                                 "\"version\":\"2.10.99\",\"proto\":1,\"go\":\"go1.22\","
                                 "\"host\":\"127.0.0.1\",\"port\":") +
               QByteArray::number(m_port) +
               (headers ? QByteArrayLiteral(",\"headers\":true") : QByteArray()) +
               QByteArrayLiteral(",\"max_payload\":1048576,\"client_id\":7") + extra +
               QByteArrayLiteral("}\r\n");
    }

    // --- script ----------------------------------------------------------------------------
    /// What is sent on accept: `firstPiece` bytes, then `chunk`-byte pieces (0: the rest in
    /// one write), `delayMs` apart. An empty line sends nothing.
    void setInfo(const QByteArray& line, int firstPiece = 0, int chunk = 0, int delayMs = 0) {
        std::lock_guard lock(m_mu);
        m_script.info = line;
        m_script.infoFirstPiece = firstPiece;
        m_script.infoChunk = chunk;
        m_script.infoDelayMs = delayMs;
    }
    /// Sent when the handshake's PING (after CONNECT) arrives; empty: never answer.
    void setHandshakeReply(const QByteArray& bytes, bool closeAfter = false) {
        std::lock_guard lock(m_mu);
        m_script.handshakeReply = bytes;
        m_script.closeAfterHandshakeReply = closeAfter;
    }
    /// Whether PINGs after the handshake get a PONG (default yes).
    void setAnswerPings(bool on) {
        std::lock_guard lock(m_mu);
        m_script.answerPings = on;
    }
    /// Answer every PUB/HPUB with a reply subject by a 503 status (no responders).
    void setReplyNoResponders(bool on) {
        std::lock_guard lock(m_mu);
        m_script.noResponders = on;
    }

    // --- actions ---------------------------------------------------------------------------
    void write(const QByteArray& bytes) { writePieces(bytes, 0, 0); }
    /// Writes `bytes` as `firstPiece` bytes, then `chunk`-byte pieces, `delayMs` apart.
    void writePieces(const QByteArray& bytes, int chunk, int delayMs, int firstPiece = 0) {
        const auto pieces = split(bytes, firstPiece, chunk, delayMs);
        QMetaObject::invokeMethod(m_home, [this, pieces] { enqueue(pieces); });
    }
    /// Queues `bytes` for writing `delayMs` from now (while the test's thread may be blocked).
    void writeLater(const QByteArray& bytes, int delayMs) {
        QMetaObject::invokeMethod(m_home, [this, bytes, delayMs] {
            QTimer::singleShot(delayMs, Qt::PreciseTimer, m_home, [this, bytes] {
                enqueue({Piece{bytes, 0, false}});
            });
        });
    }
    /// Stops (false) or resumes (true) reading what the client sends: the kernel's buffers fill
    /// up and the client's writes back up in its own socket, as with a server that is stuck.
    void setReading(bool on) {
        QMetaObject::invokeMethod(
            m_home,
            [this, on] {
                m_readPaused = !on;
                if (!m_client)
                    return;
                m_client->setReadBufferSize(on ? 0 : 4096);
                if (on)
                    onReadyRead(m_client);
            },
            Qt::BlockingQueuedConnection);
    }
    /// Closes the client's socket (after what was queued before has been written).
    void closeClient() {
        QMetaObject::invokeMethod(m_home, [this] { enqueue({Piece{{}, 0, true}}); });
    }

    // --- records ---------------------------------------------------------------------------
    QByteArray received() const {
        std::lock_guard lock(m_mu);
        return m_received;
    }
    QList<ClientOp> ops() const {
        std::lock_guard lock(m_mu);
        return m_ops;
    }
    int count(QByteArrayView op) const {
        std::lock_guard lock(m_mu);
        return int(std::count_if(m_ops.cbegin(), m_ops.cend(),
                                 [&](const ClientOp& o) { return o.op == op; }));
    }
    int connections() const {
        std::lock_guard lock(m_mu);
        return m_connections;
    }
    /// The JSON of the last CONNECT, empty when none came.
    QJsonObject connectJson() const {
        std::lock_guard lock(m_mu);
        for (auto it = m_ops.crbegin(); it != m_ops.crend(); ++it)
            if (it->op == "CONNECT")
                return QJsonDocument::fromJson(it->args).object();
        return {};
    }
    QByteArray connectArgs() const {
        std::lock_guard lock(m_mu);
        for (auto it = m_ops.crbegin(); it != m_ops.crend(); ++it)
            if (it->op == "CONNECT")
                return it->args;
        return {};
    }
    /// The sid the client gave its subscription on `subject`, 0 when there is none (yet).
    quint64 sidFor(QByteArrayView subject) const {
        std::lock_guard lock(m_mu);
        for (const auto& s : m_subs)
            if (s.first == subject)
                return s.second;
        return 0;
    }

private:
    struct Script {
        QByteArray info;
        int infoFirstPiece = 0;
        int infoChunk = 0;
        int infoDelayMs = 0;
        QByteArray handshakeReply = QByteArrayLiteral("PONG\r\n");
        bool closeAfterHandshakeReply = false;
        bool answerPings = true;
        bool noResponders = false;
    };
    struct Piece {
        QByteArray data;
        int delayMs = 0; ///< pause after this piece
        bool close = false;
    };

    static QList<Piece> split(const QByteArray& bytes, int firstPiece, int chunk, int delayMs) {
        QList<Piece> out;
        qsizetype pos = 0;
        if (firstPiece > 0 && firstPiece < bytes.size()) {
            out.append(Piece{bytes.first(firstPiece), delayMs, false});
            pos = firstPiece;
        }
        while (pos < bytes.size()) {
            const qsizetype n =
                chunk > 0 ? qMin<qsizetype>(chunk, bytes.size() - pos) : bytes.size() - pos;
            out.append(Piece{bytes.sliced(pos, n), delayMs, false});
            pos += n;
        }
        return out;
    }

    // Everything below runs on the server's thread.
    void onNewConnection() {
        while (QTcpSocket* s = m_tcp->nextPendingConnection()) {
            if (m_client) {
                m_client->disconnect(m_home);
                m_client->abort();
                m_client->deleteLater();
            }
            m_client = s;
            m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            if (m_readPaused)
                m_client->setReadBufferSize(4096);
            m_in.clear();
            m_queue.clear();
            m_sawConnect = false;
            m_handshakeDone = false;
            QObject::connect(s, &QTcpSocket::readyRead, m_home, [this, s] { onReadyRead(s); });
            QObject::connect(s, &QTcpSocket::disconnected, m_home, [this, s] {
                if (m_client == s) {
                    m_client = nullptr;
                    m_queue.clear();
                }
                s->deleteLater();
            });
            QList<Piece> info;
            {
                std::lock_guard lock(m_mu);
                ++m_connections;
                info = split(m_script.info, m_script.infoFirstPiece, m_script.infoChunk,
                             m_script.infoDelayMs);
            }
            enqueue(info);
        }
    }

    void enqueue(const QList<Piece>& pieces) {
        for (const Piece& p : pieces)
            m_queue.push_back(p);
        pump();
    }

    void pump() {
        if (m_pausing)
            return;
        while (!m_queue.empty()) {
            if (!m_client) {
                m_queue.clear();
                return;
            }
            const Piece p = m_queue.front();
            m_queue.pop_front();
            if (p.close) {
                m_client->disconnectFromHost();
                continue;
            }
            m_client->write(p.data);
            m_client->flush();
            if (p.delayMs > 0 && !m_queue.empty()) {
                m_pausing = true;
                QTimer::singleShot(p.delayMs, Qt::PreciseTimer, m_home, [this] {
                    m_pausing = false;
                    pump();
                });
                return;
            }
        }
    }

    void onReadyRead(QTcpSocket* s) {
        if (m_readPaused && s == m_client)
            return;
        const QByteArray data = s->readAll();
        if (s != m_client)
            return;
        {
            std::lock_guard lock(m_mu);
            m_received.append(data);
        }
        m_in.append(data);
        // Parsed from a moving position, the buffer trimmed once at the end: a large burst of
        // frames costs its length, not its length times the number of frames.
        qsizetype pos = 0;
        while (true) {
            const qsizetype eol = m_in.indexOf("\r\n", pos);
            if (eol < 0)
                break;
            const QByteArray line = m_in.sliced(pos, eol - pos);
            qsizetype opEnd = 0;
            while (opEnd < line.size() && line[opEnd] != ' ' && line[opEnd] != '\t')
                ++opEnd;
            ClientOp op{line.first(opEnd).toUpper(), line.sliced(opEnd).trimmed(), {}};
            qsizetype next = eol + 2;
            if (op.op == "PUB" || op.op == "HPUB") {
                const QList<QByteArray> f = op.args.simplified().split(' ');
                const qsizetype size = f.isEmpty() ? 0 : f.last().toLongLong();
                if (m_in.size() < next + size + 2)
                    break; // the payload is not complete yet
                op.payload = m_in.sliced(next, size);
                next += size + 2;
            }
            pos = next;
            {
                std::lock_guard lock(m_mu);
                m_ops.append(op);
                if (op.op == "SUB") {
                    const QList<QByteArray> f = op.args.simplified().split(' ');
                    if (f.size() >= 2)
                        m_subs.append({f.first(), f.last().toULongLong()});
                }
            }
            react(op);
            if (s != m_client)
                return; // react() replaced the connection
        }
        m_in.remove(0, pos);
    }

    void react(const ClientOp& op) {
        Script script;
        {
            std::lock_guard lock(m_mu);
            script = m_script;
        }
        if (op.op == "CONNECT") {
            m_sawConnect = true;
        } else if (op.op == "PING") {
            if (m_sawConnect && !m_handshakeDone) {
                m_handshakeDone = true;
                QList<Piece> reply;
                if (!script.handshakeReply.isEmpty())
                    reply.append(Piece{script.handshakeReply, 0, false});
                if (script.closeAfterHandshakeReply)
                    reply.append(Piece{{}, 0, true});
                enqueue(reply);
            } else if (script.answerPings) {
                enqueue({Piece{QByteArrayLiteral("PONG\r\n"), 0, false}});
            }
        } else if ((op.op == "PUB" || op.op == "HPUB") && script.noResponders) {
            const QList<QByteArray> f = op.args.simplified().split(' ');
            // PUB <subject> <reply> <size> / HPUB <subject> <reply> <hdr size> <total size>
            if (f.size() != (op.op == "PUB" ? 3 : 4))
                return;
            const QByteArray reply = f[1];
            quint64 sid = 0;
            {
                std::lock_guard lock(m_mu);
                for (const auto& s : m_subs)
                    if (subjectMatches(s.first, reply))
                        sid = s.second;
            }
            if (sid == 0)
                return;
            const QByteArray hdr = QByteArrayLiteral("NATS/1.0 503\r\n\r\n");
            enqueue(
                {Piece{QByteArrayLiteral("HMSG ") + reply + ' ' + QByteArray::number(sid) + ' ' +
                           QByteArray::number(hdr.size()) + ' ' + QByteArray::number(hdr.size()) +
                           QByteArrayLiteral("\r\n") + hdr + QByteArrayLiteral("\r\n"),
                       0, false}});
        }
    }

    static bool subjectMatches(const QByteArray& filter, const QByteArray& subject) {
        const QList<QByteArray> f = filter.split('.');
        const QList<QByteArray> s = subject.split('.');
        for (qsizetype i = 0; i < f.size(); ++i) {
            if (f[i] == ">")
                return s.size() > i;
            if (i >= s.size() || (f[i] != "*" && f[i] != s[i]))
                return false;
        }
        return f.size() == s.size();
    }

    std::unique_ptr<QThread> m_thread;
    QObject* m_home = nullptr;
    quint16 m_port = 0;

    // Server thread only.
    QTcpServer* m_tcp = nullptr;
    QTcpSocket* m_client = nullptr;
    QByteArray m_in;
    std::deque<Piece> m_queue;
    bool m_pausing = false;
    bool m_readPaused = false;
    bool m_sawConnect = false;
    bool m_handshakeDone = false;

    // Guarded by m_mu.
    mutable std::mutex m_mu;
    Script m_script;
    QByteArray m_received;
    QList<ClientOp> m_ops;
    QList<QPair<QByteArray, quint64>> m_subs;
    int m_connections = 0;
};

/// Collects a connection's signals on the test's thread (queued from the connection's).
class SignalLog : public QObject {
public:
    explicit SignalLog(Connection* c) {
        connect(c, &Connection::errorOccurred, this, [this](const Error& e) { errors.append(e); });
        connect(c, &Connection::stateChanged, this,
                [this](ConnectionState s) { states.append(s); });
        connect(c, &Connection::serverInfoChanged, this, [this] { ++infoChanges; });
    }
    QList<Error> errors;
    QList<ConnectionState> states;
    int infoChanges = 0;
};

inline Options optionsForFake(const FakeNatsServer& server, const QString& userInfo = {}) {
    Options o = optionsFor(server.url(userInfo));
    o.connectTimeoutMs = 2000;
    // These tests look at one connection's handshake and frames; reconnecting to the fake
    // server would blur that (tst_resilience covers reconnects against real servers).
    o.allowReconnect = false;
    return o;
}

/// `MSG`/`HMSG` as the server writes it.
inline QByteArray msgFrame(const QByteArray& subject, quint64 sid, const QByteArray& reply,
                           const QByteArray& headerBlock, const QByteArray& payload) {
    QByteArray f = headerBlock.isEmpty() ? QByteArrayLiteral("MSG ") : QByteArrayLiteral("HMSG ");
    f += subject + ' ' + QByteArray::number(sid) + ' ';
    if (!reply.isEmpty())
        f += reply + ' ';
    if (!headerBlock.isEmpty())
        f += QByteArray::number(headerBlock.size()) + ' ';
    f += QByteArray::number(headerBlock.size() + payload.size()) + QByteArrayLiteral("\r\n") +
         headerBlock + payload + QByteArrayLiteral("\r\n");
    return f;
}

inline bool hasEvent(const Connection* c, ConnectionEvent::Kind kind,
                     ConnectionEvent* found = nullptr) {
    const auto events = c->events();
    for (const ConnectionEvent& e : events)
        if (e.kind == kind) {
            if (found)
                *found = e;
            return true;
        }
    return false;
}

} // namespace jetdeck::test
