#include "savedconnection.h"

#include "core/client/connectoptions.h"

#include <QFileInfo>
#include <QSettings>

#include <algorithm>

namespace jetdeck {

namespace {

Error invalid(const QString& text) {
    return Error{ErrorKind::InvalidArgument, text};
}

Status checkFile(const QString& field, const QString& path, bool required) {
    if (path.isEmpty())
        return required ? invalid(QStringLiteral("%1: choose a file").arg(field)) : Status{};
    const QFileInfo fi(path);
    if (!fi.exists())
        return invalid(QStringLiteral("%1: %2 does not exist").arg(field, path));
    if (!fi.isFile() || !fi.isReadable())
        return invalid(QStringLiteral("%1: %2 is not a readable file").arg(field, path));
    return {};
}

AuthKind authFromName(const QString& s) {
    for (AuthKind k :
         {AuthKind::None, AuthKind::UserPassword, AuthKind::Token, AuthKind::Creds, AuthKind::NKey})
        if (authKindName(k) == s)
            return k;
    return AuthKind::None;
}

} // namespace

QString authKindName(AuthKind kind) {
    switch (kind) {
    case AuthKind::None:
        return QStringLiteral("none");
    case AuthKind::UserPassword:
        return QStringLiteral("user-password");
    case AuthKind::Token:
        return QStringLiteral("token");
    case AuthKind::Creds:
        return QStringLiteral("creds");
    case AuthKind::NKey:
        return QStringLiteral("nkey");
    }
    return QStringLiteral("none");
}

Status SavedConnection::validate() const {
    if (name.trimmed().isEmpty())
        return invalid(QStringLiteral("Name: give the connection a name"));
    if (name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\')))
        return invalid(QStringLiteral("Name: no slashes, please"));
    if (urls.trimmed().isEmpty())
        return invalid(QStringLiteral("URLs: enter at least one server URL"));
    auto o = Options::fromUrls(urls);
    if (!o)
        return invalid(QStringLiteral("URLs: %1").arg(o.error().message));
    for (const ServerUrl& u : o->servers)
        if (!u.password.isEmpty() || !u.token.isEmpty())
            return invalid(QStringLiteral("URLs: %1 holds a secret; put it in the password or "
                                          "token field (kept in the keyring, never in the "
                                          "settings file)")
                               .arg(u.redacted()));
    if (auth == AuthKind::UserPassword && user.trimmed().isEmpty())
        return invalid(QStringLiteral("User: enter the user name"));
    if (auth == AuthKind::Creds)
        if (Status s = checkFile(QStringLiteral("Credentials file"), credsPath, true); !s.ok())
            return s;
    if (auth == AuthKind::NKey)
        if (Status s = checkFile(QStringLiteral("NKey seed file"), nkeyPath, true); !s.ok())
            return s;
    if (Status s = checkFile(QStringLiteral("CA file"), caPath, false); !s.ok())
        return s;
    if (Status s = checkFile(QStringLiteral("Client certificate"), certPath, false); !s.ok())
        return s;
    if (Status s = checkFile(QStringLiteral("Client key"), keyPath, false); !s.ok())
        return s;
    if (certPath.isEmpty() != keyPath.isEmpty())
        return invalid(QStringLiteral("Client certificate: give both the certificate and its key"));
    if (!sysUser.trimmed().isEmpty() && !sysCredsPath.isEmpty())
        return invalid(QStringLiteral("System account: give its user or its credentials file, "
                                      "not both"));
    if (Status s =
            checkFile(QStringLiteral("System account credentials file"), sysCredsPath, false);
        !s.ok())
        return s;
    return {};
}

SystemCredentials SavedConnection::systemCredentials(const QString& sysPassword) const {
    SystemCredentials c;
    c.user = sysUser.trimmed();
    c.password = c.user.isEmpty() ? QString() : sysPassword;
    c.credsFile = sysCredsPath;
    return c;
}

Result<Options> SavedConnection::toOptions(const QString& secret) const {
    if (Status s = validate(); !s.ok())
        return s;
    NatsContext ctx;
    ctx.name = name;
    ctx.url = urls;
    switch (auth) {
    case AuthKind::None:
        break;
    case AuthKind::UserPassword:
        ctx.user = user;
        ctx.password = secret;
        break;
    case AuthKind::Token:
        ctx.token = secret;
        break;
    case AuthKind::Creds:
        ctx.creds = credsPath;
        break;
    case AuthKind::NKey:
        ctx.nkey = nkeyPath;
        break;
    }
    ctx.ca = caPath;
    ctx.cert = certPath;
    ctx.key = keyPath;
    ctx.tlsFirst = tlsFirst;
    ctx.ignoreDiscoveredServers = ignoreDiscovered;
    return optionsFromContext(ctx);
}

SavedConnection SavedConnection::fromContext(const NatsContext& c) {
    SavedConnection s;
    s.name = c.name;
    s.urls = c.url.isEmpty() ? QString::fromLatin1(kNatsDefaultUrl) : c.url;
    if (!c.creds.isEmpty()) {
        s.auth = AuthKind::Creds;
        s.credsPath = c.creds;
    } else if (!c.nkey.isEmpty()) {
        s.auth = AuthKind::NKey;
        s.nkeyPath = c.nkey;
    } else if (!c.token.isEmpty()) {
        s.auth = AuthKind::Token;
    } else if (!c.user.isEmpty()) {
        s.auth = AuthKind::UserPassword;
        s.user = c.user;
    }
    s.caPath = c.ca;
    s.certPath = c.cert;
    s.keyPath = c.key;
    s.tlsFirst = c.tlsFirst;
    s.ignoreDiscovered = c.ignoreDiscoveredServers;
    return s;
}

QList<SavedConnection> loadSavedConnections(QSettings& settings) {
    QList<SavedConnection> out;
    settings.beginGroup(QStringLiteral("connections"));
    for (const QString& group : settings.childGroups()) {
        settings.beginGroup(group);
        SavedConnection c;
        c.name = settings.value(QStringLiteral("name"), group).toString();
        c.urls = settings.value(QStringLiteral("urls")).toString();
        c.auth = authFromName(settings.value(QStringLiteral("auth")).toString());
        c.user = settings.value(QStringLiteral("user")).toString();
        c.credsPath = settings.value(QStringLiteral("creds")).toString();
        c.nkeyPath = settings.value(QStringLiteral("nkey")).toString();
        c.caPath = settings.value(QStringLiteral("ca")).toString();
        c.certPath = settings.value(QStringLiteral("cert")).toString();
        c.keyPath = settings.value(QStringLiteral("key")).toString();
        c.tlsFirst = settings.value(QStringLiteral("tlsFirst")).toBool();
        c.ignoreDiscovered = settings.value(QStringLiteral("ignoreDiscovered")).toBool();
        c.sysUser = settings.value(QStringLiteral("sysUser")).toString();
        c.sysCredsPath = settings.value(QStringLiteral("sysCreds")).toString();
        settings.endGroup();
        out.append(c);
    }
    settings.endGroup();
    std::sort(out.begin(), out.end(), [](const SavedConnection& a, const SavedConnection& b) {
        return a.name.localeAwareCompare(b.name) < 0;
    });
    return out;
}

namespace {
/// A QSettings group for a name (names may hold characters QSettings treats specially).
QString groupOf(const QString& name) {
    return QString::fromLatin1(name.toUtf8().toHex());
}
} // namespace

void saveConnection(QSettings& settings, const SavedConnection& c) {
    settings.beginGroup(QStringLiteral("connections"));
    settings.remove(groupOf(c.name));
    settings.beginGroup(groupOf(c.name));
    settings.setValue(QStringLiteral("name"), c.name);
    settings.setValue(QStringLiteral("urls"), c.urls);
    settings.setValue(QStringLiteral("auth"), authKindName(c.auth));
    settings.setValue(QStringLiteral("user"), c.user);
    settings.setValue(QStringLiteral("creds"), c.credsPath);
    settings.setValue(QStringLiteral("nkey"), c.nkeyPath);
    settings.setValue(QStringLiteral("ca"), c.caPath);
    settings.setValue(QStringLiteral("cert"), c.certPath);
    settings.setValue(QStringLiteral("key"), c.keyPath);
    settings.setValue(QStringLiteral("tlsFirst"), c.tlsFirst);
    settings.setValue(QStringLiteral("ignoreDiscovered"), c.ignoreDiscovered);
    settings.setValue(QStringLiteral("sysUser"), c.sysUser);
    settings.setValue(QStringLiteral("sysCreds"), c.sysCredsPath);
    settings.endGroup();
    settings.endGroup();
}

void removeSavedConnection(QSettings& settings, const QString& name) {
    settings.beginGroup(QStringLiteral("connections"));
    settings.remove(groupOf(name));
    settings.endGroup();
}

} // namespace jetdeck
