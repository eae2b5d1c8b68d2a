#include "configdialog.h"

#include "ui/widgets/theme.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace jetdeck {

ConfigDialog::ConfigDialog(QWidget* parent)
    : QDialog(parent) {}

void ConfigDialog::finishLayout(QVBoxLayout* layout) {
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(textStyle(ColorRole::Bad));
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_problem);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Create"));
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (currentProblem().isEmpty())
            submit();
    });
    layout->addWidget(m_buttons);
}

void ConfigDialog::setEditing(bool editing) {
    m_buttons->button(QDialogButtonBox::Ok)->setText(editing ? tr("Save") : tr("Create"));
}

void ConfigDialog::showProblem(const QString& problem) {
    if (!m_problem)
        return;
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

void ConfigDialog::showServerError(const QString& text) {
    setBusy(false);
    m_problem->setText(tr("The server refused: %1").arg(text));
}

void ConfigDialog::setBusy(bool busy) {
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy && currentProblem().isEmpty());
    if (busy)
        m_problem->setText(tr("Sending to the server..."));
}

QString ConfigDialog::problemText() const {
    return m_problem->text();
}

} // namespace jetdeck
