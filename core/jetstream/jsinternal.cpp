#include "jsinternal.h"
#include "core/protocol/json.h"

#include "jscommon.h"
#include <QMetaObject>
#include <QObject>
#include <QThread>

#include "core/protocol/subject.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace jetdeck::js::detail {

QString typeName(const nlohmann::json& v) {
    if (v.is_boolean())
        return QStringLiteral("boolean");
    if (v.is_number_float())
        return QStringLiteral("fractional number");
    if (v.is_number())
        return QStringLiteral("number");
    return QString::fromLatin1(v.type_name());
}

Error notAnObject(const QString& what, const nlohmann::json& v, ErrorKind kind) {
    return {kind, QStringLiteral("%1: expected a JSON object, got %2").arg(what, typeName(v))};
}

FieldReader::FieldReader(const nlohmann::json& object, QString path, ErrorKind kind)
    : m_obj(object)
    , m_path(std::move(path))
    , m_kind(kind) {}

QString FieldReader::pathOf(const char* key) const {
    const QString k = QString::fromLatin1(key);
    return m_path.isEmpty() ? k : m_path + QLatin1Char('.') + k;
}

void FieldReader::adopt(const Error& error) {
    if (m_error.ok() && !error.ok())
        m_error = error;
}

void FieldReader::fail(const char* key, const QString& what) {
    adopt(Error(m_kind, QStringLiteral("invalid field %1: %2").arg(pathOf(key), what)));
}

void FieldReader::typeError(const char* key, const char* expected, const nlohmann::json& got) {
    fail(key,
         QStringLiteral("expected %1, got %2").arg(QString::fromLatin1(expected), typeName(got)));
}

const nlohmann::json* FieldReader::field(const char* key) {
    if (!ok() || !m_obj.is_object())
        return nullptr;
    const auto it = m_obj.find(key);
    if (it == m_obj.end() || it->is_null())
        return nullptr;
    return &*it;
}

void FieldReader::str(const char* key, QString& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_string())
        return typeError(key, "a string", *v);
    out = QString::fromStdString(v->get<std::string>());
}

void FieldReader::strList(const char* key, QStringList& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_array())
        return typeError(key, "an array of strings", *v);
    QStringList list;
    for (const nlohmann::json& e : *v) {
        if (!e.is_string())
            return fail(key, QStringLiteral("expected an array of strings, found a %1 element")
                                 .arg(typeName(e)));
        list.append(QString::fromStdString(e.get<std::string>()));
    }
    out = std::move(list);
}

void FieldReader::strMap(const char* key, QMap<QString, QString>& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_object())
        return typeError(key, "an object of strings", *v);
    QMap<QString, QString> map;
    for (auto it = v->begin(); it != v->end(); ++it) {
        if (!it.value().is_string())
            return fail(key, QStringLiteral("value of \"%1\" is a %2, expected a string")
                                 .arg(QString::fromStdString(it.key()), typeName(it.value())));
        map.insert(QString::fromStdString(it.key()),
                   QString::fromStdString(it.value().get<std::string>()));
    }
    out = std::move(map);
}

void FieldReader::boolean(const char* key, bool& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_boolean())
        return typeError(key, "true or false", *v);
    out = v->get<bool>();
}

namespace {

std::optional<qint64> asInt64(const nlohmann::json& v) {
    return json::toInt64(v);
}

std::optional<quint64> asUInt64(const nlohmann::json& v) {
    return json::toUInt64(v);
}

} // namespace

void FieldReader::i64(const char* key, qint64& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_number())
        return typeError(key, "an integer", *v);
    if (const auto i = asInt64(*v))
        out = *i;
    else
        fail(key,
             QStringLiteral("%1 is not a 64-bit integer").arg(QString::fromStdString(v->dump())));
}

void FieldReader::u64(const char* key, quint64& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_number())
        return typeError(key, "an unsigned integer", *v);
    if (const auto u = asUInt64(*v))
        out = *u;
    else
        fail(key, QStringLiteral("%1 is not an unsigned 64-bit integer")
                      .arg(QString::fromStdString(v->dump())));
}

void FieldReader::i32(const char* key, int& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_number())
        return typeError(key, "an integer", *v);
    const auto i = asInt64(*v);
    if (i && *i >= std::numeric_limits<int>::min() && *i <= std::numeric_limits<int>::max())
        out = static_cast<int>(*i);
    else
        fail(key,
             QStringLiteral("%1 is not a 32-bit integer").arg(QString::fromStdString(v->dump())));
}

void FieldReader::i64List(const char* key, QList<qint64>& out) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_array())
        return typeError(key, "an array of integers", *v);
    QList<qint64> list;
    for (const nlohmann::json& e : *v) {
        const auto i = e.is_number() ? asInt64(e) : std::nullopt;
        if (!i)
            return fail(key, QStringLiteral("expected an array of integers, found %1")
                                 .arg(QString::fromStdString(json::dump(e))));
        list.append(*i);
    }
    out = std::move(list);
}

namespace {

// True when the fraction of an RFC 3339 time has a non-zero digit past the milliseconds.
bool hasSubMillisecondDigits(QStringView text) {
    const qsizetype dot = text.indexOf(QLatin1Char('.'));
    if (dot < 0)
        return false;
    for (qsizetype i = dot + 4; i < text.size() && text[i].isDigit(); ++i) {
        if (text[i] != QLatin1Char('0'))
            return true;
    }
    return false;
}

} // namespace

void FieldReader::time(const char* key, QDateTime& out, QString* raw) {
    const nlohmann::json* v = field(key);
    if (!v)
        return;
    if (!v->is_string())
        return typeError(key, "an RFC 3339 time string", *v);
    const QString text = QString::fromStdString(v->get<std::string>());
    const QDateTime t = fromRfc3339Nano(text);
    // fromRfc3339Nano folds Go's zero time and garbage into "invalid"; only garbage is an error.
    if (!t.isValid() && !text.startsWith(QLatin1String("0001-01-01T00:00:00")))
        return fail(key, QStringLiteral("\"%1\" is not an RFC 3339 time").arg(text));
    out = t;
    // Only text with precision the QDateTime lost is worth keeping.
    if (raw)
        *raw = t.isValid() && hasSubMillisecondDigits(text) ? text : QString();
}

const nlohmann::json* FieldReader::object(const char* key) {
    const nlohmann::json* v = field(key);
    if (!v)
        return nullptr;
    if (!v->is_object()) {
        typeError(key, "an object", *v);
        return nullptr;
    }
    return v;
}

const nlohmann::json* FieldReader::array(const char* key) {
    const nlohmann::json* v = field(key);
    if (!v)
        return nullptr;
    if (!v->is_array()) {
        typeError(key, "an array", *v);
        return nullptr;
    }
    return v;
}

nlohmann::json unknownMembers(const nlohmann::json& object,
                              std::initializer_list<const char*> known) {
    nlohmann::json extra = nlohmann::json::object();
    if (!object.is_object())
        return extra;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const bool isKnown =
            std::any_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; });
        if (!isKnown)
            extra[it.key()] = it.value();
    }
    return extra;
}

void mergeExtra(nlohmann::json& out, const nlohmann::json& extra) {
    if (!extra.is_object())
        return;
    for (auto it = extra.begin(); it != extra.end(); ++it)
        out[it.key()] = it.value();
}

std::string utf8(const QString& s) {
    return s.toStdString();
}

std::string timeText(const QDateTime& t, const QString& raw) {
    if (!raw.isEmpty() && fromRfc3339Nano(raw) == t)
        return utf8(raw);
    return utf8(toRfc3339Nano(t));
}

namespace {

QList<QStringView> tokens(QStringView subject) {
    QList<QStringView> out;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= subject.size(); ++i) {
        if (i == subject.size() || subject[i] == QLatin1Char('.')) {
            out.append(subject.sliced(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

bool isFwc(QStringView t) {
    return t == QLatin1String(">");
}

bool isPwc(QStringView t) {
    return t == QLatin1String("*");
}

} // namespace

bool subjectsCollide(QStringView a, QStringView b) {
    const QList<QStringView> ta = tokens(a);
    const QList<QStringView> tb = tokens(b);
    const qsizetype n = qMin(ta.size(), tb.size());
    for (qsizetype i = 0; i < n; ++i) {
        // Both still have a token here, so a '>' on either side takes the rest of the other.
        if (isFwc(ta[i]) || isFwc(tb[i]))
            return true;
        if (isPwc(ta[i]) || isPwc(tb[i]))
            continue;
        if (ta[i] != tb[i])
            return false;
    }
    return ta.size() == tb.size();
}

bool subjectIsSubset(QStringView subset, QStringView of) {
    const QList<QStringView> ts = tokens(subset);
    const QList<QStringView> to = tokens(of);
    for (qsizetype i = 0; i < to.size(); ++i) {
        if (isFwc(to[i]))
            return ts.size() > i;
        if (i >= ts.size() || isFwc(ts[i]))
            return false;
        if (isPwc(to[i]))
            continue;
        if (isPwc(ts[i]) || ts[i] != to[i])
            return false;
    }
    return ts.size() == to.size();
}

Status checkSubject(const QString& subject, const QString& what, bool allowWildcards) {
    const QByteArray bytes = subject.toUtf8();
    if (!allowWildcards && !bytes.isEmpty() && subject::hasWildcards(bytes))
        return {ErrorKind::InvalidArgument,
                QStringLiteral("%1 '%2' can not contain wildcards").arg(what, subject)};
    Status s = allowWildcards ? subject::validateSubscribe(bytes) : subject::validatePublish(bytes);
    if (s.ok())
        return {};
    // The subject checker says "subject ..."; say which one.
    QString message = s.message;
    if (message.startsWith(QLatin1String("subject")))
        message = what + message.mid(7);
    else
        message = what + QStringLiteral(": ") + message;
    return {ErrorKind::InvalidArgument, message};
}

QString versionText(int v) {
    return QStringLiteral("%1.%2.%3").arg(v / 10000).arg((v / 100) % 100).arg(v % 100);
}

void runOnThreadOf(QObject* object, const std::function<void()>& f) {
    QThread* thread = object->thread();
    if (!thread || thread == QThread::currentThread() || !thread->isRunning()) {
        f();
        return;
    }
    QMetaObject::invokeMethod(object, f, Qt::BlockingQueuedConnection);
}

} // namespace jetdeck::js::detail
