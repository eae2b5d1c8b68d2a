// The consumer commands of jetdeck-cli: consumer (ls, info, add, rm) and consume.
#include "app/cli/jshelpers.h"

#include "core/jetstream/pullconsumer.h"
#include "core/jetstream/pushconsumer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <nlohmann/json.hpp>

namespace jetdeck::cli {

using namespace jetdeck::js;

namespace {

QJsonObject consumerJson(const ConsumerInfo& c) {
    return QJsonObject{
        {QStringLiteral("stream"), c.stream},
        {QStringLiteral("name"), c.name},
        {QStringLiteral("config"), toQt(c.config.toJson())},
        {QStringLiteral("num_pending"), c.numPending},
        {QStringLiteral("num_ack_pending"), c.numAckPending},
        {QStringLiteral("num_redelivered"), c.numRedelivered},
        {QStringLiteral("num_waiting"), c.numWaiting},
        {QStringLiteral("delivered_stream_seq"), qint64(c.delivered.streamSeq)},
        {QStringLiteral("ack_floor_stream_seq"), qint64(c.ackFloor.streamSeq)},
        {QStringLiteral("leader"), c.cluster.leader},
    };
}

void printConsumerInfo(const ConsumerInfo& i) {
    const ConsumerConfig& c = i.config;
    out(QStringLiteral("Consumer %1 on stream %2").arg(i.name, i.stream));
    out(QStringLiteral("  Mode:          %1%2")
            .arg(c.isPush() ? QStringLiteral("push to ") + c.deliverSubject
                            : QStringLiteral("pull"))
            .arg(c.deliverGroup.isEmpty() ? QString()
                                          : QStringLiteral(" (group %1)").arg(c.deliverGroup)));
    if (!c.filterSubject.isEmpty())
        out(QStringLiteral("  Filter:        %1").arg(c.filterSubject));
    out(QStringLiteral("  Policies:      deliver %1, ack %2, replay %3")
            .arg(toString(c.deliverPolicy), toString(c.ackPolicy), toString(c.replay)));
    QStringList backoff;
    for (qint64 b : c.backoffNs)
        backoff << formatDurationNs(b);
    out(QStringLiteral("  Ack wait:      %1, max deliver %2%3, max ack pending %4")
            .arg(formatDurationNs(c.ackWaitNs > 0 ? c.ackWaitNs : 30'000'000'000LL))
            .arg(c.maxDeliver < 0 ? QStringLiteral("unlimited") : QString::number(c.maxDeliver))
            .arg(backoff.isEmpty() ? QString()
                                   : QStringLiteral(", backoff ") + backoff.join(QLatin1Char(',')))
            .arg(c.maxAckPending));
    out(QStringLiteral("  Pending:       %1 unprocessed, %2 awaiting ack, %3 redelivered, %4 "
                       "waiting pulls")
            .arg(i.numPending)
            .arg(i.numAckPending)
            .arg(i.numRedelivered)
            .arg(i.numWaiting));
    out(QStringLiteral("  Delivered:     stream seq %1 (consumer seq %2), ack floor %3")
            .arg(i.delivered.streamSeq)
            .arg(i.delivered.consumerSeq)
            .arg(i.ackFloor.streamSeq));
    if (!i.cluster.leader.isEmpty())
        out(QStringLiteral("  Leader:        %1").arg(i.cluster.leader));
}

// --- consumer ----------------------------------------------------------------------------

Result<ConsumerConfig> consumerConfigFromFlags(const QCommandLineParser& p, const QString& name) {
    ConsumerConfig c;
    c.durableName = name;
    const bool pull = p.isSet(QStringLiteral("pull"));
    const QString deliver = p.value(QStringLiteral("target"));
    if (pull == !deliver.isEmpty())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("consumer add needs either --pull or --target SUBJECT (push)")};
    c.deliverSubject = deliver;
    c.deliverGroup = p.value(QStringLiteral("deliver-group"));
    c.filterSubject = p.value(QStringLiteral("filter"));
    c.description = p.value(QStringLiteral("description"));
    if (p.isSet(QStringLiteral("deliver"))) {
        auto d = parseDeliverPolicy(p.value(QStringLiteral("deliver")));
        if (!d)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--deliver: all, last, new, by_start_sequence, "
                                        "by_start_time or last_per_subject")};
        c.deliverPolicy = *d;
    }
    if (p.isSet(QStringLiteral("ack"))) {
        auto a = parseAckPolicy(p.value(QStringLiteral("ack")));
        if (!a)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--ack: explicit, all or none")};
        c.ackPolicy = *a;
    }
    QString err;
    qint64 v = 0;
    if (!parseCount(p, QStringLiteral("start-seq"), 0, &v, &err))
        return Error{ErrorKind::InvalidArgument, err};
    c.optStartSeq = quint64(v);
    if (p.isSet(QStringLiteral("start-time"))) {
        c.optStartTime = fromRfc3339Nano(p.value(QStringLiteral("start-time")));
        if (!c.optStartTime.isValid())
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--start-time needs an RFC 3339 time such as "
                                        "2026-01-02T15:04:05Z")};
    }
    auto duration = [&](const char* opt, qint64* out) -> Status {
        const QString key = QLatin1String(opt);
        if (!p.isSet(key))
            return {};
        auto d = parseDurationNs(p.value(key));
        if (!d || *d <= 0)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--%1 needs a positive duration such as 30s, got '%2'")
                             .arg(key, p.value(key))};
        *out = *d;
        return {};
    };
    if (Status s = duration("wait", &c.ackWaitNs); !s.ok())
        return s;
    if (Status s = duration("heartbeat", &c.idleHeartbeatNs); !s.ok())
        return s;
    if (p.isSet(QStringLiteral("max-deliver"))) {
        bool ok = false;
        c.maxDeliver = p.value(QStringLiteral("max-deliver")).toLongLong(&ok);
        if (!ok)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--max-deliver needs a number (-1 for unlimited)")};
    }
    if (!parseCount(p, QStringLiteral("max-ack-pending"), 0, &v, &err))
        return Error{ErrorKind::InvalidArgument, err};
    c.maxAckPending = v;
    if (!parseCount(p, QStringLiteral("max-waiting"), 0, &v, &err))
        return Error{ErrorKind::InvalidArgument, err};
    c.maxWaiting = v;
    for (const QString& part :
         p.value(QStringLiteral("backoff")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        auto d = parseDurationNs(part.trimmed());
        if (!d || *d <= 0)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--backoff needs durations such as 1s,5s,30s; '%1' is not "
                                        "one")
                             .arg(part)};
        c.backoffNs << *d;
    }
    c.flowControl = p.isSet(QStringLiteral("flow-control"));
    if (Status s = c.validate(); !s.ok())
        return s;
    return c;
}

void consumerOptions(QCommandLineParser& p) {
    p.addOptions({
        {QStringLiteral("pull"), QStringLiteral("add: a pull consumer.")},
        {QStringLiteral("target"), QStringLiteral("add: push consumer deliver subject."),
         QStringLiteral("subject")},
        {QStringLiteral("deliver-group"), QStringLiteral("add: push deliver (queue) group."),
         QStringLiteral("group")},
        {QStringLiteral("filter"), QStringLiteral("add: filter subject."),
         QStringLiteral("subject")},
        {QStringLiteral("deliver"),
         QStringLiteral("add: all, last, new, by_start_sequence, by_start_time, "
                        "last_per_subject."),
         QStringLiteral("policy")},
        {QStringLiteral("start-seq"), QStringLiteral("add: first stream sequence."),
         QStringLiteral("n")},
        {QStringLiteral("start-time"), QStringLiteral("add: first message time (RFC 3339)."),
         QStringLiteral("time")},
        {QStringLiteral("ack"), QStringLiteral("add: explicit, all or none."),
         QStringLiteral("policy")},
        {QStringLiteral("wait"), QStringLiteral("add: ack wait (30s)."),
         QStringLiteral("duration")},
        {QStringLiteral("max-deliver"),
         QStringLiteral("add: deliveries per message, -1 unlimited."), QStringLiteral("n")},
        {QStringLiteral("backoff"), QStringLiteral("add: redelivery delays, e.g. 1s,5s,30s."),
         QStringLiteral("list")},
        {QStringLiteral("max-ack-pending"), QStringLiteral("add: max ack pending."),
         QStringLiteral("n")},
        {QStringLiteral("heartbeat"), QStringLiteral("add: push idle heartbeat."),
         QStringLiteral("duration")},
        {QStringLiteral("flow-control"), QStringLiteral("add: push flow control.")},
        {QStringLiteral("max-waiting"), QStringLiteral("add: pull requests waiting at most."),
         QStringLiteral("n")},
        {QStringLiteral("description"), QStringLiteral("add: description."),
         QStringLiteral("text")},
        {{QStringLiteral("f"), QStringLiteral("force")}, QStringLiteral("rm: do it.")},
    });
}

int cmdConsumer(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    const QString verb = pos.value(1);
    const QString stream = pos.value(2);
    const QString name = pos.value(3);
    const QStringList verbs{QStringLiteral("ls"), QStringLiteral("info"), QStringLiteral("add"),
                            QStringLiteral("rm")};
    if (!verbs.contains(verb))
        return fail(QStringLiteral("consumer needs one of: ls, info, add, rm"), kExitUsage);
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return fail(s.toString(), kExitUsage);
    if (verb != QLatin1String("ls"))
        if (Status s = validateName(name, QStringLiteral("consumer name")); !s.ok())
            return fail(s.toString(), kExitUsage);
    std::optional<ConsumerConfig> config;
    if (verb == QLatin1String("add")) {
        auto c = consumerConfigFromFlags(p, name);
        if (!c)
            return fail(c.error().toString(), kExitUsage);
        config = c.value();
    }
    if (verb == QLatin1String("rm") && !p.isSet(QStringLiteral("force")))
        return fail(
            QStringLiteral("consumer rm removes the consumer's state; add --force to do it"),
            kExitUsage);

    Session s;
    int code = 0;
    if (!openSession(r, &s, &code))
        return code;
    if (verb == QLatin1String("ls")) {
        auto list = s.js->listConsumers(stream);
        if (!list)
            return fail(list.error().toString());
        if (json) {
            QJsonArray a;
            for (const ConsumerInfo& i : list.value())
                a.append(consumerJson(i));
            outBytes(QJsonDocument(a).toJson(QJsonDocument::Compact));
            return kExitOk;
        }
        if (list->isEmpty()) {
            out(QStringLiteral("No consumers on %1").arg(stream));
            return kExitOk;
        }
        const QList<int> w{20, 6, 10, 12, 12, 12, 10};
        out(row({QStringLiteral("Consumer"), QStringLiteral("Mode"), QStringLiteral("Ack"),
                 QStringLiteral("Unprocessed"), QStringLiteral("Ack pending"),
                 QStringLiteral("Redelivered"), QStringLiteral("Waiting")},
                w));
        for (const ConsumerInfo& i : list.value())
            out(row({i.name, i.config.isPush() ? QStringLiteral("push") : QStringLiteral("pull"),
                     toString(i.config.ackPolicy), QString::number(i.numPending),
                     QString::number(i.numAckPending), QString::number(i.numRedelivered),
                     QString::number(i.numWaiting)},
                    w));
        return kExitOk;
    }
    if (verb == QLatin1String("rm")) {
        if (Status st = s.js->deleteConsumer(stream, name); !st.ok())
            return fail(st.toString());
        if (json)
            printJson({{QStringLiteral("deleted"), name}, {QStringLiteral("stream"), stream}});
        else
            out(QStringLiteral("Deleted consumer %1 on %2").arg(name, stream));
        return kExitOk;
    }
    auto info = verb == QLatin1String("add") ? s.js->addConsumer(stream, *config)
                                             : s.js->consumerInfo(stream, name);
    if (!info)
        return fail(info.error().toString());
    if (json)
        printJson(consumerJson(info.value()));
    else
        printConsumerInfo(info.value());
    return kExitOk;
}

// --- consume -----------------------------------------------------------------------------

void consumeOptions(QCommandLineParser& p) {
    p.addOptions({
        {QStringLiteral("count"), QStringLiteral("Stop after this many messages (default 1)."),
         QStringLiteral("n")},
        {QStringLiteral("ack"), QStringLiteral("Acknowledge each message (the default).")},
        {QStringLiteral("nak"), QStringLiteral("NAK each message (redeliver).")},
        {QStringLiteral("nak-delay"),
         QStringLiteral("With --nak: ask for redelivery after this long (5s)."),
         QStringLiteral("duration")},
        {QStringLiteral("nak-backoff"),
         QStringLiteral("With --nak: a delay that grows with the delivery count, "
                        "INITIAL[,MAX][,xMULTIPLIER][,JITTER%] (1s,60s,x2,20%)."),
         QStringLiteral("policy")},
        {QStringLiteral("term"), QStringLiteral("Terminate each message (never redeliver).")},
        {QStringLiteral("no-ack"), QStringLiteral("Leave messages unacknowledged.")},
        {QStringLiteral("batch"), QStringLiteral("Pull batch size (default 10)."),
         QStringLiteral("n")},
        {QStringLiteral("wait"), QStringLiteral("How long to wait for messages (default 5s)."),
         QStringLiteral("duration")},
    });
}

void printJsMessage(const JsMessage& m, quint64 n, const QString& action, bool json,
                    qint64 nakDelayNs = 0) {
    const JsMetadata& md = m.metadata();
    if (json) {
        QJsonObject o = messageJson(m.message());
        o.insert(QStringLiteral("stream"), md.stream);
        o.insert(QStringLiteral("consumer"), md.consumer);
        o.insert(QStringLiteral("stream_seq"), qint64(md.streamSeq));
        o.insert(QStringLiteral("consumer_seq"), qint64(md.consumerSeq));
        o.insert(QStringLiteral("delivered"), qint64(md.delivered));
        o.insert(QStringLiteral("pending"), qint64(md.pending));
        o.insert(QStringLiteral("time"), md.timestamp.toString(Qt::ISODateWithMs));
        o.insert(QStringLiteral("action"), action);
        if (nakDelayNs > 0)
            o.insert(QStringLiteral("nak_delay_ms"), nakDelayNs / 1000000);
        printJson(o);
        return;
    }
    out(QStringLiteral("[#%1] %2/%3 stream seq %4, consumer seq %5, delivery %6, %7 pending, "
                       "stored %8 (%9)")
            .arg(n)
            .arg(md.stream, md.consumer)
            .arg(md.streamSeq)
            .arg(md.consumerSeq)
            .arg(md.delivered)
            .arg(md.pending)
            .arg(md.timestamp.toString(Qt::ISODateWithMs),
                 nakDelayNs > 0 ? QStringLiteral("%1, redeliver in %2")
                                      .arg(action, formatDurationNs(nakDelayNs))
                                : action));
    printMessage(m.message(), n, false);
}

int cmdConsume(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    const QString stream = pos.value(1);
    const QString consumer = pos.value(2);
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return fail(s.toString(), kExitUsage);
    if (Status s = validateName(consumer, QStringLiteral("consumer name")); !s.ok())
        return fail(s.toString(), kExitUsage);
    int actions = 0;
    for (const char* a : {"ack", "nak", "term", "no-ack"})
        actions += p.isSet(QLatin1String(a)) ? 1 : 0;
    if (actions > 1)
        return fail(QStringLiteral("choose one of --ack, --nak, --term, --no-ack"), kExitUsage);
    const QString action = p.isSet(QStringLiteral("nak"))      ? QStringLiteral("nak")
                           : p.isSet(QStringLiteral("term"))   ? QStringLiteral("term")
                           : p.isSet(QStringLiteral("no-ack")) ? QStringLiteral("none")
                                                               : QStringLiteral("ack");
    std::optional<NakDelayPolicy> backoff;
    qint64 nakDelayMs = 0;
    {
        const bool delay = p.isSet(QStringLiteral("nak-delay"));
        const bool grows = p.isSet(QStringLiteral("nak-backoff"));
        if ((delay || grows) && action != QLatin1String("nak"))
            return fail(QStringLiteral("--nak-delay and --nak-backoff go with --nak"), kExitUsage);
        if (delay && grows)
            return fail(QStringLiteral("choose --nak-delay (fixed) or --nak-backoff (growing)"),
                        kExitUsage);
        QString derr;
        if (delay && (!parseDurationMs(p, QStringLiteral("nak-delay"), 0, &nakDelayMs, &derr) ||
                      nakDelayMs < 0))
            return fail(derr.isEmpty() ? QStringLiteral("--nak-delay is not negative") : derr,
                        kExitUsage);
        if (grows) {
            auto pol = NakDelayPolicy::parse(p.value(QStringLiteral("nak-backoff")));
            if (!pol)
                return fail(QStringLiteral("--nak-backoff: %1").arg(pol.error().message),
                            kExitUsage);
            backoff = pol.value();
        }
    }
    QString err;
    qint64 want = 1, batch = 10, waitMs = 5000;
    if (!parseCount(p, QStringLiteral("count"), 1, &want, &err) ||
        !parseCount(p, QStringLiteral("batch"), 10, &batch, &err) ||
        !parseDurationMs(p, QStringLiteral("wait"), 5000, &waitMs, &err))
        return fail(err, kExitUsage);
    if (want <= 0 || batch <= 0 || waitMs <= 0)
        return fail(QStringLiteral("--count, --batch and --wait must be positive"), kExitUsage);

    Session s;
    int code = 0;
    if (!openSession(r, &s, &code))
        return code;
    auto info = s.js->consumerInfo(stream, consumer);
    if (!info)
        return fail(info.error().toString());

    quint64 n = 0;
    Status actionError;
    auto handle = [&](JsMessage& m) {
        ++n;
        Status st;
        qint64 delayNs = 0;
        if (action == QLatin1String("ack"))
            st = m.ack();
        else if (action == QLatin1String("nak")) {
            delayNs = backoff ? backoff->delayNs(m.metadata().delivered) : nakDelayMs * 1000000;
            st = m.nak(delayNs);
        } else if (action == QLatin1String("term"))
            st = m.term(QStringLiteral("terminated with jetdeck-cli consume --term"));
        if (!st.ok() && actionError.ok())
            actionError = st;
        printJsMessage(m, n, action, json, delayNs);
    };
    if (info->config.isPush()) {
        PushConsumer push(*s.js, stream, consumer);
        QObject ctx;
        if (Status st = push.start(
                [&](JsMessage& m) {
                    if (n < quint64(want))
                        handle(m);
                },
                &ctx);
            !st.ok())
            return fail(st.toString());
        QElapsedTimer t;
        t.start();
        runLoop([&] { return n >= quint64(want) || t.elapsed() > waitMs; });
        push.stop();
    } else {
        PullConsumer pull(*s.js, stream, consumer);
        QElapsedTimer t;
        t.start();
        while (n < quint64(want) && t.elapsed() < waitMs && !interrupted()) {
            FetchOptions fo;
            fo.batch = int(qMin<qint64>(batch, want - qint64(n)));
            fo.expiresMs = int(qMax<qint64>(100, waitMs - t.elapsed()));
            auto got = pull.fetch(fo);
            // A pull the server left unanswered (lost in a leader change, a loaded server):
            // pull again while time is left, as nats.go's Fetch loop does.
            if (!got && got.error().kind == ErrorKind::Timeout)
                continue;
            if (!got)
                return fail(got.error().toString());
            for (JsMessage& m : got->messages)
                handle(m);
            if (got->status == status::Conflict)
                return fail(
                    QStringLiteral("the server ended the pull: 409 %1").arg(got->statusText));
        }
    }
    s.conn->flushSync(r.timeoutMs); // acks are on the wire before we leave
    if (!actionError.ok())
        return fail(actionError.toString());
    if (n < quint64(want))
        return fail(
            QStringLiteral("received %1 of %2 messages within %3 ms").arg(n).arg(want).arg(waitMs));
    return kExitOk;
}

} // namespace

QList<Command> consumerCommands() {
    return {
        {"consumer", "ls|info|add|rm STREAM [NAME]", "Manage durable consumers", consumerOptions,
         cmdConsumer},
        {"consume", "STREAM CONSUMER", "Fetch from a consumer and ack, nak or term what arrives",
         consumeOptions, cmdConsume},
    };
}

} // namespace jetdeck::cli
