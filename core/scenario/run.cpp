#include "run.h"

#include "core/client/connectionthread.h"
#include "core/demo/natsserverprocess.h"
#include "core/faults/faultinjector.h"
#include "core/jetstream/pullconsumer.h"
#include "core/logging/logging.h"

#include <QCoreApplication>
#include <QThread>

namespace jetdeck::scenario {

bool Run::Publish::isDone() {
    QMutexLocker l(&mu);
    return done;
}

PublishSummary Run::Publish::result() {
    QMutexLocker l(&mu);
    return summary;
}

Run::Worker::~Worker() = default;

qint64 Run::Worker::distinct() {
    QMutexLocker l(&mu);
    return seen.size();
}

Run::Run(ScenarioRunner& runner, const Scenario& scenario, const ScenarioRunner::Target& target,
         ScenarioReport& report, const std::atomic<bool>& cancel)
    : m_runner(runner)
    , m_scenario(scenario)
    , m_target(target)
    , m_report(report)
    , m_cancel(cancel) {}

Run::~Run() {
    tearDown();
}

void Run::log(const QString& line) {
    const QString l = QStringLiteral("%1 %2").arg(double(elapsed()) / 1000.0, 7, 'f', 2).arg(line);
    m_report.log << l;
    qCInfo(lcScenario).noquote() << m_scenario.name + QStringLiteral(": ") + line;
    emit m_runner.logLine(l);
}

Connection* Run::connection() const {
    return m_conn->connection();
}

// --- setting up and tearing down ------------------------------------------------------------

Status Run::setUp() {
    // Fresh servers hold nothing but what the run makes; anywhere else a step may only damage
    // what this scenario creates, unless the user said otherwise.
    if (!m_target.startServers && !m_target.allowExisting) {
        const auto foreign = m_scenario.foreignTargets();
        if (!foreign.isEmpty()) {
            QStringList lines;
            for (const auto& t : foreign)
                lines << t.text();
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("refusing to run: these steps act on streams or "
                                        "consumers the scenario does not create, on servers it "
                                        "did not start: %1. Run it on fresh servers (--demo), "
                                        "or allow it explicitly (--allow-existing)")
                             .arg(lines.join(QStringLiteral("; ")))};
        }
    }
    m_faults = std::make_unique<faults::FaultInjector>();
    m_faults->setReason(QStringLiteral("a scenario"));
    QObject::connect(m_faults.get(), &faults::FaultInjector::faultEvent, &m_runner,
                     [this](const QString& what, bool started) {
                         emit m_runner.faultEvent(what, started);
                         log(QStringLiteral("fault: ") + what);
                     });
    Options base = m_target.base;
    if (m_target.startServers) {
        if (Status s = startServers(&base); !s.ok())
            return s;
    } else {
        m_servers = m_target.servers;
        if (base.servers.isEmpty())
            return Error{ErrorKind::InvalidArgument, QStringLiteral("no server to run against")};
        QStringList urls;
        for (const ServerUrl& u : std::as_const(base.servers))
            urls << u.redacted();
        m_report.target = urls.join(QLatin1Char(','));
        if (m_scenario.needsOwnServers() && m_servers.size() < m_scenario.servers.count)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("this scenario kills and restarts servers: it needs %1 "
                                        "server(s) started by JetDeck (jetdeck-cli scenario run "
                                        "--demo, or the console's demo), not %2")
                             .arg(m_scenario.servers.count)
                             .arg(m_report.target)};
    }
    auto opts = m_scenario.connectionOptions(base);
    if (!opts)
        return opts.error();
    Options o = opts.value();
    o.name = QStringLiteral("jetdeck-scenario");
    m_workerOptions = o;
    m_workerOptions.name = QStringLiteral("jetdeck-scenario-workers");
    if (m_scenario.proxy) {
        const ServerUrl first = o.servers.first();
        if (Status s = m_faults->startProxy(first); !s.ok())
            return s;
        auto pu = parseServerList(m_faults->proxyUrl());
        if (!pu)
            return pu.error();
        ServerUrl proxied = pu.value().first();
        proxied.user = first.user;
        proxied.password = first.password;
        proxied.token = first.token;
        o.servers.replace(0, proxied);
        o.noRandomize = true;
        log(QStringLiteral("fault proxy %1 in front of %2")
                .arg(m_faults->proxyUrl(), first.hostPort()));
    }
    m_conn = std::make_unique<ConnectionThread>(o, QStringLiteral("scenario"));
    Connection* c = m_conn->connection();
    QObject::connect(c, &Connection::stateChanged, &m_runner, [this](ConnectionState s) {
        log(QStringLiteral("connection %1").arg(connectionStateName(s)));
    });
    if (Status s = c->connectSync(qMax(10000, o.connectTimeoutMs * 3)); !s.ok())
        return s;
    m_reconnectsAtStart = c->health().reconnects;
    m_faults->setConnection(c);
    m_faults->setConsumerConnection([this] { return workerConnection(); });
    m_faults->setServers(m_servers);
    m_faults->setWait([this](int ms) { return waitFor(ms); });
    log(QStringLiteral("connected to %1").arg(c->health().server));
    return createStreams();
}

Status Run::startServers(Options* base) {
    auto exe = NatsServerProcess::executable();
    if (!exe)
        return exe.error();
    const int n = m_scenario.servers.count;
    log(QStringLiteral("starting %1 local nats-server(s)").arg(n));
    if (n == 1) {
        NatsServerConfig cfg;
        cfg.jetstream = m_scenario.servers.jetstream;
        cfg.name = QStringLiteral("scenario-1");
        m_ownServers.push_back(std::make_unique<NatsServerProcess>(cfg));
        if (Status s = m_ownServers.back()->start(); !s.ok())
            return s;
    } else if (Status s =
                   startLocalCluster(n, &m_ownServers, QStringLiteral("scenario"),
                                     m_scenario.servers.jetstream, QStringLiteral("scenario"));
               !s.ok()) {
        return s;
    }
    QStringList urls;
    for (const auto& s : m_ownServers) {
        m_servers << s.get();
        urls << s->url();
    }
    auto o = Options::fromUrls(urls.join(QLatin1Char(',')));
    if (!o)
        return o.error();
    base->servers = o.value().servers;
    m_report.target = n == 1 ? QStringLiteral("a local nats-server (%1)").arg(urls[0])
                             : QStringLiteral("%1 local nats-servers in a cluster").arg(n);
    return {};
}

Status Run::createStreams() {
    const js::JetStream js(m_conn->connection());
    const QString marker = QStringLiteral("jetdeck scenario %1").arg(m_scenario.name);
    if (m_scenario.streams.isEmpty() && m_scenario.consumers.isEmpty())
        return {};
    // A JetStream cluster that has just started elects its meta leader first: until then the
    // API answers "temporarily unavailable", or nobody answers. Give it 30 s.
    {
        QElapsedTimer waited;
        waited.start();
        for (;;) {
            auto r = js.accountInfo();
            if (r)
                break;
            if (r.error().kind == ErrorKind::JetStreamNotEnabled)
                return r.error();
            if (waited.elapsed() > 30000 || !waitFor(250))
                return Error{r.error().kind, QStringLiteral("JetStream did not answer in 30 s: ") +
                                                 r.error().message};
        }
        log(QStringLiteral("JetStream answered after %1 ms").arg(waited.elapsed()));
    }
    for (js::StreamConfig cfg : std::as_const(m_scenario.streams)) {
        if (cfg.description.isEmpty())
            cfg.description = marker;
        auto existing = js.streamInfo(cfg.name);
        if (existing) {
            // A stream this scenario left behind (a run that was killed) is replaced; anything
            // else is somebody's data and is left alone.
            if (existing.value().config.description != marker)
                return Error{ErrorKind::AlreadyExists,
                             QStringLiteral("stream %1 already exists and was not made by this "
                                            "scenario; rename the scenario's stream or delete it")
                                 .arg(cfg.name)};
            if (Status s = js.deleteStream(cfg.name); !s.ok())
                return s;
        } else if (existing.error().kind != ErrorKind::NotFound) {
            return existing.error();
        }
        auto created =
            js::addStreamWhenReady(js, cfg, 10000, [this](int ms) { return waitFor(ms); });
        if (!created)
            return Error{created.error().kind,
                         QStringLiteral("stream %1: %2").arg(cfg.name, created.error().message)};
        m_createdStreams << cfg.name;
        log(QStringLiteral("stream %1 created (%2 replica(s))").arg(cfg.name).arg(cfg.replicas));
    }
    for (const auto& [stream, cfg] : std::as_const(m_scenario.consumers)) {
        auto r = js::addConsumerWhenReady(js, stream, cfg, 10000,
                                          [this](int ms) { return waitFor(ms); });
        if (!r)
            return Error{r.error().kind,
                         QStringLiteral("consumer %1 > %2: %3")
                             .arg(stream, cfg.durableName.isEmpty() ? cfg.name : cfg.durableName,
                                  r.error().message)};
        log(QStringLiteral("consumer %1 > %2 created").arg(stream, r.value().name));
    }
    return {};
}

void Run::tearDown() {
    // Workers and publishers first: they use the connection.
    for (auto& [name, w] : m_workers)
        if (w->consumer)
            w->consumer->stop();
    m_workers.clear();
    auto stopPublish = [this](Publish& p) {
        if (!p.publisher)
            return;
        if (!p.isDone()) {
            QMetaObject::invokeMethod(p.publisher, &RatePublisher::stop, Qt::QueuedConnection);
            awaitPublish(p, 15000);
        }
        RatePublisher* pub = p.publisher;
        p.publisher = nullptr;
        QMetaObject::invokeMethod(
            pub, [pub] { delete pub; }, Qt::BlockingQueuedConnection);
    };
    for (auto& p : m_publishes)
        stopPublish(*p);
    m_publishes.clear();
    // Faults end: killed servers come back, toxics go.
    if (m_faults)
        m_faults->clear(QStringLiteral("all"));
    if (m_conn && !m_createdStreams.isEmpty() && m_scenario.cleanup) {
        const js::JetStream js(m_conn->connection());
        if (m_conn->connection()->isConnected() ||
            waitFor(5000, [this] { return m_conn->connection()->isConnected(); }))
            for (const QString& s : std::as_const(m_createdStreams))
                if (Status e = js.deleteStream(s); !e.ok())
                    log(QStringLiteral("could not delete stream %1: %2").arg(s, e.message));
    }
    m_createdStreams.clear();
    m_workerConn.reset();
    m_conn.reset();
    m_faults.reset(); // and its proxy
    for (auto& s : m_ownServers)
        s->stop();
    m_ownServers.clear();
    m_servers.clear();
}

// --- waiting --------------------------------------------------------------------------------

bool Run::waitFor(qint64 ms, const std::function<bool()>& done) {
    QElapsedTimer t;
    t.start();
    for (;;) {
        if (done && done())
            return true;
        if (m_cancel.load())
            return false;
        service();
        if (t.elapsed() >= ms)
            return done ? done() : true;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QThread::msleep(qMin<qint64>(10, qMax<qint64>(1, ms - t.elapsed())));
    }
}

void Run::service() {
    if (m_current < 0 || elapsed() - m_lastProgressMs < 250)
        return;
    m_lastProgressMs = elapsed();
    QStringList parts;
    for (auto& p : m_publishes)
        if (p->publisher && !p->isDone()) {
            const PublishProgress pr = p->publisher->progress();
            parts << QStringLiteral("%1%2/%3 sent, %4 acked")
                         .arg(p->name.isEmpty() ? QString() : p->name + QStringLiteral(": "))
                         .arg(pr.attempted)
                         .arg(pr.total)
                         .arg(pr.acked);
        }
    for (auto& [name, w] : m_workers)
        parts << QStringLiteral("%1: %2 received, %3 redelivered")
                     .arg(name)
                     .arg(w->distinct())
                     .arg(w->tracker->stats().redelivered);
    if (m_conn)
        parts << connectionStateName(m_conn->connection()->state());
    emit m_runner.stepProgress(m_current, parts.join(QStringLiteral(" · ")));
}

bool Run::awaitPublish(Publish& p, qint64 timeoutMs) {
    return waitFor(timeoutMs, [&p] { return p.isDone(); });
}

void Run::waitForDrop(Connection* c, quint64 reconnectsBefore) {
    // The drop happens on the connection's thread: wait until it is seen (the connection is
    // down, or already back: a reconnect through a local proxy takes a millisecond), so that a
    // check that follows measures the way back.
    waitFor(2000, [c, reconnectsBefore] {
        return !c->isConnected() || c->health().reconnects > reconnectsBefore;
    });
}

// --- what the steps started -----------------------------------------------------------------

Result<Connection*> Run::workerConnection() {
    if (!m_workerConn) {
        m_workerConn =
            std::make_unique<ConnectionThread>(m_workerOptions, QStringLiteral("scenario-workers"));
        if (Status s = m_workerConn->connection()->connectSync(15000); !s.ok()) {
            m_workerConn.reset();
            return Error{s.kind, QStringLiteral("the workers' connection: ") + s.message};
        }
    }
    return m_workerConn->connection();
}

Run::Publish& Run::addPublish(std::unique_ptr<Publish> p) {
    m_publishes.push_back(std::move(p));
    return *m_publishes.back();
}

Run::Publish* Run::publishNamed(const QString& name) const {
    for (const auto& p : m_publishes)
        if (p->name == name)
            return p.get();
    return nullptr;
}

void Run::addWorker(const QString& name, std::unique_ptr<Worker> w) {
    m_workers[name] = std::move(w);
}

Run::Worker* Run::workerNamed(const QString& name) const {
    auto it = m_workers.find(name);
    return it == m_workers.end() ? nullptr : it->second.get();
}

} // namespace jetdeck::scenario
