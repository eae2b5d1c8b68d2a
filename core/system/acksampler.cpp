#include "acksampler.h"

#include "core/client/connection.h"
#include "core/jetstream/jsinternal.h"
#include "core/protocol/json.h"

namespace jetdeck::sys {

namespace {
constexpr ErrorKind kKind = ErrorKind::Protocol;
const QLatin1String kType("io.nats.jetstream.metric.v1.consumer_ack");
} // namespace

Result<AckSample> parseAckSample(QByteArrayView payload) {
    const nlohmann::json j = json::parse(payload);
    if (!j.is_object())
        return Error{kKind, QStringLiteral("an ack sample is not a JSON object")};
    js::detail::FieldReader r(j, QString(), kKind);
    QString type;
    AckSample s;
    r.str("type", type);
    r.str("stream", s.stream);
    r.str("consumer", s.consumer);
    r.u64("consumer_seq", s.consumerSeq);
    r.u64("stream_seq", s.streamSeq);
    r.i64("ack_time", s.ackTimeNs);
    r.u64("deliveries", s.deliveries);
    r.time("timestamp", s.time);
    if (!r.ok())
        return r.error();
    if (type != kType)
        return Error{kKind, QStringLiteral("not an ack sample: type \"%1\"").arg(type.left(80))};
    if (s.stream.isEmpty() || s.consumer.isEmpty())
        return Error{kKind, QStringLiteral("an ack sample without its stream or consumer")};
    if (s.ackTimeNs < 0)
        return Error{kKind, QStringLiteral("ack_time: negative (%1)").arg(s.ackTimeNs)};
    if (!s.time.isValid())
        s.time = QDateTime::currentDateTimeUtc();
    return s;
}

QByteArray ackSampleSubject(const QString& eventPrefix) {
    QByteArray prefix =
        eventPrefix.isEmpty() ? QByteArrayLiteral("$JS.EVENT") : eventPrefix.toUtf8();
    if (prefix.endsWith('.'))
        prefix.chop(1);
    return prefix + ".METRIC.CONSUMER.ACK.>";
}

AckSampler::~AckSampler() {
    stop();
}

Status AckSampler::watch(Connection* connection, const QString& eventPrefix, Sink sink) {
    stop();
    if (!connection)
        return Error{ErrorKind::NotConnected,
                     QStringLiteral("watching ack samples needs a connection")};
    auto sub =
        connection->subscribeInline(ackSampleSubject(eventPrefix),
                                    [counts = m_counts, sink = std::move(sink)](const MsgView& m) {
                                        Result<AckSample> s = parseAckSample(m.payload);
                                        if (!s) {
                                            counts->malformed.fetch_add(1);
                                            std::lock_guard lock(counts->mu);
                                            counts->lastProblem = s.error().message;
                                            return;
                                        }
                                        counts->received.fetch_add(1);
                                        sink(s.value());
                                    });
    if (!sub)
        return sub.error();
    m_sub = sub.value();
    return {};
}

void AckSampler::stop() {
    if (m_sub) {
        m_sub->unsubscribe();
        m_sub.reset();
    }
}

QString AckSampler::lastProblem() const {
    std::lock_guard lock(m_counts->mu);
    return m_counts->lastProblem;
}

} // namespace jetdeck::sys
