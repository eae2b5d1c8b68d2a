#pragma once

#include "core/base/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <array>
#include <optional>

namespace jetdeck::nkeys {

/// The roles an NKey can play; each has its own one-letter public-key prefix.
enum class KeyType {
    Operator, ///< public keys start with 'O'
    Account,  ///< public keys start with 'A'
    User,     ///< public keys start with 'U'
    Server,   ///< public keys start with 'N'
    Cluster,  ///< public keys start with 'C'
};

/// "operator", "account", "user", "server" or "cluster".
QString keyTypeName(KeyType type);

/// The first character of public keys of this type ('O', 'A', 'U', 'N', 'C').
char publicKeyPrefix(KeyType type);

/// RFC 4648 base32 with the standard alphabet and no padding.
QByteArray base32Encode(QByteArrayView data);
/// Decodes unpadded RFC 4648 base32; nullopt on a character outside the alphabet or '='.
std::optional<QByteArray> base32Decode(QByteArrayView text);

/// CRC16-XMODEM (polynomial 0x1021, initial value 0), the checksum NKeys append.
quint16 crc16(QByteArrayView data);

/// base64url without '=' padding, as used in JWTs and in the CONNECT "sig" field.
QByteArray base64UrlNoPad(QByteArrayView data);
/// Decodes base64url without padding; nullopt on padding, bad characters or a bad length.
std::optional<QByteArray> fromBase64UrlNoPad(QByteArrayView text);

/// Checks an encoded public key (length, checksum, prefix) and returns its type.
Result<KeyType> publicKeyType(QByteArrayView publicKey);

/// An Ed25519 key pair in NKey form. Holds the 32-byte seed, which is wiped on destruction.
class KeyPair {
public:
    /// Parses an encoded seed ("SU...", "SA...", "SO...", "SN...", "SC..."); whitespace around
    /// it is ignored. Errors carry ErrorKind::Credentials and never echo the secret.
    static Result<KeyPair> fromSeed(QByteArrayView seedText);
    /// A fresh key pair of the given type from OpenSSL's CSPRNG.
    static KeyPair generate(KeyType type);

    KeyPair(const KeyPair& other) = default;
    KeyPair(KeyPair&& other) noexcept = default;
    KeyPair& operator=(const KeyPair& other) = default;
    KeyPair& operator=(KeyPair&& other) noexcept = default;
    ~KeyPair();

    /// The encoded seed (58 characters, starts with 'S'). Treat it as a secret.
    QByteArray seed() const;
    /// The encoded public key (56 characters, starts with the type's prefix).
    QByteArray publicKey() const;
    KeyType type() const { return m_type; }

    /// Ed25519 signature of data: 64 raw bytes.
    QByteArray sign(QByteArrayView data) const;
    /// True when signature is a valid Ed25519 signature of data by the encoded publicKey.
    static bool verify(QByteArrayView publicKey, QByteArrayView data, QByteArrayView signature);

private:
    KeyPair(KeyType type, const std::array<unsigned char, 32>& seed);

    KeyType m_type = KeyType::User;
    std::array<unsigned char, 32> m_seed{};
    std::array<unsigned char, 32> m_public{};
};

/// Overwrites the bytes with zeros and empties the array. A buffer still shared with other
/// QByteArrays is left to its last owner, so call this on every copy that held a secret.
void wipe(QByteArray& bytes);

/// Reads an NKey seed file as natscli and nsc write it: the first line that, once trimmed,
/// starts with 'S' and parses as a seed. Returns the trimmed seed text.
Result<QByteArray> readSeedFile(const QString& path);

} // namespace jetdeck::nkeys
