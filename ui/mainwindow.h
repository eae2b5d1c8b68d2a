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
class QTreeWidget;
class QTreeWidgetItem;
class QStackedWidget;
class QLineEdit;
class QPushButton;

namespace jetdeck {

class ConnectionPage;
class ConnectionView;
class OverviewPage;
struct ConnectionRow;
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

/// The console's main window: a server bar, the saved connections and the navigation on the
/// left (every open connection, and under each its pages; "All connections" above them), the
/// chosen page on the right. Each open connection is a ConnectionView of its own (its session,
/// pages and event log): any number may be open at once, one is shown. The accessors below
/// (session(), the pages, the registry...) are the shown connection's.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// The pages, in the order of the navigation (Alt+1 ... Alt+9, Alt+0 the tenth;
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

    /// Replaces the shown connection with one made from these options and opens it; with
    /// system credentials (setSystemCredentials()) a connection of the system account's user
    /// opens beside it, to the servers of `systemBase` (default: the same as `options`).
    void connectWith(const Options& options, const std::optional<Options>& systemBase = {});
    /// Opens a connection beside the others (in the shown view when it has never been used):
    /// `key` the sidebar entry it comes from (empty: none), `title` its name (empty: the first
    /// server's host:port), `system` its system account user (nullopt: the window's). Shows it.
    ConnectionView* openConnection(const Options& options, const QString& key = {},
                                   const QString& title = {},
                                   const std::optional<SystemCredentials>& system = {});
    /// A URL list (commas: one server pool) opened beside the others with the base options; a
    /// bad one is reported and opens nothing.
    bool openUrls(const QString& urls);
    /// A user of the system account for the servers, clients and JetStream pages when the
    /// connection's own user is not one (jetdeck --sys-user/--sys-creds, the demo's). For the
    /// shown connection and every one opened after; applies from the next connect.
    void setSystemCredentials(const SystemCredentials& credentials);
    const SystemCredentials& systemCredentials() const;
    /// The servers' monitoring ports (--monitor), for the servers and JetStream pages when the
    /// user is not in the system account; every connection's.
    void setMonitorUrls(const QList<QUrl>& urls);
    /// Parses a comma separated URL list and connects the shown connection to it; a bad one is
    /// reported in the window and changes nothing.
    bool connectToUrls(const QString& urls);
    /// Disconnects the shown connection (its pages stay, CLOSED).
    void disconnectFromServer();
    /// Subjects the console subscribes to on the shown connection (the demo's traffic).
    void setWatchedSubjects(const QList<QByteArray>& subjects);
    /// Shows a running demo: connects to its servers, watches its subjects and its workers'
    /// trackers, and opens the pages on something worth seeing. The demo must outlive the
    /// window's use of it.
    void attachDemo(DemoSession& demo);
    /// Base options (auth, TLS, name) that URLs typed into the bar are combined with.
    void setBaseOptions(const Options& options) { m_baseOptions = options; }

    /// The request budget every open connection's polling shares (20 a second by default):
    /// ten connections ask no more of a cluster on their own than one.
    RequestBudget* requestBudget() const { return m_budget.get(); }

    /// The open connections, in the order they were opened, and the one shown.
    QList<ConnectionView*> views() const { return m_views; }
    ConnectionView* currentView() const { return m_current; }
    /// The connection of that sidebar entry, or of that view id; null when it is not open.
    ConnectionView* viewForKey(const QString& key) const;
    ConnectionView* viewById(quint64 id) const;
    /// Makes that connection the shown one (the bar, the status, the accessors follow; the
    /// overview or the welcome stay in front if they are). Reconnects nothing.
    void switchTo(ConnectionView* view);
    /// switchTo(), then its pages, on the page it last showed.
    void showView(ConnectionView* view);
    /// Disconnects a connection and closes its pages; the others stay. The last one closed
    /// leaves an empty one to connect from.
    void closeConnection(ConnectionView* view);
    /// A new, empty connection view, shown, the server bar ready for a URL (Ctrl+T).
    ConnectionView* newConnectionView();
    /// The overview of every open connection.
    void showOverview();
    bool isOverviewShown() const;
    OverviewPage* overviewPage() const { return m_overview; }
    /// The overview's rows, as it shows them.
    QList<ConnectionRow> connectionRows() const;

    /// What the window shows: the connection, what watches it, the journal.
    Session* session() const;
    Connection* connection() const;
    SessionPage* page(Page page) const;
    ConnectionPage* connectionPage() const;
    ServersPage* serversPage() const;
    ClientsPage* clientsPage() const;
    JetStreamPage* jetStreamPage() const;
    EventsPage* eventsPage() const;
    StreamsPage* streamsPage() const;
    MessagesPage* messagesPage() const;
    TailPage* tailPage() const;
    LatencyPage* latencyPage() const;
    OutboundPage* outboundPage() const;
    PublishPage* publishPage() const;
    ConsumerPage* consumerPage() const;
    FaultsPage* faultsPage() const;
    ScenarioPage* scenarioPage() const;
    FaultMarks* faultMarks() const;
    ConnectionSidebar* connectionSidebar() const { return m_sidebar; }
    /// What the shown connection measures; the pages and the snapshot export read it.
    metrics::MetricsRegistry* metricsRegistry() const;
    /// Serves Prometheus metrics on loopback, every open connection's, each series labelled
    /// connection="<its name>"; the error says why not (port in use...).
    Status startMetricsServer(quint16 port);
    QString metricsUrl() const;
    /// The exposition the metrics server serves (every open connection).
    QByteArray metricsText() const;
    /// Writes everything the console knows of the shown connection as JSON (connection,
    /// consumers, latency over the latency page's window, backpressure).
    Status exportSnapshot(const QString& path);
    /// Writes the events the log's filter shows as CSV.
    Status exportEventsCsv(const QString& path);
    /// Shows a page of the shown connection.
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
    /// Connects again to what was open when the window last closed (saved connections and
    /// natscli contexts by name, URLs without credentials; never a demo, whose servers are
    /// gone), each beside the others. False when nothing was open or nothing could be opened
    /// (the reason in lastMessage()).
    bool restoreOpenConnection();
    /// Starts the built-in demo in this process (the welcome's button) and shows it; the
    /// demo's servers stop with the window.
    Status startDemo(int clusterSize = 1);
    DemoSession* ownDemo() const { return m_ownDemo.get(); }
    /// Lets go of the demo's connection, then stops a demo the window started (its servers
    /// and their directories go), so that their going away is not reported as a lost
    /// connection.
    void stopDemo();
    /// Disconnects every open connection (at exit).
    void disconnectAll();
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
    void createNavigation();
    void createStatusBarAndActions();
    /// A view in the window: its pages wired to the window, its place in the navigation.
    ConnectionView* addView();
    /// The shown view if it has never been used, else a new one.
    ConnectionView* viewForNewConnection();
    void connectView(ConnectionView* view, const Options& options,
                     const std::optional<Options>& systemBase = {});
    /// A title no other open view has: `base`, else "base (2)"...
    QString uniqueTitle(const QString& base, const ConnectionView* except) const;
    void onStateChanged(ConnectionView* view, const SessionState& state);
    void updateNavItem(ConnectionView* view);
    QTreeWidgetItem* navItem(const ConnectionView* view) const;
    /// Selects the navigation entry of what the stack shows.
    void syncNavigation();
    void navigationChosen(QTreeWidgetItem* item);
    void navigationMenu(const QPoint& pos);
    void showMessage(const QString& text, bool error);
    /// Asks where to save (a timestamped default name), writes, and says how it went.
    void saveWithDialog(const QString& title, const QString& stem, const QString& ext,
                        const QString& filter, const QString& doneText,
                        const std::function<Status(const QString&)>& write);
    void updateButtons(ConnectionState state);
    void restoreSettings();
    void saveSettings();
    /// Opens one saved "what was open" entry; false with the reason in lastMessage().
    bool restoreEntry(const QString& entry);

    Options m_baseOptions;
    SystemCredentials m_sysCreds; ///< the window's default (--sys-user...), for new views
    QList<QUrl> m_monitorUrls;
    /// What the window's connections may ask on their own, per second, all of them together.
    std::shared_ptr<RequestBudget> m_budget = std::make_shared<RequestBudget>();
    QList<ConnectionView*> m_views;
    ConnectionView* m_current = nullptr;
    quint64 m_nextViewId = 1;
    metrics::MetricsServer* m_metricsServer = nullptr;
    WelcomePage* m_welcome = nullptr;
    OverviewPage* m_overview = nullptr;
    std::unique_ptr<DemoSession> m_ownDemo;
    ConnectionSidebar* m_sidebar;
    QLineEdit* m_urlEdit;
    QPushButton* m_connectButton;
    QPushButton* m_disconnectButton;
    QPushButton* m_newButton;
    QTreeWidget* m_nav;
    QTreeWidgetItem* m_overviewItem = nullptr;
    bool m_syncingNav = false;
    QStackedWidget* m_stack;
    QLabel* m_statusState;
    QComboBox* m_themeCombo;
    Theme m_theme = Theme::System;
    QString m_lastMessage;
};

} // namespace jetdeck
