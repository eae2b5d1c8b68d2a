#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace jetdeck {

/// A table over a list of rows that a timer replaces as a whole (a snapshot per tick). Rows are
/// matched by identity (the key the subclass gives), not by position: when the list loses rows
/// at the front (a bounded history, a queue that drains) or gains some in the middle, the view
/// hears exactly those removals and insertions, so a selected row stays on the same message,
/// run or toxic instead of sliding onto its neighbour. Rows both lists share get one ranged
/// dataChanged for the given columns.
template <typename Row, typename Key>
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
    /// What makes a row the same row in the next snapshot; unique within a snapshot.
    virtual Key rowKey(const Row& row) const = 0;

    /// Columns firstColumn..lastColumn of the shared rows are reported as changed. Rows keep
    /// their relative order in every snapshot this console makes (appended, trimmed, drained,
    /// sorted by a fixed key); if a snapshot reorders them the model resets rather than let
    /// a row point at another one.
    void replaceRows(const QList<Row>& fresh, int firstColumn, int lastColumn) {
        QHash<Key, qsizetype> freshAt;
        freshAt.reserve(fresh.size());
        for (qsizetype i = 0; i < fresh.size(); ++i)
            freshAt.insert(rowKey(fresh[i]), i);
        if (freshAt.size() != fresh.size() || !sameOrder(freshAt)) {
            beginResetModel();
            m_rows = fresh;
            endResetModel();
            return;
        }
        // Rows that are gone, contiguous runs at a time, from the end so positions hold.
        for (qsizetype end = m_rows.size(); end > 0;) {
            if (freshAt.contains(rowKey(m_rows[end - 1]))) {
                --end;
                continue;
            }
            qsizetype begin = end - 1;
            while (begin > 0 && !freshAt.contains(rowKey(m_rows[begin - 1])))
                --begin;
            beginRemoveRows({}, int(begin), int(end) - 1);
            m_rows.remove(begin, end - begin);
            endRemoveRows();
            end = begin;
        }
        // What is left is a subsequence of `fresh`: new rows go in where they belong.
        for (qsizetype i = 0; i < fresh.size();) {
            if (i < m_rows.size() && rowKey(m_rows[i]) == rowKey(fresh[i])) {
                m_rows[i] = fresh[i];
                ++i;
                continue;
            }
            qsizetype end = i + 1;
            const bool atEnd = i >= m_rows.size();
            while (end < fresh.size() && (atEnd || rowKey(m_rows[i]) != rowKey(fresh[end])))
                ++end;
            beginInsertRows({}, int(i), int(end) - 1);
            for (qsizetype k = i; k < end; ++k)
                m_rows.insert(k, fresh[k]);
            endInsertRows();
            i = end;
        }
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, firstColumn), index(int(m_rows.size()) - 1, lastColumn));
    }

    QList<Row> m_rows;

private:
    /// Whether the rows kept keep their relative order in `fresh`.
    bool sameOrder(const QHash<Key, qsizetype>& freshAt) const {
        qsizetype last = -1;
        for (const Row& r : m_rows) {
            const auto it = freshAt.constFind(rowKey(r));
            if (it == freshAt.cend())
                continue;
            if (*it <= last)
                return false;
            last = *it;
        }
        return true;
    }
};

} // namespace jetdeck
