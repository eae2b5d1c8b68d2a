#pragma once

#include "core/base/error.h"
#include "core/client/options.h"
#include "core/faults/faultspec.h"
#include "core/jetstream/consumertypes.h"
#include "core/jetstream/redeliverytracker.h"
#include "core/jetstream/streamtypes.h"
#include "core/scenario/jsonlines.h"
#include "core/workload/publishplan.h"

#include <QHash>
#include <QList>
#include <QString>

#include <variant>

namespace jetdeck::scenario {

// --- steps ----------------------------------------------------------------------------------

/// Publish a plan; in the background when `background` (a later `await` or assertion waits
/// for it), else the step lasts until every message has settled.
struct PublishStep {
    PublishPlan plan;
    bool background = false;
};

/// Wait for background publishes (all of them when `names` is empty) to finish.
struct AwaitStep {
    QStringList names;
    qint64 timeoutMs = 120000;
};

/// Start a worker on a pull consumer: it acks what it gets (NAKs `nakPercent` of it), keeps
/// the consumer's redelivery counts and the stream sequences it has seen, until the scenario
/// ends or a `stop` step.
struct ConsumeStep {
    QString stream;
    QString consumer;
    int nakPercent = 0;
    /// How long the NAKed ones wait for their redelivery: fixed (nakDelayMs) or growing with
    /// the delivery count (nakBackoff); neither: at once.
    qint64 nakDelayMs = 0;
    std::optional<js::NakDelayPolicy> nakBackoff;
    int batch = 100;
};

struct StopStep {
    QString worker;
};

struct WaitStep {
    qint64 ms = 0;
};

/// What a fault step injects: the kinds of core/faults (faultspec.h).
using FaultKind = faults::FaultKind;
using faults::faultKindName;

/// A fault to start (FaultInjector::start); `name` is what a `clear` step names (by default the
/// type), `durationMs` ends it by itself.
struct FaultStep : faults::FaultSpec {};

/// Ends a fault by name, or every fault with "all".
struct ClearStep {
    QString name;
};

/// What an assertion checks; the step passes or fails with the values it measured.
enum class CheckKind {
    Connected,       ///< connected within `withinMs`
    Reconnects,      ///< reconnects since the run started: atLeast / atMost
    NoMessageLost,   ///< a publish: every message sent or acked; and found in `stream` /
                     ///< received by `worker` when given
    ConsumerPending, ///< num_pending + num_ack_pending at most `atMost` within `withinMs`
    Latency,         ///< a publish's PubAck percentile below `belowUs`
    Redeliveries,    ///< a worker's redeliveries: atLeast / atMost
    Received,        ///< a worker's distinct messages: atLeast / atMost
    Rate,            ///< a publish's achieved rate within `percent` of its plan
    Throughput,      ///< a publish's achieved rate at least `atLeast` msgs/s
    StreamMessages,  ///< a stream's message count: atLeast / atMost (within `withinMs`)
};
QString checkKindName(CheckKind k);

struct AssertStep {
    CheckKind kind = CheckKind::Connected;
    qint64 withinMs = 0; ///< keep checking until it holds or this runs out (0: once)
    qint64 atLeast = -1;
    qint64 atMost = -1;
    QString publish; ///< name of a publish step
    QString worker;  ///< name of a consume step
    QString stream;
    QString consumer;
    int percentile = 95; ///< Latency: 50, 90, 95, 99 or 999 (99.9)
    qint64 belowUs = 0;
    double percent = 0;
};

struct Step {
    int index = 0; ///< 0-based
    int line = 0;  ///< where the step starts in the file
    QString name;  ///< optional; required to refer to publishes and workers
    QString title; ///< one line for the timeline, e.g. "publish 5,000 js-async at 1,000/s"
    std::variant<PublishStep, AwaitStep, ConsumeStep, StopStep, WaitStep, FaultStep, ClearStep,
                 AssertStep>
        body;

    QString kindName() const;
};

/// Local servers a run starts for itself (jetdeck-cli scenario run --demo, the console's
/// "fresh servers" choice, the tests).
struct ServerSpec {
    int count = 1; ///< 1, or 3..5 for a JetStream cluster
    bool jetstream = true;
};

/// A scenario: a timeline of steps against a server or a cluster, read from JSON.
struct Scenario {
    QString name;
    QString description;
    QString file; ///< where it was read from
    ServerSpec servers;
    bool proxy = false; ///< the run's connection goes through a fault proxy
    /// Connection settings: the earlier router's keys (reconnect_delay_ms, ...) applied to
    /// the base options of the run.
    nlohmann::json connection;
    QList<js::StreamConfig> streams;
    QList<QPair<QString, js::ConsumerConfig>> consumers; ///< stream, config
    bool cleanup = true; ///< delete the streams it created when done
    QList<Step> steps;

    /// A step that changes what it acts on (acks, NAKs, terminates, withholds acks, moves a
    /// leader) and names a stream or consumer this scenario does not create.
    struct ForeignTarget {
        int step = 0; ///< 0-based
        int line = 0;
        QString action; ///< "term", "consume", "stream leader step-down"...
        QString stream;
        QString consumer; ///< empty for a stream action
        QString text() const;
    };
    /// The steps that would act on streams or consumers the scenario does not create. A run
    /// on servers it did not start refuses them unless told they may.
    QList<ForeignTarget> foreignTargets() const;

    /// Parses a scenario; every error says "FILE:LINE: field: what is wrong".
    static Result<Scenario> parse(const QByteArray& text, const QString& file = {});
    static Result<Scenario> load(const QString& path);
    /// The options for the run's connection: `base` with the servers replaced by `urls` and
    /// the scenario's connection keys applied.
    Result<Options> connectionOptions(Options base) const;
    /// True when a step needs servers the run started itself (server faults).
    bool needsOwnServers() const;
};

/// The scenarios shipped with JetDeck (Qt resources :/scenarios), by file name without .json.
QStringList builtinScenarios();
/// ":/scenarios/NAME.json" for a built-in name, else the argument unchanged.
QString resolveScenarioPath(const QString& nameOrPath);

} // namespace jetdeck::scenario
