#pragma once

#include "core/base/error.h"
#include "options.h"
#include "serverinfo.h"
#include "serverurl.h"

#include <QByteArray>
#include <QList>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>

class QSslCertificate;

namespace jetdeck::handshake {

/// What a connection needs from files and options before it touches the network: the
/// credential source (.creds, seed file, inline seed, a JWT with its seed) and the TLS files.
/// A bad file is the user's to fix and no retry helps, so this runs once per open() and its
/// error is final. The same readers sign CONNECT later (the files may change in between).
Status checkLocalInputs(const Options& options);

/// The CONNECT frame followed by the handshake's PING, for `url` (its user info wins over
/// the options, as in nats.c and nats.go) answering `info` (its nonce is signed when NKey or
/// JWT authentication is configured).
Result<QByteArray> connectFrame(const Options& options, const ServerInfo& info,
                                const ServerUrl& url, bool tls);

/// The TLS configuration the options describe (CA, client certificate and key, verification).
Result<QSslConfiguration> tlsConfiguration(const TlsOptions& tls);

/// What to do with the certificate errors a TLS handshake reported.
struct SslVerdict {
    QList<QSslError> ignorable; ///< allowed by the options: ignore them and go on
    QString fatal;              ///< empty when the handshake may go on; else why it may not
};
/// Judges certificate errors against the options; `peerName` is the host the certificate
/// must name, `chain` the server's certificate chain.
SslVerdict judgeSslErrors(const TlsOptions& tls, const QList<QSslError>& errors,
                          const QString& peerName, const QList<QSslCertificate>& chain);

/// Why a TLS handshake with `hostPort` failed, for the user: `judged` (from judgeSslErrors)
/// when there is one, else the socket's error text, with a hint when a TLS 1.3 server asked
/// for a client certificate the options do not give.
QString tlsFailureText(const TlsOptions& tls, const QString& hostPort, const QString& judged,
                       const QString& socketError);

} // namespace jetdeck::handshake
