#include "clicommon.h"

#include "core/client/connectoptions.h"
#include "core/client/natscontext.h"
#include "core/client/systemcredentials.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <limits>

namespace jetdeck::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void onSignal(int) {
    g_interrupted = true;
}
} // namespace

void installSignalHandlers() {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
}

bool interrupted() {
    return g_interrupted;
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

int fail(const QString& message, int code) {
    const QByteArray b = (QStringLiteral("jetdeck-cli: error: ") + message).toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
    std::fputc('\n', stderr);
    return code;
}

void printJson(const QJsonObject& o) {
    outBytes(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

const QStringList& globalValueOptions() {
    static const QStringList names = {
        QStringLiteral("s"),
        QStringLiteral("server"),
        QStringLiteral("log-level"),
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
    return names;
}

void addGlobalOptions(QCommandLineParser& p, bool hidden) {
    QList<QCommandLineOption> options{
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
        {QStringLiteral("ignore-discovered"),
         QStringLiteral("Connect only to the given servers, not those the cluster advertises "
                        "(they would get the same credentials).")},
        {QStringLiteral("tls-first"), QStringLiteral("TLS handshake before the server's INFO.")},
        {QStringLiteral("ping-interval"), QStringLiteral("Client PING interval."),
         QStringLiteral("duration")},
        {QStringLiteral("log-level"),
         QStringLiteral("Log debug, info, warning or error and above to stderr and the log file."),
         QStringLiteral("level")},
        {QStringLiteral("no-log-file"), QStringLiteral("Write no log file for this run.")},
    };
    // A command's --help lists its own options; the global ones are in jetdeck-cli --help.
    for (QCommandLineOption& o : options) {
        if (hidden)
            o.setFlags(QCommandLineOption::HiddenFromHelp);
        p.addOption(o);
    }
    p.addHelpOption();
}

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
    flags.tlsFirst = p.isSet(QStringLiteral("tls-first"));
    flags.ignoreDiscoveredServers = p.isSet(QStringLiteral("ignore-discovered"));
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
    for (Status s : {duration("reconnect-delay", &o.reconnectDelayMs),
                     duration("max-reconnect-delay", &o.maxReconnectDelayMs),
                     duration("pending-timeout", &o.pendingOperationTimeoutMs),
                     duration("ping-interval", &o.pingIntervalMs),
                     readIntOption(p, "reconnect-attempts", -1, &o.reconnectAttempts),
                     readIntOption(p, "max-pending", 1, &o.maxPendingOperations)})
        if (!s.ok())
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

bool parseDurationMs(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64* out,
                     QString* error) {
    if (!p.isSet(name)) {
        *out = fallback;
        return true;
    }
    auto v = parseNatsDurationMs(p.value(name));
    if (!v || v.value() < 0) {
        *error = QStringLiteral("--%1 needs a duration such as 500ms, 2s or 1m, got '%2'")
                     .arg(name, p.value(name));
        return false;
    }
    *out = v.value();
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
    if (Status s = c.connectSync(timeoutMs); !s.ok()) {
        *code = fail(s.toString());
        return false;
    }
    return true;
}

/// Runs the event loop until quit, an interrupt, or done() says so.
void runLoop(const std::function<bool()>& done) {
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, qApp, [&] {
        if (interrupted() || done())
            QCoreApplication::quit();
    });
    poll.start(50);
    if (!interrupted() && !done())
        QCoreApplication::exec();
}

void systemCredentialOptions(QCommandLineParser& p) {
    SystemCredentials::addOptions(p);
}

/// The connection options for the system: the command's own, with the --sys-* credentials
/// instead of its credentials when given.
Result<Options> systemOptions(const QCommandLineParser& p, const Resolved& r) {
    auto creds = SystemCredentials::fromArguments(p);
    if (!creds)
        return creds.error();
    return creds->applyTo(r.options);
}

} // namespace jetdeck::cli
