#pragma once

#include <QAbstractTableModel>
#include <QList>

namespace jetdeck {

/// A table over a list of rows that a timer replaces as a whole (a snapshot per tick). The
/// replacement keeps views calm: rows both lists share get one ranged dataChanged, new rows are
/// inserted at the end and missing ones removed from the end, so selection and scrolling stay.
template <typename Row>
class ListTableModel : public QAbstractTableModel {
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    const Row* rowAt(int row) const {
        return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
    }

protected:
    /// Columns firstColumn..lastColumn of the shared rows are reported as changed.
    void replaceRows(const QList<Row>& fresh, int firstColumn, int lastColumn) {
        const int common = int(qMin(m_rows.size(), fresh.size()));
        for (int i = 0; i < common; ++i)
            m_rows[i] = fresh[i];
        if (common > 0)
            emit this->dataChanged(this->index(0, firstColumn),
                                   this->index(common - 1, lastColumn));
        if (fresh.size() > m_rows.size()) {
            this->beginInsertRows({}, int(m_rows.size()), int(fresh.size()) - 1);
            for (qsizetype i = m_rows.size(); i < fresh.size(); ++i)
                m_rows.append(fresh[i]);
            this->endInsertRows();
        } else if (fresh.size() < m_rows.size()) {
            this->beginRemoveRows({}, int(fresh.size()), int(m_rows.size()) - 1);
            m_rows.resize(fresh.size());
            this->endRemoveRows();
        }
    }

    QList<Row> m_rows;
};

} // namespace jetdeck
