// jetdeck-cli serve-metrics and latency: the metrics engine without the console.

#include "clicommon.h"

#include "core/jetstream/asyncpublisher.h"
#include "core/jetstream/consumermonitor.h"
#include "core/metrics/metricsserver.h"
#include "core/metrics/registry.h"
#include "core/system/acksampler.h"
#include "core/system/replicas.h"
#include "core/system/systemmonitor.h"

#include <QJsonArray>
#include <QTimer>

#include <memory>

namespace jetdeck::cli {

namespace {

using namespace jetdeck::metrics;

/// --pending-warn ... --p95-critical over the defaults; false with a message when invalid.
bool parseThresholds(const QCommandLineParser& p, BackpressureThresholds* t, QString* error) {
    auto number = [&](const char* name, double* out) {
        const QString key = QLatin1String(name);
        if (!p.isSet(key))
            return true;
        bool ok = false;
        const double v = p.value(key).toDouble(&ok);
        if (!ok || v < 0) {
            *error = QStringLiteral("--%1 needs a number >= 0, not '%2'").arg(key, p.value(key));
            return false;
        }
        *out = v;
        return true;
    };
    double warn = double(t->pendingWarn), critical = double(t->pendingCritical);
    if (!number("pending-warn", &warn) || !number("pending-critical", &critical) ||
        !number("p95-warn-ms", &t->p95WarnMs) || !number("p95-critical-ms", &t->p95CriticalMs))
        return false;
    t->pendingWarn = qint64(warn);
    t->pendingCritical = qint64(critical);
    const QString bad = t->validate();
    if (!bad.isEmpty()) {
        *error = bad;
        return false;
    }
    return true;
}

void thresholdOptions(QCommandLineParser& p) {
    p.addOptions({{QStringLiteral("pending-warn"),
                   QStringLiteral("Backpressure WARN above this num_pending (default 1000)."),
                   QStringLiteral("n")},
                  {QStringLiteral("pending-critical"),
                   QStringLiteral("Backpressure CRITICAL above this num_pending (default 10000)."),
                   QStringLiteral("n")},
                  {QStringLiteral("p95-warn-ms"),
                   QStringLiteral("Backpressure WARN above this processing P95 (default 1000)."),
                   QStringLiteral("ms")},
                  {QStringLiteral("p95-critical-ms"),
                   QStringLiteral("Backpressure CRITICAL above this processing P95 (default "
                                  "5000)."),
                   QStringLiteral("ms")}});
}

void serveOptions(QCommandLineParser& p) {
    p.addOptions(
        {{QStringLiteral("metrics-port"),
          QStringLiteral("Port for the Prometheus endpoint (0: any free port; required)."),
          QStringLiteral("port")},
         {QStringLiteral("metrics-address"),
          QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("address")},
         {QStringLiteral("consumer"),
          QStringLiteral("STREAM/CONSUMER to watch with CONSUMER.INFO (repeatable; default: every "
                         "consumer of every stream, read with one CONSUMER.LIST per stream)."),
          QStringLiteral("stream/consumer")},
         {QStringLiteral("poll"),
          QStringLiteral("How often the consumers are read (default 1s; stretched to stay within "
                         "--budget)."),
          QStringLiteral("duration")},
         {QStringLiteral("budget"),
          QStringLiteral("JetStream API requests a second this may send the cluster at most "
                         "(default 20)."),
          QStringLiteral("requests")},
         {QStringLiteral("duration"),
          QStringLiteral("Stop after this long (default: until interrupted)."),
          QStringLiteral("duration")},
         {QStringLiteral("servers"),
          QStringLiteral("Also export every server (jetdeck_server_*) and every account's replica "
                         "health through the system account (the user must be in it): VARZ a "
                         "second, HEALTHZ and JSZ every fifth, within --budget.")}});
    thresholdOptions(p);
}

struct Watched {
    QString stream, consumer;
    std::unique_ptr<js::ConsumerMonitor> monitor;
};

int cmdServeMetrics(const QCommandLineParser& p, Resolved r, bool json) {
    if (!p.isSet(QStringLiteral("metrics-port")))
        return fail(QStringLiteral("serve-metrics needs --metrics-port PORT (0 for any free port)"),
                    kExitUsage);
    bool ok = false;
    const uint port = p.value(QStringLiteral("metrics-port")).toUInt(&ok);
    if (!ok || port > 65535)
        return fail(QStringLiteral("--metrics-port needs a port number 0..65535, not '%1'")
                        .arg(p.value(QStringLiteral("metrics-port"))),
                    kExitUsage);
    QHostAddress address(QHostAddress::LocalHost);
    if (p.isSet(QStringLiteral("metrics-address")) &&
        !address.setAddress(p.value(QStringLiteral("metrics-address"))))
        return fail(QStringLiteral("--metrics-address needs an IP address, not '%1'")
                        .arg(p.value(QStringLiteral("metrics-address"))),
                    kExitUsage);
    QString err;
    qint64 pollMs = 1000, durationMs = 0;
    if (!parseDurationMs(p, QStringLiteral("poll"), 1000, &pollMs, &err) ||
        !parseDurationMs(p, QStringLiteral("duration"), 0, &durationMs, &err))
        return fail(err, kExitUsage);
    if (pollMs < 100)
        return fail(QStringLiteral("--poll needs at least 100ms"), kExitUsage);
    double perSecond = RequestBudget::kDefaultPerSecond;
    if (p.isSet(QStringLiteral("budget"))) {
        perSecond = p.value(QStringLiteral("budget")).toDouble(&ok);
        if (!ok || !std::isfinite(perSecond) || perSecond < 0.1 || perSecond > 10000)
            return fail(QStringLiteral("--budget needs requests a second, 0.1..10000, not '%1'")
                            .arg(p.value(QStringLiteral("budget"))),
                        kExitUsage);
    }
    RequestBudget budget(perSecond);
    QList<QPair<QString, QString>> named;
    for (const QString& spec : p.values(QStringLiteral("consumer"))) {
        const QStringList parts = spec.split(QLatin1Char('/'));
        if (parts.size() != 2 || parts[0].isEmpty() || parts[1].isEmpty())
            return fail(QStringLiteral("--consumer needs STREAM/CONSUMER, not '%1'").arg(spec),
                        kExitUsage);
        named.append({parts[0], parts[1]});
    }
    MetricsRegistry registry;
    BackpressureThresholds thresholds;
    if (!parseThresholds(p, &thresholds, &err))
        return fail(err, kExitUsage);
    registry.setThresholds(thresholds);

    // The endpoint answers even while the server is down: that is when it matters.
    r.options.retryOnFailedConnect = true;
    Connection c(r.options);
    MetricsServer server(&registry);
    if (Status s = server.listen(quint16(port), address); !s.ok())
        return fail(s.toString());
    registry.addConnection(r.options.name.isEmpty() ? QStringLiteral("default") : r.options.name,
                           &c);
    if (Status s = c.connectSync(r.timeoutMs); !s.ok())
        std::fprintf(stderr,
                     "jetdeck-cli: %s (serving metrics anyway; reconnecting in the background)\n",
                     qPrintable(s.toString()));
    js::JetStream js(&c);

    // Named consumers: one CONSUMER.INFO each per poll, the poll stretched so that together
    // they stay within the budget. Otherwise every consumer from one listing (STREAM.LIST and a
    // CONSUMER.LIST per stream with consumers), paced by the same budget.
    std::vector<std::unique_ptr<Watched>> watched;
    const qint64 namedPollMs =
        named.isEmpty() ? pollMs
                        : std::max(pollMs, qint64(std::ceil(1000.0 * named.size() / perSecond)));
    for (const auto& [stream, consumer] : std::as_const(named)) {
        if (std::any_of(watched.begin(), watched.end(), [&](const auto& w) {
                return w->stream == stream && w->consumer == consumer;
            }))
            continue;
        auto w = std::make_unique<Watched>();
        w->stream = stream;
        w->consumer = consumer;
        w->monitor = std::make_unique<js::ConsumerMonitor>(js, stream, consumer, int(namedPollMs));
        w->monitor->setBudget(&budget);
        w->monitor->start();
        registry.addConsumer(w->monitor.get());
        watched.push_back(std::move(w));
    }
    // The whole cluster through the system account, when asked for.
    std::unique_ptr<sys::SystemMonitor> system;
    if (p.isSet(QStringLiteral("servers"))) {
        system = std::make_unique<sys::SystemMonitor>(&c, &budget);
        QObject::connect(system.get(), &sys::SystemMonitor::serversUpdated, system.get(),
                         [&] { registry.setServers(system->servers()); });
        QObject::connect(system.get(), &sys::SystemMonitor::jetStreamUpdated, system.get(), [&] {
            registry.setReplicas(sys::replicaRows(system->jetStream().assets));
        });
        QObject::connect(system.get(), &sys::SystemMonitor::accessChanged, system.get(),
                         [](sys::Access a) {
                             if (a == sys::Access::NoSystemUser)
                                 std::fprintf(stderr, "jetdeck-cli: --servers: %s\n",
                                              qPrintable(sys::systemAccessHint()));
                         });
        system->start();
    }
    std::unique_ptr<js::JetStreamLister> lister;
    if (named.isEmpty()) {
        lister = std::make_unique<js::JetStreamLister>(js, &budget);
        lister->setShare(1.0); // nothing else in this process asks the cluster
        lister->setInterval(int(pollMs));
        QObject::connect(lister.get(), &js::JetStreamLister::listed, lister.get(),
                         [&](const Result<js::JetStreamSnapshot>& snap) {
                             if (!snap)
                                 return;
                             registry.setConsumerReadings(snap.value());
                             if (!system || !system->jetStream().at.isValid())
                                 registry.setReplicas(sys::replicaRows(snap.value()));
                         });
        lister->start();
    }

    // Every worker's processing time for the consumers with sample_freq (any service's):
    // the servers' ack samples, a subscription only.
    sys::AckSampler samples;
    if (Status s = samples.watch(&c, r.options.jetstreamEventPrefix,
                                 [&registry](const sys::AckSample& a) {
                                     registry.recordAckSample(a.stream, a.consumer,
                                                              a.ackTimeNs / 1000, a.deliveries);
                                 });
        !s.ok())
        std::fprintf(stderr, "jetdeck-cli: cannot watch ack samples: %s\n",
                     qPrintable(s.toString()));

    const QString what = named.isEmpty()
                             ? QStringLiteral("every consumer, listed every %1 ms or as the "
                                              "budget allows")
                                   .arg(pollMs)
                             : QStringLiteral("%1 consumers, each read every %2 ms")
                                   .arg(watched.size())
                                   .arg(namedPollMs);
    if (json)
        printJson(QJsonObject{{QStringLiteral("metrics_url"), server.url()},
                              {QStringLiteral("consumers"), qint64(watched.size())},
                              {QStringLiteral("poll_ms"), namedPollMs},
                              {QStringLiteral("budget_per_second"), perSecond}});
    else
        out(QStringLiteral("serving metrics on %1 (%2; at most %3 requests/s); Ctrl-C to stop\n")
                .arg(server.url(), what)
                .arg(perSecond));

    QTimer ping; // PING round trips for the ping_rtt probe and the RTT gauge
    QObject::connect(&ping, &QTimer::timeout, &ping, [&] {
        if (c.state() == ConnectionState::Connected)
            c.flushAsync(5000, &ping, [](const Status&) {});
    });
    ping.start(1000);
    QElapsedTimer t;
    t.start();
    runLoop([&] { return durationMs > 0 && t.elapsed() >= durationMs; });
    ping.stop();
    samples.stop();
    system.reset();
    lister.reset();
    for (const auto& w : watched)
        registry.removeConsumer(w->stream, w->consumer);
    registry.removeConnection(&c);
    c.closeSync();
    return kExitOk;
}

void latencyOptions(QCommandLineParser& p) {
    p.addOptions(
        {{QStringLiteral("probe"),
          QStringLiteral("ping_rtt, request or publish_ack (repeatable; default ping_rtt and "
                         "request, plus publish_ack with --js-subject)."),
          QStringLiteral("name")},
         {QStringLiteral("window"),
          QStringLiteral("Window to report: 10s, 1m or 5m (default 1m; what the run measured)."),
          QStringLiteral("window")},
         {QStringLiteral("duration"), QStringLiteral("How long to measure (default 5s)."),
          QStringLiteral("duration")},
         {QStringLiteral("rate"), QStringLiteral("Samples per second per probe (default 100)."),
          QStringLiteral("n")},
         {QStringLiteral("js-subject"),
          QStringLiteral("Measure publish -> PubAck on this subject of a stream."),
          QStringLiteral("subject")},
         {QStringLiteral("size"), QStringLiteral("Payload bytes (default 64)."),
          QStringLiteral("bytes")}});
}

QString ms(quint64 us) {
    return QString::number(double(us) / 1000.0, 'f', 3);
}

int cmdLatency(const QCommandLineParser& p, const Resolved& r, bool json) {
    QString err;
    qint64 durationMs = 5000, rate = 100, size = 64;
    if (!parseDurationMs(p, QStringLiteral("duration"), 5000, &durationMs, &err) ||
        !parseCount(p, QStringLiteral("rate"), 100, &rate, &err) ||
        !parseCount(p, QStringLiteral("size"), 64, &size, &err))
        return fail(err, kExitUsage);
    if (durationMs <= 0 || rate <= 0 || rate > 10000)
        return fail(QStringLiteral("latency needs a positive --duration and a --rate of 1..10000"),
                    kExitUsage);
    Window window = Window::Last1m;
    if (p.isSet(QStringLiteral("window"))) {
        const auto w = windowFromName(p.value(QStringLiteral("window")));
        if (!w)
            return fail(QStringLiteral("--window needs 10s, 1m or 5m, not '%1'")
                            .arg(p.value(QStringLiteral("window"))),
                        kExitUsage);
        window = *w;
    }
    const QByteArray jsSubject = p.value(QStringLiteral("js-subject")).toUtf8();
    QStringList probes = p.values(QStringLiteral("probe"));
    if (probes.isEmpty()) {
        probes = {QLatin1String(probe::PingRtt), QLatin1String(probe::Request)};
        if (!jsSubject.isEmpty())
            probes << QLatin1String(probe::PublishAck);
    }
    for (const QString& name : std::as_const(probes)) {
        if (name != QLatin1String(probe::PingRtt) && name != QLatin1String(probe::Request) &&
            name != QLatin1String(probe::PublishAck))
            return fail(QStringLiteral("unknown --probe '%1': ping_rtt, request or publish_ack "
                                       "(end_to_end and processing are measured by the console "
                                       "and serve-metrics on consumers)")
                            .arg(name),
                        kExitUsage);
        if (name == QLatin1String(probe::PublishAck) && jsSubject.isEmpty())
            return fail(QStringLiteral("--probe publish_ack needs --js-subject SUBJECT"),
                        kExitUsage);
    }
    Connection c(r.options);
    int code = 0;
    if (!connectOrFail(c, r.timeoutMs, &code))
        return code;
    MetricsRegistry registry;
    const QString connName = QStringLiteral("default");
    registry.addConnection(connName, &c);
    const Labels connLabels{{QStringLiteral("connection"), connName}};

    // A responder of our own, so request round trips need nothing else on the server.
    const QByteArray echoSubject = c.newInbox() + ".echo";
    auto echo = c.subscribe(echoSubject, &registry, [&c](const Message& m) {
        if (!m.reply().isEmpty())
            c.publish(m.reply(), m.payload());
    });
    if (!echo)
        return fail(echo.error().toString());
    c.flushSync(r.timeoutMs);

    std::unique_ptr<js::AsyncPublisher> pub;
    if (probes.contains(QLatin1String(probe::PublishAck))) {
        js::AsyncPublishConfig pc;
        pc.ackTimeoutMs = r.timeoutMs;
        pub = std::make_unique<js::AsyncPublisher>(&c, pc);
        if (Status s = pub->start(); !s.ok())
            return fail(s.toString());
        pub->setLatencyProbe(
            registry.probe(QLatin1String(probe::PublishAck),
                           {{QStringLiteral("subject"), QString::fromUtf8(jsSubject)}}));
    }
    const QByteArray payload(qsizetype(size), 'l');
    quint64 requestErrors = 0, publishErrors = 0, requestsOut = 0;
    QString lastError;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
        if (probes.contains(QLatin1String(probe::PingRtt)))
            c.flushAsync(r.timeoutMs, &tick, [](const Status&) {});
        if (probes.contains(QLatin1String(probe::Request))) {
            ++requestsOut;
            c.request(echoSubject, payload, r.timeoutMs, &tick, [&](const Result<Message>& m) {
                --requestsOut;
                if (!m) {
                    ++requestErrors;
                    lastError = m.error().toString();
                }
            });
        }
        if (pub)
            if (auto id = pub->publish(jsSubject, payload, {}, nullptr, 0); !id) {
                ++publishErrors;
                lastError = id.error().toString();
            }
    });
    tick.start(int(qMax<qint64>(1, 1000 / rate)));
    QElapsedTimer t;
    t.start();
    runLoop([&] { return t.elapsed() >= durationMs; });
    tick.stop();
    // Requests still on their way count: let them finish (each has its own timeout).
    t.restart();
    runLoop([&] { return requestsOut == 0 || t.elapsed() > r.timeoutMs + 1000; });
    if (pub) {
        (void)pub->waitComplete(r.timeoutMs);
        const js::AsyncPublishStats st = pub->stats();
        publishErrors += st.failed + st.timedOut;
    }
    c.flushSync(r.timeoutMs);

    QJsonArray rows;
    QStringList lines;
    lines << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8")
                 .arg(QStringLiteral("probe"), -12)
                 .arg(QStringLiteral("count"), 8)
                 .arg(QStringLiteral("p50 ms"), 9)
                 .arg(QStringLiteral("p90 ms"), 9)
                 .arg(QStringLiteral("p95 ms"), 9)
                 .arg(QStringLiteral("p99 ms"), 9)
                 .arg(QStringLiteral("p99.9 ms"), 9)
                 .arg(QStringLiteral("max ms"), 9);
    for (const QString& name : std::as_const(probes)) {
        const Labels labels =
            name == QLatin1String(probe::PublishAck)
                ? Labels{{QStringLiteral("subject"), QString::fromUtf8(jsSubject)}}
                : connLabels;
        const auto s = registry.probeSnapshot(name, labels, window);
        const Percentiles pc = s ? s->percentiles : Percentiles{};
        rows.append(QJsonObject{{QStringLiteral("probe"), name},
                                {QStringLiteral("window"), windowName(window)},
                                {QStringLiteral("count"), double(pc.count)},
                                {QStringLiteral("p50_ms"), double(pc.p50) / 1000.0},
                                {QStringLiteral("p90_ms"), double(pc.p90) / 1000.0},
                                {QStringLiteral("p95_ms"), double(pc.p95) / 1000.0},
                                {QStringLiteral("p99_ms"), double(pc.p99) / 1000.0},
                                {QStringLiteral("p999_ms"), double(pc.p999) / 1000.0},
                                {QStringLiteral("max_ms"), double(pc.max) / 1000.0}});
        lines << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8")
                     .arg(name, -12)
                     .arg(pc.count, 8)
                     .arg(ms(pc.p50), 9)
                     .arg(ms(pc.p90), 9)
                     .arg(ms(pc.p95), 9)
                     .arg(ms(pc.p99), 9)
                     .arg(ms(pc.p999), 9)
                     .arg(ms(pc.max), 9);
    }
    registry.removeConnection(&c);
    c.closeSync();
    if (json)
        printJson(QJsonObject{{QStringLiteral("latency"), rows},
                              {QStringLiteral("request_errors"), double(requestErrors)},
                              {QStringLiteral("publish_errors"), double(publishErrors)}});
    else
        out(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    if (requestErrors + publishErrors > 0)
        return fail(QStringLiteral("%1 request(s) and %2 publish(es) failed; last: %3")
                        .arg(requestErrors)
                        .arg(publishErrors)
                        .arg(lastError));
    return kExitOk;
}

} // namespace

QList<Command> metricsCommands() {
    return {
        {"serve-metrics", "",
         "Serve Prometheus metrics (connection, consumers, latency, backpressure) on "
         "--metrics-port",
         serveOptions,
         [](const QCommandLineParser& p, const Resolved& r, bool json) {
             return cmdServeMetrics(p, r, json);
         }},
        {"latency", "", "Measure latency percentiles (PING, request, JetStream publish ack)",
         latencyOptions, cmdLatency},
    };
}

} // namespace jetdeck::cli
