#pragma once

#include "core/client/natscontext.h"
#include "core/client/options.h"

#include <QList>
#include <QString>

class QSettings;

namespace jetdeck {

class SecretStore;

/// How a saved connection authenticates.
enum class AuthKind { None, UserPassword, Token, Creds, NKey };
QString authKindName(AuthKind kind);

/// A connection the console remembers: URLs, authentication and TLS. Kept in QSettings
/// without its secret; the password or token lives in the keyring (SecretStore) when there
/// is one, and is asked for at connect time otherwise.
struct SavedConnection {
    QString name;
    QString urls; ///< comma separated
    AuthKind auth = AuthKind::None;
    QString user;
    QString credsPath;
    QString nkeyPath;
    QString caPath, certPath, keyPath;
    bool tlsFirst = false;
    /// Only the servers listed in urls, never those the cluster advertises.
    bool ignoreDiscovered = false;

    /// Checks the fields (name, URLs, the files auth and TLS name exist); the error names
    /// the field.
    Status validate() const;
    /// True when connecting needs a password or token.
    bool needsSecret() const { return auth == AuthKind::UserPassword || auth == AuthKind::Token; }
    /// The keyring key of its secret.
    QString secretKey() const { return QStringLiteral("connection/") + name; }
    /// Options to connect with; `secret` is the password or token when needsSecret().
    Result<Options> toOptions(const QString& secret = {}) const;
    /// A saved connection made from a natscli context (secrets not included).
    static SavedConnection fromContext(const NatsContext& context);
    bool operator==(const SavedConnection&) const = default;
};

/// The saved connections in QSettings (group "connections"), sorted by name.
QList<SavedConnection> loadSavedConnections(QSettings& settings);
void saveConnection(QSettings& settings, const SavedConnection& c);
void removeSavedConnection(QSettings& settings, const QString& name);

} // namespace jetdeck
