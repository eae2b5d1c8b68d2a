#include "jsonlines.h"

#include <QJsonArray>
#include <QJsonDocument>

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
        const QJsonDocument d = QJsonDocument::fromJson("[\"" + raw + "\"]");
        return d.array().at(0).toString();
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

} // namespace jetdeck::scenario
