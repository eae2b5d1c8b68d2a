#pragma once

#include "core/base/windowedhistogram.h"
#include "core/client/health.h"
#include "core/jetstream/consumermonitor.h"
#include "core/jetstream/lister.h"
#include "core/jetstream/redeliverytracker.h"
#include "core/metrics/backpressure.h"
#include "core/metrics/prometheus.h"
#include "core/metrics/ratemeter.h"
#include "core/system/replicas.h"
#include "core/system/systemmonitor.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <mutex>
#include <optional>

namespace jetdeck {
class Connection;
}

namespace jetdeck::metrics {

/// The probes: what each latency histogram measures.
namespace probe {
inline constexpr char PingRtt[] = "ping_rtt";       ///< client PING -> PONG
inline constexpr char Request[] = "request";        ///< core request -> reply
inline constexpr char PublishAck[] = "publish_ack"; ///< JetStream publish -> PubAck
inline constexpr char EndToEnd[] = "end_to_end";    ///< publish (or store) -> delivery
inline constexpr char Processing[] = "processing";  ///< delivery -> ack / NAK / term
/// delivery -> ack of any worker, as the server sampled it ($JS.EVENT.METRIC.CONSUMER.ACK)
inline constexpr char AckSampled[] = "ack_sampled";
} // namespace probe

/// One probe's numbers over a window.
struct ProbeSnapshot {
    QString probe;
    Labels labels;
    Percentiles percentiles;
    /// The value of `key` among the labels, empty when absent.
    QString label(const QString& key) const;
};

/// One subscription's traffic.
struct SubscriptionMetrics {
    QString subject;
    QString queue;
    quint64 received = 0, receivedBytes = 0, dropped = 0;
    qint64 pendingMsgs = 0;
    double msgsPerSec = 0, bytesPerSec = 0;
};

struct ConnectionMetrics {
    QString name;
    HealthSnapshot health;
    double inMsgsPerSec = 0, outMsgsPerSec = 0, inBytesPerSec = 0, outBytesPerSec = 0;
    QList<SubscriptionMetrics> subscriptions;
};

struct ConsumerMetrics {
    QString stream;
    QString consumer;
    std::optional<js::ConsumerSample> info;        ///< the monitor's last CONSUMER.INFO, if any
    QString infoError;                             ///< why the last poll failed, if it did
    std::optional<js::RedeliveryStats> redelivery; ///< when a tracker is registered
    double deliveriesPerSec = 0;                   ///< from the consumer's delivered sequence
    Percentiles processing;                        ///< processing time over the backpressure window
    /// Every worker's processing time (any service's), from the server's ack samples over the
    /// backpressure window; the verdict uses it when JetDeck processes nothing of this consumer.
    Percentiles sampled;
    quint64 sampledAcks = 0;        ///< ack samples received since JetDeck started
    quint64 sampledRedelivered = 0; ///< of those, acks after more than one delivery
    BackpressureStatus backpressure;
};

/// A subject whose processing time is measured (probe "processing" labelled with `subject`):
/// its backpressure is judged on P95 alone.
struct SubjectMetrics {
    QString subject;
    Percentiles processing;
    BackpressureStatus backpressure;
};

/// Everything JetDeck measures, in one place: latency probes (windowed histograms keyed by
/// probe name and labels), the connections and consumers it watches with their rates, and the
/// backpressure status computed from live CONSUMER.INFO and processing P95. The console's
/// pages, the JSON snapshot and the Prometheus exposition all read from here.
///
/// Lives on one thread (the console's main thread); probe() and recording into a probe work
/// from any thread. Connections and monitors must be removed (or outlive the registry).
class PrometheusWriter;

class MetricsRegistry : public QObject {
    Q_OBJECT
public:
    static constexpr int kTickMs = 250;

    explicit MetricsRegistry(QObject* parent = nullptr);
    ~MetricsRegistry() override;

    /// The probe `name` with `labels` (sorted by key), created on first use. Thread-safe.
    std::shared_ptr<WindowedHistogram> probe(const QString& name, Labels labels = {});
    /// Every probe's numbers over `window`.
    QList<ProbeSnapshot> probeSnapshots(Window window);
    /// One probe's numbers; nullopt when it does not exist.
    std::optional<ProbeSnapshot> probeSnapshot(const QString& name, const Labels& labels,
                                               Window window);

    /// Watches a connection under `name` (a label), and records its PING round trips and
    /// request round trips into probes labelled connection=name.
    void addConnection(const QString& name, Connection* connection);
    void removeConnection(Connection* connection);
    /// Watches a consumer: its monitor's CONSUMER.INFO (pending, ack pending, redelivered,
    /// waiting), and when given, a tracker (see attachTracker(); it names the same consumer).
    void addConsumer(js::ConsumerMonitor* monitor,
                     std::shared_ptr<js::RedeliveryTracker> tracker = {});
    void removeConsumer(const QString& stream, const QString& consumer);
    /// Consumer readings from elsewhere (the console's periodic CONSUMER.LIST): they replace
    /// the previous list; consumers no longer listed are dropped unless a monitor or a tracker
    /// still watches them.
    struct ConsumerReading {
        QString stream, consumer;
        js::ConsumerSample sample;
    };
    void setConsumerReadings(const QList<ConsumerReading>& readings);
    /// The same from a listing: every consumer it found, read when the listing ended.
    void setConsumerReadings(const js::JetStreamSnapshot& snapshot);
    /// Records the tracker's end-to-end and processing times into the probes of its consumer
    /// (stream=, consumer=) and exports its redelivery counts.
    void attachTracker(std::shared_ptr<js::RedeliveryTracker> tracker);
    /// The processing probe of a message subject (labels subject=), for per-subject
    /// backpressure; null once kMaxSubjects subjects are tracked (their samples still count
    /// for their consumer). Thread-safe.
    std::shared_ptr<WindowedHistogram> subjectProcessingProbe(QByteArrayView subject);
    static constexpr int kMaxSubjects = 64;

    /// One ack sample of the server's (any worker's ack of `stream` / `consumer`): into the
    /// probe ack_sampled (stream=, consumer=) and the consumer's sample counts. Thread-safe.
    void recordAckSample(const QString& stream, const QString& consumer, qint64 ackTimeUs,
                         quint64 deliveries);

    /// The servers as the system monitor last saw them (jetdeck_server_*); replaced as a whole.
    void setServers(const QList<sys::ServerRow>& servers);
    QList<sys::ServerRow> servers() const;
    /// Every stream's and consumer's replica health (jetdeck_jetstream_replica_*), from the
    /// latest JSZ round or account listing; replaced as a whole.
    void setReplicas(const QList<sys::ReplicaRow>& replicas);
    QList<sys::ReplicaRow> replicas() const;

    /// The tracker watching a consumer, if one is attached.
    std::shared_ptr<js::RedeliveryTracker> tracker(const QString& stream,
                                                   const QString& consumer) const;
    /// The consumer's latest MaxDeliver and termination events (at most kMaxEvents, oldest
    /// first), collected from its tracker on every tick.
    QList<js::RedeliveryEvent> recentEvents(const QString& stream, const QString& consumer) const;
    static constexpr int kMaxEvents = 500;

    void setThresholds(const BackpressureThresholds& thresholds);
    BackpressureThresholds thresholds() const;
    /// The window processing P95 is judged on (1 min by default).
    void setBackpressureWindow(Window window);

    QList<ConnectionMetrics> connections();
    QList<ConsumerMetrics> consumers();
    QList<SubjectMetrics> subjects();

    /// The Prometheus text exposition (format 0.0.4) of everything above.
    QByteArray prometheusText();
    /// The same into `w` (its common labels apply).
    void writePrometheus(PrometheusWriter& w);
    /// Several registries in one exposition, every sample labelled connection=<its name> (the
    /// connection series carry that label already): a family's HELP and TYPE once, its
    /// samples from every registry together.
    static QByteArray prometheusText(const QList<std::pair<QString, MetricsRegistry*>>& named);
    /// Everything above as one JSON object, with latency over `window`.
    QJsonObject toJson(Window window = Window::Last1m);

    /// Advances the histograms' windows and samples the rates; a timer calls it every kTickMs.
    void tick();

signals:
    /// A consumer's backpressure level changed (reason included); a consumer first seen OK
    /// is not announced.
    void backpressureChanged(const QString& stream, const QString& consumer,
                             const jetdeck::metrics::BackpressureStatus& status);
    /// A consumer's tracker reported messages that hit MaxDeliver or were terminated.
    void redeliveryEvents(const QString& stream, const QString& consumer,
                          const QList<jetdeck::js::RedeliveryEvent>& events);

private:
    struct ProbeEntry {
        QString name;
        Labels labels;
        std::shared_ptr<WindowedHistogram> histogram;
        // Snapshots are cached for one tick: pages, exposition and the JSON export read the
        // same numbers without scanning the histogram again.
        Percentiles cached[3];
        qint64 cachedAtMs[3] = {-1, -1, -1};
    };
    struct SubscriptionEntry {
        SubscriptionMetrics last;
        RateMeter msgs, bytes;
    };
    struct ConnectionEntry {
        QString name;
        QPointer<Connection> connection;
        RateMeter inMsgs, outMsgs, inBytes, outBytes;
        QHash<quint64, SubscriptionEntry> subscriptions; ///< by sid
    };
    struct ConsumerEntry {
        QPointer<js::ConsumerMonitor> monitor;
        std::optional<js::ConsumerSample> listed; ///< from setConsumerReadings()
        QString stream, consumer;
        // Its keys, made once: consumerMetricsLocked() runs for every consumer every tick.
        QString processingKey; ///< in m_probes
        QString sampledKey;    ///< in m_probes
        QString pairKey;       ///< "stream/consumer", in m_sampleCounts
        std::shared_ptr<js::RedeliveryTracker> tracker;
        RateMeter deliveries;
        BackpressureLevel lastLevel = BackpressureLevel::Unknown;
        QList<js::RedeliveryEvent> events; ///< bounded by kMaxEvents
    };

    struct SampleCounts {
        quint64 acks = 0;
        quint64 redelivered = 0;
    };

    static QString keyOf(const QString& name, const Labels& labels);
    Percentiles snapshotLocked(ProbeEntry& e, Window window, qint64 nowMs);
    ConsumerMetrics consumerMetricsLocked(ConsumerEntry& e, qint64 nowMs);
    ConsumerEntry& consumerEntryLocked(const QString& stream, const QString& consumer);
    /// The entry's index in m_consumers, -1 when there is none.
    qsizetype consumerIndexLocked(const QString& stream, const QString& consumer) const;
    void reindexConsumersLocked();

    mutable std::mutex m_mu;
    QHash<QString, ProbeEntry> m_probes;
    QList<sys::ServerRow> m_servers;   ///< under m_mu
    QList<sys::ReplicaRow> m_replicas; ///< under m_mu
    mutable std::mutex m_sampleMu;     ///< m_sampleCounts, taken alone (samples arrive off-thread)
    QHash<QString, SampleCounts> m_sampleCounts; ///< by "stream/consumer"
    std::mutex m_subjectMu;
    QHash<QByteArray, std::shared_ptr<WindowedHistogram>> m_subjectProbes;
    QList<QString> m_probeOrder;
    QList<ConnectionEntry> m_connections;
    QList<ConsumerEntry> m_consumers; ///< in the order they came
    /// m_consumers' indexes by stream + '\x1f' + consumer: tens of thousands of consumers are
    /// looked up every listing.
    QHash<QString, qsizetype> m_consumerAt;
    BackpressureThresholds m_thresholds;
    Window m_backpressureWindow = Window::Last1m;
    QTimer m_timer;
};

} // namespace jetdeck::metrics

Q_DECLARE_METATYPE(jetdeck::metrics::BackpressureStatus)
