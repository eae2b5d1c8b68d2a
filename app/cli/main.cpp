// jetdeck-cli: the headless face of JetDeck. This file parses arguments and prints; the work
// is done by jetdeck_core.
#include "core/client/connection.h"
#include "core/client/connectoptions.h"
#include "core/client/natscontext.h"
#include "core/protocol/subject.h"
#include "core/workload/bench.h"
#include "core/workload/ratepublisher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <limits>
#include <optional>

using namespace jetdeck;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> g_interrupted{false};

void onSignal(int) {
    g_interrupted = true;
}

void out(const QString& s) {
    const QByteArray b = s.toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void outBytes(QByteArrayView b) {
    std::fwrite(b.data(), 1, size_t(b.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

int fail(const QString& message, int code = kExitFailure) {
    const QByteArray b = (QStringLiteral("jetdeck-cli: error: ") + message).toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
    std::fputc('\n', stderr);
    return code;
}

struct Command {
    const char* name;
    const char* args;
    const char* description;
};

const Command kCommands[] = {
    {"pub", "SUBJECT [BODY]", "Publish a message (or --count of them)"},
    {"sub", "SUBJECT", "Subscribe and print messages until interrupted or --count"},
    {"req", "SUBJECT [BODY]", "Send a request and print the reply"},
    {"reply", "SUBJECT [BODY]", "Answer requests on SUBJECT with BODY"},
    {"status", "", "Connect and print the connection's health (--watch to follow it)"},
    {"bench", "pub|sub|pubsub|req", "Measure throughput or request latency"},
};

/// Options of the global part, which take a value (needed to find the command word).
const QStringList kGlobalValueOptions = {
    QStringLiteral("s"),
    QStringLiteral("server"),
    QStringLiteral("context"),
    QStringLiteral("user"),
    QStringLiteral("password"),
    QStringLiteral("token"),
    QStringLiteral("nkey"),
    QStringLiteral("creds"),
    QStringLiteral("tlsca"),
    QStringLiteral("tlscert"),
    QStringLiteral("tlskey"),
    QStringLiteral("timeout"),
    QStringLiteral("name"),
    QStringLiteral("reconnect-delay"),
    QStringLiteral("max-reconnect-delay"),
    QStringLiteral("reconnect-attempts"),
    QStringLiteral("max-pending"),
    QStringLiteral("pending-timeout"),
    QStringLiteral("ping-interval"),
};

QString findCommand(const QStringList& args) {
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == QLatin1String("--"))
            return i + 1 < args.size() ? args[i + 1] : QString();
        if (a.startsWith(QLatin1Char('-'))) {
            QString name = a.mid(a.startsWith(QLatin1String("--")) ? 2 : 1);
            if (!name.contains(QLatin1Char('=')) && kGlobalValueOptions.contains(name))
                ++i; // skip its value
            continue;
        }
        return a;
    }
    return {};
}

QString globalHelp() {
    QString s = QStringLiteral(
        "Usage: jetdeck-cli [global options] COMMAND [arguments] [options]\n\n"
        "The headless face of JetDeck, a console for NATS and JetStream.\n\nCommands:\n");
    for (const Command& c : kCommands)
        s += QStringLiteral("  %1 %2\n      %3\n")
                 .arg(QLatin1String(c.name), -6)
                 .arg(QLatin1String(c.args), QLatin1String(c.description));
    s += QStringLiteral(
        "\nGlobal options (natscli names; NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN,\n"
        "NATS_CREDS, NATS_NKEY, NATS_CERT, NATS_KEY, NATS_CA, NATS_TIMEOUT and NATS_CONTEXT\n"
        "work as in natscli; flags win over the environment, which wins over the context):\n"
        "  -s, --server URL[,URL...]  NATS server URLs (nats://, tls://, host:port)\n"
        "  --context NAME             natscli context to use\n"
        "  --user USER, --password PASS, --token TOKEN\n"
        "  --nkey FILE                NKey user seed file\n"
        "  --creds FILE               .creds file (user JWT and seed)\n"
        "  --tlsca FILE, --tlscert FILE, --tlskey FILE\n"
        "  --timeout DURATION         connect and request timeout (5s, 250ms, 1m)\n"
        "  --name NAME                connection name shown by the server\n"
        "  --json                     machine-readable output\n"
        "Resilience (the earlier router's configuration keys in brackets):\n"
        "  --reconnect-delay D        first delay between reconnect passes [reconnect_delay_ms]\n"
        "  --max-reconnect-delay D    cap of the growing delay [max_reconnect_delay_ms]\n"
        "  --reconnect-attempts N     give up after N attempts, -1 never [reconnect_attempts]\n"
        "  --max-pending N            publishes held while disconnected [max_pending_operations]\n"
        "  --pending-timeout D        how long a held publish may wait "
        "[pending_operation_timeout_ms]\n"
        "  --fail-open                when the queue is full, drop the oldest [fail_open_mode]\n"
        "  --ping-interval D          client PING interval (stale detection)\n"
        "  --version, -h/--help\n\n"
        "Run 'jetdeck-cli COMMAND --help' for the options of a command.\n"
        "Exit codes: 0 success, 1 failure, 2 usage error.\n");
    return s;
}

void addGlobalOptions(QCommandLineParser& p) {
    p.addOptions({
        {{QStringLiteral("s"), QStringLiteral("server")},
         QStringLiteral("NATS server URLs."),
         QStringLiteral("url")},
        {QStringLiteral("context"), QStringLiteral("natscli context."), QStringLiteral("name")},
        {QStringLiteral("user"), QStringLiteral("User name."), QStringLiteral("user")},
        {QStringLiteral("password"), QStringLiteral("Password."), QStringLiteral("password")},
        {QStringLiteral("token"), QStringLiteral("Token."), QStringLiteral("token")},
        {QStringLiteral("nkey"), QStringLiteral("NKey seed file."), QStringLiteral("file")},
        {QStringLiteral("creds"), QStringLiteral("Credentials file."), QStringLiteral("file")},
        {QStringLiteral("tlsca"), QStringLiteral("TLS CA file."), QStringLiteral("file")},
        {QStringLiteral("tlscert"), QStringLiteral("TLS client certificate."),
         QStringLiteral("file")},
        {QStringLiteral("tlskey"), QStringLiteral("TLS client key."), QStringLiteral("file")},
        {QStringLiteral("timeout"), QStringLiteral("Timeout (Go duration)."),
         QStringLiteral("duration")},
        {QStringLiteral("name"), QStringLiteral("Connection name."), QStringLiteral("name")},
        {QStringLiteral("json"), QStringLiteral("Machine-readable output.")},
        {QStringLiteral("reconnect-delay"), QStringLiteral("First reconnect delay."),
         QStringLiteral("duration")},
        {QStringLiteral("max-reconnect-delay"), QStringLiteral("Reconnect delay cap."),
         QStringLiteral("duration")},
        {QStringLiteral("reconnect-attempts"),
         QStringLiteral("Attempts before giving up (-1: never)."), QStringLiteral("n")},
        {QStringLiteral("max-pending"), QStringLiteral("Publishes held while disconnected."),
         QStringLiteral("n")},
        {QStringLiteral("pending-timeout"), QStringLiteral("How long a held publish may wait."),
         QStringLiteral("duration")},
        {QStringLiteral("fail-open"), QStringLiteral("Drop the oldest held publish when full.")},
        {QStringLiteral("ping-interval"), QStringLiteral("Client PING interval."),
         QStringLiteral("duration")},
    });
    p.addHelpOption();
}

struct Resolved {
    Options options;
    int timeoutMs = 5000;
};

Result<Resolved> resolveOptions(const QCommandLineParser& p) {
    NatsContext flags;
    flags.url = p.value(QStringLiteral("server"));
    flags.user = p.value(QStringLiteral("user"));
    flags.password = p.value(QStringLiteral("password"));
    flags.token = p.value(QStringLiteral("token"));
    flags.nkey = p.value(QStringLiteral("nkey"));
    flags.creds = p.value(QStringLiteral("creds"));
    flags.ca = p.value(QStringLiteral("tlsca"));
    flags.cert = p.value(QStringLiteral("tlscert"));
    flags.key = p.value(QStringLiteral("tlskey"));
    if (p.isSet(QStringLiteral("timeout"))) {
        auto t = parseNatsDurationMs(p.value(QStringLiteral("timeout")));
        if (!t)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--timeout: ") + t.error().message};
        if (t.value() <= 0)
            return Error{ErrorKind::InvalidArgument, QStringLiteral("--timeout must be positive")};
        flags.timeoutMs = t.value();
    }
    auto ctx = resolveNatsContext(p.value(QStringLiteral("context")), flags,
                                  QProcessEnvironment::systemEnvironment());
    if (!ctx)
        return ctx.error();
    auto opts = optionsFromContext(ctx.value());
    if (!opts)
        return opts.error();
    Resolved r;
    r.options = opts.value();
    r.options.name = p.isSet(QStringLiteral("name")) ? p.value(QStringLiteral("name"))
                                                     : QStringLiteral("jetdeck-cli");
    if (ctx->timeoutMs > 0)
        r.timeoutMs = int(ctx->timeoutMs);

    Options& o = r.options;
    auto duration = [&](const char* name, int* out) -> Status {
        const QString key = QLatin1String(name);
        if (!p.isSet(key))
            return {};
        auto v = parseNatsDurationMs(p.value(key));
        if (!v || v.value() < 0 || v.value() > std::numeric_limits<int>::max())
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--%1 needs a duration such as 500ms, 2s or 1m, got '%2'")
                             .arg(key, p.value(key))};
        *out = int(v.value());
        return {};
    };
    auto integer = [&](const char* name, int min, int* out) -> Status {
        const QString key = QLatin1String(name);
        if (!p.isSet(key))
            return {};
        bool ok = false;
        const int v = p.value(key).toInt(&ok);
        if (!ok || v < min)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--%1 needs a whole number of at least %2, got '%3'")
                             .arg(key)
                             .arg(min)
                             .arg(p.value(key))};
        *out = v;
        return {};
    };
    for (Status s : {duration("reconnect-delay", &o.reconnectDelayMs),
                     duration("max-reconnect-delay", &o.maxReconnectDelayMs),
                     duration("pending-timeout", &o.pendingOperationTimeoutMs),
                     duration("ping-interval", &o.pingIntervalMs),
                     integer("reconnect-attempts", -1, &o.reconnectAttempts),
                     integer("max-pending", 1, &o.maxPendingOperations)})
        if (s)
            return s;
    if (o.pingIntervalMs <= 0)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("--ping-interval must be positive")};
    o.failOpenMode = p.isSet(QStringLiteral("fail-open"));
    return r;
}

bool parseCount(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64* out,
                QString* error) {
    if (!p.isSet(name)) {
        *out = fallback;
        return true;
    }
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < 0) {
        *error =
            QStringLiteral("--%1 needs a non-negative number, got '%2'").arg(name, p.value(name));
        return false;
    }
    *out = v;
    return true;
}

Result<Headers> parseHeaders(const QStringList& specs) {
    Headers h;
    for (const QString& spec : specs) {
        const qsizetype colon = spec.indexOf(QLatin1Char(':'));
        if (colon <= 0)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--header '%1' is not KEY:VALUE").arg(spec)};
        const QByteArray key = spec.left(colon).trimmed().toUtf8();
        const QByteArray value = spec.mid(colon + 1).trimmed().toUtf8();
        if (!Headers::isValidKey(key) || !Headers::isValidValue(value))
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--header '%1': invalid key or value").arg(spec)};
        h.append(key, value);
    }
    return h;
}

QJsonObject messageJson(const Message& m) {
    QJsonObject o{{QStringLiteral("subject"), QString::fromUtf8(m.subject())}};
    if (!m.reply().isEmpty())
        o.insert(QStringLiteral("reply"), QString::fromUtf8(m.reply()));
    if (m.hasHeaders()) {
        const Headers h = m.headers();
        QJsonObject hj;
        for (const auto& e : h.entries()) {
            const QString k = QString::fromUtf8(e.first);
            QJsonArray values = hj.value(k).toArray();
            values.append(QString::fromUtf8(e.second));
            hj.insert(k, values);
        }
        o.insert(QStringLiteral("headers"), hj);
        if (h.status())
            o.insert(QStringLiteral("status"), h.status());
    }
    const QByteArray payload = m.payload().toByteArray();
    const QString text = QString::fromUtf8(payload);
    if (text.toUtf8() == payload) {
        o.insert(QStringLiteral("data"), text);
    } else {
        o.insert(QStringLiteral("data"), QString::fromLatin1(payload.toBase64()));
        o.insert(QStringLiteral("encoding"), QStringLiteral("base64"));
    }
    return o;
}

void printMessage(const Message& m, quint64 n, bool json) {
    if (json) {
        outBytes(QJsonDocument(messageJson(m)).toJson(QJsonDocument::Compact));
        return;
    }
    QString head =
        QStringLiteral("[#%1] Received on \"%2\"").arg(n).arg(QString::fromUtf8(m.subject()));
    if (!m.reply().isEmpty())
        head += QStringLiteral(" with reply \"%1\"").arg(QString::fromUtf8(m.reply()));
    out(head);
    if (m.hasHeaders()) {
        const Headers h = m.headers();
        if (h.status())
            out(QStringLiteral("Status: %1 %2")
                    .arg(h.status())
                    .arg(QString::fromUtf8(h.description())));
        for (const auto& e : h.entries())
            out(QString::fromUtf8(e.first) + QStringLiteral(": ") + QString::fromUtf8(e.second));
    }
    outBytes(m.payload());
    out(QString());
}

/// Connects on this thread; prints a one-line error and returns false when it cannot.
bool connectOrFail(Connection& c, int timeoutMs, int* code) {
    if (Status s = c.connectSync(timeoutMs)) {
        *code = fail(s.toString());
        return false;
    }
    return true;
}

/// Runs the event loop until quit, an interrupt, or done() says so.
void runLoop(const std::function<bool()>& done) {
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, qApp, [&] {
        if (g_interrupted || done())
            QCoreApplication::quit();
    });
    poll.start(50);
    if (!g_interrupted && !done())
        QCoreApplication::exec();
}

int cmdPub(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        return fail(QStringLiteral("pub needs a SUBJECT"), kExitUsage);
    const QByteArray subject = pos[1].toUtf8();
    if (Status s = subject::validatePublish(subject))
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
    const bool clean = summary.rejected == 0 && summary.expired == 0 && summary.dropped == 0 &&
                       summary.stillQueued == 0 && summary.stillBuffered == 0 &&
                       summary.confirmed && summary.attempted == count;
    if (json) {
        QJsonObject o = summary.toJson();
        o.insert(QStringLiteral("subject"), QString::fromUtf8(subject));
        o.insert(QStringLiteral("bytes"), summary.accepted * body.size());
        outBytes(QJsonDocument(o).toJson(QJsonDocument::Compact));
    } else if (clean && rate <= 0 && summary.reconnects == 0) {
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
        return fail(summary.confirmed || summary.attempted < count
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
    if (Status s = subject::validateSubscribe(pos[1].toUtf8()))
        return fail(s.toString(), kExitUsage);
    if (p.isSet(QStringLiteral("queue")))
        if (Status s = subject::validateQueue(p.value(QStringLiteral("queue")).toUtf8()))
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
    if (Status s = c.flushSync(r.timeoutMs))
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
    if (Status s = subject::validatePublish(pos[1].toUtf8()))
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
        if (Status s = c.publish(m.reply(), body))
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
    const Status connected = c.connectSync(r.timeoutMs);
    if (connected && !watch)
        return fail(connected.toString());
    if (!connected)
        c.flushSync(r.timeoutMs); // one RTT sample before the first report
    auto print = [&] {
        const HealthSnapshot h = c.health();
        if (json)
            outBytes(QJsonDocument(h.toJson()).toJson(QJsonDocument::Compact));
        else
            out((watch ? QStringLiteral("--- ") + h.takenAt.toString(Qt::ISODateWithMs) +
                             QLatin1Char('\n')
                       : QString()) +
                h.toText() + (watch ? QStringLiteral("\n") : QString()));
    };
    print();
    if (!watch) {
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
    const qint64 defaultMsgs = cfg.mode == QLatin1String("req") ? 20000 : 1000000;
    QString err;
    if (!parseCount(p, QStringLiteral("msgs"), defaultMsgs, &cfg.msgs, &err) ||
        !parseCount(p, QStringLiteral("size"), 128, &cfg.size, &err))
        return fail(err, kExitUsage);
    if (p.isSet(QStringLiteral("subject")))
        cfg.subject = p.value(QStringLiteral("subject")).toUtf8();
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

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jetdeck-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JETDECK_VERSION));
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);

    const QStringList args = QCoreApplication::arguments();
    if (args.contains(QStringLiteral("--version"))) {
        out(QStringLiteral("jetdeck-cli ") + QStringLiteral(JETDECK_VERSION));
        return kExitOk;
    }
    const QString command = findCommand(args);
    QCommandLineParser p;
    p.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    addGlobalOptions(p);

    if (command == QLatin1String("pub")) {
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
              QStringLiteral("msgs/s")}});
        p.addPositionalArgument(QStringLiteral("pub SUBJECT [BODY]"), QString());
    } else if (command == QLatin1String("sub")) {
        p.addOptions({{QStringLiteral("count"), QStringLiteral("Exit after this many messages."),
                       QStringLiteral("n")},
                      {QStringLiteral("queue"), QStringLiteral("Join this queue group."),
                       QStringLiteral("group")}});
        p.addPositionalArgument(QStringLiteral("sub SUBJECT"), QString());
    } else if (command == QLatin1String("req")) {
        p.addOptions({{QStringLiteral("header"), QStringLiteral("Header KEY:VALUE (repeatable)."),
                       QStringLiteral("kv")}});
        p.addPositionalArgument(QStringLiteral("req SUBJECT [BODY]"), QString());
    } else if (command == QLatin1String("reply")) {
        p.addOptions({{QStringLiteral("count"), QStringLiteral("Exit after this many requests."),
                       QStringLiteral("n")},
                      {QStringLiteral("queue"), QStringLiteral("Join this queue group."),
                       QStringLiteral("group")}});
        p.addPositionalArgument(QStringLiteral("reply SUBJECT [BODY]"), QString());
    } else if (command == QLatin1String("status")) {
        p.addOptions({{QStringLiteral("watch"),
                       QStringLiteral("Keep printing until interrupted, through outages.")},
                      {QStringLiteral("interval"),
                       QStringLiteral("Time between reports with --watch (default 1s)."),
                       QStringLiteral("duration")},
                      {QStringLiteral("count"), QStringLiteral("Stop after this many reports."),
                       QStringLiteral("n")}});
        p.addPositionalArgument(QStringLiteral("status"), QString());
    } else if (command == QLatin1String("bench")) {
        p.addOptions({{QStringLiteral("msgs"),
                       QStringLiteral("Messages (or requests) to send; default 1000000 (20000 "
                                      "for req)."),
                       QStringLiteral("n")},
                      {QStringLiteral("size"), QStringLiteral("Payload bytes (default 128)."),
                       QStringLiteral("bytes")},
                      {QStringLiteral("subject"), QStringLiteral("Subject (default bench.MODE)."),
                       QStringLiteral("subject")}});
        p.addPositionalArgument(QStringLiteral("bench pub|sub|pubsub|req"), QString());
    }

    if (!p.parse(args))
        return fail(p.errorText() + QStringLiteral(" (see jetdeck-cli --help)"), kExitUsage);
    if (p.isSet(QStringLiteral("help")) || command.isEmpty()) {
        if (command.isEmpty()) {
            out(globalHelp());
            return p.isSet(QStringLiteral("help")) ? kExitOk : kExitUsage;
        }
        out(p.helpText());
        return kExitOk;
    }
    const bool json = p.isSet(QStringLiteral("json"));
    auto resolved = resolveOptions(p);
    if (!resolved)
        return fail(resolved.error().toString(), kExitUsage);

    if (command == QLatin1String("pub"))
        return cmdPub(p, resolved.value(), json);
    if (command == QLatin1String("sub"))
        return cmdSub(p, resolved.value(), json);
    if (command == QLatin1String("req"))
        return cmdReq(p, resolved.value(), json);
    if (command == QLatin1String("reply"))
        return cmdReply(p, resolved.value(), json);
    if (command == QLatin1String("bench"))
        return cmdBench(p, resolved.value(), json);
    if (command == QLatin1String("status"))
        return cmdStatus(p, resolved.value(), json);
    return fail(QStringLiteral("unknown command '%1' (see jetdeck-cli --help)").arg(command),
                kExitUsage);
}
