#include "core/client/connectoptions.h"
#include "core/client/natscontext.h"
#include "core/jetstream/jetstream.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace jetdeck;

namespace {

// An environment built from "NAME=value" strings, so no test depends on the real one.
QProcessEnvironment makeEnv(const QStringList& vars) {
    QProcessEnvironment env;
    for (const QString& v : vars) {
        const qsizetype eq = v.indexOf(QLatin1Char('='));
        env.insert(v.left(eq), v.mid(eq + 1));
    }
    return env;
}

bool writeFile(const QString& path, const QByteArray& data) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(data) == data.size();
}

const QString kHome = QStringLiteral("/home/tester");

} // namespace

class TestNatsContext : public QObject {
    Q_OBJECT

private slots:
    void init();

    void configDirs_data();
    void configDirs();
    void listContexts();
    void listMissingDir();
    void selectedContext();
    void loadEveryField();
    void loadCaseInsensitiveKeysAndUnknownKeys();
    void loadMissing();
    void badNames_data();
    void badNames();
    void malformedJson_data();
    void malformedJson();
    void environment();
    void environmentEmptyIsUnset();
    void merge();
    void precedence_data();
    void precedence();
    void resolveFromJsonPath();
    void resolveSelectedMissing();
    void resolveBadTimeout();
    void resolveTimeout();
    void credentialPath_data();
    void credentialPath();
    void unsupportedScheme_data();
    void unsupportedScheme();
    void credentialPathEmpty();
    void serverUrls();
    void optionsUseEverySetting();
    void optionsRefuseWhatJetDeckCannotDo_data();
    void optionsRefuseWhatJetDeckCannotDo();
    void ignoreDiscoveredMustBeBoolean();
    void duration_data();
    void duration();

private:
    QString contextDir() const { return m_root->path() + QStringLiteral("/nats/context"); }
    QString configDir() const { return m_root->path() + QStringLiteral("/nats"); }
    void writeContext(const QString& name, const QByteArray& json) {
        QVERIFY(writeFile(contextDir() + QLatin1Char('/') + name + QStringLiteral(".json"), json));
    }

    std::unique_ptr<QTemporaryDir> m_root;
};

void TestNatsContext::init() {
    m_root = std::make_unique<QTemporaryDir>();
    QVERIFY(m_root->isValid());
}

void TestNatsContext::configDirs_data() {
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QString>("expected");
    QTest::newRow("xdg") << QStringList{QStringLiteral("XDG_CONFIG_HOME=/xdg"),
                                        QStringLiteral("HOME=/home/tester")}
                         << QStringLiteral("/xdg/nats");
    QTest::newRow("home") << QStringList{QStringLiteral("HOME=/home/tester")}
                          << QStringLiteral("/home/tester/.config/nats");
    QTest::newRow("empty xdg falls back")
        << QStringList{QStringLiteral("XDG_CONFIG_HOME="), QStringLiteral("HOME=/home/tester")}
        << QStringLiteral("/home/tester/.config/nats");
}

void TestNatsContext::configDirs() {
    QFETCH(QStringList, env);
    QFETCH(QString, expected);
    QCOMPARE(natsConfigDir(makeEnv(env)), expected);
    QCOMPARE(natsContextDir(makeEnv(env)), expected + QStringLiteral("/context"));
}

void TestNatsContext::listContexts() {
    writeContext(QStringLiteral("prod"), "{}");
    writeContext(QStringLiteral("dev"), "{\"url\":\"nats://dev\"}");
    writeContext(QStringLiteral("ngs.js"), "{}");
    writeContext(QStringLiteral("empty"), "");
    QVERIFY(writeFile(contextDir() + QStringLiteral("/notes.txt"), "x"));
    QVERIFY(writeFile(contextDir() + QStringLiteral("/bad\nname.json"), "{}"));
    QVERIFY(QDir().mkpath(contextDir() + QStringLiteral("/adir.json")));

    const QStringList expected{QStringLiteral("dev"), QStringLiteral("ngs.js"),
                               QStringLiteral("prod")};
    QCOMPARE(listNatsContexts(contextDir()), expected);
}

void TestNatsContext::listMissingDir() {
    QVERIFY(listNatsContexts(m_root->path() + QStringLiteral("/nope")).isEmpty());
}

void TestNatsContext::selectedContext() {
    QCOMPARE(selectedNatsContext(configDir()), QString());
    QVERIFY(writeFile(configDir() + QStringLiteral("/context.txt"), "  ngs.js \n"));
    QCOMPARE(selectedNatsContext(configDir()), QStringLiteral("ngs.js"));
}

void TestNatsContext::loadEveryField() {
    writeContext(QStringLiteral("full"), R"({
  "description": "Full context",
  "url": "nats://a:4222,nats://b:4222",
  "socks_proxy": "socks5://proxy:1080",
  "token": "tok",
  "user": "alice",
  "password": "secret",
  "creds": "~/creds/alice.creds",
  "nkey": "$KEYS/alice.nk",
  "cert": "${CERTS}/client.pem",
  "key": "file://~/client-key.pem",
  "ca": "$UNSET_VAR/ca.pem",
  "nsc": "nsc://op/acct/alice",
  "jetstream_domain": "hub",
  "jetstream_api_prefix": "$JS.hub.API",
  "jetstream_event_prefix": "$JS.hub.EVENT",
  "inbox_prefix": "_INBOX_alice",
  "user_jwt": "eyJ0eXAiOiJKV1QifQ",
  "user_seed": "SUAEXAMPLE",
  "color_scheme": "dark",
  "tls_first": true,
  "windows_cert_store": "user"
})");
    const QProcessEnvironment env =
        makeEnv({QStringLiteral("HOME=/home/tester"), QStringLiteral("KEYS=/keys"),
                 QStringLiteral("CERTS=/certs")});
    const Result<NatsContext> r = loadNatsContext(QStringLiteral("full"), contextDir(), env);
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    const NatsContext& c = r.value();
    QCOMPARE(c.name, QStringLiteral("full"));
    QCOMPARE(c.sourcePath, contextDir() + QStringLiteral("/full.json"));
    QCOMPARE(c.description, QStringLiteral("Full context"));
    QCOMPARE(c.url, QStringLiteral("nats://a:4222,nats://b:4222"));
    QCOMPARE(c.socksProxy, QStringLiteral("socks5://proxy:1080"));
    QCOMPARE(c.token, QStringLiteral("tok"));
    QCOMPARE(c.user, QStringLiteral("alice"));
    QCOMPARE(c.password, QStringLiteral("secret"));
    QCOMPARE(c.creds, QStringLiteral("/home/tester/creds/alice.creds"));
    QCOMPARE(c.nkey, QStringLiteral("/keys/alice.nk"));
    QCOMPARE(c.cert, QStringLiteral("/certs/client.pem"));
    // A file:// value keeps its ~ until resolveCredentialPath(), as in natscli.
    QCOMPARE(c.key, QStringLiteral("file://~/client-key.pem"));
    QCOMPARE(c.ca, QStringLiteral("/ca.pem"));
    QCOMPARE(c.nsc, QStringLiteral("nsc://op/acct/alice"));
    QCOMPARE(c.jetstreamDomain, QStringLiteral("hub"));
    // Only path fields are expanded: "$JS" is not a variable reference here.
    QCOMPARE(c.jetstreamApiPrefix, QStringLiteral("$JS.hub.API"));
    QCOMPARE(c.jetstreamEventPrefix, QStringLiteral("$JS.hub.EVENT"));
    QCOMPARE(c.inboxPrefix, QStringLiteral("_INBOX_alice"));
    QCOMPARE(c.userJwt, QStringLiteral("eyJ0eXAiOiJKV1QifQ"));
    QCOMPARE(c.userSeed, QStringLiteral("SUAEXAMPLE"));
    QCOMPARE(c.colorScheme, QStringLiteral("dark"));
    QVERIFY(c.tlsFirst);
    QCOMPARE(c.timeoutMs, qint64(0));
    QCOMPARE(natsServerUrls(c.url),
             (QStringList{QStringLiteral("nats://a:4222"), QStringLiteral("nats://b:4222")}));
}

void TestNatsContext::loadCaseInsensitiveKeysAndUnknownKeys() {
    writeContext(QStringLiteral("odd"),
                 R"({"URL": "nats://upper", "Creds": null, "future_key": {"x": [1, 2]}})");
    const Result<NatsContext> r = loadNatsContext(QStringLiteral("odd"), contextDir(), makeEnv({}));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r->url, QStringLiteral("nats://upper"));
    QVERIFY(r->creds.isEmpty());
    QVERIFY(!r->tlsFirst);
}

void TestNatsContext::loadMissing() {
    const Result<NatsContext> r = loadNatsContext(QStringLiteral("nope"), contextDir(), {});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(r.error().message, QStringLiteral("no such context 'nope' in ") + contextDir());
}

void TestNatsContext::badNames_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("empty") << QString() << QStringLiteral("empty");
    QTest::newRow("slash") << QStringLiteral("a/b") << QStringLiteral("must not contain");
    QTest::newRow("backslash") << QStringLiteral("a\\b") << QStringLiteral("must not contain");
    QTest::newRow("parent") << QStringLiteral("../x") << QStringLiteral("must not contain");
    QTest::newRow("dotdot") << QStringLiteral("..") << QStringLiteral("must not contain");
    QTest::newRow("inner dotdot") << QStringLiteral("a..b") << QStringLiteral("must not contain");
    QTest::newRow("control") << QStringLiteral("a\nb") << QStringLiteral("control character");
}

void TestNatsContext::badNames() {
    QFETCH(QString, name);
    QFETCH(QString, fragment);
    // A file that a traversal would reach must still not be read.
    QVERIFY(writeFile(m_root->path() + QStringLiteral("/nats/x.json"), "{}"));
    const Result<NatsContext> r = loadNatsContext(name, contextDir(), {});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(r.error().message.contains(fragment), qPrintable(r.error().message));
    QVERIFY(!validateNatsContextName(name).ok());
    const Result<NatsContext> viaResolve =
        resolveNatsContext(QStringLiteral("a/../../x"), {}, makeEnv({}), m_root->path());
    QVERIFY(!viaResolve.ok());
}

void TestNatsContext::malformedJson_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QStringList>("fragments");
    QTest::newRow("missing value") << QByteArray("{ \"url\": }")
                                   << QStringList{QStringLiteral("line 1, column 11 (offset 10)")};
    QTest::newRow("third line") << QByteArray("{\n  \"url\": \"nats://x\",\n  oops\n}")
                                << QStringList{QStringLiteral("line 3, column 4 (offset 26)")};
    QTest::newRow("truncated") << QByteArray("{\"url\": \"nats://x\"")
                               << QStringList{QStringLiteral("invalid JSON")};
    QTest::newRow("empty file") << QByteArray("   ") << QStringList{QStringLiteral("invalid JSON")};
    QTest::newRow("array") << QByteArray("[1, 2]")
                           << QStringList{QStringLiteral("does not hold a JSON object")};
    QTest::newRow("number url") << QByteArray("{\"url\": 4222}")
                                << QStringList{QStringLiteral("\"url\" must be a string, not a "
                                                              "number")};
    QTest::newRow("string tls_first")
        << QByteArray("{\"tls_first\": \"yes\"}")
        << QStringList{QStringLiteral("\"tls_first\" must be a boolean, not a string")};
}

void TestNatsContext::malformedJson() {
    QFETCH(QByteArray, json);
    QFETCH(QStringList, fragments);
    writeContext(QStringLiteral("broken"), json);
    const Result<NatsContext> r = loadNatsContext(QStringLiteral("broken"), contextDir(), {});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
    const QString msg = r.error().message;
    QVERIFY2(msg.contains(contextDir() + QStringLiteral("/broken.json")), qPrintable(msg));
    for (const QString& f : fragments)
        QVERIFY2(msg.contains(f), qPrintable(msg));
}

void TestNatsContext::environment() {
    const NatsContext c = natsContextFromEnvironment(makeEnv({
        QStringLiteral("NATS_URL=nats://e1,nats://e2"),
        QStringLiteral("NATS_USER=eve"),
        QStringLiteral("NATS_PASSWORD=pw"),
        QStringLiteral("NATS_TOKEN=tk"),
        QStringLiteral("NATS_CREDS=~/e.creds"),
        QStringLiteral("NATS_NKEY=/e.nk"),
        QStringLiteral("NATS_CERT=/e.pem"),
        QStringLiteral("NATS_KEY=/e-key.pem"),
        QStringLiteral("NATS_CA=/ca.pem"),
        QStringLiteral("NATS_SOCKS_PROXY=socks5://p"),
        QStringLiteral("NATS_COLOR=dark"),
        QStringLiteral("NATS_TIMEOUT=1m30s"),
        QStringLiteral("NATS_CONTEXT=prod"),
    }));
    QCOMPARE(c.url, QStringLiteral("nats://e1,nats://e2"));
    QCOMPARE(c.user, QStringLiteral("eve"));
    QCOMPARE(c.password, QStringLiteral("pw"));
    QCOMPARE(c.token, QStringLiteral("tk"));
    // Env values are used verbatim; ~ is only expanded when the path is resolved.
    QCOMPARE(c.creds, QStringLiteral("~/e.creds"));
    QCOMPARE(c.nkey, QStringLiteral("/e.nk"));
    QCOMPARE(c.cert, QStringLiteral("/e.pem"));
    QCOMPARE(c.key, QStringLiteral("/e-key.pem"));
    QCOMPARE(c.ca, QStringLiteral("/ca.pem"));
    QCOMPARE(c.socksProxy, QStringLiteral("socks5://p"));
    QCOMPARE(c.colorScheme, QStringLiteral("dark"));
    QCOMPARE(c.timeoutMs, qint64(90000));
    QVERIFY(c.name.isEmpty());
    QVERIFY(c.sourcePath.isEmpty());
}

void TestNatsContext::environmentEmptyIsUnset() {
    const NatsContext c = natsContextFromEnvironment(
        makeEnv({QStringLiteral("NATS_URL="), QStringLiteral("NATS_TIMEOUT=soon")}));
    QCOMPARE(c, NatsContext{});
}

void TestNatsContext::merge() {
    NatsContext base;
    base.url = QStringLiteral("nats://base");
    base.user = QStringLiteral("bob");
    base.socksProxy = QStringLiteral("socks5://p");
    base.tlsFirst = true;
    base.timeoutMs = 2000;
    NatsContext over;
    over.url = QStringLiteral("nats://over");
    over.socksProxy = QStringLiteral("none");
    const NatsContext m = mergeNatsContexts(base, over);
    QCOMPARE(m.url, QStringLiteral("nats://over"));
    QCOMPARE(m.user, QStringLiteral("bob"));
    QVERIFY(m.socksProxy.isEmpty());
    QVERIFY(m.tlsFirst);
    QCOMPARE(m.timeoutMs, qint64(2000));
    over.timeoutMs = 500;
    QCOMPARE(mergeNatsContexts(base, over).timeoutMs, qint64(500));
    QCOMPARE(mergeNatsContexts(base, NatsContext{}), base);
}

void TestNatsContext::precedence_data() {
    QTest::addColumn<QString>("explicitName");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QStringList>("flags"); // url, user, password, creds
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("creds");

    const QString devCreds = kHome + QStringLiteral("/dev.creds");
    const QStringList noFlags{QString(), QString(), QString(), QString()};
    const QStringList home{QStringLiteral("HOME=") + kHome};

    QTest::newRow("context.txt selects") << QString() << home << noFlags << "dev"
                                         << "nats://dev:4222"
                                         << "devuser"
                                         << "devpass" << QString() << devCreds;
    QTest::newRow("NATS_CONTEXT beats context.txt")
        << QString() << (home + QStringList{QStringLiteral("NATS_CONTEXT=prod")}) << noFlags
        << "prod"
        << "nats://p1:4222, nats://p2:4222" << QString() << QString() << "prodtoken" << QString();
    QTest::newRow("explicit beats NATS_CONTEXT")
        << "dev" << (home + QStringList{QStringLiteral("NATS_CONTEXT=prod")}) << noFlags << "dev"
        << "nats://dev:4222"
        << "devuser"
        << "devpass" << QString() << devCreds;
    QTest::newRow("env beats context")
        << QString()
        << (home + QStringList{QStringLiteral("NATS_URL=nats://env:4222"),
                               QStringLiteral("NATS_CREDS=/env.creds")})
        << noFlags << "dev"
        << "nats://env:4222"
        << "devuser"
        << "devpass" << QString() << "/env.creds";
    QTest::newRow("flags beat env")
        << QString()
        << (home + QStringList{QStringLiteral("NATS_URL=nats://env:4222"),
                               QStringLiteral("NATS_CREDS=/env.creds")})
        << QStringList{QStringLiteral("nats://flag:4222"), QString(), QString(),
                       QStringLiteral("/flag.creds")}
        << "dev"
        << "nats://flag:4222"
        << "devuser"
        << "devpass" << QString() << "/flag.creds";
    QTest::newRow("env user alone is a token")
        << QString() << (home + QStringList{QStringLiteral("NATS_USER=s3cr3t")}) << noFlags << "dev"
        << "nats://dev:4222"
        << "devuser"
        << "devpass"
        << "s3cr3t" << devCreds;
    QTest::newRow("env user with flag password")
        << QString() << (home + QStringList{QStringLiteral("NATS_USER=eve")})
        << QStringList{QString(), QString(), QStringLiteral("flagpw"), QString()} << "dev"
        << "nats://dev:4222"
        << "eve"
        << "flagpw" << QString() << devCreds;
    QTest::newRow("flag user overrides env user")
        << QString()
        << (home +
            QStringList{QStringLiteral("NATS_USER=eve"), QStringLiteral("NATS_PASSWORD=envpw")})
        << QStringList{QString(), QStringLiteral("frank"), QString(), QString()} << "dev"
        << "nats://dev:4222"
        << "frank"
        << "envpw" << QString() << devCreds;
}

void TestNatsContext::precedence() {
    QFETCH(QString, explicitName);
    QFETCH(QStringList, env);
    QFETCH(QStringList, flags);

    writeContext(QStringLiteral("dev"), R"({"url": "nats://dev:4222", "user": "devuser",
        "password": "devpass", "creds": "~/dev.creds"})");
    writeContext(QStringLiteral("prod"),
                 R"({"url": "nats://p1:4222, nats://p2:4222", "token": "prodtoken"})");
    QVERIFY(writeFile(configDir() + QStringLiteral("/context.txt"), "dev\n"));

    NatsContext f;
    f.url = flags.at(0);
    f.user = flags.at(1);
    f.password = flags.at(2);
    f.creds = flags.at(3);
    const Result<NatsContext> r = resolveNatsContext(explicitName, f, makeEnv(env), m_root->path());
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QTEST(r->name, "name");
    QTEST(r->url, "url");
    QTEST(r->user, "user");
    QTEST(r->password, "password");
    QTEST(r->token, "token");
    QTEST(r->creds, "creds");
    QCOMPARE(r->sourcePath, contextDir() + QLatin1Char('/') + r->name + QStringLiteral(".json"));
}

void TestNatsContext::resolveFromJsonPath() {
    const QString path = m_root->path() + QStringLiteral("/elsewhere/edge.json");
    QVERIFY(writeFile(path, R"({"url": "nats://edge:4222", "creds": "~/edge.creds"})"));
    const Result<NatsContext> r =
        resolveNatsContext(path, {}, makeEnv({QStringLiteral("HOME=/h")}), m_root->path());
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r->name, QStringLiteral("edge"));
    QCOMPARE(r->sourcePath, path);
    QCOMPARE(r->url, QStringLiteral("nats://edge:4222"));
    QCOMPARE(r->creds, QStringLiteral("/h/edge.creds"));

    // With nothing selected only env and flags count, on top of natscli's default server.
    const Result<NatsContext> none = resolveNatsContext({}, {}, makeEnv({}), m_root->path());
    QVERIFY(none.ok());
    QCOMPARE(none->url, QString::fromLatin1(kNatsDefaultUrl));
    QVERIFY(none->name.isEmpty());
    QVERIFY(none->sourcePath.isEmpty());
}

void TestNatsContext::resolveSelectedMissing() {
    QVERIFY(writeFile(configDir() + QStringLiteral("/context.txt"), "gone"));
    const Result<NatsContext> r = resolveNatsContext({}, {}, makeEnv({}), m_root->path());
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, QStringLiteral("no such context 'gone' in ") + contextDir());

    // XDG_CONFIG_HOME in the given environment is honoured when no root is passed.
    writeContext(QStringLiteral("gone"), R"({"url": "nats://back"})");
    const Result<NatsContext> viaXdg =
        resolveNatsContext({}, {}, makeEnv({QStringLiteral("XDG_CONFIG_HOME=") + m_root->path()}));
    QVERIFY2(viaXdg.ok(), qPrintable(viaXdg.error().message));
    QCOMPARE(viaXdg->url, QStringLiteral("nats://back"));
}

void TestNatsContext::resolveBadTimeout() {
    const Result<NatsContext> r =
        resolveNatsContext({}, {}, makeEnv({QStringLiteral("NATS_TIMEOUT=soon")}), m_root->path());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.startsWith(QStringLiteral("NATS_TIMEOUT: invalid duration 'soon'")),
             qPrintable(r.error().message));

    // A --timeout flag means natscli never looks at the variable.
    NatsContext flags;
    flags.timeoutMs = 1500;
    const Result<NatsContext> withFlag = resolveNatsContext(
        {}, flags, makeEnv({QStringLiteral("NATS_TIMEOUT=soon")}), m_root->path());
    QVERIFY(withFlag.ok());
    QCOMPARE(withFlag->timeoutMs, qint64(1500));
}

void TestNatsContext::resolveTimeout() {
    const Result<NatsContext> r =
        resolveNatsContext({}, {}, makeEnv({QStringLiteral("NATS_TIMEOUT=250ms")}), m_root->path());
    QVERIFY(r.ok());
    QCOMPARE(r->timeoutMs, qint64(250));
}

void TestNatsContext::credentialPath_data() {
    QTest::addColumn<QString>("ref");
    QTest::addColumn<QString>("expected");
    QTest::newRow("absolute") << "/etc/nats/u.creds"
                              << "/etc/nats/u.creds";
    QTest::newRow("relative") << "creds/u.creds"
                              << "creds/u.creds";
    QTest::newRow("tilde") << "~/u.creds" << kHome + QStringLiteral("/u.creds");
    QTest::newRow("tilde alone") << "~" << kHome;
    QTest::newRow("tilde user untouched") << "~bob/u.creds"
                                          << "~bob/u.creds";
    QTest::newRow("var") << "$CREDS_DIR/u.creds"
                         << "/vault/u.creds";
    QTest::newRow("braced var") << "${CREDS_DIR}/u.creds"
                                << "/vault/u.creds";
    QTest::newRow("unset var") << "$NOPE/u.creds"
                               << "/u.creds";
    QTest::newRow("lone dollar") << "/a$/u.creds"
                                 << "/a$/u.creds";
    QTest::newRow("file url") << "file:///etc/nats/u.creds"
                              << "/etc/nats/u.creds";
    QTest::newRow("file url tilde") << "file://~/u.creds" << kHome + QStringLiteral("/u.creds");
    QTest::newRow("file url var") << "file://$CREDS_DIR/u.creds"
                                  << "/vault/u.creds";
    QTest::newRow("FILE upper") << "FILE:///x.creds"
                                << "/x.creds";
    QTest::newRow("drive letter") << "C:\\creds\\u.creds"
                                  << "C:\\creds\\u.creds";
}

void TestNatsContext::credentialPath() {
    QFETCH(QString, ref);
    QFETCH(QString, expected);
    const QProcessEnvironment env =
        makeEnv({QStringLiteral("HOME=") + kHome, QStringLiteral("CREDS_DIR=/vault")});
    const Result<QString> r = resolveCredentialPath(ref, env);
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r.value(), expected);
}

void TestNatsContext::unsupportedScheme_data() {
    QTest::addColumn<QString>("ref");
    QTest::addColumn<QString>("scheme");
    QTest::newRow("op") << "op://vault/nats/creds"
                        << "op";
    QTest::newRow("nsc") << "nsc://operator/account/user"
                         << "nsc";
    QTest::newRow("env") << "env://NATS_CREDS_BLOB"
                         << "env";
    QTest::newRow("data") << "data:text/plain;base64,U0VDUkVU"
                          << "data";
    QTest::newRow("upper case") << "OP://vault/item"
                                << "op";
    QTest::newRow("https") << "https://example.com/u.creds"
                           << "https";
}

void TestNatsContext::unsupportedScheme() {
    QFETCH(QString, ref);
    QFETCH(QString, scheme);
    const Result<QString> r = resolveCredentialPath(ref, makeEnv({}));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
    const QString msg = r.error().message;
    QVERIFY2(msg.startsWith(QStringLiteral("unsupported credential reference")), qPrintable(msg));
    QVERIFY2(msg.contains(QLatin1Char('\'') + scheme + QStringLiteral(":'")), qPrintable(msg));
    // The rest of the reference can be the secret itself (data:, env://), so it stays out.
    QVERIFY2(!msg.contains(ref.mid(scheme.size() + 1)), qPrintable(msg));
}

void TestNatsContext::credentialPathEmpty() {
    QVERIFY(!resolveCredentialPath(QString(), makeEnv({})).ok());
    const Result<QString> r = resolveCredentialPath(QStringLiteral("$NOPE"), makeEnv({}));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.contains(QStringLiteral("empty path")),
             qPrintable(r.error().message));
}

void TestNatsContext::serverUrls() {
    QCOMPARE(natsServerUrls(QStringLiteral(" nats://a:4222, nats://b:4222,,tls://c ")),
             (QStringList{QStringLiteral("nats://a:4222"), QStringLiteral("nats://b:4222"),
                          QStringLiteral("tls://c")}));
    QVERIFY(natsServerUrls(QString()).isEmpty());
}

void TestNatsContext::duration_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<qint64>("ms");
    QTest::newRow("seconds") << "5s" << true << qint64(5000);
    QTest::newRow("millis") << "250ms" << true << qint64(250);
    QTest::newRow("compound") << "1m30s" << true << qint64(90000);
    QTest::newRow("fraction") << "1.5h" << true << qint64(5400000);
    QTest::newRow("micro") << "1500us" << true << qint64(2);
    QTest::newRow("zero") << "0" << true << qint64(0);
    QTest::newRow("negative") << "-2s" << true << qint64(-2000);
    QTest::newRow("no unit") << "5" << false << qint64(0);
    QTest::newRow("bad unit") << "5sec" << false << qint64(0);
    QTest::newRow("word") << "soon" << false << qint64(0);
    QTest::newRow("empty") << "" << false << qint64(0);
    QTest::newRow("two dots") << "1.2.3s" << false << qint64(0);
}

void TestNatsContext::duration() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(qint64, ms);
    const Result<qint64> r = parseNatsDurationMs(text);
    QCOMPARE(r.ok(), ok);
    if (ok)
        QCOMPARE(r.value(), ms);
    else
        QCOMPARE(r.error().kind, ErrorKind::InvalidArgument);
}

void TestNatsContext::optionsUseEverySetting() {
    // What a context says is used: nothing it sets is dropped on the way to the connection.
    NatsContext ctx;
    ctx.url = QStringLiteral("nats://127.0.0.1:4222");
    ctx.tlsFirst = true;
    ctx.ignoreDiscoveredServers = true;
    ctx.jetstreamDomain = QStringLiteral("hub");
    ctx.jetstreamEventPrefix = QStringLiteral("$JS.hub.EVENT");
    ctx.inboxPrefix = QStringLiteral("_MY_INBOX");
    auto o = optionsFromContext(ctx);
    QVERIFY2(o.ok(), qPrintable(o.error().toString()));
    QVERIFY(o->tls.handshakeFirst);
    QVERIFY(o->ignoreDiscoveredServers);
    QCOMPARE(o->jetstreamDomain, QStringLiteral("hub"));
    QCOMPARE(o->jetstreamEventPrefix, QStringLiteral("$JS.hub.EVENT"));
    QCOMPARE(o->inboxPrefix, QByteArray("_MY_INBOX"));
    Connection c(o.value());
    QCOMPARE(js::JetStream(&c).apiSubject("STREAM.NAMES"), QByteArray("$JS.hub.API.STREAM.NAMES"));
    ctx.jetstreamApiPrefix = QStringLiteral("$JS.import.API");
    o = optionsFromContext(ctx);
    QVERIFY(o.ok());
    Connection c2(o.value());
    QCOMPARE(js::JetStream(&c2).apiSubject("INFO"), QByteArray("$JS.import.API.INFO"));
    // An explicit JetStreamOptions still wins over the connection's.
    js::JetStreamOptions explicitOpts;
    explicitOpts.domain = QStringLiteral("leaf");
    QCOMPARE(js::JetStream(&c2, explicitOpts).apiSubject("INFO"), QByteArray("$JS.leaf.API.INFO"));
}

void TestNatsContext::optionsRefuseWhatJetDeckCannotDo_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("named");
    QTest::newRow("socks_proxy") << QStringLiteral("socks") << QStringLiteral("socks_proxy");
    QTest::newRow("nsc") << QStringLiteral("nsc") << QStringLiteral("nsc");
}

void TestNatsContext::optionsRefuseWhatJetDeckCannotDo() {
    // Connecting around the proxy, or without nsc's credentials, is not what the context says:
    // refused by name.
    QFETCH(QString, field);
    QFETCH(QString, named);
    NatsContext ctx;
    ctx.url = QStringLiteral("nats://127.0.0.1:4222");
    if (field == QLatin1String("socks"))
        ctx.socksProxy = QStringLiteral("socks5://127.0.0.1:1080");
    else
        ctx.nsc = QStringLiteral("nsc://op/acc/user");
    auto o = optionsFromContext(ctx);
    QVERIFY(!o.ok());
    QCOMPARE(o.error().kind, ErrorKind::Unsupported);
    QVERIFY2(o.error().message.contains(named), qPrintable(o.error().message));
}

void TestNatsContext::ignoreDiscoveredMustBeBoolean() {
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("c.json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"url": "nats://127.0.0.1:4222", "ignore_discovered_servers": "yes"})");
    f.close();
    auto ctx = loadNatsContextFile(f.fileName());
    QVERIFY(!ctx.ok());
    QVERIFY2(ctx.error().message.contains(QStringLiteral("ignore_discovered_servers")),
             qPrintable(ctx.error().message));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(R"({"url": "nats://127.0.0.1:4222", "ignore_discovered_servers": true})");
    f.close();
    ctx = loadNatsContextFile(f.fileName());
    QVERIFY(ctx.ok());
    QVERIFY(ctx->ignoreDiscoveredServers);
}

QTEST_GUILESS_MAIN(TestNatsContext)
#include "tst_natscontext.moc"
