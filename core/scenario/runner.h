#pragma once

#include "core/client/options.h"
#include "core/scenario/report.h"
#include "core/scenario/scenario.h"

#include <QList>
#include <QObject>

#include <atomic>
#include <memory>

namespace jetdeck {
class NatsServerProcess;
}

namespace jetdeck::scenario {

class Run;

/// Runs a scenario, step after step, on the thread it is called on (the CLI's main thread, or
/// a thread of its own under the console); that thread's events are processed while it waits.
/// It starts the local servers the scenario asks for (or uses the target given), a fault proxy
/// when the scenario routes through one, its own connection, the streams and consumers; then
/// it stops everything it started, deletes the streams it made, and restarts servers it killed.
class ScenarioRunner : public QObject {
    Q_OBJECT
public:
    struct Target {
        /// Start the servers the scenario describes (loopback, temp stores) and use them.
        bool startServers = true;
        /// Credentials, TLS and the rest; when startServers is false, also the servers.
        Options base;
        /// Servers the run may kill, restart and put in lame duck mode, in the scenario's
        /// numbering (1 = the first). Not owned; they may live on another thread.
        QList<NatsServerProcess*> servers;
        /// On servers the run did not start: allow steps that ack, NAK, terminate, withhold
        /// acks or move leaders on streams and consumers the scenario does not create. Off by
        /// default: such a run refuses to start (Scenario::foreignTargets()).
        bool allowExisting = false;
    };

    ScenarioRunner(Scenario scenario, Target target, QObject* parent = nullptr);
    ~ScenarioRunner() override;

    /// Runs every step and returns the report (also emitted as finished()).
    ScenarioReport run();
    /// From any thread: stop at the next moment the run waits; what it started is cleaned up.
    void cancel() { m_cancel.store(true); }
    const Scenario& scenario() const { return m_scenario; }

signals:
    void stepStarted(int index, qint64 startedMs);
    void stepFinished(int index, const jetdeck::scenario::StepResult& result);
    /// Live counters of the step running now (sent / acked / received...), about 4 times a second.
    void stepProgress(int index, const QString& text);
    void logLine(const QString& line);
    /// A fault started or ended (the console marks its charts with them).
    void faultEvent(const QString& what, bool started);
    void finished(const jetdeck::scenario::ScenarioReport& report);

private:
    Scenario m_scenario;
    Target m_target;
    ScenarioReport m_report;
    std::atomic<bool> m_cancel{false};
    std::unique_ptr<Run> m_run;
};

} // namespace jetdeck::scenario
