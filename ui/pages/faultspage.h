#pragma once

#include "core/client/connectionthread.h"
#include "core/faults/consumerfaults.h"
#include "core/faults/faultinjector.h"
#include "core/faults/faultproxy.h"
#include "ui/pages/sessionpage.h"

#include <QPointer>

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;
class QTimer;

namespace jetdeck {

class DemoSession;
class ToxicsModel;

/// Faults on demand: a fault proxy in front of the console's server with Toxiproxy's toxics
/// (latency, bandwidth, blackhole, reset, slicer, limit data; per direction, with a toxicity,
/// switched on and off live, with their counters), the proxy going down, a forced
/// disconnect, and for servers the console started itself (the demo) kill -9, restart and
/// lame duck mode. Every fault goes through a FaultInjector (core/faults), which announces it
/// (faultEvent) so the log shows when it started and ended.
class FaultsPage : public SessionPage {
    Q_OBJECT
public:
    explicit FaultsPage(QWidget* parent = nullptr);
    ~FaultsPage() override;

    /// Servers the console may kill and restart; null when it started none.
    void setDemo(DemoSession* demo);

    /// Starts a proxy in front of the current server and asks for the console to reconnect
    /// through it (reconnectRequested); false with the reason in statusText().
    bool startProxy();
    /// Stops the proxy and asks to reconnect to the servers used before.
    void stopProxy();
    faults::FaultProxyThread* proxy() const;
    faults::FaultInjector* injector() const { return m_injector; }
    Status addToxic(const faults::Toxic& toxic);
    void setToxicEnabled(const QString& name, bool enabled);
    void removeToxic(const QString& name);
    void setProxyDown(bool down);
    void forceDisconnect();
    /// The console's connection stops reading for `seconds` (the server sees a slow consumer).
    void stallReading(int seconds);
    /// Sends a line the server does not understand (its -ERR and a reconnect follow).
    void sendMalformedLine();
    Status killServer(int index);
    Status restartServer(int index);
    Status lameDuck(int index);
    /// Consumer faults and leader step-downs run on a worker thread (they wait for the
    /// server); false when one is already running or there is no connection. The outcome
    /// arrives as jetStreamFaultDone() and in statusText().
    bool injectConsumerFault(const faults::ConsumerFault& fault);
    bool stepDownLeader(const QString& stream, const QString& consumer = {});
    /// Streams and consumers offered in the JetStream fault form (for the demo: ORDERS).
    void setJetStreamTarget(const QString& stream, const QString& consumer);
    QString statusText() const;
    QTableView* toxicTable() const { return m_table; }
    ToxicsModel* toxicModel() const { return m_toxics; }
    void refresh() override;

signals:
    /// Connect the console through the proxy at this URL (same credentials and options).
    void routeThroughProxy(const QString& proxyUrl);
    /// Connect the console to its servers again, as before the proxy.
    void routeDirect();
    /// A fault started (or ended), for the event log and the marks on the time charts.
    void faultEvent(const QString& what, bool started);
    /// A consumer fault or step-down ended: ok, and what happened (or why it could not).
    void jetStreamFaultDone(bool ok, const QString& text);

protected:
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;

private:
    void addFromForm();
    void updateForm();
    void setStatus(const QString& text, bool error);
    void updateServers();
    /// A fault on the console's own connection; false (with the reason shown) when it could
    /// not start.
    bool startClientFault(faults::FaultKind kind, qint64 durationMs = 0);
    /// `index` is 0-based, as in the servers list.
    Status serverFault(faults::FaultKind kind, int index);
    bool runJetStreamFault(faults::FaultSpec spec);

    std::shared_ptr<ConnectionThread> m_conn;
    QPointer<DemoSession> m_demo;
    faults::FaultInjector* m_injector;
    ToxicsModel* m_toxics;

    QLabel* m_proxyLabel;
    QPushButton* m_proxyButton;
    QCheckBox* m_down;
    QComboBox* m_type;
    QComboBox* m_direction;
    QSpinBox* m_value;
    QSpinBox* m_jitter;
    QDoubleSpinBox* m_toxicity;
    QPushButton* m_add;
    QPushButton* m_remove;
    QTableView* m_table;
    QPushButton* m_disconnect;
    QSpinBox* m_stallSeconds;
    QPushButton* m_stall;
    QPushButton* m_garbage;
    QComboBox* m_servers;
    QPushButton* m_kill;
    QPushButton* m_restart;
    QPushButton* m_ldm;
    QComboBox* m_jsStream;
    QComboBox* m_jsConsumer;
    QSpinBox* m_jsCount;
    QPushButton* m_withhold;
    QPushButton* m_nakBurst;
    QPushButton* m_term;
    QPushButton* m_streamStepDown;
    QPushButton* m_consumerStepDown;
    bool m_jsBusy = false;
    QLabel* m_status;
};

} // namespace jetdeck
