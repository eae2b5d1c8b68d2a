#pragma once

#include <QString>

#include <functional>

class QAbstractItemView;
class QLabel;

namespace jetdeck {

/// What an empty table says: a line in the middle of `view`'s viewport, shown while its model
/// has no rows, saying why and what to do ("No streams yet: New stream... creates one").
/// `text` is asked again whenever the rows change or update() is called, so it can follow the
/// page's state; an empty text shows nothing. The label belongs to the view.
class EmptyState {
public:
    EmptyState(QAbstractItemView* view, std::function<QString()> text);
    /// Asks for the text again (the page's state changed without a row changing).
    void update();
    bool isShown() const;
    QString text() const;

private:
    QAbstractItemView* m_view;
    QLabel* m_label;
    std::function<QString()> m_text;
};

} // namespace jetdeck
