#include "checks.h"

#include "core/jetstream/pullconsumer.h"
#include "core/scenario/reader.h"

#include <QJsonArray>

#include <cmath>

namespace jetdeck::scenario::steps {

namespace {

// --- helpers --------------------------------------------------------------------------------

quint64 percentileOf(const metrics::Percentiles& p, int which) {
    switch (which) {
    case 50:
        return p.p50;
    case 90:
        return p.p90;
    case 95:
        return p.p95;
    case 99:
        return p.p99;
    default:
        return p.p999;
    }
}

bool inBounds(qint64 v, const AssertStep& a) {
    return (a.atLeast < 0 || v >= a.atLeast) && (a.atMost < 0 || v <= a.atMost);
}

QString boundsText(const AssertStep& a) {
    QStringList parts;
    if (a.atLeast >= 0)
        parts << QStringLiteral("at least %1").arg(a.atLeast);
    if (a.atMost >= 0)
        parts << QStringLiteral("at most %1").arg(a.atMost);
    return parts.join(QStringLiteral(" and "));
}

/// When a worker received fewer messages than the stream holds: which stream sequences it
/// lacks, whether the server ever delivered them to this client, and what the consumer's
/// state says of them (appended to the failed check's message; also in `measured`).
QString missingReport(Run& run, const QString& stream, Run::Worker& worker, QJsonObject* measured) {
    const js::JetStream js(run.connection());
    auto info = js.streamInfo(stream);
    if (!info)
        return {};
    QSet<quint64> seen, arrived;
    {
        QMutexLocker l(&worker.mu);
        seen = worker.seen;
        arrived = worker.arrived;
    }
    QList<quint64> missing, neverDelivered, lostInClient;
    for (quint64 seq = info.value().state.firstSeq;
         seq && seq <= info.value().state.lastSeq && missing.size() < 10000; ++seq)
        if (!seen.contains(seq)) {
            missing << seq;
            (arrived.contains(seq) ? lostInClient : neverDelivered) << seq;
        }
    if (missing.isEmpty())
        return {};
    // Returns QString, not an expression template: with QT_USE_QSTRINGBUILDER a deduced return
    // type would hold references to the temporaries below.
    auto listed = [](const QList<quint64>& v) -> QString {
        QStringList s;
        for (qsizetype i = 0; i < qMin<qsizetype>(v.size(), 20); ++i)
            s << QString::number(v[i]);
        return s.join(QStringLiteral(", ")) + (v.size() > 20 ? QStringLiteral(", ...") : QString());
    };
    QJsonArray seqs;
    for (quint64 s : std::as_const(missing))
        seqs.append(qint64(s));
    measured->insert(QStringLiteral("missing_stream_sequences"), seqs);
    measured->insert(QStringLiteral("never_delivered"), qint64(neverDelivered.size()));
    measured->insert(QStringLiteral("lost_in_client"), qint64(lostInClient.size()));
    QString out = QStringLiteral(": stream sequence(s) %1 never reached it").arg(listed(missing));
    if (!lostInClient.isEmpty())
        out += QStringLiteral("; %1 arrived at this client but never reached the worker (a "
                              "client defect)")
                   .arg(listed(lostInClient));
    if (!neverDelivered.isEmpty()) {
        out += QStringLiteral("; %1 never delivered by the server").arg(listed(neverDelivered));
        if (auto ci = js.consumerInfo(stream, worker.consumer->consumer())) {
            const js::ConsumerInfo& i = ci.value();
            out += QStringLiteral(" (consumer %1: delivered up to stream seq %2, ack floor %3, "
                                  "%4 pending, %5 awaiting ack%6)")
                       .arg(i.name)
                       .arg(i.delivered.streamSeq)
                       .arg(i.ackFloor.streamSeq)
                       .arg(i.numPending)
                       .arg(i.numAckPending)
                       .arg(i.numPending == 0 && i.numAckPending == 0
                                ? QStringLiteral(": the server counts them as delivered and "
                                                 "acknowledged, so it skipped them")
                                : QString());
        }
    }
    for (qsizetype k = 0; k < qMin<qsizetype>(missing.size(), 3); ++k)
        if (auto m = js.getMessage(stream, missing[k]))
            out += QStringLiteral("; seq %1: %2, msg id %3, stored %4")
                       .arg(missing[k])
                       .arg(m.value().subject)
                       .arg(QString::fromUtf8(m.value().headers.value("Nats-Msg-Id")))
                       .arg(m.value().time.toString(Qt::ISODateWithMs));
    run.log(QStringLiteral("missing messages%1").arg(out));
    return out;
}

// --- what the checks read -------------------------------------------------------------------

Status needBound(Reader& r, const AssertStep& a, const QString& check) {
    if (a.atLeast < 0 && a.atMost < 0)
        return r.error(QString(), QStringLiteral("%1 needs at_least or at_most").arg(check));
    return {};
}

Status readConnected(Reader& r, AssertStep& a, const QString&) {
    if (a.withinMs <= 0)
        return r.error(QStringLiteral("within"), QStringLiteral("is required for connected"));
    return {};
}

Status readBounds(Reader& r, AssertStep& a, const QString& check) {
    return needBound(r, a, check);
}

Status readNoMessageLost(Reader& r, AssertStep& a, const QString&) {
    if (Status e = r.string(QStringLiteral("publish"), &a.publish, true); !e.ok())
        return e;
    if (Status e = r.string(QStringLiteral("stream"), &a.stream); !e.ok())
        return e;
    return r.string(QStringLiteral("worker"), &a.worker);
}

Status readConsumerPending(Reader& r, AssertStep& a, const QString&) {
    if (Status e = r.string(QStringLiteral("stream"), &a.stream, true); !e.ok())
        return e;
    if (Status e = r.string(QStringLiteral("consumer"), &a.consumer, true); !e.ok())
        return e;
    if (a.atMost < 0)
        a.atMost = 0;
    return {};
}

Status readLatency(Reader& r, AssertStep& a, const QString&) {
    if (Status e = r.string(QStringLiteral("publish"), &a.publish, true); !e.ok())
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
    return {};
}

Status readWorkerBounds(Reader& r, AssertStep& a, const QString& check) {
    if (Status e = r.string(QStringLiteral("worker"), &a.worker, true); !e.ok())
        return e;
    return needBound(r, a, check);
}

Status readRate(Reader& r, AssertStep& a, const QString&) {
    if (Status e = r.string(QStringLiteral("publish"), &a.publish, true); !e.ok())
        return e;
    a.percent = 2;
    return r.number(QStringLiteral("percent"), &a.percent, 0, 100);
}

Status readThroughput(Reader& r, AssertStep& a, const QString&) {
    if (Status e = r.string(QStringLiteral("publish"), &a.publish, true); !e.ok())
        return e;
    if (a.atLeast < 0)
        return r.error(QStringLiteral("at_least"),
                       QStringLiteral("is required for throughput (messages per second)"));
    return {};
}

Status readStreamMessages(Reader& r, AssertStep& a, const QString& check) {
    if (Status e = r.string(QStringLiteral("stream"), &a.stream, true); !e.ok())
        return e;
    return needBound(r, a, check);
}

// --- the checks -----------------------------------------------------------------------------

std::optional<bool> checkConnected(CheckContext& c) {
    Connection* conn = c.run.connection();
    const qint64 after = c.run.elapsed() - c.startedMs;
    const HealthSnapshot h = conn->health();
    const bool ok = h.state == ConnectionState::Connected;
    c.measured.insert(QStringLiteral("state"), connectionStateName(h.state));
    c.measured.insert(QStringLiteral("after_ms"), after);
    QString outage;
    // The last outage: from leaving CONNECTED to being back, from the state history.
    const QList<StateSpan> spans = conn->stateHistory();
    if (ok && spans.size() >= 2 && spans.last().state == ConnectionState::Connected) {
        qsizetype i = spans.size() - 1;
        while (i > 0 && spans[i - 1].state != ConnectionState::Connected)
            --i;
        if (i < spans.size() - 1 && i > 0) {
            const qint64 ms = spans[i].since.msecsTo(spans.last().since);
            c.measured.insert(QStringLiteral("last_outage_ms"), ms);
            outage = QStringLiteral(" (the last outage lasted %1 ms)").arg(ms);
        }
    }
    c.message = ok ? QStringLiteral("connected to %1 after %2 ms%3")
                         .arg(h.server)
                         .arg(c.run.elapsed() - c.startedMs)
                         .arg(outage)
                   : QStringLiteral("still %1 after %2 ms")
                         .arg(connectionStateName(conn->state()))
                         .arg(c.run.elapsed() - c.startedMs);
    return ok;
}

std::optional<bool> checkReconnects(CheckContext& c) {
    const qint64 n = qint64(c.run.connection()->health().reconnects - c.run.reconnectsAtStart());
    c.measured.insert(QStringLiteral("reconnects"), n);
    c.message = QStringLiteral("%1 reconnect(s); expected %2").arg(n).arg(boundsText(c.a));
    return inBounds(n, c.a);
}

std::optional<bool> checkNoMessageLost(CheckContext& c) {
    const PublishSummary s = c.publish->result();
    const bool js = s.mode != PublishMode::Core;
    const qint64 expected = js ? s.acked - s.duplicates : s.accepted;
    c.measured = s.toJson();
    c.measured.insert(QStringLiteral("expected"), expected);
    QStringList problems;
    if (s.rejected > 0)
        problems << QStringLiteral("%1 refused at publish").arg(s.rejected);
    if (js) {
        if (s.failed + s.timedOut + s.unanswered > 0)
            problems << QStringLiteral("%1 failed, %2 timed out, %3 unanswered")
                            .arg(s.failed)
                            .arg(s.timedOut)
                            .arg(s.unanswered);
    } else if (s.expired + s.dropped + s.stillQueued + s.stillBuffered > 0) {
        problems << QStringLiteral("%1 expired, %2 dropped, %3 never sent")
                        .arg(s.expired)
                        .arg(s.dropped)
                        .arg(s.stillQueued + s.stillBuffered);
    }
    const QString& stream = c.a.stream;
    if (!stream.isEmpty()) {
        auto info = js::JetStream(c.run.connection()).streamInfo(stream);
        if (!info) {
            problems << QStringLiteral("stream %1: %2").arg(stream, info.error().message);
        } else {
            const qint64 stored = qint64(info.value().state.messages);
            c.measured.insert(QStringLiteral("stored"), stored);
            if (stored < expected)
                problems << QStringLiteral("stream %1 holds %2 of %3")
                                .arg(stream)
                                .arg(stored)
                                .arg(expected);
        }
    }
    if (c.worker) {
        const qint64 got = c.worker->distinct();
        c.measured.insert(QStringLiteral("received"), got);
        if (got < expected) {
            QString why = QStringLiteral("worker %1 received %2 of %3")
                              .arg(c.worker->name)
                              .arg(got)
                              .arg(expected);
            // The details cost requests: only for the verdict, not for every retry while the
            // worker catches up.
            if (!stream.isEmpty() && c.finalPass)
                why += missingReport(c.run, stream, *c.worker, &c.measured);
            problems << why;
        }
    }
    c.message = problems.isEmpty() ? QStringLiteral("all %1 message(s) accounted for").arg(expected)
                                   : problems.join(QStringLiteral("; "));
    return problems.isEmpty();
}

std::optional<bool> checkConsumerPending(CheckContext& c) {
    auto info = js::JetStream(c.run.connection()).consumerInfo(c.a.stream, c.a.consumer);
    if (!info) {
        c.message = info.error().message;
        return false;
    }
    const qint64 v = info.value().numPending + info.value().numAckPending;
    c.measured = {{QStringLiteral("num_pending"), info.value().numPending},
                  {QStringLiteral("num_ack_pending"), info.value().numAckPending},
                  {QStringLiteral("num_redelivered"), info.value().numRedelivered}};
    c.message = QStringLiteral("%1 pending + %2 awaiting ack; expected %3")
                    .arg(info.value().numPending)
                    .arg(info.value().numAckPending)
                    .arg(boundsText(c.a));
    return inBounds(v, c.a);
}

std::optional<bool> checkStreamMessages(CheckContext& c) {
    auto info = js::JetStream(c.run.connection()).streamInfo(c.a.stream);
    if (!info) {
        c.message = info.error().message;
        return false;
    }
    const qint64 v = qint64(info.value().state.messages);
    c.measured = {{QStringLiteral("messages"), v}};
    c.message = QStringLiteral("%1 holds %2 message(s); expected %3")
                    .arg(c.a.stream)
                    .arg(v)
                    .arg(boundsText(c.a));
    return inBounds(v, c.a);
}

std::optional<bool> checkLatency(CheckContext& c) {
    const PublishSummary s = c.publish->result();
    if (s.mode == PublishMode::Core) {
        c.message = QStringLiteral("publish %1 is a core publish: it has no PubAck latency")
                        .arg(c.a.publish);
        return std::nullopt;
    }
    const quint64 v = percentileOf(s.ackLatency, c.a.percentile);
    c.measured = {{QStringLiteral("p50_us"), qint64(s.ackLatency.p50)},
                  {QStringLiteral("p95_us"), qint64(s.ackLatency.p95)},
                  {QStringLiteral("p99_us"), qint64(s.ackLatency.p99)},
                  {QStringLiteral("samples"), qint64(s.ackLatency.count)}};
    c.message =
        QStringLiteral("PubAck P%1 %2 ms (limit %3 ms, %4 samples)")
            .arg(c.a.percentile == 999 ? QStringLiteral("99.9") : QString::number(c.a.percentile))
            .arg(double(v) / 1000.0, 0, 'f', 2)
            .arg(double(c.a.belowUs) / 1000.0, 0, 'f', 0)
            .arg(s.ackLatency.count);
    return s.ackLatency.count > 0 && qint64(v) < c.a.belowUs;
}

/// What a worker counted, in `measured`.
js::RedeliveryStats workerCounts(CheckContext& c) {
    const js::RedeliveryStats st = c.worker->tracker->stats();
    c.measured = {{QStringLiteral("received"), c.worker->distinct()},
                  {QStringLiteral("delivered"), qint64(st.delivered)},
                  {QStringLiteral("redelivered"), qint64(st.redelivered)},
                  {QStringLiteral("after_nak"), qint64(st.afterNak)},
                  {QStringLiteral("after_ack_wait"), qint64(st.afterAckWait)}};
    return st;
}

std::optional<bool> checkRedeliveries(CheckContext& c) {
    const js::RedeliveryStats st = workerCounts(c);
    const qint64 v = qint64(st.redelivered);
    c.message = QStringLiteral("%1 redelivery(ies) (%2 after NAK, %3 after AckWait); expected %4")
                    .arg(v)
                    .arg(st.afterNak)
                    .arg(st.afterAckWait)
                    .arg(boundsText(c.a));
    return inBounds(v, c.a);
}

std::optional<bool> checkReceived(CheckContext& c) {
    workerCounts(c);
    const qint64 v = c.worker->distinct();
    c.message =
        QStringLiteral("%1 distinct message(s) received; expected %2").arg(v).arg(boundsText(c.a));
    return inBounds(v, c.a);
}

/// A publish's achieved rate, in `measured`.
PublishSummary rateCounts(CheckContext& c) {
    const PublishSummary s = c.publish->result();
    c.measured = {{QStringLiteral("achieved_rate"), s.achievedRate},
                  {QStringLiteral("planned_rate"), c.publish->plan.rate},
                  {QStringLiteral("seconds"), s.seconds},
                  {QStringLiteral("attempted"), s.attempted}};
    return s;
}

std::optional<bool> checkThroughput(CheckContext& c) {
    const PublishSummary s = rateCounts(c);
    c.message = QStringLiteral("%1 msgs/s; expected at least %2")
                    .arg(s.achievedRate, 0, 'f', 0)
                    .arg(c.a.atLeast);
    return s.achievedRate >= double(c.a.atLeast);
}

std::optional<bool> checkRate(CheckContext& c) {
    const PublishSummary s = rateCounts(c);
    const double planned = c.publish->plan.rate;
    if (planned <= 0) {
        c.message = QStringLiteral("publish %1 has no rate to compare with").arg(c.a.publish);
        return std::nullopt;
    }
    const double off = std::abs(s.achievedRate - planned) / planned * 100.0;
    c.measured.insert(QStringLiteral("off_percent"), off);
    c.message = QStringLiteral("%1 msgs/s for %2 asked (%3% off, limit %4%)")
                    .arg(s.achievedRate, 0, 'f', 1)
                    .arg(planned)
                    .arg(off, 0, 'f', 2)
                    .arg(c.a.percent);
    return off <= c.a.percent;
}

constexpr Check kChecks[] = {
    {CheckKind::Connected, "connected", readConnected, checkConnected},
    {CheckKind::Reconnects, "reconnects", readBounds, checkReconnects},
    {CheckKind::NoMessageLost, "no_message_lost", readNoMessageLost, checkNoMessageLost},
    {CheckKind::ConsumerPending, "consumer_pending", readConsumerPending, checkConsumerPending},
    {CheckKind::Latency, "latency", readLatency, checkLatency},
    {CheckKind::Redeliveries, "redeliveries", readWorkerBounds, checkRedeliveries},
    {CheckKind::Received, "received", readWorkerBounds, checkReceived},
    {CheckKind::Rate, "rate", readRate, checkRate},
    {CheckKind::Throughput, "throughput", readThroughput, checkThroughput},
    {CheckKind::StreamMessages, "stream_messages", readStreamMessages, checkStreamMessages},
};

} // namespace

std::span<const Check> checks() {
    return kChecks;
}

const Check* findCheck(QStringView name) {
    for (const Check& c : kChecks)
        if (name == QLatin1String(c.name))
            return &c;
    return nullptr;
}

const Check& checkOf(CheckKind kind) {
    for (const Check& c : kChecks)
        if (c.kind == kind)
            return c;
    return kChecks[0];
}

} // namespace jetdeck::scenario::steps
