#pragma once

#include <QLayout>
#include <QStackedWidget>

namespace jetdeck {

/// A QStackedWidget whose size is its current page's. QStackedLayout asks every page for its
/// minimum size and height for width on every layout pass, shown or not: with a window of
/// connections of fourteen pages each, full of word-wrapped labels, one label changing its
/// text made the GUI thread lay out the text of every page of every connection (100 to 250 ms
/// a pass with ten connections). The pages not shown take the size they are given when shown.
class PageStack : public QStackedWidget {
public:
    explicit PageStack(QWidget* parent = nullptr)
        : QStackedWidget(parent) {
        layout()->setSizeConstraint(QLayout::SetNoConstraint);
        connect(this, &QStackedWidget::currentChanged, this, [this] { updateGeometry(); });
    }

    QSize sizeHint() const override {
        const QWidget* w = currentWidget();
        return w ? w->sizeHint() : QStackedWidget::sizeHint();
    }
    QSize minimumSizeHint() const override {
        const QWidget* w = currentWidget();
        return w ? w->minimumSizeHint() : QSize(0, 0);
    }
    bool hasHeightForWidth() const override {
        const QWidget* w = currentWidget();
        return w && w->hasHeightForWidth();
    }
    int heightForWidth(int width) const override {
        const QWidget* w = currentWidget();
        return w ? w->heightForWidth(width) : -1;
    }
};

} // namespace jetdeck
