#include "faultinjector.h"

#include "core/client/connection.h"
#include "core/client/serverurl.h"
#include "core/demo/natsserverprocess.h"
#include "core/faults/consumerfaults.h"
#include "core/faults/faultproxy.h"
#include "core/logging/logging.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

namespace jetdeck::faults {

namespace {

Error invalid(const QString& message) {
    return Error{ErrorKind::InvalidArgument, message};
}

/// "proxy: latency toxic slow (downstream, 100 ms, 100 % of connections)".
QString toxicText(const Toxic& t) {
    return QStringLiteral("proxy: %1 toxic %2 (%3, %4, %5 % of connections)")
        .arg(toxicKindName(t.kind), t.name, directionName(t.direction), t.parameters())
        .arg(t.toxicity * 100.0, 0, 'f', 0);
}

} // namespace

FaultInjector::FaultInjector(QObject* parent)
    : QObject(parent)
    , m_expiry(new QTimer(this)) {
    m_expiry->setSingleShot(true);
    m_expiry->setTimerType(Qt::PreciseTimer); // a fault of 1500 ms ends then, not 75 ms later
    connect(m_expiry, &QTimer::timeout, this, &FaultInjector::expire);
}

FaultInjector::~FaultInjector() = default;

void FaultInjector::setConnection(Connection* c, std::shared_ptr<const void> owner) {
    m_conn = c;
    m_connOwner = std::move(owner);
}

void FaultInjector::setConsumerConnection(std::function<Result<Connection*>()> get) {
    m_consumerConn = std::move(get);
}

void FaultInjector::setServers(const QList<NatsServerProcess*>& servers) {
    m_servers = servers;
}

void FaultInjector::setWait(js::Pause pause) {
    m_wait = std::move(pause);
}

// --- the proxy ------------------------------------------------------------------------------

Status FaultInjector::startProxy(const ServerUrl& upstream) {
    if (m_proxy)
        return invalid(QStringLiteral("a fault proxy is already running (%1)").arg(proxyUrl()));
    auto proxy = std::make_unique<FaultProxyThread>(upstream.host, upstream.port);
    if (Status s = proxy->listen(); !s.ok())
        return s;
    m_proxy = std::move(proxy);
    return {};
}

void FaultInjector::stopProxy() {
    QStringList inProxy;
    for (const Active& a : std::as_const(m_active))
        if (a.kind == FaultKind::Toxic || a.kind == FaultKind::ProxyDown)
            inProxy << a.name;
    for (const QString& n : std::as_const(inProxy))
        clearOne(n);
    m_proxy.reset();
}

QString FaultInjector::proxyUrl() const {
    return m_proxy ? m_proxy->url() : QString();
}

bool FaultInjector::setToxicEnabled(const QString& name, bool enabled) {
    if (!m_proxy || !m_proxy->setToxicEnabled(name, enabled))
        return false;
    emit faultEvent(enabled ? QStringLiteral("proxy: toxic %1 on").arg(name)
                            : QStringLiteral("proxy: toxic %1 off").arg(name),
                    enabled);
    return true;
}

// --- starting -------------------------------------------------------------------------------

FaultInjector::Starter FaultInjector::starterOf(FaultKind kind) {
    switch (kind) {
    case FaultKind::Toxic:
        return &FaultInjector::startToxic;
    case FaultKind::ProxyDown:
        return &FaultInjector::startProxyDown;
    case FaultKind::Disconnect:
        return &FaultInjector::startDisconnect;
    case FaultKind::StallReading:
        return &FaultInjector::startStall;
    case FaultKind::MalformedLine:
        return &FaultInjector::startMalformed;
    case FaultKind::KillServer:
        return &FaultInjector::startKill;
    case FaultKind::RestartServer:
        return &FaultInjector::startRestart;
    case FaultKind::LameDuck:
        return &FaultInjector::startLameDuck;
    case FaultKind::StreamLeaderStepDown:
    case FaultKind::ConsumerLeaderStepDown:
    case FaultKind::WithholdAcks:
    case FaultKind::NakBurst:
    case FaultKind::Term:
        return &FaultInjector::startJetStream;
    }
    return &FaultInjector::startJetStream;
}

Status FaultInjector::checkTarget(const FaultSpec& f) const {
    if ((f.kind == FaultKind::Toxic || f.kind == FaultKind::ProxyDown) && !m_proxy)
        return invalid(QStringLiteral("%1 acts in the fault proxy: route the connection through "
                                      "one first")
                           .arg(f.name.isEmpty() ? faultKindName(f.kind) : f.name));
    if (!f.isServerFault() && !m_conn)
        return invalid(QStringLiteral("%1 needs a connection").arg(f.title()));
    return {};
}

Result<FaultOutcome> FaultInjector::start(const FaultSpec& spec) {
    if (Status s = checkTarget(spec); !s.ok())
        return s;
    // A fault in force of the same name ends before its replacement starts.
    if (spec.lasts() && isActive(spec.name))
        clearOne(spec.name);
    Active active;
    active.name = spec.name;
    active.kind = spec.kind;
    if (spec.durationMs > 0) // counted from the moment it starts
        active.ends.setRemainingTime(spec.durationMs);
    auto started = (this->*starterOf(spec.kind))(spec, &active);
    if (!started)
        return started;
    const FaultOutcome& o = started.value();
    if (!o.started)
        return started;
    qCInfo(lcFaults).noquote() << o.what;
    emit faultEvent(o.what, true);
    if (active.clear) {
        active.what = o.what;
        m_active << active;
        scheduleExpiry();
    }
    return started;
}

void FaultInjector::startInBackground(const FaultSpec& spec,
                                      std::function<void(const Result<FaultOutcome>&)> done) {
    if (!spec.isJetStreamFault()) {
        done(start(spec));
        return;
    }
    if (Status s = checkTarget(spec); !s.ok()) {
        done(Result<FaultOutcome>(s));
        return;
    }
    // What the worker needs, by value: it may outlive this injector, but not the connection
    // (its owner comes along).
    Connection* c = m_conn;
    const auto owner = m_connOwner;
    Connection* consumers = c;
    if (m_consumerConn) {
        auto wc = m_consumerConn();
        if (!wc) {
            done(Result<FaultOutcome>(wc.error()));
            return;
        }
        consumers = wc.value();
    }
    QPointer<FaultInjector> self(this);
    QThreadPool::globalInstance()->start([=] {
        const Result<FaultOutcome> r = runJetStream(c, consumers, spec, {});
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, r, done, owner] {
                if (!self)
                    return;
                if (r) {
                    qCInfo(lcFaults).noquote() << r.value().what;
                    emit self->faultEvent(r.value().what, true);
                }
                done(r);
            },
            Qt::QueuedConnection);
    });
}

Result<FaultOutcome> FaultInjector::startToxic(const FaultSpec& f, Active* a) {
    Toxic t = f.toxic;
    if (t.name.isEmpty())
        t.name = f.name;
    if (Status s = m_proxy->addToxic(t); !s.ok())
        return s;
    FaultProxyThread* proxy = m_proxy.get();
    const QString name = t.name;
    a->clear = [proxy, name]() -> Status {
        proxy->removeToxic(name);
        return {};
    };
    return FaultOutcome{toxicText(t), {}, {}};
}

Result<FaultOutcome> FaultInjector::startProxyDown(const FaultSpec&, Active* a) {
    FaultProxyThread* proxy = m_proxy.get();
    proxy->setDown(true);
    a->clear = [proxy]() -> Status {
        proxy->setDown(false);
        return {};
    };
    return FaultOutcome{QStringLiteral("proxy: down (connections dropped and refused)"), {}, {}};
}

void FaultInjector::waitForDrop(quint64 reconnectsBefore) {
    // The drop happens on the connection's thread: wait until it is seen (the connection is
    // down, or already back: a reconnect through a local proxy takes a millisecond), so that
    // whatever follows measures the way back.
    if (!m_wait)
        return;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 2000 && m_conn->isConnected() &&
           m_conn->health().reconnects <= reconnectsBefore)
        if (!m_wait(10))
            return;
}

Result<FaultOutcome> FaultInjector::startDisconnect(const FaultSpec&, Active*) {
    const quint64 before = m_conn->health().reconnects;
    m_conn->forceDisconnect(QStringLiteral("fault injected by %1").arg(m_who));
    waitForDrop(before);
    return FaultOutcome{QStringLiteral("client: disconnect forced"), {}, {}};
}

Result<FaultOutcome> FaultInjector::startStall(const FaultSpec& f, Active* a) {
    if (f.durationMs <= 0)
        return invalid(QStringLiteral("stall_reading needs a duration"));
    m_conn->stallReading(int(f.durationMs));
    a->clear = [] { return Status{}; }; // the connection resumes by itself
    return FaultOutcome{
        QStringLiteral("client: reading stalled for %1 ms").arg(f.durationMs), {}, {}};
}

Result<FaultOutcome> FaultInjector::startMalformed(const FaultSpec&, Active*) {
    if (!m_conn->isConnected())
        return invalid(QStringLiteral("not connected: a malformed line needs a connection"));
    const quint64 before = m_conn->health().reconnects;
    m_conn->injectRaw(QByteArrayLiteral("JETDECK FAULT INJECTION\r\n"));
    waitForDrop(before); // the server's -ERR closes it
    return FaultOutcome{QStringLiteral("client: malformed protocol line sent"), {}, {}};
}

Result<NatsServerProcess*> FaultInjector::serverOf(const FaultSpec& f) const {
    if (f.server < 1 || f.server > m_servers.size())
        return invalid(m_servers.isEmpty()
                           ? QStringLiteral("server %1 was not started by JetDeck: there are no "
                                            "servers it may kill or restart")
                                 .arg(f.server)
                           : QStringLiteral("server %1 was not started by JetDeck (it started %2)")
                                 .arg(f.server)
                                 .arg(m_servers.size()));
    return m_servers[f.server - 1];
}

Status FaultInjector::onServerThread(NatsServerProcess* s, const std::function<Status()>& f) {
    if (s->thread() == QThread::currentThread())
        return f();
    Status result;
    QMetaObject::invokeMethod(
        s, [&] { result = f(); }, Qt::BlockingQueuedConnection);
    return result;
}

Result<FaultOutcome> FaultInjector::startKill(const FaultSpec& f, Active* a) {
    auto found = serverOf(f);
    if (!found)
        return found.error();
    NatsServerProcess* s = found.value();
    onServerThread(s, [s] {
        s->kill();
        return Status{};
    });
    a->killed = s;
    a->clear = [this, s]() -> Status {
        if (s->isRunning())
            return {};
        return onServerThread(s, [s] { return s->restart(); });
    };
    return FaultOutcome{QStringLiteral("server %1 killed (SIGKILL)").arg(s->name()), {}, {}};
}

Result<FaultOutcome> FaultInjector::startRestart(const FaultSpec& f, Active*) {
    auto found = serverOf(f);
    if (!found)
        return found.error();
    NatsServerProcess* s = found.value();
    // Ends a kill of this server if one is in force.
    for (const Active& a : std::as_const(m_active))
        if (a.killed == s) {
            if (Status e = clearOne(QString(a.name)); !e.ok())
                return e;
            return FaultOutcome{QStringLiteral("%1 running again").arg(s->name()), {}, {}, false};
        }
    if (Status e = onServerThread(s, [s] { return s->restart(); }); !e.ok())
        return e;
    return FaultOutcome{QStringLiteral("server %1 restarted").arg(s->name()), {}, {}};
}

Result<FaultOutcome> FaultInjector::startLameDuck(const FaultSpec& f, Active*) {
    auto found = serverOf(f);
    if (!found)
        return found.error();
    NatsServerProcess* s = found.value();
    if (Status e = onServerThread(s, [s] { return s->enterLameDuckMode(); }); !e.ok())
        return e;
    return FaultOutcome{QStringLiteral("server %1 in lame duck mode").arg(s->name()), {}, {}};
}

Result<FaultOutcome> FaultInjector::startJetStream(const FaultSpec& f, Active*) {
    Connection* consumers = m_conn;
    if (m_consumerConn && !(f.kind == FaultKind::StreamLeaderStepDown ||
                            f.kind == FaultKind::ConsumerLeaderStepDown)) {
        auto wc = m_consumerConn();
        if (!wc)
            return wc.error();
        consumers = wc.value();
    }
    return runJetStream(m_conn, consumers, f, m_wait);
}

Result<FaultOutcome> FaultInjector::runJetStream(Connection* c, Connection* consumers,
                                                 const FaultSpec& f, const js::Pause& pause) {
    if (f.kind == FaultKind::StreamLeaderStepDown || f.kind == FaultKind::ConsumerLeaderStepDown) {
        const bool stream = f.kind == FaultKind::StreamLeaderStepDown;
        auto r = stepDownLeader(js::JetStream(c), f.stream, stream ? QString() : f.consumer, 10000,
                                pause);
        if (!r)
            return r.error();
        return FaultOutcome{
            QStringLiteral("%1 leader step-down %2: %3")
                .arg(stream ? QStringLiteral("stream") : QStringLiteral("consumer"),
                     stream ? f.stream : f.stream + QStringLiteral(" > ") + f.consumer,
                     r.value().text()),
            r.value().text(),
            {{QStringLiteral("leader_before"), r.value().before},
             {QStringLiteral("leader_after"), r.value().after}}};
    }
    const ConsumerFault cf = consumerFaultOf(f);
    auto r = injectConsumerFault(js::JetStream(consumers), cf);
    if (!r)
        return r.error();
    return FaultOutcome{
        QStringLiteral("consumer %1 > %2: %3 (%4)")
            .arg(f.stream, f.consumer, consumerFaultName(cf.kind), r.value().text()),
        r.value().text(),
        {{QStringLiteral("taken"), r.value().taken},
         {QStringLiteral("answered"), r.value().answered},
         {QStringLiteral("ack_wait_ms"), r.value().ackWaitMs}}};
}

// --- ending ---------------------------------------------------------------------------------

Status FaultInjector::clear(const QString& name) {
    QStringList names;
    for (const Active& a : std::as_const(m_active))
        if (name == QLatin1String("all") || a.name == name)
            names << a.name;
    Status first;
    for (const QString& n : std::as_const(names))
        if (Status s = clearOne(n); !s.ok() && first.ok())
            first = s;
    return first;
}

Status FaultInjector::clearOne(const QString& name) {
    for (qsizetype i = 0; i < m_active.size(); ++i) {
        if (m_active[i].name != name)
            continue;
        const Active a = m_active.takeAt(i);
        const Status s = a.clear ? a.clear() : Status{};
        const QString line = !s.ok()
                                 ? QStringLiteral("%1: could not end it: %2").arg(a.what, s.message)
                                 : QStringLiteral("%1: ended").arg(a.what);
        qCInfo(lcFaults).noquote() << line;
        emit faultEvent(line, false);
        scheduleExpiry();
        return s;
    }
    return {};
}

QList<ActiveFault> FaultInjector::active() const {
    QList<ActiveFault> out;
    for (const Active& a : m_active)
        out << ActiveFault{a.name, a.kind, a.what,
                           a.ends.isForever() ? -1 : qMax<qint64>(0, a.ends.remainingTime())};
    return out;
}

bool FaultInjector::isActive(const QString& name) const {
    return std::any_of(m_active.cbegin(), m_active.cend(),
                       [&](const Active& a) { return a.name == name; });
}

void FaultInjector::scheduleExpiry() {
    qint64 next = -1;
    for (const Active& a : std::as_const(m_active))
        if (!a.ends.isForever()) {
            const qint64 left = a.ends.remainingTime();
            next = next < 0 ? left : qMin(next, left);
        }
    if (next < 0)
        m_expiry->stop();
    else
        m_expiry->start(int(qMin<qint64>(next, std::numeric_limits<int>::max())));
}

void FaultInjector::expire() {
    QStringList over;
    for (const Active& a : std::as_const(m_active))
        if (!a.ends.isForever() && a.ends.hasExpired())
            over << a.name;
    for (const QString& n : std::as_const(over))
        clearOne(n);
    scheduleExpiry();
}

} // namespace jetdeck::faults
