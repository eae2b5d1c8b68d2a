#pragma once

#include "core/client/connectionthread.h"
#include "core/demo/natsserverprocess.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace jetdeck {

/// `jetdeck --demo`: a local nats-server with JetStream in a temporary store on free loopback
/// ports, and a small live workload so a new user sees traffic at once. Destroying the
/// session stops the workload and the server and removes the store.
class DemoSession : public QObject {
    Q_OBJECT
public:
    struct Config {
        int publishRate = 50; ///< messages per second on demo.orders.*
        int payloadSize = 256;
    };

    explicit DemoSession(QObject* parent = nullptr);
    DemoSession(Config config, QObject* parent = nullptr);
    ~DemoSession() override;

    Status start();
    void stop();
    QString url() const;
    NatsServerProcess* server() const { return m_server.get(); }
    quint64 published() const { return m_published; }
    /// Subjects the demo publishes on, for the console to subscribe to.
    static QByteArray subjects() { return QByteArrayLiteral("demo.>"); }

private:
    void publishTick();

    Config m_config;
    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<ConnectionThread> m_publisher;
    QTimer m_timer;
    quint64 m_published = 0;
    double m_credit = 0;
    QElapsedTimer m_clock;
};

} // namespace jetdeck
