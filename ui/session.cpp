#include "session.h"

#include "core/logging/logging.h"
#include "core/metrics/registry.h"
#include "ui/widgets/faultmarks.h"

#include <QDateTime>
#include <QTimer>

namespace jetdeck {

Session::Session(QObject* parent)
    : QObject(parent)
    , m_registry(new metrics::MetricsRegistry(this))
    , m_faultMarks(new FaultMarks(this))
    , m_tick(new QTimer(this)) {
    m_tick->setInterval(kTickMs);
    connect(m_tick, &QTimer::timeout, this, &Session::ticked);
    m_tick->start();
    connect(m_registry, &metrics::MetricsRegistry::backpressureChanged, this,
            [this](const QString& stream, const QString& consumer,
                   const metrics::BackpressureStatus& status) {
                addEvent(ConnectionEvent::Kind::Consumer,
                         tr("backpressure %1: %2")
                             .arg(metrics::backpressureLevelName(status.level), status.reason),
                         stream + QLatin1Char('/') + consumer);
            });
    connect(m_registry, &metrics::MetricsRegistry::redeliveryEvents, this,
            &Session::reportRedeliveries);
}

Session::~Session() {
    release();
}

void Session::open(const Options& options, const std::optional<Options>& system) {
    release();
    m_conn = std::make_shared<ConnectionThread>(options, QStringLiteral("nats-console"));
    Connection* c = m_conn->connection();
    connect(c, &Connection::eventAdded, this, &Session::eventAdded);
    connect(c, &Connection::stateChanged, this,
            [this, c](ConnectionState st) { onStateChanged(c, st); });
    if (system) {
        m_sysConn = std::make_shared<ConnectionThread>(*system, QStringLiteral("nats-console-sys"));
        // Its news in the same journal, marked as the system account's connection.
        connect(m_sysConn->connection(), &Connection::eventAdded, this,
                [this](const ConnectionEvent& e) {
                    ConnectionEvent marked = e;
                    marked.message = tr("system account connection: %1").arg(e.message);
                    emit eventAdded(marked);
                });
    }
    m_state = SessionState{c->state(), QString(), Error()};
    emit connectionChanged(m_conn);
    m_registry->addConnection(m_name, c);
    subscribeWatched();
    if (m_watchSystem)
        startSystemMonitor();
    m_clients = std::make_unique<sys::ClientMonitor>(systemSide(), m_budget.get());
    m_clients->setMonitorPorts(m_ports.get());
    if (m_watchClients)
        m_clients->start(); // waits for the connection
    emit clientMonitorChanged(m_clients.get());
    m_lister = std::make_unique<js::JetStreamLister>(jetStream(), m_budget.get());
    m_lister->setInterval(m_listIntervalMs);
    m_lister->setWithAccount(true); // the JetStream page shows the account against its limits
    connect(m_lister.get(), &js::JetStreamLister::listed, this, [this](const auto& snapshot) {
        if (!m_throughSystem)
            onListed(snapshot);
    });
    setPagedListing(true); // waits for the connection
    // With system access one JSZ fan-out lists everything: once it has, the paged lister rests.
    m_accountLister =
        std::make_unique<sys::AccountLister>(systemSide(), jetStream(), m_budget.get());
    m_accountLister->setInterval(m_listIntervalMs);
    connect(m_accountLister.get(), &sys::AccountLister::listed, this, &Session::onSystemListed);
    m_accountLister->start(); // stops by itself when the system account does not answer
    // Only subscriptions (the cluster is sent nothing): from the start, so that the events
    // page has the history when it is first opened. Client events arrive only for a user of
    // the system account; for others the subscription stays quiet.
    m_events = std::make_unique<sys::EventWatcher>();
    connect(m_events.get(), &sys::EventWatcher::eventsArrived, this, &Session::onSystemEvents);
    // The client events come through the system account's connection when there is one.
    QList<QByteArray> subjects = sys::advisorySubjects(options.jetstreamEventPrefix);
    if (!m_sysConn)
        subjects += sys::systemEventSubjects();
    Status watching = m_events->watch(c, subjects);
    if (watching.ok() && m_sysConn)
        watching = m_events->watch(m_sysConn->connection(), sys::systemEventSubjects());
    if (!watching.ok())
        addEvent(ConnectionEvent::Kind::Error,
                 tr("cannot watch the servers' events: %1").arg(watching.toString()));
    // Every worker's processing time, for the consumers whose acks the server samples: a
    // subscription only, quiet unless a consumer has sample_freq.
    m_ackSamples = std::make_unique<sys::AckSampler>();
    if (Status s = m_ackSamples->watch(
            c, options.jetstreamEventPrefix,
            [registry = m_registry](const sys::AckSample& a) {
                registry->recordAckSample(a.stream, a.consumer, a.ackTimeNs / 1000, a.deliveries);
            });
        !s.ok())
        addEvent(ConnectionEvent::Kind::Error,
                 tr("cannot watch the servers' ack samples: %1").arg(s.toString()));
    c->open();
    if (m_sysConn)
        m_sysConn->connection()->open();
}

Connection* Session::systemSide() const {
    if (m_sysConn)
        return m_sysConn->connection();
    return m_conn ? m_conn->connection() : nullptr;
}

void Session::setMonitorPorts(const QList<QUrl>& urls) {
    auto ports = urls.isEmpty() ? nullptr : std::make_unique<sys::MonitorPorts>(urls);
    if (m_system)
        m_system->setMonitorPorts(ports.get());
    if (m_clients)
        m_clients->setMonitorPorts(ports.get());
    m_ports = std::move(ports);
}

QString Session::systemAccessHint() const {
    if (m_sysConn) {
        const AuthOptions& a = m_sysConn->connection()->options().auth;
        const QString who = a.user.isEmpty() ? tr("the creds file %1").arg(a.credsFile)
                                             : tr("the user %1").arg(a.user);
        return tr("The system account credentials given (%1) are not those of a user of the "
                  "system account (system_account in the servers' configuration). Correct them "
                  "in the saved connection, or with --sys-user / --sys-creds.")
            .arg(who);
    }
    return tr("This connection's user is not in the system account, so the servers do not answer "
              "it. Connect with a user of the system account (system_account in the servers' "
              "configuration), or give one beside this connection: the saved connection's "
              "\"System account\" fields, or jetdeck --sys-user / --sys-creds. Without one, "
              "jetdeck --monitor http://host:8222 (each server's monitoring port) shows the "
              "servers, clients and JetStream pages.");
}

void Session::close() {
    if (m_conn)
        m_conn->connection()->close();
    // The system account's connection is this connection's companion: it goes with it, or it
    // would go on asking the cluster (and reporting a server that stops as lost) unseen.
    if (m_sysConn)
        m_sysConn->connection()->close();
}

void Session::release() {
    m_lister.reset(); // an answer still on its way was for this connection
    m_pagedListing = false;
    m_accountLister.reset();
    m_throughSystem = false;
    m_events.reset();
    m_ackSamples.reset();
    if (!m_conn)
        return;
    m_registry->removeConnection(m_conn->connection());
    if (m_system) {
        m_system.reset();
        emit systemMonitorChanged(nullptr);
    }
    m_registry->setServers({});
    m_registry->setReplicas({});
    if (m_clients) {
        m_clients.reset();
        emit clientMonitorChanged(nullptr);
    }
    m_state = SessionState{};
    emit connectionChanged(nullptr);
    for (const SubscriptionPtr& s : std::as_const(m_watchSubs))
        s->unsubscribe();
    m_watchSubs.clear();
    m_conn->close();
    m_conn.reset();
    if (m_sysConn) {
        m_sysConn->close();
        m_sysConn.reset();
    }
}

void Session::watchSystem() {
    if (m_watchSystem)
        return;
    m_watchSystem = true;
    if (m_conn)
        startSystemMonitor();
}

void Session::watchClients(bool on) {
    m_watchClients = on;
    if (!m_clients)
        return;
    if (on)
        m_clients->start();
    else
        m_clients->stop();
}

void Session::startSystemMonitor() {
    m_system = std::make_unique<sys::SystemMonitor>(systemSide(), m_budget.get());
    m_system->setMonitorPorts(m_ports.get());
    connect(m_system.get(), &sys::SystemMonitor::serverLost, this,
            [this](const QString& name, const QDateTime& lastSeen) {
                addEvent(ConnectionEvent::Kind::Error,
                         tr("server %1 stopped answering (last answer %2)")
                             .arg(name, lastSeen.toString(QStringLiteral("HH:mm:ss"))),
                         name);
            });
    // The servers and every account's replicas, for the metrics endpoint and the JSON export.
    connect(m_system.get(), &sys::SystemMonitor::serversUpdated, this,
            [this] { m_registry->setServers(m_system->servers()); });
    connect(m_system.get(), &sys::SystemMonitor::jetStreamUpdated, this,
            [this] { m_registry->setReplicas(sys::replicaRows(m_system->jetStream().assets)); });
    connect(m_system.get(), &sys::SystemMonitor::serverBack, this, [this](const QString& name) {
        addEvent(ConnectionEvent::Kind::Info, tr("server %1 answers again").arg(name), name);
    });
    m_system->start();
    emit systemMonitorChanged(m_system.get());
}

void Session::onSystemEvents(const QList<sys::SystemEvent>& events) {
    for (const sys::SystemEvent& e : events) {
        switch (e.kind) {
        case sys::EventKind::StreamLeaderElected:
        case sys::EventKind::ConsumerLeaderElected:
        case sys::EventKind::MetaLeaderElected:
        case sys::EventKind::StreamQuorumLost:
        case sys::EventKind::ConsumerQuorumLost:
        case sys::EventKind::OutOfSpace:
        case sys::EventKind::ServerRemoved:
        case sys::EventKind::ApiLimit:
            m_faultMarks->addEvent(
                QStringLiteral("%1 %2").arg(sys::eventKindName(e.kind), e.where()),
                e.time.toLocalTime());
            break;
        default:
            break;
        }
        if (e.severity == sys::EventSeverity::Error)
            addEvent(ConnectionEvent::Kind::Error, e.summary, e.where(), e.time.toLocalTime());
    }
    emit systemEventsArrived(events);
}

js::JetStream Session::jetStream() const {
    Q_ASSERT(m_conn);
    return js::JetStream(m_conn->connection());
}

void Session::onStateChanged(Connection* c, ConnectionState st) {
    // Queued from the connection's thread: a change that arrives after this connection was
    // replaced (and deleted on its thread) is news from the past; c is not touched.
    if (!m_conn || m_conn->connection() != c)
        return;
    m_state = SessionState{st, c->currentServer(), c->lastError()};
    emit stateChanged(m_state);
    if (st == ConnectionState::Connected)
        listJetStream();
}

void Session::addEvent(ConnectionEvent::Kind kind, const QString& message, const QString& where,
                       const QDateTime& time) {
    ConnectionEvent e;
    e.time = time.isValid() ? time : QDateTime::currentDateTime();
    e.kind = kind;
    e.server = where;
    e.message = message;
    const QString line = QStringLiteral("%1: %2%3")
                             .arg(connectionEventKindName(kind), message,
                                  where.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(where));
    if (kind == ConnectionEvent::Kind::Error)
        qCWarning(lcUi).noquote() << line;
    else
        qCInfo(lcUi).noquote() << line;
    emit eventAdded(e);
}

void Session::recordFault(const QString& what, bool started) {
    const QDateTime now = QDateTime::currentDateTime();
    addEvent(ConnectionEvent::Kind::Fault, what, QString(), now);
    m_faultMarks->add(what, started, now);
}

void Session::reportRedeliveries(const QString& stream, const QString& consumer,
                                 const QList<js::RedeliveryEvent>& events) {
    // One line per kind and tick: a consumer giving up on many messages at once does not drown
    // the rest of the log.
    for (const auto kind :
         {js::RedeliveryEvent::Kind::MaxDeliveries, js::RedeliveryEvent::Kind::Terminated}) {
        QStringList seqs;
        quint64 deliveries = 0;
        QString reason;
        QDateTime when;
        for (const js::RedeliveryEvent& ev : events) {
            if (ev.kind != kind)
                continue;
            seqs << QString::number(ev.streamSeq);
            deliveries = qMax(deliveries, ev.deliveries);
            if (!ev.reason.isEmpty())
                reason = ev.reason;
            when = ev.time;
        }
        if (seqs.isEmpty())
            continue;
        const QString list = seqs.size() > 8 ? seqs.mid(0, 8).join(QStringLiteral(", ")) +
                                                   tr(" and %1 more").arg(seqs.size() - 8)
                                             : seqs.join(QStringLiteral(", "));
        QString message;
        if (kind == js::RedeliveryEvent::Kind::MaxDeliveries)
            message =
                seqs.size() == 1
                    ? tr("stream seq %1 hit MaxDeliver after %2 deliveries")
                          .arg(list)
                          .arg(deliveries)
                    : tr("%1 messages hit MaxDeliver (stream seq %2)").arg(seqs.size()).arg(list);
        else
            message = tr("stream seq %1 terminated%2")
                          .arg(list, reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
        addEvent(ConnectionEvent::Kind::Consumer, message, stream + QLatin1Char('/') + consumer,
                 when.isValid() ? when.toLocalTime() : QDateTime());
    }
}

void Session::setWatchedSubjects(const QList<QByteArray>& subjects) {
    m_watched = subjects;
    subscribeWatched();
}

void Session::subscribeWatched() {
    // Once per connection: the client itself restores its subscriptions after a reconnect, so
    // subscribing again on every CONNECTED would multiply every message the server sends.
    for (const SubscriptionPtr& s : std::as_const(m_watchSubs))
        s->unsubscribe();
    m_watchSubs.clear();
    if (!m_conn)
        return;
    for (const QByteArray& subject : std::as_const(m_watched))
        if (auto sub = m_conn->connection()->subscribeInline(subject, [](const MsgView&) {}))
            m_watchSubs.append(sub.value());
}

void Session::listJetStream() {
    if (m_throughSystem && m_accountLister)
        m_accountLister->listNow();
    else if (m_lister)
        m_lister->listNow();
}

void Session::setPagedListing(bool on) {
    if (!m_lister || on == m_pagedListing)
        return;
    m_pagedListing = on;
    if (on)
        m_lister->start();
    else
        m_lister->stop();
}

void Session::onSystemListed(const Result<js::JetStreamSnapshot>& snapshot) {
    if (snapshot) {
        m_throughSystem = true;
        setPagedListing(false);
        onListed(snapshot);
        return;
    }
    // The system account's way failed this round (its connection is down, no server
    // answered): the paged listing takes over until it works again. An account without
    // JetStream has nothing to list either way: the paged lister says so, alone.
    if (snapshot.error().kind == ErrorKind::JetStreamNotEnabled)
        m_accountLister->stop();
    if (m_throughSystem) {
        m_throughSystem = false;
        addEvent(ConnectionEvent::Kind::Info,
                 tr("listing streams page by page: %1").arg(snapshot.error().message));
    }
    setPagedListing(true);
}

void Session::onListed(const Result<js::JetStreamSnapshot>& snapshot) {
    if (snapshot) {
        m_registry->setConsumerReadings(snapshot.value());
        // Replica health from the account's own listing, unless the system monitor's JSZ
        // (every account) has it.
        if (!m_system || !m_system->jetStream().at.isValid())
            m_registry->setReplicas(sys::replicaRows(snapshot.value()));
    }
    emit jetStreamListed(snapshot);
}

void Session::setListInterval(int ms) {
    m_listIntervalMs = qMax(100, ms);
    if (m_lister)
        m_lister->setInterval(m_listIntervalMs);
    if (m_accountLister)
        m_accountLister->setInterval(m_listIntervalMs);
}

int Session::listInterval() const {
    return m_listIntervalMs;
}

} // namespace jetdeck
