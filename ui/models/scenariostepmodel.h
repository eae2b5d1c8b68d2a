#pragma once

#include "core/scenario/runner.h"

#include <QAbstractTableModel>

namespace jetdeck {

/// A scenario's timeline: one row per step with its line in the file, what it does, its
/// status (the running one carries its live counters), when it started, how long it took and
/// its result or the reason it failed.
class ScenarioStepModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        IndexColumn,
        LineColumn,
        StepColumn,
        StatusColumn,
        StartedColumn,
        DurationColumn,
        ResultColumn,
        ColumnCount
    };

    explicit ScenarioStepModel(QObject* parent = nullptr);

    void setSteps(const QList<scenario::Step>& steps);
    void setResult(int index, const scenario::StepResult& result);
    void setRunning(int index, qint64 startedMs);
    void setProgress(int index, const QString& text);
    const scenario::StepResult* result(int index) const;
    /// The step running now, or -1.
    int runningRow() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void rowChanged(int row);

    QList<scenario::Step> m_steps;
    QList<scenario::StepResult> m_results;
    QStringList m_progress;
};

} // namespace jetdeck
