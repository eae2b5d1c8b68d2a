#pragma once

#include "core/client/connection.h"
#include "core/system/events.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace jetdeck::sys {

/// Listens to what the servers announce (events.h) on one or more connections: the account's
/// advisories and, on a connection in the system account, client events. Events are read on the
/// connection's thread as they arrive and handed over in batches every kBatchMs on this object's
/// thread, at most kInboxLimit waiting (a storm beyond that is counted, not kept). Only a
/// subscription: it sends the cluster nothing.
class EventWatcher : public QObject {
    Q_OBJECT
public:
    static constexpr int kBatchMs = 100;
    static constexpr int kInboxLimit = 10000;

    explicit EventWatcher(QObject* parent = nullptr);
    ~EventWatcher() override;

    /// Subscribes `connection` to `subjects` (advisorySubjects(), systemEventSubjects()). The
    /// connection must outlive the watcher or stop() must come first.
    Status watch(Connection* connection, const QList<QByteArray>& subjects);
    /// Unsubscribes everything; events still waiting are dropped.
    void stop();

    struct Counts {
        quint64 received = 0;  ///< events read (kept or not)
        quint64 ignored = 0;   ///< API audits of requests that succeeded
        quint64 malformed = 0; ///< payloads that were not events
        quint64 dropped = 0;   ///< arrived while kInboxLimit were waiting
    };
    Counts counts() const;
    /// The last malformed payload's error (ok() when none).
    Error lastMalformed() const;

signals:
    /// Events in the order they arrived.
    void eventsArrived(const QList<jetdeck::sys::SystemEvent>& events);

private:
    struct Inbox;
    void drain();

    std::shared_ptr<Inbox> m_inbox;
    QTimer m_drain;
    QList<SubscriptionPtr> m_subs;
};

} // namespace jetdeck::sys

Q_DECLARE_METATYPE(jetdeck::sys::SystemEvent)
