#include "steptable.h"

#include "core/scenario/steps/steps.h"

#include <iterator>

namespace jetdeck::scenario {

namespace {

using namespace steps;

constexpr StepKind kStepKinds[] = {
    {"publish", readPublish, titlePublish, runPublish},
    {"await", readAwait, titleAwait, runAwait},
    {"consume", readConsume, titleConsume, runConsume},
    {"stop", readStop, titleStop, runStop},
    {"wait", readWait, titleWait, runWait},
    {"fault", readFault, titleFault, runFault},
    {"clear", readClear, titleClear, runClear},
    {"assert", readAssert, titleAssert, runAssert},
};
static_assert(std::size(kStepKinds) == std::variant_size_v<decltype(Step::body)>,
              "one row per alternative of Step::body, in its order");

} // namespace

std::span<const StepKind> stepKinds() {
    return kStepKinds;
}

const StepKind* findStepKind(QStringView name) {
    for (const StepKind& k : kStepKinds)
        if (name == QLatin1String(k.name))
            return &k;
    return nullptr;
}

const StepKind& stepKindOf(const Step& step) {
    return kStepKinds[step.body.index()];
}

} // namespace jetdeck::scenario
