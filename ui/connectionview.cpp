#include "connectionview.h"

#include "ui/models/eventlogmodel.h"
#include "ui/pages/clientspage.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/consumerpage.h"
#include "ui/pages/eventspage.h"
#include "ui/pages/faultspage.h"
#include "ui/pages/jetstreampage.h"
#include "ui/pages/latencypage.h"
#include "ui/pages/messagespage.h"
#include "ui/pages/outboundpage.h"
#include "ui/pages/publishpage.h"
#include "ui/pages/scenariopage.h"
#include "ui/pages/serverspage.h"
#include "ui/pages/streamspage.h"
#include "ui/pages/tailpage.h"
#include "ui/session.h"
#include "ui/widgets/eventlogpanel.h"

#include <QSplitter>

namespace jetdeck {

ConnectionView::ConnectionView(QWidget* parent)
    : PageStack(parent)
    , m_session(new Session(this)) {
    // The connection page shares its place with the event log.
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_connectionPage = new ConnectionPage(splitter);
    m_log = new EventLogPanel(splitter);
    splitter->addWidget(m_connectionPage);
    splitter->addWidget(m_log);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    m_servers = new ServersPage(this);
    m_clients = new ClientsPage(this);
    m_jetStream = new JetStreamPage(this);
    m_events = new EventsPage(this);
    m_streams = new StreamsPage(this);
    m_messages = new MessagesPage(this);
    m_tail = new TailPage(this);
    m_latency = new LatencyPage(this);
    m_outbound = new OutboundPage(this);
    m_publish = new PublishPage(this);
    m_consumer = new ConsumerPage(this);
    m_faults = new FaultsPage(this);
    m_scenarios = new ScenarioPage(this);
    // In Page's order: the page, and what the stack shows for it.
    const std::array<std::pair<SessionPage*, QWidget*>, kPageCount> pages{{
        {m_connectionPage, splitter},
        {m_servers, m_servers},
        {m_clients, m_clients},
        {m_jetStream, m_jetStream},
        {m_events, m_events},
        {m_streams, m_streams},
        {m_latency, m_latency},
        {m_outbound, m_outbound},
        {m_publish, m_publish},
        {m_consumer, m_consumer},
        {m_messages, m_messages},
        {m_tail, m_tail},
        {m_faults, m_faults},
        {m_scenarios, m_scenarios},
    }};
    for (int i = 0; i < kPageCount; ++i) {
        m_pages[size_t(i)] = pages[size_t(i)].first;
        m_pages[size_t(i)]->setSession(m_session);
        addWidget(pages[size_t(i)].second);
    }

    connect(m_session, &Session::eventAdded, m_log->model(), &EventLogModel::append);
    connect(m_session, &Session::eventAdded, this, [this](const ConnectionEvent& e) {
        if (e.kind != ConnectionEvent::Kind::Error || m_shown)
            return;
        ++m_unreadErrors;
        emit unreadChanged(m_unreadErrors);
    });
    // What the pages tell each other, within this connection.
    connect(m_publish, &PublishPage::runFinished, this, [this](const PublishSummary& s) {
        m_session->addEvent(s.clean() ? ConnectionEvent::Kind::Info : ConnectionEvent::Kind::Error,
                            tr("publish run: %1").arg(s.toText().section(QLatin1Char('\n'), 0, 0)));
    });
    connect(m_faults, &FaultsPage::faultEvent, m_session, &Session::recordFault);
    connect(m_scenarios, &ScenarioPage::faultEvent, this,
            [this](const QString& what, bool started) {
                m_session->recordFault(tr("scenario: %1").arg(what), started);
            });
    connect(m_scenarios, &ScenarioPage::runFinished, this,
            [this](const scenario::ScenarioReport& r) {
                m_session->addEvent(r.passed() ? ConnectionEvent::Kind::Info
                                               : ConnectionEvent::Kind::Error,
                                    tr("scenario %1: %2, %3 failed check(s), %4 error(s)")
                                        .arg(r.name, r.passed()    ? tr("passed")
                                                     : r.cancelled ? tr("stopped")
                                                                   : tr("failed"))
                                        .arg(r.failures())
                                        .arg(r.errors()));
            });
    connect(m_streams, &StreamsPage::refreshed, this, [this] {
        m_consumer->setConsumers(m_streams->consumerList());
        m_messages->setStreams(m_streams->streamNames());
    });
    connect(m_streams, &StreamsPage::messagesRequested, this, [this](const QString& stream) {
        m_messages->openStream(stream);
        showPage(Page::Messages);
    });
    connect(m_streams, &StreamsPage::consumerActivated, this,
            [this](const QString& stream, const QString& consumer) {
                m_consumer->openConsumer(stream, consumer);
                showPage(Page::Consumer);
            });
}

ConnectionView::~ConnectionView() {
    m_session->release();
}

void ConnectionView::showPage(Page page) {
    setCurrentIndex(int(page));
}

EventLogModel* ConnectionView::eventModel() const {
    return m_log->model();
}

void ConnectionView::setTitle(const QString& title) {
    if (title == m_title)
        return;
    m_title = title;
    emit titleChanged(title);
}

bool ConnectionView::used() const {
    return m_session->connection() != nullptr || demo;
}

bool ConnectionView::live() const {
    if (!m_session->connection())
        return false;
    const ConnectionState st = m_session->state().state;
    return st == ConnectionState::Connected || st == ConnectionState::Connecting ||
           st == ConnectionState::Reconnecting;
}

void ConnectionView::markRead() {
    if (m_unreadErrors == 0)
        return;
    m_unreadErrors = 0;
    emit unreadChanged(0);
}

void ConnectionView::setShownInWindow(bool shown) {
    m_shown = shown;
    if (shown)
        markRead();
}

} // namespace jetdeck
