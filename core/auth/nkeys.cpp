#include "nkeys.h"

#include <QFile>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

namespace jetdeck::nkeys {

namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Prefix bytes as the NKeys format defines them: the top five bits select the leading base32
// character of the encoded key.
constexpr quint8 kPrefixSeed = 18 << 3;     // 'S'
constexpr quint8 kPrefixOperator = 14 << 3; // 'O'
constexpr quint8 kPrefixAccount = 0;        // 'A'
constexpr quint8 kPrefixUser = 20 << 3;     // 'U'
constexpr quint8 kPrefixServer = 13 << 3;   // 'N'
constexpr quint8 kPrefixCluster = 2 << 3;   // 'C'
constexpr quint8 kPrefixCurve = 23 << 3;    // 'X'

constexpr qsizetype kKeySize = 32;
constexpr qsizetype kSeedRawSize = 2 + kKeySize + 2;   // two prefix bytes, key, CRC
constexpr qsizetype kPublicRawSize = 1 + kKeySize + 2; // prefix byte, key, CRC
constexpr qsizetype kSeedTextSize = 58;
constexpr qsizetype kPublicTextSize = 56;
// Seed files are a few lines; anything bigger is not one, and reading it whole would be silly.
constexpr qint64 kMaxSeedFileSize = 1 << 20;

quint8 prefixByte(KeyType type) {
    switch (type) {
    case KeyType::Operator:
        return kPrefixOperator;
    case KeyType::Account:
        return kPrefixAccount;
    case KeyType::User:
        return kPrefixUser;
    case KeyType::Server:
        return kPrefixServer;
    case KeyType::Cluster:
        return kPrefixCluster;
    }
    return kPrefixUser;
}

std::optional<KeyType> typeFromPrefix(quint8 prefix) {
    switch (prefix) {
    case kPrefixOperator:
        return KeyType::Operator;
    case kPrefixAccount:
        return KeyType::Account;
    case kPrefixUser:
        return KeyType::User;
    case kPrefixServer:
        return KeyType::Server;
    case kPrefixCluster:
        return KeyType::Cluster;
    default:
        return std::nullopt;
    }
}

Error credentialsError(QString message) {
    return Error{ErrorKind::Credentials, std::move(message)};
}

// The text a bad key starts with, for error messages. Only a couple of characters, so a
// mistyped secret is not written to logs.
QString leadingChars(QByteArrayView text, qsizetype count) {
    return QString::fromUtf8(text.first(std::min(count, text.size())).toByteArray());
}

// QByteArray that overwrites its bytes when it goes away; for decoded seed material.
struct WipedBytes {
    QByteArray bytes;
    ~WipedBytes() { wipe(bytes); }
};

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

PkeyPtr privateKey(const std::array<unsigned char, 32>& seed) {
    return PkeyPtr(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
}

QByteArray encodeWithChecksum(QByteArray raw) {
    const quint16 crc = crc16(raw);
    raw.append(static_cast<char>(crc & 0xff));
    raw.append(static_cast<char>(crc >> 8));
    QByteArray text = base32Encode(raw);
    OPENSSL_cleanse(raw.data(), static_cast<size_t>(raw.size()));
    return text;
}

bool checksumMatches(const QByteArray& raw) {
    const qsizetype payload = raw.size() - 2;
    const auto lo = static_cast<quint8>(raw.at(payload));
    const auto hi = static_cast<quint8>(raw.at(payload + 1));
    return crc16(QByteArrayView(raw).first(payload)) == static_cast<quint16>(lo | (hi << 8));
}

// Decodes and checks an encoded public key; the raw 32-byte key goes to rawKey when given.
Result<KeyType> decodePublic(QByteArrayView text, std::array<unsigned char, 32>* rawKey) {
    const QByteArrayView key = text.trimmed();
    if (key.isEmpty()) {
        return credentialsError(QStringLiteral("empty public key"));
    }
    // No public prefix encodes to 'S' or 'P', so these are secrets handed in by mistake.
    if (key.front() == 'S') {
        return credentialsError(QStringLiteral("expected a public key but got a seed"));
    }
    if (key.front() == 'P') {
        return credentialsError(QStringLiteral("expected a public key but got a private key"));
    }
    if (key.size() != kPublicTextSize) {
        return credentialsError(
            QStringLiteral("public key has the wrong length: %1 characters, expected %2")
                .arg(key.size())
                .arg(kPublicTextSize));
    }
    const std::optional<QByteArray> raw = base32Decode(key);
    if (!raw) {
        return credentialsError(QStringLiteral("public key is not valid base32"));
    }
    if (raw->size() != kPublicRawSize) {
        return credentialsError(QStringLiteral("public key has the wrong length"));
    }
    if (!checksumMatches(*raw)) {
        return credentialsError(QStringLiteral("public key checksum does not match"));
    }
    const std::optional<KeyType> type = typeFromPrefix(static_cast<quint8>(raw->at(0)));
    if (!type) {
        return credentialsError(
            QStringLiteral("not a public key: unsupported prefix '%1'").arg(leadingChars(key, 1)));
    }
    if (rawKey) {
        std::copy_n(raw->constData() + 1, kKeySize, rawKey->begin());
    }
    return *type;
}

} // namespace

QString keyTypeName(KeyType type) {
    switch (type) {
    case KeyType::Operator:
        return QStringLiteral("operator");
    case KeyType::Account:
        return QStringLiteral("account");
    case KeyType::User:
        return QStringLiteral("user");
    case KeyType::Server:
        return QStringLiteral("server");
    case KeyType::Cluster:
        return QStringLiteral("cluster");
    }
    return QStringLiteral("unknown");
}

char publicKeyPrefix(KeyType type) {
    return kBase32Alphabet[prefixByte(type) >> 3];
}

QByteArray base32Encode(QByteArrayView data) {
    QByteArray out;
    out.reserve((data.size() * 8 + 4) / 5);
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : data) {
        buffer = (buffer << 8) | static_cast<quint8>(c);
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out.append(kBase32Alphabet[(buffer >> bits) & 0x1f]);
        }
    }
    if (bits > 0) {
        out.append(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
    }
    return out;
}

std::optional<QByteArray> base32Decode(QByteArrayView text) {
    QByteArray out;
    out.reserve(text.size() * 5 / 8);
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : text) {
        quint32 value = 0;
        if (c >= 'A' && c <= 'Z') {
            value = static_cast<quint32>(c - 'A');
        } else if (c >= '2' && c <= '7') {
            value = static_cast<quint32>(c - '2' + 26);
        } else {
            // Wipe what we have: the input is often a seed.
            OPENSSL_cleanse(out.data(), static_cast<size_t>(out.size()));
            return std::nullopt;
        }
        buffer = (buffer << 5) | value;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.append(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

quint16 crc16(QByteArrayView data) {
    quint16 crc = 0;
    for (const char c : data) {
        crc ^= static_cast<quint16>(static_cast<quint8>(c) << 8);
        for (int i = 0; i < 8; ++i) {
            crc = (crc & 0x8000) ? static_cast<quint16>((crc << 1) ^ 0x1021)
                                 : static_cast<quint16>(crc << 1);
        }
    }
    return crc;
}

QByteArray base64UrlNoPad(QByteArrayView data) {
    return data.toByteArray().toBase64(QByteArray::Base64UrlEncoding |
                                       QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> fromBase64UrlNoPad(QByteArrayView text) {
    // Qt quietly accepts padding and a dangling sixth bit group; JWT segments have neither, so
    // anything like that is a corrupted token rather than something to guess at.
    if (text.contains('=') || text.size() % 4 == 1) {
        return std::nullopt;
    }
    auto decoded = QByteArray::fromBase64Encoding(text.toByteArray(),
                                                  QByteArray::Base64UrlEncoding |
                                                      QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        return std::nullopt;
    }
    return std::move(decoded.decoded);
}

void wipe(QByteArray& bytes) {
    // A shared (or static, read-only) buffer still belongs to someone else: clearing our
    // reference is all we may do; its last owner wipes it.
    if (!bytes.isEmpty() && bytes.isDetached()) {
        OPENSSL_cleanse(bytes.data(), static_cast<size_t>(bytes.size()));
    }
    bytes.clear();
}

Result<KeyType> publicKeyType(QByteArrayView publicKey) {
    return decodePublic(publicKey, nullptr);
}

KeyPair::KeyPair(KeyType type, const std::array<unsigned char, 32>& seed)
    : m_type(type)
    , m_seed(seed) {
    PkeyPtr key = privateKey(m_seed);
    size_t length = m_public.size();
    // Only an allocation failure inside OpenSSL can make these fail; a zero public key then
    // makes every signature check fail instead of crashing.
    if (!key || EVP_PKEY_get_raw_public_key(key.get(), m_public.data(), &length) != 1) {
        m_public.fill(0);
    }
}

KeyPair::~KeyPair() {
    OPENSSL_cleanse(m_seed.data(), m_seed.size());
}

Result<KeyPair> KeyPair::fromSeed(QByteArrayView seedText) {
    const QByteArrayView text = seedText.trimmed();
    if (text.isEmpty()) {
        return credentialsError(QStringLiteral("empty seed"));
    }
    if (text.front() != 'S') {
        return credentialsError(QStringLiteral("not a seed: starts with '%1', seeds start with 'S'")
                                    .arg(leadingChars(text, 1)));
    }
    if (text.size() != kSeedTextSize) {
        return credentialsError(
            QStringLiteral("seed has the wrong length: %1 characters, expected %2")
                .arg(text.size())
                .arg(kSeedTextSize));
    }
    std::optional<QByteArray> decoded = base32Decode(text);
    if (!decoded) {
        return credentialsError(QStringLiteral("seed is not valid base32"));
    }
    const WipedBytes raw{std::move(*decoded)};
    if (raw.bytes.size() != kSeedRawSize) {
        return credentialsError(QStringLiteral("seed has the wrong length"));
    }
    if (!checksumMatches(raw.bytes)) {
        return credentialsError(QStringLiteral("seed checksum does not match"));
    }
    const auto b0 = static_cast<quint8>(raw.bytes.at(0));
    const auto b1 = static_cast<quint8>(raw.bytes.at(1));
    if ((b0 & 0xf8) != kPrefixSeed) {
        return credentialsError(QStringLiteral("not a seed: bad prefix byte"));
    }
    // The seed's two prefix bytes carry the public prefix byte shifted right by three bits:
    // its top three bits in the low bits of b0, its low five bits in the top of b1.
    const auto publicPrefix = static_cast<quint8>(((b0 & 0x07) << 5) | ((b1 & 0xf8) >> 3));
    const std::optional<KeyType> type = typeFromPrefix(publicPrefix);
    if (!type) {
        if (publicPrefix == kPrefixCurve) {
            return credentialsError(
                QStringLiteral("unsupported seed type: curve (X) keys cannot sign"));
        }
        return credentialsError(QStringLiteral("not a seed: unknown key type '%1'")
                                    .arg(leadingChars(text.sliced(1), 1)));
    }
    std::array<unsigned char, 32> seed{};
    std::copy_n(raw.bytes.constData() + 2, kKeySize, seed.begin());
    KeyPair pair(*type, seed);
    OPENSSL_cleanse(seed.data(), seed.size());
    return pair;
}

KeyPair KeyPair::generate(KeyType type) {
    std::array<unsigned char, 32> seed{};
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
        // A key from a failed CSPRNG would be guessable; better to stop than to hand it out.
        qFatal("nkeys: RAND_bytes failed, cannot generate a key");
    }
    KeyPair pair(type, seed);
    OPENSSL_cleanse(seed.data(), seed.size());
    return pair;
}

QByteArray KeyPair::seed() const {
    const quint8 prefix = prefixByte(m_type);
    QByteArray raw;
    raw.reserve(kSeedRawSize);
    raw.append(static_cast<char>(kPrefixSeed | (prefix >> 5)));
    raw.append(static_cast<char>((prefix & 0x1f) << 3));
    raw.append(reinterpret_cast<const char*>(m_seed.data()), kKeySize);
    return encodeWithChecksum(std::move(raw));
}

QByteArray KeyPair::publicKey() const {
    QByteArray raw;
    raw.reserve(kPublicRawSize);
    raw.append(static_cast<char>(prefixByte(m_type)));
    raw.append(reinterpret_cast<const char*>(m_public.data()), kKeySize);
    return encodeWithChecksum(std::move(raw));
}

QByteArray KeyPair::sign(QByteArrayView data) const {
    PkeyPtr key = privateKey(m_seed);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
        return {};
    }
    QByteArray signature(64, Qt::Uninitialized);
    size_t length = static_cast<size_t>(signature.size());
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(data.data()),
                       static_cast<size_t>(data.size())) != 1 ||
        length != 64) {
        return {};
    }
    return signature;
}

bool KeyPair::verify(QByteArrayView publicKey, QByteArrayView data, QByteArrayView signature) {
    if (signature.size() != 64) {
        return false;
    }
    std::array<unsigned char, 32> raw{};
    if (!decodePublic(publicKey, &raw)) {
        return false;
    }
    PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!key || !ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            static_cast<size_t>(signature.size()),
                            reinterpret_cast<const unsigned char*>(data.data()),
                            static_cast<size_t>(data.size())) == 1;
}

Result<QByteArray> readSeedFile(const QString& path) {
    QFile file(path);
    if (!file.exists()) {
        return credentialsError(QStringLiteral("seed file %1 does not exist").arg(path));
    }
    if (!file.open(QIODevice::ReadOnly)) {
        return credentialsError(
            QStringLiteral("cannot read seed file %1: %2").arg(path, file.errorString()));
    }
    if (file.size() > kMaxSeedFileSize) {
        return credentialsError(QStringLiteral("seed file %1 is too large to be one").arg(path));
    }
    const WipedBytes contents{file.readAll()};
    if (file.error() != QFileDevice::NoError) {
        return credentialsError(
            QStringLiteral("cannot read seed file %1: %2").arg(path, file.errorString()));
    }

    // Walk the lines as views: QByteArray::split would leave unwiped copies of the secret.
    const QByteArrayView all(contents.bytes);
    std::optional<Error> firstProblem;
    for (qsizetype start = 0; start < all.size();) {
        qsizetype end = all.indexOf('\n', start);
        if (end < 0) {
            end = all.size();
        }
        const QByteArrayView line = all.sliced(start, end - start).trimmed();
        start = end + 1;
        if (!line.startsWith('S')) {
            continue;
        }
        Result<KeyPair> pair = KeyPair::fromSeed(line);
        if (pair) {
            return line.toByteArray();
        }
        // Keep looking (a comment may start with 'S'), but remember why the first candidate
        // failed: that is what the user most likely needs to hear about.
        if (!firstProblem) {
            firstProblem = pair.error();
        }
    }
    if (firstProblem) {
        return credentialsError(
            QStringLiteral("no valid seed in %1: %2").arg(path, firstProblem->message));
    }
    return credentialsError(QStringLiteral("no seed found in %1").arg(path));
}

} // namespace jetdeck::nkeys
