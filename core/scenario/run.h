#pragma once

#include "core/scenario/report.h"
#include "core/scenario/runner.h"
#include "core/workload/ratepublisher.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QSet>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace jetdeck {
class ConnectionThread;
class NatsServerProcess;
namespace js {
class PullConsumer;
class RedeliveryTracker;
} // namespace js
namespace faults {
class FaultInjector;
}
} // namespace jetdeck

namespace jetdeck::scenario {

/// What the steps of one run share: the servers, the proxy and the connections it set up, the
/// publishes and workers steps started, the faults in force, the clock, the log. Steps get it
/// from the runner (steps/*.cpp); it lives on the run's thread.
class Run {
public:
    /// A publish step's publisher and, once it finished, its summary.
    struct Publish {
        QString name;
        RatePublisher* publisher = nullptr; ///< lives on the connection's thread
        PublishPlan plan;
        QMutex mu;
        bool done = false;
        PublishSummary summary;

        bool isDone();
        PublishSummary result();
    };
    /// A consume step's worker and what it saw.
    struct Worker {
        QString name;
        std::unique_ptr<js::PullConsumer> consumer;
        std::shared_ptr<js::RedeliveryTracker> tracker;
        QMutex mu;
        QSet<quint64> seen;    ///< stream sequences handled by the worker
        QSet<quint64> arrived; ///< stream sequences the server delivered to this client
        QString failure;

        ~Worker();
        qint64 distinct();
    };
    /// `runner` announces what happens (its signals); `report` gets the log and the target.
    Run(ScenarioRunner& runner, const Scenario& scenario, const ScenarioRunner::Target& target,
        ScenarioReport& report, const std::atomic<bool>& cancel);
    ~Run();
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    /// Servers, proxy, connection, streams and consumers; the error says which failed.
    Status setUp();
    /// Stops what the run started (workers, publishes, faults, connections, servers) and
    /// deletes the streams it created; safe to call twice.
    void tearDown();

    const Scenario& scenario() const { return m_scenario; }
    qint64 elapsed() const { return m_clock.elapsed(); }
    void startClock() { m_clock.start(); }
    bool cancelled() const { return m_cancel.load(); }
    /// The step running now (-1: none), for the progress line.
    void setCurrentStep(int index) { m_current = index; }
    void log(const QString& line);
    /// Waits up to `ms` for done() (or just `ms` when null), processing events and ending
    /// faults whose time is up; false on timeout or cancel.
    bool waitFor(qint64 ms, const std::function<bool()>& done = {});
    /// Waits for a publish to finish; false when it did not in `timeoutMs`.
    bool awaitPublish(Publish& p, qint64 timeoutMs);
    /// After the client was told to drop its connection: waits until the drop is seen.
    void waitForDrop(Connection* c, quint64 reconnectsBefore);

    /// The run's connection (through the proxy when the scenario has one).
    Connection* connection() const;
    /// The workers' connection (direct), made on first use.
    Result<Connection*> workerConnection();
    quint64 reconnectsAtStart() const { return m_reconnectsAtStart; }
    /// Starts and ends the run's faults, owns its fault proxy; set up by setUp().
    faults::FaultInjector& faults() { return *m_faults; }

    Publish& addPublish(std::unique_ptr<Publish> p);
    Publish* publishNamed(const QString& name) const;
    const std::vector<std::unique_ptr<Publish>>& publishes() const { return m_publishes; }
    void addWorker(const QString& name, std::unique_ptr<Worker> w);
    Worker* workerNamed(const QString& name) const;

private:
    Status startServers(Options* base);
    Status createStreams();
    /// Emits the progress line about 4 times a second.
    void service();

    ScenarioRunner& m_runner;
    const Scenario& m_scenario;
    const ScenarioRunner::Target& m_target;
    ScenarioReport& m_report;
    const std::atomic<bool>& m_cancel;
    QElapsedTimer m_clock;
    qint64 m_lastProgressMs = 0;
    int m_current = -1;

    std::vector<std::unique_ptr<NatsServerProcess>> m_ownServers;
    QList<NatsServerProcess*> m_servers;
    std::unique_ptr<ConnectionThread> m_conn;
    /// Workers and consumer faults use a connection of their own (direct, not through the
    /// proxy), so the publishers' counts are theirs alone.
    std::unique_ptr<ConnectionThread> m_workerConn;
    Options m_workerOptions;
    quint64 m_reconnectsAtStart = 0;
    QStringList m_createdStreams;
    std::vector<std::unique_ptr<Publish>> m_publishes; ///< in start order; names optional
    std::map<QString, std::unique_ptr<Worker>> m_workers;
    /// Made on the run's thread by setUp(); gone after tearDown().
    std::unique_ptr<faults::FaultInjector> m_faults;
};

} // namespace jetdeck::scenario
