#pragma once

#include "core/client/connectionthread.h"
#include "core/client/systemcredentials.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/pullconsumer.h"
#include "core/jetstream/pushconsumer.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace jetdeck {

/// `jetdeck --demo`: a local nats-server with JetStream in a temporary store on free loopback
/// ports, a small topology (stream ORDERS on demo.orders.>, a pull work consumer
/// "fulfilment", a push consumer "billing" in a deliver group, a consumer "audit" with
/// MaxDeliver 3 and a backoff list) and a live workload: a publisher, and workers that ack,
/// NAK now and then, or give up so MaxDeliver is reached. Destroying the session stops the
/// workload and the server and removes the store.
class DemoSession : public QObject {
    Q_OBJECT
public:
    struct Config {
        int publishRate = 50; ///< messages per second on demo.orders.*
        int payloadSize = 256;
        int fulfilmentNakPercent = 5;   ///< the pull worker NAKs this share
        int auditNakPercent = 40;       ///< the audit worker NAKs this share (MaxDeliver 3)
        int fulfilmentStallPercent = 2; ///< never answered: redelivered when AckWait runs out
        int auditTermPercent = 1;       ///< terminated as unprocessable
        /// 1: one server; 3 (or up to 9): a JetStream cluster on loopback, streams replicated
        /// on up to three of its members.
        int clusterSize = 1;
        /// The servers get an accounts block: the demo's clients (no credentials) are the
        /// user "demo" of the account DEMO, which has JetStream; the user "sys" (a random
        /// password, systemCredentials()) is the system account's, for the pages that watch
        /// the whole system.
        bool systemAccount = true;
    };

    explicit DemoSession(QObject* parent = nullptr);
    DemoSession(Config config, QObject* parent = nullptr);
    ~DemoSession() override;

    Status start();
    void stop();
    /// The client URLs of every server, comma separated.
    QString url() const;
    /// The first server; servers() lists them all.
    NatsServerProcess* server() const { return m_servers.empty() ? nullptr : m_servers[0].get(); }
    QList<NatsServerProcess*> servers() const;
    /// Every process and directory the demo made: gone after stop().
    QStringList directories() const;
    quint64 published() const { return m_published; }
    /// The workers' redelivery trackers (fulfilment, billing, audit), for the metrics registry.
    QList<std::shared_ptr<js::RedeliveryTracker>> trackers() const;
    /// The system account's user on the demo's servers (none without Config::systemAccount).
    SystemCredentials systemCredentials() const;
    /// The servers' accounts block for a system account user `sys` with `systemPassword` and
    /// the account DEMO (JetStream) whose user `demo` every client without credentials is.
    static QString accountsConfig(const QString& systemPassword);
    /// Subjects the demo publishes on, for the console to subscribe to.
    static QByteArray subjects() { return QByteArrayLiteral("demo.>"); }
    static QString streamName() { return QStringLiteral("ORDERS"); }

private:
    void publishTick();
    Status createTopology();
    Status startWorkers();

    Config m_config;
    std::vector<std::unique_ptr<NatsServerProcess>> m_servers;
    std::unique_ptr<ConnectionThread> m_publisher;
    std::unique_ptr<ConnectionThread> m_workers;
    std::unique_ptr<js::PullConsumer> m_fulfilment;
    std::unique_ptr<js::PushConsumer> m_billing;
    std::unique_ptr<js::PullConsumer> m_audit;
    QList<SubscriptionPtr> m_advisories; ///< MAX_DELIVERIES / MSG_TERMINATED per consumer
    QTimer m_timer;
    quint64 m_published = 0;
    double m_credit = 0;
    QElapsedTimer m_clock;
    QString m_systemPassword; ///< random per run; empty without a system account
};

} // namespace jetdeck
