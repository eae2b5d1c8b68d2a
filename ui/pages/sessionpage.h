#pragma once

#include "ui/session.h"

#include <QPointer>
#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

class QAbstractItemView;
class QTimer;

namespace jetdeck {

class EmptyState;

/// A page of the console: it shows the session it is given. The session announces its
/// connection and the connection's state; the page keeps both (connection(), sessionState())
/// and hears of every change (connectionChanged(), stateChanged()), so that nobody hands a page
/// a connection.
///
/// A page refreshes on its timer only while it is shown: hidden (another page chosen, the
/// window hidden) the timer stops, and shown again the page refreshes at once. Meanwhile what
/// its charts need to have no gap is recorded on the session's tick (recordHistory()).
class SessionPage : public QWidget {
    Q_OBJECT
public:
    explicit SessionPage(QWidget* parent = nullptr);
    ~SessionPage() override;

    /// Follows `session` from now on, starting with its current connection. Once per page.
    void setSession(Session* session);
    Session* session() const { return m_session; }
    /// The connection the page shows (null: none), as the session last announced it.
    const std::shared_ptr<ConnectionThread>& connection() const { return m_connection; }
    /// Its state, as the session last announced it.
    const SessionState& sessionState() const { return m_state; }

    /// Brings what the page shows up to date; while the page is shown its timer calls it.
    virtual void refresh() = 0;
    /// True while the refresh timer runs: only while the page is shown and has something to
    /// refresh.
    bool isRefreshTimerActive() const;
    /// The session's registry and fault marks (null without a session).
    metrics::MetricsRegistry* registry() const;
    FaultMarks* faultMarks() const;

protected:
    /// How often refresh() runs while the page is shown; 0 (the default): no timer.
    void setRefreshInterval(int ms);
    /// A page with nothing to refresh for now (no consumer chosen, no run going) pauses its
    /// timer, shown or not.
    void setRefreshPaused(bool paused);
    /// What `view` says while it has no rows (EmptyState): `text` is asked again when its rows
    /// change, when the connection or its state changes and after every refresh, so it can
    /// follow the page's state. An empty text says nothing.
    void addEmptyState(QAbstractItemView* view, std::function<QString()> text);
    void updateEmptyStates();
    /// "Not connected: ..." for the empty states of pages that need a connection.
    static QString notConnectedText();
    /// Between a show event and a hide event. Unlike isVisible(), also false while the window
    /// system keeps the window out of sight (minimised) and says so with a hide event.
    bool isShown() const { return m_shown; }

    /// The page has been given its session (connect to its other signals here).
    virtual void attached() {}
    /// The session has another connection, or none; connection() returns it already.
    virtual void connectionChanged(const std::shared_ptr<ConnectionThread>& connection);
    /// The connection's state changed; sessionState() returns it already.
    virtual void stateChanged(const SessionState& state);
    /// On the session's tick while the page is hidden: record what the charts' history needs,
    /// without drawing, so that they have no gap once the page is shown again. While the page
    /// is shown, refresh() records it.
    virtual void recordHistory() {}

    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void updateTimer();

    QPointer<Session> m_session;
    std::shared_ptr<ConnectionThread> m_connection;
    SessionState m_state;
    QTimer* m_timer;
    bool m_shown = false;
    bool m_paused = false;
    std::vector<std::unique_ptr<EmptyState>> m_emptyStates;
};

} // namespace jetdeck
