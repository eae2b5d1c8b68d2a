#pragma once

#include "core/base/error.h"
#include "core/jetstream/jscommon.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <nlohmann/json.hpp>

#include <functional>
#include <initializer_list>
#include <optional>

class QObject;

// Internal to core/jetstream and core/system (not public API): typed reads from the API's and
// the servers' JSON objects, and the subject comparisons the validators need.

namespace jetdeck::js::detail {

/// Reads fields of one JSON object into typed values. A missing or null field leaves the
/// target alone (the server omits zero values); a field of the wrong type records an error
/// naming its path ("config.max_msgs") and later reads become no-ops, so a fromJson can read
/// everything and check ok() once.
class FieldReader {
public:
    /// `path` prefixes field names in messages; `kind` is the ErrorKind of a failure
    /// (InvalidArgument for configurations a user may have written, Protocol for responses).
    FieldReader(const nlohmann::json& object, QString path, ErrorKind kind);

    bool ok() const { return m_error.ok(); }
    const Error& error() const { return m_error; }

    void str(const char* key, QString& out);
    void strList(const char* key, QStringList& out);
    void strMap(const char* key, QMap<QString, QString>& out);
    void boolean(const char* key, bool& out);
    void i64(const char* key, qint64& out);
    void u64(const char* key, quint64& out);
    void i32(const char* key, int& out);
    void i64List(const char* key, QList<qint64>& out);
    /// RFC 3339; Go's zero time reads as an invalid QDateTime. `raw`, when given, receives
    /// the text as sent.
    void time(const char* key, QDateTime& out, QString* raw = nullptr);

    template <typename E>
    void enumeration(const char* key, E& out, std::optional<E> (*parse)(QStringView),
                     const char* expected) {
        QString text;
        const nlohmann::json* v = field(key);
        if (!v)
            return;
        if (!v->is_string()) {
            typeError(key, "a string", *v);
            return;
        }
        text = QString::fromStdString(v->get<std::string>());
        if (const std::optional<E> e = parse(text))
            out = *e;
        else
            fail(key, QStringLiteral("unknown value \"%1\" (expected %2)")
                          .arg(text, QString::fromLatin1(expected)));
    }

    /// The member `key` when it is an object, nullptr when missing, null or (with an error
    /// recorded) of another type.
    const nlohmann::json* object(const char* key);
    /// The member `key` when it is an array, as object().
    const nlohmann::json* array(const char* key);

    /// "path.key" for messages and nested readers.
    QString pathOf(const char* key) const;
    ErrorKind kind() const { return m_kind; }
    /// Records `error` unless an earlier one is already recorded.
    void adopt(const Error& error);
    void fail(const char* key, const QString& what);

private:
    const nlohmann::json* field(const char* key);
    void typeError(const char* key, const char* expected, const nlohmann::json& got);

    const nlohmann::json& m_obj;
    QString m_path;
    ErrorKind m_kind;
    Error m_error;
};

/// The JSON type name used in messages ("string", "number", "object"...).
QString typeName(const nlohmann::json& v);

/// Error for a value that is not an object where one is expected.
Error notAnObject(const QString& what, const nlohmann::json& v, ErrorKind kind);

/// Every member of `object` whose key is not in `known` (for StreamConfig::extra and co.).
nlohmann::json unknownMembers(const nlohmann::json& object,
                              std::initializer_list<const char*> known);

/// Copies the members of `extra` (an object; anything else is ignored) into `out` first,
/// so the modeled fields written afterwards win.
void mergeExtra(nlohmann::json& out, const nlohmann::json& extra);

std::string utf8(const QString& s);

/// Writes a time as toRfc3339Nano, or the server's own text when it names the same
/// millisecond: the server compares some times exactly and QDateTime drops nanoseconds.
std::string timeText(const QDateTime& t, const QString& raw);

/// ClusterInfo from `j`, with `path` naming it in errors.
Result<ClusterInfo> readCluster(const nlohmann::json& j, const QString& path, ErrorKind kind);

/// True when some concrete subject matches both (wildcard) subjects.
bool subjectsCollide(QStringView a, QStringView b);
/// True when every subject `subset` matches is also matched by `of`.
bool subjectIsSubset(QStringView subset, QStringView of);
/// validateSubscribe / validatePublish from core/protocol/subject.h, with InvalidArgument and
/// `what` ("filter subject") in front of the message.
Status checkSubject(const QString& subject, const QString& what, bool allowWildcards);

/// "2.9.10" for 20910.
QString versionText(int serverVersion);

/// Runs `f` on `object`'s thread and waits for it; directly when that is this thread or a
/// thread that no longer runs. For the destructors of objects that live on a connection's thread
/// and are destroyed elsewhere: their timers can only be stopped there, and their handlers run
/// there.
void runOnThreadOf(QObject* object, const std::function<void()>& f);

} // namespace jetdeck::js::detail
