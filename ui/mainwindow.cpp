#include "mainwindow.h"

#include "core/demo/demosession.h"
#include "core/metrics/metricsserver.h"
#include "core/metrics/registry.h"
#include "ui/connections/connectiondialog.h"
#include "ui/connections/connectionsidebar.h"
#include "ui/models/eventlogmodel.h"
#include "ui/pages/clientspage.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/eventspage.h"
#include "ui/pages/faultspage.h"
#include "ui/pages/jetstreampage.h"
#include "ui/pages/latencypage.h"
#include "ui/pages/messagespage.h"
#include "ui/pages/outboundpage.h"
#include "ui/pages/publishpage.h"
#include "ui/pages/scenariopage.h"
#include "ui/pages/serverspage.h"
#include "ui/pages/streamspage.h"
#include "ui/pages/tailpage.h"
#include "ui/pages/welcomepage.h"
#include "ui/widgets/eventlogpanel.h"
#include "ui/widgets/faultmarks.h"
#include "ui/widgets/layoutsettings.h"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QThreadPool>
#include <QToolBar>

namespace jetdeck {

namespace {
/// How long closing the window waits for the pages' background work on a closed connection.
constexpr int kBackgroundDrainMs = 10000;

/// The pages: their names on the command line and their titles in the list, in Page's order.
struct PageInfo {
    MainWindow::Page page;
    const char* name;
    const char* title;
};
constexpr PageInfo kPages[] = {
    {MainWindow::Page::Connection, "connection",
     QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Connection")},
    {MainWindow::Page::Servers, "servers", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Servers")},
    {MainWindow::Page::Clients, "clients", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Clients")},
    {MainWindow::Page::JetStream, "jetstream",
     QT_TRANSLATE_NOOP("jetdeck::MainWindow", "JetStream")},
    {MainWindow::Page::Events, "events", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Events")},
    {MainWindow::Page::Streams, "streams",
     QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Streams & consumers")},
    {MainWindow::Page::Latency, "latency", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Latency")},
    {MainWindow::Page::Outbound, "outbound",
     QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Outbound queue")},
    {MainWindow::Page::Publish, "publish", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Publish")},
    {MainWindow::Page::Consumer, "consumer", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Consumer")},
    {MainWindow::Page::Messages, "messages", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Messages")},
    {MainWindow::Page::Tail, "tail", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Tail & request")},
    {MainWindow::Page::Faults, "faults", QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Faults")},
    {MainWindow::Page::Scenarios, "scenarios",
     QT_TRANSLATE_NOOP("jetdeck::MainWindow", "Scenarios")},
};
static_assert(std::size(kPages) == size_t(MainWindow::kPageCount));
constexpr bool inPageOrder() {
    for (int i = 0; i < MainWindow::kPageCount; ++i)
        if (int(kPages[i].page) != i)
            return false;
    return true;
}
static_assert(inPageOrder(), "kPages lists the pages in the order of MainWindow::Page");
/// A page's icon: a rounded tile in its group's colour with a symbol, drawn here so that it
/// looks the same on every desktop and offscreen (no icon theme needed).
QIcon pageIcon(int page) {
    struct Look {
        QChar symbol;
        QColor colour;
    };
    const QColor connection(0x2e, 0x7d, 0x32), cluster(0x15, 0x65, 0xc0),
        jetstream(0x6a, 0x1b, 0x9a), measure(0xef, 0x6c, 0x00), act(0xc6, 0x28, 0x28);
    static const QChar symbols[] = {QChar(0x26A1), QChar(0x2630), QChar(0x263A), QChar(0x2261),
                                    QChar(0x2691), QChar(0x25A4), QChar(0x25D4), QChar(0x21C4),
                                    QChar(0x25B6), QChar(0x2699), QChar(0x2709), QChar(0x00BB),
                                    QChar(0x26A0), QChar(0x2611)};
    static_assert(std::size(symbols) == size_t(MainWindow::kPageCount));
    QColor colour;
    switch (MainWindow::Page(page)) {
    case MainWindow::Page::Connection:
    case MainWindow::Page::Outbound:
        colour = connection;
        break;
    case MainWindow::Page::Servers:
    case MainWindow::Page::Clients:
    case MainWindow::Page::Events:
    case MainWindow::Page::Tail:
        colour = cluster;
        break;
    case MainWindow::Page::JetStream:
    case MainWindow::Page::Streams:
    case MainWindow::Page::Consumer:
    case MainWindow::Page::Messages:
        colour = jetstream;
        break;
    case MainWindow::Page::Latency:
        colour = measure;
        break;
    default:
        colour = act;
    }
    QPixmap pm(36, 36);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    p.drawRoundedRect(QRectF(1, 1, 34, 34), 8, 8);
    QFont f = p.font();
    f.setPixelSize(24);
    f.setBold(true);
    p.setFont(f);
    p.setPen(Qt::white);
    p.drawText(QRectF(0, 0, 36, 36), Qt::AlignCenter, QString(symbols[page]));
    p.end();
    return QIcon(pm);
}

} // namespace

QString MainWindow::pageName(Page page) {
    return QLatin1String(kPages[int(page)].name);
}

std::optional<MainWindow::Page> MainWindow::pageFromName(QStringView name) {
    for (const PageInfo& p : kPages)
        if (name == QLatin1String(p.name))
            return p.page;
    return std::nullopt;
}

QStringList MainWindow::pageNames() {
    QStringList out;
    for (const PageInfo& p : kPages)
        out << QLatin1String(p.name);
    return out;
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_session(new Session(this)) {
    setWindowTitle(tr("JetDeck"));
    // A console keeps trying: a server that is down now may be back in a minute.
    m_baseOptions.retryOnFailedConnect = true;
    setObjectName(QStringLiteral("mainWindow"));

    createServerBar();
    QWidget* pages = createPages();
    // The left column: saved connections and natscli contexts above, the pages below.
    m_sidebar = new ConnectionSidebar(SecretStore::system(), this);
    connect(m_sidebar, &ConnectionSidebar::connectRequested, this,
            [this](const Options& options, const QString& key, const QString&,
                   const SystemCredentials& system) {
                // A saved connection brings its own system account user, or none.
                m_sysCreds = system;
                connectWith(options);
                m_activeKey = key;
                m_sidebar->setActive(key, ConnectionState::Connecting);
            });
    connect(m_sidebar, &ConnectionSidebar::disconnectRequested, this,
            &MainWindow::disconnectFromServer);
    auto* left = new QSplitter(Qt::Vertical, this);
    left->setObjectName(QStringLiteral("leftColumn"));
    left->addWidget(m_sidebar);
    left->addWidget(m_nav);
    // The pages get the room: the connections list is a few lines until there are many.
    left->setStretchFactor(0, 2);
    left->setStretchFactor(1, 3);
    left->setSizes({260, 420});
    auto* central = new QSplitter(Qt::Horizontal, this);
    central->setObjectName(QStringLiteral("centralSplitter"));
    central->addWidget(left);
    central->addWidget(pages);
    central->setStretchFactor(1, 1);
    central->setSizes({210, 990});
    setCentralWidget(central);
    createStatusBarAndActions();

    connect(m_session, &Session::eventAdded, m_log->model(), &EventLogModel::append);
    connect(m_session, &Session::stateChanged, this, &MainWindow::onStateChanged);
    connectPages();

    resize(1100, 800);
    restoreSettings();
    updateButtons(ConnectionState::Closed);
}

MainWindow::~MainWindow() {
    if (m_ownDemo)
        disconnectFromServer(); // before the demo's servers stop, below
    m_session->release();
    // The pages' background work (JetStream snapshots, faults) may still hold the connection;
    // closed, it fails fast. Waiting here ends it while the application is whole, so the
    // connection is deleted on its own thread and nothing outlives the window.
    QThreadPool::globalInstance()->waitForDone(kBackgroundDrainMs);
    m_ownDemo.reset();
}

void MainWindow::createServerBar() {
    auto* bar = addToolBar(tr("Server"));
    bar->setObjectName(QStringLiteral("serverBar"));
    bar->setMovable(false);
    bar->addWidget(new QLabel(tr(" Server: "), this));
    m_urlEdit = new QLineEdit(this);
    m_urlEdit->setObjectName(QStringLiteral("serverUrl"));
    m_urlEdit->setPlaceholderText(tr("nats://127.0.0.1:4222, tls://host:4443 ..."));
    m_urlEdit->setClearButtonEnabled(true);
    m_urlEdit->setMinimumWidth(360);
    bar->addWidget(m_urlEdit);
    m_connectButton = new QPushButton(tr("&Connect"), this);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_disconnectButton = new QPushButton(tr("&Disconnect"), this);
    m_disconnectButton->setObjectName(QStringLiteral("disconnectButton"));
    bar->addWidget(m_connectButton);
    bar->addWidget(m_disconnectButton);
    connect(m_connectButton, &QPushButton::clicked, this,
            [this] { connectToUrls(m_urlEdit->text()); });
    connect(m_urlEdit, &QLineEdit::returnPressed, this,
            [this] { connectToUrls(m_urlEdit->text()); });
    connect(m_disconnectButton, &QPushButton::clicked, this, &MainWindow::disconnectFromServer);
}

QWidget* MainWindow::createPages() {
    // The connection page shares its place with the event log.
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_connectionPage = new ConnectionPage(splitter);
    m_log = new EventLogPanel(splitter);
    splitter->addWidget(m_connectionPage);
    splitter->addWidget(m_log);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    m_servers = new ServersPage(this);
    m_clients = new ClientsPage(this);
    m_jetStream = new JetStreamPage(this);
    m_events = new EventsPage(this);
    m_streams = new StreamsPage(this);
    m_messages = new MessagesPage(this);
    m_tail = new TailPage(this);
    m_latency = new LatencyPage(this);
    m_outbound = new OutboundPage(this);
    m_publish = new PublishPage(this);
    m_consumer = new ConsumerPage(this);
    m_faults = new FaultsPage(this);
    m_scenarios = new ScenarioPage(this);
    // In Page's order: the page, and what the stack shows for it.
    const std::array<std::pair<SessionPage*, QWidget*>, kPageCount> pages{{
        {m_connectionPage, splitter},
        {m_servers, m_servers},
        {m_clients, m_clients},
        {m_jetStream, m_jetStream},
        {m_events, m_events},
        {m_streams, m_streams},
        {m_latency, m_latency},
        {m_outbound, m_outbound},
        {m_publish, m_publish},
        {m_consumer, m_consumer},
        {m_messages, m_messages},
        {m_tail, m_tail},
        {m_faults, m_faults},
        {m_scenarios, m_scenarios},
    }};
    m_stack = new QStackedWidget(this);
    m_nav = new QListWidget(this);
    m_nav->setObjectName(QStringLiteral("navigation"));
    for (int i = 0; i < kPageCount; ++i) {
        m_pages[size_t(i)] = pages[size_t(i)].first;
        m_pages[size_t(i)]->setSession(m_session);
        m_stack->addWidget(pages[size_t(i)].second);
        m_nav->addItem(new QListWidgetItem(pageIcon(i), tr(kPages[i].title)));
        auto* go = new QAction(this);
        if (i < 10) // Alt+1 ... Alt+9, then Alt+0
            go->setShortcut(QKeySequence(Qt::ALT | Qt::Key(i < 9 ? Qt::Key_1 + i : Qt::Key_0)));
        connect(go, &QAction::triggered, this, [this, i] { showPage(Page(i)); });
        addAction(go);
    }
    auto* next = new QAction(this);
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown));
    connect(next, &QAction::triggered, this,
            [this] { showPage(Page((m_nav->currentRow() + 1) % kPageCount)); });
    addAction(next);
    auto* previous = new QAction(this);
    previous->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp));
    connect(previous, &QAction::triggered, this,
            [this] { showPage(Page((m_nav->currentRow() + kPageCount - 1) % kPageCount)); });
    addAction(previous);
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    // A click on the page already chosen leaves the welcome too.
    connect(m_nav, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { m_stack->setCurrentIndex(m_nav->row(item)); });
    m_nav->setIconSize(QSize(18, 18));
    m_nav->setSpacing(1);
    m_nav->setCurrentRow(0);

    m_welcome = new WelcomePage(this);
    m_stack->addWidget(m_welcome); // after the pages: index kPageCount
    connect(m_welcome, &WelcomePage::connectUrlRequested, this, [this](const QString& urls) {
        if (connectToUrls(urls)) {
            m_welcome->reset();
            showPage(Page::Connection);
        } else
            m_welcome->setMessage(m_lastMessage, true);
    });
    connect(m_welcome, &WelcomePage::connectContextRequested, this, [this](const QString& name) {
        if (m_sidebar->connectTo(QStringLiteral("context:") + name)) {
            m_welcome->reset();
            showPage(Page::Connection);
        } else
            m_welcome->setMessage(m_sidebar->statusText(), true);
    });
    connect(m_welcome, &WelcomePage::demoRequested, this, [this] { startDemo(); });
    connect(m_welcome, &WelcomePage::newConnectionRequested, this,
            [this] { m_sidebar->newConnection()->open(); });
    connect(m_welcome, &WelcomePage::consoleRequested, this, [this] { showPage(currentPage()); });
    return m_stack;
}

void MainWindow::createStatusBarAndActions() {
    m_statusState = new QLabel(this);
    statusBar()->addPermanentWidget(m_statusState);
    m_themeCombo = new QComboBox(this);
    m_themeCombo->setObjectName(QStringLiteral("theme"));
    m_themeCombo->addItem(tr("System colours"), int(Theme::System));
    m_themeCombo->addItem(tr("Light"), int(Theme::Light));
    m_themeCombo->addItem(tr("Dark"), int(Theme::Dark));
    m_themeCombo->setToolTip(tr("Colours: as the desktop says, or always light or dark"));
    statusBar()->addPermanentWidget(m_themeCombo);
    connect(m_themeCombo, &QComboBox::activated, this,
            [this](int i) { setTheme(Theme(m_themeCombo->itemData(i).toInt())); });

    auto* quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    addAction(quit);
    auto* exportAction = new QAction(tr("Export snapshot..."), this);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exportAction, &QAction::triggered, m_latency, &LatencyPage::exportSnapshotRequested);
    addAction(exportAction);
    auto* focusUrl = new QAction(tr("Edit server URL"), this);
    focusUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(focusUrl, &QAction::triggered, m_urlEdit, [this] {
        m_urlEdit->setFocus();
        m_urlEdit->selectAll();
    });
    addAction(focusUrl);
}

void MainWindow::connectPages() {
    connect(m_log, &EventLogPanel::exportRequested, this, [this] {
        saveWithDialog(tr("Export events"), QStringLiteral("jetdeck-events"), QStringLiteral("csv"),
                       tr("CSV files (*.csv)"), tr("Events written to %1"),
                       [this](const QString& path) { return exportEventsCsv(path); });
    });
    connect(m_latency, &LatencyPage::exportSnapshotRequested, this, [this] {
        saveWithDialog(tr("Export snapshot"), QStringLiteral("jetdeck-snapshot"),
                       QStringLiteral("json"), tr("JSON files (*.json)"),
                       tr("Snapshot written to %1"),
                       [this](const QString& path) { return exportSnapshot(path); });
    });
    connect(m_publish, &PublishPage::runFinished, this, [this](const PublishSummary& s) {
        m_session->addEvent(s.clean() ? ConnectionEvent::Kind::Info : ConnectionEvent::Kind::Error,
                            tr("publish run: %1").arg(s.toText().section(QLatin1Char('\n'), 0, 0)));
    });
    connect(m_faults, &FaultsPage::faultEvent, m_session, &Session::recordFault);
    connect(m_faults, &FaultsPage::routeThroughProxy, this, [this](const QString& proxyUrl) {
        if (!m_session->connection())
            return;
        m_directOptions = m_session->connection()->connection()->options();
        auto proxied = Options::fromUrls(proxyUrl);
        if (!proxied)
            return;
        Options o = m_directOptions;
        ServerUrl via = proxied->servers.value(0);
        const ServerUrl first = o.servers.value(0);
        via.user = first.user;
        via.password = first.password;
        via.token = first.token;
        o.servers = {via};
        o.noRandomize = true;
        // The system account's connection stays direct: the servers page goes on seeing the
        // cluster while the console's own connection lives through the fault.
        connectWith(o, m_directOptions);
    });
    connect(m_faults, &FaultsPage::routeDirect, this, [this] {
        if (!m_directOptions.servers.isEmpty())
            connectWith(m_directOptions);
    });
    connect(m_scenarios, &ScenarioPage::faultEvent, this,
            [this](const QString& what, bool started) {
                m_session->recordFault(tr("scenario: %1").arg(what), started);
            });
    connect(m_scenarios, &ScenarioPage::runFinished, this,
            [this](const scenario::ScenarioReport& r) {
                m_session->addEvent(r.passed() ? ConnectionEvent::Kind::Info
                                               : ConnectionEvent::Kind::Error,
                                    tr("scenario %1: %2, %3 failed check(s), %4 error(s)")
                                        .arg(r.name, r.passed()    ? tr("passed")
                                                     : r.cancelled ? tr("stopped")
                                                                   : tr("failed"))
                                        .arg(r.failures())
                                        .arg(r.errors()));
            });
    connect(m_scenarios, &ScenarioPage::saveReportRequested, this, [this] {
        saveWithDialog(tr("Save scenario report"), QStringLiteral("jetdeck-scenario-report"),
                       QStringLiteral("json"), tr("JSON files (*.json)"),
                       tr("Report written to %1"),
                       [this](const QString& path) { return m_scenarios->saveReport(path); });
    });
    connect(m_streams, &StreamsPage::refreshed, this, [this] {
        m_consumer->setConsumers(m_streams->consumerList());
        m_messages->setStreams(m_streams->streamNames());
    });
    connect(m_streams, &StreamsPage::messagesRequested, this, [this](const QString& stream) {
        m_messages->openStream(stream);
        showPage(Page::Messages);
    });
    connect(m_streams, &StreamsPage::consumerActivated, this,
            [this](const QString& stream, const QString& consumer) {
                m_consumer->openConsumer(stream, consumer);
                showPage(Page::Consumer);
            });
}

void MainWindow::showPage(Page page) {
    m_nav->setCurrentRow(int(page));
    m_stack->setCurrentIndex(int(page)); // also when the welcome covers the page already chosen
}

MainWindow::Page MainWindow::currentPage() const {
    return Page(qBound(0, m_nav->currentRow(), kPageCount - 1));
}

void MainWindow::showWelcome() {
    QStringList contexts;
    for (const QString& key : m_sidebar->keys())
        if (key.startsWith(QLatin1String("context:")))
            contexts << key.mid(8);
    m_welcome->setContexts(contexts, m_sidebar->contextDirectory());
    m_stack->setCurrentWidget(m_welcome);
}

void MainWindow::stopDemo() {
    if (!m_ownDemo)
        return;
    disconnectFromServer();
    m_ownDemo.reset();
}

bool MainWindow::isWelcomeShown() const {
    return m_stack->currentWidget() == m_welcome;
}

bool MainWindow::hasSavedConnections() const {
    for (const QString& key : m_sidebar->keys())
        if (key.startsWith(QLatin1String("saved:")))
            return true;
    return false;
}

Status MainWindow::startDemo(int clusterSize) {
    if (m_ownDemo)
        return {};
    m_welcome->setBusy(true, tr("Starting the demo: a local nats-server, its stream and "
                                "workers (a few seconds)..."));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    QCoreApplication::processEvents(); // the message shows before the work
    DemoSession::Config cfg;
    cfg.clusterSize = clusterSize;
    auto demo = std::make_unique<DemoSession>(cfg);
    const Status s = demo->start();
    QApplication::restoreOverrideCursor();
    if (!s.ok()) {
        const QString why = tr("The demo could not start: %1").arg(s.toString());
        m_welcome->setMessage(why, true);
        showMessage(why, true);
        return s;
    }
    m_ownDemo = std::move(demo);
    m_welcome->setMessage(QString(), false);
    attachDemo(*m_ownDemo);
    showPage(Page::Connection);
    return {};
}

Connection* MainWindow::connection() const {
    return m_session->connection() ? m_session->connection()->connection() : nullptr;
}

FaultMarks* MainWindow::faultMarks() const {
    return m_session->faultMarks();
}

metrics::MetricsRegistry* MainWindow::metricsRegistry() const {
    return m_session->registry();
}

EventLogModel* MainWindow::eventModel() const {
    return m_log->model();
}

QString MainWindow::serverBarText() const {
    return m_urlEdit->text();
}

void MainWindow::showMessage(const QString& text, bool error) {
    m_lastMessage = text;
    statusBar()->showMessage(text, error ? 0 : 5000);
    m_urlEdit->setStyleSheet(error ? QStringLiteral("QLineEdit { border: 2px solid %1; }")
                                         .arg(roleColorName(ColorRole::Bad))
                                   : QString());
    m_urlEdit->setToolTip(error ? text : QString());
}

bool MainWindow::connectToUrls(const QString& urls) {
    auto parsed = parseServerList(urls);
    if (!parsed) {
        showMessage(tr("Not connecting: %1").arg(parsed.error().message), true);
        return false;
    }
    Options o = m_baseOptions;
    o.servers = parsed.value();
    // The bar masks the credentials of the connection in use ("user:***@"): a masked one means
    // "the same as now", never the three stars as a password or token.
    const QList<ServerUrl> current = m_session->connection()
                                         ? m_session->connection()->connection()->options().servers
                                         : QList<ServerUrl>();
    for (ServerUrl& u : o.servers) {
        const bool maskedPassword = u.password == QLatin1String("***");
        const bool maskedToken = u.token == QLatin1String("***");
        if (!maskedPassword && !maskedToken)
            continue;
        const auto same = std::find_if(current.cbegin(), current.cend(), [&](const ServerUrl& c) {
            return c.sameServer(u) && c.user == u.user;
        });
        if (same == current.cend()) {
            showMessage(tr("Not connecting: %1 shows a masked %2; type it in full, or connect "
                           "from the sidebar")
                            .arg(u.hostPort(), maskedToken ? tr("token") : tr("password")),
                        true);
            return false;
        }
        u.password = same->password;
        u.token = same->token;
    }
    m_activeKey.clear(); // typed in the bar: no sidebar entry is the current one
    m_sidebar->setActive({}, ConnectionState::Disconnected);
    connectWith(o);
    return true;
}

void MainWindow::connectWith(const Options& options, const std::optional<Options>& systemBase) {
    QStringList shown;
    for (const ServerUrl& u : options.servers)
        shown << u.redacted();
    // The log keeps what happened before (a reconnect through a fault proxy, a switch of
    // server): a line marks where the new connection begins.
    if (eventModel()->rowCount() > 0)
        m_session->addEvent(ConnectionEvent::Kind::Info,
                            tr("new connection to %1").arg(shown.join(QStringLiteral(", "))));
    // The bar shows where this connection goes (credentials masked), whatever it held.
    m_urlEdit->setText(shown.join(QStringLiteral(", ")));
    showMessage(tr("Connecting to %1 ...").arg(shown.join(QStringLiteral(", "))), false);
    std::optional<Options> system;
    if (m_sysCreds.isSet())
        system = m_sysCreds.applyTo(systemBase ? *systemBase : options);
    m_session->open(options, system);
    updateButtons(m_session->connection()->connection()->state());
}

void MainWindow::setMonitorUrls(const QList<QUrl>& urls) {
    m_session->setMonitorPorts(urls);
}

void MainWindow::onStateChanged(const SessionState& s) {
    m_statusState->setText(connectionStateName(s.state));
    m_sidebar->setActive(m_activeKey, s.state,
                         !s.lastError.ok() && s.state != ConnectionState::Connected);
    updateButtons(s.state);
    if (s.state == ConnectionState::Connected) {
        showMessage(tr("Connected to %1").arg(s.server), false);
        if (isWelcomeShown()) // connected from the sidebar: the console takes over
            showPage(currentPage());
    } else if ((s.state == ConnectionState::Disconnected ||
                s.state == ConnectionState::Reconnecting || s.state == ConnectionState::Closed) &&
               !s.lastError.ok()) {
        showMessage(s.lastError.toString(), true);
    }
}

void MainWindow::saveWithDialog(const QString& title, const QString& stem, const QString& ext,
                                const QString& filter, const QString& doneText,
                                const std::function<Status(const QString&)>& write) {
    const QString path = QFileDialog::getSaveFileName(
        this, title,
        QStringLiteral("%1-%2.%3")
            .arg(stem, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")),
                 ext),
        filter);
    if (path.isEmpty())
        return;
    if (Status s = write(path); !s.ok())
        showMessage(s.toString(), true);
    else
        showMessage(doneText.arg(path), false);
}

void MainWindow::setTheme(Theme theme) {
    m_theme = theme;
    m_themeCombo->setCurrentIndex(m_themeCombo->findData(int(theme)));
    applyTheme(theme);
    // The charts are this window's: recolour them even before it is shown.
    for (QChartView* view : findChildren<QChartView*>())
        applyChartPalette(view->chart(), paletteFor(theme));
    QSettings().setValue(QStringLiteral("view/theme"), themeName(theme));
}

void MainWindow::attachDemo(DemoSession& demo) {
    const int servers = int(demo.servers().size());
    setWindowTitle(servers > 1 ? tr("JetDeck — demo (%1-server cluster)").arg(servers)
                               : tr("JetDeck — demo"));
    m_demoAttached = true;
    setWatchedSubjects({DemoSession::subjects()});
    // The servers, clients, JetStream and events pages see the whole demo at once.
    setSystemCredentials(demo.systemCredentials());
    for (const auto& tracker : demo.trackers())
        m_session->registry()->attachTracker(tracker);
    connectToUrls(demo.url());
    // Pages that need a choice open on something worth seeing.
    m_consumer->openConsumer(DemoSession::streamName(), QStringLiteral("audit"));
    m_publish->presetForDemo();
    m_faults->setDemo(&demo);
    m_faults->setJetStreamTarget(DemoSession::streamName(), QStringLiteral("fulfilment"));
    m_scenarios->setDemo(&demo);
}

Status MainWindow::startMetricsServer(quint16 port) {
    if (!m_metricsServer)
        m_metricsServer = new metrics::MetricsServer(m_session->registry(), this);
    if (Status s = m_metricsServer->listen(port); !s.ok())
        return s;
    showMessage(tr("Serving Prometheus metrics on %1").arg(m_metricsServer->url()), false);
    return {};
}

QString MainWindow::metricsUrl() const {
    return m_metricsServer ? m_metricsServer->url() : QString();
}

Status MainWindow::exportEventsCsv(const QString& path) {
    return m_log->exportCsv(path);
}

Status MainWindow::exportSnapshot(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the snapshot to %1: %2").arg(path, f.errorString())};
    const QByteArray json = QJsonDocument(m_session->registry()->toJson(m_latency->window()))
                                .toJson(QJsonDocument::Indented);
    if (f.write(json) != json.size())
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the snapshot to %1: %2").arg(path, f.errorString())};
    return {};
}

void MainWindow::disconnectFromServer() {
    if (!m_session->connection())
        return;
    m_session->close();
    showMessage(tr("Disconnected"), false);
}

void MainWindow::setWatchedSubjects(const QList<QByteArray>& subjects) {
    m_session->setWatchedSubjects(subjects);
}

void MainWindow::updateButtons(ConnectionState st) {
    const bool live = st == ConnectionState::Connected || st == ConnectionState::Connecting ||
                      st == ConnectionState::Reconnecting;
    m_disconnectButton->setEnabled(live);
    m_connectButton->setText(live ? tr("Re&connect") : tr("&Connect"));
}

void MainWindow::restoreSettings() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreLayout(this, s);
    m_log->view()->horizontalHeader()->restoreState(
        s.value(QStringLiteral("window/eventColumns")).toByteArray());
    m_urlEdit->setText(s.value(QStringLiteral("connection/lastUrl")).toString());
    // By name: a page added to the list does not move the one that was open.
    showPage(pageFromName(s.value(QStringLiteral("window/pageName")).toString())
                 .value_or(Page::Connection));
    setTheme(
        themeFromName(s.value(QStringLiteral("view/theme")).toString()).value_or(Theme::System));
}

void MainWindow::saveSettings() {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    saveLayout(this, s);
    s.setValue(QStringLiteral("window/eventColumns"),
               m_log->view()->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("window/pageName"), pageName(currentPage()));
    // Only the URL without credentials: secrets do not go to the settings file.
    bool secret = true;
    if (auto parsed = parseServerList(m_urlEdit->text()); parsed.ok()) {
        secret = false;
        for (const ServerUrl& u : parsed.value())
            secret |= !u.password.isEmpty() || !u.token.isEmpty();
        if (!secret)
            s.setValue(QStringLiteral("connection/lastUrl"), m_urlEdit->text());
    }
    // What is open, to open it again next time: an entry of the sidebar by its key, else the
    // URL when it holds no secret. A demo's servers go with it: nothing to restore.
    QString open;
    const ConnectionState st = m_session->state().state;
    const bool live = m_session->connection() &&
                      (st == ConnectionState::Connected || st == ConnectionState::Connecting ||
                       st == ConnectionState::Reconnecting);
    if (live && !m_demoAttached) {
        if (!m_activeKey.isEmpty())
            open = m_activeKey;
        else if (!secret)
            open = QStringLiteral("url:") + m_urlEdit->text();
    }
    if (open.isEmpty())
        s.remove(QStringLiteral("connection/openAtExit"));
    else
        s.setValue(QStringLiteral("connection/openAtExit"), open);
}

bool MainWindow::restoreOpenConnection() {
    const QString open = QSettings().value(QStringLiteral("connection/openAtExit")).toString();
    if (open.isEmpty())
        return false;
    if (open.startsWith(QLatin1String("url:")))
        return connectToUrls(open.mid(4));
    if (!m_sidebar->keys().contains(open)) {
        showMessage(tr("Not reconnecting: %1 is gone since the last run").arg(open), true);
        return false;
    }
    if (!m_sidebar->connectTo(open)) {
        showMessage(m_sidebar->statusText(), true);
        return false;
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    event->accept();
}

} // namespace jetdeck
