#pragma once

#include "core/base/error.h"
#include "core/protocol/headers.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

namespace jetdeck {

/// How a controlled publish sends its messages.
enum class PublishMode {
    Core,           ///< plain PUB, no acknowledgement
    JetStreamAsync, ///< JetStream publish, many PubAcks outstanding (a window)
    JetStreamSync,  ///< JetStream publish, one at a time: each waits for its PubAck
};
QString publishModeName(PublishMode mode);
/// "core", "js-async", "js-sync" (also "js" for js-async); nullopt for anything else.
std::optional<PublishMode> publishModeFromName(QStringView name);

/// Text with placeholders filled per message: `{seq}` (1-based message number), `{ts}` (Unix
/// time in milliseconds), `{uuid}` (a random UUID). Any other brace is literal, so JSON bodies
/// need no escaping: `{"id": {seq}}` renders as `{"id": 17}`.
class PayloadTemplate {
public:
    PayloadTemplate() = default;
    explicit PayloadTemplate(const QByteArray& text);

    /// True when the text has at least one placeholder.
    bool isTemplated() const { return m_templated; }
    const QByteArray& text() const { return m_text; }
    /// Appends the text for message `seq` to out.
    void renderInto(qint64 seq, qint64 unixMs, QByteArray& out) const;
    QByteArray render(qint64 seq, qint64 unixMs) const;
    /// Longest rendering for messages up to maxSeq (for size checks before a run).
    qsizetype maxRenderedSize(qint64 maxSeq) const;

private:
    enum class Part : quint8 { Literal, Seq, Ts, Uuid };
    struct Segment {
        Part part;
        QByteArray literal;
    };
    QByteArray m_text;
    QList<Segment> m_segments;
    bool m_templated = false;
};

/// What to publish and how: the form of the console's publish page, the `pub` command's
/// options, and a scenario's publish step.
struct PublishPlan {
    QByteArray subject;
    /// The body; a template when it contains placeholders (see PayloadTemplate).
    QByteArray payload;
    /// Pad the body with filler bytes up to this size; -1 sends the body as it is. With no body
    /// at all, the message is `size` filler bytes.
    qsizetype size = -1;
    /// Header values may hold placeholders too.
    Headers headers;
    /// Nats-Msg-Id of each message (a template, so "order-{seq}" numbers them); empty: none.
    QByteArray msgId;
    /// Put the JetDeck-Sent-Us header on every message, for end-to-end latency.
    bool stampSentTime = false;
    QByteArray reply;
    PublishMode mode = PublishMode::Core;
    /// Messages to send; 0 runs until durationMs (one of the two must be set).
    qint64 count = 1;
    qint64 durationMs = 0;
    double rate = 0; ///< messages per second; 0 publishes as fast as the connection takes them
    /// Messages sent back to back at each step of the schedule (the average rate stays `rate`).
    int burst = 1;
    int jsWindow = 4000;     ///< JetStreamAsync: PubAcks outstanding at most
    int ackTimeoutMs = 5000; ///< JetStream: each PubAck's timeout
    /// JetStream: a 503 (no stream answers: just created, or a leader is being elected) is
    /// retried this many times, retryWaitMs apart, as nats.go does; raise it to publish
    /// through leader elections.
    int retryAttempts = 2;
    int retryWaitMs = 250;
    /// After the last publish, how long to wait for queued publishes to be sent (or expire)
    /// and PubAcks to come before reporting; -1 takes the connection's
    /// pending_operation_timeout_ms (core) or ackTimeoutMs (JetStream) + 2 s.
    int settleTimeoutMs = -1;

    /// Checks every field; the error names the field and says what is wrong. maxPayload is
    /// the server's limit (0: unknown, not checked).
    Status validate(qint64 maxPayload = 0) const;
};

/// Builds the messages of a plan: the templates parsed once, then the body and the header
/// block of message `seq` (1-based) on demand.
class MessageRenderer {
public:
    explicit MessageRenderer(const PublishPlan& plan);

    /// True when every message is the same (no placeholders, no timestamp header): the body
    /// and header block can be built once.
    bool isConstant() const { return m_constant; }
    QByteArray body(qint64 seq, qint64 unixUs) const;
    bool hasHeaders() const { return !m_headers.isEmpty() || m_stamp || hasMsgId(); }
    bool hasMsgId() const { return !m_msgId.text().isEmpty(); }
    QByteArray msgId(qint64 seq, qint64 unixUs) const { return m_msgId.render(seq, unixUs / 1000); }
    /// The plan's headers for message `seq`, with its Nats-Msg-Id when withMsgId.
    Headers headers(qint64 seq, qint64 unixUs, bool withMsgId = true) const;
    /// headers() in wire form; empty when the message has no headers.
    QByteArray headerBlock(qint64 seq, qint64 unixUs) const;

private:
    qsizetype m_size;
    PayloadTemplate m_body;
    QList<QPair<QByteArray, PayloadTemplate>> m_headers;
    PayloadTemplate m_msgId;
    bool m_stamp;
    bool m_constant;
};

/// Parses header lines `Key: Value` (one per entry, blank entries skipped); the error names
/// the line.
Result<Headers> parseHeaderLines(const QStringList& lines);

} // namespace jetdeck
