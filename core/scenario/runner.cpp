#include "runner.h"

#include "core/scenario/run.h"
#include "core/scenario/steptable.h"

namespace jetdeck::scenario {

ScenarioRunner::ScenarioRunner(Scenario scenario, Target target, QObject* parent)
    : QObject(parent)
    , m_scenario(std::move(scenario))
    , m_target(std::move(target))
    , m_run(std::make_unique<Run>(*this, m_scenario, m_target, m_report, m_cancel)) {
    qRegisterMetaType<StepResult>();
    qRegisterMetaType<ScenarioReport>();
}

ScenarioRunner::~ScenarioRunner() {
    m_run->tearDown();
}

ScenarioReport ScenarioRunner::run() {
    Run& run = *m_run;
    run.startClock();
    m_report = {};
    m_report.name = m_scenario.name;
    m_report.file = m_scenario.file;
    m_report.steps = m_scenario.steps;
    if (Status s = run.setUp(); !s.ok()) {
        m_report.setupError = s.message;
        run.log(QStringLiteral("setup failed: ") + s.message);
    } else {
        bool stopRun = false;
        for (const Step& step : std::as_const(m_scenario.steps)) {
            StepResult r;
            if (stopRun || m_cancel.load()) {
                r.status = StepStatus::Skipped;
                r.message = m_cancel.load() ? QStringLiteral("cancelled")
                                            : QStringLiteral("an earlier step could not run");
            } else {
                run.setCurrentStep(step.index);
                const qint64 started = run.elapsed();
                emit stepStarted(step.index, started);
                run.log(QStringLiteral("step %1: %2").arg(step.index + 1).arg(step.title));
                r = stepKindOf(step).run(run, step);
                r.startedMs = started;
                r.durationMs = run.elapsed() - started;
                if (m_cancel.load() && r.status != StepStatus::Passed &&
                    r.status != StepStatus::Done) {
                    r.status = StepStatus::Skipped;
                    r.message = QStringLiteral("cancelled");
                }
                if (r.status == StepStatus::Error)
                    stopRun = true;
                run.log(
                    QStringLiteral("step %1 %2%3")
                        .arg(step.index + 1)
                        .arg(stepStatusName(r.status))
                        .arg(r.message.isEmpty() ? QString() : QStringLiteral(": ") + r.message));
            }
            m_report.results << r;
            emit stepFinished(step.index, r);
        }
    }
    run.setCurrentStep(-1);
    m_report.cancelled = m_cancel.load();
    run.tearDown();
    m_report.durationMs = run.elapsed();
    emit finished(m_report);
    return m_report;
}

} // namespace jetdeck::scenario
