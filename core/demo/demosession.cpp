#include "demosession.h"

#include <QDateTime>

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

Status DemoSession::start() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    cfg.name = QStringLiteral("jetdeck-demo");
    m_server = std::make_unique<NatsServerProcess>(cfg);
    if (Status s = m_server->start())
        return s;
    auto opts = Options::fromUrls(m_server->url());
    if (!opts)
        return opts.error();
    Options o = opts.value();
    o.name = QStringLiteral("jetdeck-demo-workload");
    m_publisher = std::make_unique<ConnectionThread>(o, QStringLiteral("demo-workload"));
    if (Status s = m_publisher->connection()->connectSync(10000))
        return s;
    m_clock.start();
    m_timer.start();
    return {};
}

void DemoSession::stop() {
    m_timer.stop();
    m_publisher.reset();
    m_server.reset();
}

QString DemoSession::url() const {
    return m_server ? m_server->url() : QString();
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
        if (m_publisher->connection()->publish(subject, body))
            break; // not connected right now; the credit carries over
        ++m_published;
        m_credit -= 1.0;
    }
}

} // namespace jetdeck
