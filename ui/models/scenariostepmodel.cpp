#include "scenariostepmodel.h"

#include "ui/widgets/theme.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace jetdeck {

using scenario::StepStatus;

ScenarioStepModel::ScenarioStepModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void ScenarioStepModel::setSteps(const QList<scenario::Step>& steps) {
    beginResetModel();
    m_steps = steps;
    m_results = QList<scenario::StepResult>(steps.size());
    m_progress = QStringList(steps.size());
    endResetModel();
}

void ScenarioStepModel::setResult(int index, const scenario::StepResult& result) {
    if (index < 0 || index >= m_results.size())
        return;
    m_results[index] = result;
    m_progress[index].clear();
    rowChanged(index);
}

void ScenarioStepModel::setRunning(int index, qint64 startedMs) {
    if (index < 0 || index >= m_results.size())
        return;
    m_results[index].status = StepStatus::Running;
    m_results[index].startedMs = startedMs;
    rowChanged(index);
}

void ScenarioStepModel::setProgress(int index, const QString& text) {
    if (index < 0 || index >= m_progress.size() || m_progress[index] == text)
        return;
    m_progress[index] = text;
    rowChanged(index);
}

int ScenarioStepModel::runningRow() const {
    for (qsizetype i = 0; i < m_results.size(); ++i)
        if (m_results[i].status == StepStatus::Running)
            return int(i);
    return -1;
}

const scenario::StepResult* ScenarioStepModel::result(int index) const {
    return index >= 0 && index < m_results.size() ? &m_results[index] : nullptr;
}

void ScenarioStepModel::rowChanged(int row) {
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int ScenarioStepModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_steps.size());
}

int ScenarioStepModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

QColor statusColor(StepStatus s) {
    switch (s) {
    case StepStatus::Passed:
        return roleColor(ColorRole::Good);
    case StepStatus::Failed:
    case StepStatus::Error:
        return roleColor(ColorRole::Bad);
    case StepStatus::Running:
        return roleColor(ColorRole::Accent);
    case StepStatus::Skipped:
        return roleColor(ColorRole::Faint);
    default:
        return {};
    }
}

QString seconds(qint64 ms) {
    return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
}

} // namespace

QVariant ScenarioStepModel::data(const QModelIndex& idx, int role) const {
    if (!idx.isValid() || idx.row() >= m_steps.size())
        return {};
    const scenario::Step& step = m_steps[idx.row()];
    const scenario::StepResult& r = m_results[idx.row()];
    if (role == Qt::DisplayRole) {
        switch (idx.column()) {
        case IndexColumn:
            return step.index + 1;
        case LineColumn:
            return step.line;
        case StepColumn:
            return step.title;
        case StatusColumn:
            return scenario::stepStatusName(r.status);
        case StartedColumn:
            return r.startedMs >= 0 ? seconds(r.startedMs) : QString();
        case DurationColumn:
            return r.status == StepStatus::Running || r.status == StepStatus::Pending ||
                           r.status == StepStatus::Skipped
                       ? QString()
                       : seconds(r.durationMs);
        case ResultColumn:
            return r.status == StepStatus::Running ? m_progress[idx.row()] : r.message;
        }
    } else if (role == Qt::ForegroundRole && idx.column() == StatusColumn) {
        const QColor c = statusColor(r.status);
        return c.isValid() ? QBrush(c) : QVariant();
    } else if (role == Qt::FontRole && r.status == StepStatus::Running) {
        QFont f;
        f.setBold(true);
        return f;
    } else if (role == Qt::ToolTipRole && idx.column() == ResultColumn && !r.message.isEmpty()) {
        return r.message;
    } else if (role == Qt::TextAlignmentRole &&
               (idx.column() == IndexColumn || idx.column() == LineColumn ||
                idx.column() == StartedColumn || idx.column() == DurationColumn)) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant ScenarioStepModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[] = {"#", "Line", "Step", "Status", "Started", "Took", "Result"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace jetdeck
