#include "layoutsettings.h"

#include <QHeaderView>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTreeView>

namespace jetdeck {

namespace {

/// The views whose column layout is kept: every table and tree with an object name.
QList<QAbstractItemView*> keptViews(QWidget* root) {
    QList<QAbstractItemView*> out;
    for (QAbstractItemView* v : root->findChildren<QAbstractItemView*>())
        if (!v->objectName().isEmpty() &&
            (qobject_cast<QTableView*>(v) || qobject_cast<QTreeView*>(v)))
            out.append(v);
    return out;
}

QHeaderView* headerOf(QAbstractItemView* v) {
    if (auto* t = qobject_cast<QTableView*>(v))
        return t->horizontalHeader();
    if (auto* t = qobject_cast<QTreeView*>(v))
        return t->header();
    return nullptr;
}

} // namespace

void saveLayout(QWidget* root, QSettings& s) {
    for (QSplitter* sp : root->findChildren<QSplitter*>())
        if (!sp->objectName().isEmpty())
            s.setValue(QStringLiteral("window/splitter/") + sp->objectName(), sp->saveState());
    for (QAbstractItemView* v : keptViews(root))
        if (QHeaderView* h = headerOf(v))
            s.setValue(QStringLiteral("window/columns/") + v->objectName(), h->saveState());
}

void restoreLayout(QWidget* root, const QSettings& s) {
    for (QSplitter* sp : root->findChildren<QSplitter*>())
        if (!sp->objectName().isEmpty())
            sp->restoreState(
                s.value(QStringLiteral("window/splitter/") + sp->objectName()).toByteArray());
    for (QAbstractItemView* v : keptViews(root))
        if (QHeaderView* h = headerOf(v))
            h->restoreState(
                s.value(QStringLiteral("window/columns/") + v->objectName()).toByteArray());
}

} // namespace jetdeck
