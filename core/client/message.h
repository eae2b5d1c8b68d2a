#pragma once

#include "core/protocol/headers.h"
#include "core/protocol/parser.h"

#include <QByteArray>
#include <QByteArrayView>

namespace jetdeck {

/// A received (or to-be-sent) message that owns its bytes. Subject, reply, header block and
/// payload share one allocation; copies are cheap (implicitly shared).
class Message {
public:
    Message() = default;
    /// Copies a parser view into one buffer.
    explicit Message(const MsgView& view);
    Message(QByteArrayView subject, QByteArrayView payload, QByteArrayView reply = {},
            QByteArrayView headerBlock = {}, quint64 sid = 0);

    QByteArrayView subject() const { return view(0, m_subjectLen); }
    QByteArrayView reply() const { return view(m_subjectLen, m_replyLen); }
    QByteArrayView headerBlock() const { return view(m_subjectLen + m_replyLen, m_headerLen); }
    QByteArrayView payload() const {
        const qsizetype off = m_subjectLen + m_replyLen + m_headerLen;
        return view(off, m_data.size() - off);
    }
    quint64 sid() const { return m_sid; }

    bool isValid() const { return m_subjectLen > 0; }
    bool hasHeaders() const { return m_headerLen > 0; }
    /// Parses the header block (empty Headers for a plain MSG).
    Headers headers() const;
    /// Status code from the header version line, 0 when there is none.
    int status() const;
    /// True for a 503 reply to a request: nobody was listening.
    bool isNoResponders() const { return status() == status::NoResponders && payload().isEmpty(); }
    /// Header + payload bytes, what pending limits count.
    qsizetype size() const { return m_data.size() - m_subjectLen - m_replyLen; }

private:
    QByteArrayView view(qsizetype off, qsizetype len) const {
        return QByteArrayView(m_data.constData() + off, len);
    }

    QByteArray m_data;
    qsizetype m_subjectLen = 0;
    qsizetype m_replyLen = 0;
    qsizetype m_headerLen = 0;
    quint64 m_sid = 0;
};

/// Status code of a raw header block without building Headers (cheap check on hot paths).
int headerStatus(QByteArrayView headerBlock);

} // namespace jetdeck
