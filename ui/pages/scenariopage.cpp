#include "scenariopage.h"
#include "ui/widgets/confirm.h"

#include "core/demo/demosession.h"
#include "ui/models/scenariostepmodel.h"
#include "ui/widgets/theme.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>

namespace jetdeck {

using scenario::ScenarioReport;
using scenario::ScenarioRunner;
using scenario::StepResult;

ScenarioPage::ScenarioPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<b>Scenarios</b> — a timeline of publishes, faults and "
                                    "checks, with a verdict for each step"),
                                 this));
    auto* row = new QHBoxLayout;
    m_choice = new QComboBox(this);
    m_choice->setObjectName(QStringLiteral("scenarioChoice"));
    for (const QString& n : scenario::builtinScenarios())
        m_choice->addItem(n, n);
    m_open = new QPushButton(tr("Open file..."), this);
    m_open->setObjectName(QStringLiteral("openScenario"));
    m_target = new QComboBox(this);
    m_target->setObjectName(QStringLiteral("scenarioTarget"));
    m_target->addItem(tr("Fresh local servers for the run"), int(Target::FreshServers));
    m_target->addItem(tr("The console's servers"), int(Target::ConsoleServers));
    m_target->setToolTip(
        tr("Fresh servers are started on loopback with temporary stores and removed after the "
           "run. On the console's servers the run creates its own streams (and deletes them "
           "after); it can kill and restart servers only when the console started them (the "
           "demo)."));
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("runScenario"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stopScenario"));
    m_save = new QPushButton(tr("Save report..."), this);
    m_save->setObjectName(QStringLiteral("saveReport"));
    row->addWidget(new QLabel(tr("Scenario"), this));
    row->addWidget(m_choice, 1);
    row->addWidget(m_open);
    row->addWidget(new QLabel(tr("Run on"), this));
    row->addWidget(m_target);
    row->addWidget(m_run);
    row->addWidget(m_stop);
    row->addWidget(m_save);
    layout->addLayout(row);

    m_description = new QLabel(this);
    m_description->setObjectName(QStringLiteral("scenarioDescription"));
    m_description->setWordWrap(true);
    layout->addWidget(m_description);

    auto* verdictRow = new QHBoxLayout;
    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("scenarioVerdict"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("scenarioProgress"));
    m_progress->setFormat(tr("%v of %m steps"));
    verdictRow->addWidget(m_verdict, 1);
    verdictRow->addWidget(m_progress, 1);
    layout->addLayout(verdictRow);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("scenarioSplitter"));
    m_model = new ScenarioStepModel(this);
    m_table = new QTableView(split);
    m_table->setObjectName(QStringLiteral("scenarioSteps"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_log = new QPlainTextEdit(split);
    m_log->setObjectName(QStringLiteral("scenarioLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setPlaceholderText(tr("The run's log: connection changes, faults, steps."));
    split->addWidget(m_table);
    split->addWidget(m_log);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_choice, &QComboBox::activated, this,
            [this](int i) { loadScenario(m_choice->itemData(i).toString()); });
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open scenario"), QString(),
                                                          tr("Scenarios (*.json)"));
        if (!path.isEmpty())
            loadScenario(path);
    });
    connect(m_run, &QPushButton::clicked, this, &ScenarioPage::start);
    connect(m_stop, &QPushButton::clicked, this, &ScenarioPage::stop);
    connect(m_save, &QPushButton::clicked, this, &ScenarioPage::saveReportRequested);
    if (m_choice->count() > 0)
        loadScenario(m_choice->itemData(0).toString());
    updateActions();
}

ScenarioPage::~ScenarioPage() {
    if (!m_runner)
        return;
    // Nothing the run still says reaches a window that is going away; the run cleans up what
    // it started (it may restart a demo server it killed, which happens on this thread), so
    // this thread's events keep going until it is done.
    QObject::disconnect(m_runner, nullptr, nullptr, nullptr);
    m_runner->cancel();
    while (!m_thread->wait(10))
        QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    delete m_runner;
}

void ScenarioPage::refresh() {
    updateActions();
}

void ScenarioPage::setDemo(DemoSession* demo) {
    m_demo = demo;
    chooseDefaultTarget();
}

void ScenarioPage::chooseDefaultTarget() {
    // The demo's servers when they are enough for the scenario (its effects then show on every
    // page); else fresh ones.
    const int have = m_demo ? int(m_demo->servers().size()) : 0;
    const bool console = m_scenario && have >= m_scenario->servers.count;
    setTarget(console ? Target::ConsoleServers : Target::FreshServers);
}

void ScenarioPage::setTarget(Target target) {
    m_target->setCurrentIndex(m_target->findData(int(target)));
}

ScenarioPage::Target ScenarioPage::target() const {
    return Target(m_target->currentData().toInt());
}

bool ScenarioPage::loadScenario(const QString& nameOrPath) {
    if (m_runner) {
        setStatus(tr("A scenario is running; stop it first."), true);
        return false;
    }
    auto sc = scenario::Scenario::load(nameOrPath);
    if (!sc) {
        setStatus(sc.error().message, true);
        return false;
    }
    m_scenario = sc.value();
    m_report.reset();
    int i = m_choice->findData(nameOrPath);
    if (i < 0) {
        m_choice->addItem(QFileInfo(nameOrPath).fileName(), nameOrPath);
        i = m_choice->count() - 1;
    }
    m_choice->setCurrentIndex(i);
    QString desc = m_scenario->description;
    desc += tr(" <i>(%1 step(s); %2 server(s)%3)</i>")
                .arg(m_scenario->steps.size())
                .arg(m_scenario->servers.count)
                .arg(m_scenario->proxy ? tr(", through a fault proxy") : QString());
    m_description->setText(desc);
    m_model->setSteps(m_scenario->steps);
    m_progress->setRange(0, int(m_scenario->steps.size()));
    m_progress->setValue(0);
    m_verdict->clear();
    m_log->clear();
    chooseDefaultTarget();
    setStatus(tr("%1 loaded.").arg(m_scenario->name), false);
    updateActions();
    return true;
}

bool ScenarioPage::start() {
    if (m_runner) {
        setStatus(tr("A scenario is already running."), true);
        return false;
    }
    if (!m_scenario) {
        setStatus(tr("Load a scenario first."), true);
        return false;
    }
    ScenarioRunner::Target t;
    if (target() == Target::ConsoleServers) {
        if (!connection()) {
            setStatus(tr("The console is not connected: connect first, or run on fresh local "
                         "servers."),
                      true);
            return false;
        }
        t.startServers = false;
        t.base = connection()->connection()->options();
        if (m_demo) {
            t.servers = m_demo->servers();
            t.allowExisting = true; // the demo's streams are JetDeck's own
        } else if (const auto foreign = m_scenario->foreignTargets(); !foreign.isEmpty()) {
            QStringList lines;
            for (const auto& f : foreign)
                lines << QStringLiteral("• ") + f.text();
            if (!Confirm::destructive(
                    this, tr("Scenario on a live system"),
                    tr("%1 acts on streams and consumers it does not create, on %2:\n\n%3\n\n"
                       "Those steps ack, NAK or terminate real messages, or move leaders. Run "
                       "it anyway?")
                        .arg(m_scenario->name, connection()->connection()->currentServer(),
                             lines.join(QLatin1Char('\n'))))) {
                setStatus(tr("Not run: it would act on streams it does not create."), false);
                return false;
            }
            t.allowExisting = true;
        }
    } else if (connection()) {
        t.base = connection()->connection()->options(); // credentials and TLS settings
        t.base.servers.clear();
    }
    m_model->setSteps(m_scenario->steps);
    m_progress->setValue(0);
    m_log->clear();
    m_report.reset();
    m_verdict->setText(tr("<b>Running</b> %1 ...").arg(m_scenario->name));
    m_verdict->setStyleSheet(QString());

    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("scenario"));
    m_runner = new ScenarioRunner(*m_scenario, t);
    m_runner->moveToThread(m_thread);
    connect(m_runner, &ScenarioRunner::stepStarted, this, [this](int i, qint64 startedMs) {
        m_model->setRunning(i, startedMs);
        m_table->scrollTo(m_model->index(i, 0));
    });
    connect(m_runner, &ScenarioRunner::stepFinished, this, [this](int i, const StepResult& r) {
        m_model->setResult(i, r);
        m_progress->setValue(m_progress->value() + 1); // steps finished so far
    });
    connect(m_runner, &ScenarioRunner::stepProgress, m_model, &ScenarioStepModel::setProgress);
    connect(m_runner, &ScenarioRunner::logLine, this, &ScenarioPage::appendLog);
    connect(m_runner, &ScenarioRunner::faultEvent, this, &ScenarioPage::faultEvent);
    connect(m_runner, &ScenarioRunner::finished, this, &ScenarioPage::onFinished);
    m_thread->start();
    ScenarioRunner* runner = m_runner;
    QThread* thread = m_thread;
    QMetaObject::invokeMethod(
        runner,
        [runner, thread] {
            runner->run();
            thread->quit();
        },
        Qt::QueuedConnection);
    setStatus(tr("Running %1 on %2.")
                  .arg(m_scenario->name, target() == Target::ConsoleServers
                                             ? tr("the console's servers")
                                             : tr("fresh local servers")),
              false);
    updateActions();
    return true;
}

void ScenarioPage::stop() {
    if (!m_runner)
        return;
    m_runner->cancel();
    setStatus(tr("Stopping: the run cleans up what it started ..."), false);
    m_stop->setEnabled(false);
}

void ScenarioPage::onFinished(const ScenarioReport& report) {
    m_report = report;
    for (qsizetype i = 0; i < report.results.size(); ++i)
        m_model->setResult(int(i), report.results[i]);
    m_progress->setValue(int(report.results.size()));
    m_verdict->setText(verdictText());
    m_verdict->setStyleSheet(textStyle(report.passed() ? ColorRole::Good : ColorRole::Bad));
    if (!report.setupError.isEmpty())
        setStatus(tr("Setup failed: %1").arg(report.setupError), true);
    else
        setStatus(tr("Finished on %1.").arg(report.target), false);
    m_thread->wait(); // run() has returned: it quits the thread right after
    delete m_runner;
    m_runner = nullptr;
    m_thread->deleteLater();
    m_thread = nullptr;
    updateActions();
    emit runFinished(report);
}

QString ScenarioPage::verdictText() const {
    if (!m_report)
        return {};
    const ScenarioReport& r = *m_report;
    const QString head = r.passed() ? tr("PASSED") : r.cancelled ? tr("STOPPED") : tr("FAILED");
    return tr("<b>%1</b> %2 in %3 s: %4 step(s), %5 failed check(s), %6 error(s)")
        .arg(head, r.name)
        .arg(double(r.durationMs) / 1000.0, 0, 'f', 1)
        .arg(r.steps.size())
        .arg(r.failures())
        .arg(r.errors());
}

Status ScenarioPage::saveReport(const QString& path) const {
    if (!m_report)
        return Error{ErrorKind::InvalidArgument, tr("No report yet: run a scenario first.")};
    return m_report->save(path);
}

void ScenarioPage::appendLog(const QString& line) {
    m_log->appendPlainText(line);
}

void ScenarioPage::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
}

QString ScenarioPage::statusText() const {
    return m_status->text();
}

void ScenarioPage::updateActions() {
    const bool running = m_runner != nullptr;
    m_run->setEnabled(!running && m_scenario.has_value());
    m_stop->setEnabled(running);
    m_choice->setEnabled(!running);
    m_open->setEnabled(!running);
    m_target->setEnabled(!running);
    m_save->setEnabled(!running && m_report.has_value());
}

} // namespace jetdeck
