#pragma once

#include "core/client/connectionthread.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/lister.h"
#include "core/jetstream/redeliverytracker.h"
#include "core/system/accountlister.h"
#include "core/system/acksampler.h"
#include "core/system/clientmonitor.h"
#include "core/system/eventwatcher.h"
#include "core/system/systemmonitor.h"

#include <QDateTime>
#include <QList>
#include <QObject>

#include <memory>
#include <optional>

class QTimer;

namespace jetdeck {

class FaultMarks;
namespace metrics {
class MetricsRegistry;
}

/// The connection's state as the session announces it, with what the listeners need to know
/// about it, so that none of them asks the connection again.
struct SessionState {
    ConnectionState state = ConnectionState::Closed;
    QString server;  ///< the server in use ("host:port"); empty when there is none
    Error lastError; ///< the connection's last error; ok() when it has none
    /// Its last attempt failed and it is not connected (a red dot rather than grey or amber).
    bool failed() const { return !lastError.ok() && state != ConnectionState::Connected; }
};

/// The console around one connection. It holds the connection (a ConnectionThread: the
/// connection on a thread of its own) and the JetStream API on it, and what watches them: the
/// metrics registry, a listing of streams and consumers every few seconds (within the request
/// budget, JetStreamLister), the fault marks,
/// and a tick the pages record their charts' history on. It announces every change; the pages
/// follow it (SessionPage) rather than each being handed the connection. Its journal
/// (eventAdded) has the connection's events, the consumers' news from the registry
/// (backpressure, MaxDeliver, terminations) and what the console itself reports.
///
/// Lives on the GUI thread, as long as its window; one connection at a time, replaced by
/// open().
class Session : public QObject {
    Q_OBJECT
public:
    static constexpr int kTickMs = 250;
    static constexpr int kListIntervalMs = js::JetStreamLister::kDefaultIntervalMs;

    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    /// What the connection is called in the registry and the metrics (connection="..."), from
    /// the next open(). Default "console".
    void setName(const QString& name) { m_name = name; }
    QString name() const { return m_name; }

    /// Lets the current connection go (release()), then makes one from `options` and opens it.
    /// With `system` (a user of the system account on the same servers, when the connection's
    /// own user is not one: SystemCredentials) a second connection opens beside it, and the
    /// servers, clients and JetStream pages and the servers' client events go through that one.
    void open(const Options& options, const std::optional<Options>& system = std::nullopt);
    /// Closes the connection (and the system account's beside it) and keeps it: the pages go
    /// on showing it, CLOSED.
    void close();
    /// Tells everyone that there is no connection, then closes it and lets it go (background
    /// work that still holds it fails fast and drops it).
    void release();

    /// The current connection; null when there is none.
    const std::shared_ptr<ConnectionThread>& connection() const { return m_conn; }
    /// The system account's own connection when open() was given one; null otherwise (the
    /// system is then asked through connection()).
    const std::shared_ptr<ConnectionThread>& systemConnection() const { return m_sysConn; }
    /// The servers' monitoring ports (`jetdeck --monitor`): for a user outside the system
    /// account, the servers and JetStream pages read them instead. Empty: none.
    void setMonitorPorts(const QList<QUrl>& urls);
    const sys::MonitorPorts* monitorPorts() const { return m_ports.get(); }
    /// What a page that needs the system account says when the servers do not answer: how to
    /// give access, or that the system credentials given are not the system account's.
    QString systemAccessHint() const;
    /// The JetStream API on the current connection (only while there is one). Work on another
    /// thread keeps connection() alive beside it.
    js::JetStream jetStream() const;
    /// The state as last announced (stateChanged()).
    const SessionState& state() const { return m_state; }
    /// What the console measures: this connection's probes and rates, the consumers'.
    metrics::MetricsRegistry* registry() const { return m_registry; }
    /// Faults that started and ended, for the marks on every time chart.
    FaultMarks* faultMarks() const { return m_faultMarks; }

    /// Adds an entry of the console's own to the journal and the log file (an invalid time
    /// means now).
    void addEvent(ConnectionEvent::Kind kind, const QString& message, const QString& where = {},
                  const QDateTime& time = {});
    /// A fault started or ended: an entry in the journal and a mark on every time chart.
    void recordFault(const QString& what, bool started);

    /// Subjects subscribed once on every connection (the demo's traffic, so that the console
    /// counts it).
    void setWatchedSubjects(const QList<QByteArray>& subjects);

    /// Lists streams and consumers now unless a listing is under way; jetStreamListed()
    /// follows. While connected the session does it every listInterval() anyway.
    void listJetStream();
    void setListInterval(int ms);
    /// What listens to the servers' events on the current connection; null without one.
    const sys::EventWatcher* eventWatcher() const { return m_events.get(); }
    /// What hands the servers' ack samples (consumers with sample_freq) to the registry.
    const sys::AckSampler* ackSampler() const { return m_ackSamples.get(); }
    /// What lists the streams and consumers of the current connection the paged way; null
    /// without one. With system access the listing comes from one JSZ fan-out instead
    /// (accountLister(), listingThroughSystem()) and this one rests.
    const js::JetStreamLister* lister() const { return m_lister.get(); }
    const sys::AccountLister* accountLister() const { return m_accountLister.get(); }
    /// The last listing came through the system account (JSZ), not page by page.
    bool listingThroughSystem() const { return m_throughSystem; }

    /// What the console may ask the cluster for on its own, per second (RequestBudget).
    RequestBudget* budget() { return m_budget.get(); }
    /// Shares a budget with other sessions (the window's connections: one budget for all of
    /// them, however many are open). Before open(); the monitors made then take it.
    void setBudget(std::shared_ptr<RequestBudget> budget) { m_budget = std::move(budget); }
    /// Watches the whole cluster through the system account from now on, for this connection
    /// and the next ones (the servers page asks when it is first shown: nobody is watched who
    /// did not look). Null until then or without a connection.
    void watchSystem();
    sys::SystemMonitor* systemMonitor() const { return m_system.get(); }
    /// Lists every client connection of the cluster (CONNZ through the system account) while
    /// `on`: the clients page turns it on while it is shown and off when it is hidden, so a
    /// cluster with thousands of connections is not asked for them when nobody looks.
    void watchClients(bool on);
    /// What lists them on the current connection; null without one.
    sys::ClientMonitor* clientMonitor() const { return m_clients.get(); }
    int listInterval() const;

signals:
    /// The session has a new connection, or none (null): show this one from now on.
    void connectionChanged(const std::shared_ptr<jetdeck::ConnectionThread>& connection);
    /// The connection's state changed.
    void stateChanged(const jetdeck::SessionState& state);
    /// An entry of the journal: the connection's, the registry's or addEvent()'s.
    void eventAdded(const jetdeck::ConnectionEvent& event);
    /// A listing ended: the streams with their consumers (already given to the registry), or
    /// why not.
    void jetStreamListed(const jetdeck::Result<jetdeck::js::JetStreamSnapshot>& snapshot);
    /// Events the servers announced (the account's JetStream advisories; client events when
    /// the user is in the system account), in the order they arrived. The important ones are
    /// also fault marks on the charts and, when they are errors, in the journal.
    void systemEventsArrived(const QList<jetdeck::sys::SystemEvent>& events);
    /// The system monitor is another one (a new connection), or none.
    void systemMonitorChanged(jetdeck::sys::SystemMonitor* monitor);
    /// The client monitor is another one (a new connection), or none.
    void clientMonitorChanged(jetdeck::sys::ClientMonitor* monitor);
    /// Every kTickMs, connected or not: what keeps a history records it on this.
    void ticked();

private:
    void onStateChanged(Connection* connection, ConnectionState state);
    void onListed(const Result<js::JetStreamSnapshot>& snapshot);
    void onSystemListed(const Result<js::JetStreamSnapshot>& snapshot);
    void setPagedListing(bool on);
    void reportRedeliveries(const QString& stream, const QString& consumer,
                            const QList<js::RedeliveryEvent>& events);
    void subscribeWatched();
    void startSystemMonitor();
    void onSystemEvents(const QList<sys::SystemEvent>& events);

    std::shared_ptr<ConnectionThread> m_conn;    ///< shared with background work
    std::shared_ptr<ConnectionThread> m_sysConn; ///< the system account's, when given
    /// The connection the system monitor, the client monitor and the client events use.
    Connection* systemSide() const;
    SessionState m_state;
    QString m_name = QStringLiteral("console");
    metrics::MetricsRegistry* m_registry;
    FaultMarks* m_faultMarks;
    QList<QByteArray> m_watched;
    QList<SubscriptionPtr> m_watchSubs; ///< m_watched on the current connection
    int m_listIntervalMs = kListIntervalMs;
    QTimer* m_tick;
    std::shared_ptr<RequestBudget> m_budget = std::make_shared<RequestBudget>();
    bool m_watchSystem = false;
    std::unique_ptr<sys::MonitorPorts> m_ports; ///< before m_system, which uses it
    std::unique_ptr<sys::SystemMonitor> m_system;
    bool m_watchClients = false;
    std::unique_ptr<sys::ClientMonitor> m_clients;
    std::unique_ptr<js::JetStreamLister> m_lister;       ///< lists on the current connection
    bool m_pagedListing = false;                         ///< m_lister is running
    std::unique_ptr<sys::AccountLister> m_accountLister; ///< JSZ, with system access
    bool m_throughSystem = false;
    std::unique_ptr<sys::EventWatcher> m_events;   ///< listens on the current connection
    std::unique_ptr<sys::AckSampler> m_ackSamples; ///< into the registry (ack_sampled)
};

} // namespace jetdeck
