#include "scenario.h"
#include "core/protocol/json.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <cmath>

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

// --- names ----------------------------------------------------------------------------------

namespace {

struct FaultName {
    FaultKind kind;
    const char* name;
};
constexpr FaultName kFaultNames[] = {
    {FaultKind::ProxyDown, "proxy_down"},
    {FaultKind::Disconnect, "disconnect"},
    {FaultKind::StallReading, "stall_reading"},
    {FaultKind::MalformedLine, "malformed_line"},
    {FaultKind::KillServer, "kill_server"},
    {FaultKind::RestartServer, "restart_server"},
    {FaultKind::LameDuck, "lame_duck"},
    {FaultKind::StreamLeaderStepDown, "stream_leader_stepdown"},
    {FaultKind::ConsumerLeaderStepDown, "consumer_leader_stepdown"},
    {FaultKind::WithholdAcks, "withhold_acks"},
    {FaultKind::NakBurst, "nak_burst"},
    {FaultKind::Term, "term"},
};

struct CheckName {
    CheckKind kind;
    const char* name;
};
constexpr CheckName kCheckNames[] = {
    {CheckKind::Connected, "connected"},
    {CheckKind::Reconnects, "reconnects"},
    {CheckKind::NoMessageLost, "no_message_lost"},
    {CheckKind::ConsumerPending, "consumer_pending"},
    {CheckKind::Latency, "latency"},
    {CheckKind::Redeliveries, "redeliveries"},
    {CheckKind::Received, "received"},
    {CheckKind::Rate, "rate"},
    {CheckKind::Throughput, "throughput"},
    {CheckKind::StreamMessages, "stream_messages"},
};

QString joinNames(QStringList names) {
    return names.join(QStringLiteral(", "));
}

QString numberText(double d) {
    return QString::number(d, 'g', 15);
}

/// Levenshtein distance, for "did you mean" on a mistyped field.
int editDistance(const QString& a, const QString& b) {
    QList<int> prev(b.size() + 1), cur(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        prev[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        cur[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j)
            cur[j] = qMin(qMin(prev[j] + 1, cur[j - 1] + 1),
                          prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace

QString faultKindName(FaultKind k) {
    if (k == FaultKind::Toxic)
        return QStringLiteral("toxic");
    for (const FaultName& f : kFaultNames)
        if (f.kind == k)
            return QLatin1String(f.name);
    return {};
}

QString checkKindName(CheckKind k) {
    for (const CheckName& c : kCheckNames)
        if (c.kind == k)
            return QLatin1String(c.name);
    return {};
}

bool FaultStep::lasts() const {
    return kind == FaultKind::Toxic || kind == FaultKind::ProxyDown ||
           kind == FaultKind::StallReading || kind == FaultKind::KillServer;
}

QString Step::kindName() const {
    static const char* const names[] = {"publish", "await", "consume", "stop",
                                        "wait",    "fault", "clear",   "assert"};
    return QLatin1String(names[body.index()]);
}

// --- the parser -----------------------------------------------------------------------------

namespace {

/// Reads one JSON object of the file, remembering which keys were used so that anything
/// left over (a typo) is reported, and turning every problem into "file:line: field: ...".
class Reader {
public:
    Reader(const QJsonObject& o, QString pointer, QString label, const JsonLines* lines,
           const QString* file)
        : m_o(o)
        , m_pointer(std::move(pointer))
        , m_label(std::move(label))
        , m_lines(lines)
        , m_file(file) {}

    Error error(const QString& key, const QString& what) const {
        const QString ptr = key.isEmpty() ? m_pointer : m_pointer + QLatin1Char('/') + key;
        const int line = m_lines->line(ptr);
        QString where = m_file->isEmpty() ? QStringLiteral("scenario") : *m_file;
        if (line > 0)
            where += QLatin1Char(':') + QString::number(line);
        const QString field = key.isEmpty() ? m_label : m_label + QLatin1Char('.') + key;
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1: %2: %3").arg(where, field, what)};
    }
    int line() const { return m_lines->line(m_pointer); }
    bool has(const QString& key) {
        m_used.insert(key);
        return m_o.contains(key);
    }
    QJsonValue raw(const QString& key) {
        m_used.insert(key);
        return m_o.value(key);
    }

    Status string(const QString& key, QString* out, bool required = false) {
        const QJsonValue v = raw(key);
        if (v.isUndefined()) {
            if (required)
                return error(key, QStringLiteral("is required"));
            return {};
        }
        if (!v.isString())
            return error(key, QStringLiteral("must be a string"));
        *out = v.toString();
        if (required && out->isEmpty())
            return error(key, QStringLiteral("must not be empty"));
        return {};
    }
    template <typename T>
    Status integer(const QString& key, T* out, qint64 min,
                   qint64 max = std::numeric_limits<T>::max()) {
        const QJsonValue v = raw(key);
        if (v.isUndefined())
            return {};
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || d != std::floor(d))
            return error(key, QStringLiteral("must be a whole number"));
        if (d < double(min) || d > double(max))
            return error(
                key, max >= std::numeric_limits<qint32>::max()
                         ? QStringLiteral("must be at least %1, got %2").arg(min).arg(numberText(d))
                         : QStringLiteral("must be between %1 and %2, got %3")
                               .arg(min)
                               .arg(max)
                               .arg(numberText(d)));
        *out = T(d);
        return {};
    }
    Status number(const QString& key, double* out, double min, double max) {
        const QJsonValue v = raw(key);
        if (v.isUndefined())
            return {};
        if (!v.isDouble())
            return error(key, QStringLiteral("must be a number"));
        const double d = v.toDouble();
        if (d < min || d > max)
            return error(key, QStringLiteral("must be between %1 and %2, got %3")
                                  .arg(numberText(min), numberText(max), numberText(d)));
        *out = d;
        return {};
    }
    Status boolean(const QString& key, bool* out) {
        const QJsonValue v = raw(key);
        if (v.isUndefined())
            return {};
        if (!v.isBool())
            return error(key, QStringLiteral("must be true or false"));
        *out = v.toBool();
        return {};
    }
    /// A duration: a Go duration string ("500ms", "2s", "1m30s") or a number of milliseconds.
    Status duration(const QString& key, qint64* outMs, bool required = false) {
        const QJsonValue v = raw(key);
        if (v.isUndefined()) {
            if (required)
                return error(key, QStringLiteral("is required (a duration such as 500ms or 2s)"));
            return {};
        }
        if (v.isDouble() && v.toDouble() >= 0) {
            *outMs = qint64(v.toDouble());
            return {};
        }
        if (v.isString()) {
            auto ns = js::parseDurationNs(v.toString());
            if (ns && *ns >= 0) {
                *outMs = *ns / 1000000;
                return {};
            }
        }
        return error(key,
                     QStringLiteral("'%1' is not a duration such as 500ms, 2s or 1m")
                         .arg(v.isString()
                                  ? v.toString()
                                  : QString::fromUtf8(
                                        QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact))
                                        .mid(1)
                                        .chopped(1)));
    }
    /// Every key not read so far is a mistake.
    Status finish(const QStringList& extraAllowed = {}) const {
        for (auto it = m_o.begin(); it != m_o.end(); ++it) {
            if (m_used.contains(it.key()) || extraAllowed.contains(it.key()))
                continue;
            QStringList known(m_used.begin(), m_used.end());
            known += extraAllowed;
            known.sort();
            QString best;
            int bestDistance = 3; // suggest only near misses
            for (const QString& k : std::as_const(known)) {
                const int d = editDistance(it.key(), k);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k;
                }
            }
            if (!best.isEmpty())
                return error(it.key(),
                             QStringLiteral("unknown field; did you mean '%1'?").arg(best));
            return error(
                it.key(),
                QStringLiteral("unknown field (this object takes: %1)").arg(joinNames(known)));
        }
        return {};
    }
    const QJsonObject& object() const { return m_o; }
    const QString& pointer() const { return m_pointer; }

private:
    QJsonObject m_o;
    QString m_pointer;
    QString m_label;
    const JsonLines* m_lines;
    const QString* m_file;
    QSet<QString> m_used;
};

QString count(qint64 n) {
    QLocale l = QLocale::c();
    l.setNumberOptions({});
    return l.toString(n);
}

QString durationLabel(qint64 ms) {
    if (ms % 60000 == 0 && ms >= 60000)
        return QStringLiteral("%1m").arg(ms / 60000);
    if (ms % 1000 == 0 && ms >= 1000)
        return QStringLiteral("%1s").arg(ms / 1000);
    return QStringLiteral("%1ms").arg(ms);
}

/// Durations in stream and consumer objects may be written "2s" instead of nanoseconds.
void nanosFromDurations(QJsonObject& o, const QStringList& keys) {
    for (const QString& k : keys) {
        const QJsonValue v = o.value(k);
        if (v.isString()) {
            if (auto ns = js::parseDurationNs(v.toString()))
                o.insert(k, double(*ns));
        } else if (v.isArray()) {
            QJsonArray a = v.toArray();
            for (qsizetype i = 0; i < a.size(); ++i)
                if (a[i].isString())
                    if (auto ns = js::parseDurationNs(a[i].toString()))
                        a[i] = double(*ns);
            o.insert(k, a);
        }
    }
}

Result<PublishStep> readPublish(Reader& r) {
    PublishStep s;
    PublishPlan& p = s.plan;
    QString subject;
    if (Status e = r.string(QStringLiteral("subject"), &subject, true); !e.ok())
        return e;
    p.subject = subject.toUtf8();
    QString text;
    if (Status e = r.string(QStringLiteral("payload"), &text); !e.ok())
        return e;
    p.payload = text.toUtf8();
    if (Status e = r.integer(QStringLiteral("size"), &p.size, 0, 64 * 1024 * 1024); !e.ok())
        return e;
    QString mode = QStringLiteral("core");
    if (Status e = r.string(QStringLiteral("mode"), &mode); !e.ok())
        return e;
    const auto m = publishModeFromName(mode);
    if (!m)
        return r.error(QStringLiteral("mode"),
                       QStringLiteral("'%1' is not core, js-async or js-sync").arg(mode));
    p.mode = *m;
    p.count = 0;
    if (Status e = r.integer(QStringLiteral("count"), &p.count, 1); !e.ok())
        return e;
    if (Status e = r.duration(QStringLiteral("duration"), &p.durationMs); !e.ok())
        return e;
    if (p.count == 0 && p.durationMs == 0)
        return r.error(QString(), QStringLiteral("needs a count or a duration"));
    if (Status e = r.number(QStringLiteral("rate"), &p.rate, 0, 10'000'000); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("burst"), &p.burst, 1, 100000); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("window"), &p.jsWindow, 1, 1'000'000); !e.ok())
        return e;
    qint64 ms = p.ackTimeoutMs;
    if (Status e = r.duration(QStringLiteral("ack_timeout"), &ms); !e.ok())
        return e;
    p.ackTimeoutMs = int(ms);
    if (Status e = r.integer(QStringLiteral("retry_attempts"), &p.retryAttempts, 0, 100000);
        !e.ok())
        return e;
    ms = p.retryWaitMs;
    if (Status e = r.duration(QStringLiteral("retry_wait"), &ms); !e.ok())
        return e;
    p.retryWaitMs = int(ms);
    if (r.has(QStringLiteral("settle_timeout"))) {
        ms = 0;
        if (Status e = r.duration(QStringLiteral("settle_timeout"), &ms); !e.ok())
            return e;
        p.settleTimeoutMs = int(ms);
    }
    QString msgId;
    if (Status e = r.string(QStringLiteral("msg_id"), &msgId); !e.ok())
        return e;
    p.msgId = msgId.toUtf8();
    if (Status e = r.boolean(QStringLiteral("stamp_time"), &p.stampSentTime); !e.ok())
        return e;
    if (Status e = r.boolean(QStringLiteral("background"), &s.background); !e.ok())
        return e;
    const QJsonValue headers = r.raw(QStringLiteral("headers"));
    if (!headers.isUndefined()) {
        if (!headers.isObject())
            return r.error(QStringLiteral("headers"),
                           QStringLiteral("must be an object of \"Key\": \"value\""));
        const QJsonObject h = headers.toObject();
        for (auto it = h.begin(); it != h.end(); ++it) {
            const QByteArray key = it.key().toUtf8();
            if (!it.value().isString())
                return r.error(QStringLiteral("headers/") + it.key(),
                               QStringLiteral("must be a string"));
            const QByteArray value = it.value().toString().toUtf8();
            if (!Headers::isValidKey(key))
                return r.error(QStringLiteral("headers/") + it.key(),
                               QStringLiteral("is not a valid header name"));
            if (!Headers::isValidValue(value))
                return r.error(QStringLiteral("headers/") + it.key(),
                               QStringLiteral("the value has a line break or control character"));
            p.headers.append(key, value);
        }
    }
    if (Status e = p.validate(); !e.ok())
        return r.error(QString(), e.message);
    return s;
}

Result<FaultStep> readFault(Reader& r) {
    FaultStep f;
    QString type;
    if (Status e = r.string(QStringLiteral("type"), &type, true); !e.ok())
        return e;
    QStringList known;
    bool found = false;
    for (const FaultName& n : kFaultNames) {
        known << QLatin1String(n.name);
        if (type == QLatin1String(n.name)) {
            f.kind = n.kind;
            found = true;
        }
    }
    const auto toxicKind = faults::toxicKindFromName(type);
    if (toxicKind) {
        f.kind = FaultKind::Toxic;
        found = true;
    }
    if (!found)
        return r.error(QStringLiteral("type"),
                       QStringLiteral("'%1' is not a fault; faults: latency, bandwidth, timeout, "
                                      "reset_peer, slicer, limit_data, %2")
                           .arg(type, joinNames(known)));
    f.name = type;
    if (Status e = r.string(QStringLiteral("name"), &f.name); !e.ok())
        return e;
    if (Status e = r.duration(QStringLiteral("duration"), &f.durationMs); !e.ok())
        return e;
    switch (f.kind) {
    case FaultKind::Toxic: {
        faults::Toxic& t = f.toxic;
        t.name = f.name;
        t.kind = *toxicKind;
        QString dir = QStringLiteral("downstream");
        if (Status e = r.string(QStringLiteral("direction"), &dir); !e.ok())
            return e;
        const auto d = faults::directionFromName(dir);
        if (!d)
            return r.error(QStringLiteral("direction"),
                           QStringLiteral("'%1' is not upstream, downstream or both").arg(dir));
        t.direction = *d;
        if (Status e = r.number(QStringLiteral("toxicity"), &t.toxicity, 0, 1); !e.ok())
            return e;
        qint64 ms = 0;
        switch (t.kind) {
        case faults::ToxicKind::Latency:
            if (Status e = r.duration(QStringLiteral("latency"), &ms, true); !e.ok())
                return e;
            t.latencyMs = int(ms);
            ms = 0;
            if (Status e = r.duration(QStringLiteral("jitter"), &ms); !e.ok())
                return e;
            t.jitterMs = int(ms);
            break;
        case faults::ToxicKind::Bandwidth:
            if (!r.has(QStringLiteral("bytes_per_second")))
                return r.error(QStringLiteral("bytes_per_second"), QStringLiteral("is required"));
            if (Status e = r.integer(QStringLiteral("bytes_per_second"), &t.rateBytesPerSec, 1);
                !e.ok())
                return e;
            break;
        case faults::ToxicKind::Timeout:
        case faults::ToxicKind::ResetPeer:
            if (Status e = r.duration(QStringLiteral("after"), &ms); !e.ok())
                return e;
            t.timeoutMs = int(ms);
            break;
        case faults::ToxicKind::Slicer:
            t.sliceBytes = 16;
            if (Status e = r.integer(QStringLiteral("slice_bytes"), &t.sliceBytes, 1, 1 << 20);
                !e.ok())
                return e;
            if (Status e =
                    r.integer(QStringLiteral("slice_variation"), &t.sliceVariation, 0, 1 << 20);
                !e.ok())
                return e;
            if (Status e =
                    r.integer(QStringLiteral("slice_delay_us"), &t.sliceDelayUs, 0, 10'000'000);
                !e.ok())
                return e;
            break;
        case faults::ToxicKind::LimitData:
            if (!r.has(QStringLiteral("bytes")))
                return r.error(QStringLiteral("bytes"), QStringLiteral("is required"));
            if (Status e = r.integer(QStringLiteral("bytes"), &t.limitBytes, 1); !e.ok())
                return e;
            break;
        }
        if (Status e = t.validate(); !e.ok())
            return r.error(QString(), e.message);
        break;
    }
    case FaultKind::StallReading:
        if (f.durationMs <= 0)
            return r.error(QStringLiteral("duration"),
                           QStringLiteral("is required for stall_reading (for example \"3s\")"));
        break;
    case FaultKind::KillServer:
    case FaultKind::RestartServer:
    case FaultKind::LameDuck:
        if (Status e = r.integer(QStringLiteral("server"), &f.server, 1, 9); !e.ok())
            return e;
        break;
    case FaultKind::ConsumerLeaderStepDown:
        if (Status e = r.string(QStringLiteral("consumer"), &f.consumer, true); !e.ok())
            return e;
        [[fallthrough]];
    case FaultKind::StreamLeaderStepDown:
        if (Status e = r.string(QStringLiteral("stream"), &f.stream, true); !e.ok())
            return e;
        break;
    case FaultKind::WithholdAcks:
    case FaultKind::NakBurst:
    case FaultKind::Term:
        if (Status e = r.string(QStringLiteral("stream"), &f.stream, true); !e.ok())
            return e;
        if (Status e = r.string(QStringLiteral("consumer"), &f.consumer, true); !e.ok())
            return e;
        if (!r.has(QStringLiteral("count")))
            return r.error(QStringLiteral("count"), QStringLiteral("is required"));
        if (Status e = r.integer(QStringLiteral("count"), &f.count, 1, 100000); !e.ok())
            return e;
        if (Status e = r.duration(QStringLiteral("fetch_wait"), &f.fetchWaitMs); !e.ok())
            return e;
        if (f.kind == FaultKind::NakBurst)
            if (Status e = r.duration(QStringLiteral("nak_delay"), &f.nakDelayMs); !e.ok())
                return e;
        break;
    default:
        break;
    }
    if (f.durationMs > 0 && !f.lasts() && f.kind != FaultKind::StallReading)
        return r.error(QStringLiteral("duration"),
                       QStringLiteral("%1 happens at once and has no duration").arg(type));
    return f;
}

Result<AssertStep> readAssert(Reader& r) {
    AssertStep a;
    QString check;
    if (Status e = r.string(QStringLiteral("check"), &check, true); !e.ok())
        return e;
    QStringList known;
    bool found = false;
    for (const CheckName& n : kCheckNames) {
        known << QLatin1String(n.name);
        if (check == QLatin1String(n.name)) {
            a.kind = n.kind;
            found = true;
        }
    }
    if (!found)
        return r.error(
            QStringLiteral("check"),
            QStringLiteral("'%1' is not a check; checks: %2").arg(check, joinNames(known)));
    if (Status e = r.duration(QStringLiteral("within"), &a.withinMs); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("at_least"), &a.atLeast, 0); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("at_most"), &a.atMost, 0); !e.ok())
        return e;
    auto need = [&](const QString& key, QString* out) -> Status {
        return r.string(key, out, true);
    };
    auto needBound = [&]() -> Status {
        if (a.atLeast < 0 && a.atMost < 0)
            return r.error(QString(), QStringLiteral("%1 needs at_least or at_most").arg(check));
        return {};
    };
    switch (a.kind) {
    case CheckKind::Connected:
        if (a.withinMs <= 0)
            return r.error(QStringLiteral("within"), QStringLiteral("is required for connected"));
        break;
    case CheckKind::Reconnects:
        if (Status e = needBound(); !e.ok())
            return e;
        break;
    case CheckKind::NoMessageLost:
        if (Status e = need(QStringLiteral("publish"), &a.publish); !e.ok())
            return e;
        if (Status e = r.string(QStringLiteral("stream"), &a.stream); !e.ok())
            return e;
        if (Status e = r.string(QStringLiteral("worker"), &a.worker); !e.ok())
            return e;
        break;
    case CheckKind::ConsumerPending:
        if (Status e = need(QStringLiteral("stream"), &a.stream); !e.ok())
            return e;
        if (Status e = need(QStringLiteral("consumer"), &a.consumer); !e.ok())
            return e;
        if (a.atMost < 0)
            a.atMost = 0;
        break;
    case CheckKind::Latency: {
        if (Status e = need(QStringLiteral("publish"), &a.publish); !e.ok())
            return e;
        if (Status e = r.integer(QStringLiteral("percentile"), &a.percentile, 50, 999); !e.ok())
            return e;
        if (a.percentile != 50 && a.percentile != 90 && a.percentile != 95 && a.percentile != 99 &&
            a.percentile != 999)
            return r.error(QStringLiteral("percentile"),
                           QStringLiteral("must be 50, 90, 95, 99 or 999 (for 99.9)"));
        qint64 ms = 0;
        if (Status e = r.duration(QStringLiteral("below"), &ms, true); !e.ok())
            return e;
        a.belowUs = ms * 1000;
        break;
    }
    case CheckKind::Redeliveries:
    case CheckKind::Received:
        if (Status e = need(QStringLiteral("worker"), &a.worker); !e.ok())
            return e;
        if (Status e = needBound(); !e.ok())
            return e;
        break;
    case CheckKind::Rate:
        if (Status e = need(QStringLiteral("publish"), &a.publish); !e.ok())
            return e;
        a.percent = 2;
        if (Status e = r.number(QStringLiteral("percent"), &a.percent, 0, 100); !e.ok())
            return e;
        break;
    case CheckKind::Throughput:
        if (Status e = need(QStringLiteral("publish"), &a.publish); !e.ok())
            return e;
        if (a.atLeast < 0)
            return r.error(QStringLiteral("at_least"),
                           QStringLiteral("is required for throughput (messages per second)"));
        break;
    case CheckKind::StreamMessages:
        if (Status e = need(QStringLiteral("stream"), &a.stream); !e.ok())
            return e;
        if (Status e = needBound(); !e.ok())
            return e;
        break;
    }
    return a;
}

/// The earlier router's connection keys, into `o` (each only when the file has it).
Status readConnectionKeys(Reader& r, Options* o) {
    const std::pair<const char*, int*> millis[] = {
        {"reconnect_delay_ms", &o->reconnectDelayMs},
        {"max_reconnect_delay_ms", &o->maxReconnectDelayMs},
        {"pending_operation_timeout_ms", &o->pendingOperationTimeoutMs},
        {"ping_interval_ms", &o->pingIntervalMs},
        {"connect_timeout_ms", &o->connectTimeoutMs},
    };
    for (const auto& [key, field] : millis)
        if (Status e = r.integer(QLatin1String(key), field, 1, 3'600'000); !e.ok())
            return e;
    if (Status e =
            r.integer(QStringLiteral("reconnect_attempts"), &o->reconnectAttempts, -1, 1'000'000);
        !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("max_pending_operations"), &o->maxPendingOperations, 0,
                             10'000'000);
        !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("max_pings_out"), &o->maxPingsOut, 1, 100); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("reconnect_jitter_percent"), &o->reconnectJitterPercent,
                             0, 100);
        !e.ok())
        return e;
    return r.boolean(QStringLiteral("fail_open_mode"), &o->failOpenMode);
}

QString titleOf(const Step& s) {
    return std::visit(
        [&](const auto& b) -> QString {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, PublishStep>) {
                const PublishPlan& p = b.plan;
                QString t = QStringLiteral("publish ");
                t += p.count > 0 ? count(p.count)
                                 : durationLabel(p.durationMs) + QStringLiteral(" of");
                t += QStringLiteral(" %1 on %2")
                         .arg(publishModeName(p.mode), QString::fromUtf8(p.subject));
                if (p.rate > 0)
                    t += QStringLiteral(" at %1/s").arg(count(qint64(p.rate)));
                if (b.background)
                    t += QStringLiteral(" (background)");
                return t;
            } else if constexpr (std::is_same_v<T, AwaitStep>) {
                return b.names.isEmpty()
                           ? QStringLiteral("await every background publish")
                           : QStringLiteral("await %1").arg(b.names.join(QStringLiteral(", ")));
            } else if constexpr (std::is_same_v<T, ConsumeStep>) {
                QString t = QStringLiteral("consume %1 > %2").arg(b.stream, b.consumer);
                if (b.nakPercent > 0)
                    t += QStringLiteral(" (NAK %1%)").arg(b.nakPercent);
                return t;
            } else if constexpr (std::is_same_v<T, StopStep>) {
                return QStringLiteral("stop worker %1").arg(b.worker);
            } else if constexpr (std::is_same_v<T, WaitStep>) {
                return QStringLiteral("wait %1").arg(durationLabel(b.ms));
            } else if constexpr (std::is_same_v<T, FaultStep>) {
                QString t = QStringLiteral("fault ");
                switch (b.kind) {
                case FaultKind::Toxic:
                    t += QStringLiteral("%1 (%2)").arg(faults::toxicKindName(b.toxic.kind),
                                                       faults::directionName(b.toxic.direction));
                    if (b.toxic.kind == faults::ToxicKind::Latency)
                        t += QStringLiteral(" %1").arg(durationLabel(b.toxic.latencyMs));
                    break;
                case FaultKind::KillServer:
                case FaultKind::RestartServer:
                case FaultKind::LameDuck:
                    t += QStringLiteral("%1 server %2").arg(faultKindName(b.kind)).arg(b.server);
                    break;
                case FaultKind::StreamLeaderStepDown:
                    t += QStringLiteral("stream leader step-down %1").arg(b.stream);
                    break;
                case FaultKind::ConsumerLeaderStepDown:
                    t += QStringLiteral("consumer leader step-down %1 > %2")
                             .arg(b.stream, b.consumer);
                    break;
                case FaultKind::WithholdAcks:
                case FaultKind::NakBurst:
                case FaultKind::Term:
                    t += QStringLiteral("%1 %2 on %3 > %4")
                             .arg(faultKindName(b.kind))
                             .arg(b.count)
                             .arg(b.stream, b.consumer);
                    break;
                default:
                    t += faultKindName(b.kind);
                }
                if (b.durationMs > 0)
                    t += QStringLiteral(" for %1").arg(durationLabel(b.durationMs));
                return t;
            } else if constexpr (std::is_same_v<T, ClearStep>) {
                return QStringLiteral("clear %1").arg(b.name);
            } else {
                QString t = QStringLiteral("assert ") + checkKindName(b.kind);
                const QString what = !b.publish.isEmpty()  ? b.publish
                                     : !b.worker.isEmpty() ? b.worker
                                     : !b.consumer.isEmpty()
                                         ? b.stream + QStringLiteral(" > ") + b.consumer
                                         : b.stream;
                if (!what.isEmpty())
                    t += QLatin1Char(' ') + what;
                if (b.kind == CheckKind::Latency)
                    t += QStringLiteral(" P%1 < %2")
                             .arg(b.percentile == 999 ? QStringLiteral("99.9")
                                                      : QString::number(b.percentile),
                                  durationLabel(b.belowUs / 1000));
                if (b.atLeast >= 0)
                    t += QStringLiteral(" >= %1").arg(b.atLeast);
                if (b.atMost >= 0)
                    t += QStringLiteral(" <= %1").arg(b.atMost);
                if (b.kind == CheckKind::Rate)
                    t += QStringLiteral(" within %1%").arg(b.percent);
                if (b.withinMs > 0)
                    t += QStringLiteral(" within %1").arg(durationLabel(b.withinMs));
                return t;
            }
        },
        s.body);
}

/// Qt's JSON reads a lone surrogate escape; written out again it is not UTF-8 and nlohmann
/// refuses it.
const QString kNotUnicode = QStringLiteral(
    "holds text that is not valid Unicode (a lone surrogate escape such as \\ud800?)");
} // namespace

Result<Scenario> Scenario::parse(const QByteArray& text, const QString& file) {
    const QString where = file.isEmpty() ? QStringLiteral("scenario") : file;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError) {
        const auto [line, column] = lineColumn(text, pe.offset);
        return Error{ErrorKind::InvalidArgument, QStringLiteral("%1:%2:%3: not valid JSON: %4")
                                                     .arg(where)
                                                     .arg(line)
                                                     .arg(column)
                                                     .arg(pe.errorString())};
    }
    if (!doc.isObject())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1:1: a scenario is a JSON object with \"steps\"").arg(where)};
    const JsonLines lines = JsonLines::scan(text);
    Scenario sc;
    sc.file = file;
    Reader top(doc.object(), QString(), QStringLiteral("scenario"), &lines, &where);
    if (Status e = top.string(QStringLiteral("name"), &sc.name); !e.ok())
        return e;
    if (sc.name.isEmpty())
        sc.name = QFileInfo(file).completeBaseName();
    if (Status e = top.string(QStringLiteral("description"), &sc.description); !e.ok())
        return e;
    if (Status e = top.boolean(QStringLiteral("cleanup"), &sc.cleanup); !e.ok())
        return e;

    const QJsonValue servers = top.raw(QStringLiteral("servers"));
    if (!servers.isUndefined()) {
        if (!servers.isObject())
            return top.error(QStringLiteral("servers"),
                             QStringLiteral("must be an object such as {\"count\": 3}"));
        Reader r(servers.toObject(), QStringLiteral("/servers"), QStringLiteral("servers"), &lines,
                 &where);
        if (Status e = r.integer(QStringLiteral("count"), &sc.servers.count, 1, 5); !e.ok())
            return e;
        if (sc.servers.count == 2)
            return r.error(QStringLiteral("count"),
                           QStringLiteral("a JetStream cluster needs 3 to 5 servers; 2 cannot "
                                          "elect a leader after a loss"));
        if (Status e = r.boolean(QStringLiteral("jetstream"), &sc.servers.jetstream); !e.ok())
            return e;
        if (Status e = r.finish(); !e.ok())
            return e;
    }

    const QJsonValue conn = top.raw(QStringLiteral("connection"));
    if (!conn.isUndefined()) {
        if (!conn.isObject())
            return top.error(QStringLiteral("connection"), QStringLiteral("must be an object"));
        Reader r(conn.toObject(), QStringLiteral("/connection"), QStringLiteral("connection"),
                 &lines, &where);
        if (Status e = r.boolean(QStringLiteral("proxy"), &sc.proxy); !e.ok())
            return e;
        Options probe; // the values are applied later, to the run's own options
        if (Status e = readConnectionKeys(r, &probe); !e.ok())
            return e;
        if (Status e = r.finish(); !e.ok())
            return e;
        sc.connection = conn.toObject();
        sc.connection.remove(QStringLiteral("proxy"));
    }

    const QJsonValue streams = top.raw(QStringLiteral("streams"));
    if (!streams.isUndefined()) {
        if (!streams.isArray())
            return top.error(QStringLiteral("streams"),
                             QStringLiteral("must be a list of stream configurations"));
        const QJsonArray a = streams.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            const QString ptr = QStringLiteral("/streams/%1").arg(i);
            Reader r(a[i].toObject(), ptr, QStringLiteral("streams[%1]").arg(i), &lines, &where);
            if (!a[i].isObject())
                return r.error(QString(), QStringLiteral("must be an object"));
            QJsonObject o = a[i].toObject();
            nanosFromDurations(o, {QStringLiteral("max_age"), QStringLiteral("duplicate_window")});
            if (!o.contains(QStringLiteral("num_replicas")) && sc.servers.count >= 3)
                o.insert(QStringLiteral("num_replicas"), 3);
            const nlohmann::json j = json::parse(QJsonDocument(o).toJson(QJsonDocument::Compact));
            if (j.is_discarded())
                return r.error(QString(), kNotUnicode);
            auto cfg = js::StreamConfig::fromJson(j);
            if (!cfg)
                return r.error(QString(), cfg.error().message);
            if (Status e = cfg.value().validate(); !e.ok())
                return r.error(QString(), e.message);
            sc.streams << cfg.value();
        }
    }

    const QJsonValue consumers = top.raw(QStringLiteral("consumers"));
    if (!consumers.isUndefined()) {
        if (!consumers.isArray())
            return top.error(QStringLiteral("consumers"),
                             QStringLiteral("must be a list of {\"stream\": ..., consumer "
                                            "configuration}"));
        const QJsonArray a = consumers.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            const QString ptr = QStringLiteral("/consumers/%1").arg(i);
            Reader r(a[i].toObject(), ptr, QStringLiteral("consumers[%1]").arg(i), &lines, &where);
            if (!a[i].isObject())
                return r.error(QString(), QStringLiteral("must be an object"));
            QString stream;
            if (Status e = r.string(QStringLiteral("stream"), &stream, true); !e.ok())
                return e;
            QJsonObject o = a[i].toObject();
            o.remove(QStringLiteral("stream"));
            nanosFromDurations(o, {QStringLiteral("ack_wait"), QStringLiteral("backoff"),
                                   QStringLiteral("idle_heartbeat"),
                                   QStringLiteral("inactive_threshold")});
            const nlohmann::json j = json::parse(QJsonDocument(o).toJson(QJsonDocument::Compact));
            if (j.is_discarded())
                return r.error(QString(), kNotUnicode);
            auto cfg = js::ConsumerConfig::fromJson(j);
            if (!cfg)
                return r.error(QString(), cfg.error().message);
            if (cfg.value().durableName.isEmpty() && cfg.value().name.isEmpty())
                return r.error(QStringLiteral("durable_name"),
                               QStringLiteral("is required: scenario consumers are durable"));
            if (Status e = cfg.value().validate(); !e.ok())
                return r.error(QString(), e.message);
            sc.consumers.append({stream, cfg.value()});
        }
    }

    const QJsonValue steps = top.raw(QStringLiteral("steps"));
    if (!steps.isArray() || steps.toArray().isEmpty())
        return top.error(QStringLiteral("steps"), QStringLiteral("is required: a list of steps"));
    if (Status e = top.finish(); !e.ok())
        return e;

    const QJsonArray a = steps.toArray();
    QSet<QString> publishes, workers, faultNames;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QString ptr = QStringLiteral("/steps/%1").arg(i);
        const QString label = QStringLiteral("steps[%1]").arg(i);
        Reader r(a[i].toObject(), ptr, label, &lines, &where);
        if (!a[i].isObject())
            return r.error(QString(), QStringLiteral("must be an object with \"step\""));
        Step s;
        s.index = int(i);
        s.line = r.line();
        QString kind;
        if (Status e = r.string(QStringLiteral("step"), &kind, true); !e.ok())
            return e;
        if (Status e = r.string(QStringLiteral("name"), &s.name); !e.ok())
            return e;
        if (kind == QLatin1String("publish")) {
            auto p = readPublish(r);
            if (!p)
                return p.error();
            if (!s.name.isEmpty())
                publishes.insert(s.name);
            s.body = p.value();
        } else if (kind == QLatin1String("await")) {
            AwaitStep w;
            const QJsonValue v = r.raw(QStringLiteral("publish"));
            if (v.isString())
                w.names << v.toString();
            else if (v.isArray())
                for (const QJsonValue& n : v.toArray())
                    w.names << n.toString();
            else if (!v.isUndefined())
                return r.error(QStringLiteral("publish"),
                               QStringLiteral("must be a publish step's name or a list of them"));
            for (const QString& n : std::as_const(w.names))
                if (!publishes.contains(n))
                    return r.error(QStringLiteral("publish"),
                                   QStringLiteral("no earlier publish step is named '%1'").arg(n));
            if (Status e = r.duration(QStringLiteral("timeout"), &w.timeoutMs); !e.ok())
                return e;
            s.body = w;
        } else if (kind == QLatin1String("consume")) {
            ConsumeStep c;
            if (Status e = r.string(QStringLiteral("stream"), &c.stream, true); !e.ok())
                return e;
            if (Status e = r.string(QStringLiteral("consumer"), &c.consumer, true); !e.ok())
                return e;
            if (Status e = r.integer(QStringLiteral("nak_percent"), &c.nakPercent, 0, 100); !e.ok())
                return e;
            if (Status e = r.integer(QStringLiteral("batch"), &c.batch, 1, 10000); !e.ok())
                return e;
            if (s.name.isEmpty())
                s.name = c.consumer;
            if (workers.contains(s.name))
                return r.error(
                    QStringLiteral("name"),
                    QStringLiteral("a worker named '%1' is already running").arg(s.name));
            workers.insert(s.name);
            s.body = c;
        } else if (kind == QLatin1String("stop")) {
            StopStep st;
            if (Status e = r.string(QStringLiteral("worker"), &st.worker, true); !e.ok())
                return e;
            if (!workers.contains(st.worker))
                return r.error(
                    QStringLiteral("worker"),
                    QStringLiteral("no earlier consume step is named '%1'").arg(st.worker));
            s.body = st;
        } else if (kind == QLatin1String("wait")) {
            WaitStep w;
            if (Status e = r.duration(QStringLiteral("duration"), &w.ms, true); !e.ok())
                return e;
            s.body = w;
        } else if (kind == QLatin1String("fault")) {
            auto f = readFault(r);
            if (!f)
                return f.error();
            if (f.value().kind == FaultKind::Toxic || f.value().kind == FaultKind::ProxyDown)
                if (!sc.proxy)
                    return r.error(QStringLiteral("type"),
                                   QStringLiteral("%1 acts in the fault proxy: set \"proxy\": true "
                                                  "in \"connection\"")
                                       .arg(f.value().name));
            if ((f.value().kind == FaultKind::KillServer ||
                 f.value().kind == FaultKind::RestartServer ||
                 f.value().kind == FaultKind::LameDuck) &&
                f.value().server > sc.servers.count)
                return r.error(QStringLiteral("server"),
                               QStringLiteral("server %1 does not exist: the scenario starts %2")
                                   .arg(f.value().server)
                                   .arg(sc.servers.count));
            faultNames.insert(f.value().name);
            s.body = f.value();
        } else if (kind == QLatin1String("clear")) {
            ClearStep c;
            if (Status e = r.string(QStringLiteral("fault"), &c.name, true); !e.ok())
                return e;
            if (c.name != QLatin1String("all") && !faultNames.contains(c.name))
                return r.error(QStringLiteral("fault"),
                               QStringLiteral("no earlier fault is named '%1'").arg(c.name));
            s.body = c;
        } else if (kind == QLatin1String("assert")) {
            auto c = readAssert(r);
            if (!c)
                return c.error();
            if (!c.value().publish.isEmpty() && !publishes.contains(c.value().publish))
                return r.error(
                    QStringLiteral("publish"),
                    QStringLiteral("no earlier publish step is named '%1'").arg(c.value().publish));
            if (!c.value().worker.isEmpty() && !workers.contains(c.value().worker))
                return r.error(
                    QStringLiteral("worker"),
                    QStringLiteral("no earlier consume step is named '%1'").arg(c.value().worker));
            s.body = c.value();
        } else {
            return r.error(QStringLiteral("step"),
                           QStringLiteral("'%1' is not a step; steps: publish, await, consume, "
                                          "stop, wait, fault, clear, assert")
                               .arg(kind));
        }
        if (Status e = r.finish(); !e.ok())
            return e;
        s.title = titleOf(s);
        sc.steps << s;
    }
    return sc;
}

QString Scenario::ForeignTarget::text() const {
    return QStringLiteral("step %1 (line %2): %3 on %4")
        .arg(step + 1)
        .arg(line)
        .arg(action, consumer.isEmpty() ? QStringLiteral("stream %1").arg(stream)
                                        : QStringLiteral("%1 > %2").arg(stream, consumer));
}

QList<Scenario::ForeignTarget> Scenario::foreignTargets() const {
    auto ownStream = [&](const QString& s) {
        return std::any_of(streams.cbegin(), streams.cend(),
                           [&](const js::StreamConfig& c) { return c.name == s; });
    };
    auto ownConsumer = [&](const QString& s, const QString& c) {
        return std::any_of(consumers.cbegin(), consumers.cend(), [&](const auto& p) {
            const QString n = p.second.durableName.isEmpty() ? p.second.name : p.second.durableName;
            return p.first == s && n == c;
        });
    };
    QList<ForeignTarget> out;
    for (const Step& step : steps) {
        ForeignTarget t;
        t.step = step.index;
        t.line = step.line;
        if (const auto* c = std::get_if<ConsumeStep>(&step.body)) {
            // A worker acks and NAKs: on a shared durable it takes deliveries from the real
            // workers, on a work-queue stream its acks delete messages.
            t.action = QStringLiteral("consume");
            t.stream = c->stream;
            t.consumer = c->consumer;
        } else if (const auto* f = std::get_if<FaultStep>(&step.body)) {
            switch (f->kind) {
            case FaultKind::StreamLeaderStepDown:
            case FaultKind::ConsumerLeaderStepDown:
            case FaultKind::WithholdAcks:
            case FaultKind::NakBurst:
            case FaultKind::Term:
                t.action = faultKindName(f->kind);
                t.stream = f->stream;
                t.consumer = f->kind == FaultKind::StreamLeaderStepDown ? QString() : f->consumer;
                break;
            default:
                continue;
            }
        } else {
            continue;
        }
        const bool own =
            ownStream(t.stream) && (t.consumer.isEmpty() || ownConsumer(t.stream, t.consumer));
        if (!own)
            out << t;
    }
    return out;
}

Result<Scenario> Scenario::load(const QString& path) {
    const QString resolved = resolveScenarioPath(path);
    QFile f(resolved);
    if (!f.open(QIODevice::ReadOnly))
        return Error{ErrorKind::Io,
                     QStringLiteral("cannot read scenario %1: %2").arg(path, f.errorString())};
    if (f.size() > 4 * 1024 * 1024)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("%1: a scenario file over 4 MiB is not a scenario").arg(path)};
    return parse(f.readAll(), path);
}

Result<Options> Scenario::connectionOptions(Options base) const {
    // Checked when the file was read; the same reader applies them here.
    const JsonLines none;
    const QString where;
    Reader r(connection, QString(), QStringLiteral("connection"), &none, &where);
    if (Status e = readConnectionKeys(r, &base); !e.ok())
        return e;
    base.allowReconnect = true;
    base.retryOnFailedConnect = true;
    return base;
}

bool Scenario::needsOwnServers() const {
    for (const Step& s : steps)
        if (const auto* f = std::get_if<FaultStep>(&s.body))
            if (f->kind == FaultKind::KillServer || f->kind == FaultKind::RestartServer ||
                f->kind == FaultKind::LameDuck)
                return true;
    return false;
}

QStringList builtinScenarios() {
    QStringList out;
    for (const QString& f : QDir(QStringLiteral(":/scenarios"))
                                .entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        out << f.chopped(5);
    return out;
}

QString resolveScenarioPath(const QString& nameOrPath) {
    if (!nameOrPath.contains(QLatin1Char('/')) && !nameOrPath.endsWith(QLatin1String(".json")) &&
        builtinScenarios().contains(nameOrPath))
        return QStringLiteral(":/scenarios/%1.json").arg(nameOrPath);
    return nameOrPath;
}

} // namespace jetdeck::scenario
