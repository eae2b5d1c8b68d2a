#pragma once

#include "core/base/error.h"
#include "core/client/message.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <optional>

namespace jetdeck {
class Connection;
}

namespace jetdeck::js {

/// What a JetStream delivery says about itself in its reply (ack) subject.
struct JsMetadata {
    QString domain;
    QString accountHash;
    QString stream;
    QString consumer;
    quint64 delivered = 0; ///< delivery count, 1 on the first delivery
    quint64 streamSeq = 0;
    quint64 consumerSeq = 0;
    QDateTime timestamp; ///< when the stream stored the message (UTC)
    qint64 timestampNs = 0;
    quint64 pending = 0; ///< messages left for the consumer after this one

    /// Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (9 tokens)
    /// and `$JS.ACK.<domain>.<acchash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.
    /// <pending>.<token>` (12 or more; domain "_" means none). nullopt for anything else.
    static std::optional<JsMetadata> parse(QByteArrayView replySubject);
};

/// How an application answered a delivery; reported to the consumer's tracker.
enum class AckKind { Ack, Nak, InProgress, Term };

/// A JetStream message with its metadata and the acknowledgement operations. Acks are
/// publishes on the reply subject (they jump the outbound queue while disconnected).
class JsMessage {
public:
    /// Called after each acknowledgement (the redelivery tracker listens here).
    using AckObserver = std::function<void(const JsMessage&, AckKind, qint64 nakDelayNs)>;

    JsMessage() = default;
    JsMessage(Message message, Connection* connection, AckObserver observer = {});

    const Message& message() const { return m_msg; }
    QByteArrayView subject() const { return m_msg.subject(); }
    QByteArrayView payload() const { return m_msg.payload(); }
    Headers headers() const { return m_msg.headers(); }
    const JsMetadata& metadata() const { return m_meta; }
    /// False for a message without JetStream ack metadata (ack policy none, or not JetStream).
    bool hasMetadata() const { return m_hasMeta; }
    bool isAcked() const { return m_acked; }
    /// When this client received it (steady clock, ns): processing time runs from here.
    qint64 receivedNs() const { return m_receivedNs; }

    /// +ACK
    Status ack();
    /// -NAK, or -NAK {"delay": ns} to ask for redelivery no sooner than the delay.
    Status nak(qint64 delayNs = 0);
    /// +WPI: still working on it; resets the ack wait. May be sent repeatedly.
    Status inProgress();
    /// +TERM [reason]: never redeliver. Servers older than 2.11 get no reason: they would not
    /// recognise the answer.
    Status term(const QString& reason = {});
    /// +ACK as a request: the server confirms it recorded the ack.
    Status ackSync(int timeoutMs = 5000);

private:
    Status checkAckable() const;
    Status send(QByteArrayView body, AckKind kind, qint64 nakDelayNs, bool final);

    Message m_msg;
    JsMetadata m_meta;
    bool m_hasMeta = false;
    bool m_acked = false;
    qint64 m_receivedNs = 0;
    Connection* m_conn = nullptr;
    AckObserver m_observer;
};

} // namespace jetdeck::js
