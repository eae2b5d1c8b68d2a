#include "core/auth/nkeys.h"
#include "tests/support/verify.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace jetdeck;
using namespace jetdeck::nkeys;

Q_DECLARE_METATYPE(jetdeck::nkeys::KeyType)

namespace {

// Seeds and public keys from the nats.go test suite (test/auth_test.go "Trust Server Tests":
// the public keys are the iss/sub of its aJWT/uJWT) and from nats.rs
// (async-nats/tests/configs/TestUser.creds, whose JWT names the user's public key).
constexpr char kUserSeed[] = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
constexpr char kUserPublic[] = "UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO";

// Builds an encoded seed whose checksum is right but whose public prefix byte is arbitrary,
// to reach the checks that come after the checksum.
QByteArray seedWithPrefix(quint8 publicPrefix) {
    QByteArray raw;
    raw.append(static_cast<char>((18 << 3) | (publicPrefix >> 5)));
    raw.append(static_cast<char>((publicPrefix & 0x1f) << 3));
    raw.append(QByteArray(32, '\x42'));
    const quint16 crc = crc16(raw);
    raw.append(static_cast<char>(crc & 0xff));
    raw.append(static_cast<char>(crc >> 8));
    return base32Encode(raw);
}

QByteArray publicWithPrefix(quint8 prefix) {
    QByteArray raw;
    raw.append(static_cast<char>(prefix));
    raw.append(QByteArray(32, '\x42'));
    const quint16 crc = crc16(raw);
    raw.append(static_cast<char>(crc & 0xff));
    raw.append(static_cast<char>(crc >> 8));
    return base32Encode(raw);
}

// Changes one base32 character to another valid one.
QByteArray flipChar(QByteArray text, qsizetype at) {
    text[at] = text.at(at) == 'A' ? 'B' : 'A';
    return text;
}

} // namespace

class TestNkeys : public QObject {
    Q_OBJECT

private slots:
    void base32_data();
    void base32();
    void base32RejectsBadInput_data();
    void base32RejectsBadInput();
    void crc16KnownValues_data();
    void crc16KnownValues();
    void base64Url_data();
    void base64Url();
    void base64UrlRejectsBadInput_data();
    void base64UrlRejectsBadInput();
    void knownSeeds_data();
    void knownSeeds();
    void knownSignature();
    void seedWhitespaceIsIgnored();
    void generateRoundTrip_data();
    void generateRoundTrip();
    void generateIsRandom();
    void verifyRejects();
    void badSeeds_data();
    void badSeeds();
    void badPublicKeys_data();
    void badPublicKeys();
    void copiesAreIndependent();
    void wipe();
    void readSeedFile_data();
    void readSeedFile();
    void readSeedFileMissing();
};

void TestNkeys::base32_data() {
    QTest::addColumn<QByteArray>("plain");
    QTest::addColumn<QByteArray>("encoded");
    // RFC 4648 section 10, padding removed.
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("MY");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("MZXQ");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("MZXW6");
    QTest::newRow("foob") << QByteArray("foob") << QByteArray("MZXW6YQ");
    QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("MZXW6YTB");
    QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("MZXW6YTBOI");
    QTest::newRow("binary") << QByteArray::fromHex("00ff10807f") << QByteArray("AD7RBAD7");
}

void TestNkeys::base32() {
    QFETCH(QByteArray, plain);
    QFETCH(QByteArray, encoded);
    QCOMPARE(base32Encode(plain), encoded);
    const std::optional<QByteArray> decoded = base32Decode(encoded);
    QVERIFY(decoded.has_value());
    QCOMPARE(*decoded, plain);
}

void TestNkeys::base32RejectsBadInput_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("lowercase") << QByteArray("mzxw6");
    QTest::newRow("digit 1") << QByteArray("MZ1W6");
    QTest::newRow("digit 8") << QByteArray("MZ8W6");
    QTest::newRow("padding") << QByteArray("MY======");
    QTest::newRow("space") << QByteArray("MZ XW6");
}

void TestNkeys::base32RejectsBadInput() {
    QFETCH(QByteArray, text);
    QVERIFY(!base32Decode(text).has_value());
}

void TestNkeys::crc16KnownValues_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("crc");
    QTest::newRow("empty") << QByteArray() << 0;
    // The catalogued check value of CRC-16/XMODEM.
    QTest::newRow("check") << QByteArray("123456789") << 0x31c3;
    QTest::newRow("A") << QByteArray("A") << 0x58e5;
}

void TestNkeys::crc16KnownValues() {
    QFETCH(QByteArray, data);
    QFETCH(int, crc);
    QCOMPARE(int(crc16(data)), crc);
}

void TestNkeys::base64Url_data() {
    QTest::addColumn<QByteArray>("plain");
    QTest::addColumn<QByteArray>("encoded");
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("Zg");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("url alphabet") << QByteArray::fromHex("fbff") << QByteArray("-_8");
    QTest::newRow("jwt header") << QByteArray(R"({"typ":"JWT","alg":"ed25519-nkey"})")
                                << QByteArray("eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ");
}

void TestNkeys::base64Url() {
    QFETCH(QByteArray, plain);
    QFETCH(QByteArray, encoded);
    QCOMPARE(base64UrlNoPad(plain), encoded);
    const std::optional<QByteArray> decoded = fromBase64UrlNoPad(encoded);
    QVERIFY(decoded.has_value());
    QCOMPARE(*decoded, plain);
}

void TestNkeys::base64UrlRejectsBadInput_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("padded") << QByteArray("Zg==");
    QTest::newRow("dangling char") << QByteArray("Zm9vY");
    QTest::newRow("standard alphabet") << QByteArray("+/8");
    QTest::newRow("space") << QByteArray("Zm 9v");
}

void TestNkeys::base64UrlRejectsBadInput() {
    QFETCH(QByteArray, text);
    QVERIFY(!fromBase64UrlNoPad(text).has_value());
}

void TestNkeys::knownSeeds_data() {
    QTest::addColumn<QByteArray>("seed");
    QTest::addColumn<QByteArray>("publicKey");
    QTest::addColumn<KeyType>("type");
    QTest::newRow("nats.go user") << QByteArray(kUserSeed) << QByteArray(kUserPublic)
                                  << KeyType::User;
    QTest::newRow("nats.go account")
        << QByteArray("SAAASUPRY3ONU4GJR7J5RUVYRUFZXG56F4WEXELLLORQ65AEPSMIFTOJGE")
        << QByteArray("AAPQJQUPKVXGW5CZH5G2HFJULYSKDELAZRVWJA26VDZO7WSBUNIYRFNQ")
        << KeyType::Account;
    QTest::newRow("nats.go operator")
        << QByteArray("SOAL7GTNI66CTVVNXBNQMG6V2HTDRWC3HGEP7D2OUTWNWSNYZDXWFOX4SU")
        << QByteArray("OD2W2I4MVRA5TGZLZ2AG6ZHGVL3OTKFWQJFIX4TNBER23E6P46S345YY")
        << KeyType::Operator;
    QTest::newRow("nats.rs user")
        << QByteArray("SUACH75SWCM5D2JMJM6EKLR2WDARVGZT4QC6LX3AGHSWOMVAKERABBBRWM")
        << QByteArray("UAFHG6FUD2UU4SDFVAFUL5LDFO2XM4WYM76UNXTPJYJK7EEMYRBHT2VE") << KeyType::User;
}

void TestNkeys::knownSeeds() {
    QFETCH(QByteArray, seed);
    QFETCH(QByteArray, publicKey);
    QFETCH(KeyType, type);

    const Result<KeyPair> pair = KeyPair::fromSeed(seed);
    QVERIFY2(pair.ok(), qPrintable(pair.error().message));
    QCOMPARE(pair->type(), type);
    QCOMPARE(pair->publicKey(), publicKey);
    QCOMPARE(pair->seed(), seed);

    const Result<KeyType> parsed = publicKeyType(publicKey);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
    QCOMPARE(parsed.value(), type);
}

void TestNkeys::knownSignature() {
    // Ed25519 is deterministic, so the signature of the nonce "nonce" by the nats.go user seed
    // is fixed. The value was cross-checked against nats.c's nats_Sign().
    const QByteArray expected =
        "m50It12aTgfbJwsQhucujqhXbsq7tLM-Mf_hSjBQsG_4onm8y2Vkw6JG1bbcDkdxXe-Ng0K-7X9ov4rZ4wFcDg";
    const Result<KeyPair> pair = KeyPair::fromSeed(kUserSeed);
    QVERIFY(pair.ok());
    const QByteArray signature = pair->sign("nonce");
    QCOMPARE(signature.size(), 64);
    QCOMPARE(base64UrlNoPad(signature), expected);
    QVERIFY(KeyPair::verify(kUserPublic, "nonce", signature));
}

void TestNkeys::seedWhitespaceIsIgnored() {
    const Result<KeyPair> pair =
        KeyPair::fromSeed(QByteArray(" \t\r\n" + QByteArray(kUserSeed) + "\r\n  "));
    QVERIFY2(pair.ok(), qPrintable(pair.error().message));
    QCOMPARE(pair->publicKey(), QByteArray(kUserPublic));
}

void TestNkeys::generateRoundTrip_data() {
    QTest::addColumn<KeyType>("type");
    QTest::addColumn<char>("prefix");
    QTest::addColumn<QString>("name");
    QTest::newRow("operator") << KeyType::Operator << 'O' << QStringLiteral("operator");
    QTest::newRow("account") << KeyType::Account << 'A' << QStringLiteral("account");
    QTest::newRow("user") << KeyType::User << 'U' << QStringLiteral("user");
    QTest::newRow("server") << KeyType::Server << 'N' << QStringLiteral("server");
    QTest::newRow("cluster") << KeyType::Cluster << 'C' << QStringLiteral("cluster");
}

void TestNkeys::generateRoundTrip() {
    QFETCH(KeyType, type);
    QFETCH(char, prefix);
    QFETCH(QString, name);

    QCOMPARE(publicKeyPrefix(type), prefix);
    QCOMPARE(keyTypeName(type), name);

    const KeyPair pair = KeyPair::generate(type);
    QCOMPARE(pair.type(), type);
    const QByteArray seed = pair.seed();
    const QByteArray publicKey = pair.publicKey();
    QCOMPARE(seed.size(), 58);
    QCOMPARE(publicKey.size(), 56);
    QCOMPARE(seed.at(0), 'S');
    QCOMPARE(seed.at(1), prefix);
    QCOMPARE(publicKey.at(0), prefix);

    const Result<KeyPair> again = KeyPair::fromSeed(seed);
    QVERIFY2(again.ok(), qPrintable(again.error().message));
    QCOMPARE(again->type(), type);
    QCOMPARE(again->publicKey(), publicKey);
    QCOMPARE(again->seed(), seed);
    QCOMPARE(publicKeyType(publicKey).value(), type);

    const QByteArray data = QByteArrayLiteral("some data to sign \x00\x01\xff");
    const QByteArray signature = pair.sign(data);
    QCOMPARE(signature.size(), 64);
    QCOMPARE(again->sign(data), signature);
    QVERIFY(KeyPair::verify(publicKey, data, signature));

    QByteArray tamperedData = data;
    tamperedData[0] = 'S';
    QVERIFY(!KeyPair::verify(publicKey, tamperedData, signature));
    QByteArray tamperedSignature = signature;
    tamperedSignature[10] = static_cast<char>(tamperedSignature.at(10) ^ 0x01);
    QVERIFY(!KeyPair::verify(publicKey, data, tamperedSignature));
    QVERIFY(!KeyPair::verify(KeyPair::generate(type).publicKey(), data, signature));
}

void TestNkeys::generateIsRandom() {
    const KeyPair a = KeyPair::generate(KeyType::User);
    const KeyPair b = KeyPair::generate(KeyType::User);
    QVERIFY(a.seed() != b.seed());
    QVERIFY(a.publicKey() != b.publicKey());
}

void TestNkeys::verifyRejects() {
    const Result<KeyPair> pair = KeyPair::fromSeed(kUserSeed);
    QVERIFY(pair.ok());
    const QByteArray signature = pair->sign("nonce");
    QVERIFY(!KeyPair::verify(kUserPublic, "nonce", signature.first(63)));
    QVERIFY(!KeyPair::verify(kUserPublic, "nonce", QByteArray(signature + '\0')));
    QVERIFY(!KeyPair::verify(kUserPublic, "nonce", QByteArray()));
    QVERIFY(!KeyPair::verify("not a key", "nonce", signature));
    QVERIFY(!KeyPair::verify(kUserSeed, "nonce", signature));
    QVERIFY(!KeyPair::verify(flipChar(kUserPublic, 20), "nonce", signature));
}

void TestNkeys::badSeeds_data() {
    QTest::addColumn<QByteArray>("seed");
    QTest::addColumn<QString>("message");
    const QByteArray good(kUserSeed);
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty seed");
    QTest::newRow("blank") << QByteArray(" \n\t ") << QStringLiteral("empty seed");
    QTest::newRow("public key") << QByteArray(kUserPublic)
                                << QStringLiteral("not a seed: starts with 'U'");
    QTest::newRow("lowercase seed")
        << good.toLower() << QStringLiteral("not a seed: starts with 's'");
    QTest::newRow("truncated") << good.chopped(1)
                               << QStringLiteral("wrong length: 57 characters, expected 58");
    QTest::newRow("too long") << QByteArray(good + 'A')
                              << QStringLiteral("wrong length: 59 characters, expected 58");
    QTest::newRow("changed char") << flipChar(good, 30)
                                  << QStringLiteral("seed checksum does not match");
    QTest::newRow("checksum chars")
        << flipChar(good, 55) << QStringLiteral("seed checksum does not match");
    QByteArray lower = good;
    lower[20] = 'q';
    QTest::newRow("not base32 (lowercase)") << lower << QStringLiteral("not valid base32");
    QByteArray digit = good;
    digit[20] = '1';
    QTest::newRow("not base32 (digit 1)") << digit << QStringLiteral("not valid base32");
    QByteArray inner = good;
    inner[20] = ' ';
    QTest::newRow("inner space") << inner << QStringLiteral("not valid base32");
    QTest::newRow("private key prefix")
        << seedWithPrefix(15 << 3) << QStringLiteral("not a seed: unknown key type 'P'");
    QTest::newRow("curve key") << seedWithPrefix(23 << 3) << QStringLiteral("curve");
}

void TestNkeys::badSeeds() {
    QFETCH(QByteArray, seed);
    QFETCH(QString, message);
    const Result<KeyPair> pair = KeyPair::fromSeed(seed);
    QVERIFY(!pair.ok());
    QCOMPARE(pair.error().kind, ErrorKind::Credentials);
    QVERIFY2(pair.error().message.contains(message), qPrintable(pair.error().message));
    // The secret must never end up in an error message (and from there in a log).
    if (seed.size() > 4) {
        QVERIFY(!pair.error().message.contains(QString::fromLatin1(seed.sliced(2, 3))));
    }
}

void TestNkeys::badPublicKeys_data() {
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty public key");
    QTest::newRow("seed") << QByteArray(kUserSeed)
                          << QStringLiteral("expected a public key but got a seed");
    QTest::newRow("private") << QByteArray(56, 'P')
                             << QStringLiteral("expected a public key but got a private key");
    QTest::newRow("truncated") << QByteArray(kUserPublic).chopped(2)
                               << QStringLiteral("wrong length: 54 characters, expected 56");
    QTest::newRow("changed char") << flipChar(kUserPublic, 12)
                                  << QStringLiteral("public key checksum does not match");
    QByteArray lower(kUserPublic);
    lower[12] = 'x';
    QTest::newRow("not base32") << lower << QStringLiteral("not valid base32");
    QTest::newRow("curve key") << publicWithPrefix(23 << 3)
                               << QStringLiteral("unsupported prefix 'X'");
}

void TestNkeys::badPublicKeys() {
    QFETCH(QByteArray, key);
    QFETCH(QString, message);
    const Result<KeyType> type = publicKeyType(key);
    QVERIFY(!type.ok());
    QCOMPARE(type.error().kind, ErrorKind::Credentials);
    QVERIFY2(type.error().message.contains(message), qPrintable(type.error().message));
}

void TestNkeys::copiesAreIndependent() {
    QByteArray publicKey;
    std::optional<KeyPair> copy;
    {
        const KeyPair original = KeyPair::generate(KeyType::Account);
        publicKey = original.publicKey();
        copy = original;
    }
    // The original's destructor wiped its own seed, not the copy's.
    QCOMPARE(copy->publicKey(), publicKey);
    QVERIFY(KeyPair::verify(publicKey, "x", copy->sign("x")));
}

void TestNkeys::wipe() {
    QByteArray owned(kUserSeed);
    owned.detach();
    nkeys::wipe(owned);
    QVERIFY(owned.isEmpty());

    // A buffer that another QByteArray still shares belongs to that one too: leave it alone.
    QByteArray first(kUserSeed);
    QByteArray second = first;
    nkeys::wipe(second);
    QVERIFY(second.isEmpty());
    QCOMPARE(first, QByteArray(kUserSeed));

    // Read-only literal data must not be written to.
    QByteArray literal =
        QByteArrayLiteral("SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY");
    nkeys::wipe(literal);
    QVERIFY(literal.isEmpty());
    QCOMPARE(QByteArrayLiteral("SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY"),
             QByteArray(kUserSeed));
}

void TestNkeys::readSeedFile_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QByteArray>("seed"); // expected result, empty when an error is expected
    QTest::addColumn<QString>("message"); // expected error text
    const QByteArray good(kUserSeed);
    QTest::newRow("bare seed") << QByteArray(good + '\n') << good << QString();
    QTest::newRow("no newline") << good << good << QString();
    QTest::newRow("indented, CRLF") << QByteArray("\r\n   " + good + "  \r\n") << good << QString();
    QTest::newRow("nsc decorated")
        << QByteArray("************************* IMPORTANT *************************\n"
                      "NKEY Seed printed below can be used to sign and prove identity.\n"
                      "NKEYs are sensitive and should be treated as secrets.\n\n"
                      "-----BEGIN USER NKEY SEED-----\n" +
                      good +
                      "\n------END USER NKEY SEED------\n\n"
                      "*************************************************************\n")
        << good << QString();
    QTest::newRow("comment starting with S")
        << QByteArray("Seed for the test user:\n" + good + '\n') << good << QString();
    QTest::newRow("no seed") << QByteArray("# No seed\nTHIS_NOT_A_NKEY_SEED\n") << QByteArray()
                             << QStringLiteral("no seed found in");
    QTest::newRow("empty file") << QByteArray() << QByteArray()
                                << QStringLiteral("no seed found in");
    QTest::newRow("invalid seed") << QByteArray("# Invalid seed\nSUBADSEED\n") << QByteArray()
                                  << QStringLiteral("no valid seed in");
    QTest::newRow("bad checksum") << flipChar(good, 30) << QByteArray()
                                  << QStringLiteral("seed checksum does not match");
}

void TestNkeys::readSeedFile() {
    QFETCH(QByteArray, contents);
    QFETCH(QByteArray, seed);
    QFETCH(QString, message);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("user.nk"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(contents);
    file.close();

    const Result<QByteArray> result = nkeys::readSeedFile(path);
    if (!seed.isEmpty()) {
        QVERIFY2(result.ok(), qPrintable(result.error().message));
        QCOMPARE(result.value(), seed);
        return;
    }
    QVERIFY(!result.ok());
    QCOMPARE(result.error().kind, ErrorKind::Credentials);
    QVERIFY2(result.error().message.contains(message), qPrintable(result.error().message));
    QVERIFY2(result.error().message.contains(path), qPrintable(result.error().message));
}

void TestNkeys::readSeedFileMissing() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString missing = dir.filePath(QStringLiteral("nope.nk"));
    Result<QByteArray> result = nkeys::readSeedFile(missing);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().kind, ErrorKind::Credentials);
    QCOMPARE(result.error().message, QStringLiteral("seed file %1 does not exist").arg(missing));

    result = nkeys::readSeedFile(dir.path());
    QVERIFY(!result.ok());
    QVERIFY2(result.error().message.contains(dir.path()), qPrintable(result.error().message));
}

QTEST_GUILESS_MAIN(TestNkeys)
#include "tst_nkeys.moc"
