#include "streamtypes.h"

#include "jsinternal.h"

#include <QSet>

namespace jetdeck::js {

using detail::FieldReader;
using detail::utf8;

namespace {

// Where the server draws its lines (jetstream_api.go, stream.go).
constexpr int kMaxReplicas = 5;
constexpr qsizetype kMaxDescriptionBytes = 4096;
constexpr qint64 kMinWindowNs = 100'000'000; // 100ms: shortest max age and duplicate window

Error invalid(const QString& message) {
    return {ErrorKind::InvalidArgument, message};
}

Result<StreamConfig> readStreamConfig(const nlohmann::json& j, const QString& path,
                                      ErrorKind kind) {
    if (!j.is_object())
        return detail::notAnObject(path.isEmpty() ? QStringLiteral("stream config") : path, j,
                                   kind);
    StreamConfig c;
    FieldReader r(j, path, kind);
    r.str("name", c.name);
    r.str("description", c.description);
    r.strList("subjects", c.subjects);
    r.enumeration("retention", c.retention, &parseRetentionPolicy, "limits, interest or workqueue");
    r.enumeration("storage", c.storage, &parseStorageType, "file or memory");
    r.i32("num_replicas", c.replicas);
    r.i32("max_consumers", c.maxConsumers);
    r.i64("max_msgs", c.maxMsgs);
    r.i64("max_bytes", c.maxBytes);
    r.i64("max_age", c.maxAgeNs);
    r.i64("max_msgs_per_subject", c.maxMsgsPerSubject);
    r.i32("max_msg_size", c.maxMsgSize);
    r.enumeration("discard", c.discard, &parseDiscardPolicy, "old or new");
    r.i64("duplicate_window", c.duplicateWindowNs);
    r.boolean("no_ack", c.noAck);
    r.boolean("allow_rollup_hdrs", c.allowRollup);
    r.boolean("deny_delete", c.denyDelete);
    r.boolean("deny_purge", c.denyPurge);
    r.boolean("allow_direct", c.allowDirect);
    r.boolean("sealed", c.sealed);
    r.strMap("metadata", c.metadata);
    if (!r.ok())
        return r.error();
    c.extra = detail::unknownMembers(j, {"name",
                                         "description",
                                         "subjects",
                                         "retention",
                                         "storage",
                                         "num_replicas",
                                         "max_consumers",
                                         "max_msgs",
                                         "max_bytes",
                                         "max_age",
                                         "max_msgs_per_subject",
                                         "max_msg_size",
                                         "discard",
                                         "duplicate_window",
                                         "no_ack",
                                         "allow_rollup_hdrs",
                                         "deny_delete",
                                         "deny_purge",
                                         "allow_direct",
                                         "sealed",
                                         "metadata"});
    return c;
}

Result<StreamSourceInfo> readSourceInfo(const nlohmann::json& j, const QString& path,
                                        ErrorKind kind) {
    if (!j.is_object())
        return detail::notAnObject(path, j, kind);
    StreamSourceInfo s;
    FieldReader r(j, path, kind);
    r.str("name", s.name);
    r.str("filter_subject", s.filterSubject);
    r.u64("lag", s.lag);
    r.i64("active", s.activeNs);
    if (const nlohmann::json* ext = r.object("external")) {
        FieldReader er(*ext, path + QStringLiteral(".external"), kind);
        er.str("api", s.externalPrefix);
        r.adopt(er.error());
    }
    if (const nlohmann::json* e = r.object("error")) {
        FieldReader er(*e, path + QStringLiteral(".error"), kind);
        er.str("description", s.error);
        r.adopt(er.error());
        if (s.error.isEmpty() && er.ok())
            s.error = QStringLiteral("error");
    }
    if (!r.ok())
        return r.error();
    if (s.name.isEmpty())
        return Error(kind, QStringLiteral("%1 has no name").arg(path));
    return s;
}

Result<StreamInfo> readStreamInfo(const nlohmann::json& j, const QString& path) {
    const ErrorKind kind = ErrorKind::Protocol;
    if (!j.is_object())
        return detail::notAnObject(path.isEmpty() ? QStringLiteral("stream info") : path, j, kind);
    const auto sub = [&](const char* key) {
        return path.isEmpty() ? QString::fromLatin1(key)
                              : path + QLatin1Char('.') + QString::fromLatin1(key);
    };
    StreamInfo info;
    FieldReader r(j, path, kind);
    if (const nlohmann::json* cfg = r.object("config")) {
        Result<StreamConfig> c = readStreamConfig(*cfg, sub("config"), kind);
        if (!c)
            return c.error();
        info.config = std::move(c).value();
    } else if (r.ok()) {
        return Error(kind, QStringLiteral("%1 has no config")
                               .arg(path.isEmpty() ? QStringLiteral("stream info") : path));
    }
    r.time("created", info.created);
    if (const nlohmann::json* st = r.object("state")) {
        FieldReader sr(*st, sub("state"), kind);
        StreamState& s = info.state;
        sr.u64("messages", s.messages);
        sr.u64("bytes", s.bytes);
        sr.u64("first_seq", s.firstSeq);
        sr.u64("last_seq", s.lastSeq);
        sr.time("first_ts", s.firstTime);
        sr.time("last_ts", s.lastTime);
        sr.i32("consumer_count", s.consumerCount);
        sr.i64("num_deleted", s.numDeleted);
        sr.i64("num_subjects", s.numSubjects);
        r.adopt(sr.error());
    }
    if (const nlohmann::json* cl = r.object("cluster")) {
        Result<ClusterInfo> c = detail::readCluster(*cl, sub("cluster"), kind);
        if (!c)
            return c.error();
        info.cluster = std::move(c).value();
    }
    if (const nlohmann::json* m = r.object("mirror")) {
        Result<StreamSourceInfo> mirror = readSourceInfo(*m, sub("mirror"), kind);
        if (!mirror)
            return mirror.error();
        info.mirror = std::move(mirror).value();
    }
    if (const nlohmann::json* list = r.array("sources")) {
        int index = 0;
        for (const nlohmann::json& s : *list) {
            Result<StreamSourceInfo> source =
                readSourceInfo(s, QStringLiteral("%1[%2]").arg(sub("sources")).arg(index++), kind);
            if (!source)
                return source.error();
            info.sources.append(std::move(source).value());
        }
    }
    if (!r.ok())
        return r.error();
    return info;
}

// The paging members every list response carries.
void readPaging(FieldReader& r, int& total, int& offset, int& limit) {
    r.i32("total", total);
    r.i32("offset", offset);
    r.i32("limit", limit);
}

// "$JS.>"-style reserved spaces a stream may only capture with no_ack.
bool inReservedSpace(const QString& subject, QString* space) {
    struct Space {
        const char* prefix;
        const char* allowed; // an older exception the server keeps accepting
    };
    static constexpr Space spaces[] = {
        {"$JS.>", "$JS.EVENT.>"}, {"$JSC.>", nullptr}, {"$SYS.>", "$SYS.ACCOUNT.>"}};
    for (const Space& s : spaces) {
        const QString prefix = QString::fromLatin1(s.prefix);
        if (!detail::subjectIsSubset(subject, prefix))
            continue;
        if (s.allowed && detail::subjectIsSubset(subject, QString::fromLatin1(s.allowed)))
            return false;
        *space = prefix;
        return true;
    }
    return false;
}

} // namespace

nlohmann::json StreamConfig::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    detail::mergeExtra(j, extra);
    const auto put = [&j](const char* key, bool present, auto&& value) {
        if (present)
            j[key] = value;
        else
            j.erase(key);
    };
    put("name", true, utf8(name));
    put("description", !description.isEmpty(), utf8(description));
    nlohmann::json subs = nlohmann::json::array();
    for (const QString& s : subjects)
        subs.push_back(utf8(s));
    put("subjects", !subjects.isEmpty(), subs);
    put("retention", true, utf8(toString(retention)));
    put("max_consumers", true, maxConsumers);
    put("max_msgs", true, maxMsgs);
    put("max_bytes", true, maxBytes);
    put("max_age", true, maxAgeNs);
    put("max_msgs_per_subject", true, maxMsgsPerSubject);
    put("max_msg_size", maxMsgSize != 0, maxMsgSize);
    put("discard", true, utf8(toString(discard)));
    put("storage", true, utf8(toString(storage)));
    put("num_replicas", true, replicas);
    put("no_ack", noAck, true);
    put("duplicate_window", duplicateWindowNs != 0, duplicateWindowNs);
    put("sealed", sealed, true);
    put("deny_delete", denyDelete, true);
    put("deny_purge", denyPurge, true);
    put("allow_rollup_hdrs", allowRollup, true);
    put("allow_direct", true, allowDirect);
    nlohmann::json meta = nlohmann::json::object();
    for (auto it = metadata.cbegin(); it != metadata.cend(); ++it)
        meta[utf8(it.key())] = utf8(it.value());
    put("metadata", !metadata.isEmpty(), meta);
    return j;
}

Result<StreamConfig> StreamConfig::fromJson(const nlohmann::json& j) {
    return readStreamConfig(j, QString(), ErrorKind::InvalidArgument);
}

Status StreamConfig::validate() const {
    if (Status s = validateName(name, QStringLiteral("stream name")); !s.ok())
        return s;
    if (description.toUtf8().size() > kMaxDescriptionBytes)
        return invalid(
            QStringLiteral("stream description is longer than %1 bytes").arg(kMaxDescriptionBytes));
    if (replicas < 1 || replicas > kMaxReplicas)
        return invalid(QStringLiteral("replicas must be between 1 and %1, not %2")
                           .arg(kMaxReplicas)
                           .arg(replicas));

    const auto limit = [](qint64 v, const char* field) -> Status {
        if (v < -1)
            return invalid(QStringLiteral("%1 must be -1 (unlimited) or positive, not %2")
                               .arg(QLatin1String(field))
                               .arg(v));
        return {};
    };
    if (Status s = limit(maxConsumers, "max consumers"); !s.ok())
        return s;
    if (Status s = limit(maxMsgs, "max messages"); !s.ok())
        return s;
    if (Status s = limit(maxBytes, "max bytes"); !s.ok())
        return s;
    if (Status s = limit(maxMsgsPerSubject, "max messages per subject"); !s.ok())
        return s;
    if (Status s = limit(maxMsgSize, "max message size"); !s.ok())
        return s;

    if (maxAgeNs < 0)
        return invalid(QStringLiteral("max age can not be negative"));
    if (maxAgeNs > 0 && maxAgeNs < kMinWindowNs)
        return invalid(QStringLiteral("max age must be at least 100ms (or 0 to keep forever), "
                                      "not %1")
                           .arg(formatDurationNs(maxAgeNs)));
    if (duplicateWindowNs < 0)
        return invalid(QStringLiteral("duplicate window can not be negative"));
    if (duplicateWindowNs > 0 && duplicateWindowNs < kMinWindowNs)
        return invalid(QStringLiteral("duplicate window must be at least 100ms (or 0 for the "
                                      "server default), not %1")
                           .arg(formatDurationNs(duplicateWindowNs)));
    if (maxAgeNs > 0 && duplicateWindowNs > maxAgeNs)
        return invalid(QStringLiteral("duplicate window (%1) can not be longer than max age (%2)")
                           .arg(formatDurationNs(duplicateWindowNs), formatDurationNs(maxAgeNs)));

    if (denyPurge && allowRollup)
        return invalid(QStringLiteral("roll-ups need the purge permission: allow rollup and deny "
                                      "purge can not both be set"));

    const bool isMirror =
        extra.is_object() && extra.contains("mirror") && !extra.at("mirror").is_null();
    if (isMirror && !subjects.isEmpty())
        return invalid(QStringLiteral("a mirror can not have subjects of its own"));

    const auto perSubject = extra.is_object() ? extra.find("discard_new_per_subject") : extra.end();
    if (perSubject != extra.end() && perSubject->is_boolean() && perSubject->get<bool>()) {
        if (discard != DiscardPolicy::New)
            return invalid(QStringLiteral("discard new per subject needs the discard policy "
                                          "'new'"));
        if (maxMsgsPerSubject <= 0)
            return invalid(QStringLiteral("discard new per subject needs max messages per "
                                          "subject to be set"));
    }

    QSet<QString> seen;
    for (const QString& subject : subjects) {
        if (Status s = detail::checkSubject(subject, QStringLiteral("stream subject"), true);
            !s.ok())
            return s;
        if (seen.contains(subject))
            return invalid(QStringLiteral("stream subject '%1' is listed twice").arg(subject));
        seen.insert(subject);
        if (subject == QLatin1String(">")) {
            if (!noAck)
                return invalid(QStringLiteral("a stream capturing all subjects ('>') needs no "
                                              "ack to be set"));
            if (replicas != 1)
                return invalid(QStringLiteral("a stream capturing all subjects ('>') must have "
                                              "1 replica"));
        }
        QString space;
        if (!noAck && inReservedSpace(subject, &space))
            return invalid(QStringLiteral("stream subject '%1' overlaps the reserved %2 space; "
                                          "that needs no ack to be set")
                               .arg(subject, space));
    }
    for (qsizetype a = 0; a < subjects.size(); ++a) {
        for (qsizetype b = a + 1; b < subjects.size(); ++b) {
            if (detail::subjectsCollide(subjects[a], subjects[b]))
                return invalid(QStringLiteral("stream subjects '%1' and '%2' overlap")
                                   .arg(subjects[a], subjects[b]));
        }
    }
    return {};
}

Status StreamConfig::checkSupported(int serverVersion) const {
    if (serverVersion <= 0)
        return {};
    if (!metadata.isEmpty() && serverVersion < 21000)
        return {ErrorKind::Unsupported,
                QStringLiteral("stream metadata needs nats-server 2.10 or newer (the server is "
                               "%1)")
                    .arg(detail::versionText(serverVersion))};
    return {};
}

Result<StreamInfo> StreamInfo::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    return readStreamInfo(j, QString());
}

Result<StreamNamesPage> StreamNamesPage::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object())
        return detail::notAnObject(QStringLiteral("stream names"), j, ErrorKind::Protocol);
    StreamNamesPage page;
    FieldReader r(j, QString(), ErrorKind::Protocol);
    readPaging(r, page.total, page.offset, page.limit);
    r.strList("streams", page.names); // null when there are none
    if (!r.ok())
        return r.error();
    return page;
}

Result<StreamListPage> StreamListPage::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object())
        return detail::notAnObject(QStringLiteral("stream list"), j, ErrorKind::Protocol);
    StreamListPage page;
    FieldReader r(j, QString(), ErrorKind::Protocol);
    readPaging(r, page.total, page.offset, page.limit);
    r.strList("missing", page.missing);
    if (const nlohmann::json* list = r.array("streams")) {
        int index = 0;
        for (const nlohmann::json& s : *list) {
            Result<StreamInfo> info = readStreamInfo(s, QStringLiteral("streams[%1]").arg(index++));
            if (!info)
                return info.error();
            page.streams.append(std::move(info).value());
        }
    }
    if (!r.ok())
        return r.error();
    return page;
}

Result<StoredMessage> StoredMessage::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object() || !j.contains("message") || !j["message"].is_object())
        return detail::notAnObject(QStringLiteral("stored message"), j, ErrorKind::Protocol);
    StoredMessage m;
    FieldReader r(j["message"], QStringLiteral("message"), ErrorKind::Protocol);
    QString hdrs, data;
    r.str("subject", m.subject);
    r.u64("seq", m.seq);
    r.str("hdrs", hdrs);
    r.str("data", data);
    r.time("time", m.time);
    if (!r.ok())
        return r.error();
    // Both are base64; a header block that does not parse is a protocol error, not empty.
    auto decode = [](const QString& text, QByteArray* out) {
        auto d = QByteArray::fromBase64Encoding(text.toLatin1(),
                                                QByteArray::AbortOnBase64DecodingErrors);
        if (!d)
            return false;
        *out = *d;
        return true;
    };
    QByteArray block;
    if (!decode(data, &m.data) || !decode(hdrs, &block))
        return Error{
            ErrorKind::Protocol,
            QStringLiteral("stored message %1: data or headers are not base64").arg(m.seq)};
    if (!block.isEmpty()) {
        bool ok = false;
        m.headers = Headers::fromBlock(block, &ok);
        if (!ok)
            return Error{ErrorKind::Protocol,
                         QStringLiteral("stored message %1: malformed header block").arg(m.seq)};
    }
    return m;
}

} // namespace jetdeck::js
