#include "natscontext.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include <cmath>

namespace jetdeck {

namespace {

struct JsonStringField {
    QLatin1String key;
    QString NatsContext::*member;
    bool isPath; // natscli expands $VAR and ~ in these when it reads a file
};

// The keys natscli (jsm.go natscontext) writes; anything else in a file is ignored.
const JsonStringField kJsonStringFields[] = {
    {QLatin1String("description"), &NatsContext::description, false},
    {QLatin1String("url"), &NatsContext::url, false},
    {QLatin1String("socks_proxy"), &NatsContext::socksProxy, false},
    {QLatin1String("token"), &NatsContext::token, false},
    {QLatin1String("user"), &NatsContext::user, false},
    {QLatin1String("password"), &NatsContext::password, false},
    {QLatin1String("creds"), &NatsContext::creds, true},
    {QLatin1String("nkey"), &NatsContext::nkey, true},
    {QLatin1String("cert"), &NatsContext::cert, true},
    {QLatin1String("key"), &NatsContext::key, true},
    {QLatin1String("ca"), &NatsContext::ca, true},
    {QLatin1String("nsc"), &NatsContext::nsc, false},
    {QLatin1String("jetstream_domain"), &NatsContext::jetstreamDomain, false},
    {QLatin1String("jetstream_api_prefix"), &NatsContext::jetstreamApiPrefix, false},
    {QLatin1String("jetstream_event_prefix"), &NatsContext::jetstreamEventPrefix, false},
    {QLatin1String("inbox_prefix"), &NatsContext::inboxPrefix, false},
    {QLatin1String("user_jwt"), &NatsContext::userJwt, false},
    {QLatin1String("user_seed"), &NatsContext::userSeed, false},
    {QLatin1String("color_scheme"), &NatsContext::colorScheme, false},
};

QString NatsContext::*const kAllStringMembers[] = {
    &NatsContext::name,
    &NatsContext::description,
    &NatsContext::url,
    &NatsContext::user,
    &NatsContext::password,
    &NatsContext::token,
    &NatsContext::creds,
    &NatsContext::nkey,
    &NatsContext::cert,
    &NatsContext::key,
    &NatsContext::ca,
    &NatsContext::jetstreamDomain,
    &NatsContext::jetstreamApiPrefix,
    &NatsContext::jetstreamEventPrefix,
    &NatsContext::inboxPrefix,
    &NatsContext::userJwt,
    &NatsContext::userSeed,
    &NatsContext::socksProxy,
    &NatsContext::colorScheme,
    &NatsContext::nsc,
    &NatsContext::sourcePath,
};

QString homeDir(const QProcessEnvironment& env) {
    const QString home = env.value(QStringLiteral("HOME"));
    return home.isEmpty() ? QDir::homePath() : home;
}

bool isVarChar(QChar c) {
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
           (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
           (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('_');
}

// $NAME and ${NAME}, unset names becoming empty, like Go's os.ExpandEnv which natscli uses.
// A '$' not followed by a name is kept as it is.
QString expandEnvVars(const QString& in, const QProcessEnvironment& env) {
    QString out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QChar c = in.at(i);
        if (c != QLatin1Char('$') || i + 1 >= in.size()) {
            out += c;
            continue;
        }
        if (in.at(i + 1) == QLatin1Char('{')) {
            const qsizetype close = in.indexOf(QLatin1Char('}'), i + 2);
            if (close > i + 2) {
                out += env.value(in.mid(i + 2, close - i - 2));
                i = close;
                continue;
            }
            out += c;
            continue;
        }
        qsizetype end = i + 1;
        while (end < in.size() && isVarChar(in.at(end)))
            ++end;
        if (end == i + 1) {
            out += c;
            continue;
        }
        out += env.value(in.mid(i + 1, end - i - 1));
        i = end - 1;
    }
    return out;
}

// natscli expands env vars first, then a leading ~. Only "~" and "~/..." are taken to mean
// the home directory: natscli would also turn "~bob" into "<home>bob", which is never wanted.
QString expandPath(const QString& path, const QProcessEnvironment& env) {
    QString p = expandEnvVars(path, env);
    if (p == QLatin1String("~") || p.startsWith(QLatin1String("~/")))
        p = homeDir(env) + p.mid(1);
    return p;
}

// The URI scheme of a reference, lowercased, or empty for a bare path. Single letters are not
// schemes so Windows drive letters ("C:\creds") stay paths, as in natscli.
QString referenceScheme(const QString& ref) {
    const qsizetype colon = ref.indexOf(QLatin1Char(':'));
    if (colon < 2)
        return {};
    const auto isAlpha = [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
               (c >= QLatin1Char('A') && c <= QLatin1Char('Z'));
    };
    if (!isAlpha(ref.at(0)))
        return {};
    for (qsizetype i = 1; i < colon; ++i) {
        const QChar c = ref.at(i);
        const bool ok = isAlpha(c) || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                        c == QLatin1Char('+') || c == QLatin1Char('-') || c == QLatin1Char('.');
        if (!ok)
            return {};
    }
    return ref.left(colon).toLower();
}

QString jsonTypeName(const QJsonValue& v) {
    switch (v.type()) {
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

// Go's encoding/json, which wrote and reads these files, matches keys case-insensitively
// when there is no exact match; hand-edited files rely on that.
QJsonValue lookupKey(const QJsonObject& obj, QLatin1String key) {
    const auto exact = obj.constFind(key);
    if (exact != obj.constEnd())
        return exact.value();
    for (auto it = obj.constBegin(); it != obj.constEnd(); ++it) {
        if (it.key().compare(key, Qt::CaseInsensitive) == 0)
            return it.value();
    }
    return QJsonValue(QJsonValue::Undefined);
}

Error parseErrorAt(const QString& path, const QByteArray& data, const QJsonParseError& pe) {
    const qsizetype offset = qBound(qsizetype(0), qsizetype(pe.offset), data.size());
    const QByteArray before = data.left(offset);
    const qsizetype line = before.count('\n') + 1;
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const qsizetype column = QString::fromUtf8(before.mid(lineStart)).size() + 1;
    return Error(ErrorKind::InvalidArgument,
                 QStringLiteral("invalid JSON in context file %1 at line %2, column %3 "
                                "(offset %4): %5")
                     .arg(path)
                     .arg(line)
                     .arg(column)
                     .arg(pe.offset)
                     .arg(pe.errorString()));
}

Result<NatsContext> parseContext(const QString& name, const QString& path, const QByteArray& data,
                                 const QProcessEnvironment& env) {
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &pe);
    if (pe.error != QJsonParseError::NoError)
        return parseErrorAt(path, data, pe);
    if (!doc.isObject())
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("context file %1 does not hold a JSON object").arg(path));

    const QJsonObject obj = doc.object();
    NatsContext ctx;
    ctx.name = name;
    ctx.sourcePath = path;
    for (const JsonStringField& f : kJsonStringFields) {
        const QJsonValue v = lookupKey(obj, f.key);
        if (v.isUndefined() || v.isNull())
            continue;
        if (!v.isString())
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("context file %1: \"%2\" must be a string, not %3")
                             .arg(path, f.key, jsonTypeName(v)));
        ctx.*f.member = f.isPath ? expandPath(v.toString(), env) : v.toString();
    }
    const QJsonValue tlsFirst = lookupKey(obj, QLatin1String("tls_first"));
    if (!tlsFirst.isUndefined() && !tlsFirst.isNull()) {
        if (!tlsFirst.isBool())
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("context file %1: \"tls_first\" must be a boolean, not %2")
                             .arg(path, jsonTypeName(tlsFirst)));
        ctx.tlsFirst = tlsFirst.toBool();
    }
    const QJsonValue ignore = lookupKey(obj, QLatin1String("ignore_discovered_servers"));
    if (!ignore.isUndefined() && !ignore.isNull()) {
        if (!ignore.isBool())
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("context file %1: \"ignore_discovered_servers\" must be a "
                                        "boolean, not %2")
                             .arg(path, jsonTypeName(ignore)));
        ctx.ignoreDiscoveredServers = ignore.toBool();
    }
    return ctx;
}

Result<NatsContext> readContextFile(const QString& name, const QString& path,
                                    const QProcessEnvironment& env) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(
            ErrorKind::Io,
            QStringLiteral("cannot read context file %1: %2").arg(path, file.errorString()));
    return parseContext(name, path, file.readAll(), env);
}

} // namespace

QString natsConfigDir(const QProcessEnvironment& env) {
    QString root = env.value(QStringLiteral("XDG_CONFIG_HOME"));
    if (root.isEmpty())
        root = homeDir(env) + QStringLiteral("/.config");
    return QDir::cleanPath(root + QStringLiteral("/nats"));
}

QString natsContextDir(const QProcessEnvironment& env) {
    return natsConfigDir(env) + QStringLiteral("/context");
}

QStringList listNatsContexts(const QString& dir) {
    QStringList names;
    const QFileInfoList entries =
        QDir(dir).entryInfoList({QStringLiteral("*.json")}, QDir::Files | QDir::Hidden);
    for (const QFileInfo& fi : entries) {
        // natscli hides empty files too: they cannot be loaded, so they are not contexts.
        if (fi.size() == 0)
            continue;
        const QString name = fi.fileName().chopped(5);
        if (!validateNatsContextName(name).ok())
            continue;
        names << name;
    }
    names.sort();
    return names;
}

QString selectedNatsContext(const QString& configDir) {
    QFile file(configDir + QStringLiteral("/context.txt"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll()).trimmed();
}

Status validateNatsContextName(const QString& name) {
    if (name.isEmpty())
        return Error(ErrorKind::InvalidArgument, QStringLiteral("context name is empty"));
    // Names become file names, so anything that could step outside the context directory
    // or confuse it is refused.
    const bool hasSeparator = name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\'));
    if (hasSeparator || name.contains(QLatin1String("..")))
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("invalid context name '%1': it must not contain '/', '\\' "
                                    "or '..'")
                         .arg(name));
    for (const QChar c : name) {
        if (c.category() == QChar::Other_Control)
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid context name '%1': it contains a control "
                                        "character")
                             .arg(name));
    }
    return {};
}

Result<NatsContext> loadNatsContext(const QString& name, const QString& dir,
                                    const QProcessEnvironment& env) {
    if (const Status st = validateNatsContextName(name); !st.ok())
        return st;
    const QString path = QDir(dir).filePath(name + QStringLiteral(".json"));
    if (!QFileInfo::exists(path))
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("no such context '%1' in %2").arg(name, QDir::cleanPath(dir)));
    return readContextFile(name, path, env);
}

Result<NatsContext> parseNatsContextJson(const QByteArray& json, const QString& name,
                                         const QString& path, const QProcessEnvironment& env) {
    return parseContext(name, path, json, env);
}

Result<NatsContext> loadNatsContextFile(const QString& path, const QProcessEnvironment& env) {
    return readContextFile(QFileInfo(path).completeBaseName(), path, env);
}

NatsContext natsContextFromEnvironment(const QProcessEnvironment& env) {
    const auto var = [&env](const char* name) { return env.value(QString::fromLatin1(name)); };
    NatsContext ctx;
    ctx.url = var("NATS_URL");
    ctx.user = var("NATS_USER");
    ctx.password = var("NATS_PASSWORD");
    ctx.token = var("NATS_TOKEN");
    ctx.creds = var("NATS_CREDS");
    ctx.nkey = var("NATS_NKEY");
    ctx.cert = var("NATS_CERT");
    ctx.key = var("NATS_KEY");
    ctx.ca = var("NATS_CA");
    ctx.socksProxy = var("NATS_SOCKS_PROXY");
    ctx.colorScheme = var("NATS_COLOR");
    const QString timeout = var("NATS_TIMEOUT");
    if (!timeout.isEmpty()) {
        const Result<qint64> ms = parseNatsDurationMs(timeout);
        if (ms.ok() && ms.value() > 0)
            ctx.timeoutMs = ms.value();
    }
    return ctx;
}

NatsContext mergeNatsContexts(const NatsContext& base, const NatsContext& over) {
    NatsContext out = base;
    for (QString NatsContext::*member : kAllStringMembers) {
        if (!(over.*member).isEmpty())
            out.*member = over.*member;
    }
    // natscli's way to drop a proxy a context configures.
    if (over.socksProxy == QLatin1String("none") || over.socksProxy == QLatin1String("NONE") ||
        over.socksProxy == QLatin1String("-"))
        out.socksProxy.clear();
    out.tlsFirst = base.tlsFirst || over.tlsFirst;
    out.ignoreDiscoveredServers = base.ignoreDiscoveredServers || over.ignoreDiscoveredServers;
    if (over.timeoutMs > 0)
        out.timeoutMs = over.timeoutMs;
    return out;
}

Result<NatsContext> resolveNatsContext(const QString& explicitName, const NatsContext& flags,
                                       const QProcessEnvironment& env, const QString& configRoot) {
    const QString configDir = configRoot.isEmpty()
                                  ? natsConfigDir(env)
                                  : QDir::cleanPath(configRoot + QStringLiteral("/nats"));

    // --context is a flag with NATS_CONTEXT as its environment default, so an explicit name
    // hides the variable; context.txt is only consulted when neither is given.
    QString name = explicitName;
    if (name.isEmpty())
        name = env.value(QStringLiteral("NATS_CONTEXT"));
    const bool named = !name.isEmpty();
    if (!named)
        name = selectedNatsContext(configDir);

    NatsContext base;
    if (!name.isEmpty()) {
        Result<NatsContext> loaded =
            named && name.endsWith(QLatin1String(".json")) && QFileInfo(name).isFile()
                ? loadNatsContextFile(name, env)
                : loadNatsContext(name, configDir + QStringLiteral("/context"), env);
        if (!loaded.ok())
            return loaded.error();
        base = std::move(loaded).value();
    }

    const QString timeout = env.value(QStringLiteral("NATS_TIMEOUT"));
    if (!timeout.isEmpty() && flags.timeoutMs <= 0) {
        const Result<qint64> ms = parseNatsDurationMs(timeout);
        if (!ms.ok())
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("NATS_TIMEOUT: %1").arg(ms.error().message));
    }

    // In natscli NATS_* only supply defaults for the flags, so env and flags are combined
    // first and then laid over the context as one set of overrides.
    NatsContext overrides = mergeNatsContexts(natsContextFromEnvironment(env), flags);
    if (!overrides.user.isEmpty() && overrides.password.isEmpty()) {
        // natscli's --user is "Username or Token": alone, it is a token.
        overrides.token = overrides.user;
        overrides.user.clear();
    }
    overrides.name.clear();
    overrides.sourcePath.clear();

    NatsContext out = mergeNatsContexts(base, overrides);
    if (out.url.isEmpty() && out.nsc.isEmpty())
        out.url = QString::fromLatin1(kNatsDefaultUrl);
    return out;
}

Result<QString> resolveCredentialPath(const QString& ref, const QProcessEnvironment& env) {
    if (ref.isEmpty())
        return Error(ErrorKind::InvalidArgument, QStringLiteral("empty credential reference"));

    const QString scheme = referenceScheme(ref);
    QString path = ref;
    if (scheme == QLatin1String("file")) {
        path = ref.mid(5);
        if (path.startsWith(QLatin1String("//")))
            path = path.mid(2);
    } else if (!scheme.isEmpty()) {
        // Only the scheme is quoted: for env:// and data: the rest may be the secret itself.
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("unsupported credential reference: the '%1:' scheme is not "
                                    "supported; use a file path, ~/path or a file:// URL")
                         .arg(scheme));
    }

    path = expandPath(path, env);
    if (path.isEmpty())
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("credential reference '%1' expands to an empty path").arg(ref));
    return path;
}

QStringList natsServerUrls(const QString& url) {
    QStringList out;
    const QStringList parts = url.split(QLatin1Char(','));
    for (const QString& part : parts) {
        const QString trimmed = part.trimmed();
        if (!trimmed.isEmpty())
            out << trimmed;
    }
    return out;
}

Result<qint64> parseNatsDurationMs(const QString& text) {
    const auto invalid = [&text]() {
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("invalid duration '%1': expected a number with a unit such "
                                    "as 500ms, 5s, 1m30s or 1h")
                         .arg(text));
    };
    QString s = text.trimmed();
    if (s.isEmpty())
        return invalid();
    bool negative = false;
    if (s.startsWith(QLatin1Char('-')) || s.startsWith(QLatin1Char('+'))) {
        negative = s.startsWith(QLatin1Char('-'));
        s = s.mid(1);
    }
    if (s == QLatin1String("0"))
        return qint64(0);

    long double totalNs = 0;
    qsizetype i = 0;
    while (i < s.size()) {
        const qsizetype numStart = i;
        while (i < s.size() && (s.at(i).isDigit() || s.at(i) == QLatin1Char('.')))
            ++i;
        const QString number = s.mid(numStart, i - numStart);
        bool ok = false;
        const double value = number.toDouble(&ok);
        if (number.isEmpty() || !ok || number.count(QLatin1Char('.')) > 1)
            return invalid();
        const qsizetype unitStart = i;
        while (i < s.size() && !s.at(i).isDigit() && s.at(i) != QLatin1Char('.'))
            ++i;
        const QString unit = s.mid(unitStart, i - unitStart);
        long double scale = 0;
        if (unit == QLatin1String("ns"))
            scale = 1;
        else if (unit == QLatin1String("us") || unit == QStringLiteral("\u00b5s") ||
                 unit == QStringLiteral("\u03bcs"))
            scale = 1e3L;
        else if (unit == QLatin1String("ms"))
            scale = 1e6L;
        else if (unit == QLatin1String("s"))
            scale = 1e9L;
        else if (unit == QLatin1String("m"))
            scale = 60e9L;
        else if (unit == QLatin1String("h"))
            scale = 3600e9L;
        else
            return invalid();
        totalNs += static_cast<long double>(value) * scale;
    }
    // Go durations are int64 nanoseconds, so anything longer does not exist there either.
    if (totalNs > 9.2e18L)
        return invalid();
    const qint64 ms = static_cast<qint64>(std::llround(static_cast<double>(totalNs / 1e6L)));
    return negative ? -ms : ms;
}

} // namespace jetdeck
