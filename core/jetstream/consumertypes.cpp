#include "consumertypes.h"

#include "jsinternal.h"

#include "core/protocol/subject.h"

namespace jetdeck::js {

using detail::FieldReader;
using detail::utf8;

namespace {

constexpr int kMaxReplicas = 5;
constexpr qsizetype kMaxDescriptionBytes = 4096;
constexpr qint64 kMinHeartbeatNs = 100'000'000; // 100ms
constexpr qint64 kMinExpiresNs = 1'000'000;     // 1ms

Error invalid(const QString& message) {
    return {ErrorKind::InvalidArgument, message};
}

Error unsupported(const QString& feature, const QString& needs, int serverVersion) {
    return {ErrorKind::Unsupported, QStringLiteral("%1 needs nats-server %2 or newer (the server "
                                                   "is %3)")
                                        .arg(feature, needs, detail::versionText(serverVersion))};
}

Result<ConsumerConfig> readConsumerConfig(const nlohmann::json& j, const QString& path,
                                          ErrorKind kind) {
    if (!j.is_object())
        return detail::notAnObject(path.isEmpty() ? QStringLiteral("consumer config") : path, j,
                                   kind);
    ConsumerConfig c;
    FieldReader r(j, path, kind);
    r.str("durable_name", c.durableName);
    r.str("name", c.name);
    r.str("description", c.description);
    r.str("filter_subject", c.filterSubject);
    r.strList("filter_subjects", c.filterSubjects);
    r.enumeration("deliver_policy", c.deliverPolicy, &parseDeliverPolicy,
                  "all, last, new, by_start_sequence, by_start_time or last_per_subject");
    r.u64("opt_start_seq", c.optStartSeq);
    r.time("opt_start_time", c.optStartTime, &c.optStartTimeText);
    r.enumeration("ack_policy", c.ackPolicy, &parseAckPolicy, "none, all or explicit");
    r.i64("ack_wait", c.ackWaitNs);
    r.i32("max_deliver", c.maxDeliver);
    r.i64List("backoff", c.backoffNs);
    r.i32("max_ack_pending", c.maxAckPending);
    r.str("deliver_subject", c.deliverSubject);
    r.str("deliver_group", c.deliverGroup);
    r.i64("idle_heartbeat", c.idleHeartbeatNs);
    r.boolean("flow_control", c.flowControl);
    r.i32("max_waiting", c.maxWaiting);
    r.enumeration("replay_policy", c.replay, &parseReplayPolicy, "instant or original");
    r.str("sample_freq", c.sampleFrequency);
    r.u64("rate_limit_bps", c.rateLimitBps);
    r.boolean("headers_only", c.headersOnly);
    r.i32("max_batch", c.maxBatch);
    r.i64("max_expires", c.maxExpiresNs);
    r.i64("max_bytes", c.maxBytes);
    r.i64("inactive_threshold", c.inactiveThresholdNs);
    r.i32("num_replicas", c.replicas);
    r.boolean("mem_storage", c.memoryStorage);
    r.time("pause_until", c.pauseUntil);
    r.strMap("metadata", c.metadata);
    if (!r.ok())
        return r.error();
    c.extra = detail::unknownMembers(j, {"durable_name",    "name",
                                         "description",     "filter_subject",
                                         "filter_subjects", "deliver_policy",
                                         "opt_start_seq",   "opt_start_time",
                                         "ack_policy",      "ack_wait",
                                         "max_deliver",     "backoff",
                                         "max_ack_pending", "deliver_subject",
                                         "deliver_group",   "idle_heartbeat",
                                         "flow_control",    "max_waiting",
                                         "replay_policy",   "sample_freq",
                                         "rate_limit_bps",  "headers_only",
                                         "max_batch",       "max_expires",
                                         "max_bytes",       "inactive_threshold",
                                         "num_replicas",    "mem_storage",
                                         "pause_until",     "metadata"});
    return c;
}

void readSequence(FieldReader& parent, const char* key, SequenceInfo& out) {
    const nlohmann::json* s = parent.object(key);
    if (!s)
        return;
    FieldReader r(*s, parent.pathOf(key), parent.kind());
    r.u64("consumer_seq", out.consumerSeq);
    r.u64("stream_seq", out.streamSeq);
    r.time("last_active", out.lastActive);
    parent.adopt(r.error());
}

Result<ConsumerInfo> readConsumerInfo(const nlohmann::json& j, const QString& path) {
    const ErrorKind kind = ErrorKind::Protocol;
    const QString what = path.isEmpty() ? QStringLiteral("consumer info") : path;
    if (!j.is_object())
        return detail::notAnObject(what, j, kind);
    ConsumerInfo info;
    FieldReader r(j, path, kind);
    r.str("stream_name", info.stream);
    r.str("name", info.name);
    r.time("created", info.created);
    if (const nlohmann::json* cfg = r.object("config")) {
        Result<ConsumerConfig> c = readConsumerConfig(*cfg, r.pathOf("config"), kind);
        if (!c)
            return c.error();
        info.config = std::move(c).value();
    }
    readSequence(r, "delivered", info.delivered);
    readSequence(r, "ack_floor", info.ackFloor);
    r.i64("num_ack_pending", info.numAckPending);
    r.i64("num_redelivered", info.numRedelivered);
    r.i64("num_waiting", info.numWaiting);
    r.i64("num_pending", info.numPending);
    r.boolean("push_bound", info.pushBound);
    r.boolean("paused", info.paused);
    r.i64("pause_remaining", info.pauseRemainingNs);
    if (const nlohmann::json* cl = r.object("cluster")) {
        Result<ClusterInfo> c = detail::readCluster(*cl, r.pathOf("cluster"), kind);
        if (!c)
            return c.error();
        info.cluster = std::move(c).value();
    }
    if (!r.ok())
        return r.error();
    if (info.name.isEmpty())
        return Error(kind, QStringLiteral("%1 has no consumer name").arg(what));
    return info;
}

void readPaging(FieldReader& r, int& total, int& offset, int& limit) {
    r.i32("total", total);
    r.i32("offset", offset);
    r.i32("limit", limit);
}

// Server spelling of a policy for messages ("by_start_sequence").
QString policyName(DeliverPolicy p) {
    return toString(p);
}

} // namespace

nlohmann::json ConsumerConfig::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    detail::mergeExtra(j, extra);
    const auto put = [&j](const char* key, bool present, auto&& value) {
        if (present)
            j[key] = value;
        else
            j.erase(key);
    };
    const auto strings = [](const QStringList& list) {
        nlohmann::json a = nlohmann::json::array();
        for (const QString& s : list)
            a.push_back(utf8(s));
        return a;
    };
    put("durable_name", !durableName.isEmpty(), utf8(durableName));
    put("name", !name.isEmpty(), utf8(name));
    put("description", !description.isEmpty(), utf8(description));
    put("deliver_policy", true, utf8(toString(deliverPolicy)));
    put("opt_start_seq", optStartSeq != 0, optStartSeq);
    put("opt_start_time", optStartTime.isValid(), detail::timeText(optStartTime, optStartTimeText));
    put("ack_policy", true, utf8(toString(ackPolicy)));
    put("ack_wait", ackWaitNs != 0, ackWaitNs);
    put("max_deliver", maxDeliver != 0, maxDeliver);
    nlohmann::json backoff = nlohmann::json::array();
    for (const qint64 b : backoffNs)
        backoff.push_back(b);
    put("backoff", !backoffNs.isEmpty(), backoff);
    put("filter_subject", !filterSubject.isEmpty(), utf8(filterSubject));
    put("filter_subjects", !filterSubjects.isEmpty(), strings(filterSubjects));
    put("replay_policy", true, utf8(toString(replay)));
    put("rate_limit_bps", rateLimitBps != 0, rateLimitBps);
    put("sample_freq", !sampleFrequency.isEmpty(), utf8(sampleFrequency));
    put("max_waiting", maxWaiting != 0, maxWaiting);
    put("max_ack_pending", maxAckPending != 0, maxAckPending);
    put("flow_control", flowControl, true);
    put("headers_only", headersOnly, true);
    put("max_batch", maxBatch != 0, maxBatch);
    put("max_expires", maxExpiresNs != 0, maxExpiresNs);
    put("max_bytes", maxBytes != 0, maxBytes);
    put("deliver_subject", !deliverSubject.isEmpty(), utf8(deliverSubject));
    put("deliver_group", !deliverGroup.isEmpty(), utf8(deliverGroup));
    put("idle_heartbeat", idleHeartbeatNs != 0, idleHeartbeatNs);
    put("inactive_threshold", inactiveThresholdNs != 0, inactiveThresholdNs);
    // Go has no omitempty on num_replicas: 0 is sent and means "as the stream".
    put("num_replicas", true, replicas);
    put("mem_storage", memoryStorage, true);
    nlohmann::json meta = nlohmann::json::object();
    for (auto it = metadata.cbegin(); it != metadata.cend(); ++it)
        meta[utf8(it.key())] = utf8(it.value());
    put("metadata", !metadata.isEmpty(), meta);
    put("pause_until", pauseUntil.isValid(), utf8(toRfc3339Nano(pauseUntil)));
    return j;
}

Result<ConsumerConfig> ConsumerConfig::fromJson(const nlohmann::json& j) {
    return readConsumerConfig(j, QString(), ErrorKind::InvalidArgument);
}

Status ConsumerConfig::validate() const {
    if (!durableName.isEmpty()) {
        if (Status s = validateName(durableName, QStringLiteral("durable name")); !s.ok())
            return s;
    }
    if (!name.isEmpty()) {
        if (Status s = validateName(name, QStringLiteral("consumer name")); !s.ok())
            return s;
    }
    if (!durableName.isEmpty() && !name.isEmpty() && durableName != name)
        return invalid(QStringLiteral("durable name '%1' and name '%2' must be the same when both "
                                      "are set")
                           .arg(durableName, name));
    if (description.toUtf8().size() > kMaxDescriptionBytes)
        return invalid(QStringLiteral("consumer description is longer than %1 bytes")
                           .arg(kMaxDescriptionBytes));

    // Filters.
    if (!filterSubject.isEmpty() && !filterSubjects.isEmpty())
        return invalid(QStringLiteral("filter subject and filter subjects can not both be set"));
    if (!filterSubject.isEmpty()) {
        if (Status s = detail::checkSubject(filterSubject, QStringLiteral("filter subject"), true);
            !s.ok())
            return s;
    }
    for (qsizetype i = 0; i < filterSubjects.size(); ++i) {
        if (filterSubjects[i].isEmpty())
            return invalid(QStringLiteral("filter subjects can not contain an empty subject"));
        if (Status s =
                detail::checkSubject(filterSubjects[i], QStringLiteral("filter subject"), true);
            !s.ok())
            return s;
        for (qsizetype k = 0; k < i; ++k) {
            if (detail::subjectIsSubset(filterSubjects[i], filterSubjects[k]) ||
                detail::subjectIsSubset(filterSubjects[k], filterSubjects[i]))
                return invalid(QStringLiteral("filter subjects '%1' and '%2' overlap")
                                   .arg(filterSubjects[k], filterSubjects[i]));
        }
    }

    // Push or pull: options of the other kind are rejected rather than silently ignored.
    if (isPush()) {
        if (Status s =
                detail::checkSubject(deliverSubject, QStringLiteral("deliver subject"), false);
            !s.ok())
            return s;
        const auto pullOnly = [](bool set, const char* what) -> Status {
            if (!set)
                return {};
            return invalid(QStringLiteral("%1 is a pull consumer option; a push consumer (one "
                                          "with a deliver subject) can not use it")
                               .arg(QLatin1String(what)));
        };
        if (Status s = pullOnly(maxWaiting != 0, "max waiting"); !s.ok())
            return s;
        if (Status s = pullOnly(maxBatch != 0, "max batch"); !s.ok())
            return s;
        if (Status s = pullOnly(maxExpiresNs != 0, "max expires"); !s.ok())
            return s;
        if (Status s = pullOnly(maxBytes != 0, "max bytes"); !s.ok())
            return s;
        if (!deliverGroup.isEmpty()) {
            if (Status s = subject::validateQueue(deliverGroup.toUtf8()); !s.ok())
                return invalid(QStringLiteral("deliver group '%1' must be a queue group name "
                                              "without whitespace")
                                   .arg(deliverGroup));
        }
        if (idleHeartbeatNs < 0)
            return invalid(QStringLiteral("idle heartbeat can not be negative"));
        if (idleHeartbeatNs > 0 && idleHeartbeatNs < kMinHeartbeatNs)
            return invalid(QStringLiteral("idle heartbeat must be at least 100ms, not %1")
                               .arg(formatDurationNs(idleHeartbeatNs)));
        if (flowControl && idleHeartbeatNs == 0)
            return invalid(QStringLiteral("flow control needs an idle heartbeat"));
    } else {
        const auto pushOnly = [](bool set, const char* what) -> Status {
            if (!set)
                return {};
            return invalid(QStringLiteral("%1 is a push consumer option: it needs a deliver "
                                          "subject")
                               .arg(QLatin1String(what)));
        };
        if (Status s = pushOnly(!deliverGroup.isEmpty(), "deliver group"); !s.ok())
            return s;
        if (Status s = pushOnly(idleHeartbeatNs != 0, "idle heartbeat"); !s.ok())
            return s;
        if (Status s = pushOnly(flowControl, "flow control"); !s.ok())
            return s;
        if (Status s = pushOnly(rateLimitBps != 0, "rate limit"); !s.ok())
            return s;
        if (maxWaiting < 0)
            return invalid(QStringLiteral("max waiting can not be negative"));
        if (maxBatch < 0)
            return invalid(QStringLiteral("max batch can not be negative"));
        if (maxBytes < 0)
            return invalid(QStringLiteral("max bytes can not be negative"));
        if (maxExpiresNs < 0)
            return invalid(QStringLiteral("max expires can not be negative"));
        if (maxExpiresNs > 0 && maxExpiresNs < kMinExpiresNs)
            return invalid(QStringLiteral("max expires must be at least 1ms, not %1")
                               .arg(formatDurationNs(maxExpiresNs)));
    }

    // Acknowledgements.
    if (ackWaitNs < 0)
        return invalid(QStringLiteral("ack wait can not be negative"));
    if (ackPolicy == AckPolicy::None) {
        if (ackWaitNs != 0)
            return invalid(QStringLiteral("ack wait makes no sense with ack policy none: nothing "
                                          "is acknowledged"));
        if (maxAckPending > 0)
            return invalid(QStringLiteral("max ack pending makes no sense with ack policy none: "
                                          "nothing is acknowledged"));
        if (!backoffNs.isEmpty())
            return invalid(QStringLiteral("backoff makes no sense with ack policy none: nothing "
                                          "is redelivered"));
    }
    if (maxAckPending < -1)
        return invalid(QStringLiteral("max ack pending must be -1 (unlimited), 0 (server default) "
                                      "or positive, not %1")
                           .arg(maxAckPending));
    if (maxDeliver == 0)
        return invalid(QStringLiteral("max deliver can not be 0; use -1 for unlimited"));
    if (maxDeliver < -1)
        return invalid(QStringLiteral("max deliver must be -1 (unlimited) or positive, not %1")
                           .arg(maxDeliver));
    for (qsizetype i = 0; i < backoffNs.size(); ++i) {
        if (backoffNs[i] < 0)
            return invalid(QStringLiteral("backoff entry %1 can not be negative (%2)")
                               .arg(i + 1)
                               .arg(formatDurationNs(backoffNs[i])));
    }
    if (!backoffNs.isEmpty() && maxDeliver != -1 && maxDeliver < backoffNs.size())
        return invalid(QStringLiteral("max deliver (%1) must be at least the number of backoff "
                                      "entries (%2), or -1")
                           .arg(maxDeliver)
                           .arg(backoffNs.size()));

    // Where to start.
    const QString policy = policyName(deliverPolicy);
    if (deliverPolicy == DeliverPolicy::ByStartSequence) {
        if (optStartSeq == 0)
            return invalid(QStringLiteral("deliver policy by_start_sequence needs a start "
                                          "sequence greater than 0"));
    } else if (optStartSeq != 0) {
        return invalid(QStringLiteral("a start sequence is only used with deliver policy "
                                      "by_start_sequence, not %1")
                           .arg(policy));
    }
    if (deliverPolicy == DeliverPolicy::ByStartTime) {
        if (!optStartTime.isValid())
            return invalid(QStringLiteral("deliver policy by_start_time needs a start time"));
    } else if (optStartTime.isValid()) {
        return invalid(QStringLiteral("a start time is only used with deliver policy "
                                      "by_start_time, not %1")
                           .arg(policy));
    }
    if (deliverPolicy == DeliverPolicy::LastPerSubject && filterSubject.isEmpty() &&
        filterSubjects.isEmpty())
        return invalid(QStringLiteral("deliver policy last_per_subject needs a filter subject"));

    // The rest.
    if (!sampleFrequency.isEmpty()) {
        QStringView s(sampleFrequency);
        if (s.endsWith(QLatin1Char('%')))
            s.chop(1);
        bool ok = false;
        const int percent = s.toInt(&ok);
        if (!ok || percent < 0 || percent > 100)
            return invalid(QStringLiteral("sample frequency must be a percentage from 0 to 100 "
                                          "like 50 or 50%, not '%1'")
                               .arg(sampleFrequency));
    }
    if (replicas < 0 || replicas > kMaxReplicas)
        return invalid(QStringLiteral("replicas must be between 0 (as the stream) and %1, not %2")
                           .arg(kMaxReplicas)
                           .arg(replicas));
    if (inactiveThresholdNs < 0)
        return invalid(QStringLiteral("inactive threshold can not be negative"));
    return {};
}

Status ConsumerConfig::checkSupported(int serverVersion) const {
    if (serverVersion <= 0)
        return {};
    if (!name.isEmpty() && serverVersion < 20900)
        return unsupported(QStringLiteral("a consumer name (rather than a durable name)"),
                           QStringLiteral("2.9"), serverVersion);
    if (!filterSubjects.isEmpty() && serverVersion < 21000)
        return unsupported(QStringLiteral("a list of filter subjects"), QStringLiteral("2.10"),
                           serverVersion);
    if (!metadata.isEmpty() && serverVersion < 21000)
        return unsupported(QStringLiteral("consumer metadata"), QStringLiteral("2.10"),
                           serverVersion);
    if (pauseUntil.isValid() && serverVersion < 21100)
        return unsupported(QStringLiteral("pausing a consumer (pause until)"),
                           QStringLiteral("2.11"), serverVersion);
    // Older servers insist on strictly more deliveries than backoff steps. The rule was
    // relaxed during 2.10.x; 2.11 is the first minor release that certainly has it.
    if (!backoffNs.isEmpty() && serverVersion < 21100 &&
        (maxDeliver == -1 || maxDeliver <= backoffNs.size()))
        return {
            ErrorKind::Unsupported,
            QStringLiteral("nats-server %1 needs max deliver greater than the number of backoff "
                           "entries (%2); -1 or an equal count needs 2.11 or newer")
                .arg(detail::versionText(serverVersion))
                .arg(backoffNs.size())};
    return {};
}

Result<ConsumerInfo> ConsumerInfo::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    return readConsumerInfo(j, QString());
}

Result<ConsumerNamesPage> ConsumerNamesPage::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object())
        return detail::notAnObject(QStringLiteral("consumer names"), j, ErrorKind::Protocol);
    ConsumerNamesPage page;
    FieldReader r(j, QString(), ErrorKind::Protocol);
    readPaging(r, page.total, page.offset, page.limit);
    r.strList("consumers", page.names); // null when there are none
    if (!r.ok())
        return r.error();
    return page;
}

Result<ConsumerListPage> ConsumerListPage::fromJson(const nlohmann::json& j) {
    if (Error e = apiError(j); !e.ok())
        return e;
    if (!j.is_object())
        return detail::notAnObject(QStringLiteral("consumer list"), j, ErrorKind::Protocol);
    ConsumerListPage page;
    FieldReader r(j, QString(), ErrorKind::Protocol);
    readPaging(r, page.total, page.offset, page.limit);
    r.strList("missing", page.missing);
    if (const nlohmann::json* list = r.array("consumers")) {
        int index = 0;
        for (const nlohmann::json& c : *list) {
            Result<ConsumerInfo> info =
                readConsumerInfo(c, QStringLiteral("consumers[%1]").arg(index++));
            if (!info)
                return info.error();
            page.consumers.append(std::move(info).value());
        }
    }
    if (!r.ok())
        return r.error();
    return page;
}

} // namespace jetdeck::js
