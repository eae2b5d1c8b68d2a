#pragma once

#include "core/scenario/scenario.h"
#include "core/workload/ratepublisher.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace jetdeck {
class ConnectionThread;
class NatsServerProcess;
namespace faults {
class FaultProxyThread;
}
} // namespace jetdeck

namespace jetdeck::scenario {

/// How a step ended.
enum class StepStatus { Pending, Running, Passed, Failed, Done, Error, Skipped };
QString stepStatusName(StepStatus s);

struct StepResult {
    StepStatus status = StepStatus::Pending;
    qint64 startedMs = -1; ///< since the run started
    qint64 durationMs = 0;
    QString message;      ///< what happened, or why it failed
    QJsonObject measured; ///< the values behind the verdict
};

/// One step's line in a terminal: number, status, duration, title, and the message.
QString stepLine(const Step& step, const StepResult& result);

struct ScenarioReport {
    QString name;
    QString file;
    QString target;     ///< where it ran: "3 local servers", "nats://..."
    QString setupError; ///< servers, connection or streams could not be set up
    QStringList log;    ///< what happened, in order, with times since the start
    QList<Step> steps;
    QList<StepResult> results;
    qint64 durationMs = 0;
    bool cancelled = false;

    int failures() const;
    int errors() const;
    bool passed() const;
    QJsonObject toJson() const;
    /// A table for a terminal: one line per step, then the verdict.
    QString toText() const;
    /// Writes toJson() to `path` (atomically); the error names the file.
    Status save(const QString& path) const;
};

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
    struct Publish;
    struct Worker;
    struct ActiveFault {
        QString name;
        QString what;
        qint64 endsAtMs = -1; ///< cleared by itself then (-1: when asked, or at the end)
        NatsServerProcess* killed = nullptr; ///< a kill_server fault: the server it killed
        std::function<Status()> clear;
    };

    Status setUp();
    void tearDown();
    /// When a worker received fewer messages than the stream holds: which stream sequences it
    /// lacks, whether the server ever delivered them to this client, and what the consumer's
    /// state says of them (appended to the failed check's message; also in `measured`).
    QString missingReport(Connection* c, const QString& stream, Worker& worker,
                          QJsonObject* measured);
    Status createStreams();
    StepResult execute(const Step& step);
    StepResult doPublish(const Step& step, const PublishStep& p);
    StepResult doAwait(const AwaitStep& a);
    StepResult doConsume(const Step& step, const ConsumeStep& c);
    StepResult doStop(const StopStep& s);
    StepResult doFault(const FaultStep& f);
    StepResult doClear(const ClearStep& c);
    StepResult doAssert(const AssertStep& a);
    Status clearFault(const QString& name);
    /// Waits up to `ms` for done() (or just `ms` when null); false on timeout or cancel.
    bool waitFor(qint64 ms, const std::function<bool()>& done = {});
    /// Waits for a publish to finish (bounded by its plan); false when it did not.
    bool awaitPublish(Publish& p, qint64 timeoutMs);
    void waitForDrop(Connection* c, quint64 reconnectsBefore);
    Publish* publishNamed(const QString& name) const;
    void service();
    void log(const QString& line);
    qint64 elapsed() const { return m_clock.elapsed(); }
    NatsServerProcess* server(int oneBased) const;
    Result<Connection*> workerConnection();
    Status onServerThread(NatsServerProcess* s, const std::function<Status()>& f);

    Scenario m_scenario;
    Target m_target;
    ScenarioReport m_report;
    std::atomic<bool> m_cancel{false};
    QElapsedTimer m_clock;
    qint64 m_lastProgressMs = 0;
    int m_current = -1;

    std::vector<std::unique_ptr<NatsServerProcess>> m_ownServers;
    QList<NatsServerProcess*> m_servers;
    std::unique_ptr<faults::FaultProxyThread> m_proxy;
    std::unique_ptr<ConnectionThread> m_conn;
    /// Workers and consumer faults use a connection of their own (direct, not through the
    /// proxy), so the publishers' counts are theirs alone.
    std::unique_ptr<ConnectionThread> m_workerConn;
    Options m_workerOptions;
    quint64 m_reconnectsAtStart = 0;
    QStringList m_createdStreams;
    std::vector<std::unique_ptr<Publish>> m_publishes; ///< in start order; names optional

    std::map<QString, std::unique_ptr<Worker>> m_workers;
    QList<ActiveFault> m_faults;
};

} // namespace jetdeck::scenario

Q_DECLARE_METATYPE(jetdeck::scenario::StepResult)
Q_DECLARE_METATYPE(jetdeck::scenario::ScenarioReport)
