#pragma once

#include "core/scenario/runner.h"
#include "ui/pages/sessionpage.h"

#include <QPointer>

#include <optional>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QThread;

namespace jetdeck {

class DemoSession;
class ScenarioStepModel;

/// Scenarios in the console: pick a shipped one or open a file, choose where it runs (fresh
/// local servers, or the servers the console is connected to), run it, and follow the
/// timeline: the current step in bold with its live counters, each finished step with its
/// verdict, its measured values and how long it took, and the run's log. Faults it injects are
/// announced like the faults page's (event log, chart marks). The run has a thread of its own.
class ScenarioPage : public SessionPage {
    Q_OBJECT
public:
    enum class Target { FreshServers, ConsoleServers };

    explicit ScenarioPage(QWidget* parent = nullptr);
    ~ScenarioPage() override;

    /// Servers the console started (the demo): a run on the console's servers may fault them.
    void setDemo(DemoSession* demo);

    /// A built-in name or a file; false with the reason (file, line, field) in statusText().
    bool loadScenario(const QString& nameOrPath);
    std::optional<scenario::Scenario> scenario() const { return m_scenario; }
    void setTarget(Target target);
    Target target() const;
    /// Starts the loaded scenario; false with the reason when it cannot.
    bool start();
    void stop();
    bool isRunning() const { return m_runner != nullptr; }
    const std::optional<scenario::ScenarioReport>& lastReport() const { return m_report; }
    Status saveReport(const QString& path) const;
    ScenarioStepModel* model() const { return m_model; }
    QString statusText() const;
    QString verdictText() const;
    /// Nothing here polls (the run's signals update the page): brings the buttons in line.
    void refresh() override;

signals:
    void faultEvent(const QString& what, bool started);
    void runFinished(const jetdeck::scenario::ScenarioReport& report);
    void saveReportRequested();

private:
    void onFinished(const scenario::ScenarioReport& report);
    void setStatus(const QString& text, bool error);
    void updateActions();
    void chooseDefaultTarget();
    void appendLog(const QString& line);

    QPointer<DemoSession> m_demo;
    std::optional<scenario::Scenario> m_scenario;
    std::optional<scenario::ScenarioReport> m_report;
    scenario::ScenarioRunner* m_runner = nullptr; ///< lives on m_thread while it runs
    QThread* m_thread = nullptr;

    QComboBox* m_choice;
    QPushButton* m_open;
    QLabel* m_description;
    QComboBox* m_target;
    QPushButton* m_run;
    QPushButton* m_stop;
    QPushButton* m_save;
    QTableView* m_table;
    ScenarioStepModel* m_model;
    QProgressBar* m_progress;
    QLabel* m_verdict;
    QLabel* m_status;
    QPlainTextEdit* m_log;
};

} // namespace jetdeck
