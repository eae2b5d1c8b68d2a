#include "systemcredentials.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace jetdeck {

Status SystemCredentials::validate() const {
    if (!user.isEmpty() && !credsFile.isEmpty())
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("give a system user or a system creds file, not both"));
    if (!password.isEmpty() && user.isEmpty())
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("a system account password needs its user"));
    if (!credsFile.isEmpty() && !QFileInfo(credsFile).isReadable())
        return Error(
            ErrorKind::InvalidArgument,
            QStringLiteral("the system account creds file %1 cannot be read").arg(credsFile));
    return {};
}

Options SystemCredentials::applyTo(const Options& base) const {
    Options o = base;
    if (!isSet())
        return o;
    o.auth = AuthOptions{};
    for (ServerUrl& u : o.servers) {
        u.user.clear();
        u.password.clear();
        u.token.clear();
    }
    if (!user.isEmpty()) {
        o.auth.user = user;
        o.auth.password = password;
    } else {
        o.auth.credsFile = credsFile;
    }
    o.name = base.name + QStringLiteral("-sys");
    return o;
}

void SystemCredentials::addOptions(QCommandLineParser& p) {
    p.addOptions({
        {QStringLiteral("sys-user"),
         QStringLiteral("A user of the system account, when the connection's own is not one."),
         QStringLiteral("user")},
        {QStringLiteral("sys-password"), QStringLiteral("Password of --sys-user."),
         QStringLiteral("password")},
        {QStringLiteral("sys-creds"), QStringLiteral("Credentials file of a system account user."),
         QStringLiteral("file")},
    });
}

Result<SystemCredentials> SystemCredentials::fromArguments(const QCommandLineParser& p) {
    const bool user = p.isSet(QStringLiteral("sys-user"));
    const bool creds = p.isSet(QStringLiteral("sys-creds"));
    if (user && creds)
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("give --sys-user or --sys-creds, not both"));
    if (p.isSet(QStringLiteral("sys-password")) && !user)
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("--sys-password goes with --sys-user"));
    SystemCredentials c;
    if (user) {
        c.user = p.value(QStringLiteral("sys-user"));
        c.password = p.value(QStringLiteral("sys-password"));
        if (c.user.isEmpty())
            return Error(ErrorKind::InvalidArgument, QStringLiteral("--sys-user is empty"));
    } else if (creds) {
        c.credsFile = p.value(QStringLiteral("sys-creds"));
        if (Status s = c.validate(); !s.ok())
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("--sys-creds: %1 cannot be read").arg(c.credsFile));
    }
    return c;
}

} // namespace jetdeck
