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
    if (Status s = path(ctx.creds, &o.auth.credsFile))
        return s;
    if (Status s = path(ctx.nkey, &o.auth.nkeySeedFile))
        return s;
    if (Status s = path(ctx.cert, &o.tls.certFile))
        return s;
    if (Status s = path(ctx.key, &o.tls.keyFile))
        return s;
    if (Status s = path(ctx.ca, &o.tls.caFile))
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
    if (ctx.timeoutMs > 0)
        o.connectTimeoutMs = int(ctx.timeoutMs);
    return o;
}

} // namespace jetdeck
