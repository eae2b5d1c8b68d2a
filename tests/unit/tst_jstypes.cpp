// The JetStream API types: JSON encoding both ways, validation with its messages, the error
// envelope, durations and RFC 3339 times. The "real" samples below are responses captured from
// nats-server 2.9.10 (the version on this machine); the "2.11" samples are written from the
// server's 2.11 structures (stream.go, consumer.go) to cover the fields 2.9 does not send.
#include "core/jetstream/jstypes.h"
#include "tests/support/verify.h"

#include <QtTest>

using namespace jetdeck;
using namespace jetdeck::js;
using json = nlohmann::json;

namespace {

// ---- captured from nats-server 2.9.10 ---------------------------------------------------

const char* const kStreamInfo29 =
    R"({"type":"io.nats.jetstream.api.v1.stream_info_response","total":0,"offset":0,"limit":0,"config":{"name":"ORDERS","description":"edited","subjects":["orders.*","orders.archive.\u003e"],"retention":"limits","max_consumers":10,"max_msgs":2000,"max_bytes":1048576,"max_age":3600000000000,"max_msgs_per_subject":100,"max_msg_size":4096,"discard":"new","storage":"file","num_replicas":1,"duplicate_window":60000000000,"allow_direct":true,"mirror_direct":false,"discard_new_per_subject":true,"sealed":false,"deny_delete":true,"deny_purge":false,"allow_rollup_hdrs":true},"created":"2026-11-23T00:57:09.621628513Z","state":{"messages":13,"bytes":650,"first_seq":1,"first_ts":"2026-11-23T00:57:09.626103688Z","last_seq":13,"last_ts":"2026-11-23T00:57:09.628306233Z","num_subjects":2,"consumer_count":3}})";

const char* const kConsumerInfoPull29 =
    R"({"type":"io.nats.jetstream.api.v1.consumer_info_response","stream_name":"ORDERS","name":"PULL","created":"2026-11-23T00:57:09.628725609Z","config":{"durable_name":"PULL","name":"PULL","description":"edited","deliver_policy":"by_start_sequence","opt_start_seq":5,"ack_policy":"explicit","ack_wait":1000000000,"max_deliver":5,"backoff":[1000000000,2000000000,3000000000],"filter_subject":"orders.new","replay_policy":"instant","sample_freq":"50%","max_waiting":16,"max_ack_pending":60,"headers_only":true,"max_batch":10,"max_expires":30000000000,"max_bytes":1048576,"inactive_threshold":3600000000000,"num_replicas":1,"mem_storage":true},"delivered":{"consumer_seq":0,"stream_seq":4},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":6})";

const char* const kConsumerInfoPush29 =
    R"({"type":"io.nats.jetstream.api.v1.consumer_info_response","stream_name":"ORDERS","name":"PUSH","created":"2026-11-23T00:57:09.630190053Z","config":{"durable_name":"PUSH","name":"PUSH","deliver_policy":"by_start_time","opt_start_time":"2024-01-02T03:04:05.123456789Z","ack_policy":"all","ack_wait":20000000000,"max_deliver":3,"filter_subject":"orders.*","replay_policy":"original","rate_limit_bps":1000000,"max_ack_pending":20,"idle_heartbeat":5000000000,"flow_control":true,"deliver_subject":"deliver.push","deliver_group":"grp","num_replicas":0},"delivered":{"consumer_seq":0,"stream_seq":0},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":13})";

const char* const kAccountInfo29 =
    R"({"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":650,"streams":3,"consumers":3,"limits":{"max_memory":-1,"max_storage":-1,"max_streams":-1,"max_consumers":-1,"max_ack_pending":-1,"memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,"max_bytes_required":false},"api":{"total":11,"errors":1}})";

const char* const kStreamNames29 =
    R"({"type":"io.nats.jetstream.api.v1.stream_names_response","total":3,"offset":0,"limit":1024,"streams":["JOBS","META","ORDERS"]})";
const char* const kStreamNamesEmpty29 =
    R"({"type":"io.nats.jetstream.api.v1.stream_names_response","total":0,"offset":0,"limit":1024,"streams":null})";
const char* const kStreamListEmpty29 =
    R"({"type":"io.nats.jetstream.api.v1.stream_list_response","total":0,"offset":0,"limit":256,"streams":[]})";
const char* const kConsumerNames29 =
    R"({"type":"io.nats.jetstream.api.v1.consumer_names_response","total":3,"offset":0,"limit":1024,"consumers":["PULL","PUSH","yATcKGZl"]})";
const char* const kConsumerNamesEmpty29 =
    R"({"type":"io.nats.jetstream.api.v1.consumer_names_response","total":0,"offset":0,"limit":1024,"consumers":[]})";

const char* const kStreamList29 =
    R"({"type":"io.nats.jetstream.api.v1.stream_list_response","total":3,"offset":0,"limit":256,"streams":[{"config":{"name":"JOBS","subjects":["jobs.\u003e"],"retention":"workqueue","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"memory","num_replicas":1,"duplicate_window":120000000000,"allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false},"created":"2026-11-23T00:57:09.624209783Z","state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0}},{"config":{"name":"META","subjects":["META"],"retention":"interest","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false},"created":"2026-11-23T00:57:09.625264527Z","state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0}},{"config":{"name":"ORDERS","description":"edited","subjects":["orders.*","orders.archive.\u003e"],"retention":"limits","max_consumers":10,"max_msgs":2000,"max_bytes":1048576,"max_age":3600000000000,"max_msgs_per_subject":100,"max_msg_size":4096,"discard":"new","storage":"file","num_replicas":1,"duplicate_window":60000000000,"allow_direct":true,"mirror_direct":false,"discard_new_per_subject":true,"sealed":false,"deny_delete":true,"deny_purge":false,"allow_rollup_hdrs":true},"created":"2026-11-23T00:57:09.621628513Z","state":{"messages":13,"bytes":650,"first_seq":1,"first_ts":"2026-11-23T00:57:09.626103688Z","last_seq":13,"last_ts":"2026-11-23T00:57:09.628306233Z","num_subjects":2,"consumer_count":3}}]})";

const char* const kConsumerList29 =
    R"({"type":"io.nats.jetstream.api.v1.consumer_list_response","total":3,"offset":0,"limit":256,"consumers":[{"stream_name":"ORDERS","name":"PULL","created":"2026-11-23T00:57:09.628725609Z","config":{"durable_name":"PULL","name":"PULL","description":"edited","deliver_policy":"by_start_sequence","opt_start_seq":5,"ack_policy":"explicit","ack_wait":1000000000,"max_deliver":5,"backoff":[1000000000,2000000000,3000000000],"filter_subject":"orders.new","replay_policy":"instant","sample_freq":"50%","max_waiting":16,"max_ack_pending":60,"headers_only":true,"max_batch":10,"max_expires":30000000000,"max_bytes":1048576,"inactive_threshold":3600000000000,"num_replicas":1,"mem_storage":true},"delivered":{"consumer_seq":0,"stream_seq":4},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":6},{"stream_name":"ORDERS","name":"PUSH","created":"2026-11-23T00:57:09.630190053Z","config":{"durable_name":"PUSH","name":"PUSH","deliver_policy":"by_start_time","opt_start_time":"2024-01-02T03:04:05.123456789Z","ack_policy":"all","ack_wait":20000000000,"max_deliver":3,"filter_subject":"orders.*","replay_policy":"original","rate_limit_bps":1000000,"max_ack_pending":20,"idle_heartbeat":5000000000,"flow_control":true,"deliver_subject":"deliver.push","deliver_group":"grp","num_replicas":0},"delivered":{"consumer_seq":0,"stream_seq":0},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":13},{"stream_name":"ORDERS","name":"yATcKGZl","created":"2026-11-23T00:57:09.631852683Z","config":{"deliver_policy":"all","ack_policy":"none","max_deliver":-1,"replay_policy":"instant","deliver_subject":"deliver.eph","inactive_threshold":5000000000,"num_replicas":0},"delivered":{"consumer_seq":0,"stream_seq":0},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":13}]})";

// Error envelopes and publish acks, also from 2.9.10.
const char* const kErrStreamNotFound =
    R"({"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0})";
const char* const kErrConsumerNotFound =
    R"({"type":"io.nats.jetstream.api.v1.consumer_info_response","error":{"code":404,"err_code":10014,"description":"consumer not found"}})";
const char* const kErrStreamNameInUse =
    R"({"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10058,"description":"stream name already in use with a different configuration"}})";
const char* const kErrNoMessage =
    R"({"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":404,"err_code":10037,"description":"no message found"}})";
const char* const kErrSubjectOverlap =
    R"({"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10065,"description":"subjects overlap with an existing stream"}})";
const char* const kErrAccountNotEnabled =
    R"({"type":"io.nats.jetstream.api.v1.account_info_response","error":{"code":503,"err_code":10039,"description":"JetStream not enabled for account"}})";
const char* const kErrStartTimeUpdate =
    R"({"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":500,"err_code":10012,"description":"start time can not be updated"}})";
const char* const kPubWrongLastSeq =
    R"({"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 1"},"stream":"ORDERS","seq":0})";
const char* const kPubWrongLastMsgId =
    R"({"error":{"code":400,"err_code":10070,"description":"wrong last msg ID: id-1"},"stream":"ORDERS","seq":0})";
const char* const kPubAck = R"({"stream":"ORDERS", "seq":1})";
const char* const kPubAckDuplicate = R"({"stream":"ORDERS", "seq":1,"duplicate": true})";

// ---- shaped like nats-server 2.11 responses ----------------------------------------------

const char* const kStreamInfo211 =
    R"({"type":"io.nats.jetstream.api.v1.stream_info_response","total":0,"offset":0,"limit":0,
 "created":"2025-03-18T10:11:12.123456789Z",
 "config":{"name":"EVENTS","subjects":["events.>"],"retention":"interest","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,
  "max_age":86400000000000,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":3,
  "duplicate_window":120000000000,"compression":"s2","allow_direct":true,"mirror_direct":false,"sealed":false,
  "deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{"inactive_threshold":3600000000000},
  "allow_msg_ttl":true,"subject_delete_marker_ttl":900000000000,
  "metadata":{"_nats.level":"1","_nats.req.level":"0","_nats.ver":"2.11.0","owner":"team-a"},
  "placement":{"cluster":"east","tags":["ssd"]},"sources":[{"name":"ORDERS","filter_subject":"orders.>"}]},
 "state":{"messages":42,"bytes":4200,"first_seq":3,"first_ts":"2025-03-18T10:11:13.5Z","last_seq":44,
  "last_ts":"2025-03-18T12:00:00+02:00","num_subjects":7,"num_deleted":2,"consumer_count":4},
 "cluster":{"name":"east","raft_group":"S-R3F-abc","leader":"n1","leader_since":"2025-03-18T10:11:12Z",
  "replicas":[{"name":"n2","current":true,"active":123456789,"peer":"p2"},
              {"name":"n3","current":false,"offline":true,"active":98765432100,"lag":17,"peer":"p3"}]},
 "sources":[{"name":"ORDERS","lag":0,"active":1000000}],
 "ts":"2025-03-18T12:00:01.000000001Z"})";

const char* const kConsumerInfo211 =
    R"({"type":"io.nats.jetstream.api.v1.consumer_info_response","stream_name":"EVENTS","name":"worker",
 "created":"2025-03-18T10:20:00Z",
 "config":{"name":"worker","durable_name":"worker","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,
  "max_deliver":-1,"backoff":[1000000000,5000000000],"filter_subjects":["events.a","events.b"],"replay_policy":"instant",
  "max_waiting":512,"max_ack_pending":1000,"num_replicas":0,"metadata":{"_nats.level":"1"},
  "pause_until":"2030-01-01T00:00:00Z","priority_groups":["jobs"],"priority_policy":"pinned_client",
  "priority_timeout":120000000000},
 "delivered":{"consumer_seq":10,"stream_seq":12,"last_active":"2025-03-18T12:00:00.5Z"},
 "ack_floor":{"consumer_seq":8,"stream_seq":9,"last_active":"2025-03-18T11:59:59.25Z"},
 "num_ack_pending":2,"num_redelivered":1,"num_waiting":3,"num_pending":30,
 "cluster":{"leader":"n1"},"paused":true,"pause_remaining":3600000000000,"ts":"2025-03-18T12:00:01Z",
 "priority_groups":[{"group":"jobs","pinned_client_id":"abc","pinned_ts":"2025-03-18T11:00:00Z"}]})";

// QTest's QCOMPARE finds jetdeck::js::toString() (which returns QString) by argument-dependent
// lookup and fails to compile for the policy enums, so compare their spellings instead.
#define QCOMPARE_POLICY(actual, expected) QCOMPARE(toString(actual), toString(expected))

constexpr qint64 kMs = 1000000;
constexpr qint64 kSec = 1000 * kMs;

json parse(const char* text) {
    return json::parse(text);
}

// QCOMPARE cannot take nlohmann::json; compare here and print both sides on a mismatch.
bool sameJson(const json& actual, const json& expected) {
    if (actual == expected)
        return true;
    qWarning("actual:   %s\nexpected: %s", actual.dump().c_str(), expected.dump().c_str());
    return false;
}

// The server spells out false for sealed / deny_delete / deny_purge / allow_rollup_hdrs;
// we leave them out as nats.go's omitempty does. Same meaning, so compare without them.
json withoutFalse(json j) {
    for (const char* key : {"sealed", "deny_delete", "deny_purge", "allow_rollup_hdrs"}) {
        if (j.contains(key) && j[key] == false)
            j.erase(key);
    }
    return j;
}

QDateTime utc(int y, int mo, int d, int h, int mi, int s, int ms = 0) {
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), QTimeZone::utc());
}

StreamConfig fullStream() {
    StreamConfig s;
    s.name = QStringLiteral("ORDERS");
    s.description = QStringLiteral("all orders, ünïcode");
    s.subjects = {QStringLiteral("orders.*"), QStringLiteral("orders.archive.>")};
    s.retention = RetentionPolicy::Interest;
    s.storage = StorageType::Memory;
    s.replicas = 3;
    s.maxConsumers = 10;
    s.maxMsgs = 1000;
    s.maxBytes = qint64(1) << 40;
    s.maxAgeNs = 3600 * kSec;
    s.maxMsgsPerSubject = 100;
    s.maxMsgSize = 4096;
    s.discard = DiscardPolicy::New;
    s.duplicateWindowNs = 60 * kSec;
    s.noAck = true;
    s.allowRollup = true;
    s.denyDelete = true;
    s.denyPurge = false;
    s.allowDirect = true;
    s.sealed = true;
    s.metadata = {{QStringLiteral("owner"), QStringLiteral("team-a")}};
    s.extra = {{"compression", "s2"}, {"placement", {{"cluster", "east"}}}};
    return s;
}

ConsumerConfig fullPull() {
    ConsumerConfig c;
    c.durableName = QStringLiteral("PULL");
    c.name = QStringLiteral("PULL");
    c.description = QStringLiteral("pull worker");
    c.filterSubject = QStringLiteral("orders.new");
    c.deliverPolicy = DeliverPolicy::ByStartSequence;
    c.optStartSeq = 5;
    c.ackPolicy = AckPolicy::Explicit;
    c.ackWaitNs = 10 * kSec;
    c.maxDeliver = 5;
    c.backoffNs = {1 * kSec, 2 * kSec, 3 * kSec};
    c.maxAckPending = 50;
    c.maxWaiting = 16;
    c.replay = ReplayPolicy::Instant;
    c.sampleFrequency = QStringLiteral("50%");
    c.headersOnly = true;
    c.maxBatch = 10;
    c.maxExpiresNs = 30 * kSec;
    c.maxBytes = 1 << 20;
    c.inactiveThresholdNs = 3600 * kSec;
    c.replicas = 1;
    c.memoryStorage = true;
    c.metadata = {{QStringLiteral("k"), QStringLiteral("v")}};
    return c;
}

ConsumerConfig fullPush() {
    ConsumerConfig c;
    c.name = QStringLiteral("PUSH");
    c.deliverSubject = QStringLiteral("deliver.push");
    c.deliverGroup = QStringLiteral("grp");
    c.deliverPolicy = DeliverPolicy::ByStartTime;
    c.optStartTime = utc(2024, 1, 2, 3, 4, 5, 678);
    c.ackPolicy = AckPolicy::All;
    c.ackWaitNs = 20 * kSec;
    c.idleHeartbeatNs = 5 * kSec;
    c.flowControl = true;
    c.rateLimitBps = 1000000;
    c.replay = ReplayPolicy::Original;
    c.maxAckPending = -1;
    c.maxDeliver = 3;
    c.filterSubjects = {QStringLiteral("orders.a"), QStringLiteral("orders.b")};
    c.pauseUntil = utc(2030, 1, 1, 0, 0, 0);
    c.extra = {{"priority_policy", "none"}};
    return c;
}

} // namespace

class TestJsTypes : public QObject {
    Q_OBJECT

private slots:
    void enumNames();
    void durationFormat_data();
    void durationFormat();
    void durationParse_data();
    void durationParse();
    void durationRoundTrip();
    void rfc3339Parse_data();
    void rfc3339Parse();
    void rfc3339Format();
    void streamConfigRoundTrip_data();
    void streamConfigRoundTrip();
    void streamConfigDefaultsJson();
    void streamConfigExtraRoundTrip();
    void consumerConfigRoundTrip_data();
    void consumerConfigRoundTrip();
    void consumerConfigDefaultsJson();
    void consumerStartTimeNanoseconds();
    void wrongTypes_data();
    void wrongTypes();
    void streamInfoFromServer29();
    void streamInfoShapedLike211();
    void consumerInfoFromServer29();
    void consumerInfoShapedLike211();
    void serverConfigsValidate();
    void accountInfo();
    void pubAcks();
    void pages();
    void apiErrors_data();
    void apiErrors();
    void parseApiResponses_data();
    void parseApiResponses();
    void names_data();
    void names();
    void streamValidation_data();
    void streamValidation();
    void consumerValidation_data();
    void consumerValidation();
    void checkSupported_data();
    void checkSupported();
};

// ---- enums --------------------------------------------------------------------------------

void TestJsTypes::enumNames() {
    const auto check = [](auto value, const char* text, auto parser) {
        QCOMPARE(toString(value), QLatin1String(text));
        QVERIFY(parser(QString::fromLatin1(text)) == std::optional(value));
        QVERIFY(parser(QString::fromLatin1(text).toUpper()) == std::optional(value));
    };
    check(RetentionPolicy::Limits, "limits", &parseRetentionPolicy);
    check(RetentionPolicy::Interest, "interest", &parseRetentionPolicy);
    check(RetentionPolicy::WorkQueue, "workqueue", &parseRetentionPolicy);
    check(StorageType::File, "file", &parseStorageType);
    check(StorageType::Memory, "memory", &parseStorageType);
    check(DiscardPolicy::Old, "old", &parseDiscardPolicy);
    check(DiscardPolicy::New, "new", &parseDiscardPolicy);
    check(DeliverPolicy::All, "all", &parseDeliverPolicy);
    check(DeliverPolicy::Last, "last", &parseDeliverPolicy);
    check(DeliverPolicy::New, "new", &parseDeliverPolicy);
    check(DeliverPolicy::ByStartSequence, "by_start_sequence", &parseDeliverPolicy);
    check(DeliverPolicy::ByStartTime, "by_start_time", &parseDeliverPolicy);
    check(DeliverPolicy::LastPerSubject, "last_per_subject", &parseDeliverPolicy);
    check(AckPolicy::None, "none", &parseAckPolicy);
    check(AckPolicy::All, "all", &parseAckPolicy);
    check(AckPolicy::Explicit, "explicit", &parseAckPolicy);
    check(ReplayPolicy::Instant, "instant", &parseReplayPolicy);
    check(ReplayPolicy::Original, "original", &parseReplayPolicy);
    QVERIFY(!parseRetentionPolicy(u"work_queue"));
    QVERIFY(!parseDeliverPolicy(u""));
    QVERIFY(!parseAckPolicy(u"flow_control"));
}

// ---- durations ----------------------------------------------------------------------------

void TestJsTypes::durationFormat_data() {
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << qint64(0) << QStringLiteral("0s");
    QTest::newRow("1ns") << qint64(1) << QStringLiteral("1ns");
    QTest::newRow("999ns") << qint64(999) << QStringLiteral("999ns");
    QTest::newRow("1.5us") << qint64(1500) << QStringLiteral("1.5\u00B5s");
    QTest::newRow("500ms") << 500 * kMs << QStringLiteral("500ms");
    QTest::newRow("1.25ms") << qint64(1250000) << QStringLiteral("1.25ms");
    QTest::newRow("1s") << kSec << QStringLiteral("1s");
    QTest::newRow("1.5s") << 1500 * kMs << QStringLiteral("1.5s");
    QTest::newRow("30s") << 30 * kSec << QStringLiteral("30s");
    QTest::newRow("1m30s") << 90 * kSec << QStringLiteral("1m30s");
    QTest::newRow("2m") << 120 * kSec << QStringLiteral("2m0s");
    QTest::newRow("2h") << 7200 * kSec << QStringLiteral("2h0m0s");
    QTest::newRow("1h2m3.004s") << 3723 * kSec + 4 * kMs << QStringLiteral("1h2m3.004s");
    QTest::newRow("26h") << 26 * 3600 * kSec << QStringLiteral("26h0m0s");
    QTest::newRow("1ns past a minute") << 60 * kSec + 1 << QStringLiteral("1m0.000000001s");
    QTest::newRow("negative") << -90 * kSec << QStringLiteral("-1m30s");
    QTest::newRow("negative small") << qint64(-5) << QStringLiteral("-5ns");
    QTest::newRow("max") << std::numeric_limits<qint64>::max()
                         << QStringLiteral("2562047h47m16.854775807s");
    QTest::newRow("min") << std::numeric_limits<qint64>::min()
                         << QStringLiteral("-2562047h47m16.854775808s");
}

void TestJsTypes::durationFormat() {
    QFETCH(qint64, ns);
    QFETCH(QString, text);
    QCOMPARE(formatDurationNs(ns), text);
}

void TestJsTypes::durationParse_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("ns");
    const auto ok = [](const char* name, const QString& text, qint64 ns) {
        QTest::newRow(name) << text << true << ns;
    };
    const auto bad = [](const char* name, const QString& text) {
        QTest::newRow(name) << text << false << qint64(0);
    };
    ok("0", QStringLiteral("0"), 0);
    ok("0s", QStringLiteral("0s"), 0);
    ok("500ms", QStringLiteral("500ms"), 500 * kMs);
    ok("1m30s", QStringLiteral("1m30s"), 90 * kSec);
    ok("2h", QStringLiteral("2h"), 7200 * kSec);
    ok("1.5h", QStringLiteral("1.5h"), 5400 * kSec);
    ok(".5s", QStringLiteral(".5s"), 500 * kMs);
    ok("5.s", QStringLiteral("5.s"), 5 * kSec);
    ok("us", QStringLiteral("3us"), 3000);
    ok("micro sign", QStringLiteral("3\u00B5s"), 3000);
    ok("greek mu", QStringLiteral("3\u03BCs"), 3000);
    ok("ns", QStringLiteral("7ns"), 7);
    ok("mixed order", QStringLiteral("1s1h"), 3601 * kSec);
    ok("plus", QStringLiteral("+4s"), 4 * kSec);
    ok("minus", QStringLiteral("-1m30s"), -90 * kSec);
    ok("go formatted", QStringLiteral("1h2m3.004s"), 3723 * kSec + 4 * kMs);
    ok("fraction of ns dropped", QStringLiteral("1.9ns"), 1);
    ok("max", QStringLiteral("2562047h47m16.854775807s"), std::numeric_limits<qint64>::max());
    ok("min", QStringLiteral("-2562047h47m16.854775808s"), std::numeric_limits<qint64>::min());
    bad("empty", QString());
    bad("sign only", QStringLiteral("-"));
    bad("no unit", QStringLiteral("30"));
    bad("unknown unit", QStringLiteral("3d"));
    bad("unit only", QStringLiteral("s"));
    bad("dot only", QStringLiteral(".s"));
    bad("space", QStringLiteral("1 s"));
    bad("trailing garbage", QStringLiteral("1sx"));
    bad("overflow", QStringLiteral("2562048h"));
    bad("overflow by 1ns", QStringLiteral("2562047h47m16.854775808s"));
    bad("huge number", QStringLiteral("99999999999999999999ns"));
}

void TestJsTypes::durationParse() {
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(qint64, ns);
    const std::optional<qint64> got = parseDurationNs(text);
    QCOMPARE(got.has_value(), valid);
    if (valid)
        QCOMPARE(*got, ns);
}

void TestJsTypes::durationRoundTrip() {
    const qint64 values[] = {1,        999,         1000,          1001,        123456789,
                             kSec,     59 * kSec,   61 * kSec + 7, 3600 * kSec, 86400 * kSec + 3,
                             -kMs - 1, 5400 * kSec, 2 * kMs};
    for (const qint64 v : values) {
        const QString text = formatDurationNs(v);
        QCOMPARE(parseDurationNs(text), std::optional<qint64>(v));
    }
}

// ---- times --------------------------------------------------------------------------------

void TestJsTypes::rfc3339Parse_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDateTime>("expected"); // invalid: rejected (or Go's zero time)
    QTest::newRow("nanos") << QStringLiteral("2024-01-02T03:04:05.123456789Z")
                           << utc(2024, 1, 2, 3, 4, 5, 123);
    QTest::newRow("no fraction") << QStringLiteral("2024-01-02T03:04:05Z")
                                 << utc(2024, 1, 2, 3, 4, 5);
    QTest::newRow("one digit") << QStringLiteral("2024-01-02T03:04:05.5Z")
                               << utc(2024, 1, 2, 3, 4, 5, 500);
    QTest::newRow("two digits") << QStringLiteral("2024-01-02T03:04:05.25Z")
                                << utc(2024, 1, 2, 3, 4, 5, 250);
    QTest::newRow("millis") << QStringLiteral("2024-01-02T03:04:05.007Z")
                            << utc(2024, 1, 2, 3, 4, 5, 7);
    QTest::newRow("truncated not rounded")
        << QStringLiteral("2024-01-02T03:04:05.999999999Z") << utc(2024, 1, 2, 3, 4, 5, 999);
    QTest::newRow("positive offset")
        << QStringLiteral("2025-03-18T12:00:00+02:00") << utc(2025, 3, 18, 10, 0, 0);
    QTest::newRow("negative offset")
        << QStringLiteral("2025-03-18T22:30:00.1-05:30") << utc(2025, 3, 19, 4, 0, 0, 100);
    QTest::newRow("lowercase") << QStringLiteral("2024-01-02t03:04:05z")
                               << utc(2024, 1, 2, 3, 4, 5);
    QTest::newRow("go zero time") << QStringLiteral("0001-01-01T00:00:00Z") << QDateTime();
    QTest::newRow("empty") << QString() << QDateTime();
    QTest::newRow("date only") << QStringLiteral("2024-01-02") << QDateTime();
    QTest::newRow("no zone") << QStringLiteral("2024-01-02T03:04:05") << QDateTime();
    QTest::newRow("bad month") << QStringLiteral("2024-13-02T03:04:05Z") << QDateTime();
    QTest::newRow("bad hour") << QStringLiteral("2024-01-02T24:04:05Z") << QDateTime();
    QTest::newRow("empty fraction") << QStringLiteral("2024-01-02T03:04:05.Z") << QDateTime();
    QTest::newRow("trailing") << QStringLiteral("2024-01-02T03:04:05Zx") << QDateTime();
    QTest::newRow("bad offset") << QStringLiteral("2024-01-02T03:04:05+2:00") << QDateTime();
}

void TestJsTypes::rfc3339Parse() {
    QFETCH(QString, text);
    QFETCH(QDateTime, expected);
    const QDateTime got = fromRfc3339Nano(text);
    QCOMPARE(got.isValid(), expected.isValid());
    if (expected.isValid()) {
        QCOMPARE(got, expected);
        QCOMPARE(got.timeSpec(), Qt::UTC);
    }
}

void TestJsTypes::rfc3339Format() {
    QCOMPARE(toRfc3339Nano(utc(2024, 1, 2, 3, 4, 5, 123)),
             QStringLiteral("2024-01-02T03:04:05.123000000Z"));
    QCOMPARE(toRfc3339Nano(utc(2024, 1, 2, 3, 4, 5)),
             QStringLiteral("2024-01-02T03:04:05.000000000Z"));
    // Other zones are written in UTC.
    const QDateTime plus2(QDate(2025, 3, 18), QTime(12, 0, 0, 5), QTimeZone(2 * 3600));
    QCOMPARE(toRfc3339Nano(plus2), QStringLiteral("2025-03-18T10:00:00.005000000Z"));
    QCOMPARE(toRfc3339Nano(QDateTime()), QString());
    const QDateTime t = utc(1999, 12, 31, 23, 59, 59, 999);
    QCOMPARE(fromRfc3339Nano(toRfc3339Nano(t)), t);
}

// ---- configs: encoding --------------------------------------------------------------------

void TestJsTypes::streamConfigRoundTrip_data() {
    QTest::addColumn<int>("variant");
    QTest::newRow("full") << 0;
    QTest::newRow("defaults") << 1;
    QTest::newRow("workqueue file, unlimited") << 2;
}

void TestJsTypes::streamConfigRoundTrip() {
    QFETCH(int, variant);
    StreamConfig c;
    if (variant == 0) {
        c = fullStream();
    } else if (variant == 1) {
        c.name = QStringLiteral("D");
    } else {
        c.name = QStringLiteral("W");
        c.retention = RetentionPolicy::WorkQueue;
        c.subjects = {QStringLiteral("jobs.>")};
        c.maxMsgSize = 0; // "server default": omitted
    }
    const json j = c.toJson();
    const Result<StreamConfig> back = StreamConfig::fromJson(j);
    QVERIFY2(back.ok(), qPrintable(back.error().message));
    if (variant == 2) {
        QVERIFY(!j.contains("max_msg_size"));
        c.maxMsgSize = -1; // missing in JSON reads as our default
    }
    QVERIFY(back.value() == c);
    // And through text, as it travels.
    const Result<StreamConfig> viaText = StreamConfig::fromJson(json::parse(j.dump()));
    QVERIFY(viaText.ok());
    QVERIFY(viaText.value() == back.value());
}

void TestJsTypes::streamConfigDefaultsJson() {
    StreamConfig c;
    c.name = QStringLiteral("S");
    // Always: name, retention, storage, replicas, the max_* limits, discard, allow_direct.
    // Omitted like Go's omitempty: description, subjects, no_ack, duplicate_window, sealed,
    // deny_*, allow_rollup_hdrs, metadata.
    QVERIFY(sameJson(c.toJson(), parse(R"({"name":"S","retention":"limits","max_consumers":-1,
        "max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,
        "discard":"old","storage":"file","num_replicas":1,"allow_direct":false})")));
    const json full = fullStream().toJson();
    QVERIFY(sameJson(full, parse(R"({"name":"ORDERS","description":"all orders, ünïcode",
        "subjects":["orders.*","orders.archive.>"],"retention":"interest","max_consumers":10,
        "max_msgs":1000,"max_bytes":1099511627776,"max_age":3600000000000,
        "max_msgs_per_subject":100,"max_msg_size":4096,"discard":"new","storage":"memory",
        "num_replicas":3,"no_ack":true,"duplicate_window":60000000000,"sealed":true,
        "deny_delete":true,"allow_rollup_hdrs":true,"allow_direct":true,
        "metadata":{"owner":"team-a"},"compression":"s2","placement":{"cluster":"east"}})")));
}

void TestJsTypes::streamConfigExtraRoundTrip() {
    // Info from a newer server: unknown members survive fromJson -> edit -> toJson.
    const json info = parse(kStreamInfo211);
    const Result<StreamInfo> si = StreamInfo::fromJson(info);
    QVERIFY2(si.ok(), qPrintable(si.error().message));
    StreamConfig edited = si->config;
    QVERIFY(sameJson(edited.extra, parse(R"({"compression":"s2","mirror_direct":false,
        "consumer_limits":{"inactive_threshold":3600000000000},"allow_msg_ttl":true,
        "subject_delete_marker_ttl":900000000000,"placement":{"cluster":"east","tags":["ssd"]},
        "sources":[{"name":"ORDERS","filter_subject":"orders.>"}]})")));
    edited.maxMsgs = 5;
    json out = edited.toJson();
    json expected = withoutFalse(info["config"]);
    expected["max_msgs"] = 5;
    QVERIFY(sameJson(out, expected));

    // The modeled fields win over extra, and an omitted modeled field does not leak back in.
    StreamConfig c;
    c.name = QStringLiteral("X");
    c.extra = {{"name", "Y"}, {"description", "stale"}, {"first_seq", 7}};
    out = c.toJson();
    QCOMPARE(out["name"].get<std::string>(), std::string("X"));
    QVERIFY(!out.contains("description"));
    QCOMPARE(out["first_seq"].get<int>(), 7);
}

void TestJsTypes::consumerConfigRoundTrip_data() {
    QTest::addColumn<int>("variant");
    QTest::newRow("pull, every pull field") << 0;
    QTest::newRow("push, every push field") << 1;
    QTest::newRow("ephemeral defaults") << 2;
}

void TestJsTypes::consumerConfigRoundTrip() {
    QFETCH(int, variant);
    const ConsumerConfig c = variant == 0   ? fullPull()
                             : variant == 1 ? fullPush()
                                            : ConsumerConfig();
    const json j = c.toJson();
    const Result<ConsumerConfig> back = ConsumerConfig::fromJson(json::parse(j.dump()));
    QVERIFY2(back.ok(), qPrintable(back.error().message));
    QVERIFY(back.value() == c);
    QCOMPARE(back->isPush(), variant == 1);
}

void TestJsTypes::consumerConfigDefaultsJson() {
    // deliver_policy, ack_policy, replay_policy, max_deliver (-1) and num_replicas always;
    // everything else only when set.
    QVERIFY(sameJson(ConsumerConfig().toJson(),
                     parse(R"({"deliver_policy":"all","ack_policy":"explicit","max_deliver":-1,
                              "replay_policy":"instant","num_replicas":0})")));
    QVERIFY(sameJson(fullPush().toJson(), parse(R"({"name":"PUSH","deliver_policy":"by_start_time",
        "opt_start_time":"2024-01-02T03:04:05.678000000Z","ack_policy":"all","ack_wait":20000000000,
        "max_deliver":3,"filter_subjects":["orders.a","orders.b"],"replay_policy":"original",
        "rate_limit_bps":1000000,"max_ack_pending":-1,"flow_control":true,
        "deliver_subject":"deliver.push","deliver_group":"grp","idle_heartbeat":5000000000,
        "num_replicas":0,"pause_until":"2030-01-01T00:00:00.000000000Z",
        "priority_policy":"none"})")));
    QVERIFY(sameJson(fullPull().toJson(), parse(R"({"durable_name":"PULL","name":"PULL",
        "description":"pull worker","deliver_policy":"by_start_sequence","opt_start_seq":5,
        "ack_policy":"explicit","ack_wait":10000000000,"max_deliver":5,
        "backoff":[1000000000,2000000000,3000000000],"filter_subject":"orders.new",
        "replay_policy":"instant","sample_freq":"50%","max_waiting":16,"max_ack_pending":50,
        "headers_only":true,"max_batch":10,"max_expires":30000000000,"max_bytes":1048576,
        "inactive_threshold":3600000000000,"num_replicas":1,"mem_storage":true,
        "metadata":{"k":"v"}})")));
}

void TestJsTypes::consumerStartTimeNanoseconds() {
    // The server compares opt_start_time exactly on update; QDateTime keeps milliseconds, so
    // the server's text rides along and is sent back while the time is unchanged.
    const Result<ConsumerInfo> info = ConsumerInfo::fromJson(parse(kConsumerInfoPush29));
    QVERIFY(info.ok());
    ConsumerConfig c = info->config;
    QCOMPARE(c.optStartTime, utc(2024, 1, 2, 3, 4, 5, 123));
    QCOMPARE(c.optStartTimeText, QStringLiteral("2024-01-02T03:04:05.123456789Z"));
    c.description = QStringLiteral("edited");
    QCOMPARE(c.toJson()["opt_start_time"].get<std::string>(),
             std::string("2024-01-02T03:04:05.123456789Z"));
    // A changed time is written from the QDateTime.
    c.optStartTime = c.optStartTime.addSecs(1);
    QCOMPARE(c.toJson()["opt_start_time"].get<std::string>(),
             std::string("2024-01-02T03:04:06.123000000Z"));
    // Our own spelling carries nothing extra and is not kept.
    const auto own = ConsumerConfig::fromJson(fullPush().toJson());
    QVERIFY(own.ok());
    QVERIFY(own->optStartTimeText.isEmpty());
}

void TestJsTypes::wrongTypes_data() {
    QTest::addColumn<int>(
        "what"); // 0 stream config, 1 consumer config, 2 stream info, 3 consumer info
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    const int invalidArg = int(ErrorKind::InvalidArgument);
    const int protocol = int(ErrorKind::Protocol);
    QTest::newRow("string for integer")
        << 0 << QByteArray(R"({"name":"S","max_msgs":"10"})") << invalidArg
        << QStringLiteral("invalid field max_msgs: expected an integer, got string");
    QTest::newRow("fraction for integer")
        << 0 << QByteArray(R"({"name":"S","max_age":1.5})") << invalidArg
        << QStringLiteral("invalid field max_age: 1.5 is not a 64-bit integer");
    QTest::newRow("integer out of int range")
        << 0 << QByteArray(R"({"name":"S","num_replicas":4294967296})") << invalidArg
        << QStringLiteral("invalid field num_replicas: 4294967296 is not a 32-bit integer");
    QTest::newRow("number for string")
        << 0 << QByteArray(R"({"name":5})") << invalidArg
        << QStringLiteral("invalid field name: expected a string, got number");
    QTest::newRow("string for list")
        << 0 << QByteArray(R"({"name":"S","subjects":"a.b"})") << invalidArg
        << QStringLiteral("invalid field subjects: expected an array of strings, got string");
    QTest::newRow("number in list")
        << 0 << QByteArray(R"({"name":"S","subjects":["a",1]})") << invalidArg
        << QStringLiteral("invalid field subjects: expected an array of strings, found a number "
                          "element");
    QTest::newRow("unknown retention")
        << 0 << QByteArray(R"({"name":"S","retention":"forever"})") << invalidArg
        << QStringLiteral("invalid field retention: unknown value \"forever\" (expected limits, "
                          "interest or workqueue)");
    QTest::newRow("string for bool")
        << 0 << QByteArray(R"({"name":"S","sealed":"yes"})") << invalidArg
        << QStringLiteral("invalid field sealed: expected true or false, got string");
    QTest::newRow("metadata value")
        << 0 << QByteArray(R"({"name":"S","metadata":{"a":1}})") << invalidArg
        << QStringLiteral("invalid field metadata: value of \"a\" is a number, expected a string");
    QTest::newRow("not an object") << 0 << QByteArray(R"([1,2])") << invalidArg
                                   << QStringLiteral("stream config: expected a JSON object, got "
                                                     "array");
    QTest::newRow("consumer: bad time")
        << 1 << QByteArray(R"({"opt_start_time":"yesterday"})") << invalidArg
        << QStringLiteral("invalid field opt_start_time: \"yesterday\" is not an RFC 3339 time");
    QTest::newRow("consumer: backoff element")
        << 1 << QByteArray(R"({"backoff":[1,"2s"]})") << invalidArg
        << QStringLiteral("invalid field backoff: expected an array of integers, found \"2s\"");
    QTest::newRow("consumer: negative unsigned")
        << 1 << QByteArray(R"({"opt_start_seq":-1})") << invalidArg
        << QStringLiteral("invalid field opt_start_seq: -1 is not an unsigned 64-bit integer");
    QTest::newRow("consumer: unknown ack policy")
        << 1 << QByteArray(R"({"ack_policy":"sometimes"})") << invalidArg
        << QStringLiteral("invalid field ack_policy: unknown value \"sometimes\" (expected none, "
                          "all or explicit)");
    QTest::newRow("stream info: nested path")
        << 2 << QByteArray(R"({"config":{"name":"S"},"state":{"messages":"many"}})") << protocol
        << QStringLiteral("invalid field state.messages: expected an unsigned integer, got "
                          "string");
    QTest::newRow("stream info: config field path")
        << 2 << QByteArray(R"({"config":{"name":"S","storage":"tape"}})") << protocol
        << QStringLiteral("invalid field config.storage: unknown value \"tape\" (expected file or "
                          "memory)");
    QTest::newRow("stream info: no config") << 2 << QByteArray(R"({"state":{}})") << protocol
                                            << QStringLiteral("stream info has no config");
    QTest::newRow("stream info: peer")
        << 2 << QByteArray(R"({"config":{"name":"S"},"cluster":{"replicas":[{"lag":"x"}]}})")
        << protocol
        << QStringLiteral("invalid field cluster.replicas[0].lag: expected an unsigned integer, "
                          "got string");
    QTest::newRow("consumer info: sequence")
        << 3 << QByteArray(R"({"name":"C","delivered":{"stream_seq":true}})") << protocol
        << QStringLiteral("invalid field delivered.stream_seq: expected an unsigned integer, got "
                          "boolean");
    QTest::newRow("consumer info: config path")
        << 3 << QByteArray(R"({"name":"C","config":{"max_deliver":"x"}})") << protocol
        << QStringLiteral("invalid field config.max_deliver: expected an integer, got string");
    QTest::newRow("consumer info: no name") << 3 << QByteArray(R"({"stream_name":"S"})") << protocol
                                            << QStringLiteral("consumer info has no consumer name");
}

void TestJsTypes::wrongTypes() {
    QFETCH(int, what);
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(QString, message);
    const json j = json::parse(body.toStdString());
    Error e;
    switch (what) {
    case 0:
        e = StreamConfig::fromJson(j).error();
        break;
    case 1:
        e = ConsumerConfig::fromJson(j).error();
        break;
    case 2:
        e = StreamInfo::fromJson(j).error();
        break;
    default:
        e = ConsumerInfo::fromJson(j).error();
        break;
    }
    QCOMPARE(e.message, message);
    QCOMPARE(int(e.kind), kind);
}

// ---- responses from the server ------------------------------------------------------------

void TestJsTypes::streamInfoFromServer29() {
    const Result<StreamInfo> r = StreamInfo::fromJson(parse(kStreamInfo29));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    const StreamConfig& c = r->config;
    QCOMPARE(c.name, QStringLiteral("ORDERS"));
    QCOMPARE(c.description, QStringLiteral("edited"));
    QCOMPARE(c.subjects,
             QStringList({QStringLiteral("orders.*"), QStringLiteral("orders.archive.>")}));
    QCOMPARE_POLICY(c.retention, RetentionPolicy::Limits);
    QCOMPARE_POLICY(c.storage, StorageType::File);
    QCOMPARE(c.replicas, 1);
    QCOMPARE(c.maxConsumers, 10);
    QCOMPARE(c.maxMsgs, qint64(2000));
    QCOMPARE(c.maxBytes, qint64(1048576));
    QCOMPARE(c.maxAgeNs, 3600 * kSec);
    QCOMPARE(c.maxMsgsPerSubject, qint64(100));
    QCOMPARE(c.maxMsgSize, 4096);
    QCOMPARE_POLICY(c.discard, DiscardPolicy::New);
    QCOMPARE(c.duplicateWindowNs, 60 * kSec);
    QVERIFY(!c.noAck);
    QVERIFY(c.allowRollup);
    QVERIFY(c.denyDelete);
    QVERIFY(!c.denyPurge);
    QVERIFY(c.allowDirect);
    QVERIFY(!c.sealed);
    QVERIFY(sameJson(c.extra, parse(R"({"mirror_direct":false,"discard_new_per_subject":true})")));
    QCOMPARE(r->created, utc(2026, 11, 23, 0, 57, 9, 621));
    QCOMPARE(r->state.messages, quint64(13));
    QCOMPARE(r->state.bytes, quint64(650));
    QCOMPARE(r->state.firstSeq, quint64(1));
    QCOMPARE(r->state.lastSeq, quint64(13));
    QCOMPARE(r->state.firstTime, utc(2026, 11, 23, 0, 57, 9, 626));
    QCOMPARE(r->state.lastTime, utc(2026, 11, 23, 0, 57, 9, 628));
    QCOMPARE(r->state.numSubjects, qint64(2));
    QCOMPARE(r->state.numDeleted, qint64(0));
    QCOMPARE(r->state.consumerCount, 3);
    QVERIFY(r->cluster.leader.isEmpty());
    QVERIFY(r->cluster.replicas.isEmpty());
    // What the server sent is what an update sends back.
    QVERIFY(sameJson(c.toJson(), withoutFalse(parse(kStreamInfo29)["config"])));
}

void TestJsTypes::streamInfoShapedLike211() {
    const Result<StreamInfo> r = StreamInfo::fromJson(parse(kStreamInfo211));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r->config.replicas, 3);
    QCOMPARE_POLICY(r->config.retention, RetentionPolicy::Interest);
    QCOMPARE(r->config.metadata.value(QStringLiteral("owner")), QStringLiteral("team-a"));
    QCOMPARE(r->config.metadata.size(), 4);
    QCOMPARE(r->created, utc(2025, 3, 18, 10, 11, 12, 123));
    QCOMPARE(r->state.firstTime, utc(2025, 3, 18, 10, 11, 13, 500));
    QCOMPARE(r->state.lastTime, utc(2025, 3, 18, 10, 0, 0));
    QCOMPARE(r->state.numDeleted, qint64(2));
    QCOMPARE(r->state.numSubjects, qint64(7));
    QCOMPARE(r->cluster.name, QStringLiteral("east"));
    QCOMPARE(r->cluster.leader, QStringLiteral("n1"));
    QCOMPARE(r->cluster.replicas.size(), 2);
    QCOMPARE(r->cluster.replicas[0].name, QStringLiteral("n2"));
    QVERIFY(r->cluster.replicas[0].current);
    QVERIFY(!r->cluster.replicas[0].offline);
    QCOMPARE(r->cluster.replicas[0].activeNs, qint64(123456789));
    QCOMPARE(r->cluster.replicas[0].lag, quint64(0));
    QVERIFY(!r->cluster.replicas[1].current);
    QVERIFY(r->cluster.replicas[1].offline);
    QCOMPARE(r->cluster.replicas[1].activeNs, qint64(98765432100));
    QCOMPARE(r->cluster.replicas[1].lag, quint64(17));
    VERIFY_OK(r->config.validate());
    VERIFY_OK(r->config.checkSupported(21100));
    QCOMPARE(r->config.checkSupported(20910).kind, ErrorKind::Unsupported);

    // Empty stream: Go's zero times read as "never".
    const Result<StreamListPage> list = StreamListPage::fromJson(parse(kStreamList29));
    QVERIFY(list.ok());
    QVERIFY(!list->streams[0].state.firstTime.isValid());
    QVERIFY(!list->streams[0].state.lastTime.isValid());
}

void TestJsTypes::consumerInfoFromServer29() {
    const Result<ConsumerInfo> pull = ConsumerInfo::fromJson(parse(kConsumerInfoPull29));
    QVERIFY2(pull.ok(), qPrintable(pull.error().message));
    QCOMPARE(pull->stream, QStringLiteral("ORDERS"));
    QCOMPARE(pull->name, QStringLiteral("PULL"));
    QCOMPARE(pull->created, utc(2026, 11, 23, 0, 57, 9, 628));
    QVERIFY(!pull->config.isPush());
    ConsumerConfig expected = fullPull();
    expected.description = QStringLiteral("edited");
    expected.maxAckPending = 60;
    expected.ackWaitNs = kSec; // the server replaces ack wait with the first backoff step
    expected.metadata.clear(); // 2.9 drops metadata
    QVERIFY(pull->config == expected);
    QCOMPARE(pull->delivered.consumerSeq, quint64(0));
    QCOMPARE(pull->delivered.streamSeq, quint64(4));
    QVERIFY(!pull->delivered.lastActive.isValid());
    QCOMPARE(pull->numPending, qint64(6));
    QCOMPARE(pull->numAckPending, qint64(0));
    QVERIFY(!pull->pushBound);

    const Result<ConsumerInfo> push = ConsumerInfo::fromJson(parse(kConsumerInfoPush29));
    QVERIFY2(push.ok(), qPrintable(push.error().message));
    const ConsumerConfig& c = push->config;
    QVERIFY(c.isPush());
    QCOMPARE(c.durableName, QStringLiteral("PUSH"));
    QCOMPARE(c.deliverSubject, QStringLiteral("deliver.push"));
    QCOMPARE(c.deliverGroup, QStringLiteral("grp"));
    QCOMPARE_POLICY(c.deliverPolicy, DeliverPolicy::ByStartTime);
    QCOMPARE_POLICY(c.ackPolicy, AckPolicy::All);
    QCOMPARE(c.ackWaitNs, 20 * kSec);
    QCOMPARE(c.idleHeartbeatNs, 5 * kSec);
    QVERIFY(c.flowControl);
    QCOMPARE(c.rateLimitBps, quint64(1000000));
    QCOMPARE_POLICY(c.replay, ReplayPolicy::Original);
    QCOMPARE(c.maxAckPending, 20);
    QCOMPARE(c.maxDeliver, 3);
    QCOMPARE(c.filterSubject, QStringLiteral("orders.*"));
    QCOMPARE(c.replicas, 0);
    QCOMPARE(push->numPending, qint64(13));
    QVERIFY(sameJson(c.toJson(), parse(kConsumerInfoPush29)["config"]));
}

void TestJsTypes::consumerInfoShapedLike211() {
    const Result<ConsumerInfo> r = ConsumerInfo::fromJson(parse(kConsumerInfo211));
    QVERIFY2(r.ok(), qPrintable(r.error().message));
    QCOMPARE(r->config.filterSubjects,
             QStringList({QStringLiteral("events.a"), QStringLiteral("events.b")}));
    QCOMPARE(r->config.pauseUntil, utc(2030, 1, 1, 0, 0, 0));
    QCOMPARE(r->config.maxDeliver, -1);
    QCOMPARE(r->config.backoffNs, QList<qint64>({kSec, 5 * kSec}));
    QVERIFY(sameJson(r->config.extra,
                     parse(R"({"priority_groups":["jobs"],"priority_policy":"pinned_client",
                              "priority_timeout":120000000000})")));
    QCOMPARE(r->delivered.consumerSeq, quint64(10));
    QCOMPARE(r->delivered.streamSeq, quint64(12));
    QCOMPARE(r->delivered.lastActive, utc(2025, 3, 18, 12, 0, 0, 500));
    QCOMPARE(r->ackFloor.lastActive, utc(2025, 3, 18, 11, 59, 59, 250));
    QCOMPARE(r->numAckPending, qint64(2));
    QCOMPARE(r->numRedelivered, qint64(1));
    QCOMPARE(r->numWaiting, qint64(3));
    QCOMPARE(r->numPending, qint64(30));
    QCOMPARE(r->cluster.leader, QStringLiteral("n1"));
    QVERIFY(r->paused);
    QCOMPARE(r->pauseRemainingNs, 3600 * kSec);
    // Valid for the server that made it, flagged for older ones.
    QVERIFY2(r->config.validate().ok(), qPrintable(r->config.validate().message));
    VERIFY_OK(r->config.checkSupported(21100));
    QCOMPARE(r->config.checkSupported(21000).kind, ErrorKind::Unsupported);
    // Round trip keeps the 2.11 members we do not model.
    json sent = r->config.toJson();
    json expected = parse(kConsumerInfo211)["config"];
    expected["pause_until"] = "2030-01-01T00:00:00.000000000Z";
    QVERIFY(sameJson(sent, expected));
}

void TestJsTypes::serverConfigsValidate() {
    // Whatever the server handed out must pass validate(), or info -> edit -> update breaks.
    const Result<StreamListPage> streams = StreamListPage::fromJson(parse(kStreamList29));
    QVERIFY(streams.ok());
    QCOMPARE(streams->streams.size(), 3);
    for (const StreamInfo& s : streams->streams)
        QVERIFY2(s.config.validate().ok(), qPrintable(s.config.validate().message));
    const Result<ConsumerListPage> consumers = ConsumerListPage::fromJson(parse(kConsumerList29));
    QVERIFY(consumers.ok());
    QCOMPARE(consumers->consumers.size(), 3);
    for (const ConsumerInfo& c : consumers->consumers) {
        QVERIFY2(c.config.validate().ok(), qPrintable(c.config.validate().message));
        QVERIFY2(c.config.checkSupported(20910).ok(),
                 qPrintable(c.config.checkSupported(20910).message));
    }
}

void TestJsTypes::accountInfo() {
    const Result<AccountInfo> a = AccountInfo::fromJson(parse(kAccountInfo29));
    QVERIFY2(a.ok(), qPrintable(a.error().message));
    QCOMPARE(a->memory, quint64(0));
    QCOMPARE(a->storage, quint64(650));
    QCOMPARE(a->streams, 3);
    QCOMPARE(a->consumers, 3);
    QCOMPARE(a->limits.maxMemory, qint64(-1));
    QCOMPARE(a->limits.maxStorage, qint64(-1));
    QCOMPARE(a->limits.maxStreams, -1);
    QCOMPARE(a->limits.maxConsumers, -1);
    QCOMPARE(a->limits.maxAckPending, -1);
    QCOMPARE(a->api.total, quint64(11));
    QCOMPARE(a->api.errors, quint64(1));
    QCOMPARE(a->api.level, 0);
    QVERIFY(a->domain.isEmpty());

    const Result<AccountInfo> limited = AccountInfo::fromJson(
        parse(R"({"memory":10,"storage":20,"streams":1,"consumers":2,"domain":"hub",
                 "limits":{"max_memory":1073741824,"max_storage":-1,"max_streams":10,
                           "max_consumers":100,"max_ack_pending":5000},
                 "api":{"level":1,"total":5,"errors":0}})"));
    QVERIFY(limited.ok());
    QCOMPARE(limited->domain, QStringLiteral("hub"));
    QCOMPARE(limited->limits.maxMemory, qint64(1073741824));
    QCOMPARE(limited->limits.maxStreams, 10);
    QCOMPARE(limited->limits.maxAckPending, 5000);
    QCOMPARE(limited->api.level, 1);

    const Result<AccountInfo> off = AccountInfo::fromJson(parse(kErrAccountNotEnabled));
    QVERIFY(!off.ok());
    QCOMPARE(off.error().kind, ErrorKind::JetStreamNotEnabled);
}

void TestJsTypes::pubAcks() {
    Result<PubAck> a = PubAck::fromJson(parse(kPubAck));
    QVERIFY(a.ok());
    QCOMPARE(a->stream, QStringLiteral("ORDERS"));
    QCOMPARE(a->seq, quint64(1));
    QVERIFY(!a->duplicate);
    a = PubAck::fromJson(parse(kPubAckDuplicate));
    QVERIFY(a.ok());
    QVERIFY(a->duplicate);
    a = PubAck::fromJson(parse(R"({"stream":"S","seq":18446744073709551615,"domain":"hub"})"));
    QVERIFY(a.ok());
    QCOMPARE(a->seq, std::numeric_limits<quint64>::max());
    QCOMPARE(a->domain, QStringLiteral("hub"));

    a = PubAck::fromJson(parse(kPubWrongLastSeq));
    QCOMPARE(a.error().kind, ErrorKind::WrongLastSequence);
    QCOMPARE(a.error().message, QStringLiteral("wrong last sequence: 1"));
    a = PubAck::fromJson(parse(kPubWrongLastMsgId));
    QCOMPARE(a.error().kind, ErrorKind::WrongLastSequence);
    QCOMPARE(a.error().apiErrCode, 10070);
    // A plain responder on the subject answered instead of a stream.
    a = PubAck::fromJson(parse(R"({"hello":"world"})"));
    QCOMPARE(a.error().kind, ErrorKind::Protocol);
    QCOMPARE(a.error().message,
             QStringLiteral("the reply is not a JetStream publish acknowledgement: "
                            "{\"hello\":\"world\"}"));
}

void TestJsTypes::pages() {
    const Result<StreamNamesPage> names = StreamNamesPage::fromJson(parse(kStreamNames29));
    QVERIFY(names.ok());
    QCOMPARE(names->names, QStringList({QStringLiteral("JOBS"), QStringLiteral("META"),
                                        QStringLiteral("ORDERS")}));
    QCOMPARE(names->total, 3);
    QCOMPARE(names->offset, 0);
    QCOMPARE(names->limit, 1024);
    // The server writes null, not [], when there are no streams.
    const Result<StreamNamesPage> none = StreamNamesPage::fromJson(parse(kStreamNamesEmpty29));
    QVERIFY(none.ok());
    QVERIFY(none->names.isEmpty());
    QCOMPARE(none->total, 0);

    const Result<StreamListPage> list = StreamListPage::fromJson(parse(kStreamList29));
    QVERIFY2(list.ok(), qPrintable(list.error().message));
    QCOMPARE(list->total, 3);
    QCOMPARE(list->limit, 256);
    QCOMPARE(list->streams[0].config.name, QStringLiteral("JOBS"));
    QCOMPARE_POLICY(list->streams[0].config.retention, RetentionPolicy::WorkQueue);
    QCOMPARE_POLICY(list->streams[0].config.storage, StorageType::Memory);
    QCOMPARE(list->streams[2].state.messages, quint64(13));
    const Result<StreamListPage> emptyList = StreamListPage::fromJson(parse(kStreamListEmpty29));
    QVERIFY(emptyList.ok());
    QVERIFY(emptyList->streams.isEmpty());
    const Result<StreamListPage> missing = StreamListPage::fromJson(
        parse(R"({"total":2,"offset":0,"limit":256,"streams":[],"missing":["A","B"]})"));
    QVERIFY(missing.ok());
    QCOMPARE(missing->missing, QStringList({QStringLiteral("A"), QStringLiteral("B")}));

    const Result<ConsumerNamesPage> cn = ConsumerNamesPage::fromJson(parse(kConsumerNames29));
    QVERIFY(cn.ok());
    QCOMPARE(cn->names.size(), 3);
    QCOMPARE(cn->names.last(), QStringLiteral("yATcKGZl"));
    QCOMPARE(cn->total, 3);
    QVERIFY(ConsumerNamesPage::fromJson(parse(kConsumerNamesEmpty29))->names.isEmpty());

    const Result<ConsumerListPage> cl = ConsumerListPage::fromJson(parse(kConsumerList29));
    QVERIFY2(cl.ok(), qPrintable(cl.error().message));
    QCOMPARE(cl->consumers.size(), 3);
    QCOMPARE_POLICY(cl->consumers[2].config.ackPolicy, AckPolicy::None);
    QCOMPARE(cl->consumers[2].config.inactiveThresholdNs, 5 * kSec);
    QVERIFY(cl->consumers[2].config.durableName.isEmpty());

    // A bad element names its index.
    const Result<ConsumerListPage> bad = ConsumerListPage::fromJson(
        parse(R"({"total":1,"consumers":[{"name":"A"},{"name":"B","num_pending":"x"}]})"));
    QCOMPARE(bad.error().message,
             QStringLiteral("invalid field consumers[1].num_pending: expected an integer, got "
                            "string"));
    // Errors in a page come back as the API error.
    QCOMPARE(StreamNamesPage::fromJson(parse(kErrStreamNotFound)).error().kind,
             ErrorKind::NotFound);
}

// ---- errors -------------------------------------------------------------------------------

void TestJsTypes::apiErrors_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("errCode");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* body, ErrorKind kind, int code, int errCode,
                        const QString& message) {
        QTest::newRow(name) << QByteArray(body) << int(kind) << code << errCode << message;
    };
    const auto synthetic = [](int code, int errCode, const char* description) {
        return QStringLiteral(R"({"error":{"code":%1,"err_code":%2,"description":"%3"}})")
            .arg(code)
            .arg(errCode)
            .arg(QLatin1String(description))
            .toUtf8();
    };
    row("stream not found (2.9.10)", kErrStreamNotFound, ErrorKind::NotFound, 404, 10059,
        QStringLiteral("stream not found"));
    row("consumer not found (2.9.10)", kErrConsumerNotFound, ErrorKind::NotFound, 404, 10014,
        QStringLiteral("consumer not found"));
    row("no message found (2.9.10)", kErrNoMessage, ErrorKind::NotFound, 404, 10037,
        QStringLiteral("no message found"));
    row("stream name in use (2.9.10)", kErrStreamNameInUse, ErrorKind::AlreadyExists, 400, 10058,
        QStringLiteral("stream name already in use with a different configuration (a stream of "
                       "that name exists; update it instead)"));
    row("account not enabled (2.9.10)", kErrAccountNotEnabled, ErrorKind::JetStreamNotEnabled, 503,
        10039,
        QStringLiteral("JetStream not enabled for account (the account has no JetStream limits on "
                       "this server)"));
    row("wrong last sequence (2.9.10)", kPubWrongLastSeq, ErrorKind::WrongLastSequence, 400, 10071,
        QStringLiteral("wrong last sequence: 1"));
    row("wrong last msg id (2.9.10)", kPubWrongLastMsgId, ErrorKind::WrongLastSequence, 400, 10070,
        QStringLiteral("wrong last msg ID: id-1"));
    row("subject overlap (2.9.10)", kErrSubjectOverlap, ErrorKind::JetStream, 400, 10065,
        QStringLiteral("subjects overlap with an existing stream"));
    row("start time update (2.9.10)", kErrStartTimeUpdate, ErrorKind::JetStream, 500, 10012,
        QStringLiteral("start time can not be updated"));
    const QByteArray b1 = synthetic(400, 10013, "consumer name already in use");
    QTest::newRow("consumer name in use") << b1 << int(ErrorKind::AlreadyExists) << 400 << 10013
                                          << QStringLiteral("consumer name already in use");
    const QByteArray b2 = synthetic(400, 10148, "consumer already exists");
    QTest::newRow("consumer already exists")
        << b2 << int(ErrorKind::AlreadyExists) << 400 << 10148
        << QStringLiteral("consumer already exists (a consumer of that name exists; update it "
                          "instead)");
    const QByteArray b3 = synthetic(503, 10076, "JetStream not enabled");
    QTest::newRow("not enabled") << b3 << int(ErrorKind::JetStreamNotEnabled) << 503 << 10076
                                 << QStringLiteral("JetStream not enabled (start nats-server with "
                                                   "-js or a jetstream block)");
    const QByteArray b4 = synthetic(400, 10164, "wrong last sequence");
    QTest::newRow("wrong last sequence constant") << b4 << int(ErrorKind::WrongLastSequence) << 400
                                                  << 10164 << QStringLiteral("wrong last sequence");
    const QByteArray b5 = synthetic(404, 10149, "consumer does not exist");
    QTest::newRow("consumer does not exist") << b5 << int(ErrorKind::NotFound) << 404 << 10149
                                             << QStringLiteral("consumer does not exist");
    const QByteArray b6 = synthetic(500, 10074, "replicas > 1 not supported in non-clustered mode");
    QTest::newRow("replicas hint")
        << b6 << int(ErrorKind::JetStream) << 500 << 10074
        << QStringLiteral("replicas > 1 not supported in non-clustered mode (this server is not "
                          "part of a JetStream cluster; use 1 replica)");
    QTest::newRow("no description")
        << QByteArray(R"({"error":{"code":503}})") << int(ErrorKind::JetStream) << 503 << 0
        << QStringLiteral("JetStream API error 503");
    QTest::newRow("no error") << QByteArray(R"({"type":"x","error":null})") << int(ErrorKind::None)
                              << 0 << 0 << QString();
}

void TestJsTypes::apiErrors() {
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(int, code);
    QFETCH(int, errCode);
    QFETCH(QString, message);
    const Error e = apiError(json::parse(body.toStdString()));
    QCOMPARE(int(e.kind), kind);
    QCOMPARE(e.apiCode, code);
    QCOMPARE(e.apiErrCode, errCode);
    QCOMPARE(e.message, message);
    if (!e.ok() && errCode != 0) {
        // serverText is the server's own description, without our hint.
        const json j = json::parse(body.toStdString());
        QCOMPARE(e.serverText,
                 QByteArray::fromStdString(j["error"]["description"].get<std::string>()));
    }
}

void TestJsTypes::parseApiResponses_data() {
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("ok") << QByteArray(kPubAck) << int(ErrorKind::None) << QString();
    QTest::newRow("error envelope") << QByteArray(kErrStreamNotFound) << int(ErrorKind::NotFound)
                                    << QStringLiteral("stream not found");
    QTest::newRow("empty") << QByteArray() << int(ErrorKind::Protocol)
                           << QStringLiteral("empty JetStream API response");
    QTest::newRow("not json") << QByteArray("+OK\r\n") << int(ErrorKind::Protocol)
                              << QStringLiteral("JetStream API response is not valid JSON: +OK  ");
    QTest::newRow("truncated")
        << QByteArray(R"({"stream":"ORD)") << int(ErrorKind::Protocol)
        << QStringLiteral("JetStream API response is not valid JSON: {\"stream\":\"ORD");
    QTest::newRow("array") << QByteArray("[1]") << int(ErrorKind::Protocol)
                           << QStringLiteral("JetStream API response is not a JSON object: [1]");
    QTest::newRow("long excerpt") << QByteArray(200, 'x') << int(ErrorKind::Protocol)
                                  << QStringLiteral("JetStream API response is not valid JSON: ") +
                                         QString(120, QLatin1Char('x')) + QStringLiteral("...");
}

void TestJsTypes::parseApiResponses() {
    QFETCH(QByteArray, payload);
    QFETCH(int, kind);
    QFETCH(QString, message);
    const Result<json> r = parseApiResponse(payload);
    QCOMPARE(int(r.error().kind), kind);
    QCOMPARE(r.error().message, message);
    QCOMPARE(r.ok(), kind == int(ErrorKind::None));
}

// ---- validation ---------------------------------------------------------------------------

void TestJsTypes::names_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("message");
    QTest::newRow("plain") << QStringLiteral("ORDERS_v2-eu") << QString();
    QTest::newRow("unicode") << QStringLiteral("zamówienia") << QString();
    QTest::newRow("255 bytes") << QString(255, QLatin1Char('x')) << QString();
    QTest::newRow("empty") << QString() << QStringLiteral("stream name is empty");
    QTest::newRow("256 bytes") << QString(256, QLatin1Char('x'))
                               << QStringLiteral("stream name is 256 bytes long, the limit is 255");
    QTest::newRow("multi-byte over") << QString(128, QChar(0x00E9))
                                     << QStringLiteral("stream name is 256 bytes long, the limit "
                                                       "is 255");
    QTest::newRow("dot") << QStringLiteral("a.b")
                         << QStringLiteral("stream name 'a.b' can not contain '.' (no '.', '*', "
                                           "'>', '/' or '\\')");
    QTest::newRow("star") << QStringLiteral("a*")
                          << QStringLiteral("stream name 'a*' can not contain '*' (no "
                                            "'.', '*', '>', '/' or '\\')");
    QTest::newRow("gt") << QStringLiteral(">")
                        << QStringLiteral("stream name '>' can not contain '>' (no "
                                          "'.', '*', '>', '/' or '\\')");
    QTest::newRow("slash") << QStringLiteral("a/b")
                           << QStringLiteral("stream name 'a/b' can not contain '/' (no '.', '*', "
                                             "'>', '/' or '\\')");
    QTest::newRow("backslash") << QStringLiteral("a\\b")
                               << QStringLiteral("stream name 'a\\b' can not contain '\\' (no '.', "
                                                 "'*', '>', '/' or '\\')");
    QTest::newRow("space") << QStringLiteral("a b")
                           << QStringLiteral("stream name 'a b' can not contain whitespace or "
                                             "control characters");
    QTest::newRow("tab") << QStringLiteral("a\tb")
                         << QStringLiteral("stream name 'a\tb' can not contain whitespace or "
                                           "control characters");
    QTest::newRow("control") << QStringLiteral("a\x01")
                             << QStringLiteral("stream name 'a\x01' can not contain whitespace or "
                                               "control characters");
}

void TestJsTypes::names() {
    QFETCH(QString, name);
    QFETCH(QString, message);
    const Status s = validateName(name, QStringLiteral("stream name"));
    QCOMPARE(s.message, message);
    QCOMPARE(s.kind, message.isEmpty() ? ErrorKind::None : ErrorKind::InvalidArgument);
}

void TestJsTypes::streamValidation_data() {
    // Each row patches a valid stream (merge-patch JSON over toJson()) and names the rule.
    // Most rules were also sent to a live nats-server 2.9.10, which rejected them as well;
    // rows marked "2.9.10 accepts" are rules of newer servers, or settings we refuse because
    // they mean nothing, that 2.9.10 let through.
    QTest::addColumn<QByteArray>("patch");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* patch, const QString& message) {
        QTest::newRow(name) << QByteArray(patch) << message;
    };
    row("valid", "{}", QString());
    row("valid: every field", "{}", QString());
    row("name", R"({"name":"a.b"})",
        QStringLiteral("stream name 'a.b' can not contain '.' (no '.', '*', '>', '/' or '\\')"));
    row("empty name", R"({"name":""})", QStringLiteral("stream name is empty"));
    row("description", "DESCRIPTION",
        QStringLiteral("stream description is longer than 4096 bytes"));
    row("replicas 6", R"({"num_replicas":6})",
        QStringLiteral("replicas must be between 1 and 5, not 6"));
    row("replicas 0 (2.9.10 accepts)", R"({"num_replicas":0})",
        QStringLiteral("replicas must be between 1 and 5, not 0"));
    row("max consumers (2.9.10 accepts)", R"({"max_consumers":-2})",
        QStringLiteral("max consumers must be -1 (unlimited) or positive, not -2"));
    row("max msgs (2.9.10 accepts)", R"({"max_msgs":-2})",
        QStringLiteral("max messages must be -1 (unlimited) or positive, not -2"));
    row("max bytes (2.9.10 accepts)", R"({"max_bytes":-5})",
        QStringLiteral("max bytes must be -1 (unlimited) or positive, not -5"));
    row("max msgs per subject", R"({"max_msgs_per_subject":-3})",
        QStringLiteral("max messages per subject must be -1 (unlimited) or positive, not -3"));
    row("max msg size", R"({"max_msg_size":-9})",
        QStringLiteral("max message size must be -1 (unlimited) or positive, not -9"));
    row("negative max age", R"({"max_age":-1})", QStringLiteral("max age can not be negative"));
    row("max age below 100ms", R"({"max_age":50000000})",
        QStringLiteral("max age must be at least 100ms (or 0 to keep forever), not 50ms"));
    row("negative duplicate window", R"({"duplicate_window":-1})",
        QStringLiteral("duplicate window can not be negative"));
    row("duplicate window below 100ms", R"({"duplicate_window":50000000})",
        QStringLiteral("duplicate window must be at least 100ms (or 0 for the server default), "
                       "not 50ms"));
    row("duplicate window over max age",
        R"({"max_age":10000000000,"duplicate_window":20000000000})",
        QStringLiteral("duplicate window (20s) can not be longer than max age (10s)"));
    row("duplicate window equal to max age",
        R"({"max_age":10000000000,"duplicate_window":10000000000})", QString());
    row("duplicate window without max age", R"({"max_age":0,"duplicate_window":86400000000000})",
        QString());
    row("deny purge with rollup", R"({"deny_purge":true,"allow_rollup_hdrs":true})",
        QStringLiteral("roll-ups need the purge permission: allow rollup and deny purge can not "
                       "both be set"));
    row("mirror with subjects", R"({"mirror":{"name":"ORIGIN"}})",
        QStringLiteral("a mirror can not have subjects of its own"));
    row("mirror without subjects", R"({"mirror":{"name":"ORIGIN"},"subjects":null})", QString());
    row("discard new per subject, discard old",
        R"({"discard_new_per_subject":true,"discard":"old"})",
        QStringLiteral("discard new per subject needs the discard policy 'new'"));
    row("discard new per subject, no per-subject limit",
        R"({"discard_new_per_subject":true,"discard":"new","max_msgs_per_subject":-1})",
        QStringLiteral("discard new per subject needs max messages per subject to be set"));
    row("discard new per subject, complete",
        R"({"discard_new_per_subject":true,"discard":"new","max_msgs_per_subject":1})", QString());
    row("bad subject", R"({"subjects":["a..b"]})",
        QStringLiteral("stream subject 'a..b' has an empty token (leading, trailing or double "
                       "dot)"));
    row("subject with space", R"({"subjects":["a b"]})",
        QStringLiteral("stream subject 'a b' contains whitespace or a control character at byte "
                       "1"));
    row("bad wildcard", R"({"subjects":["a.b*"]})",
        QStringLiteral("stream subject 'a.b*': a wildcard must be a whole token ('b*')"));
    row("'>' not last", R"({"subjects":["a.>.b"]})",
        QStringLiteral("stream subject 'a.>.b': '>' is only allowed as the last token"));
    row("duplicate subject", R"({"subjects":["a.b","a.b"]})",
        QStringLiteral("stream subject 'a.b' is listed twice"));
    row("overlapping subjects", R"({"subjects":["zz.*","zz.b"]})",
        QStringLiteral("stream subjects 'zz.*' and 'zz.b' overlap"));
    row("overlapping > subjects", R"({"subjects":["zz.>","zz.b.c"]})",
        QStringLiteral("stream subjects 'zz.>' and 'zz.b.c' overlap"));
    row("disjoint wildcards", R"({"subjects":["zz.*","zz.b.c","zz"]})", QString());
    row("capture all without no_ack", R"({"subjects":[">"]})",
        QStringLiteral("a stream capturing all subjects ('>') needs no ack to be set"));
    row("capture all with replicas", R"({"subjects":[">"],"no_ack":true,"num_replicas":3})",
        QStringLiteral("a stream capturing all subjects ('>') must have 1 replica"));
    row("capture all, no ack, R1", R"({"subjects":[">"],"no_ack":true})", QString());
    row("$JS space (2.9.10 accepts)", R"({"subjects":["$JS.foo"]})",
        QStringLiteral("stream subject '$JS.foo' overlaps the reserved $JS.> space; that needs no "
                       "ack to be set"));
    row("$JSC space", R"({"subjects":["$JSC.x.y"]})",
        QStringLiteral("stream subject '$JSC.x.y' overlaps the reserved $JSC.> space; that needs "
                       "no ack to be set"));
    row("$SYS space (2.9.10 accepts)", R"({"subjects":["$SYS.x"]})",
        QStringLiteral("stream subject '$SYS.x' overlaps the reserved $SYS.> space; that needs no "
                       "ack to be set"));
    row("$JS.EVENT allowed", R"({"subjects":["$JS.EVENT.>"]})", QString());
    row("$SYS.ACCOUNT allowed", R"({"subjects":["$SYS.ACCOUNT.*.CONNECT"]})", QString());
    row("$JS with no_ack", R"({"subjects":["$JS.foo"],"no_ack":true})", QString());
}

void TestJsTypes::streamValidation() {
    QFETCH(QByteArray, patch);
    QFETCH(QString, message);
    StreamConfig base;
    if (QByteArray(QTest::currentDataTag()) == "valid: every field") {
        base = fullStream();
        base.sealed = false;
    } else {
        base.name = QStringLiteral("S");
        base.subjects = {QStringLiteral("s.>")};
    }
    json j = base.toJson();
    if (patch == "DESCRIPTION")
        j["description"] = std::string(4097, 'd');
    else
        j.merge_patch(json::parse(patch.toStdString()));
    const Result<StreamConfig> c = StreamConfig::fromJson(j);
    QVERIFY2(c.ok(), qPrintable(c.error().message));
    const Status s = c->validate();
    QCOMPARE(s.message, message);
    QCOMPARE(s.kind, message.isEmpty() ? ErrorKind::None : ErrorKind::InvalidArgument);
}

void TestJsTypes::consumerValidation_data() {
    // Patches over a valid pull or push consumer ("push:" rows). As for streams, rows marked
    // "2.9.10 accepts" go beyond what that server checks.
    QTest::addColumn<QByteArray>("patch");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* patch, const QString& message) {
        QTest::newRow(name) << QByteArray(patch) << message;
    };
    row("pull: valid", "{}", QString());
    row("push: valid", "{}", QString());
    row("pull: every field", "FULLPULL", QString());
    row("push: every field", "FULLPUSH", QString());
    row("pull: durable name", R"({"durable_name":"a b"})",
        QStringLiteral("durable name 'a b' can not contain whitespace or control characters"));
    row("pull: name", R"({"name":"x/y"})",
        QStringLiteral("consumer name 'x/y' can not contain '/' (no '.', '*', '>', '/' or '\\')"));
    row("pull: names differ (2.9.10 accepts)", R"({"durable_name":"A","name":"B"})",
        QStringLiteral("durable name 'A' and name 'B' must be the same when both are set"));
    row("pull: names equal", R"({"durable_name":"A","name":"A"})", QString());
    row("pull: description", "DESCRIPTION",
        QStringLiteral("consumer description is longer than 4096 bytes"));
    row("pull: bad filter", R"({"filter_subject":"orders..x"})",
        QStringLiteral("filter subject 'orders..x' has an empty token (leading, trailing or "
                       "double dot)"));
    row("pull: filter and filters (2.10+ rule)",
        R"({"filter_subject":"a","filter_subjects":["b"]})",
        QStringLiteral("filter subject and filter subjects can not both be set"));
    row("pull: empty filter in list", R"({"filter_subjects":["a",""]})",
        QStringLiteral("filter subjects can not contain an empty subject"));
    row("pull: bad filter in list", R"({"filter_subjects":["a","b.>.c"]})",
        QStringLiteral("filter subject 'b.>.c': '>' is only allowed as the last token"));
    row("pull: overlapping filters (2.10+ rule)", R"({"filter_subjects":["orders.*","orders.b"]})",
        QStringLiteral("filter subjects 'orders.*' and 'orders.b' overlap"));
    row("pull: disjoint filters", R"({"filter_subjects":["orders.*","orders.b.c"]})", QString());
    row("push: wildcard deliver subject", R"({"deliver_subject":"dlv.*"})",
        QStringLiteral("deliver subject 'dlv.*' can not contain wildcards"));
    row("push: bad deliver subject", R"({"deliver_subject":"dlv."})",
        QStringLiteral("deliver subject 'dlv.' has an empty token (leading, trailing or double "
                       "dot)"));
    row("push: max waiting", R"({"max_waiting":5})",
        QStringLiteral("max waiting is a pull consumer option; a push consumer (one with a "
                       "deliver subject) can not use it"));
    row("push: max batch (2.9.10 accepts)", R"({"max_batch":5})",
        QStringLiteral("max batch is a pull consumer option; a push consumer (one with a deliver "
                       "subject) can not use it"));
    row("push: max expires (2.9.10 accepts)", R"({"max_expires":1000000000})",
        QStringLiteral("max expires is a pull consumer option; a push consumer (one with a "
                       "deliver subject) can not use it"));
    row("push: max bytes (2.9.10 accepts)", R"({"max_bytes":100})",
        QStringLiteral("max bytes is a pull consumer option; a push consumer (one with a deliver "
                       "subject) can not use it"));
    row("push: bad deliver group", R"({"deliver_group":"a b"})",
        QStringLiteral("deliver group 'a b' must be a queue group name without whitespace"));
    row("push: heartbeat too small", R"({"idle_heartbeat":50000000})",
        QStringLiteral("idle heartbeat must be at least 100ms, not 50ms"));
    row("push: negative heartbeat", R"({"idle_heartbeat":-1})",
        QStringLiteral("idle heartbeat can not be negative"));
    row("push: flow control without heartbeat", R"({"flow_control":true})",
        QStringLiteral("flow control needs an idle heartbeat"));
    row("push: flow control with heartbeat", R"({"flow_control":true,"idle_heartbeat":1000000000})",
        QString());
    row("pull: deliver group (2.9.10 accepts)", R"({"deliver_group":"g"})",
        QStringLiteral("deliver group is a push consumer option: it needs a deliver subject"));
    row("pull: heartbeat", R"({"idle_heartbeat":1000000000})",
        QStringLiteral("idle heartbeat is a push consumer option: it needs a deliver subject"));
    row("pull: flow control", R"({"flow_control":true})",
        QStringLiteral("flow control is a push consumer option: it needs a deliver subject"));
    row("pull: rate limit", R"({"rate_limit_bps":1000})",
        QStringLiteral("rate limit is a push consumer option: it needs a deliver subject"));
    row("pull: negative max waiting", R"({"max_waiting":-1})",
        QStringLiteral("max waiting can not be negative"));
    row("pull: negative max batch", R"({"max_batch":-1})",
        QStringLiteral("max batch can not be negative"));
    row("pull: negative max bytes (2.9.10 accepts)", R"({"max_bytes":-1})",
        QStringLiteral("max bytes can not be negative"));
    row("pull: negative max expires", R"({"max_expires":-1})",
        QStringLiteral("max expires can not be negative"));
    row("pull: max expires below 1ms", R"({"max_expires":500000})",
        QStringLiteral("max expires must be at least 1ms, not 500\u00B5s"));
    row("pull: negative ack wait (2.9.10 accepts)", R"({"ack_wait":-1})",
        QStringLiteral("ack wait can not be negative"));
    row("push: ack none with ack wait (2.9.10 accepts)",
        R"({"ack_policy":"none","ack_wait":1000000000})",
        QStringLiteral("ack wait makes no sense with ack policy none: nothing is acknowledged"));
    row("push: ack none with max ack pending", R"({"ack_policy":"none","max_ack_pending":10})",
        QStringLiteral("max ack pending makes no sense with ack policy none: nothing is "
                       "acknowledged"));
    row("push: ack none with backoff",
        R"({"ack_policy":"none","backoff":[1000000000],"max_deliver":2})",
        QStringLiteral("backoff makes no sense with ack policy none: nothing is redelivered"));
    row("push: ack none, unlimited pending", R"({"ack_policy":"none","max_ack_pending":-1})",
        QString());
    row("pull: max ack pending (2.9.10 accepts)", R"({"max_ack_pending":-2})",
        QStringLiteral("max ack pending must be -1 (unlimited), 0 (server default) or positive, "
                       "not -2"));
    row("pull: max deliver 0 (2.9.10 accepts)", R"({"max_deliver":0})",
        QStringLiteral("max deliver can not be 0; use -1 for unlimited"));
    row("pull: max deliver -3 (2.9.10 accepts)", R"({"max_deliver":-3})",
        QStringLiteral("max deliver must be -1 (unlimited) or positive, not -3"));
    row("pull: negative backoff (2.9.10 accepts)", R"({"backoff":[-1000000000],"max_deliver":4})",
        QStringLiteral("backoff entry 1 can not be negative (-1s)"));
    row("pull: backoff longer than max deliver",
        R"({"backoff":[1000000000,2000000000,3000000000],"max_deliver":2})",
        QStringLiteral("max deliver (2) must be at least the number of backoff entries (3), or "
                       "-1"));
    row("pull: backoff with unlimited deliveries (2.11+)",
        R"({"backoff":[1000000000,2000000000,3000000000],"max_deliver":-1})", QString());
    row("pull: backoff equal to max deliver (2.11+)",
        R"({"backoff":[1000000000,2000000000,3000000000],"max_deliver":3})", QString());
    row("pull: by_start_sequence without a sequence", R"({"deliver_policy":"by_start_sequence"})",
        QStringLiteral("deliver policy by_start_sequence needs a start sequence greater than 0"));
    row("pull: start sequence with all", R"({"opt_start_seq":3})",
        QStringLiteral("a start sequence is only used with deliver policy by_start_sequence, not "
                       "all"));
    row("pull: start sequence with by_start_time",
        R"({"deliver_policy":"by_start_time","opt_start_time":"2024-01-02T03:04:05Z","opt_start_seq":3})",
        QStringLiteral("a start sequence is only used with deliver policy by_start_sequence, not "
                       "by_start_time"));
    row("pull: by_start_time without a time", R"({"deliver_policy":"by_start_time"})",
        QStringLiteral("deliver policy by_start_time needs a start time"));
    row("pull: start time with new",
        R"({"deliver_policy":"new","opt_start_time":"2024-01-02T03:04:05Z"})",
        QStringLiteral("a start time is only used with deliver policy by_start_time, not new"));
    row("pull: last_per_subject without filter", R"({"deliver_policy":"last_per_subject"})",
        QStringLiteral("deliver policy last_per_subject needs a filter subject"));
    row("pull: last_per_subject with filters",
        R"({"deliver_policy":"last_per_subject","filter_subjects":["a.*"]})", QString());
    row("pull: sample frequency", R"({"sample_freq":"abc"})",
        QStringLiteral("sample frequency must be a percentage from 0 to 100 like 50 or 50%, not "
                       "'abc'"));
    row("pull: sample frequency 150 (2.9.10 accepts)", R"({"sample_freq":"150"})",
        QStringLiteral("sample frequency must be a percentage from 0 to 100 like 50 or 50%, not "
                       "'150'"));
    row("pull: sample frequency 25", R"({"sample_freq":"25"})", QString());
    row("pull: replicas 7", R"({"num_replicas":7})",
        QStringLiteral("replicas must be between 0 (as the stream) and 5, not 7"));
    row("pull: negative replicas", R"({"num_replicas":-1})",
        QStringLiteral("replicas must be between 0 (as the stream) and 5, not -1"));
    row("pull: negative inactive threshold (2.9.10 accepts)", R"({"inactive_threshold":-1})",
        QStringLiteral("inactive threshold can not be negative"));
}

void TestJsTypes::consumerValidation() {
    QFETCH(QByteArray, patch);
    QFETCH(QString, message);
    const bool push = QByteArray(QTest::currentDataTag()).startsWith("push:");
    ConsumerConfig base;
    base.durableName = QStringLiteral("C");
    if (push)
        base.deliverSubject = QStringLiteral("dlv.c");
    json j = base.toJson();
    if (patch == "FULLPULL")
        j = fullPull().toJson();
    else if (patch == "FULLPUSH")
        j = fullPush().toJson();
    else if (patch == "DESCRIPTION")
        j["description"] = std::string(4097, 'd');
    else
        j.merge_patch(json::parse(patch.toStdString()));
    const Result<ConsumerConfig> c = ConsumerConfig::fromJson(j);
    QVERIFY2(c.ok(), qPrintable(c.error().message));
    QCOMPARE(c->isPush(), push);
    const Status s = c->validate();
    QCOMPARE(s.message, message);
    QCOMPARE(s.kind, message.isEmpty() ? ErrorKind::None : ErrorKind::InvalidArgument);
}

void TestJsTypes::checkSupported_data() {
    QTest::addColumn<QByteArray>("config"); // consumer config JSON
    QTest::addColumn<int>("version");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* config, int version, const QString& msg) {
        QTest::newRow(name) << QByteArray(config) << version << msg;
    };
    row("plain on 2.9.10", R"({"durable_name":"A"})", 20910, QString());
    row("unknown version", R"({"pause_until":"2030-01-01T00:00:00Z"})", 0, QString());
    row("name on 2.8", R"({"name":"A"})", 20812,
        QStringLiteral("a consumer name (rather than a durable name) needs nats-server 2.9 or "
                       "newer (the server is 2.8.12)"));
    row("name on 2.9.0", R"({"name":"A"})", 20900, QString());
    row("filter subjects on 2.9", R"({"filter_subjects":["a","b"]})", 20910,
        QStringLiteral("a list of filter subjects needs nats-server 2.10 or newer (the server is "
                       "2.9.10)"));
    row("filter subjects on 2.10", R"({"filter_subjects":["a","b"]})", 21000, QString());
    row("metadata on 2.9", R"({"metadata":{"a":"b"}})", 20910,
        QStringLiteral("consumer metadata needs nats-server 2.10 or newer (the server is 2.9.10)"));
    row("pause on 2.10", R"({"pause_until":"2030-01-01T00:00:00Z"})", 21022,
        QStringLiteral("pausing a consumer (pause until) needs nats-server 2.11 or newer (the "
                       "server is 2.10.22)"));
    row("pause on 2.11", R"({"pause_until":"2030-01-01T00:00:00Z"})", 21100, QString());
    row("backoff, unlimited deliveries on 2.9", R"({"backoff":[1,2],"max_deliver":-1})", 20910,
        QStringLiteral("nats-server 2.9.10 needs max deliver greater than the number of backoff "
                       "entries (2); -1 or an equal count needs 2.11 or newer"));
    row("backoff, equal deliveries on 2.10", R"({"backoff":[1,2],"max_deliver":2})", 21014,
        QStringLiteral("nats-server 2.10.14 needs max deliver greater than the number of backoff "
                       "entries (2); -1 or an equal count needs 2.11 or newer"));
    row("backoff, more deliveries on 2.9", R"({"backoff":[1,2],"max_deliver":3})", 20910,
        QString());
    row("backoff, unlimited on 2.11", R"({"backoff":[1,2],"max_deliver":-1})", 21100, QString());
}

void TestJsTypes::checkSupported() {
    QFETCH(QByteArray, config);
    QFETCH(int, version);
    QFETCH(QString, message);
    const Result<ConsumerConfig> c = ConsumerConfig::fromJson(json::parse(config.toStdString()));
    QVERIFY2(c.ok(), qPrintable(c.error().message));
    const Status s = c->checkSupported(version);
    QCOMPARE(s.message, message);
    QCOMPARE(s.kind, message.isEmpty() ? ErrorKind::None : ErrorKind::Unsupported);
}

QTEST_GUILESS_MAIN(TestJsTypes)
#include "tst_jstypes.moc"
