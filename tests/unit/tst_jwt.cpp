#include "core/auth/creds.h"
#include "core/auth/jwt.h"
#include "tests/support/verify.h"

#include <QDateTime>
#include <QTest>

using namespace jetdeck;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Tokens written by the reference tools. The v2 ones are nats.rs's
// async-nats/tests/configs/jwt.conf (operator "TestOperator", accounts "SYS" and
// "TestAccount") and TestUser.creds, all made by nsc; the v1 ones (alg "ed25519") are aJWT and
// uJWT from nats.go's test/auth_test.go.
constexpr char kNatsRsOperatorJwt[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJVWlhRWjVXR1VGSUY0S0ZKS1dFRUhST"
    "U5PM0RQVUdZMzUyM1QyNk1IQU1KTENDVzVZVjdRIiwiaWF0IjoxNjUxNzkwOTcwLCJpc3MiOiJPQjVYQ0U0NVdFV"
    "kYyRjVWWUZOM1Q3NEpJRVpFT1JaVzYzSEJFSVdVWEpHWU9HS0VBSVVLM0FMTSIsIm5hbWUiOiJUZXN0T3BlcmF0b"
    "3IiLCJzdWIiOiJPQjVYQ0U0NVdFVkYyRjVWWUZOM1Q3NEpJRVpFT1JaVzYzSEJFSVdVWEpHWU9HS0VBSVVLM0FMT"
    "SIsIm5hdHMiOnsic3lzdGVtX2FjY291bnQiOiJBQlJFSk5ZQVNXR1MyQTVFVlhQVlhHR0NPSzJMSlhUN0taTllCQ"
    "lpBWFVUVUJJMlZTTUFWN0RITiIsInR5cGUiOiJvcGVyYXRvciIsInZlcnNpb24iOjJ9fQ.RN7AkgTATcx9E_ykTQ"
    "HI0wM3OE8BwKPb3aPj7ojLGiNpjIRP-ehvSiUUkfWPh6rcO709TKspfQgTxcRxLoq5Bg";
constexpr char kNatsRsSysAccountJwt[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiI1RDMzSVBJRFJCTUg1VTdWTFlOMlk0V"
    "EpTV09aUzJaSTNPMlBMR1dORDdWN0MyQjJDNjZRIiwiaWF0IjoxNjUxNzkwOTcwLCJpc3MiOiJPQjVYQ0U0NVdFV"
    "kYyRjVWWUZOM1Q3NEpJRVpFT1JaVzYzSEJFSVdVWEpHWU9HS0VBSVVLM0FMTSIsIm5hbWUiOiJTWVMiLCJzdWIiO"
    "iJBQlJFSk5ZQVNXR1MyQTVFVlhQVlhHR0NPSzJMSlhUN0taTllCQlpBWFVUVUJJMlZTTUFWN0RITiIsIm5hdHMiO"
    "nsiZXhwb3J0cyI6W3sibmFtZSI6ImFjY291bnQtbW9uaXRvcmluZy1zdHJlYW1zIiwic3ViamVjdCI6IiRTWVMuQ"
    "UNDT1VOVC4qLlx1MDAzZSIsInR5cGUiOiJzdHJlYW0iLCJhY2NvdW50X3Rva2VuX3Bvc2l0aW9uIjozLCJkZXNjc"
    "mlwdGlvbiI6IkFjY291bnQgc3BlY2lmaWMgbW9uaXRvcmluZyBzdHJlYW0iLCJpbmZvX3VybCI6Imh0dHBzOi8vZ"
    "G9jcy5uYXRzLmlvL25hdHMtc2VydmVyL2NvbmZpZ3VyYXRpb24vc3lzX2FjY291bnRzIn0seyJuYW1lIjoiYWNjb"
    "3VudC1tb25pdG9yaW5nLXNlcnZpY2VzIiwic3ViamVjdCI6IiRTWVMuUkVRLkFDQ09VTlQuKi4qIiwidHlwZSI6I"
    "nNlcnZpY2UiLCJyZXNwb25zZV90eXBlIjoiU3RyZWFtIiwiYWNjb3VudF90b2tlbl9wb3NpdGlvbiI6NCwiZGVzY"
    "3JpcHRpb24iOiJSZXF1ZXN0IGFjY291bnQgc3BlY2lmaWMgbW9uaXRvcmluZyBzZXJ2aWNlcyBmb3I6IFNVQlNaL"
    "CBDT05OWiwgTEVBRlosIEpTWiBhbmQgSU5GTyIsImluZm9fdXJsIjoiaHR0cHM6Ly9kb2NzLm5hdHMuaW8vbmF0c"
    "y1zZXJ2ZXIvY29uZmlndXJhdGlvbi9zeXNfYWNjb3VudHMifV0sImxpbWl0cyI6eyJzdWJzIjotMSwiZGF0YSI6L"
    "TEsInBheWxvYWQiOi0xLCJpbXBvcnRzIjotMSwiZXhwb3J0cyI6LTEsIndpbGRjYXJkcyI6dHJ1ZSwiY29ubiI6L"
    "TEsImxlYWYiOi0xfSwic2lnbmluZ19rZXlzIjpbIkFDUEpPQ0xZTTJHQzU0Nk1EMzRGVzVPMkRVQTYzTERIV0ZHU"
    "0JJSVpTSUZJQjJUWlVGREQ0TlBVIl0sImRlZmF1bHRfcGVybWlzc2lvbnMiOnsicHViIjp7fSwic3ViIjp7fX0sI"
    "nR5cGUiOiJhY2NvdW50IiwidmVyc2lvbiI6Mn19.I_ybyL7Gm9gTH1IVrulNB596y-YmdYQ9QoyGEez3SviPJNFF"
    "D1vkmtl2wpzesUB1zaVYVyAhhN_jsEWElmUnBQ";
constexpr char kNatsRsAccountJwt[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJSWDRVUzZWUURCTFNCSVNaRjRCWFBJR"
    "EUyMlZRREJWWUsyTkYzUUNBRTdZWkE2NjNOSVBBIiwiaWF0IjoxNjUxNzkwOTc3LCJpc3MiOiJPQjVYQ0U0NVdFV"
    "kYyRjVWWUZOM1Q3NEpJRVpFT1JaVzYzSEJFSVdVWEpHWU9HS0VBSVVLM0FMTSIsIm5hbWUiOiJUZXN0QWNjb3Vud"
    "CIsInN1YiI6IkFEVFFTN1pDRlZKTlc1NzI2R09ZWFc1VFNDWkZOSVFTSEsyWkdZVUJDRDVENzdPVE5MT09LWk9aI"
    "iwibmF0cyI6eyJsaW1pdHMiOnsic3VicyI6LTEsImRhdGEiOi0xLCJwYXlsb2FkIjotMSwiaW1wb3J0cyI6LTEsI"
    "mV4cG9ydHMiOi0xLCJ3aWxkY2FyZHMiOnRydWUsImNvbm4iOi0xLCJsZWFmIjotMX0sImRlZmF1bHRfcGVybWlzc"
    "2lvbnMiOnsicHViIjp7fSwic3ViIjp7fX0sInR5cGUiOiJhY2NvdW50IiwidmVyc2lvbiI6Mn19.R_SRlgJhdLFF"
    "mG0E_dScqrrKsCmVzTitB8-3HfKbo6gbcqu647O7SPGixH5BXHVZpOaOZJ0gzN36OebU5E5LAw";
constexpr char kNatsRsUserJwt[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJMN1dBT1hJU0tPSUZNM1QyNEhMQ09EN"
    "zJRT1czQkNVWEdETjRKVU1SSUtHTlQ3RzdZVFRRIiwiaWF0IjoxNjUxNzkwOTgyLCJpc3MiOiJBRFRRUzdaQ0ZWS"
    "k5XNTcyNkdPWVhXNVRTQ1pGTklRU0hLMlpHWVVCQ0Q1RDc3T1ROTE9PS1pPWiIsIm5hbWUiOiJUZXN0VXNlciIsI"
    "nN1YiI6IlVBRkhHNkZVRDJVVTRTREZWQUZVTDVMREZPMlhNNFdZTTc2VU5YVFBKWUpLN0VFTVlSQkhUMlZFIiwib"
    "mF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoid"
    "XNlciIsInZlcnNpb24iOjJ9fQ.bp2-Jsy33l4ayF7Ku1MNdJby4WiMKUrG-rSVYGBusAtV3xP4EdCa-zhSNUaBVI"
    "L3uYPPCQYCEoM1pCUdOnoJBg";
constexpr char kNatsGoV1AccountJwt[] =
    "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJqdGkiOiJLWjZIUVRXRlY3WkRZSFo3NklRNUhPM0pINDVR"
    "NUdJS0JNMzJTSENQVUJNNk5PNkU3TUhRIiwiaWF0IjoxNTQ0MDcxODg5LCJpc3MiOiJPRDJXMkk0TVZSQTVUR1pM"
    "WjJBRzZaSEdWTDNPVEtGV1FKRklYNFROQkVSMjNFNlA0NlMzNDVZWSIsInN1YiI6IkFBUFFKUVVQS1ZYR1c1Q1pI"
    "NUcySEZKVUxZU0tERUxBWlJWV0pBMjZWRFpPN1dTQlVOSVlSRk5RIiwidHlwZSI6ImFjY291bnQiLCJuYXRzIjp7"
    "ImxpbWl0cyI6eyJzdWJzIjotMSwiY29ubiI6LTEsImltcG9ydHMiOi0xLCJleHBvcnRzIjotMSwiZGF0YSI6LTEs"
    "InBheWxvYWQiOi0xLCJ3aWxkY2FyZHMiOnRydWV9fX0.8o35JPQgvhgFT84Bi2Z-zAeSiLrzzEZn34sgr1DIBEDT"
    "wa-EEiMhvTeos9cvXxoZVCCadqZxAWVwS6paAMj8Bg";
constexpr char kNatsGoV1UserJwt[] =
    "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJqdGkiOiJBSFQzRzNXRElDS1FWQ1FUWFJUTldPRlVVUFRW"
    "NE00RFZQV0JGSFpJQUROWEZIWEpQR0FBIiwiaWF0IjoxNTQ0MDcxODg5LCJpc3MiOiJBQVBRSlFVUEtWWEdXNUNa"
    "SDVHMkhGSlVMWVNLREVMQVpSVldKQTI2VkRaTzdXU0JVTklZUkZOUSIsInN1YiI6IlVBVDZCV0NTQ1dMVUtKVDZL"
    "Nk1CSkpPRU9UWFo1QUpET1lLTkVWUkZDN1ZOTzZPQTQzTjRUUk5PIiwidHlwZSI6InVzZXIiLCJuYXRzIjp7InB1"
    "YiI6e30sInN1YiI6e319fQ._8A1XM88Q2kp7XVJZ42bQuO9E3QPsNAGKtVjAkDycj8A5PtRPby9UpqBUZzBwiJQQ"
    "O3TUcD5GGqSvsMm6X8hCQ";
constexpr char kNatsRsUserSeed[] = "SUACH75SWCM5D2JMJM6EKLR2WDARVGZT4QC6LX3AGHSWOMVAKERABBBRWM";
constexpr char kNatsRsOperatorKey[] = "OB5XCE45WEVF2F5VYFN3T74JIEZEORZW63HBEIWUXJGYOGKEAIUK3ALM";
constexpr char kNatsRsSysAccountKey[] = "ABREJNYASWGS2A5EVXPVXGGCOK2LJXT7KZNYBBZAXUTUBI2VSMAV7DHN";
constexpr char kNatsRsAccountKey[] = "ADTQS7ZCFVJNW5726GOYXW5TSCZFNIQSHK2ZGYUBCD5D77OTNLOOKZOZ";
constexpr char kNatsRsUserKey[] = "UAFHG6FUD2UU4SDFVAFUL5LDFO2XM4WYM76UNXTPJYJK7EEMYRBHT2VE";

// TestUser.creds from nats.rs, byte for byte: what nsc writes for that JWT and seed.
const QByteArray kNatsRsUserCreds =
    QByteArray("-----BEGIN NATS USER JWT-----\n") + kNatsRsUserJwt +
    "\n------END NATS USER JWT------\n"
    "\n"
    "************************* IMPORTANT *************************\n"
    "NKEY Seed printed below can be used to sign and prove identity.\n"
    "NKEYs are sensitive and should be treated as secrets.\n"
    "\n"
    "-----BEGIN USER NKEY SEED-----\n"
    "SUACH75SWCM5D2JMJM6EKLR2WDARVGZT4QC6LX3AGHSWOMVAKERABBBRWM\n"
    "------END USER NKEY SEED------\n"
    "\n"
    "*************************************************************\n";

json claimsOf(const QByteArray& token) {
    const Result<json> claims = jwt::decodeClaims(token);
    return claims ? claims.value() : json();
}

QByteArray segment(const QByteArray& token, int index) {
    return token.split('.').value(index);
}

// Replaces one character of a token segment with another base64url character.
QByteArray tamper(QByteArray token, qsizetype at) {
    token[at] = token.at(at) == 'A' ? 'B' : 'A';
    return token;
}

// QCOMPARE cannot take nlohmann::json (its implicit conversions confuse QTest's overloads), so
// compare here and print both sides on a mismatch.
bool sameJson(const json& actual, const json& expected) {
    if (actual == expected) {
        return true;
    }
    qWarning("actual:   %s\nexpected: %s", actual.dump().c_str(), expected.dump().c_str());
    return false;
}

QByteArray std2q(const std::string& text) {
    return QByteArray::fromStdString(text);
}

} // namespace

class TestJwt : public QObject {
    Q_OBJECT

private slots:
    void knownTokensVerify_data();
    void knownTokensVerify();
    void tamperedTokensFail_data();
    void tamperedTokensFail();
    void decodeErrors_data();
    void decodeErrors();
    void createsVerifiableChain();
    void accountJetStreamLimits();
    void matchesNscStructure();
    void rejectsWrongKeys_data();
    void rejectsWrongKeys();
    void encodeRules();
    void escapesLikeGo();
    void formatCredsMatchesNsc();
};

void TestJwt::knownTokensVerify_data() {
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("issuer");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<QString>("type");
    QTest::addColumn<bool>("v2");
    QTest::newRow("nats.rs operator")
        << QByteArray(kNatsRsOperatorJwt) << QByteArray(kNatsRsOperatorKey)
        << QByteArray(kNatsRsOperatorKey) << QStringLiteral("operator") << true;
    QTest::newRow("nats.rs SYS account")
        << QByteArray(kNatsRsSysAccountJwt) << QByteArray(kNatsRsOperatorKey)
        << QByteArray(kNatsRsSysAccountKey) << QStringLiteral("account") << true;
    QTest::newRow("nats.rs account")
        << QByteArray(kNatsRsAccountJwt) << QByteArray(kNatsRsOperatorKey)
        << QByteArray(kNatsRsAccountKey) << QStringLiteral("account") << true;
    QTest::newRow("nats.rs user") << QByteArray(kNatsRsUserJwt) << QByteArray(kNatsRsAccountKey)
                                  << QByteArray(kNatsRsUserKey) << QStringLiteral("user") << true;
    QTest::newRow("nats.go v1 account")
        << QByteArray(kNatsGoV1AccountJwt)
        << QByteArray("OD2W2I4MVRA5TGZLZ2AG6ZHGVL3OTKFWQJFIX4TNBER23E6P46S345YY")
        << QByteArray("AAPQJQUPKVXGW5CZH5G2HFJULYSKDELAZRVWJA26VDZO7WSBUNIYRFNQ")
        << QStringLiteral("account") << false;
    QTest::newRow("nats.go v1 user")
        << QByteArray(kNatsGoV1UserJwt)
        << QByteArray("AAPQJQUPKVXGW5CZH5G2HFJULYSKDELAZRVWJA26VDZO7WSBUNIYRFNQ")
        << QByteArray("UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO")
        << QStringLiteral("user") << false;
}

void TestJwt::knownTokensVerify() {
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, issuer);
    QFETCH(QByteArray, subject);
    QFETCH(QString, type);
    QFETCH(bool, v2);

    QVERIFY(jwt::verify(token));
    QVERIFY(jwt::verify(QByteArray("\n " + token + " \r\n")));
    const Result<json> claims = jwt::decodeClaims(token);
    QVERIFY2(claims.ok(), qPrintable(claims.error().message));
    QCOMPARE(std2q(claims->at("iss").get<std::string>()), issuer);
    QCOMPARE(std2q(claims->at("sub").get<std::string>()), subject);
    if (v2) {
        QCOMPARE(QString::fromStdString(claims->at("nats").at("type").get<std::string>()), type);
        // Our jti computation reproduces the reference implementation's.
        QCOMPARE(jwt::claimsId(claims.value()), std2q(claims->at("jti").get<std::string>()));
    } else {
        QCOMPARE(QString::fromStdString(claims->at("type").get<std::string>()), type);
    }
}

void TestJwt::tamperedTokensFail_data() {
    QTest::addColumn<QByteArray>("token");
    const QByteArray good(kNatsRsUserJwt);
    const qsizetype payloadAt = good.indexOf('.') + 40;
    const qsizetype signatureAt = good.lastIndexOf('.') + 10;
    QTest::newRow("payload byte") << tamper(good, payloadAt);
    QTest::newRow("signature byte") << tamper(good, signatureAt);
    QTest::newRow("header byte") << tamper(good, 5);
    QTest::newRow("signature of another token")
        << QByteArray(good.first(good.lastIndexOf('.') + 1) + segment(kNatsRsAccountJwt, 2));
    QTest::newRow("no signature") << good.first(good.lastIndexOf('.') + 1);
    QTest::newRow("short signature") << good.chopped(4);
    QTest::newRow("extra part") << QByteArray(good + ".AAAA");
    QTest::newRow("empty") << QByteArray();
    // Same claims, but iss swapped for another key: the signature no longer matches iss.
    json claims = claimsOf(good);
    claims["iss"] = kNatsRsOperatorKey;
    QTest::newRow("iss replaced") << QByteArray(segment(good, 0) + '.' +
                                                nkeys::base64UrlNoPad(std2q(claims.dump())) + '.' +
                                                segment(good, 2));
}

void TestJwt::tamperedTokensFail() {
    QFETCH(QByteArray, token);
    QVERIFY(!jwt::verify(token));
}

void TestJwt::decodeErrors_data() {
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("message");
    const QByteArray header = nkeys::base64UrlNoPad(R"({"typ":"JWT","alg":"ed25519-nkey"})");
    const QByteArray payload = nkeys::base64UrlNoPad(R"({"sub":"x"})");
    QTest::newRow("empty") << QByteArray("  ") << QStringLiteral("empty JWT");
    QTest::newRow("one part") << QByteArray("abc")
                              << QStringLiteral(
                                     "malformed JWT: expected three dot-separated parts");
    QTest::newRow("four parts") << QByteArray(header + '.' + payload + ".sig.more")
                                << QStringLiteral(
                                       "malformed JWT: expected three dot-separated parts");
    QTest::newRow("header not base64") << QByteArray("a+b." + payload + ".sig")
                                       << QStringLiteral("malformed JWT: header is not base64url");
    QTest::newRow("header not JSON")
        << QByteArray(nkeys::base64UrlNoPad("hello") + '.' + payload + ".sig")
        << QStringLiteral("malformed JWT: header is not a JSON object");
    QTest::newRow("header without alg")
        << QByteArray(nkeys::base64UrlNoPad(R"({"typ":"JWT"})") + '.' + payload + ".sig")
        << QStringLiteral("malformed JWT: header has no algorithm");
    QTest::newRow("HS256") << QByteArray(nkeys::base64UrlNoPad(R"({"typ":"JWT","alg":"HS256"})") +
                                         '.' + payload + ".sig")
                           << QStringLiteral("not a NATS JWT: unsupported algorithm 'HS256'");
    QTest::newRow("payload empty") << QByteArray(header + "..sig")
                                   << QStringLiteral("malformed JWT: payload is not base64url");
    QTest::newRow("payload is an array")
        << QByteArray(header + '.' + nkeys::base64UrlNoPad("[1,2]") + ".sig")
        << QStringLiteral("malformed JWT: payload is not a JSON object");
    QTest::newRow("payload truncated JSON")
        << QByteArray(header + '.' + nkeys::base64UrlNoPad(R"({"sub":)") + ".sig")
        << QStringLiteral("malformed JWT: payload is not a JSON object");
}

void TestJwt::decodeErrors() {
    QFETCH(QByteArray, token);
    QFETCH(QString, message);
    const Result<json> claims = jwt::decodeClaims(token);
    QVERIFY(!claims.ok());
    QCOMPARE(claims.error().kind, ErrorKind::Credentials);
    QCOMPARE(claims.error().message, message);
    QVERIFY(!jwt::verify(token));
}

void TestJwt::createsVerifiableChain() {
    const nkeys::KeyPair op = nkeys::KeyPair::generate(nkeys::KeyType::Operator);
    const nkeys::KeyPair sys = nkeys::KeyPair::generate(nkeys::KeyType::Account);
    const nkeys::KeyPair account = nkeys::KeyPair::generate(nkeys::KeyType::Account);
    const nkeys::KeyPair user = nkeys::KeyPair::generate(nkeys::KeyType::User);
    const qint64 before = QDateTime::currentSecsSinceEpoch();

    const Result<QByteArray> opJwt =
        jwt::createOperator(op, QStringLiteral("Local Operator"), sys.publicKey());
    QVERIFY2(opJwt.ok(), qPrintable(opJwt.error().message));
    const Result<QByteArray> accountJwt =
        jwt::createAccount(op, account.publicKey(), QStringLiteral("APP"));
    QVERIFY2(accountJwt.ok(), qPrintable(accountJwt.error().message));
    const Result<QByteArray> userJwt =
        jwt::createUser(account, user.publicKey(), QStringLiteral("alice"));
    QVERIFY2(userJwt.ok(), qPrintable(userJwt.error().message));

    QVERIFY(jwt::verify(opJwt.value()));
    QVERIFY(jwt::verify(accountJwt.value()));
    QVERIFY(jwt::verify(userJwt.value()));
    // The header is byte-for-byte the one the Go library writes.
    QCOMPARE(segment(opJwt.value(), 0), segment(kNatsRsOperatorJwt, 0));

    const json o = claimsOf(opJwt.value());
    QCOMPARE(std2q(o.at("iss").get<std::string>()), op.publicKey());
    QCOMPARE(std2q(o.at("sub").get<std::string>()), op.publicKey());
    QCOMPARE(o.at("name").get<std::string>(), std::string("Local Operator"));
    QCOMPARE(std2q(o.at("nats").at("system_account").get<std::string>()), sys.publicKey());
    QCOMPARE(o.at("nats").at("type").get<std::string>(), std::string("operator"));
    QCOMPARE(o.at("nats").at("version").get<int>(), 2);
    QCOMPARE(std2q(o.at("jti").get<std::string>()), jwt::claimsId(o));
    const qint64 iat = o.at("iat").get<qint64>();
    QVERIFY(iat >= before && iat <= QDateTime::currentSecsSinceEpoch());

    const json a = claimsOf(accountJwt.value());
    QCOMPARE(std2q(a.at("iss").get<std::string>()), op.publicKey());
    QCOMPARE(std2q(a.at("sub").get<std::string>()), account.publicKey());
    QCOMPARE(a.at("nats").at("type").get<std::string>(), std::string("account"));
    QCOMPARE(std2q(a.at("jti").get<std::string>()), jwt::claimsId(a));

    const json u = claimsOf(userJwt.value());
    QCOMPARE(std2q(u.at("iss").get<std::string>()), account.publicKey());
    QCOMPARE(std2q(u.at("sub").get<std::string>()), user.publicKey());
    QCOMPARE(u.at("name").get<std::string>(), std::string("alice"));
    QCOMPARE(u.at("nats").at("type").get<std::string>(), std::string("user"));
    QVERIFY(u.at("nats").at("pub") == json::object());
    QVERIFY(u.at("nats").at("sub") == json::object());
    QCOMPARE(u.at("nats").at("subs").get<int>(), -1);
    QCOMPARE(std2q(u.at("jti").get<std::string>()), jwt::claimsId(u));

    // Without a system account the operator claims simply leave it out.
    const json plain = claimsOf(jwt::createOperator(op, QString()).value());
    QVERIFY(!plain.at("nats").contains("system_account"));
    QVERIFY(!plain.contains("name"));
}

void TestJwt::accountJetStreamLimits() {
    const nkeys::KeyPair op = nkeys::KeyPair::generate(nkeys::KeyType::Operator);
    const QByteArray account = nkeys::KeyPair::generate(nkeys::KeyType::Account).publicKey();

    const json limits =
        claimsOf(jwt::createAccount(op, account, QStringLiteral("JS")).value())["nats"]["limits"];
    for (const char* key : {"mem_storage", "disk_storage", "streams", "consumer", "subs", "data",
                            "payload", "imports", "exports", "conn", "leaf"}) {
        QVERIFY2(limits.contains(key), key);
        QCOMPARE(limits.at(key).get<int>(), -1);
    }
    QCOMPARE(limits.at("wildcards").get<bool>(), true);

    const json noJs = claimsOf(
        jwt::createAccount(op, account, QStringLiteral("plain"), false).value())["nats"]["limits"];
    for (const char* key : {"mem_storage", "disk_storage", "streams", "consumer"}) {
        QVERIFY2(!noJs.contains(key), key);
    }
    QCOMPARE(noJs.at("conn").get<int>(), -1);
}

void TestJwt::matchesNscStructure() {
    // Our "nats" sections are exactly what nsc puts in the equivalent tokens.
    const nkeys::KeyPair op = nkeys::KeyPair::generate(nkeys::KeyType::Operator);
    const nkeys::KeyPair account = nkeys::KeyPair::generate(nkeys::KeyType::Account);

    const json ourUser =
        claimsOf(jwt::createUser(account, kNatsRsUserKey, QStringLiteral("TestUser")).value());
    QVERIFY(sameJson(ourUser.at("nats"), claimsOf(kNatsRsUserJwt).at("nats")));

    const json ourAccount = claimsOf(
        jwt::createAccount(op, kNatsRsAccountKey, QStringLiteral("TestAccount"), false).value());
    QVERIFY(sameJson(ourAccount.at("nats"), claimsOf(kNatsRsAccountJwt).at("nats")));

    const json ourOperator = claimsOf(
        jwt::createOperator(op, QStringLiteral("TestOperator"), kNatsRsSysAccountKey).value());
    QVERIFY(sameJson(ourOperator.at("nats"), claimsOf(kNatsRsOperatorJwt).at("nats")));

    // Same top-level claims as nsc's user token, apart from the values that must differ.
    json theirs = claimsOf(kNatsRsUserJwt);
    json ours = ourUser;
    for (json* claims : {&theirs, &ours}) {
        for (const char* key : {"jti", "iat", "iss"}) {
            claims->erase(key);
        }
    }
    QVERIFY(sameJson(ours, theirs));
}

void TestJwt::rejectsWrongKeys_data() {
    QTest::addColumn<int>("which"); // 0 operator, 1 account, 2 user
    QTest::addColumn<int>("signerType");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<QString>("message");
    const QByteArray accountKey(kNatsRsAccountKey);
    const QByteArray userKey(kNatsRsUserKey);
    QTest::newRow("operator signed by account")
        << 0 << int(nkeys::KeyType::Account) << QByteArray()
        << QStringLiteral("signer must be an operator key, not an account key");
    QTest::newRow("operator with user as system account")
        << 0 << int(nkeys::KeyType::Operator) << userKey
        << QStringLiteral("system account is a user key, expected an account key");
    QTest::newRow("operator with junk system account")
        << 0 << int(nkeys::KeyType::Operator) << QByteArray("ABC")
        << QStringLiteral("system account: public key has the wrong length: 3 characters, "
                          "expected 56");
    QTest::newRow("account signed by account")
        << 1 << int(nkeys::KeyType::Account) << accountKey
        << QStringLiteral("signer must be an operator key, not an account key");
    QTest::newRow("account with user subject")
        << 1 << int(nkeys::KeyType::Operator) << userKey
        << QStringLiteral("account public key is a user key, expected an account key");
    QTest::newRow("account with seed subject")
        << 1 << int(nkeys::KeyType::Operator)
        << QByteArray("SAAASUPRY3ONU4GJR7J5RUVYRUFZXG56F4WEXELLLORQ65AEPSMIFTOJGE")
        << QStringLiteral("account public key: expected a public key but got a seed");
    QTest::newRow("user signed by operator")
        << 2 << int(nkeys::KeyType::Operator) << userKey
        << QStringLiteral("signer must be an account key, not an operator key");
    QTest::newRow("user signed by user")
        << 2 << int(nkeys::KeyType::User) << userKey
        << QStringLiteral("signer must be an account key, not a user key");
    QTest::newRow("user with account subject")
        << 2 << int(nkeys::KeyType::Account) << accountKey
        << QStringLiteral("user public key is an account key, expected a user key");
    QTest::newRow("user with empty subject") << 2 << int(nkeys::KeyType::Account) << QByteArray()
                                             << QStringLiteral("user public key: empty public key");
}

void TestJwt::rejectsWrongKeys() {
    QFETCH(int, which);
    QFETCH(int, signerType);
    QFETCH(QByteArray, subject);
    QFETCH(QString, message);
    const nkeys::KeyPair signer = nkeys::KeyPair::generate(static_cast<nkeys::KeyType>(signerType));
    Result<QByteArray> token = Error{};
    switch (which) {
    case 0:
        token = jwt::createOperator(signer, QStringLiteral("x"), subject);
        break;
    case 1:
        token = jwt::createAccount(signer, subject, QStringLiteral("x"));
        break;
    default:
        token = jwt::createUser(signer, subject, QStringLiteral("x"));
        break;
    }
    QVERIFY(!token.ok());
    QCOMPARE(token.error().kind, ErrorKind::Credentials);
    QCOMPARE(token.error().message, message);
}

void TestJwt::encodeRules() {
    const nkeys::KeyPair account = nkeys::KeyPair::generate(nkeys::KeyType::Account);

    Result<QByteArray> token = jwt::encode(ordered_json::object(), account);
    QVERIFY(!token.ok());
    QCOMPARE(token.error().message, QStringLiteral("JWT claims have no subject (sub)"));
    token = jwt::encode(ordered_json::array(), account);
    QVERIFY(!token.ok());
    QCOMPARE(token.error().message, QStringLiteral("JWT claims must be a JSON object"));

    // A given iat is kept; iss and jti are always ours, whatever the caller put there.
    ordered_json claims = {{"sub", std::string(kNatsRsUserKey)},
                           {"iat", 1651790982},
                           {"iss", "forged"},
                           {"jti", "forged"},
                           {"nats", {{"type", "user"}, {"version", 2}}}};
    token = jwt::encode(claims, account);
    QVERIFY2(token.ok(), qPrintable(token.error().message));
    QVERIFY(jwt::verify(token.value()));
    const json decoded = claimsOf(token.value());
    QCOMPARE(decoded.at("iat").get<qint64>(), 1651790982);
    QCOMPARE(std2q(decoded.at("iss").get<std::string>()), account.publicKey());
    QCOMPARE(std2q(decoded.at("jti").get<std::string>()), jwt::claimsId(decoded));
    // jti leads, like in Go-written tokens.
    QVERIFY(nkeys::fromBase64UrlNoPad(segment(token.value(), 1))->startsWith("{\"jti\":"));

    // Ed25519 signatures are deterministic, so equal claims give equal tokens.
    QCOMPARE(jwt::encode(claims, account).value(), token.value());
}

void TestJwt::escapesLikeGo() {
    const nkeys::KeyPair op = nkeys::KeyPair::generate(nkeys::KeyType::Operator);
    const QString name = QStringLiteral("R&D <prod> \u2028");
    const Result<QByteArray> token = jwt::createOperator(op, name);
    QVERIFY(token.ok());
    const QByteArray payload = *nkeys::fromBase64UrlNoPad(segment(token.value(), 1));
    QVERIFY2(payload.contains(R"("name":"R\u0026D \u003cprod\u003e \u2028")"), payload.constData());
    const json claims = claimsOf(token.value());
    QCOMPARE(QString::fromStdString(claims.at("name").get<std::string>()), name);
    QCOMPARE(std2q(claims.at("jti").get<std::string>()), jwt::claimsId(claims));
    QVERIFY(jwt::verify(token.value()));

    // The jti hash is over Go's escaped form, as nsc would compute it.
    const ordered_json escaped = {{"iat", 1}, {"name", "<&>"}, {"sub", "x"}};
    const ordered_json plain = {{"iat", 1}, {"name", "x"}, {"sub", "x"}};
    QVERIFY(jwt::claimsId(escaped) != jwt::claimsId(plain));
    QCOMPARE(jwt::claimsId(escaped).size(), 52);
}

void TestJwt::formatCredsMatchesNsc() {
    QCOMPARE(jwt::formatCreds(kNatsRsUserJwt, kNatsRsUserSeed), kNatsRsUserCreds);
    QCOMPARE(jwt::formatCreds(QByteArray(kNatsRsUserJwt + QByteArray("\n")),
                              QByteArray("  " + QByteArray(kNatsRsUserSeed))),
             kNatsRsUserCreds);

    const nkeys::KeyPair account = nkeys::KeyPair::generate(nkeys::KeyType::Account);
    const nkeys::KeyPair user = nkeys::KeyPair::generate(nkeys::KeyType::User);
    const QByteArray userJwt =
        jwt::createUser(account, user.publicKey(), QStringLiteral("round trip")).value();
    const Result<Credentials> creds = parseCreds(jwt::formatCreds(userJwt, user.seed()));
    QVERIFY2(creds.ok(), qPrintable(creds.error().message));
    QCOMPARE(creds->jwt, userJwt);
    QCOMPARE(creds->seed, user.seed());
}

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
