#include "faultproxy.h"
#include "core/base/labels.h"
#include "core/logging/logging.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonValue>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <sys/socket.h>

namespace jetdeck::faults {

namespace {

Error invalid(const QString& text) {
    return Error{ErrorKind::InvalidArgument, text};
}

bool acts(Direction toxic, Direction pipe) {
    return toxic == Direction::Both || toxic == pipe;
}

/// Closes with a TCP RST rather than a FIN: SO_LINGER on, zero seconds.
void resetSocket(QTcpSocket* s) {
    if (s->socketDescriptor() >= 0) {
        struct linger l {
            1, 0
        };
        ::setsockopt(int(s->socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    s->abort();
}

} // namespace

QString directionName(Direction d) {
    switch (d) {
    case Direction::Upstream:
        return QStringLiteral("upstream");
    case Direction::Downstream:
        return QStringLiteral("downstream");
    case Direction::Both:
        return QStringLiteral("both");
    }
    return QStringLiteral("both");
}

std::optional<Direction> directionFromName(QStringView name) {
    if (name == u"upstream")
        return Direction::Upstream;
    if (name == u"downstream")
        return Direction::Downstream;
    if (name == u"both")
        return Direction::Both;
    return std::nullopt;
}

QString toxicKindName(ToxicKind k) {
    switch (k) {
    case ToxicKind::Latency:
        return QStringLiteral("latency");
    case ToxicKind::Bandwidth:
        return QStringLiteral("bandwidth");
    case ToxicKind::Timeout:
        return QStringLiteral("timeout");
    case ToxicKind::ResetPeer:
        return QStringLiteral("reset_peer");
    case ToxicKind::Slicer:
        return QStringLiteral("slicer");
    case ToxicKind::LimitData:
        return QStringLiteral("limit_data");
    }
    return {};
}

std::optional<ToxicKind> toxicKindFromName(QStringView name) {
    for (ToxicKind k : {ToxicKind::Latency, ToxicKind::Bandwidth, ToxicKind::Timeout,
                        ToxicKind::ResetPeer, ToxicKind::Slicer, ToxicKind::LimitData})
        if (toxicKindName(k) == name)
            return k;
    return std::nullopt;
}

QString Toxic::parameters() const {
    switch (kind) {
    case ToxicKind::Latency:
        return jitterMs > 0 ? QStringLiteral("%1 ms ± %2 ms").arg(latencyMs).arg(jitterMs)
                            : QStringLiteral("%1 ms").arg(latencyMs);
    case ToxicKind::Bandwidth:
        return bytesLabel(rateBytesPerSec) + QStringLiteral("/s");
    case ToxicKind::Timeout:
        return timeoutMs > 0 ? QStringLiteral("drop all, close after %1 ms").arg(timeoutMs)
                             : QStringLiteral("drop all, never close");
    case ToxicKind::ResetPeer:
        return QStringLiteral("reset after %1 ms").arg(timeoutMs);
    case ToxicKind::Slicer:
        return QStringLiteral("%1 ± %2 bytes, %3 µs apart")
            .arg(sliceBytes)
            .arg(sliceVariation)
            .arg(sliceDelayUs);
    case ToxicKind::LimitData:
        return QStringLiteral("close after %1").arg(bytesLabel(limitBytes));
    }
    return {};
}

Status Toxic::validate() const {
    if (name.trimmed().isEmpty())
        return invalid(QStringLiteral("toxic: give it a name"));
    if (!(toxicity >= 0.0 && toxicity <= 1.0))
        return invalid(QStringLiteral("toxic %1: toxicity must be 0..1").arg(name));
    switch (kind) {
    case ToxicKind::Latency:
        if (latencyMs < 0 || jitterMs < 0 || latencyMs > 600000 || jitterMs > latencyMs + 600000)
            return invalid(
                QStringLiteral("toxic %1: latency and jitter must be 0..600000 ms").arg(name));
        break;
    case ToxicKind::Bandwidth:
        if (rateBytesPerSec <= 0)
            return invalid(QStringLiteral("toxic %1: rate must be a positive number of bytes "
                                          "per second")
                               .arg(name));
        break;
    case ToxicKind::Timeout:
    case ToxicKind::ResetPeer:
        if (timeoutMs < 0)
            return invalid(QStringLiteral("toxic %1: timeout must be 0 or more ms").arg(name));
        break;
    case ToxicKind::Slicer:
        if (sliceBytes <= 0 || sliceVariation < 0 || sliceVariation >= sliceBytes ||
            sliceDelayUs < 0)
            return invalid(QStringLiteral("toxic %1: slicer needs average_size > 0, "
                                          "0 <= size_variation < average_size, delay >= 0")
                               .arg(name));
        break;
    case ToxicKind::LimitData:
        if (limitBytes <= 0)
            return invalid(QStringLiteral("toxic %1: bytes must be positive").arg(name));
        break;
    }
    return {};
}

QJsonObject Toxic::toJson() const {
    QJsonObject a;
    switch (kind) {
    case ToxicKind::Latency:
        a = {{QStringLiteral("latency"), latencyMs}, {QStringLiteral("jitter"), jitterMs}};
        break;
    case ToxicKind::Bandwidth:
        a = {{QStringLiteral("rate"), double(rateBytesPerSec) / 1024.0}}; // KB/s, as Toxiproxy
        break;
    case ToxicKind::Timeout:
    case ToxicKind::ResetPeer:
        a = {{QStringLiteral("timeout"), timeoutMs}};
        break;
    case ToxicKind::Slicer:
        a = {{QStringLiteral("average_size"), sliceBytes},
             {QStringLiteral("size_variation"), sliceVariation},
             {QStringLiteral("delay"), sliceDelayUs}};
        break;
    case ToxicKind::LimitData:
        a = {{QStringLiteral("bytes"), limitBytes}};
        break;
    }
    return {{QStringLiteral("name"), name},
            {QStringLiteral("type"), toxicKindName(kind)},
            {QStringLiteral("stream"), directionName(direction)},
            {QStringLiteral("toxicity"), toxicity},
            {QStringLiteral("enabled"), enabled},
            {QStringLiteral("attributes"), a}};
}

Result<Toxic> Toxic::fromJson(const QJsonObject& o) {
    Toxic t;
    t.name = o.value(QStringLiteral("name")).toString();
    const QString type = o.value(QStringLiteral("type")).toString();
    const auto kind = toxicKindFromName(type);
    if (!kind)
        return invalid(QStringLiteral("toxic %1: type '%2' is not one of latency, bandwidth, "
                                      "timeout, reset_peer, slicer, limit_data")
                           .arg(t.name, type));
    t.kind = *kind;
    const QString stream = o.value(QStringLiteral("stream")).toString(QStringLiteral("downstream"));
    const auto dir = directionFromName(stream);
    if (!dir)
        return invalid(QStringLiteral("toxic %1: stream '%2' is not upstream, downstream or both")
                           .arg(t.name, stream));
    t.direction = *dir;
    t.toxicity = o.value(QStringLiteral("toxicity")).toDouble(1.0);
    t.enabled = o.value(QStringLiteral("enabled")).toBool(true);
    const QJsonObject a = o.value(QStringLiteral("attributes")).toObject();
    auto num = [&](const char* key) { return a.value(QLatin1String(key)).toDouble(0); };
    t.latencyMs = int(num("latency"));
    t.jitterMs = int(num("jitter"));
    t.rateBytesPerSec = qint64(num("rate") * 1024.0);
    t.timeoutMs = int(num("timeout"));
    t.sliceBytes = int(num("average_size"));
    t.sliceVariation = int(num("size_variation"));
    t.sliceDelayUs = int(num("delay"));
    t.limitBytes = qint64(num("bytes"));
    if (Status s = t.validate(); !s.ok())
        return s;
    return t;
}

// --- one proxied connection ---------------------------------------------------------------

class Link : public QObject {
public:
    Link(FaultProxy* proxy, QTcpSocket* client)
        : QObject(proxy)
        , m_proxy(proxy)
        , m_client(client)
        , m_upstream(new QTcpSocket(this)) {
        m_client->setParent(this);
        m_clock.start();
        m_up.from = m_client;
        m_up.to = m_upstream;
        m_up.dir = Direction::Upstream;
        m_down.from = m_upstream;
        m_down.to = m_client;
        m_down.dir = Direction::Downstream;
        m_flush.setSingleShot(true);
        m_flush.setTimerType(Qt::PreciseTimer);
        connect(&m_flush, &QTimer::timeout, this, &Link::flush);
        connect(m_client, &QTcpSocket::readyRead, this, [this] { onData(m_up); });
        connect(m_upstream, &QTcpSocket::readyRead, this, [this] { onData(m_down); });
        // What the receiving side has written may make room to read from the sending side again.
        connect(m_upstream, &QTcpSocket::bytesWritten, this, [this] { maybeResume(m_up); });
        connect(m_client, &QTcpSocket::bytesWritten, this, [this] { maybeResume(m_down); });
        connect(m_upstream, &QTcpSocket::connected, this, &Link::flush);
        for (QTcpSocket* s : {m_client, m_upstream}) {
            connect(s, &QTcpSocket::disconnected, this, [this] { close(false); });
            connect(s, &QTcpSocket::errorOccurred, this, [this] { close(false); });
        }
        m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_upstream->connectToHost(m_proxy->m_host, m_proxy->m_upstreamPort);
        m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        toxicsChanged();
        if (m_client->bytesAvailable() > 0)
            onData(m_up);
    }

    /// Rolls the dice for toxics it has not seen, and arms or cancels the timed ones.
    void toxicsChanged() {
        QSet<QString> present;
        for (const Toxic& t : std::as_const(m_proxy->m_toxics)) {
            present.insert(t.name);
            if (!m_rolled.contains(t.name)) {
                m_rolled.insert(t.name);
                if (QRandomGenerator::global()->generateDouble() < t.toxicity) {
                    m_active.insert(t.name);
                    ++m_proxy->statsFor(t.name).connections;
                }
            }
            const bool timed = t.kind == ToxicKind::Timeout || t.kind == ToxicKind::ResetPeer;
            const bool live = t.enabled && m_active.contains(t.name);
            if (timed && live && !m_armed.contains(t.name) &&
                (t.kind == ToxicKind::ResetPeer || t.timeoutMs > 0)) {
                auto* timer = new QTimer(this);
                timer->setSingleShot(true);
                const QString name = t.name;
                const bool reset = t.kind == ToxicKind::ResetPeer;
                connect(timer, &QTimer::timeout, this, [this, name, reset] {
                    ++m_proxy->statsFor(name).events;
                    close(reset);
                });
                timer->start(t.timeoutMs);
                m_armed.insert(t.name, timer);
            } else if ((!timed || !live) && m_armed.contains(t.name)) {
                delete m_armed.take(t.name);
            }
        }
        for (auto it = m_armed.begin(); it != m_armed.end();) {
            if (!present.contains(it.key())) {
                delete it.value();
                it = m_armed.erase(it);
            } else {
                ++it;
            }
        }
        m_rolled.intersect(present);
        m_active.intersect(present);
    }

    void close(bool reset) {
        if (m_closed)
            return;
        m_closed = true;
        m_flush.stop();
        for (Pipe* p : {&m_up, &m_down}) {
            m_proxy->m_stats.bufferedBytes -= p->queuedBytes;
            p->queuedBytes = 0;
        }
        for (QTcpSocket* s : {m_client, m_upstream}) {
            s->disconnect(this);
            if (reset)
                resetSocket(s);
            else
                s->abort();
        }
        m_proxy->linkClosed(this);
    }

private:
    struct Pipe {
        QTcpSocket* from = nullptr;
        QTcpSocket* to = nullptr;
        Direction dir = Direction::Upstream;
        std::deque<std::pair<qint64, QByteArray>> queue; ///< (due, data), due ascending
        qint64 lastDueNs = 0;
        qint64 bytesSeen = 0;
        qint64 queuedBytes = 0; ///< in `queue`
        bool closeWhenFlushed = false;
        bool paused = false; ///< `from` is not read until the backlog drains
    };

    qint64 backlog(const Pipe& p) const { return p.queuedBytes + p.to->bytesToWrite(); }

    void maybeResume(Pipe& p) {
        if (!p.paused || m_closed || backlog(p) > FaultProxy::kMaxBacklogBytes / 2)
            return;
        p.paused = false;
        p.from->setReadBufferSize(0);
        onData(p);
    }

    void onData(Pipe& p) {
        if (m_closed)
            return;
        // Bounded: past the backlog limit, leave the rest in the socket; Qt then stops reading
        // the kernel, whose window closes, and the sender waits.
        const qint64 room = FaultProxy::kMaxBacklogBytes - backlog(p);
        if (room <= 0) {
            if (!p.paused) {
                p.paused = true;
                p.from->setReadBufferSize(64 * 1024);
            }
            return;
        }
        QByteArray data = p.from->read(qMin(room, qMax<qint64>(p.from->bytesAvailable(), 1)));
        if (data.isEmpty())
            return;
        if (p.from->bytesAvailable() > 0 && !p.paused) {
            p.paused = true;
            p.from->setReadBufferSize(64 * 1024);
        }
        const qint64 now = m_clock.nsecsElapsed();
        qint64 delayNs = 0, rate = 0;
        int slice = 0, variation = 0, sliceDelayUs = 0;
        for (const Toxic& t : std::as_const(m_proxy->m_toxics)) {
            if (!t.enabled || !m_active.contains(t.name) || !acts(t.direction, p.dir))
                continue;
            ToxicStats& st = m_proxy->statsFor(t.name);
            switch (t.kind) {
            case ToxicKind::Timeout:
                st.bytes += quint64(data.size()); // swallowed
                return;
            case ToxicKind::ResetPeer:
                break; // its timer does the work
            case ToxicKind::LimitData: {
                const qint64 room = t.limitBytes - p.bytesSeen;
                if (data.size() >= room) {
                    data.truncate(qMax<qint64>(0, room));
                    if (!p.closeWhenFlushed)
                        ++st.events;
                    p.closeWhenFlushed = true;
                }
                st.bytes += quint64(data.size());
                break;
            }
            case ToxicKind::Latency: {
                qint64 ms = t.latencyMs;
                if (t.jitterMs > 0)
                    ms += QRandomGenerator::global()->bounded(-t.jitterMs, t.jitterMs + 1);
                delayNs += qMax<qint64>(0, ms) * 1000000;
                st.bytes += quint64(data.size());
                break;
            }
            case ToxicKind::Bandwidth:
                rate = rate > 0 ? qMin(rate, t.rateBytesPerSec) : t.rateBytesPerSec;
                st.bytes += quint64(data.size());
                break;
            case ToxicKind::Slicer:
                slice = t.sliceBytes;
                variation = t.sliceVariation;
                sliceDelayUs = t.sliceDelayUs;
                st.bytes += quint64(data.size());
                break;
            }
        }
        p.bytesSeen += data.size();
        QList<QByteArray> pieces;
        if (slice > 0) {
            for (qsizetype at = 0; at < data.size();) {
                int n = slice;
                if (variation > 0)
                    n += QRandomGenerator::global()->bounded(-variation, variation + 1);
                n = qMax(1, n);
                pieces.append(data.mid(at, n));
                at += n;
            }
        } else if (!data.isEmpty()) {
            pieces.append(data);
        }
        for (qsizetype i = 0; i < pieces.size(); ++i) {
            qint64 due = qMax(now + delayNs, p.lastDueNs);
            if (i > 0)
                due = qMax(due, p.lastDueNs + qint64(sliceDelayUs) * 1000);
            if (rate > 0)
                due += qint64(double(pieces[i].size()) * 1e9 / double(rate));
            p.lastDueNs = due;
            p.queuedBytes += pieces[i].size();
            m_proxy->m_stats.bufferedBytes += pieces[i].size();
            p.queue.emplace_back(due, pieces[i]);
        }
        m_proxy->m_stats.peakBufferedBytes =
            qMax(m_proxy->m_stats.peakBufferedBytes, m_proxy->m_stats.bufferedBytes);
        flush();
    }

    void flushPipe(Pipe& p, qint64 now, qint64* next) {
        const bool ready = p.to->state() == QAbstractSocket::ConnectedState;
        while (ready && !p.queue.empty() && p.queue.front().first <= now) {
            const QByteArray& d = p.queue.front().second;
            p.to->write(d);
            if (p.dir == Direction::Upstream)
                m_proxy->m_stats.bytesUpstream += quint64(d.size());
            else
                m_proxy->m_stats.bytesDownstream += quint64(d.size());
            p.queuedBytes -= d.size();
            m_proxy->m_stats.bufferedBytes -= d.size();
            p.queue.pop_front();
        }
        maybeResume(p);
        if (!p.queue.empty())
            *next = qMin(*next, p.queue.front().first);
    }

    void flush() {
        if (m_closed)
            return;
        const qint64 now = m_clock.nsecsElapsed();
        qint64 next = std::numeric_limits<qint64>::max();
        flushPipe(m_up, now, &next);
        flushPipe(m_down, now, &next);
        for (Pipe* p : {&m_up, &m_down})
            if (p->closeWhenFlushed && p->queue.empty()) {
                p->to->flush();
                close(false);
                return;
            }
        if (next != std::numeric_limits<qint64>::max())
            m_flush.start(int(qMax<qint64>(0, (next - now + 999999) / 1000000)));
    }

    FaultProxy* m_proxy;
    QTcpSocket* m_client;
    QTcpSocket* m_upstream;
    Pipe m_up, m_down;
    QSet<QString> m_rolled, m_active;
    QHash<QString, QTimer*> m_armed;
    QTimer m_flush;
    QElapsedTimer m_clock;
    bool m_closed = false;
};

// --- the proxy ----------------------------------------------------------------------------

FaultProxy::FaultProxy(QString upstreamHost, quint16 upstreamPort, QObject* parent)
    : QObject(parent)
    , m_host(std::move(upstreamHost))
    , m_upstreamPort(upstreamPort)
    , m_server(new QTcpServer(this)) {
    connect(m_server, &QTcpServer::newConnection, this, &FaultProxy::onNewConnection);
}

FaultProxy::~FaultProxy() {
    dropConnections();
}

Status FaultProxy::listen(quint16 port) {
    if (m_server->isListening())
        m_server->close();
    if (!m_server->listen(QHostAddress::LocalHost, port))
        return Error{ErrorKind::Io, QStringLiteral("fault proxy: cannot listen on 127.0.0.1:%1: %2")
                                        .arg(port)
                                        .arg(m_server->errorString())};
    m_port = m_server->serverPort();
    qCInfo(lcFaults).noquote()
        << QStringLiteral("fault proxy %1 in front of %2").arg(url(), upstream());
    return {};
}

QString FaultProxy::url() const {
    return QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
}

QString FaultProxy::upstream() const {
    return QStringLiteral("%1:%2").arg(m_host).arg(m_upstreamPort);
}

void FaultProxy::onNewConnection() {
    while (QTcpSocket* s = m_server->nextPendingConnection()) {
        if (m_down || m_links.size() >= m_maxConnections) {
            if (!m_down && m_stats.refused % 100 == 0)
                qCWarning(lcFaults).noquote()
                    << QStringLiteral("fault proxy %1: %2 connections open, refusing more")
                           .arg(url())
                           .arg(m_links.size());
            ++m_stats.refused;
            s->abort();
            s->deleteLater();
            continue;
        }
        ++m_stats.connectionsTotal;
        m_links.append(new Link(this, s));
    }
}

void FaultProxy::linkClosed(Link* link) {
    if (m_links.removeOne(link))
        link->deleteLater();
}

Status FaultProxy::addToxic(const Toxic& toxic) {
    if (Status s = toxic.validate(); !s.ok())
        return s;
    bool replaced = false;
    for (Toxic& t : m_toxics)
        if (t.name == toxic.name) {
            t = toxic;
            replaced = true;
        }
    if (!replaced)
        m_toxics.append(toxic);
    qCInfo(lcFaults).noquote() << QStringLiteral("fault proxy %1: toxic %2 (%3, %4) added")
                                      .arg(url(), toxic.name, toxicKindName(toxic.kind),
                                           directionName(toxic.direction));
    for (Link* l : std::as_const(m_links))
        l->toxicsChanged();
    emit toxicsChanged();
    return {};
}

bool FaultProxy::removeToxic(const QString& name) {
    const auto n = m_toxics.removeIf([&](const Toxic& t) { return t.name == name; });
    if (n == 0)
        return false;
    qCInfo(lcFaults).noquote()
        << QStringLiteral("fault proxy %1: toxic %2 removed").arg(url(), name);
    for (Link* l : std::as_const(m_links))
        l->toxicsChanged();
    emit toxicsChanged();
    return true;
}

bool FaultProxy::setToxicEnabled(const QString& name, bool enabled) {
    for (Toxic& t : m_toxics)
        if (t.name == name) {
            t.enabled = enabled;
            for (Link* l : std::as_const(m_links))
                l->toxicsChanged();
            emit toxicsChanged();
            return true;
        }
    return false;
}

void FaultProxy::clearToxics() {
    m_toxics.clear();
    for (Link* l : std::as_const(m_links))
        l->toxicsChanged();
    emit toxicsChanged();
}

void FaultProxy::setDown(bool down) {
    if (down == m_down)
        return;
    m_down = down;
    qCInfo(lcFaults).noquote() << QStringLiteral("fault proxy %1 %2")
                                      .arg(url(),
                                           down ? QStringLiteral("down") : QStringLiteral("up"));
    if (down) {
        m_server->close(); // new connections are refused by the kernel
        dropConnections();
    } else if (m_port != 0) {
        m_server->listen(QHostAddress::LocalHost, m_port);
    }
    emit downChanged(down);
}

void FaultProxy::dropConnections() {
    const QList<Link*> links = m_links;
    for (Link* l : links)
        l->close(false);
}

ProxyStats FaultProxy::stats() const {
    ProxyStats s = m_stats;
    s.connectionsOpen = int(m_links.size());
    return s;
}

FaultProxyThread::FaultProxyThread(const QString& upstreamHost, quint16 upstreamPort)
    : m_thread(std::make_unique<QThread>()) {
    m_thread->setObjectName(QStringLiteral("fault-proxy"));
    m_proxy = new FaultProxy(upstreamHost, upstreamPort);
    m_proxy->moveToThread(m_thread.get());
    m_thread->start();
}

FaultProxyThread::~FaultProxyThread() {
    // Deleted on its own thread, where its sockets live.
    QMetaObject::invokeMethod(
        m_proxy, [p = m_proxy] { delete p; }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
}

Status FaultProxyThread::listen(quint16 port) {
    const Status s = call([&](FaultProxy& p) { return p.listen(port); });
    if (s.ok()) {
        m_port = call([](FaultProxy& p) { return p.port(); });
        m_url = QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
    }
    return s;
}

} // namespace jetdeck::faults
