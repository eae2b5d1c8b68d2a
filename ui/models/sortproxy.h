#pragma once

#include <QSortFilterProxyModel>
#include <QStringView>

namespace jetdeck {

/// Orders names the way people read them: runs of digits by their value (S2 before S10,
/// n9 before n10), everything else ignoring case; names equal that way are ordered by their
/// exact text, so the order is total and stable. Negative, zero or positive like strcmp.
int naturalCompare(QStringView a, QStringView b);

/// The console's sorting proxy: text sort keys compare naturally (naturalCompare), numbers
/// and times as QSortFilterProxyModel compares them. Every table that sorts names uses it.
class SortProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;
};

} // namespace jetdeck
