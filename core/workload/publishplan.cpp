#include "publishplan.h"

#include "core/protocol/subject.h"

#include <QUuid>

namespace jetdeck {

namespace {

constexpr char kFiller[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

Error invalid(const QString& text) {
    return Error{ErrorKind::InvalidArgument, text};
}

} // namespace

QString publishModeName(PublishMode mode) {
    switch (mode) {
    case PublishMode::Core:
        return QStringLiteral("core");
    case PublishMode::JetStreamAsync:
        return QStringLiteral("js-async");
    case PublishMode::JetStreamSync:
        return QStringLiteral("js-sync");
    }
    return QStringLiteral("core");
}

std::optional<PublishMode> publishModeFromName(QStringView name) {
    if (name == u"core")
        return PublishMode::Core;
    if (name == u"js-async" || name == u"js")
        return PublishMode::JetStreamAsync;
    if (name == u"js-sync")
        return PublishMode::JetStreamSync;
    return std::nullopt;
}

PayloadTemplate::PayloadTemplate(const QByteArray& text)
    : m_text(text) {
    static const struct {
        const char* token;
        Part part;
    } kTokens[] = {{"{seq}", Part::Seq}, {"{ts}", Part::Ts}, {"{uuid}", Part::Uuid}};
    QByteArray literal;
    qsizetype i = 0;
    while (i < text.size()) {
        bool matched = false;
        if (text.at(i) == '{') {
            for (const auto& t : kTokens) {
                const QByteArrayView token(t.token);
                if (QByteArrayView(text).sliced(i).startsWith(token)) {
                    if (!literal.isEmpty())
                        m_segments.append({Part::Literal, std::exchange(literal, {})});
                    m_segments.append({t.part, {}});
                    i += token.size();
                    matched = m_templated = true;
                    break;
                }
            }
        }
        if (!matched)
            literal.append(text.at(i++));
    }
    if (!literal.isEmpty())
        m_segments.append({Part::Literal, literal});
}

void PayloadTemplate::renderInto(qint64 seq, qint64 unixMs, QByteArray& out) const {
    if (!m_templated) {
        out.append(m_text);
        return;
    }
    for (const Segment& s : m_segments) {
        switch (s.part) {
        case Part::Literal:
            out.append(s.literal);
            break;
        case Part::Seq:
            out.append(QByteArray::number(seq));
            break;
        case Part::Ts:
            out.append(QByteArray::number(unixMs));
            break;
        case Part::Uuid:
            out.append(QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
            break;
        }
    }
}

QByteArray PayloadTemplate::render(qint64 seq, qint64 unixMs) const {
    QByteArray out;
    renderInto(seq, unixMs, out);
    return out;
}

qsizetype PayloadTemplate::maxRenderedSize(qint64 maxSeq) const {
    qsizetype n = 0;
    for (const Segment& s : m_segments) {
        switch (s.part) {
        case Part::Literal:
            n += s.literal.size();
            break;
        case Part::Seq:
            n += QByteArray::number(qMax<qint64>(1, maxSeq)).size();
            break;
        case Part::Ts:
            n += 13; // milliseconds since 1970 until the year 2286
            break;
        case Part::Uuid:
            n += 36;
            break;
        }
    }
    return m_templated ? n : m_text.size();
}

MessageRenderer::MessageRenderer(const PublishPlan& plan)
    : m_size(plan.size)
    , m_body(plan.payload)
    , m_msgId(plan.msgId)
    , m_stamp(plan.stampSentTime) {
    m_constant = !m_body.isTemplated() && !m_msgId.isTemplated() && !m_stamp;
    for (const Headers::Entry& e : plan.headers.entries()) {
        m_headers.append({e.first, PayloadTemplate(e.second)});
        m_constant = m_constant && !m_headers.last().second.isTemplated();
    }
}

QByteArray MessageRenderer::body(qint64 seq, qint64 unixUs) const {
    const qint64 unixMs = unixUs / 1000;
    QByteArray out;
    if (m_size > 0)
        out.reserve(m_size);
    m_body.renderInto(seq, unixMs, out);
    while (m_size >= 0 && out.size() < m_size)
        out.append(kFiller, qMin<qsizetype>(sizeof kFiller - 1, m_size - out.size()));
    return out;
}

Headers MessageRenderer::headers(qint64 seq, qint64 unixUs, bool withMsgId) const {
    const qint64 unixMs = unixUs / 1000;
    Headers h;
    for (const auto& [key, value] : m_headers)
        h.append(key, value.render(seq, unixMs));
    if (withMsgId && hasMsgId())
        h.set(QByteArrayLiteral("Nats-Msg-Id"), m_msgId.render(seq, unixMs));
    if (m_stamp)
        h.set(QByteArray(kSentHeader), QByteArray::number(unixUs));
    return h;
}

QByteArray MessageRenderer::headerBlock(qint64 seq, qint64 unixUs) const {
    return hasHeaders() ? headers(seq, unixUs).toBlock() : QByteArray();
}

Status PublishPlan::validate(qint64 maxPayload) const {
    if (subject.isEmpty())
        return invalid(QStringLiteral("Subject: enter the subject to publish to"));
    if (Status s = subject::validatePublish(subject); !s.ok())
        return invalid(QStringLiteral("Subject: %1").arg(s.message));
    if (!reply.isEmpty()) {
        if (mode != PublishMode::Core)
            return invalid(QStringLiteral("Reply: JetStream publishes take no reply subject "
                                          "(the PubAck comes back on the console's own inbox)"));
        if (Status s = subject::validatePublish(reply); !s.ok())
            return invalid(QStringLiteral("Reply: %1").arg(s.message));
    }
    if (count < 0)
        return invalid(QStringLiteral("Count: must be 0 or more, got %1").arg(count));
    if (durationMs < 0)
        return invalid(QStringLiteral("Duration: must be 0 or more"));
    if (count == 0 && durationMs == 0)
        return invalid(QStringLiteral("Count: give a number of messages, or a duration"));
    if (!(rate >= 0) || rate > 10'000'000)
        return invalid(QStringLiteral("Rate: must be 0 (as fast as possible) up to 10,000,000 "
                                      "messages per second"));
    if (count == 0 && rate == 0)
        return invalid(QStringLiteral("Rate: a run bounded only by its duration needs a rate"));
    if (burst < 1 || burst > 100000)
        return invalid(QStringLiteral("Burst: must be 1 to 100,000 messages"));
    if (mode == PublishMode::JetStreamAsync && (jsWindow < 1 || jsWindow > 1'000'000))
        return invalid(QStringLiteral("Window: must be 1 to 1,000,000 PubAcks in flight"));
    if (retryAttempts < 0 || retryAttempts > 100000)
        return invalid(QStringLiteral("retry attempts must be between 0 and 100000"));
    if (retryWaitMs < 1 || retryWaitMs > 60000)
        return invalid(QStringLiteral("retry wait must be between 1 ms and 60 s"));
    if (mode != PublishMode::Core && ackTimeoutMs < 1)
        return invalid(QStringLiteral("Ack timeout: must be positive"));
    if (size < -1)
        return invalid(QStringLiteral("Size: must be 0 or more bytes"));
    for (const Headers::Entry& e : headers.entries()) {
        if (!Headers::isValidKey(e.first))
            return invalid(QStringLiteral("Headers: '%1' is not a valid header name")
                               .arg(QString::fromUtf8(e.first)));
        if (!Headers::isValidValue(e.second))
            return invalid(QStringLiteral("Headers: the value of '%1' holds a line break")
                               .arg(QString::fromUtf8(e.first)));
    }
    if (!msgId.isEmpty()) {
        if (!Headers::isValidValue(msgId))
            return invalid(QStringLiteral("Msg-Id: must not hold a line break"));
        const qint64 messages = count > 0 ? count : qint64(rate * double(durationMs) / 1000.0);
        if (messages > 1 && !PayloadTemplate(msgId).isTemplated())
            return invalid(QStringLiteral("Msg-Id: the same id on every message makes all but "
                                          "the first a duplicate; number them with {seq} or "
                                          "{uuid}"));
    }
    const qint64 maxSeq = count > 0 ? count : qint64(rate * double(durationMs) / 1000.0) + 1;
    const qsizetype body = qMax(size, PayloadTemplate(payload).maxRenderedSize(maxSeq));
    if (maxPayload > 0 && body > maxPayload)
        return invalid(QStringLiteral("Size: %1 bytes is more than the server's max_payload of "
                                      "%2 bytes")
                           .arg(body)
                           .arg(maxPayload));
    if (body > 64 * 1024 * 1024)
        return invalid(QStringLiteral("Size: %1 bytes is more than 64 MiB").arg(body));
    return {};
}

Result<Headers> parseHeaderLines(const QStringList& lines) {
    Headers h;
    int n = 0;
    for (const QString& line : lines) {
        ++n;
        if (line.trimmed().isEmpty())
            continue;
        const qsizetype colon = line.indexOf(QLatin1Char(':'));
        if (colon <= 0)
            return invalid(QStringLiteral("header %1 '%2' is not Key: Value").arg(n).arg(line));
        const QByteArray key = line.left(colon).trimmed().toUtf8();
        const QByteArray value = line.mid(colon + 1).trimmed().toUtf8();
        if (!Headers::isValidKey(key))
            return invalid(QStringLiteral("header %1: '%2' is not a valid header name (no spaces "
                                          "or colons)")
                               .arg(n)
                               .arg(QString::fromUtf8(key)));
        if (!Headers::isValidValue(value))
            return invalid(QStringLiteral("header %1: invalid value").arg(n));
        h.append(key, value);
    }
    return h;
}

} // namespace jetdeck
