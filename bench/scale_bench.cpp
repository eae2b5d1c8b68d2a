// The console against a large account (issue 16, "watching must not load the cluster"): a real
// nats-server on loopback with a system account, --streams streams (default 1,000) with
// --consumers consumers each (default 10: 10,000 durable consumers), a few messages in each
// stream. The console connects as the application's user with the system account's user beside
// it (--no-system: without), waits until the streams page lists every consumer, then for
// --seconds (default 60) cycles through its pages; all along it measures:
//  - the GUI thread's lateness (a 10 ms timer: P50, P99, max) and its resident memory (peak);
//  - how long until the streams page lists every consumer;
//  - sorting the streams page by each column and filtering it (a word that keeps one stream,
//    one that keeps none, then clearing), each from the call to the view being up to date;
//  - the JetStream API requests the server answered meanwhile (its own /jsz counter) and the
//    session's request budget: what the console asked for per second, against the budget.
// Usage: QT_QPA_PLATFORM=offscreen scale_bench [--streams N] [--consumers N] [--seconds S]
//        [--no-system] [--json]
#include "bench/benchutil.h"
#include "core/base/histogram.h"
#include "core/demo/demosession.h"
#include "core/demo/natsserverprocess.h"
#include "core/jetstream/jetstream.h"
#include "ui/mainwindow.h"
#include "ui/models/streamtreemodel.h"
#include "ui/pages/streamspage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QTcpSocket>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <cstdio>

using namespace jetdeck;
using jetdeck::bench::rssKiB;
using jetdeck::bench::waitFor;

namespace {

/// GET on the server's monitoring port: the JSON body, or an empty object.
QJsonObject monitor(quint16 port, const QByteArray& path) {
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!s.waitForConnected(2000))
        return {};
    s.write("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray all;
    while (s.waitForReadyRead(5000))
        all += s.readAll();
    all += s.readAll();
    const qsizetype body = all.indexOf("\r\n\r\n");
    return body < 0 ? QJsonObject() : QJsonDocument::fromJson(all.mid(body + 4)).object();
}

/// JetStream API requests the server answered so far (its /jsz).
qint64 apiTotal(quint16 port) {
    return qint64(monitor(port, "/jsz")
                      .value(QStringLiteral("api"))
                      .toObject()
                      .value(QStringLiteral("total"))
                      .toDouble(-1));
}

/// Times every event the event loop delivers (the outermost notify() only) and keeps the
/// slowest: what each stall of the GUI thread was spent on (--slowest).
class TimedApplication : public QApplication {
public:
    using QApplication::QApplication;

    struct Slow {
        double ms;
        QString what;
    };

    bool notify(QObject* receiver, QEvent* event) override {
        if (m_depth > 0 || !m_timing)
            return QApplication::notify(receiver, event);
        ++m_depth;
        QElapsedTimer t;
        t.start();
        const int type = int(event->type());
        // Static strings and a shared copy: the receiver may be gone afterwards (deleteLater).
        const char* cls = receiver->metaObject()->className();
        const char* parentCls =
            receiver->parent() ? receiver->parent()->metaObject()->className() : "none";
        const QString name = receiver->objectName();
        const bool r = QApplication::notify(receiver, event);
        --m_depth;
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (ms >= 30)
            m_slow.append({ms, QStringLiteral("event type %1 to %2 \"%3\" (parent %4)")
                                   .arg(type)
                                   .arg(QLatin1String(cls), name, QLatin1String(parentCls))});
        return r;
    }
    void setTiming(bool on) { m_timing = on; }
    QList<Slow> slowest(int n) const {
        QList<Slow> s = m_slow;
        std::sort(s.begin(), s.end(), [](const Slow& a, const Slow& b) { return a.ms > b.ms; });
        return s.mid(0, n);
    }
    qsizetype slowCount() const { return m_slow.size(); }

private:
    int m_depth = 0;
    bool m_timing = false;
    QList<Slow> m_slow;
};

int fail(const QString& what) {
    std::fprintf(stderr, "scale_bench: %s\n", qPrintable(what));
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    TimedApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("JetDeckBench"));
    QApplication::setApplicationName(QStringLiteral("scale_bench"));
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({{QStringLiteral("streams"), QStringLiteral("Streams."), QStringLiteral("n"),
                   QStringLiteral("1000")},
                  {QStringLiteral("consumers"), QStringLiteral("Durable consumers per stream."),
                   QStringLiteral("n"), QStringLiteral("10")},
                  {QStringLiteral("seconds"), QStringLiteral("Seconds of watching."),
                   QStringLiteral("s"), QStringLiteral("60")},
                  {QStringLiteral("no-system"),
                   QStringLiteral("No system account user beside the console's: the paged "
                                  "listing (STREAM.LIST, CONSUMER.LIST per stream).")},
                  {QStringLiteral("slowest"),
                   QStringLiteral("List the n slowest events the GUI thread handled while "
                                  "watching (30 ms or more)."),
                   QStringLiteral("n"), QStringLiteral("0")},
                  {QStringLiteral("json"), QStringLiteral("JSON output.")}});
    p.process(app);
    bool ok1 = false, ok2 = false, ok3 = false;
    const int streams = p.value(QStringLiteral("streams")).toInt(&ok1);
    const int perStream = p.value(QStringLiteral("consumers")).toInt(&ok2);
    const int seconds = p.value(QStringLiteral("seconds")).toInt(&ok3);
    if (!ok1 || !ok2 || !ok3 || streams < 1 || streams > 5000 || perStream < 0 || perStream > 100 ||
        seconds < 5 || seconds > 3600)
        return fail(QStringLiteral("--streams 1..5000, --consumers 0..100, --seconds 5..3600"));

    // The server: JetStream, a system account beside the application's (the demo's accounts
    // block: clients without credentials are the application's user), a monitoring port.
    const QString sysPassword = QStringLiteral("bench-sys");
    NatsServerConfig cfg;
    cfg.jetstream = true;
    cfg.monitorPort = NatsServerProcess::freePort();
    cfg.extraConfig = DemoSession::accountsConfig(sysPassword);
    NatsServerProcess server(cfg);
    if (Status s = server.start(); !s.ok())
        return fail(s.toString());

    // The account: streams with consumers and a few messages each.
    QElapsedTimer made;
    made.start();
    {
        auto o = Options::fromUrls(server.url());
        if (!o)
            return fail(o.error().toString());
        Connection c(o.value());
        if (Status s = c.connectSync(5000); !s.ok())
            return fail(s.toString());
        const js::JetStream js(&c);
        for (int s = 0; s < streams; ++s) {
            js::StreamConfig sc;
            sc.name = QStringLiteral("S%1").arg(s + 1, 4, 10, QLatin1Char('0'));
            sc.subjects = {QStringLiteral("scale.%1.>").arg(s + 1)};
            sc.storage = js::StorageType::Memory;
            if (auto r = js.addStream(sc); !r)
                return fail(QStringLiteral("stream %1: %2").arg(sc.name, r.error().toString()));
            for (int m = 0; m < 5; ++m)
                c.publish(QStringLiteral("scale.%1.x").arg(s + 1).toUtf8(), QByteArray(64, 'x'));
            for (int k = 0; k < perStream; ++k) {
                js::ConsumerConfig cc;
                cc.durableName = QStringLiteral("C%1").arg(k + 1, 2, 10, QLatin1Char('0'));
                cc.ackPolicy = js::AckPolicy::Explicit;
                if (auto r = js.addConsumer(sc.name, cc); !r)
                    return fail(QStringLiteral("consumer %1 > %2: %3")
                                    .arg(sc.name, cc.durableName, r.error().toString()));
            }
            if ((s + 1) % 100 == 0 && !p.isSet(QStringLiteral("json")))
                std::fprintf(stderr, "  %d streams, %d consumers made\n", s + 1,
                             (s + 1) * perStream);
        }
        if (Status s = c.flushSync(); !s.ok())
            return fail(s.toString());
        c.closeSync();
    }
    const qint64 madeMs = made.elapsed();
    const int consumers = streams * perStream;

    // The console, as an on-call engineer would open it on this account.
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    const bool withSystem = !p.isSet(QStringLiteral("no-system"));
    if (withSystem)
        window.setSystemCredentials(SystemCredentials{QStringLiteral("sys"), sysPassword, {}});
    const qint64 rssStart = rssKiB();
    jetdeck::bench::RssPeak rss;
    rss.start();
    const qint64 apiStart = apiTotal(cfg.monitorPort);
    jetdeck::bench::LatenessProbe probe;
    probe.start();
    app.setTiming(true);
    QElapsedTimer watching;
    watching.start();
    window.connectToUrls(server.url());
    window.showPage(MainWindow::Page::Streams);
    StreamsPage* page = window.streamsPage();
    // Every consumer on the streams page: the first full listing (at most five minutes).
    const bool listed = waitFor([&] { return page->consumerList().size() >= consumers; }, 300000);
    const qint64 listedMs = listed ? watching.elapsed() : -1;
    const bool throughSystem = window.session()->listingThroughSystem();

    // Sorting and filtering, each until the view is up to date.
    QJsonArray sorts;
    double sortMaxMs = 0;
    for (int col = 0; col < page->model()->columnCount(); ++col) {
        for (const Qt::SortOrder order : {Qt::DescendingOrder, Qt::AscendingOrder}) {
            QElapsedTimer t;
            t.start();
            page->view()->sortByColumn(col, order);
            QApplication::processEvents();
            const double ms = double(t.nsecsElapsed()) / 1e6;
            sortMaxMs = std::max(sortMaxMs, ms);
            sorts.append(QJsonObject{{QStringLiteral("column"),
                                      page->model()->headerData(col, Qt::Horizontal).toString()},
                                     {QStringLiteral("descending"), order == Qt::DescendingOrder},
                                     {QStringLiteral("ms"), ms}});
        }
    }
    page->view()->sortByColumn(StreamTreeModel::NameColumn, Qt::AscendingOrder);
    auto* filter = page->findChild<QLineEdit*>(QStringLiteral("streamFilter"));
    if (!filter)
        return fail(QStringLiteral("the streams page has no filter field"));
    QJsonArray filters;
    double filterMaxMs = 0;
    const QString one = QStringLiteral("S%1").arg(streams / 2, 4, 10, QLatin1Char('0'));
    for (const QString& text : {one, QStringLiteral("no-such-stream"), QString()}) {
        QElapsedTimer t;
        t.start();
        filter->setText(text);
        QApplication::processEvents();
        const double ms = double(t.nsecsElapsed()) / 1e6;
        filterMaxMs = std::max(filterMaxMs, ms);
        filters.append(QJsonObject{{QStringLiteral("text"), text},
                                   {QStringLiteral("ms"), ms},
                                   {QStringLiteral("rows"), page->view()->model()->rowCount()}});
    }

    // Then --seconds of every page in turn, two seconds each.
    QElapsedTimer cycling;
    cycling.start();
    int pageIndex = 0;
    QTimer pages;
    pages.setObjectName(QStringLiteral("next page"));
    pages.setInterval(2000);
    QObject::connect(&pages, &QTimer::timeout, [&] {
        pageIndex = (pageIndex + 1) % MainWindow::kPageCount;
        window.showPage(MainWindow::Page(pageIndex));
        pages.setObjectName(QStringLiteral("next page after %1").arg(pageIndex));
    });
    pages.start();
    waitFor([] { return false; }, seconds * 1000);
    pages.stop();
    probe.stop();
    app.setTiming(false);
    rss.stop();
    const qint64 rssPeak = rss.peakKiB();
    const double watchedS = double(watching.elapsed()) / 1000.0;
    const qint64 apiEnd = apiTotal(cfg.monitorPort);
    const RequestBudget* budget = window.session()->budget();
    const metrics::Percentiles pl = probe.percentiles();
    const qint64 maxLateUs = probe.maxLateUs();

    QJsonObject o{
        {QStringLiteral("streams"), streams},
        {QStringLiteral("consumers"), consumers},
        {QStringLiteral("made_ms"), madeMs},
        {QStringLiteral("watched_s"), watchedS},
        {QStringLiteral("first_full_listing_ms"), listedMs},
        {QStringLiteral("listing_through_system"), throughSystem},
        {QStringLiteral("gui_late_p50_ms"), double(pl.p50) / 1000.0},
        {QStringLiteral("gui_late_p99_ms"), double(pl.p99) / 1000.0},
        {QStringLiteral("gui_late_max_ms"), double(maxLateUs) / 1000.0},
        {QStringLiteral("gui_stalls_over_100ms"), probe.stalls()},
        {QStringLiteral("rss_start_mib"), double(rssStart) / 1024.0},
        {QStringLiteral("rss_peak_mib"), double(rssPeak) / 1024.0},
        {QStringLiteral("sort_max_ms"), sortMaxMs},
        {QStringLiteral("sorts"), sorts},
        {QStringLiteral("filter_max_ms"), filterMaxMs},
        {QStringLiteral("filters"), filters},
        {QStringLiteral("js_api_requests"), apiEnd - apiStart},
        {QStringLiteral("js_api_per_s"), double(apiEnd - apiStart) / watchedS},
        {QStringLiteral("budget_per_s"), budget->perSecond()},
        {QStringLiteral("budget_taken_per_s"), budget->taken() / watchedS},
    };
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Indented).constData());
    } else {
        std::printf("%d streams, %d consumers made in %.1f s\n", streams, consumers,
                    double(madeMs) / 1000.0);
        std::printf("streams page listed every consumer after %s (%s)\n",
                    listedMs < 0 ? "(not within 5 minutes)"
                                 : qPrintable(QStringLiteral("%1 s").arg(double(listedMs) / 1000.0,
                                                                         0, 'f', 1)),
                    throughSystem ? "JSZ through the system account"
                                  : "STREAM.LIST and CONSUMER.LIST page by page");
        std::printf("GUI thread lateness of a 10 ms timer over %.0f s: P50 %.2f ms, P99 %.2f ms, "
                    "max %.1f ms, %lld stalls over 100 ms\n",
                    watchedS, double(pl.p50) / 1000.0, double(pl.p99) / 1000.0,
                    double(maxLateUs) / 1000.0, probe.stalls());
        std::printf("resident memory: %.1f MiB at start, %.1f MiB peak\n",
                    double(rssStart) / 1024.0, double(rssPeak) / 1024.0);
        std::printf("streams page: sorting at most %.1f ms (%lld sorts), filtering at most "
                    "%.1f ms\n",
                    sortMaxMs, qint64(sorts.size()), filterMaxMs);
        std::printf("JetStream API requests answered by the server: %lld (%.1f/s); the "
                    "console's budget %.0f/s, taken %.1f/s\n",
                    apiEnd - apiStart, double(apiEnd - apiStart) / watchedS, budget->perSecond(),
                    budget->taken() / watchedS);
        if (const int n = p.value(QStringLiteral("slowest")).toInt(); n > 0) {
            std::printf("events of 30 ms or more: %lld; the slowest:\n", qint64(app.slowCount()));
            for (const TimedApplication::Slow& e : app.slowest(n))
                std::printf("  %7.1f ms  %s\n", e.ms, qPrintable(e.what));
        }
    }
    return 0;
}
