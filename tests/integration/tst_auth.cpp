// Authentication and TLS against real nats-server processes: user/password, token, NKeys,
// JWT .creds in operator mode, server TLS, hostname checks and mutual TLS.
#include "core/auth/creds.h"
#include "core/auth/jwt.h"
#include "core/auth/nkeys.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTcpServer>
#include <QTemporaryDir>

#include <algorithm>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

/// A failed connect must settle well before this, whatever went wrong.
constexpr qint64 kFailFastMs = 2500;

QString quoted(const QString& s) {
    return QLatin1Char('"') + s + QLatin1Char('"');
}

/// The current data tag as a file name part.
QString fileTag() {
    QString tag = QString::fromUtf8(QTest::currentDataTag());
    for (QChar& ch : tag)
        if (!ch.isLetterOrNumber())
            ch = QLatin1Char('-');
    return tag;
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

/// Every place a secret could leak to the user's screen or log: the returned status, the
/// connection's last error and its event history.
QStringList leaksOf(const Connection* c, const Status& s, const QStringList& secrets) {
    QStringList texts{s.toString(), QString::fromUtf8(s.serverText), c->lastError().toString(),
                      QString::fromUtf8(c->lastError().serverText)};
    const QList<ConnectionEvent> events = c->events();
    for (const ConnectionEvent& e : events)
        texts.append(e.message);
    QStringList found;
    for (const QString& secret : secrets)
        for (const QString& t : std::as_const(texts))
            if (!secret.isEmpty() && t.contains(secret))
                found.append(QStringLiteral("'%1' in \"%2\"").arg(secret, t));
    return found;
}

QString eventDump(const Connection* c) {
    QStringList lines;
    const QList<ConnectionEvent> events = c->events();
    for (const ConnectionEvent& e : events)
        lines.append(connectionEventKindName(e.kind) + QStringLiteral(": ") + e.message);
    return lines.join(QStringLiteral(" | "));
}

bool triedNetwork(const Connection* c) {
    const QList<ConnectionEvent> events = c->events();
    return std::any_of(events.cbegin(), events.cend(), [](const ConnectionEvent& e) {
        return e.message.startsWith(QStringLiteral("connecting to")) ||
               (e.kind == ConnectionEvent::Kind::State && e.state == ConnectionState::Connecting);
    });
}

/// Connects and expects a failure of `kind` whose message contains every needle
/// (case-insensitive), within kFailFastMs, ending DISCONNECTED, with lastError() and an
/// error event matching, and none of the secrets anywhere.
void expectConnectFailure(Connection* c, ErrorKind kind, const QStringList& needles,
                          const QStringList& secrets = {}) {
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(10000);
    const qint64 ms = t.elapsed();
    QVERIFY2(
        !s.ok(),
        qPrintable(QStringLiteral("connected, but it must fail with %1").arg(errorKindName(kind))));
    QVERIFY2(
        s.kind == kind,
        qPrintable(QStringLiteral("expected %1, got %2").arg(errorKindName(kind), s.toString())));
    QVERIFY2(ms < kFailFastMs,
             qPrintable(QStringLiteral("failure took %1 ms: %2").arg(ms).arg(s.toString())));
    for (const QString& n : needles)
        QVERIFY2(s.message.contains(n, Qt::CaseInsensitive),
                 qPrintable(QStringLiteral("'%1' not in \"%2\"").arg(n, s.message)));
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    const Error last = c->lastError();
    QCOMPARE(last.kind, kind);
    QCOMPARE(last.message, s.message);
    const QList<ConnectionEvent> events = c->events();
    QVERIFY2(std::any_of(events.cbegin(), events.cend(),
                         [&](const ConnectionEvent& e) {
                             return e.kind == ConnectionEvent::Kind::Error &&
                                    e.message.contains(s.message);
                         }),
             qPrintable(eventDump(c)));
    const QStringList leaks = leaksOf(c, s, secrets);
    QVERIFY2(leaks.isEmpty(), qPrintable(leaks.join(QStringLiteral("; "))));
}

/// Subscribe, publish, receive, flush: the connection really works.
void expectPubSubWorks(Connection* c, const QByteArray& subject) {
    auto sub = c->subscribe(subject);
    QVERIFY2(sub.ok(), qPrintable(sub.error().toString()));
    Status s = c->flushSync();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    s = c->publish(subject, "hello");
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    s = c->flushSync();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    auto m = sub.value()->next(2000);
    QVERIFY2(m.ok(), qPrintable(m.error().toString()));
    QCOMPARE(m->payload(), QByteArrayView("hello"));
    QCOMPARE(c->state(), ConnectionState::Connected);
}

void expectConnects(Connection* c, const QStringList& secrets = {}) {
    const Status s = c->connectSync(10000);
    QVERIFY2(s.ok(), qPrintable(s.toString() + QStringLiteral(" -- ") + eventDump(c)));
    QCOMPARE(c->state(), ConnectionState::Connected);
    QVERIFY(c->lastError().ok());
    const QStringList leaks = leaksOf(c, s, secrets);
    QVERIFY2(leaks.isEmpty(), qPrintable(leaks.join(QStringLiteral("; "))));
}

} // namespace

class TestAuth : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();

    void userPassword_data();
    void userPassword();
    void userPasswordRejected_data();
    void userPasswordRejected();
    void token_data();
    void token();
    void tokenRejected_data();
    void tokenRejected();

    void nkey_data();
    void nkey();
    void nkeyWrongSeed();
    void nkeyBadSeedFailsBeforeConnecting_data();
    void nkeyBadSeedFailsBeforeConnecting();
    void nkeyAgainstServerWithoutNonce();

    void credsFile();
    void credsInline();
    void credsSignedByUnknownAccount();
    void credsBadFileFailsBeforeConnecting_data();
    void credsBadFileFailsBeforeConnecting();
    void credsInlineBadSeedFailsBeforeConnecting_data();
    void credsInlineBadSeedFailsBeforeConnecting();
    void credsInlineJwtWithoutSeed();

    void tlsConnects_data();
    void tlsConnects();
    void tlsUntrusted_data();
    void tlsUntrusted();
    void tlsHostnameMismatch_data();
    void tlsHostnameMismatch();
    void tlsHostnameCheckOff();
    void mutualTls();
    void mutualTlsWithoutClientCert();
    void tlsToServerWithoutTls();
    void tlsBadLocalFilesFailBeforeConnecting_data();
    void tlsBadLocalFilesFailBeforeConnecting();
    void tlsClientKeyUnusable_data();
    void tlsClientKeyUnusable();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString url(const NatsServerProcess* s, const QString& scheme = QStringLiteral("nats"),
                const QString& host = QStringLiteral("127.0.0.1"),
                const QString& userInfo = {}) const {
        return QStringLiteral("%1://%2%3:%4")
            .arg(scheme, userInfo.isEmpty() ? QString() : userInfo + QLatin1Char('@'), host)
            .arg(s->port());
    }

    QTemporaryDir m_dir;
    TlsFiles m_tls;
    QString m_wrongNameCert, m_wrongNameKey;

    QString m_nkeySeedFile, m_otherSeedFile;
    QByteArray m_nkeySeed, m_otherSeed;

    QString m_credsFile;
    QByteArray m_userJwt, m_userSeed, m_accountSeed, m_strangerJwt, m_strangerSeed;

    std::unique_ptr<NatsServerProcess> m_plain, m_userPass, m_token, m_nkey, m_operator,
        m_tlsServer, m_tlsWrongName, m_mtls;
};

void TestAuth::initTestCase() {
    QVERIFY(m_dir.isValid());
    const Status tls = makeTlsFiles(m_dir.path(), &m_tls);
    QVERIFY2(tls.ok(), qPrintable(tls.toString()));

    // A server certificate from the same CA that names neither localhost nor 127.0.0.1.
    m_wrongNameCert = path(QStringLiteral("wrongname.pem"));
    m_wrongNameKey = path(QStringLiteral("wrongname.key"));
    QVERIFY(writeFile(path(QStringLiteral("wrongname.ext")),
                      "subjectAltName=DNS:nats.invalid\nextendedKeyUsage=serverAuth\n"));
    QByteArray log;
    QVERIFY2(run(QStringLiteral("openssl"),
                 {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                  QStringLiteral("-nodes"), QStringLiteral("-subj"),
                  QStringLiteral("/CN=nats.invalid"), QStringLiteral("-keyout"), m_wrongNameKey,
                  QStringLiteral("-out"), path(QStringLiteral("wrongname.csr"))},
                 &log) == 0,
             log.constData());
    QVERIFY2(run(QStringLiteral("openssl"),
                 {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                  path(QStringLiteral("wrongname.csr")), QStringLiteral("-CA"), m_tls.ca,
                  QStringLiteral("-CAkey"), path(QStringLiteral("ca.key")),
                  QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
                  QStringLiteral("-extfile"), path(QStringLiteral("wrongname.ext")),
                  QStringLiteral("-out"), m_wrongNameCert},
                 &log) == 0,
             log.constData());

    // NKey users.
    const nkeys::KeyPair nkeyUser = nkeys::KeyPair::generate(nkeys::KeyType::User);
    const nkeys::KeyPair otherUser = nkeys::KeyPair::generate(nkeys::KeyType::User);
    m_nkeySeed = nkeyUser.seed();
    m_otherSeed = otherUser.seed();
    m_nkeySeedFile = path(QStringLiteral("user.nk"));
    m_otherSeedFile = path(QStringLiteral("other.nk"));
    QVERIFY(writeFile(m_nkeySeedFile, m_nkeySeed + '\n'));
    QVERIFY(writeFile(m_otherSeedFile, m_otherSeed + '\n'));

    // Operator mode: operator, system account, an application account with JetStream, a
    // user, and a stranger signed by an account the server has never heard of.
    const nkeys::KeyPair op = nkeys::KeyPair::generate(nkeys::KeyType::Operator);
    const nkeys::KeyPair sys = nkeys::KeyPair::generate(nkeys::KeyType::Account);
    const nkeys::KeyPair acc = nkeys::KeyPair::generate(nkeys::KeyType::Account);
    const nkeys::KeyPair rogueAcc = nkeys::KeyPair::generate(nkeys::KeyType::Account);
    const nkeys::KeyPair user = nkeys::KeyPair::generate(nkeys::KeyType::User);
    const nkeys::KeyPair stranger = nkeys::KeyPair::generate(nkeys::KeyType::User);
    auto opJwt = jwt::createOperator(op, QStringLiteral("jetdeck-test-op"), sys.publicKey());
    auto sysJwt = jwt::createAccount(op, sys.publicKey(), QStringLiteral("SYS"), false);
    auto accJwt = jwt::createAccount(op, acc.publicKey(), QStringLiteral("APP"), true);
    auto userJwt = jwt::createUser(acc, user.publicKey(), QStringLiteral("alice"));
    auto strangerJwt = jwt::createUser(rogueAcc, stranger.publicKey(), QStringLiteral("mallory"));
    QVERIFY2(opJwt.ok(), qPrintable(opJwt.error().toString()));
    QVERIFY2(sysJwt.ok(), qPrintable(sysJwt.error().toString()));
    QVERIFY2(accJwt.ok(), qPrintable(accJwt.error().toString()));
    QVERIFY2(userJwt.ok(), qPrintable(userJwt.error().toString()));
    QVERIFY2(strangerJwt.ok(), qPrintable(strangerJwt.error().toString()));
    m_userJwt = userJwt.value();
    m_userSeed = user.seed();
    m_accountSeed = acc.seed();
    m_strangerJwt = strangerJwt.value();
    m_strangerSeed = stranger.seed();
    const QString opPath = path(QStringLiteral("op.jwt"));
    QVERIFY(writeFile(opPath, opJwt.value()));
    m_credsFile = path(QStringLiteral("alice.creds"));
    QVERIFY(writeFile(m_credsFile, jwt::formatCreds(m_userJwt, m_userSeed)));

    NatsServerConfig plain;
    JETDECK_START_SERVER(plainServer, plain);

    NatsServerConfig up;
    up.extraConfig = QStringLiteral("authorization { user: alice, password: s3cret }\n");
    JETDECK_START_SERVER(userPassServer, up);

    NatsServerConfig tok;
    tok.extraConfig = QStringLiteral("authorization { token: \"t0k3n\" }\n");
    JETDECK_START_SERVER(tokenServer, tok);

    NatsServerConfig nk;
    nk.extraConfig = QStringLiteral("authorization { users = [ { nkey: %1 } ] }\n")
                         .arg(QString::fromLatin1(nkeyUser.publicKey()));
    JETDECK_START_SERVER(nkeyServer, nk);

    NatsServerConfig opCfg;
    opCfg.jetstream = true;
    opCfg.extraConfig =
        QStringLiteral("operator: %1\n"
                       "system_account: %2\n"
                       "resolver: MEMORY\n"
                       "resolver_preload: {\n"
                       "  %2: %3\n"
                       "  %4: %5\n"
                       "}\n")
            .arg(quoted(opPath), QString::fromLatin1(sys.publicKey()),
                 QString::fromLatin1(sysJwt.value()), QString::fromLatin1(acc.publicKey()),
                 QString::fromLatin1(accJwt.value()));
    JETDECK_START_SERVER(operatorServer, opCfg);

    NatsServerConfig tlsCfg;
    tlsCfg.extraConfig = QStringLiteral("tls { cert_file: %1, key_file: %2, timeout: 2 }\n")
                             .arg(quoted(m_tls.serverCert), quoted(m_tls.serverKey));
    JETDECK_START_SERVER(tlsServer, tlsCfg);

    NatsServerConfig wrongCfg;
    wrongCfg.extraConfig = QStringLiteral("tls { cert_file: %1, key_file: %2, timeout: 2 }\n")
                               .arg(quoted(m_wrongNameCert), quoted(m_wrongNameKey));
    JETDECK_START_SERVER(wrongNameServer, wrongCfg);

    NatsServerConfig mtlsCfg;
    mtlsCfg.extraConfig =
        QStringLiteral(
            "tls { cert_file: %1, key_file: %2, ca_file: %3, verify: true, timeout: 2 }\n")
            .arg(quoted(m_tls.serverCert), quoted(m_tls.serverKey), quoted(m_tls.ca));
    JETDECK_START_SERVER(mtlsServer, mtlsCfg);

    m_plain = std::move(plainServer);
    m_userPass = std::move(userPassServer);
    m_token = std::move(tokenServer);
    m_nkey = std::move(nkeyServer);
    m_operator = std::move(operatorServer);
    m_tlsServer = std::move(tlsServer);
    m_tlsWrongName = std::move(wrongNameServer);
    m_mtls = std::move(mtlsServer);
}

void TestAuth::cleanupTestCase() {
    m_plain.reset();
    m_userPass.reset();
    m_token.reset();
    m_nkey.reset();
    m_operator.reset();
    m_tlsServer.reset();
    m_tlsWrongName.reset();
    m_mtls.reset();
}

// --- user / password -----------------------------------------------------------------------

void TestAuth::userPassword_data() {
    QTest::addColumn<QString>("userInfo"); // in the URL
    QTest::addColumn<QString>("user");     // in Options::auth
    QTest::addColumn<QString>("password");
    QTest::newRow("options") << QString() << QStringLiteral("alice") << QStringLiteral("s3cret");
    QTest::newRow("url") << QStringLiteral("alice:s3cret") << QString() << QString();
    QTest::newRow("url wins over options")
        << QStringLiteral("alice:s3cret") << QStringLiteral("bob") << QStringLiteral("nope");
    QTest::newRow("percent-escaped url")
        << QStringLiteral("%61lice:s3%63ret") << QString() << QString();
}

void TestAuth::userPassword() {
    QFETCH(QString, userInfo);
    QFETCH(QString, user);
    QFETCH(QString, password);
    Options o = optionsFor(
        url(m_userPass.get(), QStringLiteral("nats"), QStringLiteral("127.0.0.1"), userInfo));
    o.auth.user = user;
    o.auth.password = password;
    ConnectionThread c(o);
    expectConnects(c.connection(), {QStringLiteral("s3cret"), QStringLiteral("s3%63ret")});
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.userpass");
}

void TestAuth::userPasswordRejected_data() {
    QTest::addColumn<QString>("userInfo");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::newRow("wrong password, options")
        << QString() << QStringLiteral("alice") << QStringLiteral("hunter2-wrong");
    QTest::newRow("wrong password, url")
        << QStringLiteral("alice:hunter2-wrong") << QString() << QString();
    QTest::newRow("wrong url wins over right options")
        << QStringLiteral("alice:hunter2-wrong") << QStringLiteral("alice")
        << QStringLiteral("s3cret");
    QTest::newRow("unknown user") << QString() << QStringLiteral("mallory")
                                  << QStringLiteral("s3cret");
    QTest::newRow("no credentials") << QString() << QString() << QString();
}

void TestAuth::userPasswordRejected() {
    QFETCH(QString, userInfo);
    QFETCH(QString, user);
    QFETCH(QString, password);
    Options o = optionsFor(
        url(m_userPass.get(), QStringLiteral("nats"), QStringLiteral("127.0.0.1"), userInfo));
    o.auth.user = user;
    o.auth.password = password;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Authorization,
                         {QStringLiteral("refused the credentials")},
                         {QStringLiteral("s3cret"), QStringLiteral("hunter2-wrong")});
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(c->publish("auth.nope", "x").kind, ErrorKind::NotConnected);
}

// --- token ---------------------------------------------------------------------------------

void TestAuth::token_data() {
    QTest::addColumn<QString>("userInfo");
    QTest::addColumn<QString>("token");
    QTest::newRow("options") << QString() << QStringLiteral("t0k3n");
    QTest::newRow("url") << QStringLiteral("t0k3n") << QString();
    QTest::newRow("url wins over options") << QStringLiteral("t0k3n") << QStringLiteral("bad");
}

void TestAuth::token() {
    QFETCH(QString, userInfo);
    QFETCH(QString, token);
    Options o = optionsFor(
        url(m_token.get(), QStringLiteral("nats"), QStringLiteral("127.0.0.1"), userInfo));
    o.auth.token = token;
    ConnectionThread c(o);
    expectConnects(c.connection(), {QStringLiteral("t0k3n")});
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.token");
}

void TestAuth::tokenRejected_data() {
    QTest::addColumn<QString>("userInfo");
    QTest::addColumn<QString>("token");
    QTest::newRow("options") << QString() << QStringLiteral("wr0ng-t0k3n");
    QTest::newRow("url") << QStringLiteral("wr0ng-t0k3n") << QString();
    QTest::newRow("none") << QString() << QString();
}

void TestAuth::tokenRejected() {
    QFETCH(QString, userInfo);
    QFETCH(QString, token);
    Options o = optionsFor(
        url(m_token.get(), QStringLiteral("nats"), QStringLiteral("127.0.0.1"), userInfo));
    o.auth.token = token;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Authorization,
                         {QStringLiteral("refused the credentials")},
                         {QStringLiteral("t0k3n"), QStringLiteral("wr0ng-t0k3n")});
}

// --- NKeys ---------------------------------------------------------------------------------

void TestAuth::nkey_data() {
    QTest::addColumn<bool>("fromFile");
    QTest::newRow("seed file") << true;
    QTest::newRow("inline seed") << false;
}

void TestAuth::nkey() {
    QFETCH(bool, fromFile);
    Options o = optionsFor(m_nkey->url());
    if (fromFile)
        o.auth.nkeySeedFile = m_nkeySeedFile;
    else
        o.auth.nkeySeed = m_nkeySeed;
    ConnectionThread c(o);
    expectConnects(c.connection(), {QString::fromLatin1(m_nkeySeed)});
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.nkey");
}

void TestAuth::nkeyWrongSeed() {
    Options o = optionsFor(m_nkey->url());
    o.auth.nkeySeedFile = m_otherSeedFile;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Authorization,
                         {QStringLiteral("refused the credentials")},
                         {QString::fromLatin1(m_otherSeed), QString::fromLatin1(m_nkeySeed)});
}

void TestAuth::nkeyBadSeedFailsBeforeConnecting_data() {
    QTest::addColumn<QByteArray>("contents"); // empty: no file at all
    QTest::addColumn<QString>("needle");
    QTest::newRow("missing file") << QByteArray() << QStringLiteral("does not exist");
    QTest::newRow("garbage") << QByteArray("this is not a seed\nnor is this\n")
                             << QStringLiteral("no seed found");
    QByteArray corrupt = m_otherSeed;
    corrupt[20] = corrupt[20] == 'A' ? 'B' : 'A'; // breaks the checksum
    QTest::newRow("bad checksum") << corrupt + '\n' << QStringLiteral("no valid seed");
}

void TestAuth::nkeyBadSeedFailsBeforeConnecting() {
    QFETCH(QByteArray, contents);
    QFETCH(QString, needle);
    const QString file = path(QStringLiteral("bad-%1.nk").arg(fileTag()));
    QFile::remove(file);
    if (!contents.isEmpty())
        QVERIFY(writeFile(file, contents));

    // Aim at a listener that is not a NATS server: no connection may reach it.
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    Options o = optionsFor(QStringLiteral("nats://127.0.0.1:%1").arg(listener.serverPort()));
    o.auth.nkeySeedFile = file;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Credentials, {file, needle},
                         {QString::fromLatin1(contents.trimmed())});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!triedNetwork(c.connection()), qPrintable(eventDump(c.connection())));
    QVERIFY(!listener.waitForNewConnection(100));
}

void TestAuth::nkeyAgainstServerWithoutNonce() {
    // A server with no NKey users sends no nonce: say so instead of sending a bogus CONNECT.
    Options o = optionsFor(m_plain->url());
    o.auth.nkeySeedFile = m_nkeySeedFile;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Authorization,
                         {QStringLiteral("no nonce"), QStringLiteral("not configured for NKey")},
                         {QString::fromLatin1(m_nkeySeed)});
}

// --- JWT / .creds in operator mode ---------------------------------------------------------

void TestAuth::credsFile() {
    Options o = optionsFor(m_operator->url());
    o.auth.credsFile = m_credsFile;
    ConnectionThread c(o);
    ConnectionThread responder(o);
    expectConnects(c.connection(), {QString::fromLatin1(m_userSeed)});
    if (QTest::currentTestFailed())
        return;
    expectConnects(responder.connection());
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.creds");
    if (QTest::currentTestFailed())
        return;

    Connection* srv = responder.connection();
    auto echo = srv->subscribeInline("auth.creds.echo", [srv](const MsgView& m) {
        srv->publish(m.reply, QByteArray("re:" + m.payload.toByteArray()));
    });
    QVERIFY(echo.ok());
    VERIFY_OK(responder->flushSync());
    auto r = c->requestSync("auth.creds.echo", "ping", 2000);
    QVERIFY2(r.ok(), qPrintable(r.error().toString()));
    QCOMPARE(r->payload(), QByteArrayView("re:ping"));

    // The account JWT enables JetStream: the account info request succeeds.
    QVERIFY(c->serverInfo().jetstream);
    auto info = c->requestSync("$JS.API.INFO", "", 2000);
    QVERIFY2(info.ok(), qPrintable(info.error().toString()));
    const QByteArray body = info->payload().toByteArray();
    QVERIFY2(body.contains("account_info_response") && !body.contains("\"error\""),
             body.constData());
}

void TestAuth::credsInline() {
    Options o = optionsFor(m_operator->url());
    o.auth.userJwt = m_userJwt;
    o.auth.nkeySeed = m_userSeed;
    ConnectionThread c(o);
    expectConnects(c.connection(), {QString::fromLatin1(m_userSeed)});
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.inline");
}

void TestAuth::credsSignedByUnknownAccount() {
    const QString file = path(QStringLiteral("stranger.creds"));
    QVERIFY(writeFile(file, jwt::formatCreds(m_strangerJwt, m_strangerSeed)));
    Options o = optionsFor(m_operator->url());
    o.auth.credsFile = file;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Authorization,
                         {QStringLiteral("refused the credentials")},
                         {QString::fromLatin1(m_strangerSeed)});
    if (QTest::currentTestFailed())
        return;

    // The same user JWT given inline fails the same way.
    Options inl = optionsFor(m_operator->url());
    inl.auth.userJwt = m_strangerJwt;
    inl.auth.nkeySeed = m_strangerSeed;
    ConnectionThread c2(inl);
    expectConnectFailure(c2.connection(), ErrorKind::Authorization,
                         {QStringLiteral("refused the credentials")},
                         {QString::fromLatin1(m_strangerSeed)});
    if (QTest::currentTestFailed())
        return;

    // A good JWT with somebody else's seed: the nonce signature does not match the JWT.
    Options mixed = optionsFor(m_operator->url());
    mixed.auth.userJwt = m_userJwt;
    mixed.auth.nkeySeed = m_strangerSeed;
    ConnectionThread c3(mixed);
    expectConnectFailure(c3.connection(), ErrorKind::Authorization,
                         {QStringLiteral("refused the credentials")},
                         {QString::fromLatin1(m_strangerSeed)});
}

void TestAuth::credsBadFileFailsBeforeConnecting_data() {
    QTest::addColumn<int>("what"); // 0 missing, 1 directory, 2 contents below
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("needle");
    QTest::newRow("missing") << 0 << QByteArray() << QStringLiteral("does not exist");
    QTest::newRow("directory (unreadable)")
        << 1 << QByteArray() << QStringLiteral("cannot read credentials file");
    QTest::newRow("garbage") << 2 << QByteArray("hello world\n")
                             << QStringLiteral("no user JWT found");
    QTest::newRow("jwt without seed") << 2 << m_userJwt << QStringLiteral("no seed found");
    QTest::newRow("malformed jwt")
        << 2 << jwt::formatCreds("not-a.jwt!", m_userSeed) << QStringLiteral("malformed user JWT");
    QTest::newRow("account seed instead of user seed")
        << 2 << jwt::formatCreds(m_userJwt, m_accountSeed) << QStringLiteral("not a user seed");
    QTest::newRow("truncated seed")
        << 2 << jwt::formatCreds(m_userJwt, m_userSeed.left(40)) << QStringLiteral("invalid seed");
}

void TestAuth::credsBadFileFailsBeforeConnecting() {
    QFETCH(int, what);
    QFETCH(QByteArray, contents);
    QFETCH(QString, needle);
    QString file = path(QStringLiteral("bad-%1.creds").arg(fileTag()));
    if (what == 1)
        QVERIFY(QDir(m_dir.path()).mkpath(file));
    else if (what == 2)
        QVERIFY(writeFile(file, contents));

    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    Options o = optionsFor(QStringLiteral("nats://127.0.0.1:%1").arg(listener.serverPort()));
    o.auth.credsFile = file;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Credentials, {file, needle},
                         {QString::fromLatin1(m_userSeed), QString::fromLatin1(m_accountSeed),
                          QString::fromLatin1(m_userSeed.left(40))});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!triedNetwork(c.connection()), qPrintable(eventDump(c.connection())));
    QVERIFY(!listener.waitForNewConnection(100));
}

void TestAuth::credsInlineBadSeedFailsBeforeConnecting_data() {
    QTest::addColumn<QByteArray>("seed");
    QTest::addColumn<QString>("needle");
    QTest::newRow("garbage seed") << QByteArray("garbage") << QStringLiteral("not a seed");
    QTest::newRow("truncated seed") << m_userSeed.left(40) << QStringLiteral("wrong length");
}

void TestAuth::credsInlineBadSeedFailsBeforeConnecting() {
    QFETCH(QByteArray, seed);
    QFETCH(QString, needle);
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    Options o = optionsFor(QStringLiteral("nats://127.0.0.1:%1").arg(listener.serverPort()));
    o.auth.userJwt = m_userJwt;
    o.auth.nkeySeed = seed;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Credentials, {needle},
                         {QString::fromLatin1(m_userSeed.left(40))});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!triedNetwork(c.connection()), qPrintable(eventDump(c.connection())));
    QVERIFY(!listener.waitForNewConnection(100));
}

void TestAuth::credsInlineJwtWithoutSeed() {
    // A user JWT alone cannot answer the server's nonce: that is a local mistake.
    Options o = optionsFor(m_operator->url());
    o.auth.userJwt = m_userJwt;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Credentials, {QStringLiteral("seed")});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!triedNetwork(c.connection()), qPrintable(eventDump(c.connection())));
}

// --- TLS -----------------------------------------------------------------------------------

void TestAuth::tlsConnects_data() {
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("ca");
    QTest::addColumn<bool>("insecure");
    QTest::newRow("tls://localhost, CA")
        << QStringLiteral("tls") << QStringLiteral("localhost") << m_tls.ca << false;
    QTest::newRow("tls://127.0.0.1, CA (IP SAN)")
        << QStringLiteral("tls") << QStringLiteral("127.0.0.1") << m_tls.ca << false;
    QTest::newRow("nats://127.0.0.1, CA")
        << QStringLiteral("nats") << QStringLiteral("127.0.0.1") << m_tls.ca << false;
    QTest::newRow("nats://, no files, upgrade from INFO, insecure")
        << QStringLiteral("nats") << QStringLiteral("127.0.0.1") << QString() << true;
    QTest::newRow("insecure accepts an untrusted CA")
        << QStringLiteral("tls") << QStringLiteral("localhost") << m_tls.otherCa << true;
}

void TestAuth::tlsConnects() {
    QFETCH(QString, scheme);
    QFETCH(QString, host);
    QFETCH(QString, ca);
    QFETCH(bool, insecure);
    Options o = optionsFor(url(m_tlsServer.get(), scheme, host));
    o.tls.caFile = ca;
    o.tls.insecureSkipVerify = insecure;
    ConnectionThread c(o);
    expectConnects(c.connection());
    if (QTest::currentTestFailed())
        return;
    QVERIFY(c->serverInfo().tlsRequired);
    expectPubSubWorks(c.connection(), "auth.tls");
}

void TestAuth::tlsUntrusted_data() {
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("ca");
    QTest::addColumn<bool>("verifyHostname");
    QTest::addColumn<bool>("suggestsTlsCa");
    QTest::newRow("unrelated CA") << QStringLiteral("tls") << m_tls.otherCa << true << false;
    QTest::newRow("unrelated CA, hostname check off")
        << QStringLiteral("tls") << m_tls.otherCa << false << false;
    QTest::newRow("no CA, tls://") << QStringLiteral("tls") << QString() << true << true;
    QTest::newRow("no CA, nats:// upgraded by INFO")
        << QStringLiteral("nats") << QString() << true << true;
}

void TestAuth::tlsUntrusted() {
    QFETCH(QString, scheme);
    QFETCH(QString, ca);
    QFETCH(bool, verifyHostname);
    QFETCH(bool, suggestsTlsCa);
    Options o = optionsFor(url(m_tlsServer.get(), scheme, QStringLiteral("localhost")));
    o.tls.caFile = ca;
    o.tls.verifyHostname = verifyHostname;
    ConnectionThread c(o);
    QStringList needles{QStringLiteral("TLS handshake"),
                        QStringLiteral("localhost:%1").arg(m_tlsServer->port()),
                        QStringLiteral("certificate")};
    expectConnectFailure(c.connection(), ErrorKind::Tls, needles);
    if (QTest::currentTestFailed())
        return;
    const QString msg = c->lastError().message;
    // Qt/OpenSSL phrasing for an unknown issuer; either way the user must learn that the
    // certificate is not trusted.
    QVERIFY2(msg.contains(QStringLiteral("issuer"), Qt::CaseInsensitive) ||
                 msg.contains(QStringLiteral("trusted"), Qt::CaseInsensitive),
             qPrintable(msg));
    QCOMPARE(msg.contains(QStringLiteral("--tlsca")), suggestsTlsCa);
    QVERIFY2(msg.contains(QStringLiteral("not trusted")), qPrintable(msg));
}

void TestAuth::tlsHostnameMismatch_data() {
    QTest::addColumn<QString>("host");
    QTest::newRow("localhost") << QStringLiteral("localhost");
    QTest::newRow("127.0.0.1") << QStringLiteral("127.0.0.1");
}

void TestAuth::tlsHostnameMismatch() {
    // The server's certificate is signed by our CA but names only nats.invalid.
    QFETCH(QString, host);
    Options o = optionsFor(url(m_tlsWrongName.get(), QStringLiteral("tls"), host));
    o.tls.caFile = m_tls.ca;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Tls,
                         {QStringLiteral("TLS handshake"),
                          QStringLiteral("%1:%2").arg(host).arg(m_tlsWrongName->port()),
                          QStringLiteral("host name")});
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!c->lastError().message.contains(QStringLiteral("--tlsca")));
}

void TestAuth::tlsHostnameCheckOff() {
    Options o = optionsFor(url(m_tlsWrongName.get(), QStringLiteral("tls")));
    o.tls.caFile = m_tls.ca;
    o.tls.verifyHostname = false;
    ConnectionThread c(o);
    expectConnects(c.connection());
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.tls.noname");
}

void TestAuth::mutualTls() {
    Options o = optionsFor(url(m_mtls.get(), QStringLiteral("tls"), QStringLiteral("localhost")));
    o.tls.caFile = m_tls.ca;
    o.tls.certFile = m_tls.clientCert;
    o.tls.keyFile = m_tls.clientKey;
    ConnectionThread c(o);
    expectConnects(c.connection());
    if (QTest::currentTestFailed())
        return;
    expectPubSubWorks(c.connection(), "auth.mtls");
}

void TestAuth::mutualTlsWithoutClientCert() {
    Options o = optionsFor(url(m_mtls.get(), QStringLiteral("tls"), QStringLiteral("localhost")));
    o.tls.caFile = m_tls.ca;
    ConnectionThread c(o);
    QElapsedTimer t;
    t.start();
    const Status s = c->connectSync(10000);
    QVERIFY2(!s.ok(), "connected without the client certificate the server requires");
    QVERIFY2(t.elapsed() < kFailFastMs, qPrintable(s.toString()));
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    QCOMPARE(c->lastError().message, s.message);
    QVERIFY2(s.message.contains(QStringLiteral("localhost:%1").arg(m_mtls->port())),
             qPrintable(s.message));
    QVERIFY2(s.message.contains(QStringLiteral("certificate")), qPrintable(s.message));
    // With TLS 1.3 the server checks the client certificate after the client has finished
    // its side of the handshake, so the refusal arrives as an alert on the first read.
    QCOMPARE(s.kind, ErrorKind::Tls);
    QVERIFY2(s.message.contains(QStringLiteral("client certificate")) &&
                 s.message.contains(QStringLiteral("--tlscert")),
             qPrintable(s.message));
}

void TestAuth::tlsToServerWithoutTls() {
    Options o = optionsFor(url(m_plain.get(), QStringLiteral("tls"), QStringLiteral("localhost")));
    o.tls.caFile = m_tls.ca;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Tls,
                         {QStringLiteral("does not offer TLS"),
                          QStringLiteral("localhost:%1").arg(m_plain->port())});
}

void TestAuth::tlsBadLocalFilesFailBeforeConnecting_data() {
    QTest::addColumn<QString>("ca");
    QTest::addColumn<QString>("cert");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("needle");
    const QString missing = path(QStringLiteral("no-such-ca.pem"));
    QTest::newRow("CA file missing") << missing << QString() << QString() << missing;
    QTest::newRow("CA file not PEM") << m_credsFile << QString() << QString() << m_credsFile;
    QTest::newRow("cert without key")
        << m_tls.ca << m_tls.clientCert << QString() << QStringLiteral("key file");
    QTest::newRow("key without cert")
        << m_tls.ca << QString() << m_tls.clientKey << QStringLiteral("certificate file");
    const QString noCert = path(QStringLiteral("no-such-client.pem"));
    QTest::newRow("cert file missing") << m_tls.ca << noCert << m_tls.clientKey << noCert;
}

void TestAuth::tlsBadLocalFilesFailBeforeConnecting() {
    QFETCH(QString, ca);
    QFETCH(QString, cert);
    QFETCH(QString, key);
    QFETCH(QString, needle);
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    Options o = optionsFor(QStringLiteral("tls://127.0.0.1:%1").arg(listener.serverPort()));
    o.tls.caFile = ca;
    o.tls.certFile = cert;
    o.tls.keyFile = key;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Tls, {needle});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!triedNetwork(c.connection()), qPrintable(eventDump(c.connection())));
    QVERIFY(!listener.waitForNewConnection(100));
}

void TestAuth::tlsClientKeyUnusable_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("needle");
    const QString noKey = path(QStringLiteral("no-such-client.key"));
    QTest::newRow("key file missing") << noKey << noKey;
    QTest::newRow("not a key") << m_tls.ca << m_tls.ca;
}

void TestAuth::tlsClientKeyUnusable() {
    // A client key that cannot be used is a local problem like a missing CA file: it must be
    // reported as such, naming the file, before any connection is made.
    QFETCH(QString, key);
    QFETCH(QString, needle);
    Options o = optionsFor(url(m_mtls.get(), QStringLiteral("tls"), QStringLiteral("localhost")));
    o.tls.caFile = m_tls.ca;
    o.tls.certFile = m_tls.clientCert;
    o.tls.keyFile = key;
    ConnectionThread c(o);
    expectConnectFailure(c.connection(), ErrorKind::Tls, {needle});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!triedNetwork(c.connection()), qPrintable(eventDump(c.connection())));
}

QTEST_GUILESS_MAIN(TestAuth)
#include "tst_auth.moc"
