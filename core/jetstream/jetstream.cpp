#include "jetstream.h"
#include "core/protocol/json.h"
#include "core/protocol/subject.h"

#include "core/logging/logging.h"

#include <QElapsedTimer>
#include <QThread>

namespace jetdeck::js {

namespace {

QByteArray bodyOf(const nlohmann::json& body) {
    return body.is_null() ? QByteArray() : json::dumpBytes(body);
}

Error notEnabled(const QByteArray& subject) {
    return Error{ErrorKind::JetStreamNotEnabled,
                 QStringLiteral("JetStream is not enabled for this account or server: nobody "
                                "answered on %1")
                     .arg(QString::fromUtf8(subject))};
}

template <typename T>
Result<T> decode(const Result<nlohmann::json>& r) {
    if (!r)
        return r.error();
    return T::fromJson(r.value());
}

/// Asks for page after page (offset = what came so far) until the server's total is reached.
/// `fetch(offset)` returns a page; `items(page)` the list to append. Bounded: a server that
/// claims ever more (or a total that keeps growing while streams are created) cannot keep the
/// loop going; the first page's total, plus what was added meanwhile up to one more page, is
/// the most it asks for.
template <typename Item, typename Fetch, typename Items>
Result<QList<Item>> collectPages(Fetch fetch, Items items) {
    constexpr qint64 kMaxPages = 10000; // 2.5 million names at the server's 256 a page
    QList<Item> out;
    qint64 maxPages = kMaxPages;
    for (int offset = 0, pages = 0;; ++pages) {
        auto page = fetch(offset);
        if (!page)
            return page.error();
        const auto& got = items(page.value());
        out += got;
        offset += int(got.size());
        if (got.isEmpty() || offset >= page->total)
            return out;
        if (pages == 0) // the pages the first answer implies, and two for what comes meanwhile
            maxPages = qMin(kMaxPages, (qint64(page->total) + got.size() - 1) / got.size() + 2);
        if (pages + 1 >= maxPages)
            return Error{ErrorKind::Protocol,
                         QStringLiteral("the server keeps announcing more (total %1 after %2 "
                                        "items in %3 pages); stopped listing")
                             .arg(page->total)
                             .arg(offset)
                             .arg(pages + 1)};
    }
}

} // namespace

void PublishOptions::applyTo(Headers& h) const {
    if (!msgId.isEmpty())
        h.set("Nats-Msg-Id", msgId);
    if (!expectedStream.isEmpty())
        h.set("Nats-Expected-Stream", expectedStream.toUtf8());
    if (expectedLastSeq)
        h.set("Nats-Expected-Last-Sequence", QByteArray::number(*expectedLastSeq));
    if (expectedLastSubjectSeq)
        h.set("Nats-Expected-Last-Subject-Sequence", QByteArray::number(*expectedLastSubjectSeq));
    if (!expectedLastMsgId.isEmpty())
        h.set("Nats-Expected-Last-Msg-Id", expectedLastMsgId);
}

JetStream::JetStream(Connection* connection, JetStreamOptions options)
    : m_conn(connection)
    , m_opts(std::move(options)) {
    // Acks and flow-control replies jump the outbound queue: late data is tolerable, a lost
    // ack means a redelivery.
    if (m_conn) {
        m_conn->addPrioritySubjectPrefix(QByteArrayLiteral("$JS.ACK."));
        m_conn->addPrioritySubjectPrefix(QByteArrayLiteral("$JS.FC."));
    }
    // Unless told otherwise, where the connection's context says JetStream is.
    if (m_opts.apiPrefix.isEmpty() && m_opts.domain.isEmpty() && m_conn) {
        m_opts.apiPrefix = m_conn->options().jetstreamApiPrefix;
        m_opts.domain = m_conn->options().jetstreamDomain;
    }
    if (!m_opts.apiPrefix.isEmpty()) {
        m_prefix = m_opts.apiPrefix.toUtf8();
        if (!m_prefix.endsWith('.'))
            m_prefix += '.';
    } else if (!m_opts.domain.isEmpty()) {
        m_prefix = "$JS." + m_opts.domain.toUtf8() + ".API.";
    } else {
        m_prefix = "$JS.API.";
    }
}

QByteArray JetStream::apiSubject(QByteArrayView suffix) const {
    return m_prefix + suffix;
}

Result<nlohmann::json> JetStream::request(QByteArrayView suffix, const nlohmann::json& body) const {
    const QByteArray subject = apiSubject(suffix);
    auto reply = m_conn->requestSync(subject, bodyOf(body), m_opts.timeoutMs);
    if (!reply) {
        qCDebug(lcJetStream).noquote() << QString::fromUtf8(subject) << reply.error().toString();
        if (reply.error().kind == ErrorKind::NoResponders)
            return notEnabled(subject);
        return reply.error();
    }
    auto parsed = parseApiResponse(reply->payload());
    if (!parsed)
        qCDebug(lcJetStream).noquote() << QString::fromUtf8(subject) << parsed.error().toString();
    return parsed;
}

void JetStream::requestAsync(QByteArrayView suffix, const nlohmann::json& body, QObject* context,
                             JsonCallback callback) const {
    const QByteArray subject = apiSubject(suffix);
    m_conn->request(subject, bodyOf(body), m_opts.timeoutMs, context,
                    [subject, callback](const Result<Message>& reply) {
                        if (!reply) {
                            callback(reply.error().kind == ErrorKind::NoResponders
                                         ? Result<nlohmann::json>(notEnabled(subject))
                                         : Result<nlohmann::json>(reply.error()));
                            return;
                        }
                        callback(parseApiResponse(reply->payload()));
                    });
}

Result<AccountInfo> JetStream::accountInfo() const {
    return decode<AccountInfo>(request("INFO"));
}

// --- streams -----------------------------------------------------------------------------

Result<StreamInfo> JetStream::addStream(const StreamConfig& config) const {
    if (Status s = config.validate(); !s.ok())
        return s;
    return decode<StreamInfo>(
        request(QByteArray("STREAM.CREATE." + config.name.toUtf8()), config.toJson()));
}

Result<StreamInfo> JetStream::updateStream(const StreamConfig& config) const {
    if (Status s = config.validate(); !s.ok())
        return s;
    return decode<StreamInfo>(
        request(QByteArray("STREAM.UPDATE." + config.name.toUtf8()), config.toJson()));
}

Result<StreamInfo> JetStream::streamInfo(const QString& name) const {
    if (Status s = validateName(name, QStringLiteral("stream name")); !s.ok())
        return s;
    return decode<StreamInfo>(request(QByteArray("STREAM.INFO." + name.toUtf8())));
}

Result<StoredMessage> JetStream::getMessage(const QString& stream, quint64 seq) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    return decode<StoredMessage>(
        request(QByteArray("STREAM.MSG.GET." + stream.toUtf8()), nlohmann::json{{"seq", seq}}));
}

Result<StoredMessage> JetStream::getLastMessage(const QString& stream,
                                                const QString& subject) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    return decode<StoredMessage>(request(QByteArray("STREAM.MSG.GET." + stream.toUtf8()),
                                         nlohmann::json{{"last_by_subj", subject.toStdString()}}));
}

Status JetStream::deleteMessage(const QString& stream, quint64 seq, bool erase) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (seq == 0)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("sequences start at 1")};
    nlohmann::json body{{"seq", seq}};
    if (!erase)
        body["no_erase"] = true;
    auto r = request(QByteArray("STREAM.MSG.DELETE." + stream.toUtf8()), body);
    if (!r)
        return r.error();
    const nlohmann::json& j = r.value();
    if (!j.is_object() || !j.contains("success") || !j["success"].is_boolean() ||
        !j["success"].get<bool>())
        return Error{ErrorKind::Protocol,
                     QStringLiteral("the server did not confirm deleting message %1 of %2")
                         .arg(seq)
                         .arg(stream)};
    return {};
}

Result<QStringList> JetStream::streamNames(const QString& subject) const {
    return collectPages<QString>(
        [&](int offset) {
            nlohmann::json body{{"offset", offset}};
            if (!subject.isEmpty())
                body["subject"] = subject.toStdString();
            return decode<StreamNamesPage>(request("STREAM.NAMES", body));
        },
        [](const StreamNamesPage& p) -> const QStringList& { return p.names; });
}

Result<QList<StreamInfo>> JetStream::listStreams() const {
    return collectPages<StreamInfo>(
        [&](int offset) {
            return decode<StreamListPage>(
                request("STREAM.LIST", nlohmann::json{{"offset", offset}}));
        },
        [](const StreamListPage& p) -> const QList<StreamInfo>& { return p.streams; });
}

Status JetStream::deleteStream(const QString& name) const {
    if (Status s = validateName(name, QStringLiteral("stream name")); !s.ok())
        return s;
    auto r = request(QByteArray("STREAM.DELETE." + name.toUtf8()));
    return r ? Status{} : r.error();
}

Result<quint64> JetStream::purgeStream(const QString& name, const QString& subject, quint64 keep,
                                       quint64 upToSeq) const {
    if (Status s = validateName(name, QStringLiteral("stream name")); !s.ok())
        return s;
    if (keep > 0 && upToSeq > 0)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("purge takes either a number to keep or a sequence, not both")};
    nlohmann::json body = nlohmann::json::object();
    if (!subject.isEmpty())
        body["filter"] = subject.toStdString();
    if (keep > 0)
        body["keep"] = keep;
    if (upToSeq > 0)
        body["seq"] = upToSeq;
    auto r = request(QByteArray("STREAM.PURGE." + name.toUtf8()),
                     body.empty() ? nlohmann::json() : body);
    if (!r)
        return r.error();
    return r->value("purged", quint64(0));
}

// --- consumers ---------------------------------------------------------------------------

Status JetStream::checkServerSupports(const ConsumerConfig& config) const {
    return config.checkSupported(m_conn->serverInfo().versionNumber());
}

Result<ConsumerInfo> JetStream::addConsumer(const QString& stream,
                                            const ConsumerConfig& config) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (Status s = config.validate(); !s.ok())
        return s;
    if (Status s = checkServerSupports(config); !s.ok())
        return s;
    const QString name = !config.name.isEmpty() ? config.name : config.durableName;
    const int version = m_conn->serverInfo().versionNumber();
    QByteArray suffix;
    if (name.isEmpty()) {
        suffix = "CONSUMER.CREATE." + stream.toUtf8(); // ephemeral
    } else if (version == 0 || version >= 20900) {
        // 2.9 names consumers in the subject and can put the filter there for permissions;
        // a filter with wildcards stays in the body only, as a subject to publish to cannot
        // hold them.
        suffix = "CONSUMER.CREATE." + stream.toUtf8() + '.' + name.toUtf8();
        const QByteArray filter = config.filterSubject.toUtf8();
        if (!filter.isEmpty() && !filter.contains(' ') && !subject::hasWildcards(filter))
            suffix += '.' + filter;
    } else if (!config.durableName.isEmpty()) {
        suffix = "CONSUMER.DURABLE.CREATE." + stream.toUtf8() + '.' + config.durableName.toUtf8();
    } else {
        suffix = "CONSUMER.CREATE." + stream.toUtf8();
    }
    nlohmann::json body{{"stream_name", stream.toStdString()}, {"config", config.toJson()}};
    return decode<ConsumerInfo>(request(suffix, body));
}

Result<ConsumerInfo> JetStream::consumerInfo(const QString& stream, const QString& name) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (Status s = validateName(name, QStringLiteral("consumer name")); !s.ok())
        return s;
    return decode<ConsumerInfo>(
        request(QByteArray("CONSUMER.INFO." + stream.toUtf8() + '.' + name.toUtf8())));
}

Result<QStringList> JetStream::consumerNames(const QString& stream) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    const QByteArray suffix = "CONSUMER.NAMES." + stream.toUtf8();
    return collectPages<QString>(
        [&](int offset) {
            return decode<ConsumerNamesPage>(request(suffix, nlohmann::json{{"offset", offset}}));
        },
        [](const ConsumerNamesPage& p) -> const QStringList& { return p.names; });
}

Result<QList<ConsumerInfo>> JetStream::listConsumers(const QString& stream) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    const QByteArray suffix = "CONSUMER.LIST." + stream.toUtf8();
    return collectPages<ConsumerInfo>(
        [&](int offset) {
            return decode<ConsumerListPage>(request(suffix, nlohmann::json{{"offset", offset}}));
        },
        [](const ConsumerListPage& p) -> const QList<ConsumerInfo>& { return p.consumers; });
}

Status JetStream::deleteConsumer(const QString& stream, const QString& name) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (Status s = validateName(name, QStringLiteral("consumer name")); !s.ok())
        return s;
    auto r = request(QByteArray("CONSUMER.DELETE." + stream.toUtf8() + '.' + name.toUtf8()));
    return r ? Status{} : r.error();
}

Status JetStream::stepDownStreamLeader(const QString& stream) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    auto r = request(QByteArray("STREAM.LEADER.STEPDOWN." + stream.toUtf8()));
    return r ? Status{} : r.error();
}

Status JetStream::stepDownConsumerLeader(const QString& stream, const QString& consumer) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (Status s = validateName(consumer, QStringLiteral("consumer name")); !s.ok())
        return s;
    auto r = request(
        QByteArray("CONSUMER.LEADER.STEPDOWN." + stream.toUtf8() + '.' + consumer.toUtf8()));
    return r ? Status{} : r.error();
}

// --- publishing --------------------------------------------------------------------------

Result<PubAck> JetStream::publish(QByteArrayView subject, QByteArrayView payload,
                                  const PublishOptions& options, const Headers* headers) const {
    Headers h = headers ? *headers : Headers();
    options.applyTo(h);
    for (int attempt = 0;; ++attempt) {
        auto reply =
            m_conn->requestSync(subject, payload, options.timeoutMs, h.isEmpty() ? nullptr : &h);
        if (!reply) {
            // No stream listens yet (just created, or a leader election): try again shortly.
            if (reply.error().kind == ErrorKind::NoResponders && attempt < options.retryAttempts) {
                m_conn->waitFor([] { return false; }, options.retryWaitMs);
                continue;
            }
            if (reply.error().kind == ErrorKind::NoResponders)
                return Error{ErrorKind::NoResponders,
                             QStringLiteral("no stream stores subject '%1' (no responders after "
                                            "%2 attempts)")
                                 .arg(QString::fromUtf8(subject))
                                 .arg(attempt + 1)};
            return reply.error();
        }
        auto json = parseApiResponse(reply->payload());
        if (!json)
            return json.error();
        return PubAck::fromJson(json.value());
    }
}

namespace {

bool retryable(ErrorKind k) {
    // "Not enabled" is what no answer at all looks like, which a starting cluster also gives.
    return k != ErrorKind::InvalidArgument && k != ErrorKind::AlreadyExists;
}

template <typename T, typename Call>
Result<T> whenReady(const Call& call, int timeoutMs, const Pause& pause) {
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        Result<T> r = call();
        if (r || !retryable(r.error().kind) || waited.elapsed() >= timeoutMs)
            return r;
        const bool go = pause ? pause(250) : (QThread::msleep(250), true);
        if (!go)
            return r;
    }
}

} // namespace

Result<StreamInfo> addStreamWhenReady(const JetStream& js, const StreamConfig& config,
                                      int timeoutMs, const Pause& pause) {
    return whenReady<StreamInfo>([&] { return js.addStream(config); }, timeoutMs, pause);
}

Result<ConsumerInfo> addConsumerWhenReady(const JetStream& js, const QString& stream,
                                          const ConsumerConfig& config, int timeoutMs,
                                          const Pause& pause) {
    return whenReady<ConsumerInfo>([&] { return js.addConsumer(stream, config); }, timeoutMs,
                                   pause);
}

} // namespace jetdeck::js
