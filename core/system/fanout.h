#pragma once

#include "core/system/sysdocs.h"

#include <QByteArray>
#include <QObject>

#include <functional>

namespace jetdeck {
class Connection;
}

namespace jetdeck::sys {

struct FanoutOptions {
    /// Replies expected (the servers known so far): done as soon as they are in. 0: unknown.
    int expected = 0;
    /// Done this long after the latest reply when fewer than `expected` came.
    int quietMs = 300;
    /// Done at the latest this long after the request.
    int timeoutMs = 2000;
};

/// What a $SYS.REQ.SERVER.PING request collected.
struct FanoutResult {
    QList<ServerReply> replies; ///< in arrival order (errors from servers included)
    QStringList malformed;      ///< replies that were not an envelope, and why
    /// Nobody listens on the subject: the connection's user is not in the system account
    /// (nats-server answers 503 there) or the server has no system account.
    bool noResponders = false;
    Error error;          ///< the request could not be sent
    qint64 elapsedMs = 0; ///< request to done
    bool ok() const { return error.ok() && !noResponders; }
};

using FanoutCallback = std::function<void(const FanoutResult&)>;

/// Sends `body` to `subject` (one of the $SYS.REQ.SERVER.PING subjects, or any subject many
/// answer) with a fresh inbox and gathers every reply until the expected count, a quiet gap or
/// the timeout. `done` runs once, on `context`'s thread; never if `context` is destroyed first.
void fanout(Connection* connection, QByteArrayView subject, QByteArrayView body,
            const FanoutOptions& options, QObject* context, FanoutCallback done);

/// What a connection's user needs to see the system: words for the console and the CLI when
/// a fan-out found nobody listening.
QString systemAccessHint();

} // namespace jetdeck::sys
