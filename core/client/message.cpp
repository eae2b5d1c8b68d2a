#include "message.h"

#include <cstring>

namespace jetdeck {

Message::Message(const MsgView& v)
    : Message(v.subject, v.payload, v.reply, v.headers, v.sid) {}

Message::Message(QByteArrayView subject, QByteArrayView payload, QByteArrayView reply,
                 QByteArrayView headerBlock, quint64 sid)
    : m_subjectLen(subject.size())
    , m_replyLen(reply.size())
    , m_headerLen(headerBlock.size())
    , m_sid(sid) {
    m_data = QByteArray(subject.size() + reply.size() + headerBlock.size() + payload.size(),
                        Qt::Uninitialized);
    char* p = m_data.data();
    for (QByteArrayView part : {subject, reply, headerBlock, payload}) {
        if (!part.isEmpty())
            std::memcpy(p, part.data(), size_t(part.size()));
        p += part.size();
    }
}

Headers Message::headers() const {
    if (m_headerLen == 0)
        return {};
    return Headers::fromBlock(headerBlock());
}

int Message::status() const {
    return headerStatus(headerBlock());
}

int headerStatus(QByteArrayView block) {
    // "NATS/1.0 503" -> 503; anything else -> 0.
    constexpr qsizetype kPrefix = 8; // "NATS/1.0"
    if (block.size() < kPrefix + 4 || !block.startsWith("NATS/1.0") || block[kPrefix] != ' ')
        return status::None;
    int code = 0;
    for (qsizetype i = kPrefix + 1; i < kPrefix + 4; ++i) {
        const char c = block[i];
        if (c < '0' || c > '9')
            return status::None;
        code = code * 10 + (c - '0');
    }
    return code;
}

} // namespace jetdeck
