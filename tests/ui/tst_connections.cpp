// The connections sidebar against a real nats-server with user/password auth: saved
// connections made through the dialog (bad fields refused with the field named), secrets in
// the keyring and never in the settings file, the password asked for when there is no
// keyring, natscli contexts listed and connected, and each entry's state as a coloured dot
// (green connected, red failed).

#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/connections/connectiondialog.h"
#include "ui/connections/connectionsidebar.h"
#include "ui/connections/savedconnection.h"
#include "ui/mainwindow.h"
#include "ui/pages/welcomepage.h"

#include <QComboBox>
#include <QLineEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::test;

class TestConnections : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void validation_data();
    void validation();
    void settingsRoundTrip();
    void dialogRefusesThenSaves();
    void keyringHoldsTheSecret();
    void systemAccountUserBeside();
    void connectsAndColoursTheDot();
    void wrongPasswordTurnsRed();
    void natscliContext();
    void welcomeOnFirstStart();
    void reopensWhatWasOpen();

private:
    void writeContext(const QString& name, const QString& json);
    /// Saves a user/password connection for alice on the test server under `name`.
    SavedConnection saveAliceAs(const QString& name);

    std::unique_ptr<NatsServerProcess> m_server;
    QTemporaryDir m_files;
    QString m_credsFile;
};

void TestConnections::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_connections"));
    NatsServerConfig cfg;
    cfg.extraConfig = QStringLiteral("authorization { user: alice, password: s3cret }\n");
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    QVERIFY(m_files.isValid());
    m_credsFile = m_files.filePath(QStringLiteral("user.creds"));
    QFile f(m_credsFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not checked here\n");
}

void TestConnections::init() {
    QSettings s;
    s.remove(QStringLiteral("connections"));
}

void TestConnections::writeContext(const QString& name, const QString& json) {
    QDir().mkpath(m_files.filePath(QStringLiteral("context")));
    QFile f(m_files.filePath(QStringLiteral("context/") + name + QStringLiteral(".json")));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(json.toUtf8());
}

SavedConnection TestConnections::saveAliceAs(const QString& name) {
    SavedConnection c;
    c.name = name;
    c.urls = m_server->url();
    c.auth = AuthKind::UserPassword;
    c.user = QStringLiteral("alice");
    QSettings s;
    saveConnection(s, c);
    return c;
}

void TestConnections::validation_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("error");
    QTest::newRow("ok") << ""
                        << ""
                        << "";
    QTest::newRow("no name") << "name"
                             << ""
                             << "Name: give";
    QTest::newRow("slash in name") << "name"
                                   << "a/b"
                                   << "Name: no slashes";
    QTest::newRow("no urls") << "urls"
                             << ""
                             << "URLs: enter";
    QTest::newRow("bad url") << "urls"
                             << "http://x:4222"
                             << "URLs:";
    QTest::newRow("password in url") << "urls"
                                     << "nats://bob:pw@127.0.0.1:4222"
                                     << "holds a secret";
    QTest::newRow("creds missing") << "creds"
                                   << "/nonexistent/x.creds"
                                   << "does not exist";
    QTest::newRow("cert without key") << "cert"
                                      << "CREDS"
                                      << "give both";
    QTest::newRow("user missing") << "user"
                                  << ""
                                  << "User: enter";
}

void TestConnections::validation() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, error);
    SavedConnection c;
    c.name = QStringLiteral("prod");
    c.urls = QStringLiteral("nats://127.0.0.1:4222, nats://127.0.0.1:4223");
    if (field == QLatin1String("name"))
        c.name = value;
    else if (field == QLatin1String("urls"))
        c.urls = value;
    else if (field == QLatin1String("creds")) {
        c.auth = AuthKind::Creds;
        c.credsPath = value;
    } else if (field == QLatin1String("cert"))
        c.certPath = m_credsFile;
    else if (field == QLatin1String("user")) {
        c.auth = AuthKind::UserPassword;
        c.user = value;
    }
    const Status s = c.validate();
    if (error.isEmpty())
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    else
        QVERIFY2(!s.ok() && s.message.contains(error), qPrintable(s.toString()));
}

void TestConnections::settingsRoundTrip() {
    SavedConnection a;
    a.name = QStringLiteral("zeta / prod");
    a.name = QStringLiteral("zeta prod");
    a.urls = QStringLiteral("tls://127.0.0.1:4443");
    a.auth = AuthKind::Creds;
    a.credsPath = m_credsFile;
    a.caPath = m_credsFile;
    a.tlsFirst = true;
    SavedConnection b;
    b.name = QStringLiteral("alpha");
    b.urls = QStringLiteral("nats://127.0.0.1:4222");
    b.auth = AuthKind::UserPassword;
    b.user = QStringLiteral("alice");
    QSettings s;
    saveConnection(s, a);
    saveConnection(s, b);
    const QList<SavedConnection> back = loadSavedConnections(s);
    QCOMPARE(back.size(), 2);
    QCOMPARE(back[0], b); // sorted by name
    QCOMPARE(back[1], a);
    removeSavedConnection(s, QStringLiteral("alpha"));
    QCOMPARE(loadSavedConnections(s).size(), 1);
}

void TestConnections::dialogRefusesThenSaves() {
    ConnectionSidebar sidebar(std::make_unique<MemorySecretStore>());
    ConnectionDialog* d = sidebar.newConnection();
    d->nameEdit()->setText(QString());
    QVERIFY(!d->tryAccept());
    QVERIFY2(d->errorText().startsWith(QStringLiteral("Name:")), qPrintable(d->errorText()));
    d->nameEdit()->setText(QStringLiteral("local"));
    d->urlsEdit()->setText(QStringLiteral("nats://bob:pw@127.0.0.1:4222"));
    QVERIFY(!d->tryAccept());
    QVERIFY2(d->errorText().contains(QStringLiteral("holds a secret")), qPrintable(d->errorText()));
    d->urlsEdit()->setText(m_server->url());
    d->authCombo()->setCurrentIndex(d->authCombo()->findData(int(AuthKind::UserPassword)));
    QVERIFY(!d->tryAccept());
    QVERIFY(d->errorText().startsWith(QStringLiteral("User:")));
    d->userEdit()->setText(QStringLiteral("alice"));
    d->secretEdit()->setText(QStringLiteral("s3cret"));
    QVERIFY2(d->tryAccept(), qPrintable(d->errorText()));
    QCOMPARE(sidebar.keys(), QStringList{QStringLiteral("saved:local")});
    // A second one by the same name is refused.
    ConnectionDialog* again = sidebar.newConnection();
    again->nameEdit()->setText(QStringLiteral("local"));
    QVERIFY(!again->tryAccept());
    QVERIFY(again->errorText().contains(QStringLiteral("exists already")));
    again->reject();
}

void TestConnections::keyringHoldsTheSecret() {
    auto store = std::make_unique<MemorySecretStore>();
    MemorySecretStore* keyring = store.get();
    ConnectionSidebar sidebar(std::move(store));
    ConnectionDialog* d = sidebar.newConnection();
    d->nameEdit()->setText(QStringLiteral("kept"));
    d->urlsEdit()->setText(m_server->url());
    d->authCombo()->setCurrentIndex(d->authCombo()->findData(int(AuthKind::UserPassword)));
    d->userEdit()->setText(QStringLiteral("alice"));
    d->secretEdit()->setText(QStringLiteral("s3cret"));
    QVERIFY(d->tryAccept());
    QCOMPARE(keyring->load(QStringLiteral("connection/kept")).value(), QStringLiteral("s3cret"));
    // The settings file has the user and the URL, never the password.
    QSettings s;
    s.sync();
    QFile file(s.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("alice"));
    QVERIFY(!text.contains("s3cret"));
    // Connecting takes the secret from the keyring, no prompt.
    sidebar.setSecretPrompt([](const QString&) -> std::optional<QString> {
        qFatal("no prompt expected");
        return std::nullopt;
    });
    QSignalSpy asked(&sidebar, &ConnectionSidebar::connectRequested);
    QVERIFY(sidebar.connectTo(QStringLiteral("saved:kept")));
    QCOMPARE(asked.size(), 1);
    const auto options = asked.first().first().value<Options>();
    QCOMPARE(options.auth.password, QStringLiteral("s3cret"));
    QCOMPARE(sidebar.dotColor(QStringLiteral("saved:kept")), QStringLiteral("amber"));
    // Deleting the connection deletes its secret.
    sidebar.deleteConnection(QStringLiteral("kept"), true);
    QVERIFY(!keyring->load(QStringLiteral("connection/kept")));
    QVERIFY(sidebar.keys().isEmpty());
}

void TestConnections::systemAccountUserBeside() {
    auto store = std::make_unique<MemorySecretStore>();
    MemorySecretStore* keyring = store.get();
    ConnectionSidebar sidebar(std::move(store));
    ConnectionDialog* d = sidebar.newConnection();
    d->nameEdit()->setText(QStringLiteral("watched"));
    d->urlsEdit()->setText(m_server->url());
    d->systemUserEdit()->setText(QStringLiteral("sys"));
    d->systemCredsEdit()->setText(m_credsFile);
    QVERIFY(!d->tryAccept());
    QVERIFY2(d->errorText().startsWith(QStringLiteral("System account:")),
             qPrintable(d->errorText()));
    d->systemUserEdit()->clear();
    d->systemCredsEdit()->setText(m_files.filePath(QStringLiteral("missing.creds")));
    QVERIFY(!d->tryAccept());
    QVERIFY2(d->errorText().contains(QStringLiteral("missing.creds does not exist")),
             qPrintable(d->errorText()));
    d->systemCredsEdit()->clear();
    d->systemUserEdit()->setText(QStringLiteral("sys"));
    d->systemSecretEdit()->setText(QStringLiteral("sysS3cret"));
    QVERIFY2(d->tryAccept(), qPrintable(d->errorText()));
    // The system user's password in the keyring beside the connection's, never in the file.
    QCOMPARE(keyring->load(QStringLiteral("connection/watched/system")).value(),
             QStringLiteral("sysS3cret"));
    QSettings s;
    s.sync();
    QFile file(s.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("sysS3cret"));
    const QList<SavedConnection> saved = loadSavedConnections(s);
    const auto it = std::find_if(saved.cbegin(), saved.cend(), [](const SavedConnection& c) {
        return c.name == QStringLiteral("watched");
    });
    QVERIFY(it != saved.cend());
    QCOMPARE(it->sysUser, QStringLiteral("sys"));
    // Connecting hands the system account's user over with the connection's options.
    QSignalSpy asked(&sidebar, &ConnectionSidebar::connectRequested);
    QVERIFY(sidebar.connectTo(QStringLiteral("saved:watched")));
    QCOMPARE(asked.size(), 1);
    const auto system = asked.first().at(3).value<SystemCredentials>();
    QCOMPARE(system.user, QStringLiteral("sys"));
    QCOMPARE(system.password, QStringLiteral("sysS3cret"));
    const Options sysOptions = system.applyTo(asked.first().first().value<Options>());
    QCOMPARE(sysOptions.auth.user, QStringLiteral("sys"));
    QVERIFY(sysOptions.name.endsWith(QStringLiteral("-sys")));
    // Deleting the connection deletes both secrets.
    sidebar.deleteConnection(QStringLiteral("watched"), true);
    QVERIFY(!keyring->load(QStringLiteral("connection/watched/system")));
}

void TestConnections::connectsAndColoursTheDot() {
    const SavedConnection c = saveAliceAs(QStringLiteral("auth"));
    MainWindow window;
    window.show();
    ConnectionSidebar* sidebar = window.connectionSidebar();
    // In the test environment there is no keyring: the password is asked for, once.
    int prompts = 0;
    sidebar->setSecretPrompt([&](const QString& what) -> std::optional<QString> {
        ++prompts;
        if (!what.contains(QStringLiteral("alice")))
            return std::nullopt;
        return QStringLiteral("s3cret");
    });
    sidebar->reload();
    QVERIFY(sidebar->keys().contains(QStringLiteral("saved:auth")));
    QVERIFY(sidebar->connectTo(QStringLiteral("saved:auth")));
    QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("saved:auth")),
                              QStringLiteral("green"), 10000);
    QVERIFY(window.connection()->isConnected());
    QCOMPARE(prompts, 1);
    // Disconnect: grey again. Reconnect: the session remembers the password.
    window.disconnectFromServer();
    QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("saved:auth")),
                              QStringLiteral("grey"), 5000);
    QVERIFY(sidebar->connectTo(QStringLiteral("saved:auth")));
    QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("saved:auth")),
                              QStringLiteral("green"), 10000);
    QCOMPARE(prompts, 1);
    // Typing a URL in the bar: no sidebar entry is the current one.
    QVERIFY(window.connectToUrls(QStringLiteral("nats://alice:s3cret@") + m_server->url().mid(7)));
    QCOMPARE(sidebar->dotColor(QStringLiteral("saved:auth")), QStringLiteral("grey"));
}

void TestConnections::wrongPasswordTurnsRed() {
    const SavedConnection c = saveAliceAs(QStringLiteral("wrong"));
    MainWindow window;
    window.show();
    ConnectionSidebar* sidebar = window.connectionSidebar();
    sidebar->setSecretPrompt(
        [](const QString&) { return std::optional<QString>(QStringLiteral("nope")); });
    sidebar->reload();
    QVERIFY(sidebar->connectTo(QStringLiteral("saved:wrong")));
    QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("saved:wrong")),
                              QStringLiteral("red"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(window.lastMessage().contains(QStringLiteral("uthorization")), 5000);
    // A cancelled prompt connects to nothing and says so.
    window.disconnectFromServer();
    sidebar->setSecretPrompt([](const QString&) { return std::optional<QString>(); });
    saveAliceAs(QStringLiteral("cancelled"));
    sidebar->reload();
    QVERIFY(!sidebar->connectTo(QStringLiteral("saved:cancelled")));
    QVERIFY(sidebar->statusText().contains(QStringLiteral("no password given")));
}

void TestConnections::natscliContext() {
    writeContext(QStringLiteral("dev"),
                 QStringLiteral("{\"description\": \"dev server\", \"url\": \"%1\", "
                                "\"user\": \"alice\", \"password\": \"s3cret\"}")
                     .arg(m_server->url()));
    writeContext(QStringLiteral("broken"), QStringLiteral("{\"url\": \"http://nope\"}"));
    MainWindow window;
    window.show();
    ConnectionSidebar* sidebar = window.connectionSidebar();
    sidebar->setContextDir(m_files.filePath(QStringLiteral("context")));
    QCOMPARE(sidebar->keys(),
             (QStringList{QStringLiteral("context:broken"), QStringLiteral("context:dev")}));
    QVERIFY(sidebar->connectTo(QStringLiteral("context:dev")));
    QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("context:dev")),
                              QStringLiteral("green"), 10000);
    QVERIFY(!sidebar->connectTo(QStringLiteral("context:broken")));
    QVERIFY2(sidebar->statusText().contains(QStringLiteral("broken")),
             qPrintable(sidebar->statusText()));
    // Saved as a connection of its own: the secret moves to the store, not to the file.
    ConnectionDialog* d = sidebar->saveContextAs(QStringLiteral("dev"));
    QCOMPARE(d->userEdit()->text(), QStringLiteral("alice"));
    QCOMPARE(d->secretEdit()->text(), QStringLiteral("s3cret"));
    d->nameEdit()->setText(QStringLiteral("dev copy"));
    QVERIFY(d->tryAccept());
    QVERIFY(sidebar->keys().contains(QStringLiteral("saved:dev copy")));
}

// The first start (nothing saved, no server given) opens on the welcome: a URL, the natscli
// contexts found, the demo; each way in leaves it for the console, each mistake is said there.
void TestConnections::welcomeOnFirstStart() {
    writeContext(QStringLiteral("dev"),
                 QStringLiteral("{\"url\": \"%1\", \"user\": \"alice\", \"password\": \"s3cret\"}")
                     .arg(m_server->url()));
    writeContext(QStringLiteral("broken"), QStringLiteral("{\"url\": \"http://nope\"}"));
    MainWindow window;
    window.show();
    ConnectionSidebar* sidebar = window.connectionSidebar();
    sidebar->setContextDir(m_files.filePath(QStringLiteral("context")));
    QVERIFY(!window.hasSavedConnections());
    window.showWelcome();
    QVERIFY(window.isWelcomeShown());
    WelcomePage* welcome = window.welcomePage();
    QCOMPARE(welcome->contextButtons(),
             (QStringList{QStringLiteral("broken"), QStringLiteral("dev")}));
    // The keyring in one line, its meaning on demand.
    QVERIFY2(sidebar->keyringText().startsWith(QStringLiteral("Secrets: ")),
             qPrintable(sidebar->keyringText()));
    auto* url = welcome->findChild<QLineEdit*>(QStringLiteral("welcomeUrl"));
    auto* go = welcome->findChild<QPushButton*>(QStringLiteral("welcomeConnect"));
    QVERIFY(url && go);

    // Mistakes are said on the welcome, which stays.
    url->clear();
    QTest::mouseClick(go, Qt::LeftButton);
    QVERIFY2(welcome->messageText().contains(QStringLiteral("Type a server's URL first")),
             qPrintable(welcome->messageText()));
    url->setText(QStringLiteral("nats://127.0.0.1:99999"));
    QTest::mouseClick(go, Qt::LeftButton);
    QVERIFY2(welcome->messageText().startsWith(QStringLiteral("Not connecting")),
             qPrintable(welcome->messageText()));
    QVERIFY(window.isWelcomeShown());
    QTest::mouseClick(welcome->findChild<QPushButton*>(QStringLiteral("welcomeContext:broken")),
                      Qt::LeftButton);
    QVERIFY2(welcome->messageText().contains(QStringLiteral("broken")),
             qPrintable(welcome->messageText()));
    QVERIFY(window.isWelcomeShown());

    // A context: one click, and the console shows the connection.
    QTest::mouseClick(welcome->findChild<QPushButton*>(QStringLiteral("welcomeContext:dev")),
                      Qt::LeftButton);
    QVERIFY(!window.isWelcomeShown());
    QCOMPARE(window.currentPage(), MainWindow::Page::Connection);
    QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("context:dev")),
                              QStringLiteral("green"), 10000);
    window.disconnectFromServer();

    // A URL.
    window.showWelcome();
    url->setText(QStringLiteral("nats://alice:s3cret@127.0.0.1:%1").arg(m_server->port()));
    QTest::keyClick(url, Qt::Key_Return);
    QVERIFY(!window.isWelcomeShown());
    QTRY_VERIFY_WITH_TIMEOUT(
        window.connection() && window.connection()->state() == ConnectionState::Connected, 10000);

    // Or straight to the console.
    window.showWelcome();
    QTest::mouseClick(welcome->findChild<QPushButton*>(QStringLiteral("welcomeSkip")),
                      Qt::LeftButton);
    QVERIFY(!window.isWelcomeShown());
    // For the documentation: JETDECK_SCREENSHOT_DIR=docs ctest -R tst_connections
    QVERIFY2(url->text().isEmpty(), "the URL typed (with its password) stays after connecting");
    if (const QString dir = qEnvironmentVariable("JETDECK_SCREENSHOT_DIR"); !dir.isEmpty()) {
        window.disconnectFromServer();
        MainWindow fresh; // as a first start looks
        fresh.resize(1280, 760);
        fresh.show();
        fresh.connectionSidebar()->setContextDir(m_files.filePath(QStringLiteral("context")));
        fresh.showWelcome();
        QTest::qWait(300); // laid out before the picture
        QVERIFY(fresh.grab().save(dir + QStringLiteral("/console-welcome.png")));
    }
}

// "The window restores the connections that were open": a saved connection open at close is
// open again in the next window; one closed before is not; a URL with a password is never kept.
void TestConnections::reopensWhatWasOpen() {
    saveAliceAs(QStringLiteral("kept open"));
    {
        MainWindow window;
        window.show();
        ConnectionSidebar* sidebar = window.connectionSidebar();
        // Without a keyring the password is asked for when connecting.
        sidebar->setSecretPrompt(
            [](const QString&) { return std::optional<QString>(QStringLiteral("s3cret")); });
        sidebar->reload();
        QVERIFY(sidebar->connectTo(QStringLiteral("saved:kept open")));
        QTRY_COMPARE_WITH_TIMEOUT(sidebar->dotColor(QStringLiteral("saved:kept open")),
                                  QStringLiteral("green"), 10000);
        window.close(); // saves what is open
    }
    {
        MainWindow window;
        window.show();
        window.connectionSidebar()->setSecretPrompt(
            [](const QString&) { return std::optional<QString>(QStringLiteral("s3cret")); });
        QVERIFY2(window.restoreOpenConnection(), qPrintable(window.lastMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(
            window.connectionSidebar()->dotColor(QStringLiteral("saved:kept open")),
            QStringLiteral("green"), 10000);
        window.disconnectFromServer();
        window.close(); // nothing open now
    }
    {
        MainWindow window;
        // Nothing may be tried: a prompt would say so.
        window.connectionSidebar()->setSecretPrompt([](const QString& what) {
            qWarning("asked for %s", qPrintable(what));
            return std::optional<QString>();
        });
        QVERIFY(!window.restoreOpenConnection());
        // A URL with a password in it is not written down, so not reopened.
        window.show();
        QVERIFY(window.connectToUrls(
            QStringLiteral("nats://alice:s3cret@127.0.0.1:%1").arg(m_server->port())));
        QTRY_VERIFY_WITH_TIMEOUT(window.connection() &&
                                     window.connection()->state() == ConnectionState::Connected,
                                 10000);
        window.close();
    }
    QVERIFY(!QSettings().contains(QStringLiteral("connection/openAtExit")));
    {
        MainWindow window;
        QVERIFY(!window.restoreOpenConnection());
    }
    // A saved connection deleted since: said, not tried.
    QSettings().setValue(QStringLiteral("connection/openAtExit"), QStringLiteral("saved:gone"));
    MainWindow window;
    QVERIFY(!window.restoreOpenConnection());
    QVERIFY2(window.lastMessage().contains(QStringLiteral("gone since the last run")),
             qPrintable(window.lastMessage()));
    QSettings().remove(QStringLiteral("connection/openAtExit"));
}

QTEST_MAIN(TestConnections)
#include "tst_connections.moc"
