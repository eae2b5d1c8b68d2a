#include "sysdocs.h"

#include "core/jetstream/jsinternal.h"
#include "core/protocol/json.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace jetdeck::sys {

using js::detail::FieldReader;

namespace {

constexpr ErrorKind kKind = ErrorKind::Protocol;

void readIdentity(FieldReader& r, ServerIdentity& s) {
    r.str("name", s.name);
    r.str("host", s.host);
    r.str("id", s.id);
    r.str("cluster", s.cluster);
    r.str("ver", s.version);
    r.boolean("jetstream", s.jetstream);
    r.u64("seq", s.seq);
    r.time("time", s.time);
}

/// {"config": {max_memory, max_storage}, "stats": {memory, storage, reserved_*, accounts,
/// ha_assets, api}} (VARZ, STATSZ) or the same fields flat (JSZ).
void readUsage(FieldReader& r, JetStreamUsage& u) {
    if (const nlohmann::json* cfg = r.object("config")) {
        FieldReader cr(*cfg, r.pathOf("config"), kKind);
        cr.u64("max_memory", u.maxMemory);
        cr.u64("max_storage", u.maxStorage);
        r.adopt(cr.error());
    }
    r.u64("memory", u.memory);
    r.u64("storage", u.storage);
    r.u64("reserved_memory", u.reservedMemory);
    r.u64("reserved_storage", u.reservedStorage);
    r.i32("accounts", u.accounts);
    r.i32("ha_assets", u.haAssets);
    if (const nlohmann::json* api = r.object("api")) {
        FieldReader ar(*api, r.pathOf("api"), kKind);
        ar.u64("total", u.apiTotal);
        ar.u64("errors", u.apiErrors);
        r.adopt(ar.error());
    }
}

void readMeta(FieldReader& r, const char* key, MetaCluster& m) {
    const nlohmann::json* meta = r.object(key);
    if (!meta)
        return;
    FieldReader mr(*meta, r.pathOf(key), kKind);
    mr.str("name", m.name);
    mr.str("leader", m.leader);
    mr.str("peer", m.peer);
    mr.i32("cluster_size", m.clusterSize);
    if (mr.array("replicas")) {
        // The same shape as a stream's cluster block.
        Result<js::ClusterInfo> c = js::detail::readCluster(*meta, r.pathOf(key), kKind);
        if (c)
            m.replicas = c->replicas;
        else
            mr.adopt(c.error());
    }
    r.adopt(mr.error());
}

void readDuration(FieldReader& r, const nlohmann::json& obj, const char* key, qint64& outMs) {
    QString text;
    r.str(key, text);
    if (text.isEmpty() || !obj.contains(key))
        return;
    if (const std::optional<qint64> ms = parseServerDurationMs(text))
        outMs = *ms;
    else
        r.fail(key, QStringLiteral("not a duration: \"%1\"").arg(text.left(40)));
}

Result<ClientConn> readConn(const nlohmann::json& j, const QString& path) {
    if (!j.is_object())
        return js::detail::notAnObject(path, j, kKind);
    ClientConn c;
    FieldReader r(j, path, kKind);
    r.u64("cid", c.cid);
    r.str("kind", c.kind);
    r.str("type", c.type);
    r.str("ip", c.ip);
    r.i32("port", c.port);
    r.str("name", c.name);
    r.str("lang", c.lang);
    r.str("version", c.version);
    r.str("account", c.account);
    r.str("authorized_user", c.user);
    r.time("start", c.start);
    r.time("last_activity", c.lastActivity);
    QString rtt;
    r.str("rtt", rtt);
    if (!rtt.isEmpty()) {
        if (const std::optional<qint64> ns = js::parseDurationNs(rtt))
            c.rttUs = *ns / 1000;
        else
            r.fail("rtt", QStringLiteral("not a duration: \"%1\"").arg(rtt.left(40)));
    }
    readDuration(r, j, "uptime", c.uptimeMs);
    readDuration(r, j, "idle", c.idleMs);
    r.i64("pending_bytes", c.pendingBytes);
    r.u64("in_msgs", c.inMsgs);
    r.u64("out_msgs", c.outMsgs);
    r.u64("in_bytes", c.inBytes);
    r.u64("out_bytes", c.outBytes);
    r.u64("subscriptions", c.subscriptions);
    r.strList("subscriptions_list", c.subscriptionsList);
    if (const nlohmann::json* subs = r.array("subscriptions_list_detail")) {
        int i = 0;
        for (const nlohmann::json& e : *subs) {
            const QString spath = QStringLiteral("%1.subscriptions_list_detail[%2]")
                                      .arg(path.isEmpty() ? QStringLiteral("connection") : path)
                                      .arg(i++);
            if (!e.is_object())
                return js::detail::notAnObject(spath, e, kKind);
            ClientConn::Subscription sub;
            FieldReader sr(e, spath, kKind);
            sr.str("subject", sub.subject);
            sr.str("qgroup", sub.queue);
            sr.u64("msgs", sub.msgs);
            if (!sr.ok())
                return sr.error();
            c.subscriptionsDetail.append(sub);
        }
    }
    r.str("tls_version", c.tlsVersion);
    r.str("reason", c.reason);
    if (!r.ok())
        return r.error();
    return c;
}

} // namespace

QByteArray docToken(Doc d) {
    switch (d) {
    case Doc::Statsz:
        return "STATSZ";
    case Doc::Varz:
        return "VARZ";
    case Doc::Connz:
        return "CONNZ";
    case Doc::Routez:
        return "ROUTEZ";
    case Doc::Gatewayz:
        return "GATEWAYZ";
    case Doc::Leafz:
        return "LEAFZ";
    case Doc::Subsz:
        return "SUBSZ";
    case Doc::Jsz:
        return "JSZ";
    case Doc::Healthz:
        return "HEALTHZ";
    case Doc::Accountz:
        return "ACCOUNTZ";
    }
    return {};
}

QByteArray pingSubject(Doc d) {
    return "$SYS.REQ.SERVER.PING." + docToken(d);
}

QByteArray serverSubject(const QString& serverId, Doc d) {
    return "$SYS.REQ.SERVER." + serverId.toUtf8() + '.' + docToken(d);
}

Result<ServerReply> parseServerReply(QByteArrayView payload) {
    const nlohmann::json j = json::parse(payload);
    if (j.is_discarded())
        return Error(
            kKind, QStringLiteral("a $SYS reply that is not JSON (%1 bytes)").arg(payload.size()));
    if (!j.is_object())
        return js::detail::notAnObject(QStringLiteral("$SYS reply"), j, kKind);
    ServerReply out;
    FieldReader r(j, QString(), kKind);
    if (const nlohmann::json* server = r.object("server")) {
        FieldReader sr(*server, QStringLiteral("server"), kKind);
        readIdentity(sr, out.server);
        r.adopt(sr.error());
    }
    if (!r.ok())
        return r.error();
    if (out.server.name.isEmpty() && out.server.id.isEmpty())
        return Error(kKind, QStringLiteral("a $SYS reply without the server that sent it"));
    if (const nlohmann::json* err = r.object("error")) {
        FieldReader er(*err, QStringLiteral("error"), kKind);
        int code = 0;
        QString description;
        er.i32("code", code);
        er.str("description", description);
        if (!er.ok())
            return er.error();
        out.error = Error(code == 403 ? ErrorKind::PermissionViolation : ErrorKind::Server,
                          QStringLiteral("%1 (%2)")
                              .arg(description.isEmpty() ? QStringLiteral("error") : description)
                              .arg(code));
        return out;
    }
    for (const char* key : {"data", "statsz"})
        if (const auto it = j.find(key); it != j.end() && it->is_object()) {
            out.data = *it;
            return out;
        }
    return Error(kKind, QStringLiteral("a $SYS reply from %1 with neither data nor error")
                            .arg(out.server.name.isEmpty() ? out.server.id : out.server.name));
}

Result<Varz> Varz::fromJson(const nlohmann::json& j) {
    if (!j.is_object())
        return js::detail::notAnObject(QStringLiteral("varz"), j, kKind);
    Varz v;
    FieldReader r(j, QString(), kKind);
    r.str("server_id", v.serverId);
    r.str("server_name", v.name);
    r.str("version", v.version);
    r.str("go", v.goVersion);
    r.str("host", v.host);
    r.i32("port", v.port);
    if (const nlohmann::json* c = r.object("cluster")) {
        FieldReader cr(*c, QStringLiteral("cluster"), kKind);
        cr.str("name", v.clusterName);
        r.adopt(cr.error());
    }
    if (const nlohmann::json* g = r.object("gateway")) {
        FieldReader gr(*g, QStringLiteral("gateway"), kKind);
        gr.str("name", v.gatewayName);
        r.adopt(gr.error());
    }
    r.time("start", v.start);
    r.time("now", v.now);
    r.i64("mem", v.memBytes);
    r.i32("cores", v.cores);
    if (const auto it = j.find("cpu"); it != j.end()) {
        if (it->is_number() && std::isfinite(it->get<double>()))
            v.cpu = it->get<double>();
        else if (!it->is_null())
            r.fail("cpu", QStringLiteral("expected a number"));
    }
    r.i32("connections", v.connections);
    r.u64("total_connections", v.totalConnections);
    r.i32("routes", v.routes);
    r.i32("remotes", v.remotes);
    r.i32("leafnodes", v.leafnodes);
    r.u64("in_msgs", v.inMsgs);
    r.u64("out_msgs", v.outMsgs);
    r.u64("in_bytes", v.inBytes);
    r.u64("out_bytes", v.outBytes);
    r.u64("slow_consumers", v.slowConsumers);
    r.u64("subscriptions", v.subscriptions);
    r.i64("max_payload", v.maxPayload);
    r.str("system_account", v.systemAccount);
    if (const nlohmann::json* js = r.object("jetstream")) {
        FieldReader jr(*js, QStringLiteral("jetstream"), kKind);
        if (const nlohmann::json* cfg = jr.object("config")) {
            v.jetstream = !cfg->empty();
            FieldReader cr(*cfg, QStringLiteral("jetstream.config"), kKind);
            cr.u64("max_memory", v.js.maxMemory);
            cr.u64("max_storage", v.js.maxStorage);
            jr.adopt(cr.error());
        }
        if (const nlohmann::json* st = jr.object("stats")) {
            FieldReader sr(*st, QStringLiteral("jetstream.stats"), kKind);
            readUsage(sr, v.js);
            jr.adopt(sr.error());
        }
        readMeta(jr, "meta", v.meta);
        r.adopt(jr.error());
    }
    if (!r.ok())
        return r.error();
    return v;
}

Result<Healthz> Healthz::fromJson(const nlohmann::json& j) {
    if (!j.is_object())
        return js::detail::notAnObject(QStringLiteral("healthz"), j, kKind);
    Healthz h;
    FieldReader r(j, QString(), kKind);
    r.str("status", h.status);
    r.str("error", h.error);
    if (!r.ok())
        return r.error();
    if (h.status.isEmpty())
        return Error(kKind, QStringLiteral("healthz without a status"));
    return h;
}

Result<Connz> Connz::fromJson(const nlohmann::json& j) {
    if (!j.is_object())
        return js::detail::notAnObject(QStringLiteral("connz"), j, kKind);
    Connz c;
    FieldReader r(j, QString(), kKind);
    r.str("server_id", c.serverId);
    r.time("now", c.now);
    r.i32("num_connections", c.numConnections);
    r.i32("total", c.total);
    r.i32("offset", c.offset);
    r.i32("limit", c.limit);
    if (const nlohmann::json* list = r.array("connections")) {
        int i = 0;
        for (const nlohmann::json& e : *list) {
            Result<ClientConn> conn = readConn(e, QStringLiteral("connections[%1]").arg(i++));
            if (!conn)
                return conn.error();
            c.connections.append(std::move(conn).value());
        }
    }
    if (!r.ok())
        return r.error();
    return c;
}

Result<Jsz> Jsz::fromJson(const nlohmann::json& j) {
    if (!j.is_object())
        return js::detail::notAnObject(QStringLiteral("jsz"), j, kKind);
    Jsz z;
    FieldReader r(j, QString(), kKind);
    r.str("server_id", z.serverId);
    r.time("now", z.now);
    r.boolean("disabled", z.disabled);
    readUsage(r, z.usage);
    r.i32("streams", z.streams);
    r.i32("consumers", z.consumers);
    r.u64("messages", z.messages);
    r.u64("bytes", z.bytes);
    readMeta(r, "meta_cluster", z.meta);
    if (const nlohmann::json* accounts = r.array("account_details")) {
        int ai = 0;
        for (const nlohmann::json& a : *accounts) {
            const QString path = QStringLiteral("account_details[%1]").arg(ai++);
            if (!a.is_object())
                return js::detail::notAnObject(path, a, kKind);
            AccountJetStream acc;
            FieldReader ar(a, path, kKind);
            ar.str("name", acc.name);
            ar.u64("memory", acc.memory);
            ar.u64("storage", acc.storage);
            if (const nlohmann::json* api = ar.object("api")) {
                FieldReader pr(*api, ar.pathOf("api"), kKind);
                pr.u64("total", acc.apiTotal);
                pr.u64("errors", acc.apiErrors);
                ar.adopt(pr.error());
            }
            if (const nlohmann::json* streams = ar.array("stream_detail")) {
                int si = 0;
                for (const nlohmann::json& s : *streams) {
                    const QString spath =
                        QStringLiteral("%1.stream_detail[%2]").arg(path).arg(si++);
                    Result<js::StreamInfo> info = js::StreamInfo::fromJson(s);
                    if (!info)
                        return Error(kKind,
                                     QStringLiteral("%1: %2").arg(spath, info.error().message));
                    if (info->config.name.isEmpty() && s.contains("name"))
                        info->config.name = QString::fromStdString(s.value("name", std::string()));
                    acc.streams.append(std::move(info).value());
                    if (const auto it = s.find("consumer_detail");
                        it != s.end() && it->is_array()) {
                        int ci = 0;
                        for (const nlohmann::json& c : *it) {
                            Result<js::ConsumerInfo> ci2 = js::ConsumerInfo::fromJson(c);
                            if (!ci2)
                                return Error(kKind, QStringLiteral("%1.consumer_detail[%2]: %3")
                                                        .arg(spath)
                                                        .arg(ci)
                                                        .arg(ci2.error().message));
                            ++ci;
                            acc.consumers.append(std::move(ci2).value());
                        }
                    }
                }
            }
            if (!ar.ok())
                return ar.error();
            z.accounts.append(std::move(acc));
        }
    }
    if (!r.ok())
        return r.error();
    return z;
}

namespace {

/// Keeps `info` under `key` in `out`: the first report, replaced by the one from the server
/// that leads it. `at` remembers where each key is.
template <typename Entry, typename Info>
void keepLeaderView(QList<Entry>& out, QHash<QString, qsizetype>& at, const QString& key,
                    const QString& account, const QString& server, const Info& info) {
    const auto it = at.constFind(key);
    if (it == at.cend()) {
        at.insert(key, out.size());
        Entry e;
        e.account = account;
        e.server = server;
        e.info = info;
        out.append(std::move(e));
        return;
    }
    Entry& known = out[*it];
    known.reports += 1;
    const bool knownIsLeaders = known.info.cluster.leader == known.server;
    if (info.cluster.leader == server && !knownIsLeaders) {
        known.server = server;
        known.info = info;
    }
}

/// Replicated (several reports, or replicas configured) and no report from its leader.
template <typename Entry>
void markLeaderless(QList<Entry>& entries, int replicasOf(const Entry&)) {
    for (Entry& e : entries)
        e.leaderless = e.info.cluster.leader != e.server && (e.reports > 1 || replicasOf(e) > 1);
}

} // namespace

JetStreamAssets leaderViews(const QList<std::pair<ServerIdentity, Jsz>>& servers) {
    JetStreamAssets out;
    QHash<QString, qsizetype> streamAt;   // account, stream -> index
    QHash<QString, qsizetype> consumerAt; // account, stream, consumer -> index
    for (const auto& [server, z] : servers) {
        const QString name = server.name.isEmpty() ? server.id : server.name;
        for (const AccountJetStream& a : z.accounts) {
            for (const js::StreamInfo& s : a.streams)
                keepLeaderView(out.streams, streamAt, a.name + QChar(0) + s.config.name, a.name,
                               name, s);
            for (const js::ConsumerInfo& c : a.consumers)
                keepLeaderView(out.consumers, consumerAt,
                               a.name + QChar(0) + c.stream + QChar(0) + c.name, a.name, name, c);
        }
    }
    markLeaderless<JetStreamAssets::Stream>(
        out.streams, [](const JetStreamAssets::Stream& s) { return s.info.config.replicas; });
    // A consumer's replicas default to its stream's (0 in its config): its followers tell.
    markLeaderless<JetStreamAssets::Consumer>(
        out.consumers, [](const JetStreamAssets::Consumer& c) {
            return qMax(c.info.config.replicas, int(c.info.cluster.replicas.size()) + 1);
        });
    std::sort(out.streams.begin(), out.streams.end(), [](const auto& a, const auto& b) {
        return std::tie(a.account, a.info.config.name) < std::tie(b.account, b.info.config.name);
    });
    std::sort(out.consumers.begin(), out.consumers.end(), [](const auto& a, const auto& b) {
        return std::tie(a.account, a.info.stream, a.info.name) <
               std::tie(b.account, b.info.stream, b.info.name);
    });
    return out;
}

QString serverKey(const ServerIdentity& s) {
    return s.name.isEmpty() ? s.id : s.name;
}

double ratePerSecond(quint64 now, quint64 before, qint64 ms) {
    return now >= before && ms > 0 ? double(now - before) * 1000.0 / double(ms) : 0;
}

QString linkKindName(ServerLink::Kind k) {
    switch (k) {
    case ServerLink::Kind::Route:
        return QStringLiteral("route");
    case ServerLink::Kind::GatewayOut:
        return QStringLiteral("gateway out");
    case ServerLink::Kind::GatewayIn:
        return QStringLiteral("gateway in");
    case ServerLink::Kind::Leaf:
        return QStringLiteral("leaf node");
    }
    return {};
}

namespace {

/// The counters every kind of link reports alike.
void readLinkNumbers(FieldReader& r, ServerLink& l, const char* pendingKey) {
    QString ip;
    int port = 0;
    r.str("ip", ip);
    r.i32("port", port);
    if (!ip.isEmpty())
        l.address = port > 0 ? QStringLiteral("%1:%2").arg(ip).arg(port) : ip;
    r.str("rtt", l.rtt);
    r.str("uptime", l.uptime);
    r.i64(pendingKey, l.pendingBytes);
    r.u64("in_msgs", l.inMsgs);
    r.u64("out_msgs", l.outMsgs);
    r.u64("in_bytes", l.inBytes);
    r.u64("out_bytes", l.outBytes);
    r.u64("subscriptions", l.subscriptions);
}

/// A gateway entry: {"configured": bool, "connection": {...}}.
Result<ServerLink> readGateway(const nlohmann::json& e, const QString& path, const QString& name,
                               ServerLink::Kind kind) {
    if (!e.is_object())
        return js::detail::notAnObject(path, e, kKind);
    ServerLink l;
    l.kind = kind;
    l.remote = name;
    FieldReader r(e, path, kKind);
    r.boolean("configured", l.configured);
    if (const nlohmann::json* c = r.object("connection")) {
        FieldReader cr(*c, path + QStringLiteral(".connection"), kKind);
        readLinkNumbers(cr, l, "pending_bytes");
        r.adopt(cr.error());
    }
    if (!r.ok())
        return r.error();
    return l;
}

} // namespace

Result<QList<ServerLink>> parseLinks(Doc doc, const nlohmann::json& j) {
    const QString what = QString::fromLatin1(docToken(doc)).toLower();
    if (!j.is_object())
        return js::detail::notAnObject(what, j, kKind);
    QList<ServerLink> out;
    FieldReader r(j, QString(), kKind);
    switch (doc) {
    case Doc::Routez:
    case Doc::Leafz: {
        const bool route = doc == Doc::Routez;
        const char* key = route ? "routes" : "leafs";
        if (const nlohmann::json* list = r.array(key)) {
            int i = 0;
            for (const nlohmann::json& e : *list) {
                const QString path = QStringLiteral("%1[%2]").arg(QLatin1String(key)).arg(i++);
                if (!e.is_object())
                    return js::detail::notAnObject(path, e, kKind);
                ServerLink l;
                l.kind = route ? ServerLink::Kind::Route : ServerLink::Kind::Leaf;
                FieldReader er(e, path, kKind);
                if (route) {
                    er.str("remote_id", l.remote);
                    er.boolean("is_configured", l.configured);
                } else {
                    er.str("account", l.remote);
                }
                readLinkNumbers(er, l, route ? "pending_size" : "pending_bytes");
                if (!er.ok())
                    return er.error();
                out.append(std::move(l));
            }
        }
        break;
    }
    case Doc::Gatewayz: {
        if (const nlohmann::json* outbound = r.object("outbound_gateways"))
            for (auto it = outbound->begin(); it != outbound->end(); ++it) {
                const QString name = QString::fromStdString(it.key());
                Result<ServerLink> l =
                    readGateway(*it, QStringLiteral("outbound_gateways.%1").arg(name), name,
                                ServerLink::Kind::GatewayOut);
                if (!l)
                    return l.error();
                out.append(std::move(l).value());
            }
        if (const nlohmann::json* inbound = r.object("inbound_gateways"))
            for (auto it = inbound->begin(); it != inbound->end(); ++it) {
                const QString name = QString::fromStdString(it.key());
                const QString path = QStringLiteral("inbound_gateways.%1").arg(name);
                if (!it->is_array())
                    return Error(kKind, QStringLiteral("%1 is not a list").arg(path));
                int i = 0;
                for (const nlohmann::json& e : *it) {
                    Result<ServerLink> l =
                        readGateway(e, QStringLiteral("%1[%2]").arg(path).arg(i++), name,
                                    ServerLink::Kind::GatewayIn);
                    if (!l)
                        return l.error();
                    out.append(std::move(l).value());
                }
            }
        break;
    }
    default:
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("%1 is not a document of links").arg(what));
    }
    if (!r.ok())
        return r.error();
    return out;
}

QByteArray jszDetailRequest() {
    return R"({"accounts":true,"streams":true,"consumer":true,"config":true})";
}

std::optional<qint64> parseServerDurationMs(QStringView text) {
    if (text.isEmpty())
        return std::nullopt;
    // Go's own form first ("1.5ms", "2m3.5s", "0s").
    if (const std::optional<qint64> ns = js::parseDurationNs(text))
        return *ns / 1000000;
    // The uptime form: whole numbers with y, d, h, m, s, in that order.
    static constexpr struct {
        QChar unit;
        qint64 ms;
    } kUnits[] = {{u'y', 365LL * 24 * 3600 * 1000},
                  {u'd', 24LL * 3600 * 1000},
                  {u'h', 3600LL * 1000},
                  {u'm', 60LL * 1000},
                  {u's', 1000}};
    qint64 total = 0;
    qsizetype i = 0;
    size_t next = 0;
    while (i < text.size()) {
        qsizetype start = i;
        while (i < text.size() && text[i].isDigit())
            ++i;
        if (i == start || i >= text.size() || i - start > 9)
            return std::nullopt;
        const qint64 n = text.mid(start, i - start).toLongLong();
        size_t u = next;
        while (u < std::size(kUnits) && kUnits[u].unit != text[i])
            ++u;
        if (u == std::size(kUnits))
            return std::nullopt;
        total += n * kUnits[u].ms;
        next = u + 1;
        ++i;
    }
    return total;
}

QString uptimeText(qint64 ms) {
    qint64 s = qMax<qint64>(0, ms / 1000);
    const qint64 y = s / (365 * 86400);
    s -= y * 365 * 86400;
    const qint64 d = s / 86400;
    s -= d * 86400;
    const qint64 h = s / 3600;
    s -= h * 3600;
    const qint64 m = s / 60;
    s -= m * 60;
    if (y > 0)
        return QStringLiteral("%1y%2d").arg(y).arg(d);
    if (d > 0)
        return QStringLiteral("%1d%2h").arg(d).arg(h);
    if (h > 0)
        return QStringLiteral("%1h%2m").arg(h).arg(m);
    if (m > 0)
        return QStringLiteral("%1m%2s").arg(m).arg(s);
    return QStringLiteral("%1s").arg(s);
}

} // namespace jetdeck::sys
