#pragma once

#include "core/client/contextguard.h"

#include "core/jetstream/jsmessage.h"

#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace jetdeck::js {

/// Hands JetStream messages from the connection's thread to a handler: either at once on that
/// thread (inline), or in batches on a context object's thread with one queued event per
/// burst. Entries may also be actions (a flow-control reply) that must run only after the
/// messages queued before them were handled.
class DeliveryQueue : public std::enable_shared_from_this<DeliveryQueue> {
public:
    using Handler = std::function<void(JsMessage&)>;

    /// context == nullptr: inline on the caller's (connection) thread. Once a context object is
    /// destroyed, what is pushed is dropped, as a queued call to a deleted receiver is.
    DeliveryQueue(QObject* context, Handler handler);

    void push(JsMessage message);
    /// Runs `action` after everything pushed so far was handled (on the handler's thread).
    void pushAction(std::function<void()> action);
    /// Messages pushed and not yet handled (including the one being handled).
    qint64 undelivered() const;
    quint64 delivered() const;
    void stop();

private:
    struct Entry {
        JsMessage message;
        std::function<void()> action;
    };
    void postLocked();
    void drain();

    ContextGuardPtr m_context;
    const bool m_inline; ///< no context was given (a destroyed one does not make it inline)
    Handler m_handler;
    mutable std::mutex m_mu;
    std::deque<Entry> m_queue;
    bool m_posted = false;
    bool m_stopped = false;
    qint64 m_inHandler = 0;
    quint64 m_delivered = 0;
};

} // namespace jetdeck::js
