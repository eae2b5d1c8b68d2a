#pragma once

#include "core/workload/ratepublisher.h"

#include "ui/models/listtablemodel.h"

#include <QDateTime>

#include <optional>

namespace jetdeck {

/// One controlled publish the console ran (or is running).
struct PublishRun {
    quint64 id = 0; ///< the page's run number, 1, 2, ...: a row follows its run
    QDateTime started;
    QString subject;
    PublishMode mode = PublishMode::Core;
    PublishProgress progress;              ///< live while it runs
    std::optional<PublishSummary> summary; ///< once it finished
};

/// The publish page's history: every run with its progress while it goes and its outcome
/// after (sent or acked, failed, achieved rate, PubAck percentiles, clean or not). Newest last.
class PublishRunModel : public ListTableModel<PublishRun, quint64> {
    Q_OBJECT
public:
    enum Column {
        StartedColumn,
        SubjectColumn,
        ModeColumn,
        DoneColumn,
        FailedColumn,
        RateColumn,
        P50Column,
        P95Column,
        P99Column,
        ResultColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit PublishRunModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<PublishRun>& runs);

protected:
    quint64 rowKey(const PublishRun& run) const override { return run.id; }
};

} // namespace jetdeck
