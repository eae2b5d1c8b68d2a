#include "scenario.h"

#include "core/scenario/reader.h"
#include "core/scenario/steptable.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace jetdeck::scenario {

QString Step::kindName() const {
    return QLatin1String(stepKindOf(*this).name);
}

namespace {

/// Durations in stream and consumer objects may be written "2s" instead of nanoseconds.
void nanosFromDurations(nlohmann::json& o, std::initializer_list<const char*> keys) {
    auto nanos = [](nlohmann::json& v) {
        if (v.is_string())
            if (auto ns = js::parseDurationNs(textOf(v)))
                v = *ns;
    };
    for (const char* k : keys) {
        const auto it = o.find(k);
        if (it == o.end())
            continue;
        if (it->is_array())
            for (nlohmann::json& element : *it)
                nanos(element);
        else
            nanos(*it);
    }
}

/// The earlier router's connection keys, into `o` (each only when the file has it).
Status readConnectionKeys(Reader& r, Options* o) {
    const std::pair<const char*, int*> millis[] = {
        {"reconnect_delay_ms", &o->reconnectDelayMs},
        {"max_reconnect_delay_ms", &o->maxReconnectDelayMs},
        {"pending_operation_timeout_ms", &o->pendingOperationTimeoutMs},
        {"ping_interval_ms", &o->pingIntervalMs},
        {"connect_timeout_ms", &o->connectTimeoutMs},
    };
    for (const auto& [key, field] : millis)
        if (Status e = r.integer(QLatin1String(key), field, 1, 3'600'000); !e.ok())
            return e;
    if (Status e =
            r.integer(QStringLiteral("reconnect_attempts"), &o->reconnectAttempts, -1, 1'000'000);
        !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("max_pending_operations"), &o->maxPendingOperations, 0,
                             10'000'000);
        !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("max_pings_out"), &o->maxPingsOut, 1, 100); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("reconnect_jitter_percent"), &o->reconnectJitterPercent,
                             0, 100);
        !e.ok())
        return e;
    return r.boolean(QStringLiteral("fail_open_mode"), &o->failOpenMode);
}

/// What the file reads from: its text's values, and where they are.
struct Source {
    const JsonLines& lines;
    const QString& where;
};

Status readServers(Reader& top, const Source& src, Scenario& sc) {
    const nlohmann::json* servers = top.raw(QStringLiteral("servers"));
    if (!servers)
        return {};
    if (!servers->is_object())
        return top.error(QStringLiteral("servers"),
                         QStringLiteral("must be an object such as {\"count\": 3}"));
    Reader r(*servers, QStringLiteral("/servers"), QStringLiteral("servers"), &src.lines,
             &src.where);
    if (Status e = r.integer(QStringLiteral("count"), &sc.servers.count, 1, 5); !e.ok())
        return e;
    if (sc.servers.count == 2)
        return r.error(QStringLiteral("count"),
                       QStringLiteral("a JetStream cluster needs 3 to 5 servers; 2 cannot "
                                      "elect a leader after a loss"));
    if (Status e = r.boolean(QStringLiteral("jetstream"), &sc.servers.jetstream); !e.ok())
        return e;
    return r.finish();
}

Status readConnection(Reader& top, const Source& src, Scenario& sc) {
    const nlohmann::json* conn = top.raw(QStringLiteral("connection"));
    if (!conn)
        return {};
    if (!conn->is_object())
        return top.error(QStringLiteral("connection"), QStringLiteral("must be an object"));
    Reader r(*conn, QStringLiteral("/connection"), QStringLiteral("connection"), &src.lines,
             &src.where);
    if (Status e = r.boolean(QStringLiteral("proxy"), &sc.proxy); !e.ok())
        return e;
    Options probe; // the values are applied later, to the run's own options
    if (Status e = readConnectionKeys(r, &probe); !e.ok())
        return e;
    if (Status e = r.finish(); !e.ok())
        return e;
    sc.connection = *conn;
    sc.connection.erase("proxy");
    return {};
}

Status readStreams(Reader& top, const Source& src, Scenario& sc) {
    const nlohmann::json* streams = top.raw(QStringLiteral("streams"));
    if (!streams)
        return {};
    if (!streams->is_array())
        return top.error(QStringLiteral("streams"),
                         QStringLiteral("must be a list of stream configurations"));
    for (std::size_t i = 0; i < streams->size(); ++i) {
        const nlohmann::json& o = (*streams)[i];
        Reader r(o, QStringLiteral("/streams/%1").arg(i), QStringLiteral("streams[%1]").arg(i),
                 &src.lines, &src.where);
        if (!o.is_object())
            return r.error(QString(), QStringLiteral("must be an object"));
        nlohmann::json config = o;
        nanosFromDurations(config, {"max_age", "duplicate_window"});
        if (!config.contains("num_replicas") && sc.servers.count >= 3)
            config["num_replicas"] = 3;
        auto cfg = js::StreamConfig::fromJson(config);
        if (!cfg)
            return r.error(QString(), cfg.error().message);
        if (Status e = cfg.value().validate(); !e.ok())
            return r.error(QString(), e.message);
        sc.streams << cfg.value();
    }
    return {};
}

Status readConsumers(Reader& top, const Source& src, Scenario& sc) {
    const nlohmann::json* consumers = top.raw(QStringLiteral("consumers"));
    if (!consumers)
        return {};
    if (!consumers->is_array())
        return top.error(QStringLiteral("consumers"),
                         QStringLiteral("must be a list of {\"stream\": ..., consumer "
                                        "configuration}"));
    for (std::size_t i = 0; i < consumers->size(); ++i) {
        const nlohmann::json& o = (*consumers)[i];
        Reader r(o, QStringLiteral("/consumers/%1").arg(i), QStringLiteral("consumers[%1]").arg(i),
                 &src.lines, &src.where);
        if (!o.is_object())
            return r.error(QString(), QStringLiteral("must be an object"));
        QString stream;
        if (Status e = r.string(QStringLiteral("stream"), &stream, true); !e.ok())
            return e;
        nlohmann::json config = o;
        config.erase("stream");
        nanosFromDurations(config, {"ack_wait", "backoff", "idle_heartbeat", "inactive_threshold"});
        auto cfg = js::ConsumerConfig::fromJson(config);
        if (!cfg)
            return r.error(QString(), cfg.error().message);
        if (cfg.value().durableName.isEmpty() && cfg.value().name.isEmpty())
            return r.error(QStringLiteral("durable_name"),
                           QStringLiteral("is required: scenario consumers are durable"));
        if (Status e = cfg.value().validate(); !e.ok())
            return r.error(QString(), e.message);
        sc.consumers.append({stream, cfg.value()});
    }
    return {};
}

/// The steps, each through its kind's reader (steptable.cpp).
Status readSteps(const nlohmann::json& steps, const Source& src, Scenario& sc) {
    ParseContext ctx{sc, {}, {}, {}};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const nlohmann::json& o = steps[i];
        Reader r(o, QStringLiteral("/steps/%1").arg(i), QStringLiteral("steps[%1]").arg(i),
                 &src.lines, &src.where);
        if (!o.is_object())
            return r.error(QString(), QStringLiteral("must be an object with \"step\""));
        Step s;
        s.index = int(i);
        s.line = r.line();
        QString kind;
        if (Status e = r.string(QStringLiteral("step"), &kind, true); !e.ok())
            return e;
        if (Status e = r.string(QStringLiteral("name"), &s.name); !e.ok())
            return e;
        const StepKind* stepKind = findStepKind(kind);
        if (!stepKind) {
            QStringList known;
            for (const StepKind& k : stepKinds())
                known << QLatin1String(k.name);
            return r.error(
                QStringLiteral("step"),
                QStringLiteral("'%1' is not a step; steps: %2").arg(kind, joinNames(known)));
        }
        if (Status e = stepKind->read(r, s, ctx); !e.ok())
            return e;
        if (Status e = r.finish(); !e.ok())
            return e;
        s.title = stepKind->title(s);
        sc.steps << s;
    }
    return {};
}

} // namespace

Result<Scenario> Scenario::parse(const QByteArray& text, const QString& file) {
    const QString where = file.isEmpty() ? QStringLiteral("scenario") : file;
    auto doc = parseJsonText(text, where);
    if (!doc)
        return doc.error();
    if (!doc.value().is_object())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1:1: a scenario is a JSON object with \"steps\"").arg(where)};
    const JsonLines lines = JsonLines::scan(text);
    const Source src{lines, where};
    Scenario sc;
    sc.file = file;
    Reader top(doc.value(), QString(), QStringLiteral("scenario"), &lines, &where);
    if (Status e = top.string(QStringLiteral("name"), &sc.name); !e.ok())
        return e;
    if (sc.name.isEmpty())
        sc.name = QFileInfo(file).completeBaseName();
    if (Status e = top.string(QStringLiteral("description"), &sc.description); !e.ok())
        return e;
    if (Status e = top.boolean(QStringLiteral("cleanup"), &sc.cleanup); !e.ok())
        return e;
    for (auto read : {readServers, readConnection, readStreams, readConsumers})
        if (Status e = read(top, src, sc); !e.ok())
            return e;
    const nlohmann::json* steps = top.raw(QStringLiteral("steps"));
    if (!steps || !steps->is_array() || steps->empty())
        return top.error(QStringLiteral("steps"), QStringLiteral("is required: a list of steps"));
    if (Status e = top.finish(); !e.ok())
        return e;
    if (Status e = readSteps(*steps, src, sc); !e.ok())
        return e;
    return sc;
}

QString Scenario::ForeignTarget::text() const {
    return QStringLiteral("step %1 (line %2): %3 on %4")
        .arg(step + 1)
        .arg(line)
        .arg(action, consumer.isEmpty() ? QStringLiteral("stream %1").arg(stream)
                                        : QStringLiteral("%1 > %2").arg(stream, consumer));
}

QList<Scenario::ForeignTarget> Scenario::foreignTargets() const {
    auto ownStream = [&](const QString& s) {
        return std::any_of(streams.cbegin(), streams.cend(),
                           [&](const js::StreamConfig& c) { return c.name == s; });
    };
    auto ownConsumer = [&](const QString& s, const QString& c) {
        return std::any_of(consumers.cbegin(), consumers.cend(), [&](const auto& p) {
            const QString n = p.second.durableName.isEmpty() ? p.second.name : p.second.durableName;
            return p.first == s && n == c;
        });
    };
    QList<ForeignTarget> out;
    for (const Step& step : steps) {
        ForeignTarget t;
        t.step = step.index;
        t.line = step.line;
        if (const auto* c = std::get_if<ConsumeStep>(&step.body)) {
            // A worker acks and NAKs: on a shared durable it takes deliveries from the real
            // workers, on a work-queue stream its acks delete messages.
            t.action = QStringLiteral("consume");
            t.stream = c->stream;
            t.consumer = c->consumer;
        } else if (const auto* f = std::get_if<FaultStep>(&step.body)) {
            switch (f->kind) {
            case FaultKind::StreamLeaderStepDown:
            case FaultKind::ConsumerLeaderStepDown:
            case FaultKind::WithholdAcks:
            case FaultKind::NakBurst:
            case FaultKind::Term:
                t.action = faultKindName(f->kind);
                t.stream = f->stream;
                t.consumer = f->kind == FaultKind::StreamLeaderStepDown ? QString() : f->consumer;
                break;
            default:
                continue;
            }
        } else {
            continue;
        }
        const bool own =
            ownStream(t.stream) && (t.consumer.isEmpty() || ownConsumer(t.stream, t.consumer));
        if (!own)
            out << t;
    }
    return out;
}

Result<Scenario> Scenario::load(const QString& path) {
    const QString resolved = resolveScenarioPath(path);
    QFile f(resolved);
    if (!f.open(QIODevice::ReadOnly))
        return Error{ErrorKind::Io,
                     QStringLiteral("cannot read scenario %1: %2").arg(path, f.errorString())};
    if (f.size() > 4 * 1024 * 1024)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1: a scenario file over 4 MiB is not a scenario").arg(path)};
    return parse(f.readAll(), path);
}

Result<Options> Scenario::connectionOptions(Options base) const {
    // Checked when the file was read; the same reader applies them here.
    const JsonLines none;
    const QString where;
    Reader r(connection, QString(), QStringLiteral("connection"), &none, &where);
    if (Status e = readConnectionKeys(r, &base); !e.ok())
        return e;
    base.allowReconnect = true;
    base.retryOnFailedConnect = true;
    return base;
}

bool Scenario::needsOwnServers() const {
    for (const Step& s : steps)
        if (const auto* f = std::get_if<FaultStep>(&s.body))
            if (f->kind == FaultKind::KillServer || f->kind == FaultKind::RestartServer ||
                f->kind == FaultKind::LameDuck)
                return true;
    return false;
}

QStringList builtinScenarios() {
    QStringList out;
    for (const QString& f : QDir(QStringLiteral(":/scenarios"))
                                .entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        out << f.chopped(5);
    return out;
}

QString resolveScenarioPath(const QString& nameOrPath) {
    if (!nameOrPath.contains(QLatin1Char('/')) && !nameOrPath.endsWith(QLatin1String(".json")) &&
        builtinScenarios().contains(nameOrPath))
        return QStringLiteral(":/scenarios/%1.json").arg(nameOrPath);
    return nameOrPath;
}

} // namespace jetdeck::scenario
