#include "demosession.h"

#include "core/base/clock.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QThread>

namespace jetdeck {

DemoSession::DemoSession(QObject* parent)
    : DemoSession(Config{}, parent) {}

DemoSession::DemoSession(Config config, QObject* parent)
    : QObject(parent)
    , m_config(config) {
    m_timer.setInterval(20);
    connect(&m_timer, &QTimer::timeout, this, &DemoSession::publishTick);
}

DemoSession::~DemoSession() {
    stop();
}

QString DemoSession::accountsConfig(const QString& systemPassword) {
    // Clients without credentials are "demo" (no_auth_user): the workload, the console and a
    // jetdeck-cli pointed at the demo connect as before. Its password is never needed.
    const QString demoPassword = QString::number(QRandomGenerator::system()->generate64(), 36);
    return QStringLiteral(R"(
accounts {
  SYS { users: [{user: sys, password: "%1"}] }
  DEMO { jetstream: enabled, users: [{user: demo, password: "%2"}] }
}
system_account: SYS
no_auth_user: demo
)")
        .arg(systemPassword, demoPassword);
}

SystemCredentials DemoSession::systemCredentials() const {
    SystemCredentials c;
    if (m_systemPassword.isEmpty())
        return c;
    c.user = QStringLiteral("sys");
    c.password = m_systemPassword;
    return c;
}

Status DemoSession::start() {
    NatsServerConfig base;
    base.jetstream = true;
    if (m_config.systemAccount) {
        // Random per run: the servers listen on loopback only, but other local users should not
        // be able to watch them through the system account.
        m_systemPassword = QString::number(QRandomGenerator::system()->generate64(), 36) +
                           QString::number(QRandomGenerator::system()->generate64(), 36);
        base.extraConfig = accountsConfig(m_systemPassword);
    }
    if (m_config.clusterSize <= 1) {
        NatsServerConfig cfg = base;
        cfg.name = QStringLiteral("jetdeck-demo");
        m_servers.push_back(std::make_unique<NatsServerProcess>(cfg));
        if (Status s = m_servers.back()->start(); !s.ok())
            return s;
    } else {
        base.clusterName = QStringLiteral("jetdeck-demo");
        if (Status s = startLocalCluster(m_config.clusterSize, &m_servers, base,
                                         QStringLiteral("jetdeck-demo"));
            !s.ok())
            return s;
    }
    auto opts = Options::fromUrls(url());
    if (!opts)
        return opts.error();
    Options o = opts.value();
    o.name = QStringLiteral("jetdeck-demo-workload");
    m_publisher = std::make_unique<ConnectionThread>(o, QStringLiteral("demo-workload"));
    if (Status s = m_publisher->connection()->connectSync(10000); !s.ok())
        return s;
    if (Status s = createTopology(); !s.ok())
        return s;
    if (Status s = startWorkers(); !s.ok())
        return s;
    m_clock.start();
    m_timer.start();
    return {};
}

Status DemoSession::createTopology() {
    js::JetStream js(m_publisher->connection());
    js::StreamConfig orders;
    orders.name = streamName();
    orders.description = QStringLiteral("Demo orders (created, paid, shipped)");
    orders.subjects = {QStringLiteral("demo.orders.>")};
    orders.maxAgeNs = 3600LL * 1000000000LL;
    orders.replicas = qBound(1, m_config.clusterSize, 3);
    // A new JetStream cluster elects its meta leader first, and consumers follow their stream's
    // leader: both are retried while that settles.
    if (auto r = js::addStreamWhenReady(js, orders); !r)
        return Error{r.error().kind,
                     QStringLiteral("the demo cluster's JetStream did not come up in 30 s: %1")
                         .arg(r.error().message)};
    auto addConsumer = [&](const js::ConsumerConfig& c) -> Status {
        auto r = js::addConsumerWhenReady(js, orders.name, c);
        return r ? Status{} : Status{r.error()};
    };
    js::ConsumerConfig fulfilment;
    fulfilment.durableName = QStringLiteral("fulfilment");
    fulfilment.description = QStringLiteral("Pull workers; NAK a few orders");
    fulfilment.ackWaitNs = 5LL * 1000000000LL;
    fulfilment.maxDeliver = 5;
    if (Status s = addConsumer(fulfilment); !s.ok())
        return s;

    js::ConsumerConfig billing;
    billing.durableName = QStringLiteral("billing");
    billing.description = QStringLiteral("Push to a deliver group, flow controlled");
    billing.deliverSubject = QStringLiteral("demo.deliver.billing");
    billing.deliverGroup = QStringLiteral("billing");
    billing.filterSubject = QStringLiteral("demo.orders.paid");
    billing.idleHeartbeatNs = 2LL * 1000000000LL;
    billing.flowControl = true;
    if (Status s = addConsumer(billing); !s.ok())
        return s;

    js::ConsumerConfig audit;
    audit.durableName = QStringLiteral("audit");
    audit.description = QStringLiteral("Gives up on many orders: MaxDeliver 3 with backoff");
    audit.maxDeliver = 3;
    audit.backoffNs = {1000000000LL, 2000000000LL};
    if (Status s = addConsumer(audit); !s.ok())
        return s;
    return {};
}

Status DemoSession::startWorkers() {
    auto opts = Options::fromUrls(url());
    if (!opts)
        return opts.error();
    Options o = opts.value();
    o.name = QStringLiteral("jetdeck-demo-workers");
    m_workers = std::make_unique<ConnectionThread>(o, QStringLiteral("demo-workers"));
    if (Status s = m_workers->connection()->connectSync(10000); !s.ok())
        return s;
    const js::JetStream js(m_workers->connection());
    auto* rng = QRandomGenerator::global();
    const int fulfilmentNak = m_config.fulfilmentNakPercent;
    const int fulfilmentStall = m_config.fulfilmentStallPercent;
    const int auditNak = m_config.auditNakPercent;
    const int auditTerm = m_config.auditTermPercent;

    m_fulfilment =
        std::make_unique<js::PullConsumer>(js, streamName(), QStringLiteral("fulfilment"));
    js::ConsumeOptions co;
    co.batch = 50;
    if (Status s = m_fulfilment->consume(
            [rng, fulfilmentNak, fulfilmentStall](js::JsMessage& m) {
                const int roll = int(rng->bounded(100));
                if (roll < fulfilmentNak)
                    m.nak(500LL * 1000000LL);
                else if (roll < fulfilmentNak + fulfilmentStall)
                    return; // a worker that hangs: the server redelivers after AckWait
                else
                    m.ack();
            },
            co);
        !s.ok())
        return s;

    m_billing = std::make_unique<js::PushConsumer>(js, streamName(), QStringLiteral("billing"));
    if (Status s = m_billing->start([](js::JsMessage& m) { m.ack(); }); !s.ok())
        return s;

    m_audit = std::make_unique<js::PullConsumer>(js, streamName(), QStringLiteral("audit"));
    if (Status s = m_audit->consume(
            [rng, auditNak, auditTerm](js::JsMessage& m) {
                const int roll = int(rng->bounded(100));
                if (roll < auditTerm)
                    m.term(QStringLiteral("demo: order failed validation"));
                else if (roll < auditTerm + auditNak)
                    m.nak();
                else
                    m.ack();
            },
            co);
        !s.ok())
        return s;
    // The server's word on messages that hit MaxDeliver or were terminated.
    for (const auto& tracker : trackers()) {
        auto sub = js::watchAdvisories(m_workers->connection(), tracker);
        if (!sub)
            return sub.error();
        m_advisories.append(sub.value());
    }
    return {};
}

void DemoSession::stop() {
    m_timer.stop();
    // Consumers live on the workers' thread; stop them there before their connection goes.
    if (m_workers) {
        QMetaObject::invokeMethod(
            m_workers->connection(),
            [this] {
                for (const SubscriptionPtr& sub : std::as_const(m_advisories))
                    sub->unsubscribe();
                m_advisories.clear();
                m_fulfilment.reset();
                m_billing.reset();
                m_audit.reset();
            },
            Qt::BlockingQueuedConnection);
    }
    m_workers.reset();
    m_publisher.reset();
    m_servers.clear(); // each stops its server and removes its directory
}

QString DemoSession::url() const {
    QStringList urls;
    for (const auto& s : m_servers)
        urls << s->url();
    return urls.join(QLatin1Char(','));
}

QList<NatsServerProcess*> DemoSession::servers() const {
    QList<NatsServerProcess*> out;
    for (const auto& s : m_servers)
        out << s.get();
    return out;
}

QStringList DemoSession::directories() const {
    QStringList out;
    for (const auto& s : m_servers)
        out << s->directory();
    return out;
}

void DemoSession::publishTick() {
    // Token bucket on the elapsed time, so the rate holds whatever the timer's jitter.
    const double elapsedS = double(m_clock.nsecsElapsed()) / 1e9;
    m_credit = elapsedS * m_config.publishRate - double(m_published);
    static const char* kinds[] = {"created", "paid", "shipped"};
    while (m_credit >= 1.0) {
        const quint64 n = m_published + 1;
        QByteArray body = QByteArrayLiteral("{\"order\":") + QByteArray::number(n) +
                          QByteArrayLiteral(",\"at\":\"") +
                          QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8() +
                          QByteArrayLiteral("\"}");
        if (body.size() < m_config.payloadSize)
            body.append(QByteArray(m_config.payloadSize - body.size(), ' '));
        const QByteArray subject = QByteArrayLiteral("demo.orders.") + kinds[n % 3];
        // The send time, so the console measures publish -> delivery end to end.
        Headers h;
        h.append(QByteArray(kSentHeader), QByteArray::number(wallNowUs()));
        if (!m_publisher->connection()->publish(subject, h, body).ok())
            break; // not connected right now; the credit carries over
        ++m_published;
        m_credit -= 1.0;
    }
}

QList<std::shared_ptr<js::RedeliveryTracker>> DemoSession::trackers() const {
    QList<std::shared_ptr<js::RedeliveryTracker>> out;
    if (m_fulfilment)
        out.append(m_fulfilment->tracker());
    if (m_billing)
        out.append(m_billing->tracker());
    if (m_audit)
        out.append(m_audit->tracker());
    return out;
}

} // namespace jetdeck
