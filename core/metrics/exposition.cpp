#include "registry.h"

#include "core/client/connection.h"
#include "core/metrics/prometheus.h"

#include <QJsonArray>

#include <algorithm>
#include <functional>

// What the registry knows, written out: the Prometheus exposition and the JSON snapshot. Each
// metric family is one row of a table (name, type, help and how a row of data gives its
// samples), so a name is typed once and a new metric is one line here.

namespace jetdeck::metrics {

namespace {

using T = PrometheusWriter::Type;
/// Adds one sample: labels beyond the row's own, and the value.
using Put = std::function<void(const Labels& extra, double value)>;

template <typename Row>
struct FamilyDef {
    const char* name;
    T type;
    const char* help;
    void (*samples)(const Row& row, const Put& put);
};

/// Declares every family of `table`, then writes each row's samples with the row's labels.
template <typename Row, size_t N>
void writeTable(PrometheusWriter& w, const FamilyDef<Row> (&table)[N], const QList<Row>& rows,
                Labels (*labelsOf)(const Row&)) {
    for (const FamilyDef<Row>& f : table)
        w.family(f.name, f.type, f.help);
    for (const Row& row : rows) {
        const Labels base = labelsOf(row);
        for (const FamilyDef<Row>& f : table)
            f.samples(row, [&](const Labels& extra, double value) {
                Labels l = base;
                l.append(extra);
                w.sample(f.name, l, value);
            });
    }
}

Labels direction(const char* d) {
    return {{QStringLiteral("direction"), QLatin1String(d)}};
}

Labels with(const char* key, const char* value) {
    return {{QLatin1String(key), QLatin1String(value)}};
}

constexpr ConnectionState kStates[] = {ConnectionState::Disconnected, ConnectionState::Connecting,
                                       ConnectionState::Connected,    ConnectionState::Reconnecting,
                                       ConnectionState::Draining,     ConnectionState::Closed};

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

using C = ConnectionMetrics;
const FamilyDef<C> kConnectionFamilies[] = {
    {"jetdeck_nats_connection_info", T::Gauge, "The server a connection uses (1 while it has one)",
     [](const C& c, const Put& put) {
         if (!c.health.server.isEmpty())
             put({{QStringLiteral("server"), c.health.server},
                  {QStringLiteral("server_name"), c.health.serverName},
                  {QStringLiteral("version"), c.health.serverVersion}},
                 1);
     }},
    {"jetdeck_nats_connection_status", T::Gauge, "1 when connected, else 0",
     [](const C& c, const Put& put) {
         put({}, c.health.state == ConnectionState::Connected ? 1 : 0);
     }},
    {"jetdeck_nats_connection_state", T::Gauge,
     "1 for the connection's current state, 0 for the others",
     [](const C& c, const Put& put) {
         for (ConnectionState s : kStates)
             put({{QStringLiteral("state"), connectionStateName(s)}}, c.health.state == s ? 1 : 0);
     }},
    {"jetdeck_nats_reconnects_total", T::Counter, "Successful reconnects",
     [](const C& c, const Put& put) { put({}, double(c.health.reconnects)); }},
    {"jetdeck_nats_reconnect_attempts", T::Gauge,
     "Reconnect attempts since the connection was lost (0 while connected)",
     [](const C& c, const Put& put) { put({}, c.health.reconnectAttempt); }},
    {"jetdeck_nats_reconnect_attempts_max", T::Gauge, "Reconnect attempts allowed (-1: unlimited)",
     [](const C& c, const Put& put) { put({}, c.health.reconnectAttemptsMax); }},
    {"jetdeck_nats_rtt_seconds", T::Gauge, "Last PING round trip",
     [](const C& c, const Put& put) {
         if (c.health.rttUs >= 0)
             put({}, double(c.health.rttUs) / 1e6);
     }},
    {"jetdeck_nats_pending_operations", T::Gauge,
     "Operations held in the outbound queue while disconnected",
     [](const C& c, const Put& put) { put({}, double(c.health.queueDepth)); }},
    {"jetdeck_nats_pending_operations_bytes", T::Gauge, "Bytes in the outbound queue",
     [](const C& c, const Put& put) { put({}, double(c.health.queueBytes)); }},
    {"jetdeck_nats_pending_operations_limit", T::Gauge,
     "Operations the outbound queue holds at most",
     [](const C& c, const Put& put) { put({}, c.health.queueLimitOps); }},
    {"jetdeck_nats_pending_operation_oldest_age_seconds", T::Gauge,
     "Age of the oldest queued operation",
     [](const C& c, const Put& put) { put({}, double(c.health.queueOldestAgeMs) / 1000.0); }},
    {"jetdeck_nats_pending_operations_queued_total", T::Counter,
     "Operations that entered the outbound queue",
     [](const C& c, const Put& put) { put({}, double(c.health.queue.queued)); }},
    {"jetdeck_nats_pending_operations_flushed_total", T::Counter,
     "Queued operations sent after a reconnect",
     [](const C& c, const Put& put) { put({}, double(c.health.queue.flushed)); }},
    {"jetdeck_nats_pending_operations_expired_total", T::Counter,
     "Queued operations that timed out before a reconnect",
     [](const C& c, const Put& put) { put({}, double(c.health.queue.expired)); }},
    {"jetdeck_nats_pending_operations_dropped_total", T::Counter,
     "Queued operations dropped to make room (fail-open)",
     [](const C& c, const Put& put) { put({}, double(c.health.queue.dropped)); }},
    {"jetdeck_nats_pending_operations_rejected_total", T::Counter,
     "Operations refused because the queue was full (fail-closed)",
     [](const C& c, const Put& put) { put({}, double(c.health.queue.rejected)); }},
    {"jetdeck_nats_published_total", T::Counter, "Publishes accepted by the client",
     [](const C& c, const Put& put) { put({}, double(c.health.published)); }},
    {"jetdeck_nats_messages_total", T::Counter, "Messages in and out",
     [](const C& c, const Put& put) {
         put(direction("in"), double(c.health.inMsgs));
         put(direction("out"), double(c.health.outMsgs));
     }},
    {"jetdeck_nats_bytes_total", T::Counter, "Payload bytes in and out",
     [](const C& c, const Put& put) {
         put(direction("in"), double(c.health.inBytes));
         put(direction("out"), double(c.health.outBytes));
     }},
    {"jetdeck_nats_messages_per_second", T::Gauge, "Messages per second (smoothed)",
     [](const C& c, const Put& put) {
         put(direction("in"), c.inMsgsPerSec);
         put(direction("out"), c.outMsgsPerSec);
     }},
    {"jetdeck_nats_bytes_per_second", T::Gauge, "Payload bytes per second (smoothed)",
     [](const C& c, const Put& put) {
         put(direction("in"), c.inBytesPerSec);
         put(direction("out"), c.outBytesPerSec);
     }},
    {"jetdeck_nats_subscriptions", T::Gauge, "Active subscriptions",
     [](const C& c, const Put& put) { put({}, c.health.subscriptions); }},
    {"jetdeck_nats_slow_consumer_drops_total", T::Counter,
     "Messages dropped because a subscriber fell behind",
     [](const C& c, const Put& put) { put({}, double(c.health.slowConsumerDrops)); }},
    {"jetdeck_nats_server_errors_total", T::Counter, "-ERR lines from the server",
     [](const C& c, const Put& put) { put({}, double(c.health.serverErrors)); }},
};

Labels connectionLabels(const C& c) {
    return {{QStringLiteral("connection"), c.name}};
}

/// A subscription with the connection it belongs to.
struct SubscriptionRow {
    QString connection;
    SubscriptionMetrics sub;
};
using S = SubscriptionRow;
const FamilyDef<S> kSubscriptionFamilies[] = {
    {"jetdeck_nats_subscription_messages_total", T::Counter, "Messages a subscription received",
     [](const S& s, const Put& put) { put({}, double(s.sub.received)); }},
    {"jetdeck_nats_subscription_bytes_total", T::Counter,
     "Header and payload bytes a subscription received",
     [](const S& s, const Put& put) { put({}, double(s.sub.receivedBytes)); }},
    {"jetdeck_nats_subscription_messages_per_second", T::Gauge,
     "Messages per second per subscription (smoothed)",
     [](const S& s, const Put& put) { put({}, s.sub.msgsPerSec); }},
    {"jetdeck_nats_subscription_bytes_per_second", T::Gauge,
     "Bytes per second per subscription (smoothed)",
     [](const S& s, const Put& put) { put({}, s.sub.bytesPerSec); }},
    {"jetdeck_nats_subscription_dropped_total", T::Counter,
     "Messages a subscription dropped at its pending limits",
     [](const S& s, const Put& put) { put({}, double(s.sub.dropped)); }},
    {"jetdeck_nats_subscription_pending_messages", T::Gauge,
     "Messages waiting in a subscription's queue",
     [](const S& s, const Put& put) { put({}, double(s.sub.pendingMsgs)); }},
};

Labels subscriptionLabels(const S& s) {
    return {{QStringLiteral("connection"), s.connection},
            {QStringLiteral("subject"), s.sub.subject},
            {QStringLiteral("queue"), s.sub.queue}};
}

using K = ConsumerMetrics;
const FamilyDef<K> kConsumerFamilies[] = {
    {"jetdeck_jetstream_consumer_pending_messages", T::Gauge,
     "num_pending: stream messages the consumer has not delivered yet",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, double(c.info->numPending));
     }},
    {"jetdeck_jetstream_consumer_ack_pending_messages", T::Gauge,
     "num_ack_pending: delivered and not acknowledged",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, double(c.info->numAckPending));
     }},
    {"jetdeck_jetstream_consumer_redelivered_messages", T::Gauge,
     "num_redelivered: messages delivered more than once and not yet acknowledged",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, double(c.info->numRedelivered));
     }},
    {"jetdeck_jetstream_consumer_waiting_pulls", T::Gauge, "num_waiting: pull requests waiting",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, double(c.info->numWaiting));
     }},
    {"jetdeck_jetstream_consumer_delivered_total", T::Counter,
     "Deliveries (the consumer's delivered sequence)",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, double(c.info->deliveredConsumerSeq));
     }},
    {"jetdeck_jetstream_consumer_ack_floor_stream_seq", T::Gauge,
     "Stream sequence at the consumer's ack floor",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, double(c.info->ackFloorStreamSeq));
     }},
    {"jetdeck_jetstream_consumer_deliveries_per_second", T::Gauge,
     "Deliveries per second (smoothed)",
     [](const K& c, const Put& put) {
         if (c.info)
             put({}, c.deliveriesPerSec);
     }},
    {"jetdeck_jetstream_consumer_info_up", T::Gauge, "1 when the last CONSUMER.INFO poll succeeded",
     [](const K& c, const Put& put) { put({}, c.info && c.infoError.isEmpty() ? 1 : 0); }},
    {"jetdeck_jetstream_redeliveries_total", T::Counter,
     "Redeliveries seen by this client, by cause (nak or ack_wait) and delivery count (2 to 9, "
     "10+)",
     [](const K& c, const Put& put) {
         if (!c.redelivery)
             return;
         // Every series of a cause, zeros included, so that a rate over them is defined from
         // the first scrape on; summed over delivery_count they are the cause's total.
         const auto byCount = [&](const char* cause, const QList<quint64>& counts) {
             for (qsizetype i = 1; i < counts.size(); ++i) {
                 Labels l = with("cause", cause);
                 l.append({QStringLiteral("delivery_count"), i + 1 == counts.size()
                                                                 ? QStringLiteral("%1+").arg(i + 1)
                                                                 : QString::number(i + 1)});
                 put(l, double(counts[i]));
             }
         };
         byCount("nak", c.redelivery->afterNakByCount);
         byCount("ack_wait", c.redelivery->afterAckWaitByCount);
     }},
    {"jetdeck_jetstream_acks_total", T::Counter, "Answers this client sent, by kind",
     [](const K& c, const Put& put) {
         if (c.redelivery) {
             put(with("kind", "ack"), double(c.redelivery->acked));
             put(with("kind", "nak"), double(c.redelivery->naked));
             put(with("kind", "in_progress"), double(c.redelivery->inProgress));
             put(with("kind", "term"), double(c.redelivery->terminated));
         }
     }},
    {"jetdeck_jetstream_max_deliveries_total", T::Counter,
     "Messages that reached MaxDeliver (server advisories)",
     [](const K& c, const Put& put) {
         if (c.redelivery)
             put({}, double(c.redelivery->maxDeliveriesReached));
     }},
    {"jetdeck_jetstream_terminated_total", T::Counter, "Messages terminated (server advisories)",
     [](const K& c, const Put& put) {
         if (c.redelivery)
             put({}, double(c.redelivery->terminatedAdvisories));
     }},
    {"jetdeck_jetstream_sampled_acks_total", T::Counter,
     "Acks of any worker the server sampled (consumers with sample_freq), by whether the "
     "message had been delivered before",
     [](const K& c, const Put& put) {
         if (c.sampledAcks > 0) {
             put(with("redelivered", "false"), double(c.sampledAcks - c.sampledRedelivered));
             put(with("redelivered", "true"), double(c.sampledRedelivered));
         }
     }},
    // Subjects are judged too: their samples join this family below.
    {"jetdeck_backpressure_status", T::Gauge,
     "0 OK, 1 WARN, 2 CRITICAL (num_pending and processing P95 against thresholds)",
     [](const K& c, const Put& put) {
         if (c.backpressure.level != BackpressureLevel::Unknown)
             put({}, levelValue(c.backpressure.level));
     }},
};

Labels consumerLabels(const K& c) {
    return {{QStringLiteral("stream"), c.stream}, {QStringLiteral("consumer"), c.consumer}};
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

using V = sys::ServerRow;
/// A server's latest VARZ, when it answered the latest round.
const sys::Varz* liveVarz(const V& r) {
    return r.answering && r.varz ? &*r.varz : nullptr;
}
const FamilyDef<V> kServerFamilies[] = {
    {"jetdeck_server_up", T::Gauge,
     "1 when the server answered the system monitor's latest round ($SYS.REQ.SERVER.PING.VARZ)",
     [](const V& r, const Put& put) { put({}, r.answering ? 1 : 0); }},
    {"jetdeck_server_healthy", T::Gauge, "1 when the server's latest HEALTHZ said ok",
     [](const V& r, const Put& put) {
         if (r.answering && r.health)
             put({}, r.health->ok() ? 1 : 0);
     }},
    {"jetdeck_server_connections", T::Gauge, "Client connections (VARZ connections)",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r))
             put({}, v->connections);
     }},
    {"jetdeck_server_subscriptions", T::Gauge, "Subscriptions (VARZ subscriptions)",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r))
             put({}, double(v->subscriptions));
     }},
    {"jetdeck_server_slow_consumers_total", T::Counter,
     "Clients the server cut or flagged as slow consumers since it started",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r))
             put({}, double(v->slowConsumers));
     }},
    {"jetdeck_server_messages_total", T::Counter, "Messages in and out since the server started",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r)) {
             put(direction("in"), double(v->inMsgs));
             put(direction("out"), double(v->outMsgs));
         }
     }},
    {"jetdeck_server_bytes_total", T::Counter, "Bytes in and out since the server started",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r)) {
             put(direction("in"), double(v->inBytes));
             put(direction("out"), double(v->outBytes));
         }
     }},
    {"jetdeck_server_cpu_percent", T::Gauge, "CPU use, percent of one core (VARZ cpu)",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r))
             put({}, v->cpu);
     }},
    {"jetdeck_server_memory_bytes", T::Gauge, "Resident memory (VARZ mem)",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r))
             put({}, double(v->memBytes));
     }},
    {"jetdeck_server_routes", T::Gauge, "Routes to other servers of the cluster",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r))
             put({}, v->routes);
     }},
    {"jetdeck_server_jetstream_used_bytes", T::Gauge, "JetStream memory and file storage in use",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r); v && v->jetstream) {
             put(with("storage", "memory"), double(v->js.memory));
             put(with("storage", "file"), double(v->js.storage));
         }
     }},
    {"jetdeck_server_jetstream_limit_bytes", T::Gauge,
     "JetStream memory and file storage the server may use",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r); v && v->jetstream) {
             if (v->js.maxMemory > 0)
                 put(with("storage", "memory"), double(v->js.maxMemory));
             if (v->js.maxStorage > 0)
                 put(with("storage", "file"), double(v->js.maxStorage));
         }
     }},
    {"jetdeck_server_jetstream_api_requests_total", T::Counter,
     "JetStream API requests the server answered, and of them errors",
     [](const V& r, const Put& put) {
         if (const sys::Varz* v = liveVarz(r); v && v->jetstream) {
             put(with("result", "all"), double(v->js.apiTotal));
             put(with("result", "error"), double(v->js.apiErrors));
         }
     }},
};

Labels serverLabels(const V& r) {
    return {{QStringLiteral("server"), r.id.name.isEmpty() ? r.id.id : r.id.name},
            {QStringLiteral("cluster"), r.id.cluster}};
}

using R = sys::ReplicaRow;
const FamilyDef<R> kReplicaFamilies[] = {
    {"jetdeck_jetstream_replica_health", T::Gauge,
     "0 ok, 1 lagging (a follower, mirror or source behind), 2 degraded (a follower offline, a "
     "replica missing, a source that cannot copy), 3 no leader",
     [](const R& r, const Put& put) { put({}, int(r.health)); }},
    {"jetdeck_jetstream_replicas", T::Gauge, "Replicas configured",
     [](const R& r, const Put& put) { put({}, r.replicas); }},
    {"jetdeck_jetstream_replicas_offline", T::Gauge, "Followers the leader reports offline",
     [](const R& r, const Put& put) {
         int n = 0;
         for (const js::PeerInfo& p : r.followers)
             n += p.offline;
         if (r.replicas > 1)
             put({}, n);
     }},
    {"jetdeck_jetstream_replica_lag_operations", T::Gauge,
     "How far the furthest follower is behind the leader (RAFT operations)",
     [](const R& r, const Put& put) {
         quint64 lag = 0;
         for (const js::PeerInfo& p : r.followers)
             lag = std::max(lag, p.lag);
         if (r.replicas > 1)
             put({}, double(lag));
     }},
    {"jetdeck_jetstream_source_lag_messages", T::Gauge,
     "Messages a mirror or a source has not copied yet",
     [](const R& r, const Put& put) {
         if (r.mirror)
             put({{QStringLiteral("source"), r.mirror->name},
                  {QStringLiteral("kind"), QStringLiteral("mirror")}},
                 double(r.mirror->lag));
         for (const js::StreamSourceInfo& s : r.sources)
             put({{QStringLiteral("source"), s.name},
                  {QStringLiteral("kind"), QStringLiteral("source")}},
                 double(s.lag));
     }},
};

Labels replicaLabels(const R& r) {
    Labels l{{QStringLiteral("account"), r.account}, {QStringLiteral("stream"), r.stream}};
    if (r.kind == R::Kind::Consumer)
        l.append({QStringLiteral("consumer"), r.consumer});
    return l;
}

} // namespace

QByteArray MetricsRegistry::prometheusText() {
    PrometheusWriter w;
    writePrometheus(w);
    return w.text();
}

QByteArray
MetricsRegistry::prometheusText(const QList<std::pair<QString, MetricsRegistry*>>& named) {
    PrometheusWriter w;
    for (const auto& [name, registry] : named) {
        w.setCommonLabels({{QStringLiteral("connection"), name}});
        registry->writePrometheus(w);
    }
    return w.text();
}

void MetricsRegistry::writePrometheus(PrometheusWriter& w) {
    const QList<ConnectionMetrics> conns = connections();
    writeTable(w, kConnectionFamilies, conns, &connectionLabels);
    QList<SubscriptionRow> subscriptions;
    for (const ConnectionMetrics& c : conns)
        for (const SubscriptionMetrics& s : c.subscriptions)
            subscriptions.append({c.name, s});
    writeTable(w, kSubscriptionFamilies, subscriptions, &subscriptionLabels);
    writeTable(w, kConsumerFamilies, consumers(), &consumerLabels);
    writeTable(w, kServerFamilies, servers(), &serverLabels);
    writeTable(w, kReplicaFamilies, replicas(), &replicaLabels);
    for (const SubjectMetrics& s : subjects())
        if (s.backpressure.level != BackpressureLevel::Unknown)
            w.sample("jetdeck_backpressure_status", {{QStringLiteral("subject"), s.subject}},
                     levelValue(s.backpressure.level));

    w.family("jetdeck_backpressure_threshold", T::Gauge,
             "The thresholds backpressure is judged on");
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
    w.family(
        "jetdeck_latency_seconds", T::Histogram,
        "Latency by probe (ping_rtt, request, publish_ack, end_to_end, processing, ack_sampled)");
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
    QJsonArray serverArray;
    for (const sys::ServerRow& r : servers()) {
        QJsonObject o{{QStringLiteral("server"), r.id.name.isEmpty() ? r.id.id : r.id.name},
                      {QStringLiteral("cluster"), r.id.cluster},
                      {QStringLiteral("version"), r.id.version},
                      {QStringLiteral("answering"), r.answering}};
        if (r.lastSeen.isValid())
            o.insert(QStringLiteral("last_seen"), r.lastSeen.toUTC().toString(Qt::ISODateWithMs));
        if (const sys::Varz* v = liveVarz(r)) {
            o.insert(QStringLiteral("connections"), v->connections);
            o.insert(QStringLiteral("subscriptions"), double(v->subscriptions));
            o.insert(QStringLiteral("slow_consumers"), double(v->slowConsumers));
            o.insert(QStringLiteral("cpu_percent"), v->cpu);
            o.insert(QStringLiteral("memory_bytes"), double(v->memBytes));
        }
        serverArray.append(o);
    }
    QJsonArray replicaArray;
    for (const sys::ReplicaRow& r : replicas()) {
        QJsonObject o{{QStringLiteral("account"), r.account},
                      {QStringLiteral("stream"), r.stream},
                      {QStringLiteral("replicas"), r.replicas},
                      {QStringLiteral("leader"), r.leader},
                      {QStringLiteral("health"), sys::replicaHealthName(r.health)},
                      {QStringLiteral("problems"), QJsonArray::fromStringList(r.problems)}};
        if (r.kind == R::Kind::Consumer)
            o.insert(QStringLiteral("consumer"), r.consumer);
        replicaArray.append(o);
    }
    const BackpressureThresholds t = thresholds();
    return QJsonObject{
        {QStringLiteral("servers"), serverArray},
        {QStringLiteral("replicas"), replicaArray},
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
