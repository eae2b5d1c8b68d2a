// The JetStream commands of jetdeck-cli: stream and pub --js (consumer and consume are in
// consumercommands.cpp).
#include "app/cli/clicommon.h"
#include "app/cli/jshelpers.h"
#include "core/protocol/json.h"

#include "core/jetstream/asyncpublisher.h"
#include "core/jetstream/jetstream.h"
#include "core/jetstream/messagebrowser.h"
#include "core/protocol/subject.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <nlohmann/json.hpp>

namespace jetdeck::cli {

using namespace jetdeck::js;

namespace {

QJsonObject streamJson(const StreamInfo& s) {
    return QJsonObject{
        {QStringLiteral("config"), toQt(s.config.toJson())},
        {QStringLiteral("state"),
         QJsonObject{{QStringLiteral("messages"), qint64(s.state.messages)},
                     {QStringLiteral("bytes"), qint64(s.state.bytes)},
                     {QStringLiteral("first_seq"), qint64(s.state.firstSeq)},
                     {QStringLiteral("last_seq"), qint64(s.state.lastSeq)},
                     {QStringLiteral("consumer_count"), s.state.consumerCount}}},
        {QStringLiteral("cluster"), QJsonObject{{QStringLiteral("name"), s.cluster.name},
                                                {QStringLiteral("leader"), s.cluster.leader}}}};
}

void printStreamInfo(const StreamInfo& s) {
    const StreamConfig& c = s.config;
    out(QStringLiteral("Stream %1").arg(c.name));
    if (!c.description.isEmpty())
        out(QStringLiteral("  Description:   %1").arg(c.description));
    out(QStringLiteral("  Subjects:      %1").arg(c.subjects.join(QStringLiteral(", "))));
    out(QStringLiteral("  Storage:       %1, %2 replica%3, retention %4, discard %5")
            .arg(toString(c.storage))
            .arg(c.replicas)
            .arg(c.replicas == 1 ? QString() : QStringLiteral("s"))
            .arg(toString(c.retention), toString(c.discard)));
    out(QStringLiteral("  Limits:        max msgs %1, max bytes %2, max age %3, max msg size %4")
            .arg(c.maxMsgs < 0 ? QStringLiteral("unlimited") : QString::number(c.maxMsgs))
            .arg(c.maxBytes < 0 ? QStringLiteral("unlimited") : bytesText(quint64(c.maxBytes)))
            .arg(c.maxAgeNs <= 0 ? QStringLiteral("unlimited") : formatDurationNs(c.maxAgeNs))
            .arg(c.maxMsgSize < 0 ? QStringLiteral("unlimited") : QString::number(c.maxMsgSize)));
    out(QStringLiteral("  Dup window:    %1").arg(formatDurationNs(c.duplicateWindowNs)));
    out(QStringLiteral("  Messages:      %1 (%2), sequences %3..%4")
            .arg(count(s.state.messages), bytesText(s.state.bytes))
            .arg(s.state.firstSeq)
            .arg(s.state.lastSeq));
    out(QStringLiteral("  Consumers:     %1").arg(s.state.consumerCount));
    if (!s.cluster.leader.isEmpty())
        out(QStringLiteral("  Cluster:       %1, leader %2").arg(s.cluster.name, s.cluster.leader));
}

// --- stream ------------------------------------------------------------------------------

Result<StreamConfig> streamConfigFromFlags(const QCommandLineParser& p, const QString& name) {
    StreamConfig c;
    c.name = name;
    c.subjects = p.value(QStringLiteral("subjects")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (QString& s : c.subjects)
        s = s.trimmed();
    if (c.subjects.isEmpty())
        c.subjects << name; // as natscli: a stream without subjects listens on its own name
    auto choose = [&](const char* opt, auto parse, auto* out) -> Status {
        const QString key = QLatin1String(opt);
        if (!p.isSet(key))
            return {};
        auto v = parse(p.value(key));
        if (!v)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--%1: '%2' is not a valid choice").arg(key, p.value(key))};
        *out = *v;
        return {};
    };
    if (Status s = choose(
            "storage", [](const QString& v) { return parseStorageType(v); }, &c.storage);
        !s.ok())
        return s;
    if (Status s = choose(
            "retention", [](const QString& v) { return parseRetentionPolicy(v); }, &c.retention);
        !s.ok())
        return s;
    if (Status s = choose(
            "discard", [](const QString& v) { return parseDiscardPolicy(v); }, &c.discard);
        !s.ok())
        return s;
    auto number = [&](const char* opt, qint64 min, auto* out) {
        return readIntOption(p, opt, min, out);
    };
    auto duration = [&](const char* opt, qint64* out) -> Status {
        const QString key = QLatin1String(opt);
        if (!p.isSet(key))
            return {};
        auto v = parseDurationNs(p.value(key));
        if (!v || *v < 0)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("--%1 needs a duration such as 30s, 1h or 24h, got '%2'")
                             .arg(key, p.value(key))};
        *out = *v;
        return {};
    };
    for (Status s :
         {number("replicas", 1, &c.replicas), number("max-msgs", -1, &c.maxMsgs),
          number("max-bytes", -1, &c.maxBytes), number("max-msg-size", -1, &c.maxMsgSize),
          duration("max-age", &c.maxAgeNs), duration("dupe-window", &c.duplicateWindowNs)})
        if (!s.ok())
            return s;
    if (p.isSet(QStringLiteral("description")))
        c.description = p.value(QStringLiteral("description"));
    if (Status s = c.validate(); !s.ok())
        return s;
    return c;
}

void streamOptions(QCommandLineParser& p) {
    p.addOptions({
        {QStringLiteral("subjects"), QStringLiteral("add: comma separated subjects."),
         QStringLiteral("list")},
        {QStringLiteral("storage"), QStringLiteral("add: file or memory."), QStringLiteral("type")},
        {QStringLiteral("retention"), QStringLiteral("add: limits, interest or workqueue."),
         QStringLiteral("policy")},
        {QStringLiteral("discard"), QStringLiteral("add: old or new."), QStringLiteral("policy")},
        {QStringLiteral("replicas"), QStringLiteral("add: replicas (1-5)."), QStringLiteral("n")},
        {QStringLiteral("max-msgs"), QStringLiteral("add: message limit, -1 unlimited."),
         QStringLiteral("n")},
        {QStringLiteral("max-bytes"), QStringLiteral("add: byte limit, -1 unlimited."),
         QStringLiteral("n")},
        {QStringLiteral("max-msg-size"), QStringLiteral("add: largest message, -1 unlimited."),
         QStringLiteral("n")},
        {QStringLiteral("max-age"), QStringLiteral("add: message age limit (24h)."),
         QStringLiteral("duration")},
        {QStringLiteral("dupe-window"), QStringLiteral("add: duplicate window (2m)."),
         QStringLiteral("duration")},
        {QStringLiteral("description"), QStringLiteral("add: description."),
         QStringLiteral("text")},
        {QStringLiteral("subject"),
         QStringLiteral("purge: only this subject; view: only messages on this subject "
                        "(wildcards allowed)."),
         QStringLiteral("subject")},
        {QStringLiteral("keep"), QStringLiteral("purge: keep this many newest."),
         QStringLiteral("n")},
        {QStringLiteral("seq"),
         QStringLiteral("purge: remove below this sequence; view: start at this sequence; "
                        "get: this message."),
         QStringLiteral("n")},
        {QStringLiteral("since"),
         QStringLiteral("view: start at the first message stored since this long ago (10m, "
                        "2h, 1d) or this time (2026-12-07T08:00:00Z)."),
         QStringLiteral("when")},
        {QStringLiteral("newest"), QStringLiteral("view: the newest --count messages.")},
        {QStringLiteral("last-per-subject"),
         QStringLiteral("view: the last message of each subject (with --subject: of each "
                        "subject it matches).")},
        {QStringLiteral("count"),
         QStringLiteral("view: messages to show (default 10, at most 1000)."), QStringLiteral("n")},
        {QStringLiteral("last-for"), QStringLiteral("get: the last message on this subject."),
         QStringLiteral("subject")},
        {QStringLiteral("erase"),
         QStringLiteral("rmm: also overwrite the message's bytes on disk (slower).")},
        {{QStringLiteral("f"), QStringLiteral("force")},
         QStringLiteral("rm, purge, rmm: do it without asking.")},
    });
}

// --- stream view / get / rmm: messages read without a consumer ---------------------------

QJsonObject storedJson(const QString& stream, const StoredMessage& m) {
    return toQt(messageRecord(stream, m));
}

void printStored(const StoredMessage& m) {
    out(QStringLiteral("[%1] %2  %3 (%4)")
            .arg(m.seq)
            .arg(m.time.toString(Qt::ISODateWithMs), m.subject, bytesText(quint64(m.data.size()))));
    for (const auto& e : m.headers.entries())
        out(QStringLiteral("  %1: %2")
                .arg(QString::fromUtf8(e.first), QString::fromUtf8(e.second)));
    const QString text = QString::fromUtf8(m.data);
    if (text.toUtf8() == m.data)
        out(text);
    else
        out(QStringLiteral("<%1 bytes of binary data; --json shows them as base64>")
                .arg(m.data.size()));
    out(QString());
}

int cmdStreamMessages(const QCommandLineParser& p, const Resolved& r, bool json,
                      const QString& verb, const QString& name) {
    const QStringList pos = p.positionalArguments();
    QString err;
    qint64 seq = 0;
    if (!parseCount(p, QStringLiteral("seq"), 0, &seq, &err))
        return fail(err, kExitUsage);
    if (verb == QLatin1String("rmm")) {
        bool ok = false;
        const quint64 which = pos.value(3).toULongLong(&ok);
        if (!ok || which == 0)
            return fail(QStringLiteral("stream rmm needs a stream and a message's sequence: "
                                       "stream rmm NAME SEQ --force"),
                        kExitUsage);
        if (!p.isSet(QStringLiteral("force")))
            return fail(QStringLiteral("stream rmm removes message %1 from %2; add --force to do "
                                       "it")
                            .arg(which)
                            .arg(name),
                        kExitUsage);
        Session s;
        int code = 0;
        if (!openSession(r, &s, &code))
            return code;
        if (Status st = s.js->deleteMessage(name, which, p.isSet(QStringLiteral("erase")));
            !st.ok())
            return fail(st.toString());
        if (json)
            printJson(
                {{QStringLiteral("stream"), name}, {QStringLiteral("deleted"), qint64(which)}});
        else
            out(QStringLiteral("Deleted message %1 from %2").arg(which).arg(name));
        return kExitOk;
    }
    if (verb == QLatin1String("get")) {
        const QString lastFor = p.value(QStringLiteral("last-for"));
        if ((seq > 0) == !lastFor.isEmpty())
            return fail(QStringLiteral("stream get takes --seq N or --last-for SUBJECT"),
                        kExitUsage);
        if (!lastFor.isEmpty()) {
            if (Status st = subject::validatePublish(lastFor.toUtf8()); !st.ok())
                return fail(QStringLiteral("--last-for: %1").arg(st.message), kExitUsage);
        }
        Session s;
        int code = 0;
        if (!openSession(r, &s, &code))
            return code;
        auto m = lastFor.isEmpty() ? s.js->getMessage(name, quint64(seq))
                                   : s.js->getLastMessage(name, lastFor);
        if (!m)
            return fail(QStringLiteral("%1 of %2: %3")
                            .arg(lastFor.isEmpty()
                                     ? QStringLiteral("message %1").arg(seq)
                                     : QStringLiteral("the last message on %1").arg(lastFor),
                                 name, m.error().toString()));
        if (json)
            printJson(storedJson(name, m.value()));
        else
            printStored(m.value());
        return kExitOk;
    }

    // view
    BrowseRequest req;
    qint64 n = 10;
    if (!parseCount(p, QStringLiteral("count"), 10, &n, &err))
        return fail(err, kExitUsage);
    if (n < 1 || n > BrowseRequest::kMaxCount)
        return fail(QStringLiteral("--count: a page shows 1 to %1 messages, got %2")
                        .arg(BrowseRequest::kMaxCount)
                        .arg(n),
                    kExitUsage);
    req.count = int(n);
    req.subject = p.value(QStringLiteral("subject"));
    const bool since = p.isSet(QStringLiteral("since"));
    const bool newest = p.isSet(QStringLiteral("newest"));
    const bool lastPer = p.isSet(QStringLiteral("last-per-subject"));
    if (int(seq > 0) + int(since) + int(newest) + int(lastPer) > 1)
        return fail(QStringLiteral("stream view starts at one place: --seq, --since, --newest or "
                                   "--last-per-subject"),
                    kExitUsage);
    if (seq > 0) {
        req.from = BrowseFrom::Sequence;
        req.seq = quint64(seq);
    } else if (since) {
        auto t = parseSince(p.value(QStringLiteral("since")), QDateTime::currentDateTimeUtc());
        if (!t)
            return fail(QStringLiteral("--since: %1").arg(t.error().message), kExitUsage);
        req.from = BrowseFrom::Time;
        req.time = t.value();
    } else if (newest) {
        req.from = BrowseFrom::Newest;
    } else if (lastPer) {
        req.from = BrowseFrom::LastPerSubject;
    }
    if (Status st = req.validate(); !st.ok())
        return fail(st.message, kExitUsage);
    Session s;
    int code = 0;
    if (!openSession(r, &s, &code))
        return code;
    MessageBrowser browser(*s.js);
    auto page = browser.read(name, req);
    if (!page)
        return fail(page.error().toString());
    if (json) {
        for (const StoredMessage& m : page->messages)
            outBytes(QJsonDocument(storedJson(name, m)).toJson(QJsonDocument::Compact));
        return kExitOk;
    }
    for (const StoredMessage& m : page->messages)
        printStored(m);
    QString summary;
    if (page->messages.isEmpty())
        summary = page->total == 0 ? QStringLiteral("Stream %1 is empty").arg(name)
                                   : QStringLiteral("No message of %1 matches").arg(name);
    else
        summary = QStringLiteral("%1 message%2 of %3 (%4 stored, sequences %5..%6)")
                      .arg(page->messages.size())
                      .arg(page->messages.size() == 1 ? QString() : QStringLiteral("s"))
                      .arg(name, count(page->total))
                      .arg(page->firstSeq)
                      .arg(page->lastSeq);
    if (page->more)
        summary += req.from == BrowseFrom::LastPerSubject
                       ? QStringLiteral("; %1 subjects in all").arg(page->subjects)
                       : QStringLiteral("; more from --seq %1").arg(page->next);
    if (page->direct)
        summary += QStringLiteral("; read with DIRECT.GET");
    if (page->scanCapped)
        summary += QStringLiteral("; stopped after reading back %1 messages: start with --since "
                                  "or --seq to go further")
                       .arg(MessageBrowser::kNewestScanLimit);
    out(summary);
    return kExitOk;
}

int cmdStream(const QCommandLineParser& p, const Resolved& r, bool json) {
    const QStringList pos = p.positionalArguments();
    const QString verb = pos.value(1);
    const QString name = pos.value(2);
    const QStringList verbs{QStringLiteral("ls"),  QStringLiteral("info"),  QStringLiteral("add"),
                            QStringLiteral("rm"),  QStringLiteral("purge"), QStringLiteral("view"),
                            QStringLiteral("get"), QStringLiteral("rmm")};
    if (!verbs.contains(verb))
        return fail(QStringLiteral("stream needs one of: %1").arg(verbs.join(QStringLiteral(", "))),
                    kExitUsage);
    if (verb != QLatin1String("ls")) {
        if (Status s = validateName(name, QStringLiteral("stream name")); !s.ok())
            return fail(s.toString(), kExitUsage);
    }
    if (verb == QLatin1String("view") || verb == QLatin1String("get") ||
        verb == QLatin1String("rmm"))
        return cmdStreamMessages(p, r, json, verb, name);
    std::optional<StreamConfig> config;
    if (verb == QLatin1String("add")) {
        auto c = streamConfigFromFlags(p, name);
        if (!c)
            return fail(c.error().toString(), kExitUsage);
        config = c.value();
    }
    const bool force = p.isSet(QStringLiteral("force"));
    if ((verb == QLatin1String("rm") || verb == QLatin1String("purge")) && !force)
        return fail(QStringLiteral("stream %1 removes data; add --force to do it").arg(verb),
                    kExitUsage);
    qint64 keep = 0, seq = 0;
    QString err;
    if (!parseCount(p, QStringLiteral("keep"), 0, &keep, &err) ||
        !parseCount(p, QStringLiteral("seq"), 0, &seq, &err))
        return fail(err, kExitUsage);

    Session s;
    int code = 0;
    if (!openSession(r, &s, &code))
        return code;
    if (verb == QLatin1String("ls")) {
        auto list = s.js->listStreams();
        if (!list)
            return fail(list.error().toString());
        if (json) {
            QJsonArray a;
            for (const StreamInfo& i : list.value())
                a.append(streamJson(i));
            outBytes(QJsonDocument(a).toJson(QJsonDocument::Compact));
            return kExitOk;
        }
        if (list->isEmpty()) {
            out(QStringLiteral("No streams"));
            return kExitOk;
        }
        const QList<int> w{20, 30, 8, 5, 12, 10, 10};
        out(row({QStringLiteral("Stream"), QStringLiteral("Subjects"), QStringLiteral("Storage"),
                 QStringLiteral("R"), QStringLiteral("Messages"), QStringLiteral("Bytes"),
                 QStringLiteral("Consumers")},
                w));
        for (const StreamInfo& i : list.value())
            out(row({i.config.name, i.config.subjects.join(QLatin1Char(',')),
                     toString(i.config.storage), QString::number(i.config.replicas),
                     count(i.state.messages), bytesText(i.state.bytes),
                     QString::number(i.state.consumerCount)},
                    w));
        return kExitOk;
    }
    if (verb == QLatin1String("info") || verb == QLatin1String("add")) {
        auto info =
            verb == QLatin1String("add") ? s.js->addStream(*config) : s.js->streamInfo(name);
        if (!info)
            return fail(info.error().toString());
        if (json)
            printJson(streamJson(info.value()));
        else
            printStreamInfo(info.value());
        return kExitOk;
    }
    if (verb == QLatin1String("rm")) {
        if (Status st = s.js->deleteStream(name); !st.ok())
            return fail(st.toString());
        if (!json)
            out(QStringLiteral("Deleted stream %1").arg(name));
        else
            printJson({{QStringLiteral("deleted"), name}});
        return kExitOk;
    }
    auto purged =
        s.js->purgeStream(name, p.value(QStringLiteral("subject")), quint64(keep), quint64(seq));
    if (!purged)
        return fail(purged.error().toString());
    if (json)
        printJson(
            {{QStringLiteral("stream"), name}, {QStringLiteral("purged"), qint64(purged.value())}});
    else
        out(QStringLiteral("Purged %1 messages from %2").arg(purged.value()).arg(name));
    return kExitOk;
}

} // namespace

// --- pub --js (called by the core pub command) -------------------------------------------

int runJsPublish(const QCommandLineParser& p, const Resolved& r, bool json,
                 const QByteArray& subject, const QByteArray& body, const Headers& headers,
                 qint64 count) {
    PublishOptions po;
    po.msgId = p.value(QStringLiteral("msg-id")).toUtf8();
    po.expectedStream = p.value(QStringLiteral("expect-stream"));
    if (p.isSet(QStringLiteral("expect-last-seq"))) {
        bool ok = false;
        const quint64 v = p.value(QStringLiteral("expect-last-seq")).toULongLong(&ok);
        if (!ok)
            return fail(QStringLiteral("--expect-last-seq needs a sequence number"), kExitUsage);
        po.expectedLastSeq = v;
    }
    po.timeoutMs = r.timeoutMs;
    if (count > 1 && !po.msgId.isEmpty())
        return fail(QStringLiteral("--msg-id with --count would make every message a duplicate; "
                                   "use --msg-ids to number them"),
                    kExitUsage);

    Session s;
    int code = 0;
    if (!openSession(r, &s, &code))
        return code;
    if (count == 1) {
        auto ack = s.js->publish(subject, body, po, headers.isEmpty() ? nullptr : &headers);
        if (!ack)
            return fail(ack.error().toString());
        if (json)
            printJson({{QStringLiteral("stream"), ack->stream},
                       {QStringLiteral("seq"), qint64(ack->seq)},
                       {QStringLiteral("duplicate"), ack->duplicate}});
        else
            out(QStringLiteral("Stored in %1 as sequence %2%3")
                    .arg(ack->stream)
                    .arg(ack->seq)
                    .arg(ack->duplicate ? QStringLiteral(" (duplicate: already stored)")
                                        : QString()));
        return kExitOk;
    }
    AsyncPublishConfig cfg;
    cfg.autoMsgIds = p.isSet(QStringLiteral("msg-ids"));
    cfg.ackTimeoutMs = r.timeoutMs;
    AsyncPublisher pub(s.conn.get(), cfg);
    QElapsedTimer t;
    t.start();
    for (qint64 i = 0; i < count && !interrupted(); ++i) {
        auto id = pub.publish(subject, body, po, headers.isEmpty() ? nullptr : &headers);
        if (!id)
            return fail(QStringLiteral("message %1 of %2: %3")
                            .arg(i + 1)
                            .arg(count)
                            .arg(id.error().toString()));
    }
    const Status done = pub.waitComplete(r.timeoutMs + 5000);
    const AsyncPublishStats st = pub.stats();
    const double secs = double(t.nsecsElapsed()) / 1e9;
    if (json)
        printJson({{QStringLiteral("published"), qint64(st.published)},
                   {QStringLiteral("acked"), qint64(st.acked)},
                   {QStringLiteral("duplicates"), qint64(st.duplicates)},
                   {QStringLiteral("failed"), qint64(st.failed)},
                   {QStringLiteral("timed_out"), qint64(st.timedOut)},
                   {QStringLiteral("seconds"), secs}});
    else
        out(QStringLiteral("Published %1 messages to JetStream in %2 s: %3 acked (%4 duplicates), "
                           "%5 failed, %6 timed out")
                .arg(st.published)
                .arg(secs, 0, 'f', 2)
                .arg(st.acked)
                .arg(st.duplicates)
                .arg(st.failed)
                .arg(st.timedOut));
    if (!done.ok() || st.failed || st.timedOut)
        return fail(!done.ok() ? done.toString() : QStringLiteral("not every message was stored"));
    return kExitOk;
}

QList<Command> jetStreamCommands() {
    QList<Command> commands{
        {"stream", "ls|info|add|rm|purge|view|get|rmm [NAME] [SEQ]",
         "Manage JetStream streams; read (view, get) and remove (rmm) their messages",
         streamOptions, cmdStream},
    };
    commands += consumerCommands();
    return commands;
}

} // namespace jetdeck::cli
