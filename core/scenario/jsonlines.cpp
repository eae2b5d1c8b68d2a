#include "jsonlines.h"

#include <cstring>

namespace jetdeck::scenario {

// --- where values are ----------------------------------------------------------------------

namespace {

class LineScanner {
public:
    LineScanner(const QByteArray& text, QHash<QString, int>* out)
        : m_t(text)
        , m_out(out) {}

    void run() {
        skipSpace();
        value(QString());
    }

private:
    void skipSpace() {
        while (m_i < m_t.size()) {
            const char c = m_t[m_i];
            if (c == '\n')
                ++m_line;
            else if (c != ' ' && c != '\t' && c != '\r')
                return;
            ++m_i;
        }
    }
    QString string() {
        // at the opening quote
        QByteArray raw;
        ++m_i;
        while (m_i < m_t.size() && m_t[m_i] != '"') {
            if (m_t[m_i] == '\\' && m_i + 1 < m_t.size()) {
                raw += m_t[m_i];
                ++m_i;
            }
            raw += m_t[m_i];
            ++m_i;
        }
        ++m_i;
        // Keys need their decoded form; the escape forms are rare in keys, so decode through
        // the JSON parser only when there is one.
        if (!raw.contains('\\'))
            return QString::fromUtf8(raw);
        const QByteArray quoted = '"' + raw + '"';
        const nlohmann::json d = json::parse(quoted);
        return d.is_string() ? QString::fromStdString(d.get_ref<const std::string&>()) : QString();
    }
    static QString escape(QString key) {
        key.replace(QLatin1Char('~'), QLatin1String("~0"));
        key.replace(QLatin1Char('/'), QLatin1String("~1"));
        return key;
    }
    void value(const QString& pointer) {
        if (m_i >= m_t.size())
            return;
        m_out->insert(pointer, m_line);
        const char c = m_t[m_i];
        if (c == '{') {
            ++m_i;
            skipSpace();
            while (m_i < m_t.size() && m_t[m_i] != '}') {
                if (m_t[m_i] != '"')
                    return; // not valid JSON: nothing more to learn
                const QString key = string();
                skipSpace();
                ++m_i; // ':'
                skipSpace();
                value(pointer + QLatin1Char('/') + escape(key));
                skipSpace();
                if (m_i < m_t.size() && m_t[m_i] == ',') {
                    ++m_i;
                    skipSpace();
                }
            }
            ++m_i;
        } else if (c == '[') {
            ++m_i;
            skipSpace();
            int n = 0;
            while (m_i < m_t.size() && m_t[m_i] != ']') {
                value(pointer + QLatin1Char('/') + QString::number(n++));
                skipSpace();
                if (m_i < m_t.size() && m_t[m_i] == ',') {
                    ++m_i;
                    skipSpace();
                }
            }
            ++m_i;
        } else if (c == '"') {
            string();
        } else {
            while (m_i < m_t.size() && !strchr(",]} \t\r\n", m_t[m_i]))
                ++m_i;
        }
    }

    const QByteArray& m_t;
    QHash<QString, int>* m_out;
    qsizetype m_i = 0;
    int m_line = 1;
};

} // namespace

JsonLines JsonLines::scan(const QByteArray& text) {
    JsonLines l;
    LineScanner(text, &l.m_lines).run();
    return l;
}

int JsonLines::line(const QString& pointer) const {
    QString p = pointer;
    for (;;) {
        auto it = m_lines.constFind(p);
        if (it != m_lines.constEnd())
            return it.value();
        if (p.isEmpty())
            return 0;
        p.truncate(p.lastIndexOf(QLatin1Char('/')));
    }
}

QPair<int, int> lineColumn(const QByteArray& text, qsizetype offset) {
    int line = 1;
    int column = 1;
    for (qsizetype i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

namespace {

/// Where nlohmann's parser stopped and why, from its SAX interface (which reports the error
/// instead of throwing it).
class SyntaxError : public nlohmann::json_sax<nlohmann::json> {
public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& ex) override {
        m_position = position;
        m_what = QString::fromUtf8(ex.what());
        return false;
    }

    std::size_t position() const { return m_position; }
    /// nlohmann's words without its "[json.exception...] parse error at line L, column C: ".
    QString what() const {
        const qsizetype at = m_what.indexOf(QLatin1String("parse error"));
        const qsizetype colon = m_what.indexOf(QLatin1String(": "), at < 0 ? 0 : at);
        return colon < 0 ? m_what : m_what.mid(colon + 2);
    }

private:
    std::size_t m_position = 0;
    QString m_what;
};

/// The offset of the first bracket nested deeper than `limit`, or -1.
qsizetype tooDeep(const QByteArray& text, int limit) {
    int depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return i;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return -1;
}

Error syntaxError(const QByteArray& text, const QString& where, qsizetype offset,
                  const QString& what) {
    const auto [line, column] = lineColumn(text, offset);
    return Error{
        ErrorKind::InvalidArgument,
        QStringLiteral("%1:%2:%3: not valid JSON: %4").arg(where).arg(line).arg(column).arg(what)};
}

} // namespace

Result<nlohmann::json> parseJsonText(const QByteArray& text, const QString& where) {
    if (const qsizetype at = tooDeep(text, kMaxJsonDepth); at >= 0)
        return syntaxError(text, where, at,
                           QStringLiteral("nested deeper than %1 levels").arg(kMaxJsonDepth));
    nlohmann::json doc = json::parse(text);
    if (!doc.is_discarded())
        return doc;
    SyntaxError e;
    nlohmann::json::sax_parse(text.begin(), text.end(), &e);
    QString what = e.what();
    // nlohmann checks UTF-8 and surrogate pairs: say so in plain words too.
    if (what.contains(QLatin1String("surrogate")) || what.contains(QLatin1String("UTF-8")))
        what = QStringLiteral("text that is not valid Unicode: ") + what;
    return syntaxError(text, where, qsizetype(e.position() > 0 ? e.position() - 1 : 0), what);
}

} // namespace jetdeck::scenario
