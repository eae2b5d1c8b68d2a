// The wait step: {"step": "wait", "duration": "2s"}.
#include "core/scenario/reader.h"
#include "core/scenario/run.h"
#include "core/scenario/steps/steps.h"

namespace jetdeck::scenario::steps {

Status readWait(Reader& r, Step& step, ParseContext&) {
    WaitStep w;
    if (Status e = r.duration(QStringLiteral("duration"), &w.ms, true); !e.ok())
        return e;
    step.body = w;
    return {};
}

QString titleWait(const Step& step) {
    return QStringLiteral("wait %1").arg(durationLabel(std::get<WaitStep>(step.body).ms));
}

StepResult runWait(Run& run, const Step& step) {
    run.waitFor(std::get<WaitStep>(step.body).ms);
    return done();
}

} // namespace jetdeck::scenario::steps
