#include "jscommon.h"
#include "core/protocol/json.h"

#include "jsinternal.h"

#include <QTimeZone>

#include <array>
#include <cmath>
#include <limits>

namespace jetdeck::js {

using detail::FieldReader;

namespace {

template <typename E, size_t N>
std::optional<E> lookup(QStringView s, const std::array<std::pair<E, const char*>, N>& names) {
    for (const auto& [value, name] : names) {
        if (s.compare(QLatin1String(name), Qt::CaseInsensitive) == 0)
            return value;
    }
    return std::nullopt;
}

template <typename E, size_t N>
QString nameOf(E value, const std::array<std::pair<E, const char*>, N>& names) {
    for (const auto& [v, name] : names) {
        if (v == value)
            return QString::fromLatin1(name);
    }
    return QString();
}

constexpr std::array<std::pair<RetentionPolicy, const char*>, 3> kRetention{{
    {RetentionPolicy::Limits, "limits"},
    {RetentionPolicy::Interest, "interest"},
    {RetentionPolicy::WorkQueue, "workqueue"},
}};
constexpr std::array<std::pair<StorageType, const char*>, 2> kStorage{{
    {StorageType::File, "file"},
    {StorageType::Memory, "memory"},
}};
constexpr std::array<std::pair<DiscardPolicy, const char*>, 2> kDiscard{{
    {DiscardPolicy::Old, "old"},
    {DiscardPolicy::New, "new"},
}};
constexpr std::array<std::pair<DeliverPolicy, const char*>, 6> kDeliver{{
    {DeliverPolicy::All, "all"},
    {DeliverPolicy::Last, "last"},
    {DeliverPolicy::New, "new"},
    {DeliverPolicy::ByStartSequence, "by_start_sequence"},
    {DeliverPolicy::ByStartTime, "by_start_time"},
    {DeliverPolicy::LastPerSubject, "last_per_subject"},
}};
constexpr std::array<std::pair<AckPolicy, const char*>, 3> kAck{{
    {AckPolicy::None, "none"},
    {AckPolicy::All, "all"},
    {AckPolicy::Explicit, "explicit"},
}};
constexpr std::array<std::pair<ReplayPolicy, const char*>, 2> kReplay{{
    {ReplayPolicy::Instant, "instant"},
    {ReplayPolicy::Original, "original"},
}};

} // namespace

QString toString(RetentionPolicy p) {
    return nameOf(p, kRetention);
}
QString toString(StorageType s) {
    return nameOf(s, kStorage);
}
QString toString(DiscardPolicy d) {
    return nameOf(d, kDiscard);
}
QString toString(DeliverPolicy d) {
    return nameOf(d, kDeliver);
}
QString toString(AckPolicy a) {
    return nameOf(a, kAck);
}
QString toString(ReplayPolicy r) {
    return nameOf(r, kReplay);
}

std::optional<RetentionPolicy> parseRetentionPolicy(QStringView s) {
    return lookup(s, kRetention);
}
std::optional<StorageType> parseStorageType(QStringView s) {
    return lookup(s, kStorage);
}
std::optional<DiscardPolicy> parseDiscardPolicy(QStringView s) {
    return lookup(s, kDiscard);
}
std::optional<DeliverPolicy> parseDeliverPolicy(QStringView s) {
    return lookup(s, kDeliver);
}
std::optional<AckPolicy> parseAckPolicy(QStringView s) {
    return lookup(s, kAck);
}
std::optional<ReplayPolicy> parseReplayPolicy(QStringView s) {
    return lookup(s, kReplay);
}

// ---- times -------------------------------------------------------------------------------

QString toRfc3339Nano(const QDateTime& t) {
    if (!t.isValid())
        return QString();
    const QDateTime u = t.toUTC();
    const QDate d = u.date();
    const QTime tm = u.time();
    const QLatin1Char zero('0');
    // The six zeros are appended, not in the pattern: "%7000000" would read as placeholder %70.
    return QStringLiteral("%1-%2-%3T%4:%5:%6.%7")
               .arg(d.year(), 4, 10, zero)
               .arg(d.month(), 2, 10, zero)
               .arg(d.day(), 2, 10, zero)
               .arg(tm.hour(), 2, 10, zero)
               .arg(tm.minute(), 2, 10, zero)
               .arg(tm.second(), 2, 10, zero)
               .arg(tm.msec(), 3, 10, zero) +
           QStringLiteral("000000Z");
}

namespace {

// Reads exactly `n` decimal digits at `pos`; -1 when they are not there.
int digits(QStringView s, qsizetype& pos, int n) {
    if (pos + n > s.size())
        return -1;
    int v = 0;
    for (int i = 0; i < n; ++i) {
        const QChar c = s[pos + i];
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return -1;
        v = v * 10 + (c.unicode() - '0');
    }
    pos += n;
    return v;
}

bool expect(QStringView s, qsizetype& pos, char c) {
    if (pos < s.size() && s[pos] == QLatin1Char(c)) {
        ++pos;
        return true;
    }
    return false;
}

} // namespace

QDateTime fromRfc3339Nano(QStringView s) {
    qsizetype pos = 0;
    const int year = digits(s, pos, 4);
    if (year < 0 || !expect(s, pos, '-'))
        return {};
    const int month = digits(s, pos, 2);
    if (month < 0 || !expect(s, pos, '-'))
        return {};
    const int day = digits(s, pos, 2);
    if (day < 0)
        return {};
    if (!(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' ')))
        return {};
    const int hour = digits(s, pos, 2);
    if (hour < 0 || !expect(s, pos, ':'))
        return {};
    const int minute = digits(s, pos, 2);
    if (minute < 0 || !expect(s, pos, ':'))
        return {};
    const int second = digits(s, pos, 2);
    if (second < 0)
        return {};
    int msec = 0;
    if (expect(s, pos, '.') || expect(s, pos, ',')) {
        int n = 0;
        while (pos < s.size() && s[pos].isDigit() && s[pos].unicode() < 128) {
            // Only milliseconds survive in a QDateTime; the rest is read and dropped.
            if (n < 3)
                msec = msec * 10 + (s[pos].unicode() - '0');
            ++n;
            ++pos;
        }
        if (n == 0)
            return {};
        for (int i = n; i < 3; ++i)
            msec *= 10;
    }
    int offsetSecs = 0;
    if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
        // UTC
    } else if (pos < s.size() && (s[pos] == QLatin1Char('+') || s[pos] == QLatin1Char('-'))) {
        const int sign = s[pos] == QLatin1Char('-') ? -1 : 1;
        ++pos;
        const int oh = digits(s, pos, 2);
        if (oh < 0 || oh > 23 || !expect(s, pos, ':'))
            return {};
        const int om = digits(s, pos, 2);
        if (om < 0 || om > 59)
            return {};
        offsetSecs = sign * (oh * 3600 + om * 60);
    } else {
        return {};
    }
    if (pos != s.size())
        return {};
    const QDate date(year, month, day);
    const QTime time(hour, minute, second, msec);
    if (!date.isValid() || !time.isValid())
        return {};
    // toUTC() so that timeSpec() says Qt::UTC on every Qt 6 version.
    const QDateTime t = QDateTime(date, time, QTimeZone::utc()).addSecs(-offsetSecs).toUTC();
    // Go's zero time.Time is how the server says "never".
    if (t.date() == QDate(1, 1, 1) && t.time() == QTime(0, 0))
        return {};
    return t;
}

// ---- durations ---------------------------------------------------------------------------

namespace {

constexpr quint64 kNs = 1;
constexpr quint64 kUs = 1000 * kNs;
constexpr quint64 kMs = 1000 * kUs;
constexpr quint64 kSec = 1000 * kMs;
constexpr quint64 kMin = 60 * kSec;
constexpr quint64 kHour = 60 * kMin;

// "1.5" for value 1500 in units of 1000: whole part, then the fraction without trailing zeros.
QString withFraction(quint64 value, quint64 unit) {
    QString out = QString::number(value / unit);
    quint64 frac = value % unit;
    if (frac == 0)
        return out;
    int width = 0;
    for (quint64 u = unit; u > 1; u /= 10)
        ++width;
    QString f = QStringLiteral("%1").arg(frac, width, 10, QLatin1Char('0'));
    while (f.endsWith(QLatin1Char('0')))
        f.chop(1);
    return out + QLatin1Char('.') + f;
}

} // namespace

QString formatDurationNs(qint64 ns) {
    if (ns == 0)
        return QStringLiteral("0s");
    const bool negative = ns < 0;
    // Magnitude as unsigned so that INT64_MIN does not overflow.
    const quint64 u = negative ? quint64(0) - static_cast<quint64>(ns) : static_cast<quint64>(ns);
    QString out;
    if (u < kUs) {
        out = QString::number(u) + QStringLiteral("ns");
    } else if (u < kMs) {
        out = withFraction(u, kUs) + QStringView(u"\u00B5s");
    } else if (u < kSec) {
        out = withFraction(u, kMs) + QStringLiteral("ms");
    } else {
        const quint64 hours = u / kHour;
        const quint64 minutes = (u % kHour) / kMin;
        const QString secs = withFraction(u % kMin, kSec) + QLatin1Char('s');
        if (hours > 0)
            out = QString::number(hours) + QLatin1Char('h') + QString::number(minutes) +
                  QLatin1Char('m') + secs;
        else if (minutes > 0)
            out = QString::number(minutes) + QLatin1Char('m') + secs;
        else
            out = secs;
    }
    return negative ? QLatin1Char('-') + out : out;
}

std::optional<qint64> parseDurationNs(QStringView s) {
    bool negative = false;
    if (!s.isEmpty() && (s.front() == QLatin1Char('-') || s.front() == QLatin1Char('+'))) {
        negative = s.front() == QLatin1Char('-');
        s = s.sliced(1);
    }
    if (s == QLatin1String("0"))
        return 0;
    if (s.isEmpty())
        return std::nullopt;
    // Accumulate the magnitude up to 2^63 so that the most negative value still parses.
    constexpr quint64 limit = quint64(1) << 63;
    quint64 total = 0;
    qsizetype i = 0;
    const auto isDigit = [&](qsizetype at) {
        return at < s.size() && s[at] >= QLatin1Char('0') && s[at] <= QLatin1Char('9');
    };
    while (i < s.size()) {
        quint64 whole = 0;
        const qsizetype wholeStart = i;
        bool overflow = false;
        while (isDigit(i)) {
            const quint64 d = s[i].unicode() - '0';
            if (whole > (limit - d) / 10)
                overflow = true;
            else
                whole = whole * 10 + d;
            ++i;
        }
        if (overflow)
            return std::nullopt;
        const bool hadWhole = i > wholeStart;
        // The fraction as digits over a power of ten; digits past 18 cannot matter.
        quint64 fracDigits = 0;
        long double fracScale = 1;
        bool hadFraction = false;
        if (i < s.size() && s[i] == QLatin1Char('.')) {
            ++i;
            while (isDigit(i)) {
                if (fracDigits < quint64(100'000'000'000'000'000)) {
                    fracDigits = fracDigits * 10 + (s[i].unicode() - '0');
                    fracScale *= 10;
                }
                hadFraction = true;
                ++i;
            }
        }
        if (!hadWhole && !hadFraction)
            return std::nullopt;
        const qsizetype unitStart = i;
        while (i < s.size() && s[i] != QLatin1Char('.') && !isDigit(i))
            ++i;
        const QStringView unitText = s.sliced(unitStart, i - unitStart);
        quint64 unit = 0;
        if (unitText == QLatin1String("ns"))
            unit = kNs;
        else if (unitText == QLatin1String("us") || unitText == QStringView(u"\u00B5s") ||
                 unitText == QStringView(u"\u03BCs"))
            unit = kUs;
        else if (unitText == QLatin1String("ms"))
            unit = kMs;
        else if (unitText == QLatin1String("s"))
            unit = kSec;
        else if (unitText == QLatin1String("m"))
            unit = kMin;
        else if (unitText == QLatin1String("h"))
            unit = kHour;
        else
            return std::nullopt; // missing or unknown unit
        if (whole > limit / unit)
            return std::nullopt;
        quint64 part = whole * unit;
        if (hadFraction) {
            // unit / scale first: exact for the usual cases ("1.5s", "16.854775807s").
            const long double extra = std::floor(static_cast<long double>(fracDigits) *
                                                 (static_cast<long double>(unit) / fracScale));
            part += static_cast<quint64>(extra);
            if (part > limit)
                return std::nullopt;
        }
        if (total > limit - part)
            return std::nullopt;
        total += part;
    }
    if (negative)
        return total == limit ? std::numeric_limits<qint64>::min() : -static_cast<qint64>(total);
    if (total == limit)
        return std::nullopt;
    return static_cast<qint64>(total);
}

// ---- names -------------------------------------------------------------------------------

Status validateName(const QString& name, const QString& what) {
    constexpr qsizetype maxBytes = 255; // JSMaxNameLen: names become file names
    if (name.isEmpty())
        return {ErrorKind::InvalidArgument, what + QStringLiteral(" is empty")};
    const qsizetype bytes = name.toUtf8().size();
    if (bytes > maxBytes)
        return {ErrorKind::InvalidArgument, QStringLiteral("%1 is %2 bytes long, the limit is %3")
                                                .arg(what)
                                                .arg(bytes)
                                                .arg(maxBytes)};
    for (const QChar c : name) {
        if (c.isSpace() || c.unicode() < 32 || c.unicode() == 127)
            return {ErrorKind::InvalidArgument,
                    QStringLiteral("%1 '%2' can not contain whitespace or control characters")
                        .arg(what, name)};
        // '.', '*' and '>' would break the API subjects; '/' and '\\' the server's file names.
        if (c == QLatin1Char('.') || c == QLatin1Char('*') || c == QLatin1Char('>') ||
            c == QLatin1Char('/') || c == QLatin1Char('\\'))
            return {ErrorKind::InvalidArgument,
                    QStringLiteral("%1 '%2' can not contain '%3' (no '.', '*', '>', '/' or '\\')")
                        .arg(what, name, QString(c))};
    }
    return {};
}

// ---- small responses ---------------------------------------------------------------------

namespace detail {

Result<ClusterInfo> readCluster(const nlohmann::json& j, const QString& path, ErrorKind kind) {
    if (!j.is_object())
        return notAnObject(path, j, kind);
    ClusterInfo c;
    FieldReader r(j, path, kind);
    r.str("name", c.name);
    r.str("leader", c.leader);
    if (const nlohmann::json* reps = r.array("replicas")) {
        int index = 0;
        for (const nlohmann::json& p : *reps) {
            const QString ppath = QStringLiteral("%1.replicas[%2]").arg(path).arg(index++);
            if (!p.is_object())
                return notAnObject(ppath, p, kind);
            PeerInfo peer;
            FieldReader pr(p, ppath, kind);
            pr.str("name", peer.name);
            pr.boolean("current", peer.current);
            pr.boolean("offline", peer.offline);
            pr.i64("active", peer.activeNs);
            pr.u64("lag", peer.lag);
            if (!pr.ok())
                return pr.error();
            c.replicas.append(peer);
        }
    }
    if (!r.ok())
        return r.error();
    return c;
}

} // namespace detail

Result<ClusterInfo> ClusterInfo::fromJson(const nlohmann::json& j) {
    return detail::readCluster(j, QStringLiteral("cluster"), ErrorKind::Protocol);
}

Result<AccountInfo> AccountInfo::fromJson(const nlohmann::json& j) {
    if (const Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object())
        return detail::notAnObject(QStringLiteral("account info"), j, ErrorKind::Protocol);
    AccountInfo a;
    FieldReader r(j, QString(), ErrorKind::Protocol);
    r.u64("memory", a.memory);
    r.u64("storage", a.storage);
    r.i32("streams", a.streams);
    r.i32("consumers", a.consumers);
    r.str("domain", a.domain);
    if (const nlohmann::json* l = r.object("limits")) {
        FieldReader lr(*l, QStringLiteral("limits"), ErrorKind::Protocol);
        lr.i64("max_memory", a.limits.maxMemory);
        lr.i64("max_storage", a.limits.maxStorage);
        lr.i32("max_streams", a.limits.maxStreams);
        lr.i32("max_consumers", a.limits.maxConsumers);
        lr.i32("max_ack_pending", a.limits.maxAckPending);
        r.adopt(lr.error());
    }
    if (const nlohmann::json* api = r.object("api")) {
        FieldReader ar(*api, QStringLiteral("api"), ErrorKind::Protocol);
        ar.u64("total", a.api.total);
        ar.u64("errors", a.api.errors);
        ar.i32("level", a.api.level);
        r.adopt(ar.error());
    }
    if (!r.ok())
        return r.error();
    return a;
}

Result<PubAck> PubAck::fromJson(const nlohmann::json& j) {
    if (const Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object())
        return detail::notAnObject(QStringLiteral("publish acknowledgement"), j,
                                   ErrorKind::Protocol);
    PubAck a;
    FieldReader r(j, QString(), ErrorKind::Protocol);
    r.str("stream", a.stream);
    r.u64("seq", a.seq);
    r.boolean("duplicate", a.duplicate);
    r.str("domain", a.domain);
    if (!r.ok())
        return r.error();
    // A plain NATS responder on a stream's subject answers with something else entirely.
    if (a.stream.isEmpty())
        return Error(ErrorKind::Protocol,
                     QStringLiteral("the reply is not a JetStream publish acknowledgement: %1")
                         .arg(QString::fromStdString(json::dump(j)).left(200)));
    return a;
}

// ---- errors ------------------------------------------------------------------------------

namespace {

ErrorKind kindForErrCode(int errCode) {
    switch (errCode) {
    case 10059: // stream not found
    case 10014: // consumer not found
    case 10037: // no message found
    case 10043: // sequence not found
    case 10149: // consumer does not exist (update of a missing consumer)
    case 10068: // template not found
        return ErrorKind::NotFound;
    case 10058: // stream name already in use with a different configuration
    case 10013: // consumer name already in use
    case 10148: // consumer already exists (create with a different configuration)
    case 10105: // consumer already exists and is still active
    case 10130: // stream name already in use, cannot restore
        return ErrorKind::AlreadyExists;
    case 10076: // JetStream not enabled
    case 10039: // JetStream not enabled for account
        return ErrorKind::JetStreamNotEnabled;
    case 10071: // wrong last sequence: {seq}
    case 10070: // wrong last msg ID: {id}
    case 10164: // wrong last sequence
        return ErrorKind::WrongLastSequence;
    default:
        return ErrorKind::JetStream;
    }
}

QString hintFor(int errCode) {
    switch (errCode) {
    case 10076:
        return QStringLiteral("start nats-server with -js or a jetstream block");
    case 10039:
        return QStringLiteral("the account has no JetStream limits on this server");
    case 10058:
        return QStringLiteral("a stream of that name exists; update it instead");
    case 10148:
        return QStringLiteral("a consumer of that name exists; update it instead");
    case 10074:
        return QStringLiteral("this server is not part of a JetStream cluster; use 1 replica");
    default:
        return QString();
    }
}

} // namespace

Error apiError(const nlohmann::json& response) {
    if (!response.is_object())
        return {};
    const auto it = response.find("error");
    if (it == response.end() || it->is_null())
        return {};
    const nlohmann::json& e = *it;
    int code = 0;
    int errCode = 0;
    QString description;
    if (e.is_object()) {
        FieldReader r(e, QStringLiteral("error"), ErrorKind::Protocol);
        r.i32("code", code);
        r.i32("err_code", errCode);
        r.str("description", description);
    } else if (e.is_string()) {
        description = QString::fromStdString(e.get<std::string>());
    }
    if (description.isEmpty())
        description = code ? QStringLiteral("JetStream API error %1").arg(code)
                           : QStringLiteral("JetStream API error");
    const QString hint = hintFor(errCode);
    Error err(kindForErrCode(errCode),
              hint.isEmpty() ? description
                             : description + QStringLiteral(" (") + hint + QLatin1Char(')'),
              description.toUtf8());
    err.apiCode = code;
    err.apiErrCode = errCode;
    return err;
}

Result<nlohmann::json> parseApiResponse(QByteArrayView payload) {
    const auto excerpt = [&] {
        QString s = QString::fromUtf8(payload.first(qMin<qsizetype>(payload.size(), 120)));
        for (QChar& c : s) {
            if (c.unicode() < 32)
                c = QLatin1Char(' ');
        }
        return payload.size() > 120 ? s + QStringLiteral("...") : s;
    };
    if (payload.isEmpty())
        return Error(ErrorKind::Protocol, QStringLiteral("empty JetStream API response"));
    nlohmann::json j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
    if (j.is_discarded())
        return Error(ErrorKind::Protocol,
                     QStringLiteral("JetStream API response is not valid JSON: %1").arg(excerpt()));
    if (!j.is_object())
        return Error(
            ErrorKind::Protocol,
            QStringLiteral("JetStream API response is not a JSON object: %1").arg(excerpt()));
    if (Error e = apiError(j); !e.ok())
        return e;
    return j;
}

} // namespace jetdeck::js
