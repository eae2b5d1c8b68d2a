#include "report.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace jetdeck::scenario {

QString stepStatusName(StepStatus s) {
    switch (s) {
    case StepStatus::Pending:
        return QStringLiteral("pending");
    case StepStatus::Running:
        return QStringLiteral("running");
    case StepStatus::Passed:
        return QStringLiteral("passed");
    case StepStatus::Failed:
        return QStringLiteral("failed");
    case StepStatus::Done:
        return QStringLiteral("done");
    case StepStatus::Error:
        return QStringLiteral("error");
    case StepStatus::Skipped:
        return QStringLiteral("skipped");
    }
    return {};
}

// --- the report -----------------------------------------------------------------------------

int ScenarioReport::failures() const {
    int n = 0;
    for (const StepResult& r : results)
        n += r.status == StepStatus::Failed;
    return n;
}

int ScenarioReport::errors() const {
    int n = setupError.isEmpty() ? 0 : 1;
    for (const StepResult& r : results)
        n += r.status == StepStatus::Error;
    return n;
}

bool ScenarioReport::passed() const {
    return !cancelled && failures() == 0 && errors() == 0 && results.size() == steps.size();
}

QJsonObject ScenarioReport::toJson() const {
    QJsonArray arr;
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const Step& s = steps[i];
        const StepResult r = i < results.size() ? results[i] : StepResult{};
        QJsonObject o{{QStringLiteral("index"), s.index + 1},
                      {QStringLiteral("line"), s.line},
                      {QStringLiteral("step"), s.kindName()},
                      {QStringLiteral("title"), s.title},
                      {QStringLiteral("status"), stepStatusName(r.status)},
                      {QStringLiteral("started_ms"), r.startedMs},
                      {QStringLiteral("duration_ms"), r.durationMs}};
        if (!s.name.isEmpty())
            o.insert(QStringLiteral("name"), s.name);
        if (!r.message.isEmpty())
            o.insert(QStringLiteral("message"), r.message);
        if (!r.measured.isEmpty())
            o.insert(QStringLiteral("measured"), r.measured);
        arr.append(o);
    }
    QJsonObject o{{QStringLiteral("scenario"), name},
                  {QStringLiteral("file"), file},
                  {QStringLiteral("target"), target},
                  {QStringLiteral("passed"), passed()},
                  {QStringLiteral("failures"), failures()},
                  {QStringLiteral("errors"), errors()},
                  {QStringLiteral("cancelled"), cancelled},
                  {QStringLiteral("duration_ms"), durationMs},
                  {QStringLiteral("steps"), arr},
                  {QStringLiteral("log"), QJsonArray::fromStringList(log)}};
    if (!setupError.isEmpty())
        o.insert(QStringLiteral("setup_error"), setupError);
    return o;
}

QString stepLine(const Step& step, const StepResult& r) {
    QString t = QStringLiteral("  %1 %2 %3 %4")
                    .arg(step.index + 1, 3)
                    .arg(stepStatusName(r.status).toUpper(), -7)
                    .arg(QStringLiteral("%1s").arg(double(r.durationMs) / 1000.0, 0, 'f', 1), 7)
                    .arg(step.title);
    if (!r.message.isEmpty())
        t += QStringLiteral(" - ") + r.message;
    return t;
}

Status ScenarioReport::save(const QString& path) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) ||
        f.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented)) < 0 || !f.commit())
        return Error{
            ErrorKind::Io,
            QStringLiteral("cannot write the report to %1: %2").arg(path, f.errorString())};
    return {};
}

QString ScenarioReport::toText() const {
    QString t = QStringLiteral("scenario %1 on %2\n").arg(name, target);
    if (!setupError.isEmpty())
        t += QStringLiteral("  setup failed: %1\n").arg(setupError);
    for (qsizetype i = 0; i < steps.size(); ++i)
        t += stepLine(steps[i], i < results.size() ? results[i] : StepResult{}) + QLatin1Char('\n');
    t += passed()    ? QStringLiteral("PASSED")
         : cancelled ? QStringLiteral("CANCELLED")
                     : QStringLiteral("FAILED");
    t += QStringLiteral(" in %1 s: %2 step(s), %3 failed assertion(s), %4 error(s)\n")
             .arg(double(durationMs) / 1000.0, 0, 'f', 1)
             .arg(steps.size())
             .arg(failures())
             .arg(errors());
    return t;
}

} // namespace jetdeck::scenario
