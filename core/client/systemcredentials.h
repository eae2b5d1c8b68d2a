#pragma once

#include "core/base/error.h"
#include "core/client/options.h"

#include <QString>

class QCommandLineParser;

namespace jetdeck {

/// A user of the system account for what only it may ask ($SYS.REQ.SERVER.PING.*, the
/// servers' client events), when the connection's own user is not one: the same servers,
/// other credentials. Given as --sys-user / --sys-password / --sys-creds (jetdeck and
/// jetdeck-cli), saved with a connection, or made by the demo.
struct SystemCredentials {
    QString user;
    QString password;
    QString credsFile;

    bool isSet() const { return !user.isEmpty() || !credsFile.isEmpty(); }
    /// InvalidArgument naming the flag: a user and a creds file both, a password without a
    /// user, a creds file that cannot be read.
    Status validate() const;
    /// `base` (its servers, TLS, timeouts) with these credentials instead of its own: the
    /// URLs' user, password and token and every other kind of authentication are dropped.
    /// Named base.name + "-sys", so the servers' connection lists tell the two apart.
    Options applyTo(const Options& base) const;
    bool operator==(const SystemCredentials&) const = default;

    /// Adds --sys-user, --sys-password and --sys-creds to a command line.
    static void addOptions(QCommandLineParser& parser);
    /// The credentials given on the command line (none: isSet() false), or why they are wrong.
    static Result<SystemCredentials> fromArguments(const QCommandLineParser& parser);
};

} // namespace jetdeck
