#pragma once

#include "core/client/natscontext.h"
#include "core/client/options.h"
#include "core/client/systemcredentials.h"

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
    /// A user of the system account beside the connection's own (the servers, clients and
    /// JetStream pages): a user (its password in the keyring, systemSecretKey()) or a creds
    /// file, or neither.
    QString sysUser;
    QString sysCredsPath;

    /// Checks the fields (name, URLs, the files auth and TLS name exist); the error names
    /// the field.
    Status validate() const;
    /// True when connecting needs a password or token.
    bool needsSecret() const { return auth == AuthKind::UserPassword || auth == AuthKind::Token; }
    /// The keyring key of its secret.
    QString secretKey() const { return QStringLiteral("connection/") + name; }
    /// True when the system account's user needs a password.
    bool needsSystemSecret() const { return !sysUser.isEmpty(); }
    QString systemSecretKey() const { return secretKey() + QStringLiteral("/system"); }
    /// The system account's credentials (none when neither field is set).
    SystemCredentials systemCredentials(const QString& sysPassword = {}) const;
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
