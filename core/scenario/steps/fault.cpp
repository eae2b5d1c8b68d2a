// The fault step (a toxic in the fault proxy, the proxy down, the client dropping or stalling
// its connection, servers killed, restarted or in lame duck mode, leaders stepping down,
// consumers misbehaving) and the clear step that ends one by name.
#include "core/demo/natsserverprocess.h"
#include "core/faults/consumerfaults.h"
#include "core/faults/faultproxy.h"
#include "core/scenario/reader.h"
#include "core/scenario/run.h"
#include "core/scenario/steps/steps.h"

namespace jetdeck::scenario {

namespace {

// --- reading, per kind of fault ---------------------------------------------------------------

Status readToxic(Reader& r, FaultStep& f) {
    faults::Toxic& t = f.toxic;
    t.name = f.name;
    QString dir = QStringLiteral("downstream");
    if (Status e = r.string(QStringLiteral("direction"), &dir); !e.ok())
        return e;
    const auto d = faults::directionFromName(dir);
    if (!d)
        return r.error(QStringLiteral("direction"),
                       QStringLiteral("'%1' is not upstream, downstream or both").arg(dir));
    t.direction = *d;
    if (Status e = r.number(QStringLiteral("toxicity"), &t.toxicity, 0, 1); !e.ok())
        return e;
    qint64 ms = 0;
    switch (t.kind) {
    case faults::ToxicKind::Latency:
        if (Status e = r.duration(QStringLiteral("latency"), &ms, true); !e.ok())
            return e;
        t.latencyMs = int(ms);
        ms = 0;
        if (Status e = r.duration(QStringLiteral("jitter"), &ms); !e.ok())
            return e;
        t.jitterMs = int(ms);
        break;
    case faults::ToxicKind::Bandwidth:
        if (!r.has(QStringLiteral("bytes_per_second")))
            return r.error(QStringLiteral("bytes_per_second"), QStringLiteral("is required"));
        if (Status e = r.integer(QStringLiteral("bytes_per_second"), &t.rateBytesPerSec, 1);
            !e.ok())
            return e;
        break;
    case faults::ToxicKind::Timeout:
    case faults::ToxicKind::ResetPeer:
        if (Status e = r.duration(QStringLiteral("after"), &ms); !e.ok())
            return e;
        t.timeoutMs = int(ms);
        break;
    case faults::ToxicKind::Slicer:
        t.sliceBytes = 16;
        if (Status e = r.integer(QStringLiteral("slice_bytes"), &t.sliceBytes, 1, 1 << 20); !e.ok())
            return e;
        if (Status e = r.integer(QStringLiteral("slice_variation"), &t.sliceVariation, 0, 1 << 20);
            !e.ok())
            return e;
        if (Status e = r.integer(QStringLiteral("slice_delay_us"), &t.sliceDelayUs, 0, 10'000'000);
            !e.ok())
            return e;
        break;
    case faults::ToxicKind::LimitData:
        if (!r.has(QStringLiteral("bytes")))
            return r.error(QStringLiteral("bytes"), QStringLiteral("is required"));
        if (Status e = r.integer(QStringLiteral("bytes"), &t.limitBytes, 1); !e.ok())
            return e;
        break;
    }
    if (Status e = t.validate(); !e.ok())
        return r.error(QString(), e.message);
    return {};
}

Status readNothing(Reader&, FaultStep&) {
    return {};
}

Status readStall(Reader& r, FaultStep& f) {
    if (f.durationMs <= 0)
        return r.error(QStringLiteral("duration"),
                       QStringLiteral("is required for stall_reading (for example \"3s\")"));
    return {};
}

Status readServer(Reader& r, FaultStep& f) {
    return r.integer(QStringLiteral("server"), &f.server, 1, 9);
}

Status readStepDown(Reader& r, FaultStep& f) {
    if (f.kind == FaultKind::ConsumerLeaderStepDown)
        if (Status e = r.string(QStringLiteral("consumer"), &f.consumer, true); !e.ok())
            return e;
    return r.string(QStringLiteral("stream"), &f.stream, true);
}

Status readConsumerFault(Reader& r, FaultStep& f) {
    if (Status e = r.string(QStringLiteral("stream"), &f.stream, true); !e.ok())
        return e;
    if (Status e = r.string(QStringLiteral("consumer"), &f.consumer, true); !e.ok())
        return e;
    if (!r.has(QStringLiteral("count")))
        return r.error(QStringLiteral("count"), QStringLiteral("is required"));
    if (Status e = r.integer(QStringLiteral("count"), &f.count, 1, 100000); !e.ok())
        return e;
    if (Status e = r.duration(QStringLiteral("fetch_wait"), &f.fetchWaitMs); !e.ok())
        return e;
    if (f.kind == FaultKind::NakBurst)
        if (Status e = r.duration(QStringLiteral("nak_delay"), &f.nakDelayMs); !e.ok())
            return e;
    return {};
}

// --- starting, per kind of fault ------------------------------------------------------------

/// What starting a fault did.
struct Outcome {
    QString what;
    QJsonObject measured;
    /// False when nothing new started (a restart that ended a kill): no announcement.
    bool started = true;
};

Result<Outcome> startToxic(Run& run, const FaultStep& f, Run::ActiveFault* active) {
    faults::FaultProxyThread* proxy = run.proxy();
    if (Status s = proxy->addToxic(f.toxic); !s.ok())
        return s;
    const QString name = f.toxic.name;
    active->clear = [proxy, name]() -> Status {
        proxy->removeToxic(name);
        return {};
    };
    return Outcome{
        QStringLiteral("proxy: %1 toxic %2").arg(faults::toxicKindName(f.toxic.kind), name), {}};
}

Result<Outcome> startProxyDown(Run& run, const FaultStep&, Run::ActiveFault* active) {
    faults::FaultProxyThread* proxy = run.proxy();
    proxy->setDown(true);
    active->clear = [proxy]() -> Status {
        proxy->setDown(false);
        return {};
    };
    return Outcome{QStringLiteral("proxy: down"), {}};
}

Result<Outcome> startDisconnect(Run& run, const FaultStep&, Run::ActiveFault*) {
    Connection* c = run.connection();
    const quint64 before = c->health().reconnects;
    c->forceDisconnect(QStringLiteral("scenario fault"));
    run.waitForDrop(c, before);
    return Outcome{QStringLiteral("client: disconnect forced"), {}};
}

Result<Outcome> startStall(Run& run, const FaultStep& f, Run::ActiveFault* active) {
    run.connection()->stallReading(int(f.durationMs));
    active->clear = [] { return Status{}; }; // ends by itself
    return Outcome{QStringLiteral("client: reading stalled for %1 ms").arg(f.durationMs), {}};
}

Result<Outcome> startMalformed(Run& run, const FaultStep&, Run::ActiveFault*) {
    Connection* c = run.connection();
    if (!c->isConnected())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("not connected: a malformed line needs a connection")};
    const quint64 before = c->health().reconnects;
    c->injectRaw(QByteArrayLiteral("JETDECK SCENARIO FAULT\r\n"));
    run.waitForDrop(c, before); // the server's -ERR closes it
    return Outcome{QStringLiteral("client: malformed protocol line sent"), {}};
}

Result<NatsServerProcess*> serverOf(Run& run, const FaultStep& f) {
    NatsServerProcess* s = run.server(f.server);
    if (!s)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("server %1 was not started by this run").arg(f.server)};
    return s;
}

Result<Outcome> startKill(Run& run, const FaultStep& f, Run::ActiveFault* active) {
    auto found = serverOf(run, f);
    if (!found)
        return found.error();
    NatsServerProcess* s = found.value();
    run.onServerThread(s, [s] {
        s->kill();
        return Status{};
    });
    active->killed = s;
    active->clear = [&run, s]() -> Status {
        if (s->isRunning())
            return {};
        return run.onServerThread(s, [s] { return s->restart(); });
    };
    return Outcome{QStringLiteral("server %1 killed (SIGKILL)").arg(s->name()), {}};
}

Result<Outcome> startRestart(Run& run, const FaultStep& f, Run::ActiveFault*) {
    auto found = serverOf(run, f);
    if (!found)
        return found.error();
    NatsServerProcess* s = found.value();
    // Ends a kill of this server if one is active.
    for (const Run::ActiveFault& a : run.activeFaults())
        if (a.killed == s) {
            if (Status e = run.clearFault(a.name); !e.ok())
                return e;
            return Outcome{QStringLiteral("%1 running again").arg(s->name()), {}, false};
        }
    if (Status e = run.onServerThread(s, [s] { return s->restart(); }); !e.ok())
        return e;
    return Outcome{QStringLiteral("server %1 restarted").arg(s->name()), {}};
}

Result<Outcome> startLameDuck(Run& run, const FaultStep& f, Run::ActiveFault*) {
    auto found = serverOf(run, f);
    if (!found)
        return found.error();
    NatsServerProcess* s = found.value();
    if (Status e = run.onServerThread(s, [s] { return s->enterLameDuckMode(); }); !e.ok())
        return e;
    return Outcome{QStringLiteral("server %1 in lame duck mode").arg(s->name()), {}};
}

Result<Outcome> startStepDown(Run& run, const FaultStep& f, Run::ActiveFault*) {
    const bool stream = f.kind == FaultKind::StreamLeaderStepDown;
    auto r = faults::stepDownLeader(js::JetStream(run.connection()), f.stream,
                                    stream ? QString() : f.consumer, 10000,
                                    [&run](int ms) { return run.waitFor(ms); });
    if (!r)
        return r.error();
    return Outcome{QStringLiteral("%1 leader step-down %2: %3")
                       .arg(stream ? QStringLiteral("stream") : QStringLiteral("consumer"),
                            stream ? f.stream : f.stream + QStringLiteral(" > ") + f.consumer,
                            r.value().text()),
                   {{QStringLiteral("leader_before"), r.value().before},
                    {QStringLiteral("leader_after"), r.value().after}}};
}

Result<Outcome> startConsumerFault(Run& run, const FaultStep& f, Run::ActiveFault*) {
    faults::ConsumerFault cf;
    cf.kind = f.kind == FaultKind::WithholdAcks ? faults::ConsumerFaultKind::WithholdAcks
              : f.kind == FaultKind::NakBurst   ? faults::ConsumerFaultKind::NakBurst
                                                : faults::ConsumerFaultKind::Term;
    cf.stream = f.stream;
    cf.consumer = f.consumer;
    cf.count = f.count;
    cf.nakDelayMs = f.nakDelayMs;
    cf.fetchWaitMs = f.fetchWaitMs;
    auto wc = run.workerConnection();
    if (!wc)
        return wc.error();
    auto r = faults::injectConsumerFault(js::JetStream(wc.value()), cf);
    if (!r)
        return r.error();
    return Outcome{
        QStringLiteral("consumer %1 > %2: %3 (%4)")
            .arg(f.stream, f.consumer, faults::consumerFaultName(cf.kind), r.value().text()),
        {{QStringLiteral("taken"), r.value().taken},
         {QStringLiteral("answered"), r.value().answered}}};
}

/// One kind of fault: its type in a file (toxics are named by their ToxicKind), the fields it
/// reads and how it starts.
struct FaultRow {
    FaultKind kind;
    const char* name;
    Status (*read)(Reader& r, FaultStep& f);
    Result<Outcome> (*start)(Run& run, const FaultStep& f, Run::ActiveFault* active);
};
constexpr FaultRow kToxicRow = {FaultKind::Toxic, "toxic", readToxic, startToxic};
constexpr FaultRow kFaultRows[] = {
    {FaultKind::ProxyDown, "proxy_down", readNothing, startProxyDown},
    {FaultKind::Disconnect, "disconnect", readNothing, startDisconnect},
    {FaultKind::StallReading, "stall_reading", readStall, startStall},
    {FaultKind::MalformedLine, "malformed_line", readNothing, startMalformed},
    {FaultKind::KillServer, "kill_server", readServer, startKill},
    {FaultKind::RestartServer, "restart_server", readServer, startRestart},
    {FaultKind::LameDuck, "lame_duck", readServer, startLameDuck},
    {FaultKind::StreamLeaderStepDown, "stream_leader_stepdown", readStepDown, startStepDown},
    {FaultKind::ConsumerLeaderStepDown, "consumer_leader_stepdown", readStepDown, startStepDown},
    {FaultKind::WithholdAcks, "withhold_acks", readConsumerFault, startConsumerFault},
    {FaultKind::NakBurst, "nak_burst", readConsumerFault, startConsumerFault},
    {FaultKind::Term, "term", readConsumerFault, startConsumerFault},
};

const FaultRow& rowOf(FaultKind k) {
    for (const FaultRow& row : kFaultRows)
        if (row.kind == k)
            return row;
    return kToxicRow;
}

bool isServerFault(FaultKind k) {
    return k == FaultKind::KillServer || k == FaultKind::RestartServer || k == FaultKind::LameDuck;
}

/// The fault's own fields: its type, name, duration and what the type needs.
Result<FaultStep> readFaultFields(Reader& r) {
    FaultStep f;
    QString type;
    if (Status e = r.string(QStringLiteral("type"), &type, true); !e.ok())
        return e;
    const FaultRow* row = nullptr;
    QStringList known;
    for (const FaultRow& n : kFaultRows) {
        known << QLatin1String(n.name);
        if (type == QLatin1String(n.name))
            row = &n;
    }
    if (const auto toxicKind = faults::toxicKindFromName(type)) {
        row = &kToxicRow;
        f.toxic.kind = *toxicKind;
    }
    if (!row)
        return r.error(QStringLiteral("type"),
                       QStringLiteral("'%1' is not a fault; faults: latency, bandwidth, timeout, "
                                      "reset_peer, slicer, limit_data, %2")
                           .arg(type, joinNames(known)));
    f.kind = row->kind;
    f.name = type;
    if (Status e = r.string(QStringLiteral("name"), &f.name); !e.ok())
        return e;
    if (Status e = r.duration(QStringLiteral("duration"), &f.durationMs); !e.ok())
        return e;
    if (Status e = row->read(r, f); !e.ok())
        return e;
    if (f.durationMs > 0 && !f.lasts() && f.kind != FaultKind::StallReading)
        return r.error(QStringLiteral("duration"),
                       QStringLiteral("%1 happens at once and has no duration").arg(type));
    return f;
}

} // namespace

QString faultKindName(FaultKind k) {
    return QLatin1String(rowOf(k).name);
}

bool FaultStep::lasts() const {
    return kind == FaultKind::Toxic || kind == FaultKind::ProxyDown ||
           kind == FaultKind::StallReading || kind == FaultKind::KillServer;
}

namespace steps {

// --- fault ----------------------------------------------------------------------------------

Status readFault(Reader& r, Step& step, ParseContext& ctx) {
    auto read = readFaultFields(r);
    if (!read)
        return read.error();
    const FaultStep& f = read.value();
    if ((f.kind == FaultKind::Toxic || f.kind == FaultKind::ProxyDown) && !ctx.scenario.proxy)
        return r.error(QStringLiteral("type"),
                       QStringLiteral("%1 acts in the fault proxy: set \"proxy\": true in "
                                      "\"connection\"")
                           .arg(f.name));
    if (isServerFault(f.kind) && f.server > ctx.scenario.servers.count)
        return r.error(QStringLiteral("server"),
                       QStringLiteral("server %1 does not exist: the scenario starts %2")
                           .arg(f.server)
                           .arg(ctx.scenario.servers.count));
    ctx.faults.insert(f.name);
    step.body = f;
    return {};
}

QString titleFault(const Step& step) {
    const auto& b = std::get<FaultStep>(step.body);
    QString t = QStringLiteral("fault ");
    switch (b.kind) {
    case FaultKind::Toxic:
        t += QStringLiteral("%1 (%2)").arg(faults::toxicKindName(b.toxic.kind),
                                           faults::directionName(b.toxic.direction));
        if (b.toxic.kind == faults::ToxicKind::Latency)
            t += QStringLiteral(" %1").arg(durationLabel(b.toxic.latencyMs));
        break;
    case FaultKind::KillServer:
    case FaultKind::RestartServer:
    case FaultKind::LameDuck:
        t += QStringLiteral("%1 server %2").arg(faultKindName(b.kind)).arg(b.server);
        break;
    case FaultKind::StreamLeaderStepDown:
        t += QStringLiteral("stream leader step-down %1").arg(b.stream);
        break;
    case FaultKind::ConsumerLeaderStepDown:
        t += QStringLiteral("consumer leader step-down %1 > %2").arg(b.stream, b.consumer);
        break;
    case FaultKind::WithholdAcks:
    case FaultKind::NakBurst:
    case FaultKind::Term:
        t += QStringLiteral("%1 %2 on %3 > %4")
                 .arg(faultKindName(b.kind))
                 .arg(b.count)
                 .arg(b.stream, b.consumer);
        break;
    default:
        t += faultKindName(b.kind);
    }
    if (b.durationMs > 0)
        t += QStringLiteral(" for %1").arg(durationLabel(b.durationMs));
    return t;
}

StepResult runFault(Run& run, const Step& step) {
    const auto& f = std::get<FaultStep>(step.body);
    Run::ActiveFault active;
    active.name = f.name;
    if (f.durationMs > 0)
        active.endsAtMs = run.elapsed() + f.durationMs;
    auto started = rowOf(f.kind).start(run, f, &active);
    if (!started)
        return error(started.error().message);
    const Outcome& o = started.value();
    if (o.started)
        run.faultStarted(active, o.what);
    return done(o.what, o.measured);
}

// --- clear ----------------------------------------------------------------------------------

Status readClear(Reader& r, Step& step, ParseContext& ctx) {
    ClearStep c;
    if (Status e = r.string(QStringLiteral("fault"), &c.name, true); !e.ok())
        return e;
    if (c.name != QLatin1String("all") && !ctx.faults.contains(c.name))
        return r.error(QStringLiteral("fault"),
                       QStringLiteral("no earlier fault is named '%1'").arg(c.name));
    step.body = c;
    return {};
}

QString titleClear(const Step& step) {
    return QStringLiteral("clear %1").arg(std::get<ClearStep>(step.body).name);
}

StepResult runClear(Run& run, const Step& step) {
    const auto& c = std::get<ClearStep>(step.body);
    QStringList names;
    for (const Run::ActiveFault& a : run.activeFaults())
        if (c.name == QLatin1String("all") || a.name == c.name)
            names << a.name;
    for (const QString& n : names)
        if (Status s = run.clearFault(n); !s.ok())
            return error(s.message);
    return done(names.isEmpty()
                    ? QStringLiteral("nothing to clear (already over)")
                    : QStringLiteral("cleared %1").arg(names.join(QStringLiteral(", "))));
}

} // namespace steps

} // namespace jetdeck::scenario
