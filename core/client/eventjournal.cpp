#include "eventjournal.h"

#include "core/logging/logging.h"

#include <QtGlobal>

namespace jetdeck {

EventJournal::EventJournal(QString connectionName, int maxEvents, int maxStates)
    : m_name(std::move(connectionName))
    , m_maxEvents(size_t(qMax(1, maxEvents)))
    , m_maxStates(size_t(qMax(2, maxStates))) {}

void EventJournal::record(const ConnectionEvent& e) {
    {
        std::lock_guard lock(m_mu);
        m_events.push_back(e);
        while (m_events.size() > m_maxEvents)
            m_events.pop_front();
    }
    log(e);
}

void EventJournal::recordState(ConnectionState state, const QString& server,
                               const QString& reason) {
    std::lock_guard lock(m_mu);
    m_states.push_back(StateSpan{state, QDateTime::currentDateTime(), server, reason});
    while (m_states.size() > m_maxStates)
        m_states.pop_front();
}

QList<ConnectionEvent> EventJournal::events() const {
    std::lock_guard lock(m_mu);
    return QList<ConnectionEvent>(m_events.begin(), m_events.end());
}

QList<StateSpan> EventJournal::stateHistory() const {
    std::lock_guard lock(m_mu);
    return QList<StateSpan>(m_states.begin(), m_states.end());
}

void EventJournal::log(const ConnectionEvent& e) const {
    // The line is built only when the category wants it.
    const bool warning =
        e.kind == ConnectionEvent::Kind::Error || e.kind == ConnectionEvent::Kind::SlowConsumer;
    if (!(warning ? lcClient().isWarningEnabled() : lcClient().isInfoEnabled()))
        return;
    QString line = m_name + QStringLiteral(": ");
    if (e.kind != ConnectionEvent::Kind::State)
        line += connectionEventKindName(e.kind) + QStringLiteral(": ");
    line += e.message;
    if (!e.server.isEmpty() && !e.message.contains(e.server))
        line += QStringLiteral(" (%1)").arg(e.server);
    if (warning)
        qCWarning(lcClient).noquote() << line;
    else
        qCInfo(lcClient).noquote() << line;
}

} // namespace jetdeck
