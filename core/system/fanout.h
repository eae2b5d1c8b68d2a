#pragma once

#include "core/system/sysdocs.h"

#include <QByteArray>
#include <QObject>

#include <functional>
#include <memory>

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
    QStringList unanswered;     ///< monitoring ports (MonitorPorts) that did not answer, and why
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

/// Work on a fan-out's replies away from the caller's thread; what it returns runs on the
/// caller's thread afterwards.
using FanoutWork = std::function<std::function<void()>(FanoutResult&&)>;

/// Like fanout(), for answers too large to read on a GUI thread (JSZ with every consumer and its
/// configuration: megabytes of JSON a server): the replies are kept as they arrive, then parsed
/// and handed to `work` on a worker thread; the function `work` returns runs on `context`'s
/// thread, never if `context` is destroyed first. One such work runs at a time, whoever asked,
/// so two large answers are never held parsed at once.
void fanoutOffThread(Connection* connection, QByteArrayView subject, QByteArrayView body,
                     const FanoutOptions& options, QObject* context, FanoutWork work);

/// The FanoutWork that runs `digest` on the replies (on the background thread) and hands
/// what it made to `done` (on the caller's thread).
template <typename T>
FanoutWork digestInto(std::function<T(const FanoutResult&)> digest, std::function<void(T&&)> done) {
    return [digest = std::move(digest),
            done = std::move(done)](FanoutResult&& r) -> std::function<void()> {
        auto value = std::make_shared<T>(digest(r));
        return [value, done] { done(std::move(*value)); };
    };
}

/// fanoutOffThread() with a typed result: `digest` reads the replies on the worker thread,
/// `done` gets what it made on `context`'s thread.
template <typename T>
void fanoutDigested(Connection* connection, QByteArrayView subject, QByteArrayView body,
                    const FanoutOptions& options, QObject* context,
                    std::function<T(const FanoutResult&)> digest, std::function<void(T&&)> done) {
    fanoutOffThread(connection, subject, body, options, context,
                    digestInto<T>(std::move(digest), std::move(done)));
}

/// What a connection's user needs to see the system: words for the console and the CLI when
/// a fan-out found nobody listening.
QString systemAccessHint();

} // namespace jetdeck::sys
