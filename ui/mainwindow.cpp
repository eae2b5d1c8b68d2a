#include "mainwindow.h"

#include "core/demo/demosession.h"
#include "core/metrics/metricsserver.h"
#include "core/metrics/registry.h"
#include "ui/connections/connectiondialog.h"
#include "ui/connections/connectionsidebar.h"
#include "ui/connectionview.h"
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
#include "ui/pages/overviewpage.h"
#include "ui/pages/publishpage.h"
#include "ui/pages/scenariopage.h"
#include "ui/pages/serverspage.h"
#include "ui/pages/streamspage.h"
#include "ui/pages/tailpage.h"
#include "ui/pages/welcomepage.h"
#include "ui/session.h"
#include "ui/widgets/eventlogpanel.h"
#include "ui/widgets/faultmarks.h"
#include "ui/widgets/layoutsettings.h"
#include "ui/widgets/pagestack.h"
#include "ui/widgets/statebadge.h"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QThreadPool>
#include <QToolBar>
#include <QTreeWidget>

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
/// looks the same on every desktop and offscreen (no icon theme needed). -1: the overview of
/// all connections.
QIcon pageIcon(int page) {
    const QColor connection(0x2e, 0x7d, 0x32), cluster(0x15, 0x65, 0xc0),
        jetstream(0x6a, 0x1b, 0x9a), measure(0xef, 0x6c, 0x00), act(0xc6, 0x28, 0x28);
    static const QChar symbols[] = {QChar(0x26A1), QChar(0x2630), QChar(0x263A), QChar(0x2261),
                                    QChar(0x2691), QChar(0x25A4), QChar(0x25D4), QChar(0x21C4),
                                    QChar(0x25B6), QChar(0x2699), QChar(0x2709), QChar(0x00BB),
                                    QChar(0x26A0), QChar(0x2611)};
    static_assert(std::size(symbols) == size_t(MainWindow::kPageCount));
    QColor colour(0x45, 0x5a, 0x64);
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
    case MainWindow::Page::Publish:
    case MainWindow::Page::Faults:
    case MainWindow::Page::Scenarios:
        colour = act;
        break;
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
    p.drawText(QRectF(0, 0, 36, 36), Qt::AlignCenter,
               QString(page < 0 ? QChar(0x229E) : symbols[page]));
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

namespace {
constexpr int kViewRole = Qt::UserRole + 1; ///< a navigation entry's view id
constexpr int kPageRole = Qt::UserRole + 2; ///< its page; -1 for the connection itself

/// The name a connection gets from its sidebar entry ("saved:prod" -> "prod").
QString titleOfKey(const QString& key) {
    const qsizetype colon = key.indexOf(QLatin1Char(':'));
    return colon < 0 ? key : key.mid(colon + 1);
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent) {
    setWindowTitle(tr("JetDeck"));
    // A console keeps trying: a server that is down now may be back in a minute.
    m_baseOptions.retryOnFailedConnect = true;
    setObjectName(QStringLiteral("mainWindow"));

    createServerBar();
    m_stack = new PageStack(this);
    m_stack->setObjectName(QStringLiteral("connectionStack"));
    createNavigation();
    m_overview = new OverviewPage(this);
    m_overview->setSource([this] { return connectionRows(); });
    m_stack->addWidget(m_overview);
    connect(m_overview, &OverviewPage::showRequested, this,
            [this](quint64 id) { showView(viewById(id)); });
    connect(m_overview, &OverviewPage::closeRequested, this,
            [this](quint64 id) { closeConnection(viewById(id)); });
    connect(m_overview, &OverviewPage::newConnectionRequested, this,
            &MainWindow::newConnectionView);

    m_welcome = new WelcomePage(this);
    m_stack->addWidget(m_welcome);
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

    // The left column: saved connections and natscli contexts above, the navigation below.
    m_sidebar = new ConnectionSidebar(SecretStore::system(), this);
    connect(m_sidebar, &ConnectionSidebar::connectRequested, this,
            [this](const Options& options, const QString& key, const QString& label,
                   const SystemCredentials& system) {
                // Open already: show it, and connect it again only when it is down.
                if (ConnectionView* v = viewForKey(key)) {
                    showView(v);
                    if (!v->live()) {
                        v->setSystemCredentials(system);
                        connectView(v, options);
                    }
                    return;
                }
                // A saved connection brings its own system account user, or none.
                openConnection(options, key, key.isEmpty() ? label : titleOfKey(key), system);
            });
    connect(m_sidebar, &ConnectionSidebar::disconnectRequested, this, [this](const QString& key) {
        if (ConnectionView* v = viewForKey(key))
            v->session()->close();
    });
    auto* left = new QSplitter(Qt::Vertical, this);
    left->setObjectName(QStringLiteral("leftColumn"));
    left->addWidget(m_sidebar);
    left->addWidget(m_nav);
    // The pages get the room: the connections list is a few lines until there are many.
    left->setStretchFactor(0, 2);
    left->setStretchFactor(1, 3);
    left->setSizes({240, 440});
    auto* central = new QSplitter(Qt::Horizontal, this);
    central->setObjectName(QStringLiteral("centralSplitter"));
    central->addWidget(left);
    central->addWidget(m_stack);
    central->setStretchFactor(1, 1);
    central->setSizes({230, 970});
    setCentralWidget(central);
    createStatusBarAndActions();

    switchTo(addView());
    resize(1100, 800);
    restoreSettings();
    updateButtons(ConnectionState::Closed);
}

MainWindow::~MainWindow() {
    if (m_ownDemo)
        stopDemo(); // its connection goes before its servers stop
    for (ConnectionView* v : std::as_const(m_views))
        v->session()->release();
    // The pages' background work (JetStream snapshots, faults) may still hold a connection;
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
    m_urlEdit->setToolTip(tr("The shown connection's servers; Enter connects it there. "
                             "New connection (Ctrl+T) opens another one beside it."));
    bar->addWidget(m_urlEdit);
    m_connectButton = new QPushButton(tr("&Connect"), this);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_disconnectButton = new QPushButton(tr("&Disconnect"), this);
    m_disconnectButton->setObjectName(QStringLiteral("disconnectButton"));
    m_newButton = new QPushButton(tr("&New connection"), this);
    m_newButton->setObjectName(QStringLiteral("newConnectionButton"));
    m_newButton->setToolTip(tr("Open another connection beside the open ones (Ctrl+T)"));
    bar->addWidget(m_connectButton);
    bar->addWidget(m_disconnectButton);
    bar->addSeparator();
    bar->addWidget(m_newButton);
    connect(m_connectButton, &QPushButton::clicked, this,
            [this] { connectToUrls(m_urlEdit->text()); });
    connect(m_urlEdit, &QLineEdit::returnPressed, this,
            [this] { connectToUrls(m_urlEdit->text()); });
    connect(m_disconnectButton, &QPushButton::clicked, this, &MainWindow::disconnectFromServer);
    connect(m_newButton, &QPushButton::clicked, this, &MainWindow::newConnectionView);
}

void MainWindow::createNavigation() {
    m_nav = new QTreeWidget(this);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setHeaderHidden(true);
    m_nav->setIconSize(QSize(18, 18));
    m_nav->setIndentation(14);
    m_nav->setContextMenuPolicy(Qt::CustomContextMenu);
    m_overviewItem = new QTreeWidgetItem(m_nav, {tr("All connections")});
    m_overviewItem->setIcon(0, pageIcon(-1));
    m_overviewItem->setToolTip(0, tr("Every open connection at a glance"));
    connect(m_nav, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem* item) { navigationChosen(item); });
    // A click on the entry already chosen leaves the welcome too.
    connect(m_nav, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        if (isWelcomeShown())
            navigationChosen(item);
    });
    connect(m_nav, &QTreeWidget::customContextMenuRequested, this, &MainWindow::navigationMenu);
    for (int i = 0; i < kPageCount; ++i) {
        auto* go = new QAction(this);
        if (i < 10) // Alt+1 ... Alt+9, then Alt+0
            go->setShortcut(QKeySequence(Qt::ALT | Qt::Key(i < 9 ? Qt::Key_1 + i : Qt::Key_0)));
        connect(go, &QAction::triggered, this, [this, i] { showPage(Page(i)); });
        addAction(go);
    }
    auto* next = new QAction(this);
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown));
    connect(next, &QAction::triggered, this,
            [this] { showPage(Page((int(currentPage()) + 1) % kPageCount)); });
    addAction(next);
    auto* previous = new QAction(this);
    previous->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp));
    connect(previous, &QAction::triggered, this,
            [this] { showPage(Page((int(currentPage()) + kPageCount - 1) % kPageCount)); });
    addAction(previous);
    auto* newView = new QAction(tr("New connection"), this);
    newView->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    connect(newView, &QAction::triggered, this, &MainWindow::newConnectionView);
    addAction(newView);
    auto* overview = new QAction(tr("All connections"), this);
    overview->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Home));
    connect(overview, &QAction::triggered, this, &MainWindow::showOverview);
    addAction(overview);
}

ConnectionView* MainWindow::addView() {
    auto* v = new ConnectionView(m_stack);
    v->id = m_nextViewId++;
    v->setTitle(uniqueTitle(tr("New connection"), v));
    v->setSystemCredentials(m_sysCreds);
    v->session()->setBudget(m_budget);
    if (!m_monitorUrls.isEmpty())
        v->session()->setMonitorPorts(m_monitorUrls);
    m_stack->addWidget(v);
    m_views.append(v);

    auto* item = new QTreeWidgetItem(m_nav);
    item->setData(0, kViewRole, v->id);
    item->setData(0, kPageRole, -1);
    for (int i = 0; i < kPageCount; ++i) {
        auto* child = new QTreeWidgetItem(item, {tr(kPages[i].title)});
        child->setIcon(0, pageIcon(i));
        child->setData(0, kViewRole, v->id);
        child->setData(0, kPageRole, i);
    }
    updateNavItem(v);

    connect(v->session(), &Session::stateChanged, this,
            [this, v](const SessionState& s) { onStateChanged(v, s); });
    connect(v, &QStackedWidget::currentChanged, this, [this, v] {
        if (v == m_current && m_stack->currentWidget() == v)
            syncNavigation();
    });
    connect(v, &ConnectionView::titleChanged, this, [this, v] { updateNavItem(v); });
    connect(v, &ConnectionView::unreadChanged, this, [this, v] { updateNavItem(v); });
    connect(v->logPanel(), &EventLogPanel::exportRequested, this, [this] {
        saveWithDialog(tr("Export events"), QStringLiteral("jetdeck-events"), QStringLiteral("csv"),
                       tr("CSV files (*.csv)"), tr("Events written to %1"),
                       [this](const QString& path) { return exportEventsCsv(path); });
    });
    connect(v->latencyPage(), &LatencyPage::exportSnapshotRequested, this, [this] {
        saveWithDialog(tr("Export snapshot"), QStringLiteral("jetdeck-snapshot"),
                       QStringLiteral("json"), tr("JSON files (*.json)"),
                       tr("Snapshot written to %1"),
                       [this](const QString& path) { return exportSnapshot(path); });
    });
    connect(v->faultsPage(), &FaultsPage::routeThroughProxy, this,
            [this, v](const QString& proxyUrl) {
                if (!v->session()->connection())
                    return;
                v->directOptions = v->session()->connection()->connection()->options();
                auto proxied = Options::fromUrls(proxyUrl);
                if (!proxied)
                    return;
                Options o = v->directOptions;
                ServerUrl via = proxied->servers.value(0);
                const ServerUrl first = o.servers.value(0);
                via.user = first.user;
                via.password = first.password;
                via.token = first.token;
                o.servers = {via};
                o.noRandomize = true;
                // The system account's connection stays direct: the servers page goes on
                // seeing the cluster while the console's own connection lives through the
                // fault.
                connectView(v, o, v->directOptions);
            });
    connect(v->faultsPage(), &FaultsPage::routeDirect, this, [this, v] {
        if (!v->directOptions.servers.isEmpty())
            connectView(v, v->directOptions);
    });
    // A view made later looks like the others: the theme's chart colours, the columns and
    // splitters where the user left them.
    for (QChartView* view : v->findChildren<QChartView*>())
        applyChartPalette(view->chart(), paletteFor(m_theme));
    restoreLayout(v, QSettings());
    return v;
}

ConnectionView* MainWindow::viewForNewConnection() {
    if (m_current && !m_current->used())
        return m_current;
    return addView();
}

ConnectionView* MainWindow::viewForKey(const QString& key) const {
    if (key.isEmpty())
        return nullptr;
    for (ConnectionView* v : m_views)
        if (v->key() == key)
            return v;
    return nullptr;
}

ConnectionView* MainWindow::viewById(quint64 id) const {
    for (ConnectionView* v : m_views)
        if (v->id == id)
            return v;
    return nullptr;
}

QString MainWindow::uniqueTitle(const QString& base, const ConnectionView* except) const {
    auto taken = [&](const QString& t) {
        return std::any_of(m_views.cbegin(), m_views.cend(),
                           [&](const ConnectionView* v) { return v != except && v->title() == t; });
    };
    if (!taken(base))
        return base;
    for (int n = 2;; ++n)
        if (const QString t = QStringLiteral("%1 (%2)").arg(base).arg(n); !taken(t))
            return t;
}

ConnectionView* MainWindow::newConnectionView() {
    ConnectionView* v = viewForNewConnection();
    switchTo(v);
    showPage(Page::Connection);
    m_urlEdit->clear();
    m_urlEdit->setFocus();
    showMessage(tr("Type a server URL and press Enter, or pick a saved connection or a context "
                   "on the left: it opens beside the others."),
                false);
    return v;
}

ConnectionView* MainWindow::openConnection(const Options& options, const QString& key,
                                           const QString& title,
                                           const std::optional<SystemCredentials>& system) {
    ConnectionView* v = viewForNewConnection();
    v->setKey(key);
    v->setTitle(uniqueTitle(title.isEmpty() ? options.servers.value(0).hostPort() : title, v));
    if (system)
        v->setSystemCredentials(*system);
    if (isOverviewShown() || isWelcomeShown())
        showView(v);
    else
        switchTo(v);
    connectView(v, options);
    return v;
}

void MainWindow::switchTo(ConnectionView* view) {
    if (!view)
        return;
    ConnectionView* previous = m_current;
    if (previous && previous != view)
        previous->setShownInWindow(false);
    m_current = view;
    view->setShownInWindow(true);
    if (!isOverviewShown() && !isWelcomeShown())
        m_stack->setCurrentWidget(view);
    m_urlEdit->setText(view->barText());
    m_urlEdit->setStyleSheet(QString());
    m_urlEdit->setToolTip(QString());
    const SessionState& s = view->session()->state();
    m_sidebar->setActive(view->key(), s.state, s.failed());
    m_statusState->setText(view->used() ? connectionStateName(s.state) : QString());
    updateButtons(s.state);
    // The shown one is bold in the navigation: the one before it no longer.
    if (previous && previous != view)
        updateNavItem(previous);
    updateNavItem(view);
    syncNavigation();
}

void MainWindow::closeConnection(ConnectionView* view) {
    if (!view || !m_views.contains(view))
        return;
    const bool wasCurrent = view == m_current;
    if (!view->key().isEmpty())
        m_sidebar->clearEntryState(view->key());
    view->session()->release();
    if (view->demo && m_ownDemo) // the demo's servers go with its connection
        m_ownDemo.reset();
    delete navItem(view);
    m_views.removeOne(view);
    m_stack->removeWidget(view);
    if (wasCurrent)
        m_current = nullptr;
    view->deleteLater();
    if (m_views.isEmpty())
        switchTo(addView());
    else if (wasCurrent)
        switchTo(m_views.last());
    m_overview->refresh();
    syncNavigation();
}

void MainWindow::showView(ConnectionView* view) {
    if (!view)
        return;
    switchTo(view);
    showPage(view->currentPage());
}

void MainWindow::showOverview() {
    m_stack->setCurrentWidget(m_overview);
    syncNavigation();
}

bool MainWindow::isOverviewShown() const {
    return m_stack->currentWidget() == m_overview;
}

QTreeWidgetItem* MainWindow::navItem(const ConnectionView* view) const {
    for (int i = 0; i < m_nav->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_nav->topLevelItem(i);
        if (item != m_overviewItem && item->data(0, kViewRole).toULongLong() == view->id)
            return item;
    }
    return nullptr;
}

void MainWindow::updateNavItem(ConnectionView* view) {
    QTreeWidgetItem* item = navItem(view);
    if (!item)
        return;
    const SessionState& s = view->session()->state();
    QString text = view->title();
    if (view->unreadErrors() > 0)
        text += QStringLiteral("  (%1)").arg(view->unreadErrors());
    item->setText(0, text);
    item->setIcon(0, stateDot(s.state, s.failed()));
    QStringList tip{view->title()};
    if (view->used())
        tip << connectionStateName(s.state);
    if (!s.server.isEmpty())
        tip << tr("server %1").arg(s.server);
    if (s.failed())
        tip << s.lastError.toString();
    if (view->unreadErrors() > 0)
        tip << tr("%n unread error(s) in its event log", nullptr, view->unreadErrors());
    item->setToolTip(0, tip.join(QLatin1Char('\n')));
    QFont f = m_nav->font();
    f.setBold(view == m_current);
    item->setFont(0, f);
    if (view->unreadErrors() > 0)
        item->setForeground(0, roleColor(ColorRole::Bad));
    else
        item->setData(0, Qt::ForegroundRole, QVariant());
}

void MainWindow::syncNavigation() {
    QTreeWidgetItem* target = nullptr;
    if (isOverviewShown()) {
        target = m_overviewItem;
    } else if (m_current && !isWelcomeShown()) {
        if (QTreeWidgetItem* item = navItem(m_current))
            target = item->child(int(m_current->currentPage()));
    }
    // Only the shown connection's pages are unfolded: ten connections stay readable.
    for (int i = 0; i < m_nav->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_nav->topLevelItem(i);
        if (item != m_overviewItem)
            item->setExpanded(m_current && item->data(0, kViewRole).toULongLong() == m_current->id);
    }
    if (!target)
        return;
    m_syncingNav = true;
    m_nav->setCurrentItem(target);
    m_syncingNav = false;
}

void MainWindow::navigationChosen(QTreeWidgetItem* item) {
    if (m_syncingNav || !item)
        return;
    if (item == m_overviewItem) {
        showOverview();
        return;
    }
    ConnectionView* v = viewById(item->data(0, kViewRole).toULongLong());
    if (!v)
        return;
    const int page = item->data(0, kPageRole).toInt();
    if (page < 0) {
        showView(v);
        return;
    }
    switchTo(v);
    showPage(Page(page));
}

void MainWindow::navigationMenu(const QPoint& pos) {
    QTreeWidgetItem* item = m_nav->itemAt(pos);
    QMenu menu(this);
    ConnectionView* v =
        item && item != m_overviewItem ? viewById(item->data(0, kViewRole).toULongLong()) : nullptr;
    if (v) {
        menu.addAction(tr("Show"), this, [this, v] { showView(v); });
        if (v->live())
            menu.addAction(tr("Disconnect"), this, [v] { v->session()->close(); });
        else if (v->session()->connection())
            menu.addAction(tr("Connect again"), this, [this, v] {
                connectView(v, v->session()->connection()->connection()->options());
            });
        menu.addAction(tr("Close connection"), this, [this, v] { closeConnection(v); });
        menu.addSeparator();
    }
    menu.addAction(tr("New connection"), this, &MainWindow::newConnectionView);
    menu.addAction(tr("All connections"), this, &MainWindow::showOverview);
    menu.exec(m_nav->viewport()->mapToGlobal(pos));
}

QList<ConnectionRow> MainWindow::connectionRows() const {
    QList<ConnectionRow> rows;
    for (ConnectionView* v : m_views) {
        ConnectionRow r;
        r.id = v->id;
        r.name = v->title();
        const SessionState& s = v->session()->state();
        r.state = s.state;
        r.failed = s.failed();
        r.server = s.server;
        r.lastError = s.lastError.ok() ? QString() : s.lastError.toString();
        r.unreadErrors = v->unreadErrors();
        r.shown = v == m_current;
        metrics::MetricsRegistry* registry = v->session()->registry();
        for (const metrics::ConnectionMetrics& c : registry->connections()) {
            r.rttUs = c.health.rttUs;
            r.inMsgsPerSec = c.inMsgsPerSec;
            r.outMsgsPerSec = c.outMsgsPerSec;
            r.outboundHeld = c.health.queueDepth;
        }
        const QList<metrics::ConsumerMetrics> consumers = registry->consumers();
        r.consumers = int(consumers.size());
        for (const metrics::ConsumerMetrics& c : consumers)
            if (int(c.backpressure.level) > int(r.worst)) {
                r.worst = c.backpressure.level;
                r.worstConsumer = c.stream + QLatin1Char('/') + c.consumer;
            }
        rows.append(r);
    }
    return rows;
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
    connect(exportAction, &QAction::triggered, this, [this] {
        if (m_current)
            emit m_current->latencyPage()->exportSnapshotRequested();
    });
    addAction(exportAction);
    auto* focusUrl = new QAction(tr("Edit server URL"), this);
    focusUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(focusUrl, &QAction::triggered, m_urlEdit, [this] {
        m_urlEdit->setFocus();
        m_urlEdit->selectAll();
    });
    addAction(focusUrl);
}

void MainWindow::showPage(Page page) {
    if (!m_current)
        return;
    m_current->showPage(page);
    m_stack->setCurrentWidget(m_current); // also when the welcome or the overview covers it
    syncNavigation();
}

MainWindow::Page MainWindow::currentPage() const {
    return m_current ? m_current->currentPage() : Page::Connection;
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
    for (ConnectionView* v : std::as_const(m_views))
        if (v->demo && v->session()->connection())
            v->session()->close();
    m_ownDemo.reset();
}

void MainWindow::disconnectAll() {
    for (ConnectionView* v : std::as_const(m_views))
        if (v->session()->connection())
            v->session()->close();
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

Session* MainWindow::session() const {
    return m_current->session();
}

Connection* MainWindow::connection() const {
    return session()->connection() ? session()->connection()->connection() : nullptr;
}

SessionPage* MainWindow::page(Page page) const {
    return m_current->page(page);
}
ConnectionPage* MainWindow::connectionPage() const {
    return m_current->connectionPage();
}
ServersPage* MainWindow::serversPage() const {
    return m_current->serversPage();
}
ClientsPage* MainWindow::clientsPage() const {
    return m_current->clientsPage();
}
JetStreamPage* MainWindow::jetStreamPage() const {
    return m_current->jetStreamPage();
}
EventsPage* MainWindow::eventsPage() const {
    return m_current->eventsPage();
}
StreamsPage* MainWindow::streamsPage() const {
    return m_current->streamsPage();
}
MessagesPage* MainWindow::messagesPage() const {
    return m_current->messagesPage();
}
TailPage* MainWindow::tailPage() const {
    return m_current->tailPage();
}
LatencyPage* MainWindow::latencyPage() const {
    return m_current->latencyPage();
}
OutboundPage* MainWindow::outboundPage() const {
    return m_current->outboundPage();
}
PublishPage* MainWindow::publishPage() const {
    return m_current->publishPage();
}
ConsumerPage* MainWindow::consumerPage() const {
    return m_current->consumerPage();
}
FaultsPage* MainWindow::faultsPage() const {
    return m_current->faultsPage();
}
ScenarioPage* MainWindow::scenarioPage() const {
    return m_current->scenarioPage();
}

FaultMarks* MainWindow::faultMarks() const {
    return session()->faultMarks();
}

metrics::MetricsRegistry* MainWindow::metricsRegistry() const {
    return session()->registry();
}

EventLogModel* MainWindow::eventModel() const {
    return m_current->eventModel();
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
    const QList<ServerUrl> current = session()->connection()
                                         ? session()->connection()->connection()->options().servers
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
    // Typed in the bar: no sidebar entry is this connection any more, and it is named after
    // where it goes.
    ConnectionView* v = m_current;
    if (!v->key().isEmpty())
        m_sidebar->clearEntryState(v->key());
    v->setKey({});
    v->setTitle(uniqueTitle(o.servers.value(0).hostPort(), v));
    connectView(v, o);
    return true;
}

bool MainWindow::openUrls(const QString& urls) {
    auto parsed = parseServerList(urls);
    if (!parsed) {
        showMessage(tr("Not connecting to %1: %2").arg(urls, parsed.error().message), true);
        return false;
    }
    Options o = m_baseOptions;
    o.servers = parsed.value();
    openConnection(o);
    return true;
}

void MainWindow::connectWith(const Options& options, const std::optional<Options>& systemBase) {
    // The first connection of a view that no sidebar entry or demo names is named after where
    // it goes.
    if (!m_current->used() && m_current->key().isEmpty())
        m_current->setTitle(uniqueTitle(options.servers.value(0).hostPort(), m_current));
    connectView(m_current, options, systemBase);
}

void MainWindow::connectView(ConnectionView* v, const Options& options,
                             const std::optional<Options>& systemBase) {
    QStringList shown;
    for (const ServerUrl& u : options.servers)
        shown << u.redacted();
    // The log keeps what happened before (a reconnect through a fault proxy, a switch of
    // server): a line marks where the new connection begins.
    if (v->eventModel()->rowCount() > 0)
        v->session()->addEvent(ConnectionEvent::Kind::Info,
                               tr("new connection to %1").arg(shown.join(QStringLiteral(", "))));
    // The bar shows where this connection goes (credentials masked), whatever it held.
    v->setBarText(shown.join(QStringLiteral(", ")));
    std::optional<Options> system;
    if (v->systemCredentials().isSet())
        system = v->systemCredentials().applyTo(systemBase ? *systemBase : options);
    v->session()->setName(v->title());
    v->session()->open(options, system);
    // Amber at once: the connection's own CONNECTING comes from its thread a moment later.
    if (!v->key().isEmpty())
        m_sidebar->setEntryState(v->key(), ConnectionState::Connecting);
    updateNavItem(v);
    if (v != m_current)
        return;
    m_urlEdit->setText(v->barText());
    showMessage(tr("Connecting to %1 ...").arg(shown.join(QStringLiteral(", "))), false);
    updateButtons(v->session()->connection()->connection()->state());
}

void MainWindow::setSystemCredentials(const SystemCredentials& credentials) {
    m_sysCreds = credentials;
    if (m_current)
        m_current->setSystemCredentials(credentials);
}

const SystemCredentials& MainWindow::systemCredentials() const {
    return m_current ? m_current->systemCredentials() : m_sysCreds;
}

void MainWindow::setMonitorUrls(const QList<QUrl>& urls) {
    m_monitorUrls = urls;
    for (ConnectionView* v : std::as_const(m_views))
        v->session()->setMonitorPorts(urls);
}

void MainWindow::onStateChanged(ConnectionView* v, const SessionState& s) {
    // Its sidebar entry's dot, shown or not (switchTo() made the shown one the active entry).
    if (!v->key().isEmpty())
        m_sidebar->setEntryState(v->key(), s.state, s.failed());
    updateNavItem(v);
    if (v != m_current)
        return;
    m_statusState->setText(connectionStateName(s.state));
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
    for (ConnectionView* v : std::as_const(m_views))
        updateNavItem(v);
    QSettings().setValue(QStringLiteral("view/theme"), themeName(theme));
}

void MainWindow::attachDemo(DemoSession& demo) {
    const int servers = int(demo.servers().size());
    setWindowTitle(servers > 1 ? tr("JetDeck — demo (%1-server cluster)").arg(servers)
                               : tr("JetDeck — demo"));
    ConnectionView* v = viewForNewConnection();
    v->setKey({});
    v->demo = true;
    v->setTitle(uniqueTitle(servers > 1 ? tr("demo cluster") : tr("demo"), v));
    switchTo(v);
    v->session()->setWatchedSubjects({DemoSession::subjects()});
    // The servers, clients, JetStream and events pages see the whole demo at once.
    v->setSystemCredentials(demo.systemCredentials());
    for (const auto& tracker : demo.trackers())
        v->session()->registry()->attachTracker(tracker);
    auto parsed = parseServerList(demo.url());
    if (parsed) {
        Options o = m_baseOptions;
        o.servers = parsed.value();
        connectView(v, o);
    } else {
        showMessage(tr("Not connecting to the demo: %1").arg(parsed.error().message), true);
    }
    // Pages that need a choice open on something worth seeing.
    v->consumerPage()->openConsumer(DemoSession::streamName(), QStringLiteral("audit"));
    v->publishPage()->presetForDemo();
    v->faultsPage()->setDemo(&demo);
    v->faultsPage()->setJetStreamTarget(DemoSession::streamName(), QStringLiteral("fulfilment"));
    v->scenarioPage()->setDemo(&demo);
}

QByteArray MainWindow::metricsText() const {
    QList<std::pair<QString, metrics::MetricsRegistry*>> named;
    for (ConnectionView* v : m_views)
        if (v->used())
            named.append({v->title(), v->session()->registry()});
    if (named.isEmpty())
        named.append({m_current->title(), m_current->session()->registry()});
    return metrics::MetricsRegistry::prometheusText(named);
}

Status MainWindow::startMetricsServer(quint16 port) {
    if (!m_metricsServer) {
        metrics::MetricsServer::Source source;
        source.prometheus = [this] { return metricsText(); };
        source.json = [this] {
            // The shown connection's snapshot, as the export writes it; the others beside it.
            QJsonObject o = m_current->session()->registry()->toJson();
            o.insert(QStringLiteral("connection"), m_current->title());
            QJsonArray others;
            for (ConnectionView* v : std::as_const(m_views))
                if (v != m_current && v->used()) {
                    QJsonObject other = v->session()->registry()->toJson();
                    other.insert(QStringLiteral("connection"), v->title());
                    others.append(other);
                }
            if (!others.isEmpty())
                o.insert(QStringLiteral("other_connections"), others);
            return o;
        };
        m_metricsServer = new metrics::MetricsServer(source, this);
    }
    if (Status s = m_metricsServer->listen(port); !s.ok())
        return s;
    showMessage(tr("Serving Prometheus metrics on %1").arg(m_metricsServer->url()), false);
    return {};
}

QString MainWindow::metricsUrl() const {
    return m_metricsServer ? m_metricsServer->url() : QString();
}

Status MainWindow::exportEventsCsv(const QString& path) {
    return m_current->logPanel()->exportCsv(path);
}

Status MainWindow::exportSnapshot(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the snapshot to %1: %2").arg(path, f.errorString())};
    const QByteArray json =
        QJsonDocument(session()->registry()->toJson(m_current->latencyPage()->window()))
            .toJson(QJsonDocument::Indented);
    if (f.write(json) != json.size())
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the snapshot to %1: %2").arg(path, f.errorString())};
    return {};
}

void MainWindow::disconnectFromServer() {
    if (!session()->connection())
        return;
    session()->close();
    showMessage(tr("Disconnected"), false);
}

void MainWindow::setWatchedSubjects(const QList<QByteArray>& subjects) {
    session()->setWatchedSubjects(subjects);
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
    for (ConnectionView* v : std::as_const(m_views))
        v->logPanel()->view()->horizontalHeader()->restoreState(
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
    // Every view has the same tables and splitters: the shown one's layout is the one kept.
    saveLayout(m_current, s);
    s.setValue(QStringLiteral("window/eventColumns"),
               m_current->logPanel()->view()->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("window/pageName"), pageName(currentPage()));
    auto withoutSecret = [](const QString& urls) {
        auto parsed = parseServerList(urls);
        if (!parsed.ok())
            return false;
        for (const ServerUrl& u : parsed.value())
            if (!u.password.isEmpty() || !u.token.isEmpty())
                return false;
        return true;
    };
    // Only a URL without credentials: secrets do not go to the settings file.
    if (withoutSecret(m_urlEdit->text()))
        s.setValue(QStringLiteral("connection/lastUrl"), m_urlEdit->text());
    // What is open, to open it again next time: an entry of the sidebar by its key, else the
    // URL when it holds no secret. A demo's servers go with it: nothing to restore.
    QStringList open;
    QString shown;
    for (ConnectionView* v : std::as_const(m_views)) {
        if (!v->live() || v->demo)
            continue;
        QString entry;
        if (!v->key().isEmpty())
            entry = v->key();
        else if (withoutSecret(v->barText()))
            entry = QStringLiteral("url:") + v->barText();
        if (entry.isEmpty() || open.contains(entry))
            continue;
        open << entry;
        if (v == m_current)
            shown = entry;
    }
    if (open.isEmpty())
        s.remove(QStringLiteral("connection/openAtExit"));
    else
        s.setValue(QStringLiteral("connection/openAtExit"), open);
    if (shown.isEmpty())
        s.remove(QStringLiteral("connection/shownAtExit"));
    else
        s.setValue(QStringLiteral("connection/shownAtExit"), shown);
}

bool MainWindow::restoreEntry(const QString& entry) {
    if (entry.startsWith(QLatin1String("url:")))
        return openUrls(entry.mid(4));
    if (!m_sidebar->keys().contains(entry)) {
        showMessage(tr("Not reconnecting: %1 is gone since the last run").arg(entry), true);
        return false;
    }
    if (!m_sidebar->connectTo(entry)) {
        showMessage(m_sidebar->statusText(), true);
        return false;
    }
    return true;
}

bool MainWindow::restoreOpenConnection() {
    QSettings s;
    // One entry (written by an earlier version) reads as a list of one.
    const QStringList open = s.value(QStringLiteral("connection/openAtExit")).toStringList();
    const QString shown = s.value(QStringLiteral("connection/shownAtExit")).toString();
    ConnectionView* toShow = nullptr;
    QStringList failures;
    bool any = false;
    for (const QString& entry : open) {
        if (entry.isEmpty())
            continue;
        if (restoreEntry(entry)) {
            any = true;
            if (entry == shown)
                toShow = m_current;
        } else {
            failures << m_lastMessage;
        }
    }
    if (toShow)
        switchTo(toShow);
    if (!failures.isEmpty())
        showMessage(failures.join(QStringLiteral("; ")), true);
    return any;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    event->accept();
}

} // namespace jetdeck
