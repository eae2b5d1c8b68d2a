#pragma once

#include "core/base/error.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QThread>

#include <memory>

namespace jetdeck::faults {

/// Which way a toxic acts: client -> server (upstream), server -> client (downstream), or both.
enum class Direction { Upstream, Downstream, Both };
QString directionName(Direction d);
std::optional<Direction> directionFromName(QStringView name);

/// Toxiproxy's toxics, for NATS connections.
enum class ToxicKind {
    Latency,   ///< delay every chunk by latencyMs (+/- jitterMs)
    Bandwidth, ///< at most rateBytesPerSec
    Timeout,   ///< drop all data (a blackhole); close the connection after timeoutMs (0: never)
    ResetPeer, ///< reset the connection (TCP RST) after timeoutMs
    Slicer,    ///< split data into chunks of sliceBytes (+/- sliceVariation), sliceDelayUs apart
    LimitData, ///< close the connection once limitBytes went through
};
QString toxicKindName(ToxicKind k);
std::optional<ToxicKind> toxicKindFromName(QStringView name);

struct Toxic {
    QString name;
    ToxicKind kind = ToxicKind::Latency;
    Direction direction = Direction::Downstream;
    double toxicity = 1.0; ///< probability that a connection is affected, 0..1
    bool enabled = true;
    int latencyMs = 0;
    int jitterMs = 0;
    qint64 rateBytesPerSec = 0;
    int timeoutMs = 0;
    int sliceBytes = 0;
    int sliceVariation = 0;
    int sliceDelayUs = 0;
    qint64 limitBytes = 0;

    /// Checks the parameters its kind needs; the error names the field.
    Status validate() const;
    /// Its parameters in words: "100 ms ± 20 ms", "64.0 KiB/s", "close after 97.7 KiB".
    QString parameters() const;
    QJsonObject toJson() const;
    /// From {"name", "type", "stream": "upstream|downstream|both", "toxicity", "attributes":
    /// {...}} as Toxiproxy writes them; the error names the field.
    static Result<Toxic> fromJson(const QJsonObject& o);
};

/// What a toxic did so far.
struct ToxicStats {
    quint64 connections = 0; ///< connections it acted on
    quint64 bytes = 0;       ///< bytes it delayed, throttled, sliced, dropped or let through
    quint64 events = 0;      ///< closes and resets it caused
};

struct ProxyStats {
    quint64 connectionsTotal = 0;
    int connectionsOpen = 0;
    quint64 bytesUpstream = 0;   ///< delivered to the server
    quint64 bytesDownstream = 0; ///< delivered to the client
    quint64 refused = 0;         ///< connections refused while down or over the cap
    qint64 bufferedBytes = 0;    ///< held in the proxy now (delayed, throttled, unwritten)
    qint64 peakBufferedBytes = 0;
};

class Link;

/// A TCP proxy on 127.0.0.1 in front of one server: clients connect to it instead of the
/// server, and toxics act on what passes, per direction, each on a share of the connections
/// (toxicity), switched on and off live. Lives on one thread (its event loop forwards the
/// data); for traffic in the hundreds of MB/s give it a thread of its own.
class FaultProxy : public QObject {
    Q_OBJECT
public:
    FaultProxy(QString upstreamHost, quint16 upstreamPort, QObject* parent = nullptr);
    ~FaultProxy() override;

    /// Listens on 127.0.0.1:port (0 picks a free one).
    Status listen(quint16 port = 0);
    quint16 port() const { return m_port; }
    /// nats://127.0.0.1:PORT
    QString url() const;
    QString upstream() const;

    /// Adds a toxic (replacing one of the same name); it acts on new connections and, with its
    /// toxicity, on those open now.
    Status addToxic(const Toxic& toxic);
    bool removeToxic(const QString& name);
    bool setToxicEnabled(const QString& name, bool enabled);
    void clearToxics();
    QList<Toxic> toxics() const { return m_toxics; }
    ToxicStats toxicStats(const QString& name) const { return m_toxicStats.value(name); }

    /// Down: open connections are dropped and new ones refused, until set up again.
    /// Each direction of a connection holds at most this much (delayed, throttled or not yet
    /// written); beyond it the proxy stops reading that side, so a slow toxic slows the
    /// sender down instead of growing memory. At most maxConnections() links at once; more
    /// are refused.
    static constexpr qint64 kMaxBacklogBytes = 4 * 1024 * 1024;
    static constexpr int kDefaultMaxConnections = 256;
    void setMaxConnections(int n) { m_maxConnections = qMax(1, n); }
    int maxConnections() const { return m_maxConnections; }

    void setDown(bool down);
    bool isDown() const { return m_down; }
    /// Closes every open connection now (the clients see the server go away).
    void dropConnections();
    ProxyStats stats() const;

signals:
    void toxicsChanged();
    void downChanged(bool down);

private:
    friend class Link;
    void onNewConnection();
    void linkClosed(Link* link);
    ToxicStats& statsFor(const QString& name) { return m_toxicStats[name]; }

    QString m_host;
    quint16 m_upstreamPort;
    quint16 m_port = 0;
    QTcpServer* m_server; ///< a child, so it moves with the proxy to its thread
    bool m_down = false;
    QList<Toxic> m_toxics;
    QHash<QString, ToxicStats> m_toxicStats;
    QList<Link*> m_links;
    ProxyStats m_stats;
    int m_maxConnections = kDefaultMaxConnections;
};

/// A FaultProxy on a thread of its own (what the console and the tests use: a client that
/// blocks its thread, or a busy GUI thread, does not hold up the forwarding). Calls run on the
/// proxy's thread and wait for it.
class FaultProxyThread {
public:
    FaultProxyThread(const QString& upstreamHost, quint16 upstreamPort);
    ~FaultProxyThread();
    FaultProxyThread(const FaultProxyThread&) = delete;
    FaultProxyThread& operator=(const FaultProxyThread&) = delete;

    /// Runs f(proxy) on the proxy's thread and returns its result.
    template <typename F>
    auto call(F f) {
        using R = decltype(f(*m_proxy));
        if constexpr (std::is_void_v<R>) {
            QMetaObject::invokeMethod(
                m_proxy, [&] { f(*m_proxy); }, Qt::BlockingQueuedConnection);
        } else {
            R result{};
            QMetaObject::invokeMethod(
                m_proxy, [&] { result = f(*m_proxy); }, Qt::BlockingQueuedConnection);
            return result;
        }
    }

    Status listen(quint16 port = 0);
    QString url() const { return m_url; }
    quint16 port() const { return m_port; }
    Status addToxic(const Toxic& t) {
        return call([&](FaultProxy& p) { return p.addToxic(t); });
    }
    bool removeToxic(const QString& name) {
        return call([&](FaultProxy& p) { return p.removeToxic(name); });
    }
    bool setToxicEnabled(const QString& name, bool on) {
        return call([&](FaultProxy& p) { return p.setToxicEnabled(name, on); });
    }
    void setDown(bool down) {
        call([&](FaultProxy& p) { p.setDown(down); });
    }
    ToxicStats toxicStats(const QString& name) {
        return call([&](FaultProxy& p) { return p.toxicStats(name); });
    }
    ProxyStats stats() {
        return call([](FaultProxy& p) { return p.stats(); });
    }
    QList<Toxic> toxics() {
        return call([](FaultProxy& p) { return p.toxics(); });
    }
    /// The proxy itself, for connecting to its signals (queued: it lives on its thread).
    FaultProxy* proxy() const { return m_proxy; }

private:
    std::unique_ptr<QThread> m_thread;
    FaultProxy* m_proxy = nullptr;
    QString m_url;
    quint16 m_port = 0;
};

} // namespace jetdeck::faults
