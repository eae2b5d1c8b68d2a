#include "serverurl.h"

#include <QUrl>

namespace jetdeck {

namespace {

bool isLoopbackName(const QString& h) {
    return h == QLatin1String("localhost") || h == QLatin1String("127.0.0.1") ||
           h == QLatin1String("::1");
}

} // namespace

QString redactUrlText(const QString& text) {
    // The user info is what comes before the last '@' of the authority (after "://", up to
    // the first '/'); a password (after ':') or a token (no ':') in it becomes ***.
    const qsizetype schemeEnd = text.indexOf(QStringLiteral("://"));
    const qsizetype start = schemeEnd < 0 ? 0 : schemeEnd + 3;
    qsizetype end = text.indexOf(QLatin1Char('/'), start);
    if (end < 0)
        end = text.size();
    const qsizetype at = text.lastIndexOf(QLatin1Char('@'), end - 1);
    if (at < start)
        return text;
    const QString userInfo = text.mid(start, at - start);
    const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
    const QString masked =
        colon < 0 ? QStringLiteral("***") : userInfo.left(colon) + QStringLiteral(":***");
    return text.left(start) + masked + text.mid(at);
}

QString ServerUrl::hostPort() const {
    const QString h =
        host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return h + QLatin1Char(':') + QString::number(port);
}

QString ServerUrl::redacted() const {
    QString s = tls ? QStringLiteral("tls://") : QStringLiteral("nats://");
    if (!token.isEmpty())
        s += QStringLiteral("***@");
    else if (!user.isEmpty())
        s += user + (password.isEmpty() ? QString() : QStringLiteral(":***")) + QLatin1Char('@');
    return s + hostPort();
}

bool ServerUrl::sameServer(const ServerUrl& other) const {
    if (port != other.port)
        return false;
    if (host.compare(other.host, Qt::CaseInsensitive) == 0)
        return true;
    return isLoopbackName(host) && isLoopbackName(other.host);
}

Result<ServerUrl> parseServerUrl(const QString& input) {
    const QString raw = input.trimmed();
    if (raw.isEmpty())
        return Error{ErrorKind::InvalidArgument, QStringLiteral("empty server URL")};
    // Errors name the URL as typed, but never its password or token.
    const QString text = redactUrlText(raw);

    QString withScheme = raw;
    const qsizetype schemeEnd = raw.indexOf(QStringLiteral("://"));
    if (schemeEnd < 0)
        withScheme = QStringLiteral("nats://") + raw;

    const QUrl url(withScheme, QUrl::StrictMode);
    if (!url.isValid()) {
        // QUrl's message quotes its input ("; source was ..."), password and all: cut it.
        QString why = url.errorString();
        if (const qsizetype src = why.indexOf(QLatin1String("; source was")); src >= 0)
            why.truncate(src);
        why.replace(raw, text);
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("invalid server URL '%1': %2").arg(text, why)};
    }

    ServerUrl s;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("tls"))
        s.tls = true;
    else if (scheme != QLatin1String("nats"))
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("unsupported scheme '%1' in '%2' (use nats:// or tls://)")
                         .arg(url.scheme(), text)};

    s.host = url.host();
    if (s.host.isEmpty())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("server URL '%1' has no host").arg(text)};
    if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
        return Error{
            ErrorKind::InvalidArgument,
            QStringLiteral("server URL '%1' has a path; NATS URLs are host:port").arg(text)};

    const int port = url.port(-1);
    if (port == 0)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("server URL '%1' has port 0").arg(text)};
    // QUrl reports -1 both for "no port" and for a port it could not parse; tell them apart.
    if (port < 0) {
        const QString authority = url.authority(QUrl::FullyEncoded);
        const qsizetype bracket = authority.lastIndexOf(QLatin1Char(']'));
        const qsizetype colon = authority.lastIndexOf(QLatin1Char(':'));
        if (colon > bracket && colon > authority.lastIndexOf(QLatin1Char('@')))
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("server URL '%1' has an invalid port").arg(text)};
        s.port = ServerUrl::DefaultPort;
    } else {
        s.port = quint16(port);
    }

    const QString user = url.userName(QUrl::FullyDecoded);
    const QString pass = url.password(QUrl::FullyDecoded);
    if (!user.isEmpty() && url.password().isNull())
        s.token = user; // nats://token@host
    else {
        s.user = user;
        s.password = pass;
    }
    return s;
}

Result<QList<ServerUrl>> parseServerList(const QString& text) {
    QList<ServerUrl> out;
    const QStringList parts = text.split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString& part : parts) {
        if (part.trimmed().isEmpty())
            continue;
        auto r = parseServerUrl(part);
        if (!r)
            return r.error();
        out.append(r.value());
    }
    if (out.isEmpty())
        return Error{ErrorKind::InvalidArgument, QStringLiteral("no server URL given")};
    return out;
}

} // namespace jetdeck
