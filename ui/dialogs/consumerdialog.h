#pragma once

#include "core/jetstream/jstypes.h"

#include "ui/dialogs/configdialog.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QRadioButton;

namespace jetdeck {

/// Create or edit a durable consumer (pull or push). Fields that do not apply to the chosen
/// kind are disabled; the configuration is validated as it changes; the server's refusal is
/// shown in the dialog.
class ConsumerDialog : public ConfigDialog {
    Q_OBJECT
public:
    explicit ConsumerDialog(const QString& stream, QWidget* parent = nullptr);

    void setConfig(const js::ConsumerConfig& config, bool editing);
    Result<js::ConsumerConfig> config() const;
    const QString& stream() const { return m_stream; }
    bool isEditing() const { return m_editing; }

    /// For tests: the kind switch.
    void setPush(bool push);

signals:
    void submitted(const jetdeck::js::ConsumerConfig& config);

private:
    void revalidate();
    QString currentProblem() const override;
    void submit() override;

    QString m_stream;
    bool m_editing = false;
    js::ConsumerConfig m_base;
    QLineEdit* m_name;
    QLineEdit* m_description;
    QRadioButton* m_pull;
    QRadioButton* m_push;
    QLineEdit* m_deliverSubject;
    QLineEdit* m_deliverGroup;
    QLineEdit* m_filter;
    QComboBox* m_deliverPolicy;
    QLineEdit* m_startSeq;
    QLineEdit* m_startTime;
    QComboBox* m_ackPolicy;
    QLineEdit* m_ackWait;
    QLineEdit* m_maxDeliver;
    QLineEdit* m_backoff;
    QLineEdit* m_maxAckPending;
    QLineEdit* m_heartbeat;
    QCheckBox* m_flowControl;
    QLineEdit* m_maxWaiting;
};

} // namespace jetdeck
