#pragma once

#include "core/base/error.h"
#include "core/scenario/report.h"
#include "core/scenario/scenario.h"

#include <QSet>
#include <QString>

#include <span>

namespace jetdeck::scenario {

class Reader;
class Run;

/// What a step's reader may look at beyond its own object: the scenario read so far and the
/// names earlier steps gave, so that a step can only refer to what exists before it.
struct ParseContext {
    const Scenario& scenario; ///< servers and connection already read
    QSet<QString> publishes;  ///< named publish steps
    QSet<QString> workers;    ///< consume steps (named after their consumer by default)
    QSet<QString> faults;     ///< fault names, for clear steps
};

/// One kind of step: its name in a file, how it is read, its line on the timeline and how it
/// runs. A new kind: its struct joins Step::body, its file goes into core/scenario/steps/, its
/// row into the table (steptable.cpp), in the order of Step::body's alternatives.
struct StepKind {
    const char* name;
    /// Reads the step's own fields into step.body ("step" and "name" are read already; a
    /// reader may give the step a default name). Every unread key is refused afterwards.
    Status (*read)(Reader& r, Step& step, ParseContext& ctx);
    /// One line for the timeline, e.g. "publish 5,000 js-async on orders.new at 1,000/s".
    QString (*title)(const Step& step);
    /// Runs it on the run's thread; the step lasts as long as this call.
    StepResult (*run)(Run& run, const Step& step);
};

/// Every kind of step, in the order of Step::body's alternatives.
std::span<const StepKind> stepKinds();
/// The kind named `name` in a file; null when there is none.
const StepKind* findStepKind(QStringView name);
/// The kind of a step that was read.
const StepKind& stepKindOf(const Step& step);

} // namespace jetdeck::scenario
