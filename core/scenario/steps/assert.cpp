// The assert step: one check (checks.cpp), once or until it holds within a time; it passes or
// fails with the values it measured.
#include "core/scenario/reader.h"
#include "core/scenario/run.h"
#include "core/scenario/steps/checks.h"
#include "core/scenario/steps/steps.h"

namespace jetdeck::scenario {

QString checkKindName(CheckKind k) {
    return QLatin1String(steps::checkOf(k).name);
}

namespace steps {

Status readAssert(Reader& r, Step& step, ParseContext& ctx) {
    AssertStep a;
    QString check;
    if (Status e = r.string(QStringLiteral("check"), &check, true); !e.ok())
        return e;
    const Check* kind = findCheck(check);
    if (!kind) {
        QStringList known;
        for (const Check& c : checks())
            known << QLatin1String(c.name);
        return r.error(
            QStringLiteral("check"),
            QStringLiteral("'%1' is not a check; checks: %2").arg(check, joinNames(known)));
    }
    a.kind = kind->kind;
    if (Status e = r.duration(QStringLiteral("within"), &a.withinMs); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("at_least"), &a.atLeast, 0); !e.ok())
        return e;
    if (Status e = r.integer(QStringLiteral("at_most"), &a.atMost, 0); !e.ok())
        return e;
    if (Status e = kind->read(r, a, check); !e.ok())
        return e;
    if (!a.publish.isEmpty() && !ctx.publishes.contains(a.publish))
        return r.error(QStringLiteral("publish"),
                       QStringLiteral("no earlier publish step is named '%1'").arg(a.publish));
    if (!a.worker.isEmpty() && !ctx.workers.contains(a.worker))
        return r.error(QStringLiteral("worker"),
                       QStringLiteral("no earlier consume step is named '%1'").arg(a.worker));
    step.body = a;
    return {};
}

QString titleAssert(const Step& step) {
    const auto& b = std::get<AssertStep>(step.body);
    QString t = QStringLiteral("assert ") + checkKindName(b.kind);
    const QString what = !b.publish.isEmpty()    ? b.publish
                         : !b.worker.isEmpty()   ? b.worker
                         : !b.consumer.isEmpty() ? b.stream + QStringLiteral(" > ") + b.consumer
                                                 : b.stream;
    if (!what.isEmpty())
        t += QLatin1Char(' ') + what;
    if (b.kind == CheckKind::Latency)
        t += QStringLiteral(" P%1 < %2")
                 .arg(b.percentile == 999 ? QStringLiteral("99.9") : QString::number(b.percentile),
                      durationLabel(b.belowUs / 1000));
    if (b.atLeast >= 0)
        t += QStringLiteral(" >= %1").arg(b.atLeast);
    if (b.atMost >= 0)
        t += QStringLiteral(" <= %1").arg(b.atMost);
    if (b.kind == CheckKind::Rate)
        t += QStringLiteral(" within %1%").arg(b.percent);
    if (b.withinMs > 0)
        t += QStringLiteral(" within %1").arg(durationLabel(b.withinMs));
    return t;
}

StepResult runAssert(Run& run, const Step& step) {
    const auto& a = std::get<AssertStep>(step.body);
    CheckContext c{run, a, nullptr, nullptr, run.elapsed(), false, {}, {}};
    // Checks that name a publish look at its final summary.
    if (!a.publish.isEmpty()) {
        c.publish = run.publishNamed(a.publish);
        if (!c.publish)
            return error(QStringLiteral("publish %1 never started").arg(a.publish));
        if (!run.awaitPublish(*c.publish, planBoundMs(c.publish->plan)))
            return error(QStringLiteral("publish %1 did not finish").arg(a.publish));
    }
    if (!a.worker.isEmpty()) {
        c.worker = run.workerNamed(a.worker);
        if (!c.worker)
            return error(QStringLiteral("worker %1 is not running").arg(a.worker));
    }
    const Check& check = checkOf(a.kind);
    auto evaluate = [&]() -> std::optional<bool> {
        c.measured = {};
        c.message.clear();
        return check.evaluate(c);
    };
    std::optional<bool> ok;
    run.waitFor(a.withinMs, [&] {
        ok = evaluate();
        return !ok.has_value() || *ok;
    });
    if (ok.has_value() && !*ok) {
        c.finalPass = true; // once more, with what only a failure needs to say
        ok = evaluate();
    }
    if (!ok.has_value())
        return error(c.message, c.measured);
    if (!*ok && a.withinMs > 0)
        c.message += QStringLiteral(" (gave it %1 ms)").arg(a.withinMs);
    return verdict(*ok, c.message, c.measured);
}

} // namespace steps

} // namespace jetdeck::scenario
