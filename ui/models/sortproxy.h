#pragma once

#include "core/base/naturalsort.h"

#include <QSortFilterProxyModel>
#include <QStringView>

namespace jetdeck {

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
