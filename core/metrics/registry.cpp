#include "registry.h"

#include "core/base/clock.h"
#include "core/client/connection.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>

namespace jetdeck::metrics {

namespace {

Labels sorted(Labels labels) {
    std::sort(labels.begin(), labels.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return labels;
}

} // namespace

QString ProbeSnapshot::label(const QString& key) const {
    for (const auto& [k, v] : labels)
        if (k == key)
            return v;
    return {};
}

MetricsRegistry::MetricsRegistry(QObject* parent)
    : QObject(parent) {
    qRegisterMetaType<BackpressureStatus>();
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &MetricsRegistry::tick);
    m_timer.start();
}

MetricsRegistry::~MetricsRegistry() {
    std::lock_guard lock(m_mu);
    for (const ConnectionEntry& c : std::as_const(m_connections))
        if (c.connection)
            c.connection->setLatencyProbes({}, {});
    for (const ConsumerEntry& c : std::as_const(m_consumers))
        if (c.tracker) {
            c.tracker->setLatencyProbes({}, {});
            c.tracker->setSubjectProbeLookup({});
        }
}

QString MetricsRegistry::keyOf(const QString& name, const Labels& labels) {
    QString key = name;
    for (const auto& [k, v] : labels)
        key += QLatin1Char('\x1f') + k + QLatin1Char('=') + v;
    return key;
}

std::shared_ptr<WindowedHistogram> MetricsRegistry::probe(const QString& name, Labels labels) {
    labels = sorted(std::move(labels));
    const QString key = keyOf(name, labels);
    std::lock_guard lock(m_mu);
    auto it = m_probes.find(key);
    if (it == m_probes.end()) {
        ProbeEntry e;
        e.name = name;
        e.labels = labels;
        e.histogram = std::make_shared<WindowedHistogram>();
        it = m_probes.insert(key, std::move(e));
        m_probeOrder.append(key);
    }
    return it->histogram;
}

Percentiles MetricsRegistry::snapshotLocked(ProbeEntry& e, Window window, qint64 nowMs) {
    const int w = int(window);
    if (e.cachedAtMs[w] < 0 || nowMs - e.cachedAtMs[w] >= kTickMs) {
        e.cached[w] = e.histogram->snapshot(window);
        e.cachedAtMs[w] = nowMs;
    }
    return e.cached[w];
}

QList<ProbeSnapshot> MetricsRegistry::probeSnapshots(Window window) {
    const qint64 now = steadyNowMs();
    std::lock_guard lock(m_mu);
    QList<ProbeSnapshot> out;
    out.reserve(m_probeOrder.size());
    for (const QString& key : std::as_const(m_probeOrder)) {
        ProbeEntry& e = m_probes[key];
        out.append(ProbeSnapshot{e.name, e.labels, snapshotLocked(e, window, now)});
    }
    return out;
}

std::optional<ProbeSnapshot> MetricsRegistry::probeSnapshot(const QString& name,
                                                            const Labels& labels, Window window) {
    const Labels l = sorted(labels);
    std::lock_guard lock(m_mu);
    auto it = m_probes.find(keyOf(name, l));
    if (it == m_probes.end())
        return std::nullopt;
    return ProbeSnapshot{it->name, it->labels, snapshotLocked(*it, window, steadyNowMs())};
}

void MetricsRegistry::addConnection(const QString& name, Connection* connection) {
    if (!connection)
        return;
    const Labels labels{{QStringLiteral("connection"), name}};
    connection->setLatencyProbes(probe(QString::fromLatin1(probe::PingRtt), labels),
                                 probe(QString::fromLatin1(probe::Request), labels));
    std::lock_guard lock(m_mu);
    for (const ConnectionEntry& e : std::as_const(m_connections))
        if (e.connection == connection)
            return;
    ConnectionEntry e;
    e.name = name;
    e.connection = connection;
    m_connections.append(std::move(e));
}

void MetricsRegistry::removeConnection(Connection* connection) {
    std::lock_guard lock(m_mu);
    for (qsizetype i = 0; i < m_connections.size(); ++i)
        if (m_connections[i].connection == connection) {
            connection->setLatencyProbes({}, {});
            m_connections.removeAt(i);
            return;
        }
}

void MetricsRegistry::addConsumer(js::ConsumerMonitor* monitor,
                                  std::shared_ptr<js::RedeliveryTracker> tracker) {
    if (!monitor)
        return;
    {
        std::lock_guard lock(m_mu);
        consumerEntryLocked(monitor->stream(), monitor->consumer()).monitor = monitor;
    }
    attachTracker(std::move(tracker));
}

namespace {

QString consumerKey(const QString& stream, const QString& consumer) {
    return stream + QLatin1Char('\x1f') + consumer;
}

} // namespace

qsizetype MetricsRegistry::consumerIndexLocked(const QString& stream,
                                               const QString& consumer) const {
    return m_consumerAt.value(consumerKey(stream, consumer), -1);
}

void MetricsRegistry::reindexConsumersLocked() {
    m_consumerAt.clear();
    m_consumerAt.reserve(m_consumers.size());
    for (qsizetype i = 0; i < m_consumers.size(); ++i)
        m_consumerAt.insert(consumerKey(m_consumers[i].stream, m_consumers[i].consumer), i);
}

MetricsRegistry::ConsumerEntry& MetricsRegistry::consumerEntryLocked(const QString& stream,
                                                                     const QString& consumer) {
    const QString key = consumerKey(stream, consumer);
    if (const auto it = m_consumerAt.constFind(key); it != m_consumerAt.cend())
        return m_consumers[*it];
    ConsumerEntry e;
    e.stream = stream;
    e.consumer = consumer;
    const Labels labels =
        sorted({{QStringLiteral("stream"), stream}, {QStringLiteral("consumer"), consumer}});
    e.processingKey = keyOf(QString::fromLatin1(probe::Processing), labels);
    e.sampledKey = keyOf(QString::fromLatin1(probe::AckSampled), labels);
    e.pairKey = stream + QLatin1Char('/') + consumer;
    m_consumerAt.insert(key, m_consumers.size());
    m_consumers.append(std::move(e));
    return m_consumers.last();
}

void MetricsRegistry::setConsumerReadings(const js::JetStreamSnapshot& snapshot) {
    // The list's numbers are as live as a CONSUMER.INFO's: backpressure is judged on them.
    QList<ConsumerReading> readings;
    const QDateTime time = snapshot.taken.isValid() ? snapshot.taken : QDateTime::currentDateTime();
    for (auto it = snapshot.consumers.cbegin(); it != snapshot.consumers.cend(); ++it)
        for (const js::ConsumerInfo& c : it.value())
            readings.append({it.key(), c.name, js::ConsumerSample::of(c, time)});
    setConsumerReadings(readings);
}

void MetricsRegistry::setConsumerReadings(const QList<ConsumerReading>& readings) {
    std::lock_guard lock(m_mu);
    for (ConsumerEntry& e : m_consumers)
        e.listed.reset();
    for (const ConsumerReading& r : readings)
        consumerEntryLocked(r.stream, r.consumer).listed = r.sample;
    if (m_consumers.removeIf(
            [](const ConsumerEntry& e) { return !e.listed && !e.monitor && !e.tracker; }) > 0)
        reindexConsumersLocked();
}

void MetricsRegistry::setServers(const QList<sys::ServerRow>& servers) {
    std::lock_guard lock(m_mu);
    m_servers = servers;
}

QList<sys::ServerRow> MetricsRegistry::servers() const {
    std::lock_guard lock(m_mu);
    return m_servers;
}

void MetricsRegistry::setReplicas(const QList<sys::ReplicaRow>& replicas) {
    std::lock_guard lock(m_mu);
    m_replicas = replicas;
}

QList<sys::ReplicaRow> MetricsRegistry::replicas() const {
    std::lock_guard lock(m_mu);
    return m_replicas;
}

void MetricsRegistry::recordAckSample(const QString& stream, const QString& consumer,
                                      qint64 ackTimeUs, quint64 deliveries) {
    probe(QString::fromLatin1(probe::AckSampled),
          {{QStringLiteral("stream"), stream}, {QStringLiteral("consumer"), consumer}})
        ->record(quint64(std::max<qint64>(0, ackTimeUs)));
    std::lock_guard lock(m_sampleMu);
    SampleCounts& c = m_sampleCounts[stream + QLatin1Char('/') + consumer];
    ++c.acks;
    if (deliveries > 1)
        ++c.redelivered;
}

void MetricsRegistry::attachTracker(std::shared_ptr<js::RedeliveryTracker> tracker) {
    if (!tracker)
        return;
    const Labels labels{{QStringLiteral("stream"), tracker->stream()},
                        {QStringLiteral("consumer"), tracker->consumer()}};
    tracker->setLatencyProbes(probe(QString::fromLatin1(probe::EndToEnd), labels),
                              probe(QString::fromLatin1(probe::Processing), labels));
    tracker->setSubjectProbeLookup(
        [this](QByteArrayView subject) { return subjectProcessingProbe(subject); });
    std::lock_guard lock(m_mu);
    consumerEntryLocked(tracker->stream(), tracker->consumer()).tracker = std::move(tracker);
}

std::shared_ptr<WindowedHistogram> MetricsRegistry::subjectProcessingProbe(QByteArrayView subject) {
    {
        std::lock_guard lock(m_subjectMu);
        const auto it = m_subjectProbes.constFind(subject.toByteArray());
        if (it != m_subjectProbes.cend())
            return *it;
        if (m_subjectProbes.size() >= kMaxSubjects)
            return {}; // bounded: a subject per order id must not grow without end
    }
    auto p = probe(QString::fromLatin1(probe::Processing),
                   {{QStringLiteral("subject"), QString::fromUtf8(subject)}});
    std::lock_guard lock(m_subjectMu);
    m_subjectProbes.insert(subject.toByteArray(), p);
    return p;
}

void MetricsRegistry::removeConsumer(const QString& stream, const QString& consumer) {
    std::lock_guard lock(m_mu);
    const qsizetype i = consumerIndexLocked(stream, consumer);
    if (i < 0)
        return;
    if (m_consumers[i].tracker) {
        m_consumers[i].tracker->setLatencyProbes({}, {});
        m_consumers[i].tracker->setSubjectProbeLookup({});
    }
    m_consumers.removeAt(i);
    reindexConsumersLocked();
}

void MetricsRegistry::setThresholds(const BackpressureThresholds& thresholds) {
    std::lock_guard lock(m_mu);
    m_thresholds = thresholds;
}

BackpressureThresholds MetricsRegistry::thresholds() const {
    std::lock_guard lock(m_mu);
    return m_thresholds;
}

void MetricsRegistry::setBackpressureWindow(Window window) {
    std::lock_guard lock(m_mu);
    m_backpressureWindow = window;
}

ConsumerMetrics MetricsRegistry::consumerMetricsLocked(ConsumerEntry& e, qint64 nowMs) {
    ConsumerMetrics m;
    m.stream = e.stream;
    m.consumer = e.consumer;
    if (e.monitor) {
        const js::ConsumerSample s = e.monitor->latest();
        if (s.time.isValid())
            m.info = s;
        const Error err = e.monitor->lastError();
        if (!err.ok())
            m.infoError = err.message;
    } else if (e.listed) {
        m.info = e.listed;
    } else {
        m.infoError = QStringLiteral("no CONSUMER.INFO for this consumer");
    }
    if (e.tracker)
        m.redelivery = e.tracker->stats();
    m.deliveriesPerSec = e.deliveries.perSecond();
    auto it = m_probes.find(e.processingKey);
    std::optional<double> p95;
    if (it != m_probes.end()) {
        m.processing = snapshotLocked(*it, m_backpressureWindow, nowMs);
        if (m.processing.count > 0)
            p95 = double(m.processing.p95) / 1000.0;
    }
    // The server's samples cover every worker; JetDeck's own measurement, when there is one,
    // is the more precise for what JetDeck itself processes.
    it = m_probes.find(e.sampledKey);
    if (it != m_probes.end()) {
        m.sampled = snapshotLocked(*it, m_backpressureWindow, nowMs);
        if (!p95 && m.sampled.count > 0)
            p95 = double(m.sampled.p95) / 1000.0;
    }
    {
        std::lock_guard sampleLock(m_sampleMu);
        const SampleCounts c = m_sampleCounts.value(e.pairKey, SampleCounts{});
        m.sampledAcks = c.acks;
        m.sampledRedelivered = c.redelivered;
    }
    // Pending counts only when the reading is live: a monitor that can no longer reach the
    // server must not keep showing an old, reassuring number.
    std::optional<qint64> pending;
    if (m.info && m.infoError.isEmpty())
        pending = m.info->numPending;
    m.backpressure = evaluateBackpressure(pending, p95, m_thresholds);
    if (!m.infoError.isEmpty() && m.backpressure.level == BackpressureLevel::Unknown)
        m.backpressure.reason = QStringLiteral("CONSUMER.INFO failed: %1").arg(m.infoError);
    return m;
}

QList<ConnectionMetrics> MetricsRegistry::connections() {
    std::lock_guard lock(m_mu);
    QList<ConnectionMetrics> out;
    for (const ConnectionEntry& e : std::as_const(m_connections)) {
        if (!e.connection)
            continue;
        ConnectionMetrics m;
        m.name = e.name;
        m.health = e.connection->health();
        m.inMsgsPerSec = e.inMsgs.perSecond();
        m.outMsgsPerSec = e.outMsgs.perSecond();
        m.inBytesPerSec = e.inBytes.perSecond();
        m.outBytesPerSec = e.outBytes.perSecond();
        for (const SubscriptionEntry& se : e.subscriptions)
            m.subscriptions.append(se.last);
        std::sort(m.subscriptions.begin(), m.subscriptions.end(),
                  [](const SubscriptionMetrics& a, const SubscriptionMetrics& b) {
                      return a.subject < b.subject;
                  });
        out.append(m);
    }
    return out;
}

QList<ConsumerMetrics> MetricsRegistry::consumers() {
    const qint64 now = steadyNowMs();
    std::lock_guard lock(m_mu);
    QList<ConsumerMetrics> out;
    for (ConsumerEntry& e : m_consumers)
        out.append(consumerMetricsLocked(e, now));
    return out;
}

QList<SubjectMetrics> MetricsRegistry::subjects() {
    const qint64 now = steadyNowMs();
    std::lock_guard lock(m_mu);
    QList<SubjectMetrics> out;
    for (const QString& key : std::as_const(m_probeOrder)) {
        ProbeEntry& e = m_probes[key];
        if (e.name != QLatin1String(probe::Processing))
            continue;
        QString subject;
        for (const auto& [k, v] : e.labels)
            if (k == QLatin1String("subject"))
                subject = v;
        if (subject.isEmpty())
            continue;
        SubjectMetrics m;
        m.subject = subject;
        m.processing = snapshotLocked(e, m_backpressureWindow, now);
        m.backpressure = evaluateBackpressure(
            std::nullopt,
            m.processing.count ? std::optional<double>(double(m.processing.p95) / 1000.0)
                               : std::nullopt,
            m_thresholds);
        out.append(m);
    }
    return out;
}

void MetricsRegistry::tick() {
    const qint64 now = steadyNowMs();
    QList<std::tuple<QString, QString, BackpressureStatus>> changed;
    QList<std::tuple<QString, QString, QList<js::RedeliveryEvent>>> news;
    {
        std::lock_guard lock(m_mu);
        for (ProbeEntry& e : m_probes)
            e.histogram->tick();
        for (ConnectionEntry& e : m_connections) {
            if (!e.connection)
                continue;
            const ConnectionStats s = e.connection->stats();
            e.inMsgs.update(now, s.inMsgs);
            e.outMsgs.update(now, s.outMsgs);
            e.inBytes.update(now, s.inBytes);
            e.outBytes.update(now, s.outBytes);
            QSet<quint64> live;
            for (const SubscriptionPtr& sub : e.connection->subscriptions()) {
                const SubscriptionStats st = sub->stats();
                SubscriptionEntry& se = e.subscriptions[sub->sid()];
                live.insert(sub->sid());
                se.last.subject = QString::fromUtf8(sub->subject());
                se.last.queue = QString::fromUtf8(sub->queue());
                se.last.received = st.received;
                se.last.receivedBytes = st.receivedBytes;
                se.last.dropped = st.dropped;
                se.last.pendingMsgs = st.pendingMsgs;
                se.msgs.update(now, st.received);
                se.bytes.update(now, st.receivedBytes);
                se.last.msgsPerSec = se.msgs.perSecond();
                se.last.bytesPerSec = se.bytes.perSecond();
            }
            e.subscriptions.removeIf([&](const auto& it) { return !live.contains(it.key()); });
        }
        for (ConsumerEntry& e : m_consumers) {
            const js::ConsumerSample s =
                e.monitor ? e.monitor->latest() : e.listed.value_or(js::ConsumerSample{});
            if (s.time.isValid())
                e.deliveries.update(now, s.deliveredConsumerSeq);
            if (e.tracker) {
                const QList<js::RedeliveryEvent> fresh = e.tracker->takeEvents();
                if (!fresh.isEmpty()) {
                    e.events.append(fresh);
                    if (e.events.size() > kMaxEvents)
                        e.events.remove(0, e.events.size() - kMaxEvents);
                    news.append({e.stream, e.consumer, fresh});
                }
            }
            const ConsumerMetrics m = consumerMetricsLocked(e, now);
            if (m.backpressure.level != e.lastLevel) {
                // A consumer first seen healthy is not news; anything else is.
                const bool firstOk = e.lastLevel == BackpressureLevel::Unknown &&
                                     m.backpressure.level == BackpressureLevel::Ok;
                e.lastLevel = m.backpressure.level;
                if (!firstOk)
                    changed.append({e.stream, e.consumer, m.backpressure});
            }
        }
    }
    for (const auto& [stream, consumer, status] : std::as_const(changed))
        emit backpressureChanged(stream, consumer, status);
    for (const auto& [stream, consumer, events] : std::as_const(news))
        emit redeliveryEvents(stream, consumer, events);
}

std::shared_ptr<js::RedeliveryTracker> MetricsRegistry::tracker(const QString& stream,
                                                                const QString& consumer) const {
    std::lock_guard lock(m_mu);
    const qsizetype i = consumerIndexLocked(stream, consumer);
    return i < 0 ? nullptr : m_consumers[i].tracker;
}

QList<js::RedeliveryEvent> MetricsRegistry::recentEvents(const QString& stream,
                                                         const QString& consumer) const {
    std::lock_guard lock(m_mu);
    const qsizetype i = consumerIndexLocked(stream, consumer);
    return i < 0 ? QList<js::RedeliveryEvent>() : m_consumers[i].events;
}

} // namespace jetdeck::metrics
