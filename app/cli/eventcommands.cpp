// jetdeck-cli events: what the servers announce, as it happens (core/system/events.h).
#include "clicommon.h"

#include "core/system/eventwatcher.h"

#include <QElapsedTimer>
#include <QSet>

#include <cstdio>
#include <memory>

namespace jetdeck::cli {

namespace {

void eventOptions(QCommandLineParser& p) {
    systemCredentialOptions(p);
    p.addOptions({
        {QStringLiteral("system"),
         QStringLiteral("Also clients connecting, disconnecting and failing to authenticate "
                        "(needs a system account user: the connection's or --sys-*).")},
        {QStringLiteral("kind"),
         QStringLiteral("Only events of this kind (repeatable): max_deliver, terminated, "
                        "stream_action, consumer_action, stream_leader_elected, "
                        "stream_quorum_lost, consumer_leader_elected, consumer_quorum_lost, "
                        "domain_leader_elected, api_error, snapshot, restore, "
                        "server_out_of_space, server_removed, api_limit_reached, client_connect, "
                        "client_disconnect, client_auth, other."),
         QStringLiteral("kind")},
        {QStringLiteral("stream"), QStringLiteral("Only events about this stream."),
         QStringLiteral("name")},
        {QStringLiteral("count"), QStringLiteral("Stop after this many events."),
         QStringLiteral("n")},
        {QStringLiteral("duration"),
         QStringLiteral("Stop after this long (default: until interrupted)."),
         QStringLiteral("duration")},
    });
}

QString textLine(const sys::SystemEvent& e) {
    return QStringLiteral("%1  %2  %3  %4  %5\n")
        .arg(e.time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz")),
             eventSeverityName(e.severity).leftJustified(7),
             eventKindName(e.kind).leftJustified(23),
             e.where().isEmpty() ? QStringLiteral("-") : e.where(), e.summary);
}

/// True when `c`'s user is in the system account: only there does anyone answer $SYS requests.
Status checkSystemAccess(Connection& c, int timeoutMs) {
    auto reply = c.requestSync("$SYS.REQ.SERVER.PING", {}, timeoutMs);
    if (reply)
        return {};
    if (reply.error().kind == ErrorKind::NoResponders || reply.error().kind == ErrorKind::Timeout)
        return Error{ErrorKind::PermissionViolation,
                     QStringLiteral("system events need a user of the system account: this "
                                    "connection's user is not one (nobody answered on $SYS). "
                                    "Give one with --sys-user/--sys-password or --sys-creds")};
    return reply.error();
}

int cmdEvents(const QCommandLineParser& p, const Resolved& r, bool json) {
    if (p.positionalArguments().size() > 1)
        return fail(QStringLiteral("events takes no arguments, not '%1'")
                        .arg(p.positionalArguments().mid(1).join(QLatin1Char(' '))),
                    kExitUsage);
    QSet<sys::EventKind> kinds;
    for (const QString& k : p.values(QStringLiteral("kind"))) {
        const std::optional<sys::EventKind> kind = sys::eventKindFromName(k);
        if (!kind)
            return fail(
                QStringLiteral("--kind: no event kind '%1' (see --help for the kinds)").arg(k),
                kExitUsage);
        kinds.insert(*kind);
    }
    const QString stream = p.value(QStringLiteral("stream"));
    qint64 count = 0;
    if (Status s = readIntOption(p, "count", 1, &count); !s.ok())
        return fail(s.toString(), kExitUsage);
    QString err;
    qint64 durationMs = 0;
    if (!parseDurationMs(p, QStringLiteral("duration"), 0, &durationMs, &err))
        return fail(err, kExitUsage);
    const bool separateSystem =
        p.isSet(QStringLiteral("sys-user")) || p.isSet(QStringLiteral("sys-creds"));
    const bool system = p.isSet(QStringLiteral("system")) || separateSystem;
    Result<Options> sysOptions = systemOptions(p, r);
    if (!sysOptions)
        return fail(sysOptions.error().toString(), kExitUsage);

    int code = kExitOk;
    Connection c(r.options);
    if (!connectOrFail(c, r.timeoutMs, &code))
        return code;
    sys::EventWatcher watcher;
    if (Status s = watcher.watch(&c, sys::advisorySubjects(r.options.jetstreamEventPrefix));
        !s.ok())
        return fail(s.toString());
    std::unique_ptr<Connection> sysConn;
    if (system) {
        Connection* on = &c;
        if (separateSystem) {
            sysConn = std::make_unique<Connection>(sysOptions.value());
            if (!connectOrFail(*sysConn, r.timeoutMs, &code))
                return code;
            on = sysConn.get();
        }
        if (Status s = checkSystemAccess(*on, r.timeoutMs); !s.ok())
            return fail(s.toString());
        if (Status s = watcher.watch(on, sys::systemEventSubjects()); !s.ok())
            return fail(s.toString());
    }
    if (!json)
        std::fprintf(stderr, "watching JetStream advisories%s on %s; Ctrl-C to stop\n",
                     system ? " and client events" : "", qPrintable(c.currentServer()));

    qint64 shown = 0;
    QObject::connect(&watcher, &sys::EventWatcher::eventsArrived, &watcher,
                     [&](const QList<sys::SystemEvent>& events) {
                         for (const sys::SystemEvent& e : events) {
                             if (count > 0 && shown >= count)
                                 return;
                             if (!kinds.isEmpty() && !kinds.contains(e.kind))
                                 continue;
                             if (!stream.isEmpty() && e.stream != stream)
                                 continue;
                             ++shown;
                             if (json)
                                 outBytes(QByteArray(e.toJsonLine() + '\n'));
                             else
                                 out(textLine(e));
                         }
                     });
    QElapsedTimer t;
    t.start();
    runLoop([&] {
        return (count > 0 && shown >= count) || (durationMs > 0 && t.elapsed() >= durationMs);
    });
    const sys::EventWatcher::Counts n = watcher.counts();
    watcher.stop();
    if (n.malformed > 0)
        std::fprintf(stderr, "jetdeck-cli: %llu event(s) could not be read, the last: %s\n",
                     static_cast<unsigned long long>(n.malformed),
                     qPrintable(watcher.lastMalformed().toString()));
    if (n.dropped > 0)
        std::fprintf(stderr, "jetdeck-cli: %llu event(s) dropped (more than %d waiting)\n",
                     static_cast<unsigned long long>(n.dropped), sys::EventWatcher::kInboxLimit);
    if (sysConn)
        sysConn->closeSync();
    c.closeSync();
    return kExitOk;
}

} // namespace

QList<Command> eventCommands() {
    return {{"events", "", "JetStream advisories (and with --system client events) as they happen",
             eventOptions, cmdEvents}};
}

} // namespace jetdeck::cli
