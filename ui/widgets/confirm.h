#pragma once

#include <QMessageBox>
#include <QString>
#include <QWidget>

#include <functional>

namespace jetdeck {

/// Asks before something that changes a system JetDeck did not set up (terminating, NAKing or
/// withholding real messages, moving a leader). The question names what will be touched; the
/// default answer is no. Tests answer through setConfirmAnswer() instead of a modal dialog.
class Confirm {
public:
    static bool destructive(QWidget* parent, const QString& title, const QString& text) {
        if (answer())
            return answer()(text);
        QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Yes | QMessageBox::No,
                        parent);
        box.setDefaultButton(QMessageBox::No);
        return box.exec() == QMessageBox::Yes;
    }
    /// For tests: `fn` receives the question and returns the answer; empty restores the dialog.
    static void setAnswer(std::function<bool(const QString&)> fn) { answer() = std::move(fn); }

private:
    static std::function<bool(const QString&)>& answer() {
        static std::function<bool(const QString&)> fn;
        return fn;
    }
};

} // namespace jetdeck
