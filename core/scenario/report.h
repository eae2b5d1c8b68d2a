#pragma once

#include "core/base/error.h"
#include "core/scenario/scenario.h"

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace jetdeck::scenario {

/// How a step ended.
enum class StepStatus { Pending, Running, Passed, Failed, Done, Error, Skipped };
QString stepStatusName(StepStatus s);

struct StepResult {
    StepStatus status = StepStatus::Pending;
    qint64 startedMs = -1; ///< since the run started
    qint64 durationMs = 0;
    QString message;      ///< what happened, or why it failed
    QJsonObject measured; ///< the values behind the verdict
};

/// One step's line in a terminal: number, status, duration, title, and the message.
QString stepLine(const Step& step, const StepResult& result);

struct ScenarioReport {
    QString name;
    QString file;
    QString target;     ///< where it ran: "3 local servers", "nats://..."
    QString setupError; ///< servers, connection or streams could not be set up
    QStringList log;    ///< what happened, in order, with times since the start
    QList<Step> steps;
    QList<StepResult> results;
    qint64 durationMs = 0;
    bool cancelled = false;

    int failures() const;
    int errors() const;
    bool passed() const;
    QJsonObject toJson() const;
    /// A table for a terminal: one line per step, then the verdict.
    QString toText() const;
    /// Writes toJson() to `path` (atomically); the error names the file.
    Status save(const QString& path) const;
};

} // namespace jetdeck::scenario

Q_DECLARE_METATYPE(jetdeck::scenario::StepResult)
Q_DECLARE_METATYPE(jetdeck::scenario::ScenarioReport)
