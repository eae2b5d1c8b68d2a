#pragma once

#include "connectionevent.h"
#include "health.h"

#include <QList>
#include <QString>

#include <deque>
#include <mutex>

namespace jetdeck {

/// A connection's memory of what happened: the bounded event history (what the console's
/// event log shows) and the bounded history of state spans. Each event is also logged under
/// the client category with the connection's name. Thread-safe; its lock is a leaf (nothing
/// else is locked while it is held).
class EventJournal {
public:
    EventJournal(QString connectionName, int maxEvents, int maxStates);

    /// Keeps the event (dropping the oldest beyond the bound) and logs it.
    void record(const ConnectionEvent& event);
    /// Keeps a state transition in the state history.
    void recordState(ConnectionState state, const QString& server, const QString& reason);

    QList<ConnectionEvent> events() const;
    QList<StateSpan> stateHistory() const;

private:
    void log(const ConnectionEvent& event) const;

    const QString m_name;
    const size_t m_maxEvents;
    const size_t m_maxStates;
    mutable std::mutex m_mu;
    std::deque<ConnectionEvent> m_events;
    std::deque<StateSpan> m_states;
};

} // namespace jetdeck
