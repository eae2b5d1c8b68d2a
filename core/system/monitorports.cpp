#include "monitorports.h"

#include "core/base/background.h"
#include "core/protocol/json.h"

#include <QElapsedTimer>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QUrlQuery>

#include <memory>

namespace jetdeck::sys {

namespace {

/// "/varz" for VARZ: the port's path is the document's name; STATSZ has none.
QString docPath(Doc d) {
    if (d == Doc::Statsz)
        return {};
    return QLatin1Char('/') + QString::fromLatin1(docToken(d)).toLower();
}

/// The $SYS request's option name as the port's query word, where they differ.
QString queryWord(Doc d, const std::string& key) {
    if (d == Doc::Jsz) {
        if (key == "consumer")
            return QStringLiteral("consumers");
        if (key == "account")
            return QStringLiteral("acc");
        if (key == "leader_only")
            return QStringLiteral("leader-only");
    }
    if (d == Doc::Connz) {
        if (key == "subscriptions" || key == "subscriptions_detail")
            return QStringLiteral("subs");
        if (key == "account")
            return QStringLiteral("acc");
    }
    return QString::fromStdString(key);
}

ServerIdentity identityOf(const Varz& v) {
    ServerIdentity id;
    id.name = v.name.isEmpty() ? v.serverId : v.name;
    id.id = v.serverId;
    id.host = v.host;
    id.cluster = v.clusterName;
    id.version = v.version;
    id.jetstream = v.jetstream;
    id.time = v.now;
    return id;
}

} // namespace

Result<QString> monitorPath(Doc doc, QByteArrayView body) {
    const QString path = docPath(doc);
    if (path.isEmpty())
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("%1 has no monitoring port path: it is answered only "
                                    "through the system account")
                         .arg(QString::fromLatin1(docToken(doc))));
    nlohmann::json options = nlohmann::json::object();
    if (!body.trimmed().isEmpty()) {
        options = json::parse(body);
        if (options.is_discarded() || !options.is_object())
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("the options of a %1 request are not a JSON object")
                             .arg(QString::fromLatin1(docToken(doc))));
    }
    QUrlQuery q;
    for (auto it = options.begin(); it != options.end(); ++it) {
        const QString word = queryWord(doc, it.key());
        QString value;
        if (it->is_boolean()) {
            if (!it->get<bool>())
                continue; // the port's default
            value = doc == Doc::Connz && it.key() == "subscriptions_detail"
                        ? QStringLiteral("detail")
                        : QStringLiteral("true");
        } else if (it->is_number_integer()) {
            value = QString::number(it->get<qint64>());
        } else if (it->is_string()) {
            value = QString::fromStdString(it->get<std::string>());
        } else {
            return Error(
                ErrorKind::InvalidArgument,
                QStringLiteral("the %1 option \"%2\" has no monitoring port form")
                    .arg(QString::fromLatin1(docToken(doc)), QString::fromStdString(it.key())));
        }
        q.addQueryItem(word, value);
    }
    return q.isEmpty() ? path : path + QLatin1Char('?') + q.toString(QUrl::FullyEncoded);
}

Result<QList<QUrl>> MonitorPorts::parseUrls(const QString& text) {
    QList<QUrl> out;
    const QStringList parts =
        text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return Error(ErrorKind::InvalidArgument,
                     QStringLiteral("no monitoring URL given (for example http://host:8222)"));
    for (const QString& part : parts) {
        const QString withScheme =
            part.contains(QStringLiteral("://")) ? part : QStringLiteral("http://") + part;
        const QUrl url(withScheme, QUrl::StrictMode);
        const auto bad = [&](const QString& why) {
            return Error(ErrorKind::InvalidArgument,
                         QStringLiteral("monitoring URL \"%1\": %2").arg(part, why));
        };
        if (!url.isValid())
            return bad(url.errorString());
        if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
            return bad(
                QStringLiteral("the scheme must be http or https, not %1").arg(url.scheme()));
        if (url.host().isEmpty())
            return bad(QStringLiteral("no host"));
        if (!url.userInfo().isEmpty())
            return bad(QStringLiteral("credentials in the URL are not sent (nats-server's "
                                      "monitoring port has no authentication)"));
        if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
            return bad(QStringLiteral("give the port only (http://host:8222), not a path: the "
                                      "console asks for /varz, /jsz and the others itself"));
        if (url.hasQuery() || url.hasFragment())
            return bad(QStringLiteral("give the port only, without a query"));
        QUrl clean;
        clean.setScheme(url.scheme());
        clean.setHost(url.host());
        clean.setPort(url.port(url.scheme() == QLatin1String("https") ? 443 : 8222));
        if (!out.contains(clean))
            out.append(clean);
    }
    return out;
}

MonitorPorts::MonitorPorts(QList<QUrl> urls, QObject* parent)
    : QObject(parent)
    , m_urls(std::move(urls)) {
    // Nothing cached between rounds: every answer is the server's view now.
    m_nam.setCookieJar(nullptr);
}

QString MonitorPorts::describe() const {
    QStringList s;
    for (const QUrl& u : m_urls)
        s << u.toString();
    return s.join(QStringLiteral(", "));
}

/// One round: every port asked once for the document.
struct MonitorPorts::Round {
    Doc doc = Doc::Varz;
    QString pathQuery;
    FanoutOptions options;
    QPointer<QObject> context;
    FanoutCallback done;
    FanoutWork work;
    QElapsedTimer clock;
    int pending = 0;
    bool finished = false;
    struct Raw {
        ServerIdentity server;
        int status = 0;
        QByteArray body;
        qint64 elapsedMs = 0;
        QString url;
    };
    QList<Raw> raw;
    FanoutResult result;
};

void MonitorPorts::fetch(Doc doc, QByteArrayView body, const FanoutOptions& options,
                         QObject* context, FanoutCallback done) {
    start(doc, body, options, context, std::move(done), {});
}

void MonitorPorts::fetchFrom(const QString& serverId, Doc doc, QByteArrayView body,
                             const FanoutOptions& options, QObject* context, FanoutCallback done) {
    int port = -1;
    for (auto it = m_identity.cbegin(); it != m_identity.cend(); ++it)
        if (it->id == serverId)
            port = it.key();
    if (port < 0) {
        QPointer<QObject> alive(context);
        QMetaObject::invokeMethod(
            this,
            [alive, serverId, done = std::move(done)] {
                if (!alive)
                    return;
                FanoutResult r;
                r.error = Error(
                    ErrorKind::NotFound,
                    QStringLiteral("no monitoring port is known for server %1").arg(serverId));
                done(r);
            },
            Qt::QueuedConnection);
        return;
    }
    start(doc, body, options, context, std::move(done), {}, port);
}

void MonitorPorts::fetchOffThread(Doc doc, QByteArrayView body, const FanoutOptions& options,
                                  QObject* context, FanoutWork work) {
    start(doc, body, options, context, {}, std::move(work));
}

void MonitorPorts::start(Doc doc, QByteArrayView body, const FanoutOptions& options,
                         QObject* context, FanoutCallback done, FanoutWork work, int onlyPort) {
    auto round = std::make_shared<Round>();
    round->doc = doc;
    round->options = options;
    round->context = context;
    round->done = std::move(done);
    round->work = std::move(work);
    round->clock.start();
    Result<QString> path = monitorPath(doc, body);
    if (!path || m_urls.isEmpty()) {
        round->result.error =
            path ? Error(ErrorKind::InvalidArgument, QStringLiteral("no monitoring port was given"))
                 : path.error();
        round->pending = 1;
        // Asynchronous like every other answer.
        QMetaObject::invokeMethod(
            this, [this, round] { answered(round); }, Qt::QueuedConnection);
        return;
    }
    round->pathQuery = path.value();
    if (onlyPort >= 0) {
        round->pending = 1;
        ask(round, onlyPort);
        return;
    }
    round->pending = int(m_urls.size());
    for (int i = 0; i < int(m_urls.size()); ++i)
        ask(round, i);
}

void MonitorPorts::ask(const std::shared_ptr<Round>& round, int port) {
    // Who answers is what the port's own /varz says: asked first when not known yet.
    const bool learning = round->doc != Doc::Varz && !m_identity.contains(port);
    QUrl url = m_urls[port];
    const QString pathQuery = learning ? QStringLiteral("/varz") : round->pathQuery;
    const qsizetype q = pathQuery.indexOf(QLatin1Char('?'));
    url.setPath(q < 0 ? pathQuery : pathQuery.left(q));
    if (q >= 0)
        url.setQuery(pathQuery.mid(q + 1), QUrl::StrictMode);
    QNetworkRequest request(url);
    request.setTransferTimeout(qMax(1, round->options.timeoutMs));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    QNetworkReply* reply = m_nam.get(request);
    connect(reply, &QNetworkReply::finished, this, [this, round, port, reply, learning] {
        reply->deleteLater();
        if (round->finished)
            return;
        const QString where = m_urls[port].toString();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            // No HTTP answer at all: the server does not answer.
            round->result.unanswered << QStringLiteral("%1: %2").arg(where, reply->errorString());
            answered(round);
            return;
        }
        const QByteArray body = reply->readAll();
        if (learning || round->doc == Doc::Varz) {
            const nlohmann::json j = json::parse(body);
            Result<Varz> v = status == 200 && !j.is_discarded()
                                 ? Varz::fromJson(j)
                                 : Result<Varz>(Error(ErrorKind::Protocol,
                                                      QStringLiteral("HTTP %1").arg(status)));
            if (!v || v->serverId.isEmpty()) {
                round->result.malformed
                    << QStringLiteral("%1/varz: %2")
                           .arg(where, v ? QStringLiteral("no server_id") : v.error().message);
                if (learning) {
                    answered(round);
                    return;
                }
            } else {
                m_identity.insert(port, identityOf(v.value()));
            }
            if (learning) {
                ask(round, port); // now the document itself
                return;
            }
        }
        Round::Raw raw;
        raw.server = m_identity.value(port);
        if (raw.server.name.isEmpty())
            raw.server.name = where;
        raw.status = status;
        raw.body = body;
        raw.elapsedMs = round->clock.elapsed();
        raw.url = where;
        round->raw.append(std::move(raw));
        answered(round);
    });
}

void MonitorPorts::answered(const std::shared_ptr<Round>& round) {
    if (--round->pending > 0 || round->finished)
        return;
    round->finished = true;
    round->result.elapsedMs = round->clock.elapsed();
    if (!round->context)
        return;
    // The documents themselves: parsed where the caller wants them.
    auto read = [](QList<Round::Raw> raw, FanoutResult result) {
        for (const Round::Raw& r : std::as_const(raw)) {
            ServerReply reply;
            reply.server = r.server;
            reply.elapsedMs = r.elapsedMs;
            nlohmann::json j = json::parse(r.body);
            // A document answered with an error status is still the document (/healthz says
            // "unavailable" with 503); anything else is the server's error.
            if (r.status != 200 && (j.is_discarded() || !j.is_object())) {
                reply.error = Error(ErrorKind::Server,
                                    QStringLiteral("HTTP %1 from %2: %3")
                                        .arg(r.status)
                                        .arg(r.url, QString::fromUtf8(r.body.left(200)).trimmed()));
                result.replies.append(std::move(reply));
                continue;
            }
            if (j.is_discarded() || !j.is_object()) {
                result.malformed << QStringLiteral("%1: not a JSON object (%2 bytes)")
                                        .arg(r.url)
                                        .arg(r.body.size());
                continue;
            }
            reply.data = std::move(j);
            result.replies.append(std::move(reply));
        }
        return result;
    };
    if (!round->work) {
        round->done(read(std::move(round->raw), std::move(round->result)));
        return;
    }
    runInBackground(round->context.data(),
                    [read, raw = std::move(round->raw), result = std::move(round->result),
                     work = std::move(round->work)]() mutable {
                        return work(read(std::move(raw), std::move(result)));
                    });
}

} // namespace jetdeck::sys
