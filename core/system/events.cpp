#include "events.h"

#include "core/jetstream/jsinternal.h"
#include "core/protocol/json.h"

#include <array>

namespace jetdeck::sys {

using js::detail::FieldReader;

namespace {

constexpr ErrorKind kKind = ErrorKind::Protocol;

struct KindInfo {
    EventKind kind;
    const char* name;
    EventSeverity severity;
};

// In the order of EventKind; the name is the last part of the schema type where one exists.
constexpr std::array<KindInfo, kEventKindCount> kKinds{{
    {EventKind::MaxDeliver, "max_deliver", EventSeverity::Warning},
    {EventKind::Terminated, "terminated", EventSeverity::Warning},
    {EventKind::StreamAction, "stream_action", EventSeverity::Info},
    {EventKind::ConsumerAction, "consumer_action", EventSeverity::Info},
    {EventKind::StreamLeaderElected, "stream_leader_elected", EventSeverity::Warning},
    {EventKind::StreamQuorumLost, "stream_quorum_lost", EventSeverity::Error},
    {EventKind::ConsumerLeaderElected, "consumer_leader_elected", EventSeverity::Warning},
    {EventKind::ConsumerQuorumLost, "consumer_quorum_lost", EventSeverity::Error},
    {EventKind::MetaLeaderElected, "domain_leader_elected", EventSeverity::Warning},
    {EventKind::ApiError, "api_error", EventSeverity::Warning},
    {EventKind::Snapshot, "snapshot", EventSeverity::Info},
    {EventKind::Restore, "restore", EventSeverity::Info},
    {EventKind::OutOfSpace, "server_out_of_space", EventSeverity::Error},
    {EventKind::ServerRemoved, "server_removed", EventSeverity::Warning},
    {EventKind::ApiLimit, "api_limit_reached", EventSeverity::Error},
    {EventKind::ClientConnect, "client_connect", EventSeverity::Info},
    {EventKind::ClientDisconnect, "client_disconnect", EventSeverity::Info},
    {EventKind::AuthError, "client_auth", EventSeverity::Warning},
    {EventKind::Other, "other", EventSeverity::Info},
}};

constexpr bool kindsInOrder() {
    for (int i = 0; i < kEventKindCount; ++i)
        if (int(kKinds[size_t(i)].kind) != i)
            return false;
    return true;
}
static_assert(kindsInOrder(), "kKinds follows EventKind");

/// The kind for a schema type ("io.nats.jetstream.advisory.v1.max_deliver").
EventKind kindOfType(const QString& type) {
    const QString last = type.section(QLatin1Char('.'), -1);
    if (last == QLatin1String("snapshot_create") || last == QLatin1String("snapshot_complete"))
        return EventKind::Snapshot;
    if (last == QLatin1String("restore_create") || last == QLatin1String("restore_complete"))
        return EventKind::Restore;
    if (last == QLatin1String("api_audit"))
        return EventKind::ApiError; // only the errors are kept
    if (const std::optional<EventKind> k = eventKindFromName(last); k && *k != EventKind::ApiError)
        return *k;
    return EventKind::Other;
}

/// "name (cid 12, 127.0.0.1)" from a client info object.
QString clientText(FieldReader& r, QString* account) {
    const nlohmann::json* c = r.object("client");
    if (!c)
        return {};
    FieldReader cr(*c, r.pathOf("client"), kKind);
    QString name, host, user, lang, ver, acc;
    quint64 id = 0;
    cr.str("name", name);
    cr.str("host", host);
    cr.str("user", user);
    cr.str("lang", lang);
    cr.str("ver", ver);
    cr.str("acc", acc);
    cr.u64("id", id);
    r.adopt(cr.error());
    if (account && account->isEmpty())
        *account = acc;
    QStringList parts;
    if (id)
        parts << QStringLiteral("cid %1").arg(id);
    if (!host.isEmpty())
        parts << host;
    if (!user.isEmpty())
        parts << QStringLiteral("user %1").arg(user);
    if (!lang.isEmpty())
        parts << (ver.isEmpty() ? lang : lang + QLatin1Char(' ') + ver);
    const QString who = name.isEmpty() ? QStringLiteral("unnamed client") : name;
    return parts.isEmpty() ? who : QStringLiteral("%1 (%2)").arg(who, parts.join(u", "));
}

/// "3 replicas: n2 current, n3 offline" from a PeerInfo list.
QString replicasText(FieldReader& r) {
    const nlohmann::json* list = r.array("replicas");
    if (!list)
        return {};
    QStringList parts;
    for (size_t i = 0; i < list->size(); ++i) {
        const nlohmann::json& p = (*list)[i];
        if (!p.is_object())
            continue;
        FieldReader pr(p, r.pathOf("replicas"), kKind);
        QString name;
        bool current = false, offline = false;
        quint64 lag = 0;
        pr.str("name", name);
        pr.boolean("current", current);
        pr.boolean("offline", offline);
        pr.u64("lag", lag);
        r.adopt(pr.error());
        QString state = offline   ? QStringLiteral("offline")
                        : current ? QStringLiteral("current")
                                  : QStringLiteral("behind");
        if (lag > 0)
            state += QStringLiteral(", lag %1").arg(lag);
        parts << QStringLiteral("%1 %2").arg(name, state);
    }
    if (parts.isEmpty())
        return QStringLiteral("no other replicas");
    return QStringLiteral("replicas: %1").arg(parts.join(u"; "));
}

/// The error an API response carries, or empty when it succeeded.
QString apiResponseError(const QString& response) {
    const nlohmann::json j = json::parse(response.toUtf8());
    if (!j.is_object())
        return {};
    const auto err = j.find("error");
    if (err == j.end() || !err->is_object())
        return {};
    QString description;
    qint64 code = 0, errCode = 0;
    FieldReader er(*err, QStringLiteral("error"), kKind);
    er.str("description", description);
    er.i64("code", code);
    er.i64("err_code", errCode);
    if (!er.ok())
        return QStringLiteral("malformed error");
    return errCode ? QStringLiteral("%1 (%2, err_code %3)").arg(description).arg(code).arg(errCode)
                   : QStringLiteral("%1 (%2)").arg(description).arg(code);
}

} // namespace

QString eventKindName(EventKind k) {
    const int i = int(k);
    return i >= 0 && i < kEventKindCount ? QString::fromLatin1(kKinds[size_t(i)].name)
                                         : QStringLiteral("other");
}

std::optional<EventKind> eventKindFromName(QStringView name) {
    for (const KindInfo& k : kKinds)
        if (name == QLatin1String(k.name))
            return k.kind;
    return std::nullopt;
}

QString eventSeverityName(EventSeverity s) {
    switch (s) {
    case EventSeverity::Info:
        return QStringLiteral("info");
    case EventSeverity::Warning:
        return QStringLiteral("warning");
    case EventSeverity::Error:
        return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

QString SystemEvent::where() const {
    if (!stream.isEmpty())
        return consumer.isEmpty() ? stream : stream + QLatin1Char('/') + consumer;
    if (!server.isEmpty())
        return server;
    return account;
}

QByteArray SystemEvent::toJsonLine() const {
    nlohmann::json j = nlohmann::json::object();
    j["time"] = time.toUTC().toString(Qt::ISODateWithMs).toStdString();
    j["kind"] = eventKindName(kind).toStdString();
    j["severity"] = eventSeverityName(severity).toStdString();
    j["type"] = type.toStdString();
    j["subject"] = subject.toStdString();
    j["summary"] = summary.toStdString();
    if (!stream.isEmpty())
        j["stream"] = stream.toStdString();
    if (!consumer.isEmpty())
        j["consumer"] = consumer.toStdString();
    if (!server.isEmpty())
        j["server"] = server.toStdString();
    if (!account.isEmpty())
        j["account"] = account.toStdString();
    if (!client.isEmpty())
        j["client"] = client.toStdString();
    const nlohmann::json event = json::parse(payload);
    if (!event.is_discarded())
        j["event"] = event;
    return json::dumpBytes(j);
}

Result<std::optional<SystemEvent>> parseEvent(QByteArrayView subject, QByteArrayView payload) {
    const nlohmann::json j = json::parse(payload);
    if (!j.is_object())
        return Error{kKind, QStringLiteral("event on %1 is not a JSON object")
                                .arg(QString::fromUtf8(subject.toByteArray()))};
    FieldReader r(j, QString(), kKind);
    SystemEvent e;
    e.subject = subject.toByteArray();
    e.payload = payload.toByteArray();
    r.str("type", e.type);
    r.str("id", e.id);
    r.time("timestamp", e.time);
    if (!r.ok())
        return r.error();
    if (e.type.isEmpty())
        return Error{kKind,
                     QStringLiteral("event on %1 has no type").arg(QString::fromUtf8(e.subject))};
    if (!e.time.isValid())
        e.time = QDateTime::currentDateTimeUtc();
    e.kind = kindOfType(e.type);
    // nats-server sends a failed login as a client_disconnect on its own subject.
    if (e.subject.startsWith("$SYS.SERVER.") && e.subject.endsWith(".CLIENT.AUTH.ERR"))
        e.kind = EventKind::AuthError;
    e.severity = kKinds[size_t(e.kind)].severity;
    r.str("stream", e.stream);
    r.str("consumer", e.consumer);
    r.str("account", e.account);
    quint64 streamSeq = 0, deliveries = 0;
    r.u64("stream_seq", streamSeq);
    r.u64("deliveries", deliveries);

    switch (e.kind) {
    case EventKind::MaxDeliver:
        e.summary = QStringLiteral("stream seq %1 reached MaxDeliver at delivery %2")
                        .arg(streamSeq)
                        .arg(deliveries);
        break;
    case EventKind::Terminated: {
        QString reason;
        r.str("reason", reason);
        e.summary = QStringLiteral("stream seq %1 terminated at delivery %2%3")
                        .arg(streamSeq)
                        .arg(deliveries)
                        .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
        break;
    }
    case EventKind::StreamAction:
    case EventKind::ConsumerAction: {
        QString action;
        r.str("action", action);
        const QString verb = action == QLatin1String("create")   ? QStringLiteral("created")
                             : action == QLatin1String("delete") ? QStringLiteral("deleted")
                             : action == QLatin1String("modify") ? QStringLiteral("modified")
                                                                 : action;
        e.summary = QStringLiteral("%1 %2").arg(e.kind == EventKind::StreamAction
                                                    ? QStringLiteral("stream")
                                                    : QStringLiteral("consumer"),
                                                verb);
        if (action == QLatin1String("delete"))
            e.severity = EventSeverity::Warning;
        break;
    }
    case EventKind::StreamLeaderElected:
    case EventKind::ConsumerLeaderElected:
    case EventKind::MetaLeaderElected: {
        r.str("leader", e.server);
        QString cluster;
        r.str("cluster", cluster);
        const QString what =
            e.kind == EventKind::MetaLeaderElected
                ? QStringLiteral("JetStream meta group%1")
                      .arg(cluster.isEmpty() ? QString() : QStringLiteral(" of ") + cluster)
                : QString();
        e.summary = QStringLiteral("%1new leader %2; %3")
                        .arg(what.isEmpty() ? QString() : what + QLatin1Char(' '), e.server,
                             replicasText(r));
        break;
    }
    case EventKind::StreamQuorumLost:
    case EventKind::ConsumerQuorumLost:
        e.summary = QStringLiteral("quorum lost, stalled; %1").arg(replicasText(r));
        break;
    case EventKind::ApiError: {
        QString response, apiSubject;
        r.str("response", response);
        r.str("subject", apiSubject);
        r.str("server", e.server);
        e.client = clientText(r, &e.account);
        if (!r.ok())
            return r.error();
        const QString error = apiResponseError(response);
        if (error.isEmpty())
            return std::optional<SystemEvent>{}; // a request that succeeded: not news
        e.summary = QStringLiteral("%1: %2").arg(apiSubject, error);
        break;
    }
    case EventKind::Snapshot:
    case EventKind::Restore: {
        const bool done = e.type.endsWith(QLatin1String("_complete"));
        e.summary = QStringLiteral("%1 %2").arg(
            e.kind == EventKind::Snapshot ? QStringLiteral("snapshot") : QStringLiteral("restore"),
            done ? QStringLiteral("completed") : QStringLiteral("started"));
        e.client = clientText(r, nullptr);
        break;
    }
    case EventKind::OutOfSpace:
    case EventKind::ServerRemoved: {
        r.str("server", e.server);
        e.summary = e.kind == EventKind::OutOfSpace
                        ? QStringLiteral("server %1 is out of JetStream storage%2")
                              .arg(e.server, e.stream.isEmpty()
                                                 ? QString()
                                                 : QStringLiteral(" (stream %1)").arg(e.stream))
                        : QStringLiteral("server %1 removed from JetStream").arg(e.server);
        break;
    }
    case EventKind::ApiLimit: {
        qint64 dropped = 0;
        r.str("server", e.server);
        r.i64("dropped", dropped);
        e.summary = QStringLiteral("server %1 dropped %2 JetStream API requests (queue full)")
                        .arg(e.server)
                        .arg(dropped);
        break;
    }
    case EventKind::ClientConnect:
    case EventKind::ClientDisconnect:
    case EventKind::AuthError: {
        if (const nlohmann::json* s = r.object("server")) {
            FieldReader sr(*s, r.pathOf("server"), kKind);
            sr.str("name", e.server);
            r.adopt(sr.error());
        }
        e.client = clientText(r, &e.account);
        QString reason;
        r.str("reason", reason);
        if (e.kind == EventKind::ClientConnect)
            e.summary = QStringLiteral("%1 connected").arg(e.client);
        else if (e.kind == EventKind::ClientDisconnect)
            e.summary =
                QStringLiteral("%1 disconnected%2")
                    .arg(e.client, reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
        else
            e.summary =
                QStringLiteral("%1 failed to authenticate%2")
                    .arg(e.client, reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
        break;
    }
    case EventKind::Other:
        e.summary = e.type;
        break;
    }
    if (!r.ok())
        return r.error();
    return std::optional<SystemEvent>{std::move(e)};
}

QList<QByteArray> advisorySubjects(const QString& eventPrefix) {
    QByteArray prefix =
        eventPrefix.isEmpty() ? QByteArrayLiteral("$JS.EVENT") : eventPrefix.toUtf8();
    if (prefix.endsWith('.'))
        prefix.chop(1);
    return {prefix + ".ADVISORY.>"};
}

QList<QByteArray> systemEventSubjects() {
    return {QByteArrayLiteral("$SYS.ACCOUNT.*.CONNECT"),
            QByteArrayLiteral("$SYS.ACCOUNT.*.DISCONNECT"),
            QByteArrayLiteral("$SYS.SERVER.*.CLIENT.AUTH.ERR")};
}

} // namespace jetdeck::sys
