#pragma once

#include "core/client/connectoptions.h"
#include "core/client/systemcredentials.h"
#include "ui/mainwindow.h"

#include "ui/widgets/pagestack.h"

#include <array>

namespace jetdeck {

class ClientsPage;
class ConnectionPage;
class ConsumerPage;
class EventLogModel;
class EventLogPanel;
class EventsPage;
class FaultsPage;
class JetStreamPage;
class LatencyPage;
class MessagesPage;
class OutboundPage;
class PublishPage;
class ScenarioPage;
class ServersPage;
class Session;
class SessionPage;
class StreamsPage;
class TailPage;

/// One open connection in the window: its Session (the connection, its registry, fault marks
/// and journal), a page of each kind following that session, and its event log. The window
/// holds one of these per connection the user opened and shows one at a time; the others go
/// on recording (charts, journal, consumers) while hidden, so switching back is instant and
/// reconnects nothing.
class ConnectionView : public PageStack {
    Q_OBJECT
public:
    using Page = MainWindow::Page;
    static constexpr int kPageCount = MainWindow::kPageCount;

    explicit ConnectionView(QWidget* parent = nullptr);
    ~ConnectionView() override;

    Session* session() const { return m_session; }
    SessionPage* page(Page page) const { return m_pages[size_t(page)]; }
    void showPage(Page page);
    Page currentPage() const { return Page(currentIndex()); }

    ConnectionPage* connectionPage() const { return m_connectionPage; }
    ServersPage* serversPage() const { return m_servers; }
    ClientsPage* clientsPage() const { return m_clients; }
    JetStreamPage* jetStreamPage() const { return m_jetStream; }
    EventsPage* eventsPage() const { return m_events; }
    StreamsPage* streamsPage() const { return m_streams; }
    MessagesPage* messagesPage() const { return m_messages; }
    TailPage* tailPage() const { return m_tail; }
    LatencyPage* latencyPage() const { return m_latency; }
    OutboundPage* outboundPage() const { return m_outbound; }
    PublishPage* publishPage() const { return m_publish; }
    ConsumerPage* consumerPage() const { return m_consumer; }
    FaultsPage* faultsPage() const { return m_faults; }
    ScenarioPage* scenarioPage() const { return m_scenarios; }
    EventLogPanel* logPanel() const { return m_log; }
    EventLogModel* eventModel() const;

    /// The name the window shows for it and the metrics label it by (connection="..."):
    /// a saved connection's or a context's name, else the first server's host:port.
    QString title() const { return m_title; }
    void setTitle(const QString& title);
    /// The sidebar entry it was opened from ("saved:NAME", "context:NAME"); empty when it was
    /// typed in the server bar.
    QString key() const { return m_key; }
    void setKey(const QString& key) { m_key = key; }
    /// What the server bar shows while this connection is the one shown (credentials masked).
    QString barText() const { return m_barText; }
    void setBarText(const QString& text) { m_barText = text; }
    /// The system account user given beside this connection (a saved connection's, or the
    /// window's --sys-user): applies from its next connect.
    const SystemCredentials& systemCredentials() const { return m_sysCreds; }
    void setSystemCredentials(const SystemCredentials& c) { m_sysCreds = c; }
    /// The window's number for it, unique while the window lives (the overview's rows).
    quint64 id = 0;
    /// The connection's options before the faults page routed it through a proxy.
    Options directOptions;
    /// The connection is a demo's: nothing to reopen next time.
    bool demo = false;
    /// True once open() was called on its session: an unused view may take a new connection
    /// instead of a new view being made.
    bool used() const;
    /// A live connection (connected, connecting or reconnecting).
    bool live() const;

    /// Errors in its journal since it was last the shown one (the overview's "unread").
    int unreadErrors() const { return m_unreadErrors; }
    void markRead();
    /// Whether it is the view the window shows (errors then count as read).
    void setShownInWindow(bool shown);

signals:
    void titleChanged(const QString& title);
    void unreadChanged(int errors);

private:
    Session* m_session;
    std::array<SessionPage*, kPageCount> m_pages{};
    ConnectionPage* m_connectionPage;
    ServersPage* m_servers;
    ClientsPage* m_clients;
    JetStreamPage* m_jetStream;
    EventsPage* m_events;
    StreamsPage* m_streams;
    MessagesPage* m_messages;
    TailPage* m_tail;
    LatencyPage* m_latency;
    OutboundPage* m_outbound;
    PublishPage* m_publish;
    ConsumerPage* m_consumer;
    FaultsPage* m_faults;
    ScenarioPage* m_scenarios;
    EventLogPanel* m_log;
    QString m_title;
    QString m_key;
    QString m_barText;
    SystemCredentials m_sysCreds;
    int m_unreadErrors = 0;
    bool m_shown = false;
};

} // namespace jetdeck
