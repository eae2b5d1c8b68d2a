#include "handshake.h"

#include "core/auth/creds.h"
#include "core/auth/nkeys.h"
#include "core/protocol/json.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#include <nlohmann/json.hpp>

namespace jetdeck::handshake {

namespace {

/// Turns an error from the credential files into a connect error that names the file.
Error credentialError(const Error& e) {
    return Error{ErrorKind::Credentials, e.message, e.serverText};
}

/// The NKey identity the auth options name: a seed, and the user JWT that goes with it when
/// there is one. The seed is wiped when this goes away.
struct NkeyIdentity {
    QByteArray jwt;
    QByteArray seed;
    ~NkeyIdentity() { nkeys::wipe(seed); }
};

/// Reads the identity from wherever the options put it (.creds file; inline JWT with an inline
/// or file seed; seed file; inline seed) and checks the seed. No identity configured: an
/// empty seed.
Result<NkeyIdentity> readIdentity(const AuthOptions& auth) {
    NkeyIdentity id;
    if (!auth.credsFile.isEmpty()) {
        auto creds = readCredsFile(auth.credsFile);
        if (!creds)
            return credentialError(creds.error());
        id.jwt = creds->jwt;
        id.seed = creds->seed;
    } else if (!auth.nkeySeedFile.isEmpty()) {
        auto seed = nkeys::readSeedFile(auth.nkeySeedFile);
        if (!seed)
            return credentialError(seed.error());
        id.seed = seed.value();
        id.jwt = auth.userJwt;
    } else if (!auth.nkeySeed.isEmpty()) {
        id.seed = auth.nkeySeed;
        id.jwt = auth.userJwt;
    } else if (!auth.userJwt.isEmpty()) {
        return Error{ErrorKind::Credentials,
                     QStringLiteral("a user JWT needs the user's NKey seed to sign the server's "
                                    "nonce, and none was given")};
    }
    if (!id.seed.isEmpty())
        if (auto kp = nkeys::KeyPair::fromSeed(id.seed); !kp)
            return credentialError(kp.error());
    return id;
}

/// The TLS client key: an unencrypted PEM RSA or EC private key.
Result<QSslKey> readClientKey(const QString& path) {
    QFile keyFile(path);
    if (!keyFile.open(QIODevice::ReadOnly))
        return Error{
            ErrorKind::Tls,
            QStringLiteral("cannot read the client key '%1': %2").arg(path, keyFile.errorString())};
    const QByteArray pem = keyFile.readAll();
    QSslKey key(pem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return Error{ErrorKind::Tls,
                     QStringLiteral("the client key '%1' is not an unencrypted PEM RSA or EC "
                                    "private key")
                         .arg(path)};
    return key;
}

/// Certificate errors that mean "signed by nobody we trust", as opposed to a wrong name or
/// a bad date.
bool isTrustError(QSslError::SslError e) {
    switch (e) {
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::CertificateUntrusted:
    case QSslError::CertificateRejected:
        return true;
    default:
        return false;
    }
}

Status checkTlsFiles(const TlsOptions& tls) {
    if (!tls.caFile.isEmpty() && QSslCertificate::fromPath(tls.caFile, QSsl::Pem).isEmpty())
        return Error{ErrorKind::Tls,
                     QStringLiteral("cannot read any PEM certificate from the CA file '%1'")
                         .arg(tls.caFile)};
    if (tls.certFile.isEmpty() != tls.keyFile.isEmpty())
        return Error{ErrorKind::Tls,
                     QStringLiteral("a client certificate needs both a certificate file and a "
                                    "key file")};
    if (!tls.certFile.isEmpty() && QSslCertificate::fromPath(tls.certFile, QSsl::Pem).isEmpty())
        return Error{ErrorKind::Tls,
                     QStringLiteral("cannot read a PEM certificate from '%1'").arg(tls.certFile)};
    if (!tls.keyFile.isEmpty())
        if (auto key = readClientKey(tls.keyFile); !key)
            return key.error();
    return {};
}

} // namespace

Status checkLocalInputs(const Options& options) {
    if (auto id = readIdentity(options.auth); !id)
        return id.error();
    return checkTlsFiles(options.tls);
}

Result<QByteArray> connectFrame(const Options& options, const ServerInfo& info,
                                const ServerUrl& url, bool tls) {
    nlohmann::json j;
    j["verbose"] = options.verbose;
    j["pedantic"] = options.pedantic;
    j["tls_required"] = tls;
    j["name"] = options.name.toStdString();
    j["lang"] = "cpp-qt";
    j["version"] = JETDECK_VERSION;
    j["protocol"] = 1;
    j["echo"] = options.echo;
    if (info.headers) {
        j["headers"] = true;
        j["no_responders"] = true;
    }

    const AuthOptions& auth = options.auth;
    const QString user = url.user.isEmpty() ? auth.user : url.user;
    const QString pass = url.user.isEmpty() ? auth.password : url.password;
    const QString token = url.token.isEmpty() ? auth.token : url.token;
    if (!user.isEmpty()) {
        j["user"] = user.toStdString();
        j["pass"] = pass.toStdString();
    } else if (!token.isEmpty()) {
        j["auth_token"] = token.toStdString();
    }

    auto id = readIdentity(auth);
    if (!id)
        return id.error();
    if (!id->seed.isEmpty()) {
        if (info.nonce.isEmpty())
            return Error{ErrorKind::Authorization,
                         QStringLiteral("the server sent no nonce to sign; it is not configured "
                                        "for NKey or JWT authentication")};
        auto kp = nkeys::KeyPair::fromSeed(id->seed);
        if (!kp)
            return credentialError(kp.error());
        j["sig"] = nkeys::base64UrlNoPad(kp->sign(info.nonce)).toStdString();
        if (id->jwt.isEmpty())
            j["nkey"] = kp->publicKey().toStdString();
        else
            j["jwt"] = id->jwt.toStdString();
    }

    QByteArray out = QByteArrayLiteral("CONNECT ");
    out.append(json::dumpBytes(j));
    out.append("\r\nPING\r\n");
    return out;
}

Result<QSslConfiguration> tlsConfiguration(const TlsOptions& t) {
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    if (!t.caFile.isEmpty())
        conf.setCaCertificates(QSslCertificate::fromPath(t.caFile, QSsl::Pem));
    if (!t.certFile.isEmpty()) {
        const auto certs = QSslCertificate::fromPath(t.certFile, QSsl::Pem);
        auto key = readClientKey(t.keyFile); // checked before connecting; it may have changed
        if (!key)
            return key.error();
        if (!certs.isEmpty())
            conf.setLocalCertificate(certs.first());
        conf.setPrivateKey(key.value());
    }
    conf.setPeerVerifyMode(t.insecureSkipVerify ? QSslSocket::VerifyNone : QSslSocket::VerifyPeer);
    return conf;
}

SslVerdict judgeSslErrors(const TlsOptions& tls, const QList<QSslError>& errors,
                          const QString& peerName, const QList<QSslCertificate>& chain) {
    SslVerdict v;
    QStringList fatal;
    bool untrusted = false;
    for (const QSslError& e : errors) {
        const bool hostOnly = e.error() == QSslError::HostNameMismatch;
        if (tls.insecureSkipVerify || (hostOnly && !tls.verifyHostname)) {
            v.ignorable.append(e);
            continue;
        }
        if (isTrustError(e.error())) {
            untrusted = true;
            continue;
        }
        if (hostOnly && !e.certificate().isNull()) {
            const auto names = e.certificate().subjectAlternativeNames().values();
            fatal.append(QStringLiteral("the certificate is not valid for the host name '%1' "
                                        "(it names: %2)")
                             .arg(peerName, names.join(QStringLiteral(", "))));
            continue;
        }
        fatal.append(e.errorString());
    }
    if (untrusted) {
        const QString issuer = chain.isEmpty() ? QString() : chain.last().issuerDisplayName();
        QString why = QStringLiteral("the server's certificate is not trusted");
        if (!issuer.isEmpty())
            why += QStringLiteral(": it is signed by '%1', which is not ").arg(issuer) +
                   (tls.caFile.isEmpty() ? QStringLiteral("a trusted system CA")
                                         : QStringLiteral("in the CA file '%1'").arg(tls.caFile));
        if (tls.caFile.isEmpty())
            why += QStringLiteral(" (give the CA that signed the server's certificate with "
                                  "--tlsca)");
        fatal.prepend(why);
    }
    fatal.removeDuplicates();
    v.fatal = fatal.join(QStringLiteral("; "));
    return v;
}

QString tlsFailureText(const TlsOptions& tls, const QString& hostPort, const QString& judged,
                       const QString& socketError) {
    QString why = judged.isEmpty() ? socketError : judged;
    // TLS 1.3: a server that wants a client certificate checks it after our side of the
    // handshake is done and answers with an alert on the first read.
    if (judged.isEmpty() && tls.certFile.isEmpty() &&
        (why.contains(QLatin1String("alert bad certificate")) ||
         why.contains(QLatin1String("alert certificate required"))))
        why = QStringLiteral("the server requires a client certificate; give one with --tlscert "
                             "and --tlskey (%1)")
                  .arg(why);
    return QStringLiteral("TLS handshake with %1 failed: %2").arg(hostPort, why);
}

} // namespace jetdeck::handshake
