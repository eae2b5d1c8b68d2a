#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QVBoxLayout;

namespace jetdeck {

/// What the stream and consumer dialogs share: a problem line under the form that says what
/// is wrong (or what the server answered), and Create/Save and Cancel buttons with Create
/// enabled only while the form is valid.
class ConfigDialog : public QDialog {
    Q_OBJECT
public:
    explicit ConfigDialog(QWidget* parent = nullptr);

    /// The server refused: show its words, keep the dialog open for another try.
    void showServerError(const QString& text);
    void setBusy(bool busy);
    QString problemText() const;

protected:
    /// Adds the problem line and the buttons below what the subclass put in layout().
    void finishLayout(QVBoxLayout* layout);
    void setEditing(bool editing);
    /// Shows the current problem ("" when none) and enables the button accordingly.
    void showProblem(const QString& problem);
    /// Empty when the form is valid, else what is wrong.
    virtual QString currentProblem() const = 0;
    /// The user pressed Create/Save with a valid form.
    virtual void submit() = 0;

private:
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace jetdeck
