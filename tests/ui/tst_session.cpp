// The session and its pages, offscreen against real nats-servers: every page follows the
// session's connection and its state (connect, disconnect, another server), a page's timer
// runs only while the page is shown and the page refreshes at once when shown again, and the
// charts keep their history meanwhile.
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/mainwindow.h"
#include "ui/models/streamtreemodel.h"
#include "ui/pages/connectionpage.h"
#include "ui/pages/sessionpage.h"
#include "ui/pages/streamspage.h"

#include <QAbstractItemView>
#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QSet>
#include <QSettings>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

using Page = MainWindow::Page;

QList<SessionPage*> pagesOf(const MainWindow& w) {
    QList<SessionPage*> out;
    for (int i = 0; i < MainWindow::kPageCount; ++i)
        out << w.page(Page(i));
    return out;
}

/// A stream `name` on `url`'s server.
Status addStream(const QString& url, const QString& name) {
    ConnectionThread c(optionsFor(url));
    if (Status s = c->connectSync(); !s.ok())
        return s;
    js::StreamConfig sc;
    sc.name = name;
    sc.subjects = {name.toLower() + QStringLiteral(".>")};
    sc.storage = js::StorageType::Memory;
    auto r = js::JetStream(c.connection()).addStream(sc);
    return r ? Status() : r.error();
}

bool streamListed(const StreamsPage* page, const QString& name) {
    return page->model()->indexOfStream(name).isValid();
}

/// The largest step between neighbouring points of the series named `name` on the chart
/// titled `title` under `page`, and how many points it has.
std::pair<double, int> seriesSpacing(QWidget* page, const QString& title, const QString& name) {
    for (QChartView* view : page->findChildren<QChartView*>()) {
        if (view->chart()->title() != title)
            continue;
        for (QAbstractSeries* s : view->chart()->series())
            if (auto* line = qobject_cast<QLineSeries*>(s); line && line->name() == name) {
                const QList<QPointF> pts = line->points();
                double gap = 0;
                for (int i = 1; i < pts.size(); ++i)
                    gap = qMax(gap, pts[i].x() - pts[i - 1].x());
                return {gap, int(pts.size())};
            }
    }
    return {-1, 0};
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void changeReachesEveryPage();
    void hiddenPagesStopTheirTimers();
    void chartsKeepHistoryWhileHidden();
    void everyEmptyTableSaysWhatToDo();

private:
    std::unique_ptr<NatsServerProcess> m_a, m_b;
};

void TestSession::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_session"));
    QSettings().clear();
    NatsServerConfig cfg;
    cfg.jetstream = true;
    for (auto* server : {&m_a, &m_b}) {
        *server = std::make_unique<NatsServerProcess>(cfg);
        const Status s = (*server)->start();
        QVERIFY2(s.ok(), qPrintable(s.toString()));
    }
    VERIFY_OK(addStream(m_a->url(), QStringLiteral("ON_A")));
    VERIFY_OK(addStream(m_b->url(), QStringLiteral("ON_B")));
}

void TestSession::changeReachesEveryPage() {
    // What the session announced, and whether every page showed it: declared before the window,
    // whose end announces "no connection" once more (the slots below hold only these by
    // reference).
    QList<bool> connectionSeenByAll;
    QList<bool> connectionWasNull;
    QList<bool> stateSeenByAll;
    QList<SessionState> states;
    MainWindow w;
    w.show();
    Session* session = w.session();
    const QList<SessionPage*> pages = pagesOf(w);
    QCOMPARE(pages.size(), MainWindow::kPageCount);
    QCOMPARE(QSet<SessionPage*>(pages.cbegin(), pages.cend()).size(), MainWindow::kPageCount);

    // Connected after the pages (in the window's constructor): these run once every page has
    // heard the news, and note whether each page now shows what was announced.
    connect(session, &Session::connectionChanged, session,
            [&, pages, session](const std::shared_ptr<ConnectionThread>& c) {
                bool all = true;
                for (SessionPage* p : pages)
                    all = all && p->connection() == c &&
                          p->sessionState().state == session->state().state;
                connectionSeenByAll << all;
                connectionWasNull << (c == nullptr);
            });
    connect(session, &Session::stateChanged, session, [&, pages](const SessionState& s) {
        bool all = true;
        for (SessionPage* p : pages)
            all = all && p->sessionState().state == s.state && p->sessionState().server == s.server;
        stateSeenByAll << all;
        states << s;
    });
    auto lastStateIs = [&](ConnectionState st, quint16 port) {
        return !states.isEmpty() && states.last().state == st &&
               states.last().server.endsWith(QStringLiteral(":%1").arg(port));
    };

    // Connect: every page gets the connection, then CONNECTED with the server's address.
    QVERIFY(w.connectToUrls(m_a->url()));
    QCOMPARE(connectionWasNull, QList<bool>{false});
    QCOMPARE(connectionSeenByAll, QList<bool>{true});
    QTRY_VERIFY(lastStateIs(ConnectionState::Connected, m_a->port()));
    for (SessionPage* p : pages) {
        QVERIFY(p->connection() == session->connection());
        QCOMPARE(p->sessionState().state, ConnectionState::Connected);
    }
    QTRY_VERIFY(streamListed(w.streamsPage(), QStringLiteral("ON_A")));
    QVERIFY(!streamListed(w.streamsPage(), QStringLiteral("ON_B")));

    // Disconnect: the pages keep the connection and show it CLOSED.
    w.disconnectFromServer();
    QTRY_COMPARE(states.last().state, ConnectionState::Closed);
    QCOMPARE(connectionSeenByAll.size(), 1);
    for (SessionPage* p : pages) {
        QVERIFY(p->connection() == session->connection());
        QCOMPARE(p->sessionState().state, ConnectionState::Closed);
    }
    QTRY_COMPARE(w.connectionPage()->stateText(), QStringLiteral("CLOSED"));

    // Another server: every page lets the first connection go, then gets the new one.
    QVERIFY(w.connectToUrls(m_b->url()));
    QCOMPARE(connectionWasNull, (QList<bool>{false, true, false}));
    QCOMPARE(connectionSeenByAll, (QList<bool>{true, true, true}));
    QTRY_VERIFY(lastStateIs(ConnectionState::Connected, m_b->port()));
    for (SessionPage* p : pages) {
        QVERIFY(p->connection() == session->connection());
        QVERIFY(p->sessionState().server.endsWith(QStringLiteral(":%1").arg(m_b->port())));
    }
    QTRY_VERIFY(streamListed(w.streamsPage(), QStringLiteral("ON_B")));
    QVERIFY(!streamListed(w.streamsPage(), QStringLiteral("ON_A")));
    QTRY_COMPARE(w.connectionPage()->serverText(), QStringLiteral("127.0.0.1:%1").arg(m_b->port()));
    QVERIFY(!stateSeenByAll.isEmpty());
    QVERIFY2(!stateSeenByAll.contains(false), "a page missed a state change");
}

void TestSession::hiddenPagesStopTheirTimers() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_a->url()));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    // The pages that poll while shown; the others are driven by their session, their run or
    // their chosen consumer (none here).
    const QSet<SessionPage*> polling{w.page(Page::Connection), w.page(Page::Servers),
                                     w.page(Page::Clients),    w.page(Page::JetStream),
                                     w.page(Page::Events),     w.page(Page::Latency),
                                     w.page(Page::Outbound),   w.page(Page::Faults)};
    for (int shown = 0; shown < MainWindow::kPageCount; ++shown) {
        w.showPage(Page(shown));
        QCOMPARE(w.currentPage(), Page(shown));
        // The cluster's connections are listed only while the clients page is shown.
        QVERIFY(w.session()->clientMonitor());
        QCOMPARE(w.session()->clientMonitor()->isRunning(), Page(shown) == Page::Clients);
        for (int i = 0; i < MainWindow::kPageCount; ++i) {
            SessionPage* p = w.page(Page(i));
            QVERIFY2(p->isRefreshTimerActive() == (i == shown && polling.contains(p)),
                     qPrintable(QStringLiteral("page %1 while page %2 is shown")
                                    .arg(MainWindow::pageName(Page(i)),
                                         MainWindow::pageName(Page(shown)))));
        }
    }

    // The servers page, once shown, started watching the system: its first fan-out (with an
    // inbox subscription of its own) has ended, and a user outside the system account is not
    // asked again for a while, so the subscriptions below stay as the test makes them.
    QVERIFY(w.session()->systemMonitor());
    QTRY_COMPARE(w.session()->systemMonitor()->access(), sys::Access::NoSystemUser);
    QTRY_VERIFY(!w.session()->clientMonitor()->isAsking());

    // Hidden, the connection page does not follow the connection; shown, it catches up at once.
    ConnectionPage* page = w.connectionPage();
    w.showPage(Page::Connection);
    QTRY_COMPARE(page->valueText(QStringLiteral("subs")),
                 QString::number(w.connection()->health().subscriptions));
    const QString before = page->valueText(QStringLiteral("subs"));
    w.showPage(Page::Latency);
    QList<SubscriptionPtr> subs;
    for (const char* subject : {"hidden.a", "hidden.b", "hidden.c"}) {
        auto sub = w.connection()->subscribe(subject);
        QVERIFY(sub.ok());
        subs << sub.value();
    }
    const QString now = QString::number(w.connection()->health().subscriptions);
    QVERIFY(now != before);
    QTest::qWait(500); // five of its refresh periods
    QCOMPARE(page->valueText(QStringLiteral("subs")), before);
    QVERIFY(!page->isRefreshTimerActive());
    w.showPage(Page::Connection);
    QCOMPARE(page->valueText(QStringLiteral("subs")), now);
    QVERIFY(page->isRefreshTimerActive());
    for (const SubscriptionPtr& s : std::as_const(subs))
        VERIFY_OK(s->unsubscribe());
}

void TestSession::chartsKeepHistoryWhileHidden() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_a->url()));
    QTRY_VERIFY(w.connection() && w.connection()->isConnected());
    w.showPage(Page::Connection);
    const QString title = QStringLiteral("Messages per second");
    QTRY_VERIFY(seriesSpacing(w.connectionPage(), title, QStringLiteral("in")).second >= 3);
    const int before = seriesSpacing(w.connectionPage(), title, QStringLiteral("in")).second;
    // Three seconds on another page: the chart records a point every half second meanwhile
    // (on the session's tick), and shows them once the page is back.
    w.showPage(Page::Streams);
    QTest::qWait(3000);
    QCOMPARE(seriesSpacing(w.connectionPage(), title, QStringLiteral("in")).second, before);
    w.showPage(Page::Connection);
    const auto [gap, points] = seriesSpacing(w.connectionPage(), title, QStringLiteral("in"));
    QVERIFY2(points >= before + 4, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(points)));
    QVERIFY2(gap < 1.5, qPrintable(QStringLiteral("a gap of %1 s in the chart").arg(gap)));
}

// "Every page has an empty state that says what to do": on every page, every table or list that
// is shown without rows has a line over it saying why and what to do; disconnected, then
// connected to a server with JetStream and nothing in it.
void TestSession::everyEmptyTableSaysWhatToDo() {
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    auto check = [&](const QString& when) {
        QStringList mute;
        for (int i = 0; i < MainWindow::kPageCount; ++i) {
            w.showPage(Page(i));
            QCoreApplication::processEvents();
            for (QAbstractItemView* v : w.page(Page(i))->findChildren<QAbstractItemView*>()) {
                if (qobject_cast<QHeaderView*>(v) || !v->isVisibleTo(w.page(Page(i))) ||
                    !v->model() || v->model()->rowCount() > 0)
                    continue;
                const auto* label = v->viewport()->findChild<QLabel*>(QStringLiteral("emptyState"));
                if (!label || !label->isVisibleTo(v) || label->text().trimmed().isEmpty())
                    mute << QStringLiteral("%1: %2 (%3)")
                                .arg(MainWindow::pageName(Page(i)), v->objectName(),
                                     QString::fromLatin1(v->metaObject()->className()));
            }
        }
        QVERIFY2(mute.isEmpty(),
                 qPrintable(when + QStringLiteral(": ") + mute.join(QStringLiteral("; "))));
    };
    check(QStringLiteral("disconnected"));
    QVERIFY(w.connectToUrls(m_a->url()));
    QTRY_VERIFY_WITH_TIMEOUT(
        w.connection() && w.connection()->state() == ConnectionState::Connected, 10000);
    QTest::qWait(500);
    check(QStringLiteral("connected"));
}

QTEST_MAIN(TestSession)
#include "tst_session.moc"
