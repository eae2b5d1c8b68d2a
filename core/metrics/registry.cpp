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

QJsonObject percentilesJson(const Percentiles& p) {
    auto ms = [](quint64 us) { return double(us) / 1000.0; };
    return QJsonObject{
        {QStringLiteral("count"), double(p.count)}, {QStringLiteral("p50_ms"), ms(p.p50)},
        {QStringLiteral("p90_ms"), ms(p.p90)},      {QStringLiteral("p95_ms"), ms(p.p95)},
        {QStringLiteral("p99_ms"), ms(p.p99)},      {QStringLiteral("p999_ms"), ms(p.p999)},
        {QStringLiteral("max_ms"), ms(p.max)},      {QStringLiteral("mean_ms"), p.meanUs / 1000.0}};
}

QJsonObject labelsJson(const Labels& labels) {
    QJsonObject o;
    for (const auto& [k, v] : labels)
        o.insert(k, v);
    return o;
}

QJsonObject backpressureJson(const BackpressureStatus& s) {
    QJsonObject o{{QStringLiteral("level"), backpressureLevelName(s.level)},
                  {QStringLiteral("reason"), s.reason}};
    if (s.pending)
        o.insert(QStringLiteral("num_pending"), double(*s.pending));
    if (s.p95Ms)
        o.insert(QStringLiteral("p95_ms"), *s.p95Ms);
    return o;
}

double levelValue(BackpressureLevel level) {
    switch (level) {
    case BackpressureLevel::Ok:
        return 0;
    case BackpressureLevel::Warn:
        return 1;
    case BackpressureLevel::Critical:
        return 2;
    case BackpressureLevel::Unknown:
        break;
    }
    return -1;
}

constexpr ConnectionState kStates[] = {ConnectionState::Disconnected, ConnectionState::Connecting,
                                       ConnectionState::Connected,    ConnectionState::Reconnecting,
                                       ConnectionState::Draining,     ConnectionState::Closed};

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

MetricsRegistry::ConsumerEntry& MetricsRegistry::consumerEntryLocked(const QString& stream,
                                                                     const QString& consumer) {
    for (ConsumerEntry& e : m_consumers)
        if (e.stream == stream && e.consumer == consumer)
            return e;
    ConsumerEntry e;
    e.stream = stream;
    e.consumer = consumer;
    m_consumers.append(std::move(e));
    return m_consumers.last();
}

void MetricsRegistry::setConsumerReadings(const QList<ConsumerReading>& readings) {
    std::lock_guard lock(m_mu);
    for (ConsumerEntry& e : m_consumers)
        e.listed.reset();
    for (const ConsumerReading& r : readings)
        consumerEntryLocked(r.stream, r.consumer).listed = r.sample;
    m_consumers.removeIf(
        [](const ConsumerEntry& e) { return !e.listed && !e.monitor && !e.tracker; });
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
    for (qsizetype i = 0; i < m_consumers.size(); ++i)
        if (m_consumers[i].stream == stream && m_consumers[i].consumer == consumer) {
            if (m_consumers[i].tracker) {
                m_consumers[i].tracker->setLatencyProbes({}, {});
                m_consumers[i].tracker->setSubjectProbeLookup({});
            }
            m_consumers.removeAt(i);
            return;
        }
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
    const Labels labels =
        sorted({{QStringLiteral("stream"), e.stream}, {QStringLiteral("consumer"), e.consumer}});
    auto it = m_probes.find(keyOf(QString::fromLatin1(probe::Processing), labels));
    std::optional<double> p95;
    if (it != m_probes.end()) {
        m.processing = snapshotLocked(*it, m_backpressureWindow, nowMs);
        if (m.processing.count > 0)
            p95 = double(m.processing.p95) / 1000.0;
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
    for (const ConsumerEntry& e : m_consumers)
        if (e.stream == stream && e.consumer == consumer)
            return e.tracker;
    return {};
}

QList<js::RedeliveryEvent> MetricsRegistry::recentEvents(const QString& stream,
                                                         const QString& consumer) const {
    std::lock_guard lock(m_mu);
    for (const ConsumerEntry& e : m_consumers)
        if (e.stream == stream && e.consumer == consumer)
            return e.events;
    return {};
}

QByteArray MetricsRegistry::prometheusText() {
    const QList<ConnectionMetrics> conns = connections();
    const QList<ConsumerMetrics> cons = consumers();
    const QList<SubjectMetrics> subs = subjects();
    using T = PrometheusWriter::Type;
    PrometheusWriter w;

    w.family("jetdeck_nats_connection_info", T::Gauge,
             "The server a connection uses (1 while it has one)");
    w.family("jetdeck_nats_connection_status", T::Gauge, "1 when connected, else 0");
    w.family("jetdeck_nats_connection_state", T::Gauge,
             "1 for the connection's current state, 0 for the others");
    w.family("jetdeck_nats_reconnects_total", T::Counter, "Successful reconnects");
    w.family("jetdeck_nats_reconnect_attempts", T::Gauge,
             "Reconnect attempts since the connection was lost (0 while connected)");
    w.family("jetdeck_nats_reconnect_attempts_max", T::Gauge,
             "Reconnect attempts allowed (-1: unlimited)");
    w.family("jetdeck_nats_rtt_seconds", T::Gauge, "Last PING round trip");
    w.family("jetdeck_nats_pending_operations", T::Gauge,
             "Operations held in the outbound queue while disconnected");
    w.family("jetdeck_nats_pending_operations_bytes", T::Gauge, "Bytes in the outbound queue");
    w.family("jetdeck_nats_pending_operations_limit", T::Gauge,
             "Operations the outbound queue holds at most");
    w.family("jetdeck_nats_pending_operation_oldest_age_seconds", T::Gauge,
             "Age of the oldest queued operation");
    w.family("jetdeck_nats_pending_operations_queued_total", T::Counter,
             "Operations that entered the outbound queue");
    w.family("jetdeck_nats_pending_operations_flushed_total", T::Counter,
             "Queued operations sent after a reconnect");
    w.family("jetdeck_nats_pending_operations_expired_total", T::Counter,
             "Queued operations that timed out before a reconnect");
    w.family("jetdeck_nats_pending_operations_dropped_total", T::Counter,
             "Queued operations dropped to make room (fail-open)");
    w.family("jetdeck_nats_pending_operations_rejected_total", T::Counter,
             "Operations refused because the queue was full (fail-closed)");
    w.family("jetdeck_nats_published_total", T::Counter, "Publishes accepted by the client");
    w.family("jetdeck_nats_messages_total", T::Counter, "Messages in and out");
    w.family("jetdeck_nats_bytes_total", T::Counter, "Payload bytes in and out");
    w.family("jetdeck_nats_messages_per_second", T::Gauge, "Messages per second (smoothed)");
    w.family("jetdeck_nats_bytes_per_second", T::Gauge, "Payload bytes per second (smoothed)");
    w.family("jetdeck_nats_subscriptions", T::Gauge, "Active subscriptions");
    w.family("jetdeck_nats_subscription_messages_total", T::Counter,
             "Messages a subscription received");
    w.family("jetdeck_nats_subscription_bytes_total", T::Counter,
             "Header and payload bytes a subscription received");
    w.family("jetdeck_nats_subscription_messages_per_second", T::Gauge,
             "Messages per second per subscription (smoothed)");
    w.family("jetdeck_nats_subscription_bytes_per_second", T::Gauge,
             "Bytes per second per subscription (smoothed)");
    w.family("jetdeck_nats_subscription_dropped_total", T::Counter,
             "Messages a subscription dropped at its pending limits");
    w.family("jetdeck_nats_subscription_pending_messages", T::Gauge,
             "Messages waiting in a subscription's queue");
    w.family("jetdeck_nats_slow_consumer_drops_total", T::Counter,
             "Messages dropped because a subscriber fell behind");
    w.family("jetdeck_nats_server_errors_total", T::Counter, "-ERR lines from the server");

    for (const ConnectionMetrics& c : conns) {
        const HealthSnapshot& h = c.health;
        const Labels l{{QStringLiteral("connection"), c.name}};
        const bool up = h.state == ConnectionState::Connected;
        if (!h.server.isEmpty())
            w.sample("jetdeck_nats_connection_info",
                     {{QStringLiteral("connection"), c.name},
                      {QStringLiteral("server"), h.server},
                      {QStringLiteral("server_name"), h.serverName},
                      {QStringLiteral("version"), h.serverVersion}},
                     1);
        w.sample("jetdeck_nats_connection_status", l, up ? 1 : 0);
        for (ConnectionState s : kStates)
            w.sample("jetdeck_nats_connection_state",
                     {{QStringLiteral("connection"), c.name},
                      {QStringLiteral("state"), connectionStateName(s)}},
                     h.state == s ? 1 : 0);
        w.sample("jetdeck_nats_reconnects_total", l, double(h.reconnects));
        w.sample("jetdeck_nats_reconnect_attempts", l, h.reconnectAttempt);
        w.sample("jetdeck_nats_reconnect_attempts_max", l, h.reconnectAttemptsMax);
        if (h.rttUs >= 0)
            w.sample("jetdeck_nats_rtt_seconds", l, double(h.rttUs) / 1e6);
        w.sample("jetdeck_nats_pending_operations", l, double(h.queueDepth));
        w.sample("jetdeck_nats_pending_operations_bytes", l, double(h.queueBytes));
        w.sample("jetdeck_nats_pending_operations_limit", l, h.queueLimitOps);
        w.sample("jetdeck_nats_pending_operation_oldest_age_seconds", l,
                 double(h.queueOldestAgeMs) / 1000.0);
        w.sample("jetdeck_nats_pending_operations_queued_total", l, double(h.queue.queued));
        w.sample("jetdeck_nats_pending_operations_flushed_total", l, double(h.queue.flushed));
        w.sample("jetdeck_nats_pending_operations_expired_total", l, double(h.queue.expired));
        w.sample("jetdeck_nats_pending_operations_dropped_total", l, double(h.queue.dropped));
        w.sample("jetdeck_nats_pending_operations_rejected_total", l, double(h.queue.rejected));
        w.sample("jetdeck_nats_published_total", l, double(h.published));
        const Labels in{{QStringLiteral("connection"), c.name},
                        {QStringLiteral("direction"), QStringLiteral("in")}};
        const Labels out{{QStringLiteral("connection"), c.name},
                         {QStringLiteral("direction"), QStringLiteral("out")}};
        w.sample("jetdeck_nats_messages_total", in, double(h.inMsgs));
        w.sample("jetdeck_nats_messages_total", out, double(h.outMsgs));
        w.sample("jetdeck_nats_bytes_total", in, double(h.inBytes));
        w.sample("jetdeck_nats_bytes_total", out, double(h.outBytes));
        w.sample("jetdeck_nats_messages_per_second", in, c.inMsgsPerSec);
        w.sample("jetdeck_nats_messages_per_second", out, c.outMsgsPerSec);
        w.sample("jetdeck_nats_bytes_per_second", in, c.inBytesPerSec);
        w.sample("jetdeck_nats_bytes_per_second", out, c.outBytesPerSec);
        w.sample("jetdeck_nats_subscriptions", l, h.subscriptions);
        w.sample("jetdeck_nats_slow_consumer_drops_total", l, double(h.slowConsumerDrops));
        w.sample("jetdeck_nats_server_errors_total", l, double(h.serverErrors));
        for (const SubscriptionMetrics& sub : c.subscriptions) {
            const Labels sl{{QStringLiteral("connection"), c.name},
                            {QStringLiteral("subject"), sub.subject},
                            {QStringLiteral("queue"), sub.queue}};
            w.sample("jetdeck_nats_subscription_messages_total", sl, double(sub.received));
            w.sample("jetdeck_nats_subscription_bytes_total", sl, double(sub.receivedBytes));
            w.sample("jetdeck_nats_subscription_messages_per_second", sl, sub.msgsPerSec);
            w.sample("jetdeck_nats_subscription_bytes_per_second", sl, sub.bytesPerSec);
            w.sample("jetdeck_nats_subscription_dropped_total", sl, double(sub.dropped));
            w.sample("jetdeck_nats_subscription_pending_messages", sl, double(sub.pendingMsgs));
        }
    }

    w.family("jetdeck_jetstream_consumer_pending_messages", T::Gauge,
             "num_pending: stream messages the consumer has not delivered yet");
    w.family("jetdeck_jetstream_consumer_ack_pending_messages", T::Gauge,
             "num_ack_pending: delivered and not acknowledged");
    w.family("jetdeck_jetstream_consumer_redelivered_messages", T::Gauge,
             "num_redelivered: messages delivered more than once and not yet acknowledged");
    w.family("jetdeck_jetstream_consumer_waiting_pulls", T::Gauge,
             "num_waiting: pull requests waiting");
    w.family("jetdeck_jetstream_consumer_delivered_total", T::Counter,
             "Deliveries (the consumer's delivered sequence)");
    w.family("jetdeck_jetstream_consumer_ack_floor_stream_seq", T::Gauge,
             "Stream sequence at the consumer's ack floor");
    w.family("jetdeck_jetstream_consumer_deliveries_per_second", T::Gauge,
             "Deliveries per second (smoothed)");
    w.family("jetdeck_jetstream_consumer_info_up", T::Gauge,
             "1 when the last CONSUMER.INFO poll succeeded");
    w.family("jetdeck_jetstream_redeliveries_total", T::Counter,
             "Redeliveries seen by this client, by cause (nak or ack_wait)");
    w.family("jetdeck_jetstream_acks_total", T::Counter, "Answers this client sent, by kind");
    w.family("jetdeck_jetstream_max_deliveries_total", T::Counter,
             "Messages that reached MaxDeliver (server advisories)");
    w.family("jetdeck_jetstream_terminated_total", T::Counter,
             "Messages terminated (server advisories)");
    w.family("jetdeck_backpressure_status", T::Gauge,
             "0 OK, 1 WARN, 2 CRITICAL (num_pending and processing P95 against thresholds)");
    w.family("jetdeck_backpressure_threshold", T::Gauge,
             "The thresholds backpressure is judged on");

    for (const ConsumerMetrics& c : cons) {
        const Labels l{{QStringLiteral("stream"), c.stream},
                       {QStringLiteral("consumer"), c.consumer}};
        w.sample("jetdeck_jetstream_consumer_info_up", l, c.info && c.infoError.isEmpty() ? 1 : 0);
        if (c.info) {
            w.sample("jetdeck_jetstream_consumer_pending_messages", l, double(c.info->numPending));
            w.sample("jetdeck_jetstream_consumer_ack_pending_messages", l,
                     double(c.info->numAckPending));
            w.sample("jetdeck_jetstream_consumer_redelivered_messages", l,
                     double(c.info->numRedelivered));
            w.sample("jetdeck_jetstream_consumer_waiting_pulls", l, double(c.info->numWaiting));
            w.sample("jetdeck_jetstream_consumer_delivered_total", l,
                     double(c.info->deliveredConsumerSeq));
            w.sample("jetdeck_jetstream_consumer_ack_floor_stream_seq", l,
                     double(c.info->ackFloorStreamSeq));
            w.sample("jetdeck_jetstream_consumer_deliveries_per_second", l, c.deliveriesPerSec);
        }
        if (c.redelivery) {
            const js::RedeliveryStats& r = *c.redelivery;
            auto with = [&](const char* key, const char* value) {
                Labels x = l;
                x.append({QLatin1String(key), QLatin1String(value)});
                return x;
            };
            w.sample("jetdeck_jetstream_redeliveries_total", with("cause", "nak"),
                     double(r.afterNak));
            w.sample("jetdeck_jetstream_redeliveries_total", with("cause", "ack_wait"),
                     double(r.afterAckWait));
            w.sample("jetdeck_jetstream_acks_total", with("kind", "ack"), double(r.acked));
            w.sample("jetdeck_jetstream_acks_total", with("kind", "nak"), double(r.naked));
            w.sample("jetdeck_jetstream_acks_total", with("kind", "in_progress"),
                     double(r.inProgress));
            w.sample("jetdeck_jetstream_acks_total", with("kind", "term"), double(r.terminated));
            w.sample("jetdeck_jetstream_max_deliveries_total", l, double(r.maxDeliveriesReached));
            w.sample("jetdeck_jetstream_terminated_total", l, double(r.terminatedAdvisories));
        }
        if (c.backpressure.level != BackpressureLevel::Unknown)
            w.sample("jetdeck_backpressure_status", l, levelValue(c.backpressure.level));
    }
    for (const SubjectMetrics& s : subs)
        if (s.backpressure.level != BackpressureLevel::Unknown)
            w.sample("jetdeck_backpressure_status", {{QStringLiteral("subject"), s.subject}},
                     levelValue(s.backpressure.level));
    const BackpressureThresholds t = thresholds();
    auto threshold = [&](const char* signal, const char* level, double v) {
        w.sample("jetdeck_backpressure_threshold",
                 {{QStringLiteral("signal"), QLatin1String(signal)},
                  {QStringLiteral("level"), QLatin1String(level)}},
                 v);
    };
    threshold("num_pending", "warn", double(t.pendingWarn));
    threshold("num_pending", "critical", double(t.pendingCritical));
    threshold("processing_p95_seconds", "warn", t.p95WarnMs / 1000.0);
    threshold("processing_p95_seconds", "critical", t.p95CriticalMs / 1000.0);

    // Latency: a histogram per probe since start, and JetDeck's own windowed percentiles.
    w.family("jetdeck_latency_seconds", T::Histogram,
             "Latency by probe (ping_rtt, request, publish_ack, end_to_end, processing)");
    w.family("jetdeck_latency_window_seconds", T::Gauge,
             "Latency percentiles (50, 95, 99) over JetDeck's sliding windows");
    QList<std::pair<Labels, std::shared_ptr<WindowedHistogram>>> probes;
    {
        std::lock_guard lock(m_mu);
        for (const QString& key : std::as_const(m_probeOrder)) {
            const ProbeEntry& e = m_probes[key];
            Labels l{{QStringLiteral("probe"), e.name}};
            l.append(e.labels);
            probes.append({l, e.histogram});
        }
    }
    for (const auto& [labels, h] : std::as_const(probes))
        w.histogram("jetdeck_latency_seconds", labels, h->buckets());
    for (const ProbeSnapshot& s : probeSnapshots(Window::Last1m)) {
        if (s.percentiles.count == 0)
            continue;
        Labels base{{QStringLiteral("probe"), s.probe}};
        base.append(s.labels);
        base.append({QStringLiteral("window"), QStringLiteral("1m")});
        // "percentile", not "quantile": that label belongs to summaries.
        const std::pair<const char*, quint64> qs[] = {
            {"50", s.percentiles.p50}, {"95", s.percentiles.p95}, {"99", s.percentiles.p99}};
        for (const auto& [q, us] : qs) {
            Labels l = base;
            l.append({QStringLiteral("percentile"), QLatin1String(q)});
            w.sample("jetdeck_latency_window_seconds", l, double(us) / 1e6);
        }
    }
    return w.text();
}

QJsonObject MetricsRegistry::toJson(Window window) {
    QJsonArray conns;
    for (const ConnectionMetrics& c : connections()) {
        QJsonObject o = c.health.toJson();
        o.insert(QStringLiteral("name"), c.name);
        QJsonArray subs;
        for (const SubscriptionMetrics& sub : c.subscriptions)
            subs.append(QJsonObject{{QStringLiteral("subject"), sub.subject},
                                    {QStringLiteral("queue"), sub.queue},
                                    {QStringLiteral("received"), double(sub.received)},
                                    {QStringLiteral("received_bytes"), double(sub.receivedBytes)},
                                    {QStringLiteral("dropped"), double(sub.dropped)},
                                    {QStringLiteral("pending_msgs"), double(sub.pendingMsgs)},
                                    {QStringLiteral("msgs_per_sec"), sub.msgsPerSec},
                                    {QStringLiteral("bytes_per_sec"), sub.bytesPerSec}});
        o.insert(QStringLiteral("subscription_rates"), subs);
        o.insert(QStringLiteral("rates"),
                 QJsonObject{{QStringLiteral("in_msgs_per_sec"), c.inMsgsPerSec},
                             {QStringLiteral("out_msgs_per_sec"), c.outMsgsPerSec},
                             {QStringLiteral("in_bytes_per_sec"), c.inBytesPerSec},
                             {QStringLiteral("out_bytes_per_sec"), c.outBytesPerSec}});
        conns.append(o);
    }
    QJsonArray cons;
    for (const ConsumerMetrics& c : consumers()) {
        QJsonObject o{{QStringLiteral("stream"), c.stream},
                      {QStringLiteral("consumer"), c.consumer},
                      {QStringLiteral("deliveries_per_sec"), c.deliveriesPerSec},
                      {QStringLiteral("backpressure"), backpressureJson(c.backpressure)},
                      {QStringLiteral("processing"), percentilesJson(c.processing)}};
        if (c.info)
            o.insert(
                QStringLiteral("info"),
                QJsonObject{
                    {QStringLiteral("time"), c.info->time.toString(Qt::ISODateWithMs)},
                    {QStringLiteral("num_pending"), double(c.info->numPending)},
                    {QStringLiteral("num_ack_pending"), double(c.info->numAckPending)},
                    {QStringLiteral("num_redelivered"), double(c.info->numRedelivered)},
                    {QStringLiteral("num_waiting"), double(c.info->numWaiting)},
                    {QStringLiteral("delivered_consumer_seq"),
                     double(c.info->deliveredConsumerSeq)},
                    {QStringLiteral("ack_floor_stream_seq"), double(c.info->ackFloorStreamSeq)}});
        if (!c.infoError.isEmpty())
            o.insert(QStringLiteral("info_error"), c.infoError);
        if (c.redelivery) {
            const js::RedeliveryStats& r = *c.redelivery;
            QJsonArray hist;
            for (quint64 n : r.deliveryCounts)
                hist.append(double(n));
            o.insert(QStringLiteral("redelivery"),
                     QJsonObject{{QStringLiteral("delivered"), double(r.delivered)},
                                 {QStringLiteral("redelivered"), double(r.redelivered)},
                                 {QStringLiteral("after_nak"), double(r.afterNak)},
                                 {QStringLiteral("after_ack_wait"), double(r.afterAckWait)},
                                 {QStringLiteral("max_deliveries"), double(r.maxDeliveriesReached)},
                                 {QStringLiteral("terminated"), double(r.terminatedAdvisories)},
                                 {QStringLiteral("delivery_count_histogram"), hist}});
        }
        cons.append(o);
    }
    QJsonArray subs;
    for (const SubjectMetrics& s : subjects())
        subs.append(
            QJsonObject{{QStringLiteral("subject"), s.subject},
                        {QStringLiteral("processing"), percentilesJson(s.processing)},
                        {QStringLiteral("backpressure"), backpressureJson(s.backpressure)}});
    QJsonArray probes;
    for (const ProbeSnapshot& s : probeSnapshots(window)) {
        QJsonObject o = percentilesJson(s.percentiles);
        o.insert(QStringLiteral("probe"), s.probe);
        o.insert(QStringLiteral("labels"), labelsJson(s.labels));
        probes.append(o);
    }
    const BackpressureThresholds t = thresholds();
    return QJsonObject{
        {QStringLiteral("taken_at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {QStringLiteral("window"), windowName(window)},
        {QStringLiteral("connections"), conns},
        {QStringLiteral("consumers"), cons},
        {QStringLiteral("subjects"), subs},
        {QStringLiteral("latency"), probes},
        {QStringLiteral("thresholds"),
         QJsonObject{{QStringLiteral("backpressure_pending_warn"), double(t.pendingWarn)},
                     {QStringLiteral("backpressure_pending_critical"), double(t.pendingCritical)},
                     {QStringLiteral("backpressure_p95_warn_ms"), t.p95WarnMs},
                     {QStringLiteral("backpressure_p95_critical_ms"), t.p95CriticalMs}}}};
}

} // namespace jetdeck::metrics
