#include "connectoptions.h"

namespace jetdeck {

Result<Options> optionsFromContext(const NatsContext& ctx, const QProcessEnvironment& env) {
    Options o;
    const QString url = ctx.url.isEmpty() ? QString::fromLatin1(kNatsDefaultUrl) : ctx.url;
    auto servers = parseServerList(url);
    if (!servers)
        return servers.error();
    o.servers = servers.value();
    o.auth.user = ctx.user;
    o.auth.password = ctx.password;
    o.auth.token = ctx.token;

    auto path = [&](const QString& ref, QString* out) -> Status {
        if (ref.isEmpty())
            return {};
        auto p = resolveCredentialPath(ref, env);
        if (!p)
            return p.error();
        *out = p.value();
        return {};
    };
    if (Status s = path(ctx.creds, &o.auth.credsFile); !s.ok())
        return s;
    if (Status s = path(ctx.nkey, &o.auth.nkeySeedFile); !s.ok())
        return s;
    if (Status s = path(ctx.cert, &o.tls.certFile); !s.ok())
        return s;
    if (Status s = path(ctx.key, &o.tls.keyFile); !s.ok())
        return s;
    if (Status s = path(ctx.ca, &o.tls.caFile); !s.ok())
        return s;
    if (!ctx.userJwt.isEmpty()) {
        if (ctx.userSeed.isEmpty())
            return Error{ErrorKind::Credentials,
                         QStringLiteral("the context has a user JWT but no user seed")};
        o.auth.userJwt = ctx.userJwt.toUtf8();
        o.auth.nkeySeed = ctx.userSeed.toUtf8();
    }
    if (!ctx.inboxPrefix.isEmpty())
        o.inboxPrefix = ctx.inboxPrefix.toUtf8();
    o.tls.handshakeFirst = ctx.tlsFirst;
    o.ignoreDiscoveredServers = ctx.ignoreDiscoveredServers;
    o.jetstreamDomain = ctx.jetstreamDomain;
    o.jetstreamApiPrefix = ctx.jetstreamApiPrefix;
    o.jetstreamEventPrefix = ctx.jetstreamEventPrefix;
    // What JetDeck cannot do is refused by name rather than left out: connecting without the
    // proxy, or without the credentials nsc would have given, is not what the context says.
    if (!ctx.socksProxy.isEmpty())
        return Error{ErrorKind::Unsupported,
                     QStringLiteral("the context routes through the SOCKS proxy '%1' "
                                    "(socks_proxy), which JetDeck does not support; connect "
                                    "from a machine that reaches the servers directly")
                         .arg(ctx.socksProxy)};
    if (!ctx.nsc.isEmpty())
        return Error{ErrorKind::Unsupported,
                     QStringLiteral("the context takes its credentials from nsc ('%1'), which "
                                    "JetDeck does not read; give the .creds file nsc generates "
                                    "instead (creds)")
                         .arg(ctx.nsc)};
    if (ctx.timeoutMs > 0)
        o.connectTimeoutMs = int(ctx.timeoutMs);
    return o;
}

} // namespace jetdeck
