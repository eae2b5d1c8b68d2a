#pragma once

#include "core/workload/ratepublisher.h"
#include "ui/models/publishrunmodel.h"
#include "ui/pages/sessionpage.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace jetdeck {

/// Controlled publishes from the console: subject, body or template, size, headers, msg id,
/// core or JetStream (async window or one at a time), count or duration, rate and bursts.
/// The form is checked before anything is sent; the run goes on the connection's thread, its
/// progress shows live, and every run stays in a table with where its messages ended. PubAck
/// times also go to the session's registry (the publish_ack probe on the latency page).
class PublishPage : public SessionPage {
    Q_OBJECT
public:
    explicit PublishPage(QWidget* parent = nullptr);
    ~PublishPage() override;

    /// The plan the form describes, or the first field error (what the page shows in red).
    Result<PublishPlan> planFromForm() const;
    /// Starts a run from the form; false (and the reason shown) when the form or the
    /// connection does not allow it.
    bool startRun();
    void stopRun();
    /// Fills the form with a JetStream publish into the demo's ORDERS stream.
    void presetForDemo();
    bool isRunning() const { return m_publisher != nullptr; }

    PublishRunModel* runs() const { return m_model; }
    QString errorText() const;
    QString summaryText() const;

    // The form's fields, for tests and for presets.
    QLineEdit* subjectEdit() const { return m_subject; }
    QComboBox* modeCombo() const { return m_mode; }
    QPlainTextEdit* payloadEdit() const { return m_payload; }
    QPlainTextEdit* headersEdit() const { return m_headers; }
    QLineEdit* msgIdEdit() const { return m_msgId; }
    QSpinBox* sizeSpin() const { return m_size; }
    QSpinBox* countSpin() const { return m_count; }
    QDoubleSpinBox* durationSpin() const { return m_duration; }
    QDoubleSpinBox* rateSpin() const { return m_rate; }
    QSpinBox* burstSpin() const { return m_burst; }
    QPushButton* publishButton() const { return m_start; }
    /// Shows the running run's progress (its timer does it while the page is shown).
    void refresh() override;

signals:
    void runFinished(const jetdeck::PublishSummary& summary);

protected:
    /// A run on the previous connection is stopped first.
    void connectionChanged(const std::shared_ptr<ConnectionThread>& connection) override;

private:
    void onFinished(const PublishSummary& summary);
    void updateControls();
    void showError(const QString& text);
    void stopAndDiscard();

    RatePublisher* m_publisher = nullptr; ///< lives on the connection's thread while it runs
    QList<PublishRun> m_runs;
    quint64 m_lastRunId = 0;

    QLineEdit* m_subject;
    QComboBox* m_mode;
    QPlainTextEdit* m_payload;
    QSpinBox* m_size;
    QPlainTextEdit* m_headers;
    QLineEdit* m_msgId;
    QCheckBox* m_stamp;
    QSpinBox* m_count;
    QDoubleSpinBox* m_duration;
    QDoubleSpinBox* m_rate;
    QSpinBox* m_burst;
    QSpinBox* m_window;
    QSpinBox* m_ackTimeout;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_error;
    QProgressBar* m_progress;
    QLabel* m_live;
    QPlainTextEdit* m_summary;
    PublishRunModel* m_model;
    QTableView* m_view;
};

} // namespace jetdeck
