#pragma once

#include "core/client/connectionthread.h"
#include "ui/widgets/theme.h"

#include <QMainWindow>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QListWidget;
class QStackedWidget;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace jetdeck {

class ConnectionPage;
class FaultsPage;
class ScenarioPage;
class FaultMarks;
class ConnectionSidebar;
class DemoSession;
class ConsumerPage;
class EventLogModel;
class LatencyPage;
class OutboundPage;
class PublishPage;
class StreamsPage;
namespace metrics {
class MetricsRegistry;
class MetricsServer;
} // namespace metrics

/// The console's main window: a server bar, the live state of the connection, and its
/// event log. The connection runs on its own thread; the window pulls snapshots on a timer.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Replaces the current connection with one made from these options and opens it.
    void connectWith(const Options& options);
    /// Parses a comma separated URL list; a bad one is reported in the window and changes
    /// nothing.
    bool connectToUrls(const QString& urls);
    void disconnectFromServer();
    /// Subjects the console subscribes to on every connection (the demo's traffic).
    void setWatchedSubjects(const QList<QByteArray>& subjects);
    /// Shows a running demo: connects to its servers, watches its subjects and its workers'
    /// trackers, and opens the pages on something worth seeing. The demo must outlive the
    /// window's use of it (main() owns both).
    void attachDemo(DemoSession& demo);
    /// Base options (auth, TLS, name) that URLs typed into the bar are combined with.
    void setBaseOptions(const Options& options) { m_baseOptions = options; }

    Connection* connection() const;
    ConnectionPage* connectionPage() const { return m_page; }
    StreamsPage* streamsPage() const { return m_streams; }
    LatencyPage* latencyPage() const { return m_latency; }
    OutboundPage* outboundPage() const { return m_outbound; }
    PublishPage* publishPage() const { return m_publish; }
    ConsumerPage* consumerPage() const { return m_consumer; }
    FaultsPage* faultsPage() const { return m_faults; }
    ScenarioPage* scenarioPage() const { return m_scenarios; }
    FaultMarks* faultMarks() const { return m_faultMarks; }
    ConnectionSidebar* connectionSidebar() const { return m_sidebar; }
    /// What the console measures; the pages, the snapshot export and --metrics-port read it.
    metrics::MetricsRegistry* metricsRegistry() const { return m_registry; }
    /// Serves Prometheus metrics on loopback; the error says why not (port in use...).
    Status startMetricsServer(quint16 port);
    QString metricsUrl() const;
    /// Writes everything the console knows as JSON (connection, consumers, latency over the
    /// latency page's window, backpressure).
    Status exportSnapshot(const QString& path);
    /// Writes the events the log's filter shows as CSV.
    Status exportEventsCsv(const QString& path);
    /// Shows a page: 0 connection, 1 streams and consumers, 2 latency, 3 outbound queue,
    /// 4 publish, 5 consumer, 6 faults, 7 scenarios.
    void showPage(int index);
    int currentPage() const;
    EventLogModel* eventModel() const { return m_events; }
    QString serverBarText() const;
    /// Light, dark, or as the desktop says; kept in the settings.
    void setTheme(Theme theme);
    Theme theme() const { return m_theme; }
    QString lastMessage() const { return m_lastMessage; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    /// Detaches every page from the connection and closes it (background work that still
    /// holds it fails fast and lets it go).
    void releaseConnection();
    void showMessage(const QString& text, bool error);
    /// One line in the event log (time: now when invalid).
    void logEvent(ConnectionEvent::Kind kind, const QString& message, const QString& where = {},
                  const QDateTime& time = {});
    /// Asks where to save (a timestamped default name), writes, and says how it went.
    /// A fault that started or ended: a line in the event log and a mark on the time charts.
    void recordFault(const QString& what, bool started);
    void saveWithDialog(const QString& title, const QString& stem, const QString& ext,
                        const QString& filter, const QString& doneText,
                        const std::function<Status(const QString&)>& write);
    void updateButtons();
    void subscribeWatched();
    void restoreSettings();
    void saveSettings();

    Options m_baseOptions;
    metrics::MetricsRegistry* m_registry;
    metrics::MetricsServer* m_metricsServer = nullptr;
    LatencyPage* m_latency;
    OutboundPage* m_outbound;
    PublishPage* m_publish;
    ConsumerPage* m_consumer;
    FaultsPage* m_faults;
    ScenarioPage* m_scenarios = nullptr;
    FaultMarks* m_faultMarks;
    Options m_directOptions; ///< the connection's options before it went through a fault proxy
    ConnectionSidebar* m_sidebar;
    QString m_activeKey; ///< the sidebar entry of the current connection ("" from the bar)
    std::shared_ptr<ConnectionThread> m_conn; ///< shared with background refreshes
    QList<QByteArray> m_watched;
    QList<SubscriptionPtr> m_watchSubs; ///< m_watched on the current connection
    QLineEdit* m_urlEdit;
    QPushButton* m_connectButton;
    QPushButton* m_disconnectButton;
    ConnectionPage* m_page;
    StreamsPage* m_streams;
    QListWidget* m_nav;
    QStackedWidget* m_stack;
    EventLogModel* m_events;
    QSortFilterProxyModel* m_eventFilter;
    QTableView* m_eventView;
    QLineEdit* m_eventFilterEdit;
    QLabel* m_statusState;
    QComboBox* m_themeCombo;
    Theme m_theme = Theme::System;
    QString m_lastMessage;
};

} // namespace jetdeck
