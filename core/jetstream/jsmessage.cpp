#include "jsmessage.h"

#include "core/base/clock.h"

#include "core/client/connection.h"
#include "core/protocol/frames.h"

namespace jetdeck::js {

std::optional<JsMetadata> JsMetadata::parse(QByteArrayView reply) {
    if (!reply.startsWith("$JS.ACK."))
        return std::nullopt;
    QList<QByteArrayView> t;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= reply.size(); ++i)
        if (i == reply.size() || reply[i] == '.') {
            t.append(reply.sliced(start, i - start));
            start = i + 1;
        }
    JsMetadata m;
    qsizetype base = 0; // index of the stream token
    if (t.size() == 9) {
        base = 2;
    } else if (t.size() >= 11) {
        // The v2 form; 11 tokens appear from servers that do not add the random token.
        m.domain = t[2] == "_" ? QString() : QString::fromUtf8(t[2]);
        m.accountHash = QString::fromUtf8(t[3]);
        base = 4;
    } else {
        return std::nullopt;
    }
    m.stream = QString::fromUtf8(t[base]);
    m.consumer = QString::fromUtf8(t[base + 1]);
    quint64 ts = 0;
    if (!frames::parseDecimal(t[base + 2], &m.delivered) ||
        !frames::parseDecimal(t[base + 3], &m.streamSeq) ||
        !frames::parseDecimal(t[base + 4], &m.consumerSeq) ||
        !frames::parseDecimal(t[base + 5], &ts) || !frames::parseDecimal(t[base + 6], &m.pending))
        return std::nullopt;
    m.timestampNs = qint64(ts);
    m.timestamp = QDateTime::fromMSecsSinceEpoch(qint64(ts / 1000000), Qt::UTC);
    return m;
}

JsMessage::JsMessage(Message message, Connection* connection, AckObserver observer)
    : m_msg(std::move(message))
    , m_conn(connection)
    , m_observer(std::move(observer)) {
    m_receivedNs = steadyNowNs();
    if (auto meta = JsMetadata::parse(m_msg.reply())) {
        m_meta = *meta;
        m_hasMeta = true;
    }
}

Status JsMessage::checkAckable() const {
    if (m_msg.reply().isEmpty())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("message on '%1' has no reply subject to acknowledge")
                         .arg(QString::fromUtf8(m_msg.subject()))};
    if (m_acked)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("message %1 was already acknowledged").arg(m_meta.streamSeq)};
    if (!m_conn)
        return Error{ErrorKind::NotConnected, QStringLiteral("the message has no connection")};
    return {};
}

Status JsMessage::send(QByteArrayView body, AckKind kind, qint64 nakDelayNs, bool final) {
    if (Status s = checkAckable(); !s.ok())
        return s;
    if (Status s = m_conn->publish(m_msg.reply(), body); !s.ok())
        return s;
    if (final)
        m_acked = true;
    if (m_observer)
        m_observer(*this, kind, nakDelayNs);
    return {};
}

Status JsMessage::ack() {
    return send("+ACK", AckKind::Ack, 0, true);
}

Status JsMessage::nak(qint64 delayNs) {
    if (delayNs < 0)
        return Error{ErrorKind::InvalidArgument, QStringLiteral("NAK delay must not be negative")};
    if (delayNs == 0)
        return send("-NAK", AckKind::Nak, 0, true);
    return send(QByteArray("-NAK {\"delay\":" + QByteArray::number(delayNs) + '}'), AckKind::Nak,
                delayNs, true);
}

Status JsMessage::inProgress() {
    return send("+WPI", AckKind::InProgress, 0, false);
}

Status JsMessage::term(const QString& reason) {
    // Servers from before the reason (added during 2.10; 2.11 certainly has it) do not
    // recognise "+TERM <reason>" at all and redeliver the message: they get the plain form.
    const int version = m_conn ? m_conn->serverInfo().versionNumber() : 0;
    const bool withReason = !reason.isEmpty() && (version <= 0 || version >= 21100);
    return send(withReason ? QByteArray("+TERM " + reason.simplified().toUtf8())
                           : QByteArray("+TERM"),
                AckKind::Term, 0, true);
}

Status JsMessage::ackSync(int timeoutMs) {
    if (Status s = checkAckable(); !s.ok())
        return s;
    // The server answers an ack sent as a request with an empty message once it is recorded.
    auto r = m_conn->requestSync(m_msg.reply(), "+ACK", timeoutMs);
    if (!r)
        return r.error();
    m_acked = true;
    if (m_observer)
        m_observer(*this, AckKind::Ack, 0);
    return {};
}

} // namespace jetdeck::js
