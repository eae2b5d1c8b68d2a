#pragma once

// The kinds of step, one file each (or one per small family): how each is read from a file,
// its title on the timeline and how it runs. steptable.cpp puts them in one table.

#include "core/scenario/report.h"
#include "core/scenario/steptable.h"

namespace jetdeck::scenario::steps {

// publish.cpp: publish a plan; await background publishes.
Status readPublish(Reader& r, Step& step, ParseContext& ctx);
QString titlePublish(const Step& step);
StepResult runPublish(Run& run, const Step& step);
Status readAwait(Reader& r, Step& step, ParseContext& ctx);
QString titleAwait(const Step& step);
StepResult runAwait(Run& run, const Step& step);

// consume.cpp: start a worker on a pull consumer; stop it.
Status readConsume(Reader& r, Step& step, ParseContext& ctx);
QString titleConsume(const Step& step);
StepResult runConsume(Run& run, const Step& step);
Status readStop(Reader& r, Step& step, ParseContext& ctx);
QString titleStop(const Step& step);
StepResult runStop(Run& run, const Step& step);

// wait.cpp
Status readWait(Reader& r, Step& step, ParseContext& ctx);
QString titleWait(const Step& step);
StepResult runWait(Run& run, const Step& step);

// fault.cpp: start a fault; clear one by name.
Status readFault(Reader& r, Step& step, ParseContext& ctx);
QString titleFault(const Step& step);
StepResult runFault(Run& run, const Step& step);
Status readClear(Reader& r, Step& step, ParseContext& ctx);
QString titleClear(const Step& step);
StepResult runClear(Run& run, const Step& step);

// assert.cpp: check something, once or until it holds (the checks are in checks.cpp).
Status readAssert(Reader& r, Step& step, ParseContext& ctx);
QString titleAssert(const Step& step);
StepResult runAssert(Run& run, const Step& step);

// --- what a step's run returns --------------------------------------------------------------

inline StepResult done(QString message = {}, QJsonObject measured = {}) {
    return StepResult{StepStatus::Done, -1, 0, std::move(message), std::move(measured)};
}
inline StepResult error(QString message, QJsonObject measured = {}) {
    return StepResult{StepStatus::Error, -1, 0, std::move(message), std::move(measured)};
}
inline StepResult verdict(bool ok, QString message, QJsonObject measured) {
    return StepResult{ok ? StepStatus::Passed : StepStatus::Failed, -1, 0, std::move(message),
                      std::move(measured)};
}

/// The longest a publish plan can take, plus its settling, with room to spare.
qint64 planBoundMs(const PublishPlan& p);

} // namespace jetdeck::scenario::steps
