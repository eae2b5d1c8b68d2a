#pragma once

#include "core/base/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace jetdeck {

/// A user JWT and the user's NKey seed, as held in a .creds file. The seed bytes are wiped
/// when the last copy goes away.
struct Credentials {
    QByteArray jwt;
    QByteArray seed;

    ~Credentials();
};

/// Parses the text of a .creds file as nsc writes it: the first dash-fenced block holds the
/// user JWT, the second the user seed. A bare seed line outside any block is accepted too.
/// The seed must be a valid user seed; errors carry ErrorKind::Credentials.
Result<Credentials> parseCreds(QByteArrayView text);

/// Reads and parses a .creds file; error messages name the file.
Result<Credentials> readCredsFile(const QString& path);

/// A warning when a secret-holding file (creds, NKey seed, TLS key) can be read by users other
/// than its owner; empty when it cannot (or does not exist). The file is still used: the
/// warning says how to fix it.
QString secretFileWarning(const QString& path);

} // namespace jetdeck
