#include "consumermonitor.h"

namespace jetdeck::js {

ConsumerSample ConsumerSample::of(const ConsumerInfo& info, const QDateTime& time) {
    ConsumerSample s;
    s.time = time;
    s.numPending = info.numPending;
    s.numAckPending = info.numAckPending;
    s.numRedelivered = info.numRedelivered;
    s.numWaiting = info.numWaiting;
    s.deliveredStreamSeq = info.delivered.streamSeq;
    s.deliveredConsumerSeq = info.delivered.consumerSeq;
    s.ackFloorStreamSeq = info.ackFloor.streamSeq;
    return s;
}

ConsumerMonitor::ConsumerMonitor(const JetStream& js, QString stream, QString consumer,
                                 int intervalMs, int historySize, QObject* parent)
    : QObject(parent)
    , m_js(js)
    , m_stream(std::move(stream))
    , m_consumer(std::move(consumer))
    , m_historySize(qMax(2, historySize)) {
    qRegisterMetaType<ConsumerInfo>();
    m_timer.setInterval(qMax(50, intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &ConsumerMonitor::pollNow);
}

void ConsumerMonitor::start() {
    m_timer.start();
    pollNow();
}

void ConsumerMonitor::stop() {
    m_timer.stop();
}

void ConsumerMonitor::pollNow() {
    // One request at a time: a slow server must not pile polls up.
    if (m_inFlight)
        return;
    if (Status s = validateName(m_stream, QStringLiteral("stream name")); !s.ok()) {
        onReply(s);
        return;
    }
    if (Status s = validateName(m_consumer, QStringLiteral("consumer name")); !s.ok()) {
        onReply(s);
        return;
    }
    if (m_budget && !m_budget->tryTake(1)) {
        ++m_skipped;
        return;
    }
    m_inFlight = true;
    m_js.requestAsync(QByteArray("CONSUMER.INFO." + m_stream.toUtf8() + '.' + m_consumer.toUtf8()),
                      {}, this, [this](const Result<nlohmann::json>& r) {
                          m_inFlight = false;
                          onReply(r);
                      });
}

void ConsumerMonitor::onReply(const Result<nlohmann::json>& reply) {
    Result<ConsumerInfo> info =
        reply ? ConsumerInfo::fromJson(reply.value()) : Result<ConsumerInfo>(reply.error());
    if (!info) {
        {
            std::lock_guard lock(m_mu);
            m_lastError = info.error();
        }
        emit pollFailed(info.error());
        return;
    }
    const ConsumerSample s = ConsumerSample::of(info.value(), QDateTime::currentDateTime());
    {
        std::lock_guard lock(m_mu);
        m_history.push_back(s);
        while (m_history.size() > size_t(m_historySize))
            m_history.pop_front();
        m_latest = info.value();
        m_lastError = Error{};
    }
    emit updated(info.value());
}

QList<ConsumerSample> ConsumerMonitor::history() const {
    std::lock_guard lock(m_mu);
    return QList<ConsumerSample>(m_history.begin(), m_history.end());
}

ConsumerSample ConsumerMonitor::latest() const {
    std::lock_guard lock(m_mu);
    return m_history.empty() ? ConsumerSample{} : m_history.back();
}

ConsumerInfo ConsumerMonitor::latestInfo() const {
    std::lock_guard lock(m_mu);
    return m_latest;
}

Error ConsumerMonitor::lastError() const {
    std::lock_guard lock(m_mu);
    return m_lastError;
}

} // namespace jetdeck::js
