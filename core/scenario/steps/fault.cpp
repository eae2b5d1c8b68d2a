// The fault step (a toxic in the fault proxy, the proxy down, the client dropping or stalling
// its connection, servers killed, restarted or in lame duck mode, leaders stepping down,
// consumers misbehaving) and the clear step that ends one by name.
#include "core/faults/faultinjector.h"
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

/// What a kind of fault reads beyond its type, name and duration.
using ReadFault = Status (*)(Reader& r, FaultStep& f);

ReadFault readerOf(FaultKind k) {
    switch (k) {
    case FaultKind::Toxic:
        return readToxic;
    case FaultKind::StallReading:
        return readStall;
    case FaultKind::KillServer:
    case FaultKind::RestartServer:
    case FaultKind::LameDuck:
        return readServer;
    case FaultKind::StreamLeaderStepDown:
    case FaultKind::ConsumerLeaderStepDown:
        return readStepDown;
    case FaultKind::WithholdAcks:
    case FaultKind::NakBurst:
    case FaultKind::Term:
        return readConsumerFault;
    case FaultKind::ProxyDown:
    case FaultKind::Disconnect:
    case FaultKind::MalformedLine:
        break;
    }
    return readNothing;
}

/// The fault's own fields: its type, name, duration and what the type needs.
Result<FaultStep> readFaultFields(Reader& r) {
    FaultStep f;
    QString type;
    if (Status e = r.string(QStringLiteral("type"), &type, true); !e.ok())
        return e;
    if (const auto toxicKind = faults::toxicKindFromName(type)) {
        f.kind = FaultKind::Toxic;
        f.toxic.kind = *toxicKind;
    } else if (const auto kind = faults::faultKindFromName(type)) {
        f.kind = *kind;
    } else {
        QStringList known;
        for (FaultKind k : faults::faultKinds())
            known << faultKindName(k);
        return r.error(QStringLiteral("type"),
                       QStringLiteral("'%1' is not a fault; faults: latency, bandwidth, timeout, "
                                      "reset_peer, slicer, limit_data, %2")
                           .arg(type, joinNames(known)));
    }
    f.name = type;
    if (Status e = r.string(QStringLiteral("name"), &f.name); !e.ok())
        return e;
    if (Status e = r.duration(QStringLiteral("duration"), &f.durationMs); !e.ok())
        return e;
    if (Status e = readerOf(f.kind)(r, f); !e.ok())
        return e;
    if (f.durationMs > 0 && !f.lasts() && f.kind != FaultKind::StallReading)
        return r.error(QStringLiteral("duration"),
                       QStringLiteral("%1 happens at once and has no duration").arg(type));
    return f;
}

} // namespace

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
    if (f.isServerFault() && f.server > ctx.scenario.servers.count)
        return r.error(QStringLiteral("server"),
                       QStringLiteral("server %1 does not exist: the scenario starts %2")
                           .arg(f.server)
                           .arg(ctx.scenario.servers.count));
    ctx.faults.insert(f.name);
    step.body = f;
    return {};
}

QString titleFault(const Step& step) {
    return QStringLiteral("fault ") + std::get<FaultStep>(step.body).title();
}

StepResult runFault(Run& run, const Step& step) {
    auto started = run.faults().start(std::get<FaultStep>(step.body));
    if (!started)
        return error(started.error().message);
    return done(started.value().what, started.value().measured);
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
    for (const faults::ActiveFault& a : run.faults().active())
        if (c.name == QLatin1String("all") || a.name == c.name)
            names << a.name;
    for (const QString& n : std::as_const(names))
        if (Status s = run.faults().clear(n); !s.ok())
            return error(s.message);
    return done(names.isEmpty()
                    ? QStringLiteral("nothing to clear (already over)")
                    : QStringLiteral("cleared %1").arg(names.join(QStringLiteral(", "))));
}

} // namespace steps

} // namespace jetdeck::scenario
