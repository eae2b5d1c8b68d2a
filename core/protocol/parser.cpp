#include "parser.h"

#include <cstring>

namespace jetdeck {

namespace {

inline bool isBlank(char c) {
    return c == ' ' || c == '\t';
}

inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

bool equalsNoCase(QByteArrayView a, const char* lowerLiteral, qsizetype n) {
    if (a.size() != n)
        return false;
    for (qsizetype i = 0; i < n; ++i)
        if (lower(a[i]) != lowerLiteral[i])
            return false;
    return true;
}

/// Parses a non-negative decimal; -1 when it is not one or does not fit.
qint64 parseSize(QByteArrayView v) {
    if (v.isEmpty() || v.size() > 18)
        return -1;
    qint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

/// Splits on runs of spaces/tabs; returns the number of fields (up to max, more counts as max+1).
int splitFields(QByteArrayView s, QByteArrayView* out, int max) {
    int n = 0;
    qsizetype i = 0;
    const qsizetype len = s.size();
    while (i < len) {
        while (i < len && isBlank(s[i]))
            ++i;
        if (i >= len)
            break;
        qsizetype start = i;
        while (i < len && !isBlank(s[i]))
            ++i;
        if (n == max)
            return max + 1;
        out[n++] = s.sliced(start, i - start);
    }
    return n;
}

QByteArrayView trimBlank(QByteArrayView v) {
    while (!v.isEmpty() && isBlank(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && (isBlank(v.back()) || v.back() == '\r'))
        v.chop(1);
    return v;
}

/// A printable, bounded excerpt of bad input for error messages.
QString excerpt(QByteArrayView v) {
    constexpr qsizetype kMax = 60;
    QString out;
    for (qsizetype i = 0; i < v.size() && i < kMax; ++i) {
        auto c = static_cast<unsigned char>(v[i]);
        if (c == '\r')
            out += QStringLiteral("\\r");
        else if (c == '\n')
            out += QStringLiteral("\\n");
        else if (c < 32 || c >= 127)
            out += QStringLiteral("\\x%1").arg(c, 2, 16, QLatin1Char('0'));
        else
            out += QLatin1Char(char(c));
    }
    if (v.size() > kMax)
        out += QStringLiteral("...");
    return out;
}

} // namespace

Parser::Parser(ParserHandler* handler)
    : m_handler(handler) {}

void Parser::reset() {
    m_state = State::ControlLine;
    // A reset from a callback (a new socket replacing the one being read) ends the running
    // feed: the rest of its chunk came from the old socket and must not reach the new one.
    m_stopped = m_feeding;
    m_error.clear();
    m_line.resize(0);
    m_args.resize(0);
    m_payload.resize(0);
}

bool Parser::fail(QString message) {
    m_error = std::move(message);
    return false;
}

bool Parser::feed(const char* data, qsizetype size) {
    if (hasError())
        return false;
    m_stopped = false;
    m_feeding = true;
    const struct FeedingGuard {
        bool& flag;
        ~FeedingGuard() { flag = false; }
    } guard{m_feeding};
    qsizetype pos = 0;
    while (pos < size && !m_stopped) {
        if (m_state == State::Payload) {
            const qint64 need = m_totalLen + 2 - m_payload.size();
            const qsizetype take = qsizetype(qMin<qint64>(need, size - pos));
            m_payload.append(data + pos, take);
            pos += take;
            if (m_payload.size() < m_totalLen + 2)
                return true;
            if (m_payload[m_totalLen] != '\r' || m_payload[m_totalLen + 1] != '\n')
                return fail(QStringLiteral("message payload of %1 bytes is not followed by CRLF")
                                .arg(m_totalLen));
            m_state = State::ControlLine;
            emitMsg(QByteArrayView(m_payload.constData(), m_totalLen));
            continue;
        }

        const char* start = data + pos;
        const char* nl = static_cast<const char*>(std::memchr(start, '\n', size_t(size - pos)));
        if (!nl) {
            // Keep the partial line, but never more than the limit for its op.
            const qsizetype have = m_line.size() + (size - pos);
            QByteArrayView head =
                m_line.isEmpty() ? QByteArrayView(start, size - pos) : QByteArrayView(m_line);
            // The op may itself be split ("INF" + "O {..."): look at the first four bytes of
            // the line across what is kept and this chunk.
            char op[4];
            qsizetype k = 0;
            for (; k < 4 && k < m_line.size(); ++k)
                op[k] = m_line[k];
            for (qsizetype i = pos; k < 4 && i < size; ++i, ++k)
                op[k] = data[i];
            const bool info = k == 4 && equalsNoCase(QByteArrayView(op, 4), "info", 4);
            if (have > (info ? MaxInfoLine : MaxControlLine))
                return fail(QStringLiteral("control line longer than %1 bytes: '%2'")
                                .arg(info ? MaxInfoLine : MaxControlLine)
                                .arg(excerpt(head)));
            m_line.append(start, size - pos);
            return true;
        }
        const qsizetype lineLen = nl - start;
        pos += lineLen + 1;
        if (m_line.isEmpty()) {
            if (!processLine(QByteArrayView(start, lineLen), data, size, pos))
                return false;
        } else {
            m_line.append(start, lineLen);
            // processLine may keep views into the line (MSG args), so it works on a copy
            // of the bytes that survives until the args are copied out.
            QByteArray line;
            line.swap(m_line);
            const bool ok = processLine(line, data, size, pos);
            line.resize(0);
            m_line.swap(line); // keep the capacity for the next split line
            if (!ok)
                return false;
        }
    }
    return true;
}

bool Parser::processLine(QByteArrayView line, const char* data, qsizetype size, qsizetype& pos) {
    if (!line.isEmpty() && line.back() == '\r')
        line.chop(1);

    qsizetype opEnd = 0;
    while (opEnd < line.size() && !isBlank(line[opEnd]))
        ++opEnd;
    const QByteArrayView op = line.first(opEnd);
    const QByteArrayView args = line.sliced(opEnd);

    const bool isInfo = equalsNoCase(op, "info", 4);
    if (line.size() > (isInfo ? MaxInfoLine : MaxControlLine))
        return fail(QStringLiteral("control line longer than %1 bytes: '%2'")
                        .arg(isInfo ? MaxInfoLine : MaxControlLine)
                        .arg(excerpt(line)));

    if (equalsNoCase(op, "msg", 3) || equalsNoCase(op, "hmsg", 4)) {
        const bool withHeaders = op.size() == 4;
        if (!parseMsgArgs(args, withHeaders))
            return false;
        const qint64 frame = m_totalLen + 2;
        if (size - pos >= frame) {
            const char* p = data + pos;
            if (p[m_totalLen] != '\r' || p[m_totalLen + 1] != '\n')
                return fail(QStringLiteral("message payload of %1 bytes is not followed by CRLF")
                                .arg(m_totalLen));
            pos += qsizetype(frame);
            emitMsg(QByteArrayView(p, m_totalLen));
            return true;
        }
        // The payload is split across chunks: copy subject and reply out of the line,
        // which will not survive this call.
        m_args.resize(0);
        m_args.append(m_subject);
        m_args.append(m_reply);
        m_subject = QByteArrayView(m_args.constData(), m_subject.size());
        m_reply = QByteArrayView(m_args.constData() + m_subject.size(), m_reply.size());
        m_payload.resize(0);
        m_payload.reserve(qsizetype(frame));
        m_state = State::Payload;
        return true;
    }
    if (equalsNoCase(op, "ping", 4)) {
        if (!trimBlank(args).isEmpty())
            return fail(QStringLiteral("unexpected arguments after PING: '%1'").arg(excerpt(line)));
        m_handler->onPing();
        return true;
    }
    if (equalsNoCase(op, "pong", 4)) {
        if (!trimBlank(args).isEmpty())
            return fail(QStringLiteral("unexpected arguments after PONG: '%1'").arg(excerpt(line)));
        m_handler->onPong();
        return true;
    }
    if (equalsNoCase(op, "+ok", 3)) {
        m_handler->onOk();
        return true;
    }
    if (equalsNoCase(op, "-err", 4)) {
        m_handler->onErr(trimBlank(args));
        return true;
    }
    if (isInfo) {
        const QByteArrayView json = trimBlank(args);
        if (json.isEmpty() || json.front() != '{')
            return fail(QStringLiteral("INFO without a JSON object: '%1'").arg(excerpt(line)));
        m_handler->onInfo(json);
        return true;
    }
    if (line.isEmpty())
        return fail(QStringLiteral("empty control line"));
    return fail(QStringLiteral("unknown protocol operation '%1'").arg(excerpt(op)));
}

bool Parser::parseMsgArgs(QByteArrayView args, bool withHeaders) {
    QByteArrayView f[5];
    const int maxFields = withHeaders ? 5 : 4;
    const int n = splitFields(args, f, maxFields);
    const char* name = withHeaders ? "HMSG" : "MSG";
    const int minFields = withHeaders ? 4 : 3;
    if (n < minFields || n > maxFields)
        return fail(QStringLiteral("%1 with %2 arguments, expected %3 or %4: '%5'")
                        .arg(QLatin1String(name))
                        .arg(n > maxFields ? QStringLiteral("too many") : QString::number(n))
                        .arg(minFields)
                        .arg(maxFields)
                        .arg(excerpt(args)));
    m_subject = f[0];
    const qint64 sid = parseSize(f[1]);
    if (sid < 0)
        return fail(QStringLiteral("%1 with an invalid subscription id '%2'")
                        .arg(QLatin1String(name), excerpt(f[1])));
    m_sid = quint64(sid);
    const bool hasReply = n == maxFields;
    m_reply = hasReply ? f[2] : QByteArrayView();
    const int sizeIdx = hasReply ? 3 : 2;
    if (withHeaders) {
        m_hdrLen = parseSize(f[sizeIdx]);
        m_totalLen = parseSize(f[sizeIdx + 1]);
        if (m_hdrLen < 0 || m_totalLen < 0)
            return fail(QStringLiteral("HMSG with an invalid size: '%1'").arg(excerpt(args)));
        if (m_hdrLen > m_totalLen)
            return fail(QStringLiteral("HMSG header size %1 larger than total size %2")
                            .arg(m_hdrLen)
                            .arg(m_totalLen));
    } else {
        m_hdrLen = 0;
        m_totalLen = parseSize(f[sizeIdx]);
        if (m_totalLen < 0)
            return fail(QStringLiteral("MSG with an invalid size: '%1'").arg(excerpt(args)));
    }
    if (m_totalLen > m_maxPayload)
        return fail(QStringLiteral("%1 of %2 bytes exceeds the limit of %3 bytes")
                        .arg(QLatin1String(name))
                        .arg(m_totalLen)
                        .arg(m_maxPayload));
    return true;
}

void Parser::emitMsg(QByteArrayView body) {
    MsgView msg;
    msg.subject = m_subject;
    msg.reply = m_reply;
    msg.sid = m_sid;
    msg.headers = body.first(qsizetype(m_hdrLen));
    msg.payload = body.sliced(qsizetype(m_hdrLen));
    m_handler->onMsg(msg);
}

} // namespace jetdeck
