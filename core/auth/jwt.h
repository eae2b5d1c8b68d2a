#pragma once

#include "core/base/error.h"
#include "nkeys.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <nlohmann/json.hpp>

/// Just enough of the NATS JWT v2 format to mint a self-contained operator/account/user chain
/// (for local servers and tests) and to read and check tokens we are handed.
namespace jetdeck::jwt {

/// The jti NATS gives a claim set: unpadded base32 of SHA-512/256 over the JSON of the
/// standard claims (aud, exp, iat, iss, name, nbf, sub) with jti left out.
QByteArray claimsId(const nlohmann::ordered_json& claims);

/// Signs a claim set with signer: sets "iss" to the signer's public key, "iat" to now unless
/// already present, and "jti"; returns the compact token. "sub" must be set.
Result<QByteArray> encode(nlohmann::ordered_json claims, const nkeys::KeyPair& signer);

/// A self-signed operator JWT. systemAccount, when given, must be an account public key.
Result<QByteArray> createOperator(const nkeys::KeyPair& operatorKey, const QString& name,
                                  QByteArrayView systemAccount = {});

/// An account JWT signed by the operator, with unlimited connection limits and, when
/// jetStream is true, unlimited JetStream memory and file storage.
Result<QByteArray> createAccount(const nkeys::KeyPair& operatorKey, QByteArrayView accountPublicKey,
                                 const QString& name, bool jetStream = true);

/// A user JWT signed by the account, with no permission restrictions and no limits.
Result<QByteArray> createUser(const nkeys::KeyPair& accountKey, QByteArrayView userPublicKey,
                              const QString& name);

/// The claims of a token, without checking its signature. Fails on a malformed token or a
/// header that is not a NATS (ed25519 / ed25519-nkey) one.
Result<nlohmann::json> decodeClaims(QByteArrayView jwt);

/// True when the token is well formed and signed by the key named in its "iss" claim (v2
/// tokens sign "header.payload", v1 tokens the payload alone). This says nothing about
/// whether that issuer is trusted.
bool verify(QByteArrayView jwt);

/// A .creds file body in the layout nsc writes: the decorated user JWT, then the decorated
/// seed between the "IMPORTANT" banners.
QByteArray formatCreds(QByteArrayView userJwt, QByteArrayView userSeed);

} // namespace jetdeck::jwt
