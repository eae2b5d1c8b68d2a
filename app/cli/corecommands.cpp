// The core NATS commands of jetdeck-cli: pub, sub, req, reply, status, bench.
#include "app/cli/clicommon.h"

#include "core/client/natscontext.h"
#include "core/metrics/registry.h"
#include "core/protocol/subject.h"
#include "core/workload/bench.h"
#include "core/workload/ratepublisher.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cmath>
#include <cstdio>

namespace jetdeck::cli {

namespace {

int cmdPub(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        return fail(QStringLiteral("pub needs a SUBJECT"), kExitUsage);
    const QByteArray subject = pos[1].toUtf8();
    if (Status s = subject::validatePublish(subject); !s.ok())
        return fail(s.toString(), kExitUsage);
    QString err;
    qint64 count = 1, size = -1;
    if (!parseCount(p, QStringLiteral("count"), 1, &count, &err) ||
        !parseCount(p, QStringLiteral("size"), -1, &size, &err))
        return fail(err, kExitUsage);
    if (count == 0)
        return fail(QStringLiteral("--count must be at least 1"), kExitUsage);
    QByteArray body = pos.size() > 2 ? pos.mid(2).join(QLatin1Char(' ')).toUtf8() : QByteArray();
    if (size >= 0 && pos.size() <= 2)
        body = QByteArray(qsizetype(size), 'x');
    auto headers = parseHeaders(p.values(QStringLiteral("header")));
    if (!headers)
        return fail(headers.error().toString(), kExitUsage);
    const QByteArray reply = p.value(QStringLiteral("reply")).toUtf8();

    const bool js = p.isSet(QStringLiteral("js"));
    if (js && !reply.isEmpty())
        return fail(QStringLiteral("--js takes no --reply: the PubAck comes back on the "
                                   "client's own inbox"),
                    kExitUsage);
    if (js && !p.isSet(QStringLiteral("rate")))
        return runJsPublish(p, r, json, subject, body, headers.value(), count);
    double rate = 0;
    if (p.isSet(QStringLiteral("rate"))) {
        bool ok = false;
        rate = p.value(QStringLiteral("rate")).toDouble(&ok);
        if (!ok || rate <= 0 || !std::isfinite(rate))
            return fail(QStringLiteral("--rate needs a positive number of messages per second, "
                                       "got '%1'")
                            .arg(p.value(QStringLiteral("rate"))),
                        kExitUsage);
    }
    if (js) {
        // A paced JetStream run: the controlled publisher's asynchronous mode, each message's
        // PubAck counted (stored, duplicate, refused, timed out) in the summary.
        for (const char* opt : {"expect-stream", "expect-last-seq"})
            if (p.isSet(QLatin1String(opt)))
                return fail(QStringLiteral("--%1 is for a single --js publish, not with --rate")
                                .arg(QLatin1String(opt)),
                            kExitUsage);
        if (count > 1 && p.isSet(QStringLiteral("msg-id")))
            return fail(QStringLiteral("--msg-id with --count would make every message a "
                                       "duplicate; use --msg-ids to number them"),
                        kExitUsage);
    }

    Connection c(r.options);
    int code = 0;
    if (!connectOrFail(c, r.timeoutMs, &code))
        return code;
    PublishPlan plan;
    plan.subject = subject;
    plan.payload = body;
    plan.headers = headers.value();
    plan.reply = reply;
    plan.count = count;
    plan.rate = rate;
    if (js) {
        plan.mode = PublishMode::JetStreamAsync;
        plan.ackTimeoutMs = r.timeoutMs;
        if (p.isSet(QStringLiteral("msg-id")))
            plan.msgId = p.value(QStringLiteral("msg-id")).toUtf8();
        else if (p.isSet(QStringLiteral("msg-ids")))
            plan.msgId =
                "jetdeck-cli-" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "-{seq}";
    }
    if (Status s = plan.validate(); !s.ok())
        return fail(s.toString(), kExitUsage);
    RatePublisher publisher(&c, plan);
    PublishSummary summary;
    bool done = false;
    QObject::connect(&publisher, &RatePublisher::finished, &publisher,
                     [&](const PublishSummary& s) {
                         summary = s;
                         done = true;
                     });
    if (rate > 0 && !json)
        QObject::connect(&c, &Connection::stateChanged, &publisher, [&c](ConnectionState st) {
            const QString extra =
                st == ConnectionState::Reconnecting
                    ? QStringLiteral(" (publishes are held in the outbound queue)")
                    : QString();
            const QByteArray line =
                (QStringLiteral("jetdeck-cli: connection ") + connectionStateName(st) + extra +
                 QLatin1Char(' ') + c.currentServer())
                    .toUtf8();
            std::fprintf(stderr, "%s\n", line.constData());
        });
    publisher.start();
    runLoop([&] { return done; });
    if (!done) {
        publisher.stop(); // interrupted: report what happened so far
        runLoop([&] { return done; });
    }
    QObject::disconnect(&c, nullptr, &publisher, nullptr);
    const bool clean = summary.clean() && summary.attempted == count;
    if (json) {
        QJsonObject o = summary.toJson();
        o.insert(QStringLiteral("subject"), QString::fromUtf8(subject));
        o.insert(QStringLiteral("bytes"), summary.accepted * body.size());
        outBytes(QJsonDocument(o).toJson(QJsonDocument::Compact));
    } else if (clean && rate <= 0 && !js && summary.reconnects == 0) {
        out(QStringLiteral("Published %1 message%2 of %3 bytes to \"%4\"")
                .arg(count)
                .arg(count == 1 ? QString() : QStringLiteral("s"))
                .arg(body.size())
                .arg(QString::fromUtf8(subject)));
    } else {
        out(summary.toText());
    }
    c.closeSync();
    if (!clean)
        return fail(js ? QStringLiteral("not every message was stored (see the summary)")
                    : summary.confirmed || summary.attempted < count
                        ? QStringLiteral("not every message was delivered (see the summary)")
                        : QStringLiteral("the server did not confirm the publishes"));
    return kExitOk;
}

/// What sub and reply share: subscribe (optionally in a queue group), hand each message to
/// `handle` until --count messages or an interrupt, and report a lost connection.
int runSubscriber(const QCommandLineParser& p, const Resolved& r, const QString& what,
                  const std::function<void(Connection&, const Message&, quint64)>& handle,
                  bool json) {
    const QStringList pos = p.positionalArguments();
    QString err;
    qint64 count = 0;
    if (!parseCount(p, QStringLiteral("count"), 0, &count, &err))
        return fail(err, kExitUsage);
    if (Status s = subject::validateSubscribe(pos[1].toUtf8()); !s.ok())
        return fail(s.toString(), kExitUsage);
    if (p.isSet(QStringLiteral("queue")))
        if (Status s = subject::validateQueue(p.value(QStringLiteral("queue")).toUtf8()); !s.ok())
            return fail(s.toString(), kExitUsage);
    Connection c(r.options);
    int code = 0;
    if (!connectOrFail(c, r.timeoutMs, &code))
        return code;
    SubscribeOptions so;
    so.queue = p.value(QStringLiteral("queue")).toUtf8();
    quint64 n = 0;
    QObject ctx;
    auto sub = c.subscribe(
        pos[1].toUtf8(), &ctx,
        [&](const Message& m) {
            if (count > 0 && n >= quint64(count))
                return;
            handle(c, m, ++n);
        },
        so);
    if (!sub)
        return fail(sub.error().toString(), kExitUsage);
    if (Status s = c.flushSync(r.timeoutMs); !s.ok())
        return fail(s.toString());
    if (!json)
        out(QStringLiteral("%1 \"%2\"%3")
                .arg(what, pos[1])
                .arg(so.queue.isEmpty() ? QString()
                                        : QStringLiteral(" in queue group \"%1\"")
                                              .arg(QString::fromUtf8(so.queue))));
    QObject::connect(&c, &Connection::errorOccurred, &ctx,
                     [](const Error& e) { fail(e.toString()); });
    runLoop([&] {
        return (count > 0 && n >= quint64(count)) || c.state() == ConnectionState::Disconnected;
    });
    const bool lost = c.state() == ConnectionState::Disconnected;
    if (!lost)
        c.flushSync(r.timeoutMs); // replies published by the last handler go out
    c.closeSync();
    if (lost)
        return fail(QStringLiteral("connection lost: ") + c.lastError().toString());
    return kExitOk;
}

int cmdSub(const QCommandLineParser& p, const Resolved& r, bool json) {
    if (p.positionalArguments().size() < 2)
        return fail(QStringLiteral("sub needs a SUBJECT"), kExitUsage);
    return runSubscriber(
        p, r, QStringLiteral("Subscribed to"),
        [json](Connection&, const Message& m, quint64 n) { printMessage(m, n, json); }, json);
}

int cmdReq(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        return fail(QStringLiteral("req needs a SUBJECT"), kExitUsage);
    if (Status s = subject::validatePublish(pos[1].toUtf8()); !s.ok())
        return fail(s.toString(), kExitUsage);
    const QByteArray body =
        pos.size() > 2 ? pos.mid(2).join(QLatin1Char(' ')).toUtf8() : QByteArray();
    auto headers = parseHeaders(p.values(QStringLiteral("header")));
    if (!headers)
        return fail(headers.error().toString(), kExitUsage);
    Connection c(r.options);
    int code = 0;
    if (!connectOrFail(c, r.timeoutMs, &code))
        return code;
    auto reply = c.requestSync(pos[1].toUtf8(), body, r.timeoutMs,
                               headers->isEmpty() ? nullptr : &headers.value());
    if (!reply)
        return fail(reply.error().toString());
    printMessage(reply.value(), 1, json);
    c.closeSync();
    return kExitOk;
}

int cmdReply(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        return fail(QStringLiteral("reply needs a SUBJECT"), kExitUsage);
    const QByteArray body =
        pos.size() > 2 ? pos.mid(2).join(QLatin1Char(' ')).toUtf8() : QByteArray();
    auto answer = [&body, json](Connection& c, const Message& m, quint64 n) {
        if (m.reply().isEmpty()) {
            fail(QStringLiteral("message on \"%1\" has no reply subject; not answered")
                     .arg(QString::fromUtf8(m.subject())));
            return;
        }
        if (Status s = c.publish(m.reply(), body); !s.ok())
            fail(s.toString());
        else if (json)
            outBytes(QJsonDocument(messageJson(m)).toJson(QJsonDocument::Compact));
        else
            out(QStringLiteral("[#%1] answered a request on \"%2\"")
                    .arg(n)
                    .arg(QString::fromUtf8(m.subject())));
    };
    return runSubscriber(p, r, QStringLiteral("Listening for requests on"), answer, json);
}

int cmdStatus(const QCommandLineParser& p, Resolved r, bool json) {
    const bool watch = p.isSet(QStringLiteral("watch"));
    int intervalMs = 1000;
    if (p.isSet(QStringLiteral("interval"))) {
        auto v = parseNatsDurationMs(p.value(QStringLiteral("interval")));
        if (!v || v.value() < 100)
            return fail(QStringLiteral("--interval needs a duration of at least 100ms"),
                        kExitUsage);
        intervalMs = int(v.value());
    }
    QString err;
    qint64 count = 0;
    if (!parseCount(p, QStringLiteral("count"), 0, &count, &err))
        return fail(err, kExitUsage);
    // Watching follows the connection through outages, including a server that is down now.
    r.options.retryOnFailedConnect = watch;
    Connection c(r.options);
    // The JSON carries what the metrics engine knows too (latency probes, rates).
    metrics::MetricsRegistry registry;
    registry.addConnection(r.options.name.isEmpty() ? QStringLiteral("default") : r.options.name,
                           &c);
    const Status connected = c.connectSync(r.timeoutMs);
    if (!connected.ok() && !watch)
        return fail(connected.toString());
    if (connected.ok())
        c.flushSync(r.timeoutMs); // one RTT sample before the first report
    auto print = [&] {
        const HealthSnapshot h = c.health();
        if (json) {
            QJsonObject o = h.toJson();
            registry.tick();
            o.insert(QStringLiteral("metrics"), registry.toJson());
            outBytes(QJsonDocument(o).toJson(QJsonDocument::Compact));
        } else
            out((watch ? QStringLiteral("--- ") + h.takenAt.toString(Qt::ISODateWithMs) +
                             QLatin1Char('\n')
                       : QString()) +
                h.toText() + (watch ? QStringLiteral("\n") : QString()));
    };
    print();
    if (!watch) {
        registry.removeConnection(&c);
        c.closeSync();
        return kExitOk;
    }
    qint64 printed = 1;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
        print();
        ++printed;
    });
    tick.start(intervalMs);
    runLoop([&] { return count > 0 && printed >= count; });
    registry.removeConnection(&c);
    c.closeSync();
    return kExitOk;
}

int cmdBench(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        return fail(QStringLiteral("bench needs a mode: pub, sub, pubsub or req"), kExitUsage);
    BenchConfig cfg;
    cfg.mode = pos[1];
    cfg.options = r.options;
    const qint64 defaultMsgs = cfg.mode == QLatin1String("req")            ? 20000
                               : cfg.mode.startsWith(QLatin1String("js-")) ? 200000
                                                                           : 1000000;
    QString err;
    if (!parseCount(p, QStringLiteral("msgs"), defaultMsgs, &cfg.msgs, &err) ||
        !parseCount(p, QStringLiteral("size"), 128, &cfg.size, &err))
        return fail(err, kExitUsage);
    if (p.isSet(QStringLiteral("subject")))
        cfg.subject = p.value(QStringLiteral("subject")).toUtf8();
    qint64 batch = 100;
    if (!parseCount(p, QStringLiteral("batch"), 100, &batch, &err))
        return fail(err, kExitUsage);
    if (batch <= 0 || batch > 100000)
        return fail(QStringLiteral("--batch needs 1..100000"), kExitUsage);
    cfg.batch = int(batch);
    const QString storage = p.value(QStringLiteral("storage"));
    if (!storage.isEmpty() && storage != QLatin1String("memory") &&
        storage != QLatin1String("file"))
        return fail(QStringLiteral("--storage is memory or file"), kExitUsage);
    cfg.fileStorage = storage == QLatin1String("file");
    auto res = runBench(cfg);
    if (!res)
        return fail(res.error().toString(),
                    res.error().kind == ErrorKind::InvalidArgument ? kExitUsage : kExitFailure);
    if (json)
        outBytes(QJsonDocument(res->toJson()).toJson(QJsonDocument::Compact));
    else
        out(res->toText());
    return kExitOk;
}

void pubOptions(QCommandLineParser& p) {
    p.addOptions(
        {{QStringLiteral("count"), QStringLiteral("Publish this many messages."),
          QStringLiteral("n")},
         {QStringLiteral("size"),
          QStringLiteral("Payload of this many bytes when no BODY is given."),
          QStringLiteral("bytes")},
         {QStringLiteral("header"), QStringLiteral("Header KEY:VALUE (repeatable)."),
          QStringLiteral("kv")},
         {QStringLiteral("reply"), QStringLiteral("Reply subject."), QStringLiteral("subject")},
         {QStringLiteral("rate"),
          QStringLiteral("Messages per second; keeps going through outages and "
                         "ends with a summary of where every message went."),
          QStringLiteral("msgs/s")},
         {QStringLiteral("js"),
          QStringLiteral("Publish to JetStream and wait for the stream's acknowledgement; with "
                         "--rate, paced, every PubAck counted in the summary.")},
         {QStringLiteral("msg-id"), QStringLiteral("--js: Nats-Msg-Id for de-duplication."),
          QStringLiteral("id")},
         {QStringLiteral("msg-ids"),
          QStringLiteral("--js with --count: give every message its own Nats-Msg-Id.")},
         {QStringLiteral("expect-stream"),
          QStringLiteral("--js: fail unless the subject is stored by this stream."),
          QStringLiteral("stream")},
         {QStringLiteral("expect-last-seq"),
          QStringLiteral("--js: fail unless the stream's last sequence is this."),
          QStringLiteral("seq")}});
}

void subOptions(QCommandLineParser& p) {
    p.addOptions({{QStringLiteral("count"), QStringLiteral("Exit after this many messages."),
                   QStringLiteral("n")},
                  {QStringLiteral("queue"), QStringLiteral("Join this queue group."),
                   QStringLiteral("group")}});
}

void reqOptions(QCommandLineParser& p) {
    p.addOptions({{QStringLiteral("header"), QStringLiteral("Header KEY:VALUE (repeatable)."),
                   QStringLiteral("kv")}});
}

void replyOptions(QCommandLineParser& p) {
    p.addOptions({{QStringLiteral("count"), QStringLiteral("Exit after this many requests."),
                   QStringLiteral("n")},
                  {QStringLiteral("queue"), QStringLiteral("Join this queue group."),
                   QStringLiteral("group")}});
}

void statusOptions(QCommandLineParser& p) {
    p.addOptions({{QStringLiteral("watch"),
                   QStringLiteral("Keep printing until interrupted, through outages.")},
                  {QStringLiteral("interval"),
                   QStringLiteral("Time between reports with --watch (default 1s)."),
                   QStringLiteral("duration")},
                  {QStringLiteral("count"), QStringLiteral("Stop after this many reports."),
                   QStringLiteral("n")}});
}

void benchOptions(QCommandLineParser& p) {
    p.addOptions(
        {{QStringLiteral("msgs"),
          QStringLiteral("Messages (or requests) to send; default 1000000 (20000 "
                         "for req)."),
          QStringLiteral("n")},
         {QStringLiteral("size"), QStringLiteral("Payload bytes (default 128)."),
          QStringLiteral("bytes")},
         {QStringLiteral("subject"), QStringLiteral("Subject (default bench.MODE)."),
          QStringLiteral("subject")},
         {QStringLiteral("batch"), QStringLiteral("js-consume: messages per pull (default 100)."),
          QStringLiteral("n")},
         {QStringLiteral("storage"),
          QStringLiteral("js-pub, js-consume: memory (default) or file."),
          QStringLiteral("type")}});
}

} // namespace

QList<Command> coreCommands() {
    return {
        {"pub", "SUBJECT [BODY]", "Publish a message (or --count of them, --rate per second)",
         pubOptions, cmdPub},
        {"sub", "SUBJECT", "Subscribe and print messages until interrupted or --count", subOptions,
         cmdSub},
        {"req", "SUBJECT [BODY]", "Send a request and print the reply", reqOptions, cmdReq},
        {"reply", "SUBJECT [BODY]", "Answer requests on SUBJECT with BODY", replyOptions, cmdReply},
        {"status", "", "Connect and print the connection's health (--watch to follow it)",
         statusOptions,
         [](const QCommandLineParser& p, const Resolved& r, bool json) {
             return cmdStatus(p, r, json);
         }},
        {"bench", "pub|sub|pubsub|req|js-pub|js-consume", "Measure throughput or request latency",
         benchOptions, cmdBench},
    };
}

} // namespace jetdeck::cli
