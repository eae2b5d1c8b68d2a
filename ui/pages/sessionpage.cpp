#include "sessionpage.h"

#include "ui/widgets/emptystate.h"

#include <QTimer>

#include <utility>

namespace jetdeck {

SessionPage::SessionPage(QWidget* parent)
    : QWidget(parent)
    , m_timer(new QTimer(this)) {
    connect(m_timer, &QTimer::timeout, this, &SessionPage::refresh);
    connect(m_timer, &QTimer::timeout, this, &SessionPage::updateEmptyStates);
}

SessionPage::~SessionPage() = default;

void SessionPage::setSession(Session* session) {
    Q_ASSERT(session && !m_session);
    m_session = session;
    connect(session, &Session::connectionChanged, this,
            [this](const std::shared_ptr<ConnectionThread>& connection) {
                m_connection = connection;
                m_state = m_session->state();
                connectionChanged(connection);
                updateEmptyStates();
            });
    connect(session, &Session::stateChanged, this, [this](const SessionState& state) {
        m_state = state;
        stateChanged(state);
        updateEmptyStates();
    });
    connect(session, &Session::ticked, this, [this] {
        if (!m_shown)
            recordHistory();
    });
    attached();
    m_connection = session->connection();
    m_state = session->state();
    connectionChanged(m_connection);
    updateEmptyStates();
}

void SessionPage::addEmptyState(QAbstractItemView* view, std::function<QString()> text) {
    m_emptyStates.push_back(std::make_unique<EmptyState>(view, std::move(text)));
}

void SessionPage::updateEmptyStates() {
    for (const auto& e : m_emptyStates)
        e->update();
}

QString SessionPage::notConnectedText() {
    return tr("Not connected. Connect to a server above, or pick a saved connection or a "
              "natscli context on the left.");
}

void SessionPage::connectionChanged(const std::shared_ptr<ConnectionThread>&) {}

void SessionPage::stateChanged(const SessionState&) {}

metrics::MetricsRegistry* SessionPage::registry() const {
    return m_session ? m_session->registry() : nullptr;
}

FaultMarks* SessionPage::faultMarks() const {
    return m_session ? m_session->faultMarks() : nullptr;
}

bool SessionPage::isRefreshTimerActive() const {
    return m_timer->isActive();
}

void SessionPage::setRefreshInterval(int ms) {
    m_timer->setInterval(ms);
    updateTimer();
}

void SessionPage::setRefreshPaused(bool paused) {
    m_paused = paused;
    updateTimer();
}

void SessionPage::updateTimer() {
    const bool run = m_shown && !m_paused && m_timer->interval() > 0;
    if (run && !m_timer->isActive())
        m_timer->start();
    else if (!run)
        m_timer->stop();
}

void SessionPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    const bool wasShown = std::exchange(m_shown, true);
    updateTimer();
    if (!wasShown) {
        refresh(); // what happened while it was hidden, at once
        updateEmptyStates();
    }
}

void SessionPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_shown = false;
    updateTimer();
}

} // namespace jetdeck
