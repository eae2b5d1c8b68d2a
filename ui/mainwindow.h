#pragma once

#include "core/client/systemcredentials.h"
#include "ui/session.h"
#include "ui/widgets/theme.h"

#include <QMainWindow>
#include <QUrl>

#include <array>
#include <functional>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QListWidget;
class QStackedWidget;
class QLineEdit;
class QPushButton;

namespace jetdeck {

class ConnectionPage;
class ConnectionSidebar;
class ConsumerPage;
class DemoSession;
class EventLogModel;
class EventLogPanel;
class FaultMarks;
class FaultsPage;
class LatencyPage;
class MessagesPage;
class TailPage;
class WelcomePage;
class OutboundPage;
class PublishPage;
class ScenarioPage;
class SessionPage;
class EventsPage;
class ServersPage;
class ClientsPage;
class JetStreamPage;
class StreamsPage;
namespace metrics {
class MetricsServer;
} // namespace metrics

/// The console's main window: a server bar, the saved connections and the list of pages on the
/// left, the chosen page on the right, the event log under the connection page. Everything is
/// about one session (the connection, its registry, its fault marks), which the pages follow.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// The pages, in the order of the list on the left (Alt+1 ... Alt+9, Alt+0 the tenth;
    /// Ctrl+PgDown and Ctrl+PgUp the next and the previous one).
    enum class Page {
        Connection,
        Servers,
        Clients,
        JetStream,
        Events,
        Streams,
        Latency,
        Outbound,
        Publish,
        Consumer,
        Messages,
        Tail,
        Faults,
        Scenarios
    };
    Q_ENUM(Page)
    static constexpr int kPageCount = int(Page::Scenarios) + 1;
    /// A page's name on the command line (--page): "connection", "streams", ...
    static QString pageName(Page page);
    static std::optional<Page> pageFromName(QStringView name);
    static QStringList pageNames();

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Replaces the current connection with one made from these options and opens it; with
    /// system credentials (setSystemCredentials()) a connection of the system account's user
    /// opens beside it, to the servers of `systemBase` (default: the same as `options`).
    void connectWith(const Options& options, const std::optional<Options>& systemBase = {});
    /// A user of the system account for the servers, clients and JetStream pages when the
    /// connection's own user is not one (jetdeck --sys-user/--sys-creds, the demo's). Kept for
    /// every connection of this window; applies from the next connect.
    void setSystemCredentials(const SystemCredentials& credentials) { m_sysCreds = credentials; }
    const SystemCredentials& systemCredentials() const { return m_sysCreds; }
    /// The servers' monitoring ports (--monitor), for the servers and JetStream pages when the
    /// user is not in the system account.
    void setMonitorUrls(const QList<QUrl>& urls);
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

    /// What the window shows: the connection, what watches it, the journal.
    Session* session() const { return m_session; }
    Connection* connection() const;
    SessionPage* page(Page page) const { return m_pages[size_t(page)]; }
    ConnectionPage* connectionPage() const { return m_connectionPage; }
    ServersPage* serversPage() const { return m_servers; }
    ClientsPage* clientsPage() const { return m_clients; }
    JetStreamPage* jetStreamPage() const { return m_jetStream; }
    EventsPage* eventsPage() const { return m_events; }
    StreamsPage* streamsPage() const { return m_streams; }
    MessagesPage* messagesPage() const { return m_messages; }
    TailPage* tailPage() const { return m_tail; }
    LatencyPage* latencyPage() const { return m_latency; }
    OutboundPage* outboundPage() const { return m_outbound; }
    PublishPage* publishPage() const { return m_publish; }
    ConsumerPage* consumerPage() const { return m_consumer; }
    FaultsPage* faultsPage() const { return m_faults; }
    ScenarioPage* scenarioPage() const { return m_scenarios; }
    FaultMarks* faultMarks() const;
    ConnectionSidebar* connectionSidebar() const { return m_sidebar; }
    /// What the console measures; the pages, the snapshot export and --metrics-port read it.
    metrics::MetricsRegistry* metricsRegistry() const;
    /// Serves Prometheus metrics on loopback; the error says why not (port in use...).
    Status startMetricsServer(quint16 port);
    QString metricsUrl() const;
    /// Writes everything the console knows as JSON (connection, consumers, latency over the
    /// latency page's window, backpressure).
    Status exportSnapshot(const QString& path);
    /// Writes the events the log's filter shows as CSV.
    Status exportEventsCsv(const QString& path);
    void showPage(Page page);
    Page currentPage() const;
    /// The first start's page: a URL, the natscli contexts found, the demo. Until a connection
    /// is made or a page is chosen.
    void showWelcome();
    bool isWelcomeShown() const;
    WelcomePage* welcomePage() const { return m_welcome; }
    /// Nothing saved yet: what the first start looks like (main() then shows the welcome when
    /// no server was given either).
    bool hasSavedConnections() const;
    /// Connects again to what was open when the window last closed (a saved connection or a
    /// natscli context by name, or a URL without credentials; never a demo, whose servers are
    /// gone). False when nothing was open or it cannot be opened (the reason in lastMessage()).
    bool restoreOpenConnection();
    /// Starts the built-in demo in this process (the welcome's button) and shows it; the
    /// demo's servers stop with the window.
    Status startDemo(int clusterSize = 1);
    DemoSession* ownDemo() const { return m_ownDemo.get(); }
    /// Lets go of the connection, then stops a demo the window started (its servers and their
    /// directories go), so that their going away is not reported as a lost connection.
    void stopDemo();
    EventLogModel* eventModel() const;
    QString serverBarText() const;
    /// Light, dark, or as the desktop says; kept in the settings.
    void setTheme(Theme theme);
    Theme theme() const { return m_theme; }
    QString lastMessage() const { return m_lastMessage; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createServerBar();
    /// The pages in their table (m_pages), in the stack and the list; each follows the session.
    QWidget* createPages();
    void createStatusBarAndActions();
    /// What the pages tell the window or each other.
    void connectPages();
    void onStateChanged(const SessionState& state);
    void showMessage(const QString& text, bool error);
    /// Asks where to save (a timestamped default name), writes, and says how it went.
    void saveWithDialog(const QString& title, const QString& stem, const QString& ext,
                        const QString& filter, const QString& doneText,
                        const std::function<Status(const QString&)>& write);
    void updateButtons(ConnectionState state);
    void restoreSettings();
    void saveSettings();

    Session* m_session;
    Options m_baseOptions;
    Options m_directOptions; ///< the connection's options before it went through a fault proxy
    SystemCredentials m_sysCreds;
    metrics::MetricsServer* m_metricsServer = nullptr;
    std::array<SessionPage*, kPageCount> m_pages{};
    ConnectionPage* m_connectionPage;
    ServersPage* m_servers;
    ClientsPage* m_clients;
    JetStreamPage* m_jetStream;
    EventsPage* m_events;
    StreamsPage* m_streams;
    MessagesPage* m_messages;
    TailPage* m_tail;
    WelcomePage* m_welcome = nullptr;
    std::unique_ptr<DemoSession> m_ownDemo;
    bool m_demoAttached = false; ///< the connection is a demo's: nothing to restore next time
    LatencyPage* m_latency;
    OutboundPage* m_outbound;
    PublishPage* m_publish;
    ConsumerPage* m_consumer;
    FaultsPage* m_faults;
    ScenarioPage* m_scenarios;
    ConnectionSidebar* m_sidebar;
    QString m_activeKey; ///< the sidebar entry of the current connection ("" from the bar)
    QLineEdit* m_urlEdit;
    QPushButton* m_connectButton;
    QPushButton* m_disconnectButton;
    QListWidget* m_nav;
    QStackedWidget* m_stack;
    EventLogPanel* m_log;
    QLabel* m_statusState;
    QComboBox* m_themeCombo;
    Theme m_theme = Theme::System;
    QString m_lastMessage;
};

} // namespace jetdeck
