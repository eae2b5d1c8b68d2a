#pragma once

#include "core/faults/consumerfaults.h"
#include "core/faults/faultproxy.h"

#include <QString>

#include <optional>

namespace jetdeck::faults {

/// What a fault does.
enum class FaultKind {
    Toxic,                  ///< a fault-proxy toxic (needs the proxy)
    ProxyDown,              ///< the proxy refuses and drops every connection
    Disconnect,             ///< the client drops its connection (and reconnects)
    StallReading,           ///< the client stops reading for `durationMs`
    MalformedLine,          ///< the client sends a line the server does not understand
    KillServer,             ///< kill -9 a server JetDeck started
    RestartServer,          ///< start a killed server again (same port, same store)
    LameDuck,               ///< lame duck mode for a server JetDeck started
    StreamLeaderStepDown,   ///< $JS.API.STREAM.LEADER.STEPDOWN
    ConsumerLeaderStepDown, ///< $JS.API.CONSUMER.LEADER.STEPDOWN
    WithholdAcks,           ///< fetch `count` messages and never answer (AckWait redelivers)
    NakBurst,               ///< fetch `count` messages and NAK each
    Term,                   ///< fetch `count` messages and terminate each
};
/// "kill_server", "withhold_acks"...; "toxic" for a toxic (whose type is its ToxicKind).
QString faultKindName(FaultKind k);
/// The kind named `name`; toxics are not named here (toxicKindFromName).
std::optional<FaultKind> faultKindFromName(QStringView name);
/// Every kind but Toxic, in declaration order.
QList<FaultKind> faultKinds();

/// One fault to start: what the scenario files' fault steps, the faults page and
/// `jetdeck-cli fault` describe, and FaultInjector starts.
struct FaultSpec {
    FaultKind kind = FaultKind::Toxic;
    QString name;          ///< what clears it; the same name replaces a fault in force
    Toxic toxic;           ///< Toxic
    qint64 durationMs = 0; ///< cleared by itself after this long (0: until cleared)
    int server = 1;        ///< 1-based, for server faults
    QString stream;
    QString consumer;
    int count = 0;         ///< consumer faults: messages
    qint64 nakDelayMs = 0; ///< NakBurst
    qint64 fetchWaitMs = 2000;

    /// True for the kinds that last until cleared (or until their duration is over).
    bool lasts() const;
    bool isServerFault() const;
    /// Step-downs and consumer faults: they wait for the server (seconds).
    bool isJetStreamFault() const;
    /// One line: "latency (both) 200ms for 3s", "kill_server server 2", "term 5 on S > c".
    QString title() const;
};

/// A consumer fault (the faults page's form) as a spec of kind WithholdAcks, NakBurst or Term.
FaultSpec consumerFaultSpec(const ConsumerFault& fault);
/// The consumer fault a spec of one of those kinds describes.
ConsumerFault consumerFaultOf(const FaultSpec& spec);

} // namespace jetdeck::faults
