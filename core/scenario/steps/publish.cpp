// The publish step (a plan: subject, mode, count or duration, rate, headers, ...) and the await
// step that waits for background publishes.
#include "core/scenario/reader.h"
#include "core/scenario/run.h"
#include "core/scenario/steps/steps.h"

#include <QJsonObject>

#include <algorithm>

namespace jetdeck::scenario::steps {

namespace {

Status readHeaders(Reader& r, PublishPlan& p) {
    const nlohmann::json* headers = r.raw(QStringLiteral("headers"));
    if (!headers)
        return {};
    if (!headers->is_object())
        return r.error(QStringLiteral("headers"),
                       QStringLiteral("must be an object of \"Key\": \"value\""));
    for (const auto& item : headers->items()) {
        const QString name = QString::fromStdString(item.key());
        const QByteArray key = name.toUtf8();
        if (!item.value().is_string())
            return r.error(QStringLiteral("headers/") + name, QStringLiteral("must be a string"));
        const QByteArray value = textOf(item.value()).toUtf8();
        if (!Headers::isValidKey(key))
            return r.error(QStringLiteral("headers/") + name,
                           QStringLiteral("is not a valid header name"));
        if (!Headers::isValidValue(value))
            return r.error(QStringLiteral("headers/") + name,
                           QStringLiteral("the value has a line break or control character"));
        p.headers.append(key, value);
    }
    return {};
}

} // namespace

// --- publish --------------------------------------------------------------------------------

Status readPublish(Reader& r, Step& step, ParseContext& ctx) {
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
    if (Status e = readHeaders(r, p); !e.ok())
        return e;
    if (Status e = p.validate(); !e.ok())
        return r.error(QString(), e.message);
    if (!step.name.isEmpty())
        ctx.publishes.insert(step.name);
    step.body = s;
    return {};
}

QString titlePublish(const Step& step) {
    const auto& b = std::get<PublishStep>(step.body);
    const PublishPlan& p = b.plan;
    QString t = QStringLiteral("publish ");
    t += p.count > 0 ? countLabel(p.count) : durationLabel(p.durationMs) + QStringLiteral(" of");
    t += QStringLiteral(" %1 on %2").arg(publishModeName(p.mode), QString::fromUtf8(p.subject));
    if (p.rate > 0)
        t += QStringLiteral(" at %1/s").arg(countLabel(qint64(p.rate)));
    if (b.background)
        t += QStringLiteral(" (background)");
    return t;
}

qint64 planBoundMs(const PublishPlan& p) {
    qint64 ms = p.durationMs;
    if (p.count > 0 && p.rate > 0)
        ms = qMax(ms, qint64(double(p.count) / p.rate * 1000.0));
    else if (p.count > 0)
        ms = qMax<qint64>(ms, 120000);
    return ms * 2 + qMax(p.ackTimeoutMs, 5000) + (p.settleTimeoutMs > 0 ? p.settleTimeoutMs : 0) +
           70000;
}

StepResult runPublish(Run& run, const Step& step) {
    const auto& ps = std::get<PublishStep>(step.body);
    Connection* c = run.connection();
    if (Status s = ps.plan.validate(
            c->health().state == ConnectionState::Connected ? c->serverInfo().maxPayload : 0);
        !s.ok())
        return error(s.message);
    auto p = std::make_unique<Run::Publish>();
    p->name = step.name;
    p->plan = ps.plan;
    auto* pub = new RatePublisher(c, ps.plan);
    pub->moveToThread(c->thread());
    p->publisher = pub;
    Run::Publish* raw = p.get();
    QObject::connect(
        pub, &RatePublisher::finished, pub,
        [raw](const PublishSummary& s) {
            QMutexLocker l(&raw->mu);
            raw->summary = s;
            raw->done = true;
        },
        Qt::DirectConnection);
    QMetaObject::invokeMethod(pub, &RatePublisher::start, Qt::QueuedConnection);
    run.addPublish(std::move(p));
    if (ps.background)
        return done(QStringLiteral("started"));
    if (!run.awaitPublish(*raw, planBoundMs(ps.plan)))
        return error(run.cancelled() ? QStringLiteral("cancelled")
                                     : QStringLiteral("the publish did not finish in time"));
    const PublishSummary s = raw->result();
    return done(s.toText(), s.toJson());
}

// --- await ----------------------------------------------------------------------------------

Status readAwait(Reader& r, Step& step, ParseContext& ctx) {
    AwaitStep w;
    if (const nlohmann::json* v = r.raw(QStringLiteral("publish"))) {
        const bool names = v->is_string() ||
                           (v->is_array() && std::all_of(v->begin(), v->end(), [](const auto& n) {
                                return n.is_string();
                            }));
        if (!names)
            return r.error(QStringLiteral("publish"),
                           QStringLiteral("must be a publish step's name or a list of them"));
        if (v->is_string())
            w.names << textOf(*v);
        else
            for (const nlohmann::json& n : *v)
                w.names << textOf(n);
    }
    for (const QString& n : std::as_const(w.names))
        if (!ctx.publishes.contains(n))
            return r.error(QStringLiteral("publish"),
                           QStringLiteral("no earlier publish step is named '%1'").arg(n));
    if (Status e = r.duration(QStringLiteral("timeout"), &w.timeoutMs); !e.ok())
        return e;
    step.body = w;
    return {};
}

QString titleAwait(const Step& step) {
    const auto& b = std::get<AwaitStep>(step.body);
    return b.names.isEmpty() ? QStringLiteral("await every background publish")
                             : QStringLiteral("await %1").arg(b.names.join(QStringLiteral(", ")));
}

StepResult runAwait(Run& run, const Step& step) {
    const auto& a = std::get<AwaitStep>(step.body);
    QList<Run::Publish*> list;
    if (a.names.isEmpty()) {
        for (const auto& p : run.publishes())
            list << p.get();
    } else {
        for (const QString& n : a.names) {
            Run::Publish* p = run.publishNamed(n);
            if (!p)
                return error(
                    QStringLiteral("publish '%1' has not started (an earlier step failed?)")
                        .arg(n));
            list << p;
        }
    }
    QJsonObject measured;
    for (Run::Publish* p : list) {
        if (!run.awaitPublish(*p, a.timeoutMs))
            return error(QStringLiteral("publish %1 still running after %2 ms")
                             .arg(p->name)
                             .arg(a.timeoutMs));
        if (!p->name.isEmpty())
            measured.insert(p->name, p->result().toJson());
    }
    return done(QStringLiteral("%1 publish(es) finished").arg(list.size()), measured);
}

} // namespace jetdeck::scenario::steps
