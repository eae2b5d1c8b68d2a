#pragma once

#include "core/jetstream/jstypes.h"

#include "ui/dialogs/configdialog.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace jetdeck {

/// Create or edit a stream. Fields are checked as they change (StreamConfig::validate()) and
/// the button stays disabled while anything is wrong; what the server says when it refuses the
/// configuration is shown in the dialog, which stays open for another try.
class StreamDialog : public ConfigDialog {
    Q_OBJECT
public:
    explicit StreamDialog(QWidget* parent = nullptr);

    /// Editing: the name and storage cannot change (the server refuses).
    void setConfig(const js::StreamConfig& config, bool editing);
    /// The configuration as entered; an Error when a field does not parse or validate.
    Result<js::StreamConfig> config() const;
    bool isEditing() const { return m_editing; }

signals:
    /// The user asked to save a configuration that validated.
    void submitted(const jetdeck::js::StreamConfig& config);

private:
    void revalidate();
    QString currentProblem() const override;
    void submit() override;

    bool m_editing = false;
    js::StreamConfig m_base; ///< what was loaded, so unmodelled fields survive an edit
    QLineEdit* m_name;
    QLineEdit* m_description;
    QLineEdit* m_subjects;
    QComboBox* m_storage;
    QComboBox* m_retention;
    QComboBox* m_discard;
    QSpinBox* m_replicas;
    QLineEdit* m_maxMsgs;
    QLineEdit* m_maxBytes;
    QLineEdit* m_maxAge;
    QLineEdit* m_maxMsgSize;
    QLineEdit* m_dupeWindow;
};

} // namespace jetdeck
