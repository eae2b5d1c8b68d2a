#include "jwt.h"

#include <QDateTime>

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>

namespace jetdeck::jwt {

namespace {

using ordered_json = nlohmann::ordered_json;

// The header every v2 token carries; written as a constant so it is byte-for-byte what the
// Go library emits.
constexpr char kHeader[] = R"({"typ":"JWT","alg":"ed25519-nkey"})";
constexpr char kAlgorithm[] = "ed25519-nkey";
// v1 tokens (alg "ed25519") are signed the same way, so they still verify.
constexpr char kAlgorithmV1[] = "ed25519";
constexpr int kVersion = 2;
constexpr std::int64_t kNoLimit = -1;

Error credentialsError(QString message) {
    return Error{ErrorKind::Credentials, std::move(message)};
}

// Go's encoding/json escapes these for HTML safety. Doing the same keeps our bytes, and so our
// jti values, identical to what nsc would produce for the same claims. They can only occur
// inside JSON strings, so a plain substitution is safe.
std::string goEscape(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
                   (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
            out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string dump(const ordered_json& value) {
    // replace, not throw: a bad UTF-8 name should not take the application down.
    return goEscape(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

QByteArray toBytes(const std::string& text) {
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

Result<std::array<QByteArrayView, 3>> splitToken(QByteArrayView token) {
    const qsizetype first = token.indexOf('.');
    const qsizetype second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
        return credentialsError(
            QStringLiteral("malformed JWT: expected three dot-separated parts"));
    }
    return std::array<QByteArrayView, 3>{
        token.first(first), token.sliced(first + 1, second - first - 1), token.sliced(second + 1)};
}

Result<nlohmann::json> decodeSegment(QByteArrayView segment, const QString& what) {
    const std::optional<QByteArray> raw = nkeys::fromBase64UrlNoPad(segment);
    if (!raw || raw->isEmpty()) {
        return credentialsError(QStringLiteral("malformed JWT: %1 is not base64url").arg(what));
    }
    nlohmann::json value = nlohmann::json::parse(raw->cbegin(), raw->cend(), nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return credentialsError(QStringLiteral("malformed JWT: %1 is not a JSON object").arg(what));
    }
    return value;
}

QString withArticle(nkeys::KeyType type) {
    const bool vowel = type == nkeys::KeyType::Operator || type == nkeys::KeyType::Account;
    return (vowel ? QStringLiteral("an ") : QStringLiteral("a ")) + nkeys::keyTypeName(type);
}

// Checks that key is an encoded public key of the expected type; names it as what.
Status expectPublicKey(QByteArrayView key, nkeys::KeyType expected, const QString& what) {
    const Result<nkeys::KeyType> type = nkeys::publicKeyType(key);
    if (!type) {
        return credentialsError(QStringLiteral("%1: %2").arg(what, type.error().message));
    }
    if (type.value() != expected) {
        return credentialsError(QStringLiteral("%1 is %2 key, expected %3 key")
                                    .arg(what, withArticle(type.value()), withArticle(expected)));
    }
    return {};
}

Status expectSigner(const nkeys::KeyPair& key, nkeys::KeyType expected, const QString& what) {
    if (key.type() != expected) {
        return credentialsError(QStringLiteral("%1 must be %2 key, not %3 key")
                                    .arg(what, withArticle(expected), withArticle(key.type())));
    }
    return {};
}

std::string toStd(QByteArrayView bytes) {
    return std::string(bytes.data(), static_cast<std::size_t>(bytes.size()));
}

ordered_json baseClaims(const QString& name, QByteArrayView subject) {
    ordered_json claims = ordered_json::object();
    if (!name.isEmpty()) {
        claims["name"] = name.toStdString();
    }
    claims["sub"] = toStd(subject.trimmed());
    return claims;
}

} // namespace

QByteArray claimsId(const ordered_json& claims) {
    // The field order and omit-if-empty rules are those of Go's ClaimsData struct, whose JSON
    // is what the reference implementation hashes.
    ordered_json standard = ordered_json::object();
    const auto copyString = [&](const char* key) {
        const auto it = claims.find(key);
        if (it != claims.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
            standard[key] = *it;
        }
    };
    const auto copyNumber = [&](const char* key) {
        const auto it = claims.find(key);
        if (it != claims.end() && it->is_number_integer() && it->get<std::int64_t>() != 0) {
            standard[key] = *it;
        }
    };
    copyString("aud");
    copyNumber("exp");
    copyNumber("iat");
    copyString("iss");
    copyString("name");
    copyNumber("nbf");
    copyString("sub");

    const std::string json = dump(standard);
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    if (EVP_Digest(json.data(), json.size(), digest.data(), &length, EVP_sha512_256(), nullptr) !=
            1 ||
        length != digest.size()) {
        return {};
    }
    return nkeys::base32Encode(
        QByteArrayView(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

Result<QByteArray> encode(ordered_json claims, const nkeys::KeyPair& signer) {
    if (!claims.is_object()) {
        return credentialsError(QStringLiteral("JWT claims must be a JSON object"));
    }
    const auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
        return credentialsError(QStringLiteral("JWT claims have no subject (sub)"));
    }

    // jti goes first and iat/iss after it, as in tokens written by the Go library.
    ordered_json ordered = ordered_json::object();
    ordered["jti"] = "";
    const auto iat = claims.find("iat");
    ordered["iat"] = (iat != claims.end() && iat->is_number_integer())
                         ? iat->get<std::int64_t>()
                         : QDateTime::currentSecsSinceEpoch();
    ordered["iss"] = toStd(signer.publicKey());
    for (auto it = claims.begin(); it != claims.end(); ++it) {
        if (it.key() != "jti" && it.key() != "iat" && it.key() != "iss") {
            ordered[it.key()] = it.value();
        }
    }
    ordered["jti"] = toStd(claimsId(ordered));

    const QByteArray signingInput = nkeys::base64UrlNoPad(QByteArrayView(kHeader)) + '.' +
                                    nkeys::base64UrlNoPad(toBytes(dump(ordered)));
    const QByteArray signature = signer.sign(signingInput);
    if (signature.isEmpty()) {
        return credentialsError(QStringLiteral("signing the JWT failed"));
    }
    return QByteArray(signingInput + '.' + nkeys::base64UrlNoPad(signature));
}

Result<QByteArray> createOperator(const nkeys::KeyPair& operatorKey, const QString& name,
                                  QByteArrayView systemAccount) {
    if (Status s = expectSigner(operatorKey, nkeys::KeyType::Operator, QStringLiteral("signer"));
        !s.ok()) {
        return s;
    }
    ordered_json nats = ordered_json::object();
    if (!systemAccount.trimmed().isEmpty()) {
        if (Status s = expectPublicKey(systemAccount, nkeys::KeyType::Account,
                                       QStringLiteral("system account"));
            !s.ok()) {
            return s;
        }
        nats["system_account"] = toStd(systemAccount.trimmed());
    }
    nats["type"] = "operator";
    nats["version"] = kVersion;

    ordered_json claims = baseClaims(name, operatorKey.publicKey());
    claims["nats"] = std::move(nats);
    return encode(std::move(claims), operatorKey);
}

Result<QByteArray> createAccount(const nkeys::KeyPair& operatorKey, QByteArrayView accountPublicKey,
                                 const QString& name, bool jetStream) {
    if (Status s = expectSigner(operatorKey, nkeys::KeyType::Operator, QStringLiteral("signer"));
        !s.ok()) {
        return s;
    }
    if (Status s = expectPublicKey(accountPublicKey, nkeys::KeyType::Account,
                                   QStringLiteral("account public key"));
        !s.ok()) {
        return s;
    }
    ordered_json limits = ordered_json::object();
    limits["subs"] = kNoLimit;
    limits["data"] = kNoLimit;
    limits["payload"] = kNoLimit;
    limits["imports"] = kNoLimit;
    limits["exports"] = kNoLimit;
    // A boolean in the Go structs ("may exports use wildcards"), not a count.
    limits["wildcards"] = true;
    limits["conn"] = kNoLimit;
    limits["leaf"] = kNoLimit;
    if (jetStream) {
        // The server enables JetStream for an account when either storage limit is non-zero.
        limits["mem_storage"] = kNoLimit;
        limits["disk_storage"] = kNoLimit;
        limits["streams"] = kNoLimit;
        limits["consumer"] = kNoLimit;
    }
    ordered_json nats = ordered_json::object();
    nats["limits"] = std::move(limits);
    nats["default_permissions"] = {{"pub", ordered_json::object()},
                                   {"sub", ordered_json::object()}};
    nats["type"] = "account";
    nats["version"] = kVersion;

    ordered_json claims = baseClaims(name, accountPublicKey);
    claims["nats"] = std::move(nats);
    return encode(std::move(claims), operatorKey);
}

Result<QByteArray> createUser(const nkeys::KeyPair& accountKey, QByteArrayView userPublicKey,
                              const QString& name) {
    if (Status s = expectSigner(accountKey, nkeys::KeyType::Account, QStringLiteral("signer"));
        !s.ok()) {
        return s;
    }
    if (Status s =
            expectPublicKey(userPublicKey, nkeys::KeyType::User, QStringLiteral("user public key"));
        !s.ok()) {
        return s;
    }
    ordered_json nats = ordered_json::object();
    nats["pub"] = ordered_json::object();
    nats["sub"] = ordered_json::object();
    nats["subs"] = kNoLimit;
    nats["data"] = kNoLimit;
    nats["payload"] = kNoLimit;
    nats["type"] = "user";
    nats["version"] = kVersion;

    ordered_json claims = baseClaims(name, userPublicKey);
    claims["nats"] = std::move(nats);
    return encode(std::move(claims), accountKey);
}

Result<nlohmann::json> decodeClaims(QByteArrayView jwt) {
    const QByteArrayView token = jwt.trimmed();
    if (token.isEmpty()) {
        return credentialsError(QStringLiteral("empty JWT"));
    }
    const Result<std::array<QByteArrayView, 3>> parts = splitToken(token);
    if (!parts) {
        return parts.error();
    }
    const Result<nlohmann::json> header = decodeSegment(parts.value()[0], QStringLiteral("header"));
    if (!header) {
        return header.error();
    }
    const auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string()) {
        return credentialsError(QStringLiteral("malformed JWT: header has no algorithm"));
    }
    const auto& algorithm = alg->get_ref<const std::string&>();
    if (algorithm != kAlgorithm && algorithm != kAlgorithmV1) {
        return credentialsError(QStringLiteral("not a NATS JWT: unsupported algorithm '%1'")
                                    .arg(QString::fromStdString(algorithm)));
    }
    return decodeSegment(parts.value()[1], QStringLiteral("payload"));
}

bool verify(QByteArrayView jwt) {
    const QByteArrayView token = jwt.trimmed();
    const Result<nlohmann::json> claims = decodeClaims(token);
    if (!claims) {
        return false;
    }
    const auto iss = claims->find("iss");
    if (iss == claims->end() || !iss->is_string()) {
        return false;
    }
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype lastDot = token.lastIndexOf('.');
    const std::optional<QByteArray> signature =
        nkeys::fromBase64UrlNoPad(token.sliced(lastDot + 1));
    if (!signature) {
        return false;
    }
    // v1 claims carry "type" at the top level and sign only the payload segment; v2 moved
    // "type" under "nats" and signs "header.payload", as in the Go decoder.
    const auto v1Type = claims->find("type");
    const bool v1 = v1Type != claims->end() && v1Type->is_string() &&
                    !v1Type->get_ref<const std::string&>().empty();
    const QByteArrayView signedPart =
        v1 ? token.sliced(firstDot + 1, lastDot - firstDot - 1) : token.first(lastDot);
    return nkeys::KeyPair::verify(QByteArray::fromStdString(iss->get<std::string>()), signedPart,
                                  *signature);
}

QByteArray formatCreds(QByteArrayView userJwt, QByteArrayView userSeed) {
    // The exact banner text nsc writes; other tools grep for it.
    static constexpr char kJwtBegin[] = "-----BEGIN NATS USER JWT-----\n";
    static constexpr char kJwtEnd[] =
        "\n------END NATS USER JWT------\n"
        "\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n"
        "\n"
        "-----BEGIN USER NKEY SEED-----\n";
    static constexpr char kSeedEnd[] =
        "\n------END USER NKEY SEED------\n"
        "\n"
        "*************************************************************\n";
    const QByteArrayView jwt = userJwt.trimmed();
    const QByteArrayView seed = userSeed.trimmed();
    QByteArray out;
    // One allocation, so no half-built copy holding the seed is freed unwiped.
    out.reserve(qsizetype(sizeof kJwtBegin + sizeof kJwtEnd + sizeof kSeedEnd) + jwt.size() +
                seed.size());
    out.append(kJwtBegin).append(jwt).append(kJwtEnd).append(seed).append(kSeedEnd);
    return out;
}

} // namespace jetdeck::jwt
