// The consume step (a worker on a pull consumer that acks, or NAKs a share, and remembers what
// it saw) and the stop step that ends one.
#include "core/jetstream/pullconsumer.h"
#include "core/scenario/reader.h"
#include "core/scenario/run.h"
#include "core/scenario/steps/steps.h"

#include <QRandomGenerator>

namespace jetdeck::scenario::steps {

// --- consume --------------------------------------------------------------------------------

Status readConsume(Reader& r, Step& step, ParseContext& ctx) {
    ConsumeStep c;
    if (Status e = r.string(QStringLiteral("stream"), &c.stream, true); !e.ok())
        return e;
    if (Status e = r.string(QStringLiteral("consumer"), &c.consumer, true); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("nak_percent"), &c.nakPercent, 0, 100); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("batch"), &c.batch, 1, 10000); !e.ok())
        return e;
    if (Status e = r.duration(QStringLiteral("nak_delay"), &c.nakDelayMs); !e.ok())
        return e;
    QString backoff;
    if (Status e = r.string(QStringLiteral("nak_backoff"), &backoff); !e.ok())
        return e;
    if (!backoff.isEmpty()) {
        if (c.nakDelayMs > 0)
            return r.error(QStringLiteral("nak_backoff"),
                           QStringLiteral("give nak_delay (fixed) or nak_backoff (growing with "
                                          "the delivery count), not both"));
        auto policy = js::NakDelayPolicy::parse(backoff);
        if (!policy)
            return r.error(QStringLiteral("nak_backoff"), policy.error().message);
        c.nakBackoff = policy.value();
    }
    if ((c.nakDelayMs > 0 || c.nakBackoff) && c.nakPercent == 0)
        return r.error(c.nakBackoff ? QStringLiteral("nak_backoff") : QStringLiteral("nak_delay"),
                       QStringLiteral("delays the NAKed messages, and nak_percent is 0: set it"));
    if (step.name.isEmpty())
        step.name = c.consumer;
    if (ctx.workers.contains(step.name))
        return r.error(QStringLiteral("name"),
                       QStringLiteral("a worker named '%1' is already running").arg(step.name));
    ctx.workers.insert(step.name);
    step.body = c;
    return {};
}

QString titleConsume(const Step& step) {
    const auto& b = std::get<ConsumeStep>(step.body);
    QString t = QStringLiteral("consume %1 > %2").arg(b.stream, b.consumer);
    if (b.nakPercent > 0 && b.nakBackoff)
        t += QStringLiteral(" (NAK %1%, backoff %2)")
                 .arg(b.nakPercent)
                 .arg(b.nakBackoff->toString());
    else if (b.nakPercent > 0 && b.nakDelayMs > 0)
        t += QStringLiteral(" (NAK %1%, after %2)")
                 .arg(b.nakPercent)
                 .arg(js::formatDurationNs(b.nakDelayMs * 1000000));
    else if (b.nakPercent > 0)
        t += QStringLiteral(" (NAK %1%)").arg(b.nakPercent);
    return t;
}

StepResult runConsume(Run& run, const Step& step) {
    const auto& c = std::get<ConsumeStep>(step.body);
    auto wc = run.workerConnection();
    if (!wc)
        return error(wc.error().message);
    const js::JetStream js(wc.value());
    auto info = js.consumerInfo(c.stream, c.consumer);
    if (!info)
        return error(info.error().message);
    if (info.value().config.isPush())
        return error(QStringLiteral("%1 > %2 is a push consumer; scenario workers pull")
                         .arg(c.stream, c.consumer));
    auto w = std::make_unique<Run::Worker>();
    w->name = step.name;
    w->tracker = std::make_shared<js::RedeliveryTracker>(c.stream, c.consumer);
    w->consumer = std::make_unique<js::PullConsumer>(js, c.stream, c.consumer, w->tracker);
    Run::Worker* raw = w.get();
    w->consumer->setArrivalObserver([raw](const js::JsMetadata& meta) {
        QMutexLocker l(&raw->mu);
        raw->arrived.insert(meta.streamSeq);
    });
    const int nakPercent = c.nakPercent;
    const qint64 nakDelayNs = c.nakDelayMs * 1000000;
    const std::optional<js::NakDelayPolicy> backoff = c.nakBackoff;
    js::ConsumeOptions co;
    co.batch = c.batch;
    co.expiresMs = 5000;
    co.heartbeatMs = 1000;
    if (Status s = w->consumer->consume(
            [raw, nakPercent, nakDelayNs, backoff](js::JsMessage& m) {
                {
                    QMutexLocker l(&raw->mu);
                    raw->seen.insert(m.metadata().streamSeq);
                }
                if (nakPercent > 0 && int(QRandomGenerator::global()->bounded(100)) < nakPercent)
                    m.nak(backoff ? backoff->delayNs(m.metadata().delivered) : nakDelayNs);
                else
                    m.ack();
            },
            co);
        !s.ok())
        return error(s.message);
    run.addWorker(step.name, std::move(w));
    return done(QStringLiteral("worker %1 consuming").arg(step.name));
}

// --- stop -----------------------------------------------------------------------------------

Status readStop(Reader& r, Step& step, ParseContext& ctx) {
    StopStep st;
    if (Status e = r.string(QStringLiteral("worker"), &st.worker, true); !e.ok())
        return e;
    if (!ctx.workers.contains(st.worker))
        return r.error(QStringLiteral("worker"),
                       QStringLiteral("no earlier consume step is named '%1'").arg(st.worker));
    step.body = st;
    return {};
}

QString titleStop(const Step& step) {
    return QStringLiteral("stop worker %1").arg(std::get<StopStep>(step.body).worker);
}

StepResult runStop(Run& run, const Step& step) {
    const auto& s = std::get<StopStep>(step.body);
    Run::Worker* w = run.workerNamed(s.worker);
    if (!w)
        return error(QStringLiteral("worker %1 is not running").arg(s.worker));
    w->consumer->stop();
    const js::RedeliveryStats st = w->tracker->stats();
    return done(QStringLiteral("stopped after %1 distinct message(s)").arg(w->distinct()),
                QJsonObject{{QStringLiteral("received"), w->distinct()},
                            {QStringLiteral("delivered"), qint64(st.delivered)},
                            {QStringLiteral("redelivered"), qint64(st.redelivered)}});
}

} // namespace jetdeck::scenario::steps
