#pragma once

#include "contextguard.h"
#include "core/base/error.h"
#include "message.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace jetdeck {

using RequestCallback = std::function<void(const Result<Message>&)>;

/// Requests in flight over one shared reply subscription (`<inbox prefix>.<nuid>.*`): each
/// request gets a token, its reply subject is the prefix plus the token, and a reply is matched
/// back by it. Blocking requests wait here; asynchronous ones get their callback posted to
/// their context. Thread-safe; its lock is a leaf (nothing else is locked while it is held,
/// and no callback runs under it).
class RequestMuxer {
public:
    struct Request {
        QByteArray subject;
        qint64 sentNs = 0;
        qint64 deadlineMs = 0;
        bool async = false;
        RequestCallback callback; ///< async: runs on `context`'s thread
        ContextGuardPtr context;
        // Blocking requests: set under the muxer's lock.
        bool done = false;
        Result<Message> result = Error{ErrorKind::Timeout, QString()};
        std::condition_variable cv;
    };
    using RequestPtr = std::shared_ptr<Request>;

    /// The reply subscription's subject prefix (ends with '.'); empty before it exists.
    QByteArray prefix() const;
    void setPrefix(const QByteArray& prefix);

    /// Registers a request; returns its reply subject. The caller publishes it afterwards (a
    /// reply cannot overtake the registration) and calls forget() when that fails.
    /// `firstAsync` says whether it is the only asynchronous one in flight (the caller starts
    /// the timeout timer then).
    QByteArray add(const RequestPtr& request, bool* firstAsync = nullptr);
    /// Takes a request whose publish failed back out; false when it was no longer there (a
    /// close or its deadline completed it meanwhile, and its outcome is already given).
    bool forget(const QByteArray& replySubject);

    /// A message on the reply subscription: the request it answers, taken out (null for a
    /// late reply after a timeout, or a subject that is not one of ours).
    RequestPtr take(QByteArrayView replySubject);
    /// Completes a request with its outcome: wakes a blocking one, posts an async one's
    /// callback (`queued`: behind what the context already has, for replies).
    void complete(const RequestPtr& request, Result<Message> result, bool queued = false);

    /// Waits for a blocking request until `deadline`; true when it is done.
    bool waitUntil(const RequestPtr& request, std::chrono::steady_clock::time_point deadline);
    bool isDone(const RequestPtr& request) const;
    /// Takes a blocking request that timed out out of the table; returns its result when it
    /// was completed in the meantime.
    std::optional<Result<Message>> abandon(const RequestPtr& request,
                                           const QByteArray& replySubject);

    /// Asynchronous requests past their deadline, taken out.
    QList<RequestPtr> takeExpired(qint64 nowMs);
    /// Every request, taken out (the connection is gone); the prefix is kept unless `reset`.
    QList<RequestPtr> takeAll(bool reset = false);
    /// Asynchronous requests in flight (the connection's timer runs while there are any).
    int asyncCount() const;

private:
    mutable std::mutex m_mu;
    QByteArray m_prefix;
    QHash<QByteArray, RequestPtr> m_requests; ///< by token
    quint64 m_nextToken = 0;
    int m_async = 0;
};

} // namespace jetdeck
