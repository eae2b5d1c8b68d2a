#include "headers.h"

namespace jetdeck {

namespace {
constexpr QByteArrayView kVersion = "NATS/1.0";

bool isSpace(char c) {
    return c == ' ' || c == '\t';
}

QByteArrayView trimmed(QByteArrayView v) {
    while (!v.isEmpty() && isSpace(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && isSpace(v.back()))
        v.chop(1);
    return v;
}
} // namespace

bool Headers::parse(QByteArrayView block) {
    m_status = status::None;
    m_description.clear();
    m_entries.clear();

    qsizetype eol = block.indexOf("\r\n");
    if (eol < 0)
        return false;
    QByteArrayView first = block.first(eol);
    if (!first.startsWith(kVersion))
        return false;
    QByteArrayView rest = trimmed(first.sliced(kVersion.size()));
    if (!rest.isEmpty()) {
        // A status line: three digits, then an optional description.
        if (rest.size() < 3)
            return false;
        int code = 0;
        for (int i = 0; i < 3; ++i) {
            char c = rest[i];
            if (c < '0' || c > '9')
                return false;
            code = code * 10 + (c - '0');
        }
        if (rest.size() > 3 && !isSpace(rest[3]))
            return false;
        m_status = code;
        m_description = trimmed(rest.sliced(3)).toByteArray();
    }

    qsizetype pos = eol + 2;
    while (pos < block.size()) {
        qsizetype next = block.indexOf("\r\n", pos);
        if (next < 0) {
            m_entries.clear();
            m_status = status::None;
            m_description.clear();
            return false;
        }
        QByteArrayView line = block.sliced(pos, next - pos);
        pos = next + 2;
        if (line.isEmpty())
            break; // end of the block
        qsizetype colon = line.indexOf(':');
        // No key, or one of blanks only ("  : x"): not a header (found by fuzz_headers).
        if (colon <= 0 || trimmed(line.first(colon)).isEmpty()) {
            m_entries.clear();
            m_status = status::None;
            m_description.clear();
            return false;
        }
        m_entries.append({trimmed(line.first(colon)).toByteArray(),
                          trimmed(line.sliced(colon + 1)).toByteArray()});
    }
    return true;
}

Headers Headers::fromBlock(QByteArrayView block, bool* ok) {
    Headers h;
    bool good = h.parse(block);
    if (ok)
        *ok = good;
    return h;
}

qsizetype Headers::blockSize() const {
    qsizetype n = kVersion.size() + 2;
    if (m_status != status::None) {
        n += 4; // " 503"
        if (!m_description.isEmpty())
            n += 1 + m_description.size();
    }
    for (const Entry& e : m_entries)
        n += e.first.size() + 2 + e.second.size() + 2;
    return n + 2;
}

void Headers::appendTo(QByteArray& out) const {
    out.append(kVersion);
    if (m_status != status::None) {
        char code[4] = {' ', char('0' + (m_status / 100) % 10), char('0' + (m_status / 10) % 10),
                        char('0' + m_status % 10)};
        out.append(code, 4);
        if (!m_description.isEmpty()) {
            out.append(' ');
            out.append(m_description);
        }
    }
    out.append("\r\n");
    for (const Entry& e : m_entries) {
        out.append(e.first);
        out.append(": ");
        out.append(e.second);
        out.append("\r\n");
    }
    out.append("\r\n");
}

QByteArray Headers::toBlock() const {
    QByteArray out;
    out.reserve(blockSize());
    appendTo(out);
    return out;
}

QByteArray Headers::value(QByteArrayView key) const {
    for (const Entry& e : m_entries)
        if (e.first == key)
            return e.second;
    for (const Entry& e : m_entries)
        if (QByteArrayView(e.first).compare(key, Qt::CaseInsensitive) == 0)
            return e.second;
    return {};
}

QList<QByteArray> Headers::values(QByteArrayView key) const {
    QList<QByteArray> out;
    for (const Entry& e : m_entries)
        if (QByteArrayView(e.first).compare(key, Qt::CaseInsensitive) == 0)
            out.append(e.second);
    return out;
}

bool Headers::contains(QByteArrayView key) const {
    for (const Entry& e : m_entries)
        if (QByteArrayView(e.first).compare(key, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

void Headers::append(QByteArray key, QByteArray value) {
    m_entries.append({std::move(key), std::move(value)});
}

void Headers::set(QByteArray key, QByteArray value) {
    remove(key);
    append(std::move(key), std::move(value));
}

void Headers::remove(QByteArrayView key) {
    m_entries.removeIf([key](const Entry& e) {
        return QByteArrayView(e.first).compare(key, Qt::CaseInsensitive) == 0;
    });
}

bool Headers::isValidKey(QByteArrayView key) {
    if (key.isEmpty())
        return false;
    for (char c : key) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u == 127 || c == ':')
            return false;
    }
    return true;
}

bool Headers::isValidValue(QByteArrayView value) {
    for (char c : value)
        if (c == '\r' || c == '\n')
            return false;
    return true;
}

qint64 sentTimestampUs(QByteArrayView block) {
    if (block.isEmpty())
        return 0;
    constexpr QByteArrayView key("\r\nJetDeck-Sent-Us:");
    qsizetype i = block.indexOf(key);
    if (i < 0)
        return 0;
    i += key.size();
    while (i < block.size() && block[i] == ' ')
        ++i;
    qint64 v = 0;
    int digits = 0;
    for (; i < block.size() && block[i] >= '0' && block[i] <= '9' && digits < 18; ++i, ++digits)
        v = v * 10 + (block[i] - '0');
    return digits > 0 && (i >= block.size() || block[i] == '\r') ? v : 0;
}

} // namespace jetdeck
