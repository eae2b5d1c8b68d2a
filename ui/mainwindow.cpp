#include "mainwindow.h"

#include "core/logging/logging.h"

#include "core/demo/demosession.h"
#include "core/metrics/metricsserver.h"
#include "core/metrics/registry.h"
#include "ui/connections/connectionsidebar.h"
#include "ui/models/eventlogmodel.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/faultspage.h"
#include "ui/pages/latencypage.h"
#include "ui/pages/outboundpage.h"
#include "ui/pages/publishpage.h"
#include "ui/pages/scenariopage.h"
#include "ui/pages/streamspage.h"
#include "ui/widgets/faultmarks.h"
#include "ui/widgets/statebadge.h"

#include <QAction>
#include <QChartView>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QThreadPool>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace jetdeck {

namespace {
/// How long closing the window waits for the pages' background work on a closed connection.
constexpr int kBackgroundDrainMs = 10000;
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent) {
    setWindowTitle(tr("JetDeck"));
    // A console keeps trying: a server that is down now may be back in a minute.
    m_baseOptions.retryOnFailedConnect = true;
    setObjectName(QStringLiteral("mainWindow"));

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

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_page = new ConnectionPage(splitter);

    auto* logBox = new QWidget(splitter);
    auto* logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    auto* logHead = new QHBoxLayout;
    auto* logTitle = new QLabel(tr("<b>Events</b>"), logBox);
    m_eventFilterEdit = new QLineEdit(logBox);
    m_eventFilterEdit->setObjectName(QStringLiteral("eventFilter"));
    m_eventFilterEdit->setPlaceholderText(tr("Filter events"));
    m_eventFilterEdit->setClearButtonEnabled(true);
    auto* exportEvents = new QPushButton(tr("E&xport..."), logBox);
    exportEvents->setObjectName(QStringLiteral("exportEvents"));
    exportEvents->setToolTip(tr("Save the events the filter shows as CSV"));
    logHead->addWidget(logTitle);
    logHead->addStretch(1);
    logHead->addWidget(m_eventFilterEdit);
    logHead->addWidget(exportEvents);
    logLayout->addLayout(logHead);

    m_events = new EventLogModel(5000, this);
    m_eventFilter = new QSortFilterProxyModel(this);
    m_eventFilter->setSourceModel(m_events);
    m_eventFilter->setFilterKeyColumn(-1);
    m_eventFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_eventFilterEdit, &QLineEdit::textChanged, m_eventFilter,
            &QSortFilterProxyModel::setFilterFixedString);
    m_eventView = new QTableView(logBox);
    m_eventView->setObjectName(QStringLiteral("eventView"));
    m_eventView->setModel(m_eventFilter);
    m_eventView->verticalHeader()->hide();
    m_eventView->horizontalHeader()->setStretchLastSection(true);
    m_eventView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventView->setAlternatingRowColors(true);
    m_eventView->setWordWrap(false);
    m_eventView->setColumnWidth(EventLogModel::TimeColumn, 110);
    m_eventView->setColumnWidth(EventLogModel::KindColumn, 120);
    m_eventView->setColumnWidth(EventLogModel::ServerColumn, 150);
    logLayout->addWidget(m_eventView);
    // Keep the newest event in view unless the user scrolled up to read older ones.
    connect(m_events, &QAbstractItemModel::rowsInserted, this, [this] {
        auto* sb = m_eventView->verticalScrollBar();
        if (sb->value() >= sb->maximum() - 2)
            m_eventView->scrollToBottom();
    });

    connect(exportEvents, &QPushButton::clicked, this, [this] {
        saveWithDialog(tr("Export events"), QStringLiteral("jetdeck-events"), QStringLiteral("csv"),
                       tr("CSV files (*.csv)"), tr("Events written to %1"),
                       [this](const QString& path) { return exportEventsCsv(path); });
    });

    splitter->addWidget(m_page);
    splitter->addWidget(logBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    // Pages on the right, chosen from a list on the left.
    m_registry = new metrics::MetricsRegistry(this);
    // Consumers' news goes to the same log as the connection's.
    connect(m_registry, &metrics::MetricsRegistry::backpressureChanged, this,
            [this](const QString& stream, const QString& consumer,
                   const metrics::BackpressureStatus& status) {
                logEvent(ConnectionEvent::Kind::Consumer,
                         tr("backpressure %1: %2")
                             .arg(metrics::backpressureLevelName(status.level), status.reason),
                         stream + QLatin1Char('/') + consumer);
            });
    m_page->setMetricsRegistry(m_registry);
    m_streams = new StreamsPage(this);
    m_streams->setMetricsRegistry(m_registry);
    m_latency = new LatencyPage(this);
    m_latency->setRegistry(m_registry);
    connect(m_latency, &LatencyPage::exportSnapshotRequested, this, [this] {
        saveWithDialog(tr("Export snapshot"), QStringLiteral("jetdeck-snapshot"),
                       QStringLiteral("json"), tr("JSON files (*.json)"),
                       tr("Snapshot written to %1"),
                       [this](const QString& path) { return exportSnapshot(path); });
    });
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(splitter);
    m_stack->addWidget(m_streams);
    m_stack->addWidget(m_latency);
    m_outbound = new OutboundPage(this);
    m_stack->addWidget(m_outbound);
    m_publish = new PublishPage(this);
    m_publish->setMetricsRegistry(m_registry);
    connect(m_publish, &PublishPage::runFinished, this, [this](const PublishSummary& s) {
        logEvent(s.clean() ? ConnectionEvent::Kind::Info : ConnectionEvent::Kind::Error,
                 tr("publish run: %1").arg(s.toText().section(QLatin1Char('\n'), 0, 0)));
    });
    m_stack->addWidget(m_publish);
    // Faults are marked on every time chart where they started and ended.
    m_faultMarks = new FaultMarks(this);
    m_page->setFaultMarks(m_faultMarks);
    m_latency->setFaultMarks(m_faultMarks);
    m_faults = new FaultsPage(this);
    connect(m_faults, &FaultsPage::faultEvent, this, &MainWindow::recordFault);
    connect(m_faults, &FaultsPage::routeThroughProxy, this, [this](const QString& proxyUrl) {
        if (!m_conn)
            return;
        m_directOptions = m_conn->connection()->options();
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
        connectWith(o);
    });
    connect(m_faults, &FaultsPage::routeDirect, this, [this] {
        if (!m_directOptions.servers.isEmpty())
            connectWith(m_directOptions);
    });
    m_consumer = new ConsumerPage(this);
    m_consumer->setFaultMarks(m_faultMarks);
    m_consumer->setMetricsRegistry(m_registry);
    m_stack->addWidget(m_consumer);
    m_stack->addWidget(m_faults);
    m_scenarios = new ScenarioPage(this);
    connect(m_scenarios, &ScenarioPage::faultEvent, this,
            [this](const QString& what, bool started) {
                recordFault(tr("scenario: %1").arg(what), started);
            });
    connect(m_scenarios, &ScenarioPage::runFinished, this,
            [this](const scenario::ScenarioReport& r) {
                logEvent(r.passed() ? ConnectionEvent::Kind::Info : ConnectionEvent::Kind::Error,
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
    m_stack->addWidget(m_scenarios);
    connect(m_streams, &StreamsPage::refreshed, this,
            [this] { m_consumer->setConsumers(m_streams->consumerList()); });
    connect(m_streams, &StreamsPage::consumerActivated, this,
            [this](const QString& stream, const QString& consumer) {
                m_consumer->openConsumer(stream, consumer);
                showPage(5);
            });
    // Messages that hit MaxDeliver or were terminated go to the log as well.
    connect(m_registry, &metrics::MetricsRegistry::redeliveryEvents, this,
            [this](const QString& stream, const QString& consumer,
                   const QList<js::RedeliveryEvent>& events) {
                // One line per kind and tick: a consumer giving up on many messages at once
                // does not drown the rest of the log.
                for (const auto kind : {js::RedeliveryEvent::Kind::MaxDeliveries,
                                        js::RedeliveryEvent::Kind::Terminated}) {
                    QStringList seqs;
                    quint64 deliveries = 0;
                    QString reason;
                    QDateTime when;
                    for (const js::RedeliveryEvent& ev : events) {
                        if (ev.kind != kind)
                            continue;
                        seqs << QString::number(ev.streamSeq);
                        deliveries = qMax(deliveries, ev.deliveries);
                        if (!ev.reason.isEmpty())
                            reason = ev.reason;
                        when = ev.time;
                    }
                    if (seqs.isEmpty())
                        continue;
                    const QString list = seqs.size() > 8
                                             ? seqs.mid(0, 8).join(QStringLiteral(", ")) +
                                                   tr(" and %1 more").arg(seqs.size() - 8)
                                             : seqs.join(QStringLiteral(", "));
                    QString message;
                    if (kind == js::RedeliveryEvent::Kind::MaxDeliveries)
                        message = seqs.size() == 1
                                      ? tr("stream seq %1 hit MaxDeliver after %2 deliveries")
                                            .arg(list)
                                            .arg(deliveries)
                                      : tr("%1 messages hit MaxDeliver (stream seq %2)")
                                            .arg(seqs.size())
                                            .arg(list);
                    else
                        message = tr("stream seq %1 terminated%2")
                                      .arg(list, reason.isEmpty() ? QString()
                                                                  : QStringLiteral(": ") + reason);
                    logEvent(ConnectionEvent::Kind::Consumer, message,
                             stream + QLatin1Char('/') + consumer,
                             when.isValid() ? when.toLocalTime() : QDateTime());
                }
            });
    m_nav = new QListWidget(this);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->addItem(tr("Connection"));
    m_nav->addItem(tr("Streams & consumers"));
    m_nav->addItem(tr("Latency"));
    m_nav->addItem(tr("Outbound queue"));
    m_nav->addItem(tr("Publish"));
    m_nav->addItem(tr("Consumer"));
    m_nav->addItem(tr("Faults"));
    m_nav->addItem(tr("Scenarios"));
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    m_nav->setCurrentRow(0);
    // The left column: saved connections and natscli contexts above, the pages below.
    m_sidebar = new ConnectionSidebar(SecretStore::system(), this);
    connect(m_sidebar, &ConnectionSidebar::connectRequested, this,
            [this](const Options& options, const QString& key, const QString&) {
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
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    auto* central = new QSplitter(Qt::Horizontal, this);
    central->setObjectName(QStringLiteral("centralSplitter"));
    central->addWidget(left);
    central->addWidget(m_stack);
    central->setStretchFactor(1, 1);
    central->setSizes({210, 990});
    setCentralWidget(central);
    for (int i = 0; i < m_stack->count(); ++i) {
        auto* go = new QAction(this);
        go->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)));
        connect(go, &QAction::triggered, this, [this, i] { showPage(i); });
        addAction(go);
    }

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

    resize(1100, 800);
    restoreSettings();
    updateButtons();
}

MainWindow::~MainWindow() {
    releaseConnection();
    // The pages' background work (JetStream snapshots, faults) may still hold the connection;
    // closed, it fails fast. Waiting here ends it while the application is whole, so the
    // connection is deleted on its own thread and nothing outlives the window.
    QThreadPool::globalInstance()->waitForDone(kBackgroundDrainMs);
}

void MainWindow::releaseConnection() {
    if (m_conn)
        m_registry->removeConnection(m_conn->connection());
    m_outbound->setConnection(nullptr);
    m_publish->setConnection(nullptr);
    m_consumer->setConnection(nullptr);
    m_faults->setConnection(nullptr);
    m_scenarios->setConnection(nullptr);
    m_page->setConnection(nullptr);
    m_streams->setConnection(nullptr);
    if (m_conn)
        m_conn->close();
    m_conn.reset();
}

void MainWindow::showPage(int index) {
    m_nav->setCurrentRow(index);
}

int MainWindow::currentPage() const {
    return m_stack->currentIndex();
}

Connection* MainWindow::connection() const {
    return m_conn ? m_conn->connection() : nullptr;
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
    const QList<ServerUrl> current =
        m_conn ? m_conn->connection()->options().servers : QList<ServerUrl>();
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

void MainWindow::connectWith(const Options& options) {
    releaseConnection();

    QStringList shown;
    for (const ServerUrl& u : options.servers)
        shown << u.redacted();
    // The log keeps what happened before (a reconnect through a fault proxy, a switch of
    // server): a line marks where the new connection begins.
    if (m_events->rowCount() > 0) {
        logEvent(ConnectionEvent::Kind::Info,
                 tr("new connection to %1").arg(shown.join(QStringLiteral(", "))));
    }
    // The bar shows where this connection goes (credentials masked), whatever it held.
    m_urlEdit->setText(shown.join(QStringLiteral(", ")));

    m_conn = std::make_shared<ConnectionThread>(options, QStringLiteral("nats-console"));
    Connection* c = m_conn->connection();
    connect(c, &Connection::eventAdded, this,
            [this](const ConnectionEvent& e) { m_events->append(e); });
    connect(c, &Connection::stateChanged, this, [this, c](ConnectionState st) {
        // Queued from the connection's thread: a change that arrives after this connection
        // was replaced (and deleted on its thread) is news from the past; c is not touched.
        if (!m_conn || m_conn->connection() != c)
            return;
        m_statusState->setText(connectionStateName(st));
        m_sidebar->setActive(m_activeKey, st,
                             !c->lastError().ok() && st != ConnectionState::Connected);
        updateButtons();
        if (st == ConnectionState::Connected) {
            showMessage(tr("Connected to %1").arg(c->currentServer()), false);
            m_streams->refresh();
        } else if ((st == ConnectionState::Disconnected || st == ConnectionState::Reconnecting ||
                    st == ConnectionState::Closed) &&
                   !c->lastError().ok()) {
            showMessage(c->lastError().toString(), true);
        }
    });
    m_page->setConnection(c);
    m_outbound->setConnection(c);
    m_streams->setConnection(m_conn);
    m_publish->setConnection(m_conn);
    m_consumer->setConnection(m_conn);
    m_faults->setConnection(m_conn);
    m_scenarios->setConnection(m_conn);
    m_registry->addConnection(QStringLiteral("console"), c);
    subscribeWatched();
    showMessage(tr("Connecting to %1 ...").arg(shown.join(QStringLiteral(", "))), false);
    c->open();
    updateButtons();
}

void MainWindow::recordFault(const QString& what, bool started) {
    const QDateTime now = QDateTime::currentDateTime();
    logEvent(ConnectionEvent::Kind::Fault, what, QString(), now);
    m_faultMarks->add(what, started, now);
}

void MainWindow::logEvent(ConnectionEvent::Kind kind, const QString& message, const QString& where,
                          const QDateTime& time) {
    ConnectionEvent e;
    e.time = time.isValid() ? time : QDateTime::currentDateTime();
    e.kind = kind;
    e.server = where;
    e.message = message;
    m_events->append(e);
    const QString line = QStringLiteral("%1: %2%3")
                             .arg(connectionEventKindName(kind), message,
                                  where.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(where));
    if (kind == ConnectionEvent::Kind::Error)
        qCWarning(lcUi).noquote() << line;
    else
        qCInfo(lcUi).noquote() << line;
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
    setWatchedSubjects({DemoSession::subjects()});
    for (const auto& tracker : demo.trackers())
        m_registry->attachTracker(tracker);
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
        m_metricsServer = new metrics::MetricsServer(m_registry, this);
    if (Status s = m_metricsServer->listen(port); !s.ok())
        return s;
    showMessage(tr("Serving Prometheus metrics on %1").arg(m_metricsServer->url()), false);
    return {};
}

QString MainWindow::metricsUrl() const {
    return m_metricsServer ? m_metricsServer->url() : QString();
}

Status MainWindow::exportEventsCsv(const QString& path) {
    QList<int> rows;
    for (int r = 0; r < m_eventFilter->rowCount(); ++r)
        rows.append(m_eventFilter->mapToSource(m_eventFilter->index(r, 0)).row());
    QFile f(path);
    const QByteArray csv = m_events->toCsv(rows);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(csv) != csv.size())
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the events to %1: %2").arg(path, f.errorString())};
    return {};
}

Status MainWindow::exportSnapshot(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the snapshot to %1: %2").arg(path, f.errorString())};
    const QByteArray json =
        QJsonDocument(m_registry->toJson(m_latency->window())).toJson(QJsonDocument::Indented);
    if (f.write(json) != json.size())
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the snapshot to %1: %2").arg(path, f.errorString())};
    return {};
}

void MainWindow::disconnectFromServer() {
    if (!m_conn)
        return;
    m_conn->connection()->close();
    showMessage(tr("Disconnected"), false);
}

void MainWindow::setWatchedSubjects(const QList<QByteArray>& subjects) {
    m_watched = subjects;
    subscribeWatched();
}

void MainWindow::subscribeWatched() {
    // Once per connection: the client itself restores its subscriptions after a reconnect, so
    // subscribing again on every CONNECTED would multiply every message the server sends.
    for (const SubscriptionPtr& s : std::as_const(m_watchSubs))
        s->unsubscribe();
    m_watchSubs.clear();
    if (!m_conn)
        return;
    for (const QByteArray& subject : std::as_const(m_watched))
        if (auto sub = m_conn->connection()->subscribeInline(subject, [](const MsgView&) {}))
            m_watchSubs.append(sub.value());
}

void MainWindow::updateButtons() {
    const ConnectionState st = m_conn ? m_conn->connection()->state() : ConnectionState::Closed;
    const bool live = st == ConnectionState::Connected || st == ConnectionState::Connecting ||
                      st == ConnectionState::Reconnecting;
    m_disconnectButton->setEnabled(live);
    m_connectButton->setText(live ? tr("Re&connect") : tr("&Connect"));
}

namespace {
/// The views whose column layout (widths, order, sort) is kept across restarts: every table
/// and tree with an object name.
QList<QAbstractItemView*> keptViews(QWidget* root) {
    QList<QAbstractItemView*> out;
    for (QAbstractItemView* v : root->findChildren<QAbstractItemView*>())
        if (!v->objectName().isEmpty() &&
            (qobject_cast<QTableView*>(v) || qobject_cast<QTreeView*>(v)))
            out.append(v);
    return out;
}
QHeaderView* headerOf(QAbstractItemView* v) {
    if (auto* t = qobject_cast<QTableView*>(v))
        return t->horizontalHeader();
    if (auto* t = qobject_cast<QTreeView*>(v))
        return t->header();
    return nullptr;
}
} // namespace

void MainWindow::restoreSettings() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    for (QSplitter* sp : findChildren<QSplitter*>())
        if (!sp->objectName().isEmpty())
            sp->restoreState(
                s.value(QStringLiteral("window/splitter/") + sp->objectName()).toByteArray());
    for (QAbstractItemView* v : keptViews(this))
        if (QHeaderView* h = headerOf(v))
            h->restoreState(
                s.value(QStringLiteral("window/columns/") + v->objectName()).toByteArray());
    m_eventView->horizontalHeader()->restoreState(
        s.value(QStringLiteral("window/eventColumns")).toByteArray());
    m_urlEdit->setText(s.value(QStringLiteral("connection/lastUrl")).toString());
    showPage(qBound(0, s.value(QStringLiteral("window/page"), 0).toInt(), m_stack->count() - 1));
    setTheme(
        themeFromName(s.value(QStringLiteral("view/theme")).toString()).value_or(Theme::System));
}

void MainWindow::saveSettings() {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    for (QSplitter* sp : findChildren<QSplitter*>())
        if (!sp->objectName().isEmpty())
            s.setValue(QStringLiteral("window/splitter/") + sp->objectName(), sp->saveState());
    for (QAbstractItemView* v : keptViews(this))
        if (QHeaderView* h = headerOf(v))
            s.setValue(QStringLiteral("window/columns/") + v->objectName(), h->saveState());
    s.setValue(QStringLiteral("window/eventColumns"), m_eventView->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("window/page"), currentPage());
    // Only the URL without credentials: secrets do not go to the settings file.
    if (auto parsed = parseServerList(m_urlEdit->text()); parsed.ok()) {
        bool secret = false;
        for (const ServerUrl& u : parsed.value())
            secret |= !u.password.isEmpty() || !u.token.isEmpty();
        if (!secret)
            s.setValue(QStringLiteral("connection/lastUrl"), m_urlEdit->text());
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    event->accept();
}

} // namespace jetdeck
