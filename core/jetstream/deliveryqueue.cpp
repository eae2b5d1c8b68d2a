#include "deliveryqueue.h"

#include <QMetaObject>

namespace jetdeck::js {

DeliveryQueue::DeliveryQueue(QObject* context, Handler handler)
    : m_context(ContextGuard::make(context))
    , m_inline(context == nullptr)
    , m_handler(std::move(handler)) {}

void DeliveryQueue::push(JsMessage message) {
    if (m_inline) {
        {
            std::lock_guard lock(m_mu);
            if (m_stopped)
                return;
            ++m_inHandler;
        }
        m_handler(message);
        std::lock_guard lock(m_mu);
        --m_inHandler;
        ++m_delivered;
        return;
    }
    std::lock_guard lock(m_mu);
    if (m_stopped || !m_context || !m_context->alive())
        return;
    m_queue.push_back(Entry{std::move(message), {}});
    postLocked();
}

void DeliveryQueue::pushAction(std::function<void()> action) {
    if (m_inline) {
        action();
        return;
    }
    std::lock_guard lock(m_mu);
    if (m_stopped || !m_context || !m_context->alive())
        return;
    m_queue.push_back(Entry{{}, std::move(action)});
    postLocked();
}

void DeliveryQueue::postLocked() {
    if (m_posted || !m_context)
        return;
    std::weak_ptr<DeliveryQueue> weak = weak_from_this();
    m_posted = m_context->postQueued([weak] {
        if (auto self = weak.lock())
            self->drain();
    });
}

void DeliveryQueue::drain() {
    std::deque<Entry> batch;
    {
        std::lock_guard lock(m_mu);
        m_posted = false;
        batch.swap(m_queue);
        for (const Entry& e : batch)
            m_inHandler += e.action ? 0 : 1;
    }
    for (Entry& e : batch) {
        bool stopped = false;
        {
            std::lock_guard lock(m_mu);
            stopped = m_stopped;
        }
        if (e.action) {
            if (!stopped)
                e.action();
        } else if (!stopped) {
            m_handler(e.message);
        }
        if (e.action)
            continue;
        std::lock_guard lock(m_mu);
        --m_inHandler;
        if (!stopped)
            ++m_delivered;
    }
}

qint64 DeliveryQueue::undelivered() const {
    std::lock_guard lock(m_mu);
    qint64 n = m_inHandler;
    for (const Entry& e : m_queue)
        n += e.action ? 0 : 1;
    return n;
}

quint64 DeliveryQueue::delivered() const {
    std::lock_guard lock(m_mu);
    return m_delivered;
}

void DeliveryQueue::stop() {
    std::lock_guard lock(m_mu);
    m_stopped = true;
    m_queue.clear();
}

} // namespace jetdeck::js
