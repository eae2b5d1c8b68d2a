#include "frames.h"

#include "headers.h"

#include <cstring>

namespace jetdeck::frames {

int decimalDigits(quint64 v) {
    // Sizes are small: compare against powers of ten instead of dividing.
    int n = 1;
    for (quint64 p = 10; n < 20 && v >= p; p *= 10)
        ++n;
    return n;
}

char* writeDecimal(char* p, quint64 v) {
    if (v < 10) {
        *p = char('0' + v);
        return p + 1;
    }
    char tmp[20];
    int i = 20;
    do {
        tmp[--i] = char('0' + v % 10);
        v /= 10;
    } while (v);
    const int n = 20 - i;
    std::memcpy(p, tmp + i, size_t(n));
    return p + n;
}

void appendDecimal(QByteArray& out, quint64 v) {
    char buf[24];
    char* end = writeDecimal(buf, v);
    out.append(buf, end - buf);
}

bool parseDecimal(QByteArrayView v, quint64* out) {
    if (v.isEmpty() || v.size() > 20)
        return false;
    constexpr quint64 kMax = ~quint64(0);
    quint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return false;
        const quint64 digit = quint64(c - '0');
        if (n > (kMax - digit) / 10)
            return false; // 20 digits above 2^64 - 1
        n = n * 10 + digit;
    }
    *out = n;
    return true;
}

namespace {

/// Grows out by n bytes and returns where to write them.
inline char* grow(QByteArray& out, qsizetype n) {
    const qsizetype old = out.size();
    out.resize(old + n);
    return out.data() + old;
}

inline char* put(char* p, QByteArrayView v) {
    if (!v.isEmpty())
        std::memcpy(p, v.data(), size_t(v.size()));
    return p + v.size();
}

} // namespace

qsizetype pubSize(QByteArrayView subject, QByteArrayView reply, qsizetype payloadSize) {
    return 4 + subject.size() + 1 + (reply.isEmpty() ? 0 : reply.size() + 1) +
           decimalDigits(quint64(payloadSize)) + 2 + payloadSize + 2;
}

void appendPub(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
               QByteArrayView payload) {
    // The size is formatted once, backwards into a small buffer; the frame is then laid out
    // with one resize and plain copies.
    char num[20];
    char* digits = num + sizeof num;
    quint64 v = quint64(payload.size());
    do {
        *--digits = char('0' + v % 10);
        v /= 10;
    } while (v);
    const qsizetype nd = num + sizeof num - digits;
    const qsizetype n = 4 + subject.size() + 1 + (reply.isEmpty() ? 0 : reply.size() + 1) + nd + 2 +
                        payload.size() + 2;
    char* p = grow(out, n);
    p = put(p, "PUB ");
    p = put(p, subject);
    *p++ = ' ';
    if (!reply.isEmpty()) {
        p = put(p, reply);
        *p++ = ' ';
    }
    p = put(p, QByteArrayView(digits, nd));
    *p++ = '\r';
    *p++ = '\n';
    p = put(p, payload);
    *p++ = '\r';
    *p = '\n';
}

void appendHpub(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
                QByteArrayView headerBlock, QByteArrayView payload) {
    const quint64 hdr = quint64(headerBlock.size());
    const quint64 total = hdr + quint64(payload.size());
    const qsizetype n = 5 + subject.size() + 1 + (reply.isEmpty() ? 0 : reply.size() + 1) +
                        decimalDigits(hdr) + 1 + decimalDigits(total) + 2 + qsizetype(total) + 2;
    char* p = grow(out, n);
    p = put(p, "HPUB ");
    p = put(p, subject);
    *p++ = ' ';
    if (!reply.isEmpty()) {
        p = put(p, reply);
        *p++ = ' ';
    }
    p = writeDecimal(p, hdr);
    *p++ = ' ';
    p = writeDecimal(p, total);
    *p++ = '\r';
    *p++ = '\n';
    p = put(p, headerBlock);
    p = put(p, payload);
    *p++ = '\r';
    *p = '\n';
}

void appendHpub(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
                const Headers& headers, QByteArrayView payload) {
    appendHpub(out, subject, reply, headers.toBlock(), payload);
}

void appendPubHead(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
                   qsizetype headerBytes, qsizetype payloadBytes) {
    const bool hpub = headerBytes > 0;
    const quint64 total = quint64(headerBytes) + quint64(payloadBytes);
    const qsizetype n =
        (hpub ? 5 : 4) + subject.size() + 1 + (reply.isEmpty() ? 0 : reply.size() + 1) +
        (hpub ? decimalDigits(quint64(headerBytes)) + 1 : 0) + decimalDigits(total) + 2;
    char* p = grow(out, n);
    p = put(p, hpub ? QByteArrayView("HPUB ") : QByteArrayView("PUB "));
    p = put(p, subject);
    *p++ = ' ';
    if (!reply.isEmpty()) {
        p = put(p, reply);
        *p++ = ' ';
    }
    if (hpub) {
        p = writeDecimal(p, quint64(headerBytes));
        *p++ = ' ';
    }
    p = writeDecimal(p, total);
    *p++ = '\r';
    *p = '\n';
}

void appendSub(QByteArray& out, QByteArrayView subject, QByteArrayView queue, quint64 sid) {
    out.append("SUB ");
    out.append(subject);
    out.append(' ');
    if (!queue.isEmpty()) {
        out.append(queue);
        out.append(' ');
    }
    appendDecimal(out, sid);
    out.append("\r\n");
}

void appendUnsub(QByteArray& out, quint64 sid, quint64 max) {
    out.append("UNSUB ");
    appendDecimal(out, sid);
    if (max > 0) {
        out.append(' ');
        appendDecimal(out, max);
    }
    out.append("\r\n");
}

} // namespace jetdeck::frames
