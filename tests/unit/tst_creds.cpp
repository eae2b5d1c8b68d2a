#include "core/auth/creds.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace jetdeck;
using jetdeck::test::writeFile;

namespace {

// The user credentials nats.rs ships as async-nats/tests/configs/TestUser.creds (written by
// nsc), reproduced byte for byte.
constexpr char kTestUserJwt[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ."
    "eyJqdGkiOiJMN1dBT1hJU0tPSUZNM1QyNEhMQ09ENzJRT1czQkNVWEdETjRKVU1SSUtHTlQ3RzdZVFRRIiwiaWF0Ij"
    "oxNjUxNzkwOTgyLCJpc3MiOiJBRFRRUzdaQ0ZWSk5XNTcyNkdPWVhXNVRTQ1pGTklRU0hLMlpHWVVCQ0Q1RDc3T1RO"
    "TE9PS1pPWiIsIm5hbWUiOiJUZXN0VXNlciIsInN1YiI6IlVBRkhHNkZVRDJVVTRTREZWQUZVTDVMREZPMlhNNFdZTT"
    "c2VU5YVFBKWUpLN0VFTVlSQkhUMlZFIiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6"
    "LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ."
    "bp2-Jsy33l4ayF7Ku1MNdJby4WiMKUrG-rSVYGBusAtV3xP4EdCa-zhSNUaBVIL3uYPPCQYCEoM1pCUdOnoJBg";
constexpr char kTestUserSeed[] = "SUACH75SWCM5D2JMJM6EKLR2WDARVGZT4QC6LX3AGHSWOMVAKERABBBRWM";
// An account seed (from the nats.go test suite): valid, but not allowed in user credentials.
constexpr char kAccountSeed[] = "SAAASUPRY3ONU4GJR7J5RUVYRUFZXG56F4WEXELLLORQ65AEPSMIFTOJGE";

QByteArray nscCreds(const QByteArray& jwt, const QByteArray& seed) {
    return "-----BEGIN NATS USER JWT-----\n" + jwt +
           "\n------END NATS USER JWT------\n"
           "\n"
           "************************* IMPORTANT *************************\n"
           "NKEY Seed printed below can be used to sign and prove identity.\n"
           "NKEYs are sensitive and should be treated as secrets.\n"
           "\n"
           "-----BEGIN USER NKEY SEED-----\n" +
           seed +
           "\n------END USER NKEY SEED------\n"
           "\n"
           "*************************************************************\n";
}

QByteArray jwtBlock(const QByteArray& jwt) {
    return "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n";
}

QByteArray seedBlock(const QByteArray& seed) {
    return "-----BEGIN USER NKEY SEED-----\n" + seed + "\n------END USER NKEY SEED------\n";
}

} // namespace

class TestCreds : public QObject {
    Q_OBJECT

private slots:
    void parsesAcceptedLayouts_data();
    void parsesAcceptedLayouts();
    void reportsProblems_data();
    void reportsProblems();
    void readsFile();
    void fileErrorsNamePath_data();
    void fileErrorsNamePath();
    void missingFile();
    void copiesKeepTheSeed();
    void warnsWhenOthersCanRead();
};

void TestCreds::parsesAcceptedLayouts_data() {
    QTest::addColumn<QByteArray>("text");
    const QByteArray jwt(kTestUserJwt);
    const QByteArray seed(kTestUserSeed);
    const QByteArray canonical = nscCreds(jwt, seed);

    QTest::newRow("nsc") << canonical;
    // nats.go's "chained" test fixture starts with an empty line and has no closing banner.
    QTest::newRow("leading newline") << QByteArray("\n" + jwtBlock(jwt) + "\n" + seedBlock(seed));
    QTest::newRow("CRLF") << QByteArray(canonical).replace("\n", "\r\n");
    QTest::newRow("indented") << QByteArray(canonical).replace("\n", "\n    ");
    QTest::newRow("other labels") << QByteArray("---BEGIN JWT---\n" + jwt +
                                                "\n---END---\n---SEED---\n" + seed + "\n------\n");
    QTest::newRow("blank lines in blocks")
        << QByteArray("-----BEGIN NATS USER JWT-----\n\n" + jwt +
                      "\n\n------END NATS USER JWT------\n"
                      "-----BEGIN USER NKEY SEED-----\n\n" +
                      seed + "\n\n------END USER NKEY SEED------\n");
    QTest::newRow("wrapped JWT") << QByteArray(
        "-----BEGIN NATS USER JWT-----\n" + jwt.first(60) + "\n" + jwt.sliced(60) +
        "\n------END NATS USER JWT------\n" + seedBlock(seed));
    QTest::newRow("unterminated seed block")
        << QByteArray(jwtBlock(jwt) + "-----BEGIN USER NKEY SEED-----\n" + seed + "\n");
    QTest::newRow("bare seed line") << QByteArray(jwtBlock(jwt) + "\n" + seed + "\n");
    QTest::newRow("no trailing newline") << canonical.trimmed();
}

void TestCreds::parsesAcceptedLayouts() {
    QFETCH(QByteArray, text);
    const Result<Credentials> creds = parseCreds(text);
    QVERIFY2(creds.ok(), qPrintable(creds.error().message));
    QCOMPARE(creds->jwt, QByteArray(kTestUserJwt));
    QCOMPARE(creds->seed, QByteArray(kTestUserSeed));
}

void TestCreds::reportsProblems_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message");
    const QByteArray jwt(kTestUserJwt);
    const QByteArray seed(kTestUserSeed);

    QTest::newRow("empty") << QByteArray() << QStringLiteral("no user JWT found");
    QTest::newRow("prose") << QByteArray("hello world\n") << QStringLiteral("no user JWT found");
    QTest::newRow("seed only") << seedBlock(seed) << QStringLiteral("no user JWT found");
    QTest::newRow("bare seed only") << seed << QStringLiteral("no user JWT found");
    QTest::newRow("JWT only") << jwtBlock(jwt) << QStringLiteral("no seed found");
    QTest::newRow("bare JWT only") << jwt << QStringLiteral("no seed found");
    QTest::newRow("JWT with two parts")
        << nscCreds(jwt.first(jwt.lastIndexOf('.')), seed)
        << QStringLiteral("malformed user JWT: expected three dot-separated parts, found 2");
    QTest::newRow("JWT with empty part")
        << nscCreds("a..b", seed) << QStringLiteral("malformed user JWT: a part is empty");
    QTest::newRow("JWT with odd character")
        << nscCreds("a.b+c.d", seed)
        << QStringLiteral("malformed user JWT: unexpected character '+'");
    QByteArray badSeed = seed;
    badSeed[30] = badSeed.at(30) == 'A' ? 'B' : 'A';
    QTest::newRow("bad seed checksum")
        << nscCreds(jwt, badSeed) << QStringLiteral("invalid seed: seed checksum does not match");
    QTest::newRow("truncated seed")
        << nscCreds(jwt, seed.chopped(3))
        << QStringLiteral("invalid seed: seed has the wrong length: 55 characters, expected 58");
    QTest::newRow("public key as seed")
        << nscCreds(jwt, "UAFHG6FUD2UU4SDFVAFUL5LDFO2XM4WYM76UNXTPJYJK7EEMYRBHT2VE")
        << QStringLiteral("invalid seed: not a seed: starts with 'U', seeds start with 'S'");
    QTest::newRow("account seed") << nscCreds(jwt, kAccountSeed)
                                  << QStringLiteral(
                                         "the seed is not a user seed (key type: account)");
}

void TestCreds::reportsProblems() {
    QFETCH(QByteArray, text);
    QFETCH(QString, message);
    const Result<Credentials> creds = parseCreds(text);
    QVERIFY(!creds.ok());
    QCOMPARE(creds.error().kind, ErrorKind::Credentials);
    QCOMPARE(creds.error().message, message);
}

void TestCreds::readsFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path =
        writeFile(dir, QStringLiteral("user.creds"), nscCreds(kTestUserJwt, kTestUserSeed));
    QVERIFY(!path.isEmpty());
    const Result<Credentials> creds = readCredsFile(path);
    QVERIFY2(creds.ok(), qPrintable(creds.error().message));
    QCOMPARE(creds->jwt, QByteArray(kTestUserJwt));
    QCOMPARE(creds->seed, QByteArray(kTestUserSeed));
}

void TestCreds::fileErrorsNamePath_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("message"); // %1 is the path
    QTest::newRow("no JWT") << QByteArray("nothing here\n")
                            << QStringLiteral("no user JWT found in %1");
    QTest::newRow("no seed") << jwtBlock(kTestUserJwt) << QStringLiteral("no seed found in %1");
    QTest::newRow("account seed") << nscCreds(kTestUserJwt, kAccountSeed)
                                  << QStringLiteral(
                                         "the seed in %1 is not a user seed (key type: account)");
}

void TestCreds::fileErrorsNamePath() {
    QFETCH(QByteArray, contents);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, QStringLiteral("user.creds"), contents);
    QVERIFY(!path.isEmpty());
    const Result<Credentials> creds = readCredsFile(path);
    QVERIFY(!creds.ok());
    QCOMPARE(creds.error().kind, ErrorKind::Credentials);
    QCOMPARE(creds.error().message, message.arg(path));
}

void TestCreds::missingFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("missing.creds"));
    Result<Credentials> creds = readCredsFile(path);
    QVERIFY(!creds.ok());
    QCOMPARE(creds.error().kind, ErrorKind::Credentials);
    QCOMPARE(creds.error().message, QStringLiteral("credentials file %1 does not exist").arg(path));

    creds = readCredsFile(dir.path());
    QVERIFY(!creds.ok());
    QVERIFY2(creds.error().message.startsWith(QStringLiteral("cannot read credentials file")),
             qPrintable(creds.error().message));
}

void TestCreds::copiesKeepTheSeed() {
    // Destroying one copy wipes only what it owns alone; the others keep a usable seed.
    const Result<Credentials> parsed = parseCreds(nscCreds(kTestUserJwt, kTestUserSeed));
    QVERIFY(parsed.ok());
    std::optional<Credentials> survivor;
    {
        const Credentials first = parsed.value();
        survivor = first;
    }
    QCOMPARE(survivor->seed, QByteArray(kTestUserSeed));
    QCOMPARE(parsed->seed, QByteArray(kTestUserSeed));

    // Literal (read-only) data must survive the wiping destructor.
    {
        const Credentials literal{
            QByteArray(),
            QByteArrayLiteral("SUACH75SWCM5D2JMJM6EKLR2WDARVGZT4QC6LX3AGHSWOMVAKERABBBRWM")};
    }
}

void TestCreds::warnsWhenOthersCanRead() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("user.creds"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("secret");
    f.close();
    QVERIFY(f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QCOMPARE(secretFileWarning(path), QString());
    QVERIFY(f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                             QFileDevice::ReadGroup | QFileDevice::ReadOther));
    const QString w = secretFileWarning(path);
    QVERIFY2(w.contains(path) && w.contains(QStringLiteral("every user")) &&
                 w.contains(QStringLiteral("chmod 600")),
             qPrintable(w));
    QCOMPARE(secretFileWarning(dir.filePath(QStringLiteral("missing"))), QString());
}

QTEST_GUILESS_MAIN(TestCreds)
#include "tst_creds.moc"
