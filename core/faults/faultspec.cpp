#include "faultspec.h"

#include "core/base/labels.h"

namespace jetdeck::faults {

namespace {

struct KindName {
    FaultKind kind;
    const char* name;
};
constexpr KindName kNames[] = {
    {FaultKind::ProxyDown, "proxy_down"},
    {FaultKind::Disconnect, "disconnect"},
    {FaultKind::StallReading, "stall_reading"},
    {FaultKind::MalformedLine, "malformed_line"},
    {FaultKind::KillServer, "kill_server"},
    {FaultKind::RestartServer, "restart_server"},
    {FaultKind::LameDuck, "lame_duck"},
    {FaultKind::StreamLeaderStepDown, "stream_leader_stepdown"},
    {FaultKind::ConsumerLeaderStepDown, "consumer_leader_stepdown"},
    {FaultKind::WithholdAcks, "withhold_acks"},
    {FaultKind::NakBurst, "nak_burst"},
    {FaultKind::Term, "term"},
};

} // namespace

QString faultKindName(FaultKind k) {
    for (const KindName& n : kNames)
        if (n.kind == k)
            return QLatin1String(n.name);
    return QStringLiteral("toxic");
}

std::optional<FaultKind> faultKindFromName(QStringView name) {
    for (const KindName& n : kNames)
        if (name == QLatin1String(n.name))
            return n.kind;
    return std::nullopt;
}

QList<FaultKind> faultKinds() {
    QList<FaultKind> out;
    for (const KindName& n : kNames)
        out << n.kind;
    return out;
}

bool FaultSpec::lasts() const {
    return kind == FaultKind::Toxic || kind == FaultKind::ProxyDown ||
           kind == FaultKind::StallReading || kind == FaultKind::KillServer;
}

bool FaultSpec::isServerFault() const {
    return kind == FaultKind::KillServer || kind == FaultKind::RestartServer ||
           kind == FaultKind::LameDuck;
}

bool FaultSpec::isJetStreamFault() const {
    switch (kind) {
    case FaultKind::StreamLeaderStepDown:
    case FaultKind::ConsumerLeaderStepDown:
    case FaultKind::WithholdAcks:
    case FaultKind::NakBurst:
    case FaultKind::Term:
        return true;
    default:
        return false;
    }
}

QString FaultSpec::title() const {
    QString t;
    switch (kind) {
    case FaultKind::Toxic:
        t = QStringLiteral("%1 (%2)").arg(toxicKindName(toxic.kind),
                                          directionName(toxic.direction));
        if (toxic.kind == ToxicKind::Latency)
            t += QStringLiteral(" %1").arg(durationLabel(toxic.latencyMs));
        break;
    case FaultKind::KillServer:
    case FaultKind::RestartServer:
    case FaultKind::LameDuck:
        t = QStringLiteral("%1 server %2").arg(faultKindName(kind)).arg(server);
        break;
    case FaultKind::StreamLeaderStepDown:
        t = QStringLiteral("stream leader step-down %1").arg(stream);
        break;
    case FaultKind::ConsumerLeaderStepDown:
        t = QStringLiteral("consumer leader step-down %1 > %2").arg(stream, consumer);
        break;
    case FaultKind::WithholdAcks:
    case FaultKind::NakBurst:
    case FaultKind::Term:
        t = QStringLiteral("%1 %2 on %3 > %4")
                .arg(faultKindName(kind))
                .arg(count)
                .arg(stream, consumer);
        break;
    default:
        t = faultKindName(kind);
    }
    if (durationMs > 0)
        t += QStringLiteral(" for %1").arg(durationLabel(durationMs));
    return t;
}

FaultSpec consumerFaultSpec(const ConsumerFault& fault) {
    FaultSpec spec;
    spec.kind = fault.kind == ConsumerFaultKind::WithholdAcks ? FaultKind::WithholdAcks
                : fault.kind == ConsumerFaultKind::NakBurst   ? FaultKind::NakBurst
                                                              : FaultKind::Term;
    spec.stream = fault.stream;
    spec.consumer = fault.consumer;
    spec.count = fault.count;
    spec.nakDelayMs = fault.nakDelayMs;
    spec.fetchWaitMs = fault.fetchWaitMs;
    return spec;
}

ConsumerFault consumerFaultOf(const FaultSpec& spec) {
    ConsumerFault fault;
    fault.kind = spec.kind == FaultKind::WithholdAcks ? ConsumerFaultKind::WithholdAcks
                 : spec.kind == FaultKind::NakBurst   ? ConsumerFaultKind::NakBurst
                                                      : ConsumerFaultKind::Term;
    fault.stream = spec.stream;
    fault.consumer = spec.consumer;
    fault.count = spec.count;
    fault.nakDelayMs = spec.nakDelayMs;
    fault.fetchWaitMs = spec.fetchWaitMs;
    return fault;
}

} // namespace jetdeck::faults
