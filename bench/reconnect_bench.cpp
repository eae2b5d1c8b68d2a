// Reconnect measurements against real nats-server processes (issue: resilient connection):
//  1. restart: kill -9 the server, restart it on the same port, and measure how long after
//     the server is ready (or after the client's scheduled attempt, whichever is later) the
//     client is CONNECTED with its subscription restored; 20 cycles, median and worst.
//  2. memory: 1000 forced disconnect/reconnect cycles against a live server; resident memory
//     after 100 and after 1000 cycles (it must stay flat: histories are bounded).
// Usage: reconnect_bench [--cycles N] [--memory-cycles N] [--json]
#include "bench/benchutil.h"
#include "core/client/connectionthread.h"
#include "core/demo/natsserverprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <algorithm>
#include <cstdio>

using namespace jetdeck;
using jetdeck::bench::rssKiB;
using jetdeck::bench::waitFor;

namespace {

int fail(const QString& why) {
    std::fprintf(stderr, "reconnect_bench: %s\n", qPrintable(why));
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addOptions({{QStringLiteral("cycles"), QStringLiteral("Restart cycles."), QStringLiteral("n"),
                   QStringLiteral("20")},
                  {QStringLiteral("memory-cycles"), QStringLiteral("Forced reconnect cycles."),
                   QStringLiteral("n"), QStringLiteral("1000")},
                  {QStringLiteral("json"), QStringLiteral("One JSON document on stdout.")}});
    p.addHelpOption();
    p.process(app);
    const int cycles = p.value(QStringLiteral("cycles")).toInt();
    const int memCycles = p.value(QStringLiteral("memory-cycles")).toInt();

    NatsServerProcess server;
    if (Status s = server.start(); !s.ok())
        return fail(s.toString());
    auto base = Options::fromUrls(server.url());
    Options o = base.value();
    o.reconnectDelayMs = 250;
    o.maxReconnectDelayMs = 1000;
    o.reconnectJitterPercent = 20;

    // --- 1. restart cycles ------------------------------------------------------------------
    QList<qint64> lateness, total;
    {
        ConnectionThread c(o);
        if (Status s = c->connectSync(); !s.ok())
            return fail(s.toString());
        std::atomic<int> got{0};
        auto sub = c->subscribeInline("bench.reconnect", [&](const MsgView&) { ++got; });
        if (!sub)
            return fail(sub.error().toString());
        c->flushSync();
        for (int i = 0; i < cycles; ++i) {
            server.kill();
            if (!waitFor([&] { return c->state() == ConnectionState::Reconnecting; }, 10000))
                return fail(QStringLiteral("no RECONNECTING after kill"));
            QThread::msleep(100);
            if (Status s = server.start(); !s.ok())
                return fail(s.toString());
            QElapsedTimer since;
            since.start();
            // When the next attempt is scheduled: the client cannot do better than that.
            const qint64 scheduledIn = qMax<qint64>(0, c->health().nextAttemptInMs);
            if (!waitFor([&] { return c->state() == ConnectionState::Connected; }, 15000))
                return fail(QStringLiteral("no reconnect within 15 s"));
            // Subscription restored: a message published now comes back.
            const int before = got;
            c->publish("bench.reconnect", "x");
            if (!waitFor([&] { return got > before; }, 5000))
                return fail(QStringLiteral("subscription not restored"));
            const qint64 elapsed = since.elapsed();
            total << elapsed;
            lateness << qMax<qint64>(0, elapsed - scheduledIn);
        }
    }
    std::sort(total.begin(), total.end());
    std::sort(lateness.begin(), lateness.end());

    // --- 2. memory over forced reconnects ----------------------------------------------------
    qint64 rssAt400 = -1, rssEnd = -1;
    {
        Options m = o;
        m.reconnectDelayMs = 1;
        m.maxReconnectDelayMs = 5;
        ConnectionThread c(m);
        if (Status s = c->connectSync(); !s.ok())
            return fail(s.toString());
        auto sub = c->subscribe("bench.memory");
        for (int i = 0; i < memCycles; ++i) {
            const quint64 before = c->stats().reconnects;
            c->forceDisconnect(QStringLiteral("memory bench"));
            // A reconnect can be quicker than any poll of the state: count them instead.
            if (!waitFor([&] { return c->stats().reconnects > before; }, 10000))
                return fail(QStringLiteral("cycle %1 did not reconnect").arg(i));
            // By then the bounded event and state histories are full; growth after it is a leak.
            if (i + 1 == qMin(400, memCycles))
                rssAt400 = rssKiB();
        }
        rssEnd = rssKiB();
    }

    const auto median = [](const QList<qint64>& v) { return v.isEmpty() ? 0 : v[v.size() / 2]; };
    QJsonObject out{
        {QStringLiteral("restart_cycles"), cycles},
        {QStringLiteral("reconnect_ms_median"), median(total)},
        {QStringLiteral("reconnect_ms_worst"), total.isEmpty() ? 0 : total.last()},
        {QStringLiteral("lateness_ms_median"), median(lateness)},
        {QStringLiteral("lateness_ms_worst"), lateness.isEmpty() ? 0 : lateness.last()},
        {QStringLiteral("memory_cycles"), memCycles},
        {QStringLiteral("rss_kib_after_400"), rssAt400},
        {QStringLiteral("rss_kib_after_all"), rssEnd},
    };
    if (p.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf(
            "restart: %d cycles; ready -> CONNECTED with subscriptions restored: median %lld "
            "ms, worst %lld ms; beyond the scheduled attempt: median %lld ms, worst %lld "
            "ms (target <= 100)\n",
            cycles, median(total), total.isEmpty() ? 0LL : total.last(), median(lateness),
            lateness.isEmpty() ? 0LL : lateness.last());
        std::printf("memory: %d forced reconnects; RSS %lld KiB after 400, %lld KiB after all "
                    "(%+lld KiB)\n",
                    memCycles, rssAt400, rssEnd, rssEnd - rssAt400);
    }
    return 0;
}
