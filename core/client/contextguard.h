#pragma once

#include <QMetaObject>
#include <QObject>
#include <QThread>

#include <memory>
#include <mutex>

namespace jetdeck {

/// Posts callbacks to a context object's thread from any thread, without ever touching the
/// object once it is being destroyed.
///
/// A QPointer checked on one thread and then used to post on another leaves a window in which
/// the object can be destroyed on its own thread: the post then dereferences freed memory.
/// Here the check and the post happen under a lock that the object's destruction also takes
/// (through its destroyed() signal, connected directly), so the object outlives every post
/// that saw it alive; events still queued for it when it goes are discarded by Qt.
class ContextGuard {
public:
    /// A guard for `context`, or null for a null context. The context must be alive now.
    static std::shared_ptr<ContextGuard> make(QObject* context) {
        if (!context)
            return nullptr;
        auto g = std::shared_ptr<ContextGuard>(new ContextGuard(context));
        std::weak_ptr<ContextGuard> weak = g;
        g->m_destroyed = QObject::connect(
            context, &QObject::destroyed, context,
            [weak] {
                if (auto self = weak.lock()) {
                    std::lock_guard lock(self->m_mu);
                    self->m_context = nullptr;
                }
            },
            Qt::DirectConnection);
        return g;
    }

    ~ContextGuard() { QObject::disconnect(m_destroyed); }
    ContextGuard(const ContextGuard&) = delete;
    ContextGuard& operator=(const ContextGuard&) = delete;

    /// Runs `fn` on the context's thread: at once when that is this thread (as Qt's
    /// AutoConnection would), else queued. False (and `fn` dropped) when the context is gone.
    template <typename Fn>
    bool post(Fn&& fn) {
        {
            std::lock_guard lock(m_mu);
            if (!m_context)
                return false;
            if (m_context->thread() != QThread::currentThread()) {
                QMetaObject::invokeMethod(m_context, std::forward<Fn>(fn), Qt::QueuedConnection);
                return true;
            }
        }
        // Same thread: nobody else can destroy the context meanwhile, and `fn` may (so it
        // must not run under the lock its destruction takes).
        fn();
        return true;
    }

    /// Queues `fn` to run on the context's thread, even when that is this thread.
    template <typename Fn>
    bool postQueued(Fn&& fn) {
        std::lock_guard lock(m_mu);
        if (!m_context)
            return false;
        QMetaObject::invokeMethod(m_context, std::forward<Fn>(fn), Qt::QueuedConnection);
        return true;
    }

    bool alive() const {
        std::lock_guard lock(m_mu);
        return m_context != nullptr;
    }

private:
    explicit ContextGuard(QObject* context)
        : m_context(context) {}

    mutable std::mutex m_mu;
    QObject* m_context;
    QMetaObject::Connection m_destroyed;
};

using ContextGuardPtr = std::shared_ptr<ContextGuard>;

} // namespace jetdeck
