#pragma once

#include "core/base/error.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace jetdeck {

/// natscli's default server when neither a context, NATS_URL nor a flag names one.
inline constexpr char kNatsDefaultUrl[] = "nats://127.0.0.1:4222";

/// One natscli connection context: the JSON keys of ~/.config/nats/context/<name>.json,
/// plus the two settings natscli only takes from flags or the environment (timeout,
/// and the file the context came from). Empty strings mean "not set".
struct NatsContext {
    QString name;                 ///< file name without ".json"; empty for env-only settings
    QString description;          ///< "description"
    QString url;                  ///< "url": one URL or several, comma separated
    QString user;                 ///< "user"
    QString password;             ///< "password"
    QString token;                ///< "token"
    QString creds;                ///< "creds": path, ~/path, $VAR/path or file:// URL
    QString nkey;                 ///< "nkey": path to an nkey seed file
    QString cert;                 ///< "cert": TLS client certificate path
    QString key;                  ///< "key": TLS client key path
    QString ca;                   ///< "ca": TLS CA bundle path
    QString jetstreamDomain;      ///< "jetstream_domain"
    QString jetstreamApiPrefix;   ///< "jetstream_api_prefix"
    QString jetstreamEventPrefix; ///< "jetstream_event_prefix"
    QString inboxPrefix;          ///< "inbox_prefix"
    QString userJwt;              ///< "user_jwt"
    QString userSeed;             ///< "user_seed"
    QString socksProxy;           ///< "socks_proxy"
    QString colorScheme;          ///< "color_scheme" (a natscli display hint)
    QString nsc;                  ///< "nsc": deprecated nsc:// lookup, kept so callers can warn
    bool tlsFirst = false;        ///< "tls_first": TLS handshake before the server's INFO
    /// "ignore_discovered_servers" (JetDeck's; natscli ignores keys it does not know): connect
    /// only to the servers in url, never to those a server advertises.
    bool ignoreDiscoveredServers = false;
    qint64 timeoutMs = 0; ///< NATS_TIMEOUT / --timeout; 0 = not set (natscli uses 5 s)
    QString sourcePath;   ///< file it came from, empty for env-only

    bool operator==(const NatsContext&) const = default;
};

/// The "nats" directory under $XDG_CONFIG_HOME, or under $HOME/.config when it is unset.
QString natsConfigDir(const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

/// Directory holding contexts (XDG aware): natsConfigDir() + "/context".
QString natsContextDir(const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

/// Names of all contexts in `dir`, sorted. Like natscli it skips directories, empty files,
/// files not ending in ".json" and names loadNatsContext() would refuse.
QStringList listNatsContexts(const QString& dir = natsContextDir());

/// Selected context name from `configDir`/context.txt, trimmed (empty when none).
QString selectedNatsContext(const QString& configDir = natsConfigDir());

/// Empty when `name` may be used as a context name, otherwise an InvalidArgument error.
Status validateNatsContextName(const QString& name);

/// Loads `dir`/`name`.json. Creds, nkey, cert, key and ca get $VAR and leading ~ expanded
/// against `env`, as natscli does when it reads a context file.
Result<NatsContext>
loadNatsContext(const QString& name, const QString& dir = natsContextDir(),
                const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

/// Parses a context file's contents (`path` only names it in errors). Never throws.
Result<NatsContext>
parseNatsContextJson(const QByteArray& json, const QString& name, const QString& path,
                     const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

/// Loads a context from an arbitrary JSON file (natscli's `--context /path/x.json`).
Result<NatsContext>
loadNatsContextFile(const QString& path,
                    const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

/// What the NATS_* environment variables say, as natscli reads them; takes the environment
/// as a parameter so it is testable. Empty variables count as unset, NATS_CONTEXT is not
/// read here (it selects a context, see resolveNatsContext) and an unparsable NATS_TIMEOUT
/// is left unset. NATS_USER without a password stays in `user`; resolveNatsContext() turns
/// it into a token once flags are known.
NatsContext natsContextFromEnvironment(const QProcessEnvironment& env);

/// Merge: fields set in `over` replace those in `base` (used for flags > env > context).
/// tlsFirst can only be switched on; a socksProxy of "none", "NONE" or "-" clears it.
NatsContext mergeNatsContexts(const NatsContext& base, const NatsContext& over);

/// The whole natscli resolution. The context is the one named by `explicitName`, else by
/// NATS_CONTEXT, else by context.txt; a name that is an existing "*.json" file is loaded
/// from that path. Then NATS_* variables and, above them, `flags` override its fields. A user
/// without a password (from env or flags) becomes a token; an empty url becomes
/// kNatsDefaultUrl. `configRoot` plays $XDG_CONFIG_HOME's role (it holds "nats/"); empty
/// means derive it from `env`.
Result<NatsContext> resolveNatsContext(const QString& explicitName, const NatsContext& flags,
                                       const QProcessEnvironment& env,
                                       const QString& configRoot = {});

/// Turns a creds/nkey/cert/key/ca reference into a file path: plain paths, ~/ and $VARS
/// (expanded against `env`) and file:// URLs. Other schemes (op://, nsc://, env://, data:)
/// give an InvalidArgument "unsupported credential reference" error.
Result<QString>
resolveCredentialPath(const QString& ref,
                      const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

/// The server list in a context url: split at commas, trimmed, empty entries dropped.
QStringList natsServerUrls(const QString& url);

/// Parses a Go duration as NATS_TIMEOUT and --timeout take it ("5s", "1m30s", "250ms", "1.5h").
Result<qint64> parseNatsDurationMs(const QString& text);

} // namespace jetdeck
