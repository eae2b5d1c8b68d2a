// jetdeck-cli server list|ping|report jetstream|report connections: the whole cluster through
// the system account ($SYS.REQ.SERVER.PING.*), one fan-out per command.
#include "app/cli/jshelpers.h"
#include "core/protocol/json.h"
#include "core/system/fanout.h"
#include "core/system/monitorports.h"
#include "core/system/replicas.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace jetdeck::cli {

namespace {

using sys::Doc;

void serverOptions(QCommandLineParser& p) {
    systemCredentialOptions(p);
    p.addOptions({
        {QStringLiteral("expect"),
         QStringLiteral("Servers expected to answer: done as soon as they have (default: wait "
                        "for a quiet 300ms)."),
         QStringLiteral("n")},
        {QStringLiteral("wait"), QStringLiteral("Longest wait for the answers (default 2s)."),
         QStringLiteral("duration")},
        {QStringLiteral("sort"),
         QStringLiteral("report connections: in-msgs, out-msgs, in-bytes, out-bytes, pending, "
                        "subs, rtt, uptime, idle or cid (default in-msgs)."),
         QStringLiteral("key")},
        {QStringLiteral("top"),
         QStringLiteral("report connections: the first N after sorting (default 20; 0: all)."),
         QStringLiteral("n")},
        {QStringLiteral("account"),
         QStringLiteral("report connections: only this account's connections."),
         QStringLiteral("name")},
        {QStringLiteral("monitor"),
         QStringLiteral("Ask the servers' monitoring ports (http://host:8222, several separated "
                        "by commas) instead of the system account: list, report jetstream and "
                        "report connections."),
         QStringLiteral("urls")},
    });
}

/// One fan-out, waited for on this thread.
struct Collected {
    sys::FanoutResult result;
    bool interrupted = false;
};

Result<Collected> collect(Connection& c, Doc doc, const QByteArray& body,
                          const sys::FanoutOptions& o) {
    Collected out;
    bool done = false;
    QObject context;
    sys::fanout(&c, sys::pingSubject(doc), body, o, &context, [&](const sys::FanoutResult& r) {
        out.result = r;
        done = true;
    });
    runLoop([&] { return done; });
    if (!done)
        return Error(ErrorKind::Timeout, QStringLiteral("interrupted"));
    if (!out.result.error.ok())
        return out.result.error;
    if (out.result.noResponders)
        return Error(ErrorKind::NoResponders, sys::systemAccessHint());
    if (out.result.replies.isEmpty())
        return Error(ErrorKind::Timeout,
                     QStringLiteral("no server answered $SYS.REQ.SERVER.PING.%1 within %2 ms")
                         .arg(QString::fromLatin1(sys::docToken(doc)))
                         .arg(o.timeoutMs));
    return out;
}

/// Connects with the system options, sends one fan-out, or prints why not.
struct Run {
    std::unique_ptr<Connection> conn;
    sys::FanoutResult result;
};

bool runFanout(const QCommandLineParser& p, const Resolved& r, Doc doc, const QByteArray& body,
               Run* run, int* code) {
    Result<Options> o = systemOptions(p, r);
    if (!o) {
        *code = fail(o.error().message, kExitUsage);
        return false;
    }
    sys::FanoutOptions fo;
    if (Status s = readIntOption(p, "expect", 1, &fo.expected, 1000); !s.ok()) {
        *code = fail(s.message, kExitUsage);
        return false;
    }
    qint64 waitMs = 2000;
    QString err;
    if (!parseDurationMs(p, QStringLiteral("wait"), 2000, &waitMs, &err) || waitMs < 100 ||
        waitMs > 600000) {
        *code = fail(err.isEmpty() ? QStringLiteral("--wait needs 100ms to 10m") : err, kExitUsage);
        return false;
    }
    fo.timeoutMs = int(waitMs);
    if (p.isSet(QStringLiteral("monitor"))) {
        // The monitoring ports: no NATS connection, no system account.
        const auto urls = sys::MonitorPorts::parseUrls(p.value(QStringLiteral("monitor")));
        if (!urls) {
            *code = fail(QStringLiteral("--monitor: %1").arg(urls.error().message), kExitUsage);
            return false;
        }
        sys::MonitorPorts ports(urls.value());
        bool done = false;
        QObject context;
        ports.fetch(doc, body, fo, &context, [&](const sys::FanoutResult& res) {
            run->result = res;
            done = true;
        });
        runLoop([&] { return done; });
        if (!done) {
            *code = fail(QStringLiteral("interrupted"));
            return false;
        }
        for (const QString& u : std::as_const(run->result.unanswered))
            fail(QStringLiteral("not answering: %1").arg(u));
        for (const QString& m : std::as_const(run->result.malformed))
            fail(QStringLiteral("a reply was left out: %1").arg(m));
        if (!run->result.error.ok() || run->result.replies.isEmpty()) {
            *code =
                fail(run->result.error.ok()
                         ? QStringLiteral("no monitoring port answered (%1)").arg(ports.describe())
                         : run->result.error.message);
            return false;
        }
        return true;
    }
    run->conn = std::make_unique<Connection>(o.value());
    if (!connectOrFail(*run->conn, r.timeoutMs, code))
        return false;
    Result<Collected> c = collect(*run->conn, doc, body, fo);
    if (!c) {
        *code = fail(c.error().message);
        return false;
    }
    run->result = c->result;
    for (const QString& m : std::as_const(run->result.malformed))
        fail(QStringLiteral("a reply was left out: %1").arg(m));
    return true;
}

QString serverName(const sys::ServerIdentity& s) {
    return s.name.isEmpty() ? s.id.left(12) : s.name;
}

nlohmann::json identityJson(const sys::ServerIdentity& s) {
    return {{"name", s.name.toStdString()},       {"id", s.id.toStdString()},
            {"cluster", s.cluster.toStdString()}, {"version", s.version.toStdString()},
            {"host", s.host.toStdString()},       {"jetstream", s.jetstream}};
}

void printJsonDoc(const nlohmann::json& j) {
    outBytes(json::dumpBytes(j));
}

/// The servers' replies sorted by name, errors reported and left out.
template <typename Document>
QList<std::pair<sys::ServerIdentity, Document>> documents(const sys::FanoutResult& r, int* failed) {
    QList<std::pair<sys::ServerIdentity, Document>> out;
    for (const sys::ServerReply& reply : r.replies) {
        if (!reply.error.ok()) {
            fail(QStringLiteral("%1 answered: %2")
                     .arg(serverName(reply.server), reply.error.message));
            ++*failed;
            continue;
        }
        Result<Document> d = Document::fromJson(reply.data);
        if (!d) {
            fail(QStringLiteral("%1: %2").arg(serverName(reply.server), d.error().message));
            ++*failed;
            continue;
        }
        out.append({reply.server, std::move(d).value()});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return serverName(a.first) < serverName(b.first);
    });
    return out;
}

int cmdServerList(const QCommandLineParser& p, const Resolved& r, bool jsonOut) {
    Run run;
    int code = kExitOk;
    if (!runFanout(p, r, Doc::Varz, {}, &run, &code))
        return code;
    int failed = 0;
    const auto servers = documents<sys::Varz>(run.result, &failed);
    if (jsonOut) {
        nlohmann::json arr = nlohmann::json::array();
        for (const sys::ServerReply& reply : run.result.replies)
            if (reply.error.ok())
                arr.push_back({{"server", identityJson(reply.server)}, {"varz", reply.data}});
        printJsonDoc({{"servers", arr}, {"elapsed_ms", run.result.elapsedMs}});
        return failed ? kExitFailure : kExitOk;
    }
    QList<QStringList> rows{
        {QStringLiteral("NAME"), QStringLiteral("CLUSTER"), QStringLiteral("VERSION"),
         QStringLiteral("UPTIME"), QStringLiteral("CONNS"), QStringLiteral("SUBS"),
         QStringLiteral("SLOW"), QStringLiteral("MEM"), QStringLiteral("CPU%"),
         QStringLiteral("IN MSGS"), QStringLiteral("OUT MSGS"), QStringLiteral("ROUTES"),
         QStringLiteral("LEAFS"), QStringLiteral("JETSTREAM")}};
    quint64 conns = 0, subs = 0;
    for (const auto& [id, v] : servers) {
        conns += quint64(v.connections);
        subs += v.subscriptions;
        rows.append({serverName(id), v.clusterName.isEmpty() ? QStringLiteral("-") : v.clusterName,
                     v.version, sys::uptimeText(v.uptimeMs()), count(quint64(v.connections)),
                     count(v.subscriptions), count(v.slowConsumers), bytesText(quint64(v.memBytes)),
                     QString::number(v.cpu, 'f', 1), count(v.inMsgs), count(v.outMsgs),
                     count(quint64(v.routes)), count(quint64(v.leafnodes)),
                     v.jetstream ? QStringLiteral("%1 / %2 mem, %3 / %4 file")
                                       .arg(bytesText(v.js.memory), bytesText(v.js.maxMemory),
                                            bytesText(v.js.storage), bytesText(v.js.maxStorage))
                                 : QStringLiteral("off")});
    }
    out(table(rows));
    out(QStringLiteral("%1 server(s) answered in %2 ms; %3 connections, %4 subscriptions")
            .arg(servers.size())
            .arg(run.result.elapsedMs)
            .arg(conns)
            .arg(subs));
    return failed ? kExitFailure : kExitOk;
}

int cmdServerPing(const QCommandLineParser& p, const Resolved& r, bool jsonOut) {
    Run run;
    int code = kExitOk;
    if (!runFanout(p, r, Doc::Statsz, {}, &run, &code))
        return code;
    QList<sys::ServerReply> replies = run.result.replies;
    std::sort(replies.begin(), replies.end(),
              [](const auto& a, const auto& b) { return a.elapsedMs < b.elapsedMs; });
    if (jsonOut) {
        nlohmann::json arr = nlohmann::json::array();
        for (const sys::ServerReply& reply : replies)
            arr.push_back({{"server", identityJson(reply.server)}, {"ms", reply.elapsedMs}});
        printJsonDoc({{"servers", arr}, {"elapsed_ms", run.result.elapsedMs}});
        return kExitOk;
    }
    QList<QStringList> rows;
    for (const sys::ServerReply& reply : replies)
        rows.append({serverName(reply.server), reply.server.cluster,
                     QStringLiteral("%1 ms").arg(reply.elapsedMs)});
    out(table(rows));
    out(QStringLiteral("%1 server(s) answered; the slowest after %2 ms")
            .arg(replies.size())
            .arg(replies.isEmpty() ? 0 : replies.last().elapsedMs));
    return kExitOk;
}

QString peerState(const js::PeerInfo& p) {
    if (p.offline)
        return QStringLiteral("OFFLINE");
    return p.current ? QStringLiteral("current") : QStringLiteral("behind");
}

int cmdReportJetStream(const QCommandLineParser& p, const Resolved& r, bool jsonOut) {
    Run run;
    int code = kExitOk;
    if (!runFanout(p, r, Doc::Jsz, sys::jszDetailRequest(), &run, &code))
        return code;
    int failed = 0;
    const auto servers = documents<sys::Jsz>(run.result, &failed);
    if (jsonOut) {
        nlohmann::json arr = nlohmann::json::array();
        for (const sys::ServerReply& reply : run.result.replies)
            if (reply.error.ok())
                arr.push_back({{"server", identityJson(reply.server)}, {"jsz", reply.data}});
        printJsonDoc({{"servers", arr}, {"elapsed_ms", run.result.elapsedMs}});
        return failed ? kExitFailure : kExitOk;
    }
    const QList<int> w{14, 8, 10, 10, 10, 10, 10, 10};
    out(row({QStringLiteral("SERVER"), QStringLiteral("CLUSTER"), QStringLiteral("STREAMS"),
             QStringLiteral("CONSUMERS"), QStringLiteral("MESSAGES"), QStringLiteral("BYTES"),
             QStringLiteral("MEMORY"), QStringLiteral("FILE"), QStringLiteral("API REQ / ERR")},
            w));
    sys::MetaCluster meta;
    for (const auto& [id, z] : servers) {
        const bool leader = z.meta.leader == id.name && !id.name.isEmpty();
        out(row({serverName(id) + (leader ? QStringLiteral("*") : QString()), id.cluster,
                 count(quint64(z.streams)), count(quint64(z.consumers)), count(z.messages),
                 bytesText(z.bytes), bytesText(z.usage.memory), bytesText(z.usage.storage),
                 QStringLiteral("%1 / %2").arg(z.usage.apiTotal).arg(z.usage.apiErrors)},
                w));
        if (!z.meta.replicas.isEmpty() || meta.leader.isEmpty())
            meta = z.meta;
    }
    const sys::JetStreamAssets assets = sys::leaderViews(servers);
    // Judged as the console's JetStream page judges them (core/system/replicas).
    const QList<sys::ReplicaRow> replicas = sys::replicaRows(assets);
    QStringList problems;
    for (const sys::ReplicaRow& rr : replicas)
        if (rr.health != sys::ReplicaHealth::Ok)
            problems << QStringLiteral("%1 > %2%3: %4: %5")
                            .arg(rr.account, rr.stream,
                                 rr.kind == sys::ReplicaRow::Kind::Consumer
                                     ? QStringLiteral(" > ") + rr.consumer
                                     : QString(),
                                 sys::replicaHealthName(rr.health),
                                 rr.problems.join(QStringLiteral("; ")));
    const qsizetype streams = assets.streams.size();
    const qsizetype consumers = assets.consumers.size();
    out(QStringLiteral("(* the meta leader)"));
    if (!meta.name.isEmpty()) {
        out(QString());
        out(QStringLiteral("Meta group %1: leader %2, %3 server(s)")
                .arg(meta.name, meta.leader.isEmpty() ? QStringLiteral("NONE") : meta.leader)
                .arg(meta.clusterSize));
        for (const js::PeerInfo& peer : std::as_const(meta.replicas))
            out(QStringLiteral("  %1  %2  active %3 ago  lag %4")
                    .arg(peer.name.leftJustified(14), peerState(peer).leftJustified(8),
                         sys::uptimeText(peer.activeNs / 1000000))
                    .arg(peer.lag));
    }
    out(QString());
    out(QStringLiteral("%1 stream(s) and %2 consumer(s), each counted once at its leader")
            .arg(streams)
            .arg(consumers));
    if (problems.isEmpty())
        out(QStringLiteral("Every stream and consumer is healthy: replicas current, mirrors "
                           "and sources caught up."));
    for (const QString& line : std::as_const(problems))
        out(line);
    return failed ? kExitFailure : kExitOk;
}

/// The connz sort keys this command knows, with how to compare two connections.
bool lessBy(const QString& key, const sys::ClientConn& a, const sys::ClientConn& b) {
    if (key == QLatin1String("out-msgs"))
        return a.outMsgs > b.outMsgs;
    if (key == QLatin1String("in-bytes"))
        return a.inBytes > b.inBytes;
    if (key == QLatin1String("out-bytes"))
        return a.outBytes > b.outBytes;
    if (key == QLatin1String("pending"))
        return a.pendingBytes > b.pendingBytes;
    if (key == QLatin1String("subs"))
        return a.subscriptions > b.subscriptions;
    if (key == QLatin1String("rtt"))
        return a.rttUs > b.rttUs;
    if (key == QLatin1String("uptime"))
        return a.uptimeMs > b.uptimeMs;
    if (key == QLatin1String("idle"))
        return a.idleMs > b.idleMs;
    if (key == QLatin1String("cid"))
        return a.cid < b.cid;
    return a.inMsgs > b.inMsgs;
}

int cmdReportConnections(const QCommandLineParser& p, const Resolved& r, bool jsonOut) {
    static const QStringList kKeys{QStringLiteral("in-msgs"),  QStringLiteral("out-msgs"),
                                   QStringLiteral("in-bytes"), QStringLiteral("out-bytes"),
                                   QStringLiteral("pending"),  QStringLiteral("subs"),
                                   QStringLiteral("rtt"),      QStringLiteral("uptime"),
                                   QStringLiteral("idle"),     QStringLiteral("cid")};
    const QString sort = p.isSet(QStringLiteral("sort")) ? p.value(QStringLiteral("sort"))
                                                         : QStringLiteral("in-msgs");
    if (!kKeys.contains(sort))
        return fail(
            QStringLiteral("--sort takes %1, not '%2'").arg(kKeys.join(QStringLiteral(", ")), sort),
            kExitUsage);
    int top = 20;
    if (Status s = readIntOption(p, "top", 0, &top, 1000000); !s.ok())
        return fail(s.message, kExitUsage);
    nlohmann::json body = {{"auth", true}, {"limit", 1024}};
    const QString account = p.value(QStringLiteral("account"));
    if (!account.isEmpty())
        body["acc"] = account.toStdString();
    Run run;
    int code = kExitOk;
    if (!runFanout(p, r, Doc::Connz, json::dumpBytes(body), &run, &code))
        return code;
    int failed = 0;
    const auto servers = documents<sys::Connz>(run.result, &failed);
    struct Row {
        QString server;
        sys::ClientConn c;
    };
    QList<Row> rows;
    int total = 0;
    bool truncated = false;
    for (const auto& [id, z] : servers) {
        total += z.total;
        truncated = truncated || z.total > int(z.connections.size());
        for (const sys::ClientConn& c : z.connections)
            rows.append({serverName(id), c});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const Row& a, const Row& b) { return lessBy(sort, a.c, b.c); });
    if (top > 0 && rows.size() > top)
        rows.resize(top);
    if (jsonOut) {
        nlohmann::json arr = nlohmann::json::array();
        for (const Row& row : std::as_const(rows)) {
            const sys::ClientConn& c = row.c;
            arr.push_back({{"server", row.server.toStdString()},
                           {"cid", c.cid},
                           {"name", c.name.toStdString()},
                           {"account", c.account.toStdString()},
                           {"ip", c.ip.toStdString()},
                           {"port", c.port},
                           {"lang", c.lang.toStdString()},
                           {"version", c.version.toStdString()},
                           {"rtt_us", c.rttUs},
                           {"subscriptions", c.subscriptions},
                           {"pending_bytes", c.pendingBytes},
                           {"in_msgs", c.inMsgs},
                           {"out_msgs", c.outMsgs},
                           {"in_bytes", c.inBytes},
                           {"out_bytes", c.outBytes},
                           {"uptime_ms", c.uptimeMs},
                           {"idle_ms", c.idleMs}});
        }
        printJsonDoc({{"connections", arr}, {"total", total}, {"truncated", truncated}});
        return failed ? kExitFailure : kExitOk;
    }
    const QList<int> w{6, 10, 18, 10, 22, 14, 9, 6, 10, 10, 10, 8};
    out(row({QStringLiteral("CID"), QStringLiteral("SERVER"), QStringLiteral("NAME"),
             QStringLiteral("ACCOUNT"), QStringLiteral("ADDRESS"), QStringLiteral("LANG"),
             QStringLiteral("RTT"), QStringLiteral("SUBS"), QStringLiteral("PENDING"),
             QStringLiteral("IN MSGS"), QStringLiteral("OUT MSGS"), QStringLiteral("UPTIME"),
             QStringLiteral("IDLE")},
            w));
    for (const Row& x : std::as_const(rows)) {
        const sys::ClientConn& c = x.c;
        out(row({QString::number(c.cid), x.server, c.name.isEmpty() ? QStringLiteral("-") : c.name,
                 c.account.isEmpty() ? QStringLiteral("-") : c.account,
                 QStringLiteral("%1:%2").arg(c.ip).arg(c.port),
                 c.lang.isEmpty() ? QStringLiteral("-") : c.lang + QLatin1Char(' ') + c.version,
                 c.rttUs < 0
                     ? QStringLiteral("-")
                     : QString::number(double(c.rttUs) / 1000.0, 'f', 2) + QStringLiteral("ms"),
                 count(c.subscriptions), bytesText(quint64(qMax<qint64>(0, c.pendingBytes))),
                 count(c.inMsgs), count(c.outMsgs), sys::uptimeText(c.uptimeMs),
                 sys::uptimeText(c.idleMs)},
                w));
    }
    out(QStringLiteral("%1 of %2 connection(s) on %3 server(s), by %4%5")
            .arg(rows.size())
            .arg(total)
            .arg(servers.size())
            .arg(sort, truncated ? QStringLiteral(" (a server had more than 1024: the rest "
                                                  "are not listed)")
                                 : QString()));
    return failed ? kExitFailure : kExitOk;
}

int cmdServer(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    const QString what = pos.value(1);
    const QString sub = pos.value(2);
    if (what == QLatin1String("list") && pos.size() == 2)
        return cmdServerList(p, r, json);
    if (what == QLatin1String("ping") && pos.size() == 2)
        return cmdServerPing(p, r, json);
    if (what == QLatin1String("report") && pos.size() == 3 && sub == QLatin1String("jetstream"))
        return cmdReportJetStream(p, r, json);
    if (what == QLatin1String("report") && pos.size() == 3 &&
        (sub == QLatin1String("connections") || sub == QLatin1String("conns")))
        return cmdReportConnections(p, r, json);
    return fail(QStringLiteral("server takes list, ping, report jetstream or report "
                               "connections%1")
                    .arg(pos.size() > 1
                             ? QStringLiteral(", not '%1'").arg(pos.mid(1).join(QLatin1Char(' ')))
                             : QString()),
                kExitUsage);
}

} // namespace

QList<Command> serverCommands() {
    return {{"server", "list|ping|report jetstream|report connections",
             "The whole cluster through the system account: servers, JetStream, connections",
             serverOptions, cmdServer}};
}

} // namespace jetdeck::cli
