// jetdeck-cli scenario: run, check and list JSON scenarios (core/scenario).
#include "app/cli/clicommon.h"
#include "core/faults/faultinjector.h"
#include "core/scenario/runner.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThread>
#include <QTimer>

namespace jetdeck::cli {

namespace {

void scenarioOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("report"),
                 QStringLiteral("run: write the report (every step, its verdict and measured "
                                "values) as JSON to FILE"),
                 QStringLiteral("FILE")});
    p.addOption({{QStringLiteral("demo"), QStringLiteral("local")},
                 QStringLiteral("run: start the local nats-server(s) the scenario describes "
                                "(loopback, temporary stores) instead of using --server")});
    p.addOption({QStringLiteral("quiet"),
                 QStringLiteral("run: print only the verdict, not each step as it ends")});
    p.addOption({QStringLiteral("allow-existing"),
                 QStringLiteral("run: let steps that ack, NAK, terminate, withhold acks or move "
                                "leaders act on streams and consumers the scenario does not "
                                "create (without it such a run refuses to start)")});
}

int scenarioUsage() {
    return fail(QStringLiteral("usage: jetdeck-cli scenario run FILE|NAME [--demo] [--report "
                               "FILE] | scenario check FILE|NAME | scenario list "
                               "(see jetdeck-cli scenario --help)"),
                kExitUsage);
}

int cmdList(bool json) {
    const QStringList names = scenario::builtinScenarios();
    if (json) {
        QJsonArray arr;
        for (const QString& n : names) {
            auto sc = scenario::Scenario::load(n);
            arr.append(QJsonObject{
                {QStringLiteral("name"), n},
                {QStringLiteral("description"), sc ? sc.value().description : QString()},
                {QStringLiteral("servers"), sc ? sc.value().servers.count : 0},
                {QStringLiteral("steps"), sc ? int(sc.value().steps.size()) : 0}});
        }
        printJson(QJsonObject{{QStringLiteral("scenarios"), arr}});
        return kExitOk;
    }
    for (const QString& n : names) {
        auto sc = scenario::Scenario::load(n);
        if (!sc) {
            out(QStringLiteral("%1  (broken: %2)").arg(n, sc.error().message));
            continue;
        }
        out(QStringLiteral("%1  %2 step(s), %3 server(s)%4\n    %5")
                .arg(n, -20)
                .arg(sc.value().steps.size())
                .arg(sc.value().servers.count)
                .arg(sc.value().proxy ? QStringLiteral(", through a fault proxy") : QString())
                .arg(sc.value().description));
    }
    return kExitOk;
}

int cmdCheck(const QString& file, bool json) {
    auto sc = scenario::Scenario::load(file);
    if (!sc)
        return fail(sc.error().message, kExitUsage);
    if (json) {
        QJsonArray steps;
        for (const scenario::Step& s : sc.value().steps)
            steps.append(QJsonObject{{QStringLiteral("index"), s.index + 1},
                                     {QStringLiteral("line"), s.line},
                                     {QStringLiteral("step"), s.kindName()},
                                     {QStringLiteral("title"), s.title}});
        printJson(QJsonObject{{QStringLiteral("scenario"), sc.value().name},
                              {QStringLiteral("valid"), true},
                              {QStringLiteral("steps"), steps}});
        return kExitOk;
    }
    out(QStringLiteral("%1: valid, %2 step(s)").arg(file).arg(sc.value().steps.size()));
    for (const scenario::Step& s : sc.value().steps)
        out(QStringLiteral("  %1  line %2  %3").arg(s.index + 1, 3).arg(s.line, 3).arg(s.title));
    return kExitOk;
}

int cmdRun(const QCommandLineParser& p, const Resolved& r, const QString& file, bool json) {
    auto sc = scenario::Scenario::load(file);
    if (!sc)
        return fail(sc.error().message, kExitUsage);
    const QString reportPath = p.value(QStringLiteral("report"));
    scenario::ScenarioRunner::Target target;
    target.startServers = p.isSet(QStringLiteral("demo"));
    target.allowExisting = p.isSet(QStringLiteral("allow-existing"));
    target.base = r.options;
    scenario::ScenarioRunner runner(sc.value(), target);
    const bool quiet = p.isSet(QStringLiteral("quiet")) || json;
    if (!quiet) {
        out(QStringLiteral("scenario %1: %2 step(s)")
                .arg(sc.value().name)
                .arg(sc.value().steps.size()));
        QObject::connect(&runner, &scenario::ScenarioRunner::stepFinished, &runner,
                         [&](int i, const scenario::StepResult& res) {
                             out(scenario::stepLine(sc.value().steps[i], res));
                         });
    }
    // Ctrl+C stops the run at its next wait; what it started is still cleaned up.
    QTimer watch;
    QObject::connect(&watch, &QTimer::timeout, &runner, [&] {
        if (interrupted())
            runner.cancel();
    });
    watch.start(100);
    const scenario::ScenarioReport report = runner.run();
    watch.stop();
    if (!reportPath.isEmpty()) {
        if (Status s = report.save(reportPath); !s.ok())
            return fail(s.message);
    }
    if (json) {
        printJson(report.toJson());
    } else {
        if (!report.setupError.isEmpty())
            out(QStringLiteral("setup failed: %1").arg(report.setupError));
        out(report.passed() ? QStringLiteral("PASSED") : QStringLiteral("FAILED"));
        out(QStringLiteral("%1 step(s) in %2 s on %3: %4 failed assertion(s), %5 error(s)%6")
                .arg(report.steps.size())
                .arg(double(report.durationMs) / 1000.0, 0, 'f', 1)
                .arg(report.target)
                .arg(report.failures())
                .arg(report.errors())
                .arg(reportPath.isEmpty() ? QString()
                                          : QStringLiteral("; report in ") + reportPath));
        for (qsizetype i = 0; i < report.results.size(); ++i)
            if (report.results[i].status == scenario::StepStatus::Failed ||
                report.results[i].status == scenario::StepStatus::Error)
                out(QStringLiteral("  step %1 (line %2, %3): %4")
                        .arg(i + 1)
                        .arg(report.steps[i].line)
                        .arg(report.steps[i].title, report.results[i].message));
    }
    return report.passed() ? kExitOk : kExitFailure;
}

int cmdScenario(const QCommandLineParser& p, const Resolved& r, bool json) {
    QStringList args = p.positionalArguments();
    if (!args.isEmpty() && args.first() == QLatin1String("scenario"))
        args.removeFirst();
    if (args.isEmpty())
        return scenarioUsage();
    const QString sub = args.first();
    if (sub == QLatin1String("list") && args.size() == 1)
        return cmdList(json);
    if (sub == QLatin1String("check") && args.size() == 2)
        return cmdCheck(args[1], json);
    if (sub == QLatin1String("run") && args.size() == 2)
        return cmdRun(p, r, args[1], json);
    return scenarioUsage();
}

void faultOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("count"),
                 QStringLiteral("withhold-acks, nak-burst, term: messages to take (default 10)"),
                 QStringLiteral("n")});
    p.addOption({QStringLiteral("nak-delay"),
                 QStringLiteral("nak-burst: ask for redelivery after this long (default: at once)"),
                 QStringLiteral("duration")});
    p.addOption({QStringLiteral("wait"),
                 QStringLiteral("how long to wait for messages to arrive (default 2s)"),
                 QStringLiteral("duration")});
}

int faultUsage() {
    return fail(QStringLiteral("usage: jetdeck-cli fault withhold-acks|nak-burst|term STREAM "
                               "CONSUMER [--count N] | fault stepdown STREAM [CONSUMER]"),
                kExitUsage);
}

int cmdFault(const QCommandLineParser& p, const Resolved& r, bool json) {
    QStringList args = p.positionalArguments();
    if (!args.isEmpty() && args.first() == QLatin1String("fault"))
        args.removeFirst();
    if (args.size() < 2)
        return faultUsage();
    const QString what = args[0];
    faults::FaultSpec f;
    const bool stepdown = what == QLatin1String("stepdown");
    if (what == QLatin1String("withhold-acks"))
        f.kind = faults::FaultKind::WithholdAcks;
    else if (what == QLatin1String("nak-burst"))
        f.kind = faults::FaultKind::NakBurst;
    else if (what == QLatin1String("term"))
        f.kind = faults::FaultKind::Term;
    else if (!stepdown)
        return faultUsage();
    if (stepdown ? args.size() > 3 : args.size() != 3)
        return faultUsage();
    f.stream = args[1];
    f.consumer = args.value(2);
    if (stepdown)
        f.kind = f.consumer.isEmpty() ? faults::FaultKind::StreamLeaderStepDown
                                      : faults::FaultKind::ConsumerLeaderStepDown;
    QString error;
    qint64 count = 10;
    if (!parseCount(p, QStringLiteral("count"), 10, &count, &error))
        return fail(error, kExitUsage);
    if (count < 1 || count > 100000)
        return fail(QStringLiteral("--count must be between 1 and 100000"), kExitUsage);
    f.count = int(count);
    if (!parseDurationMs(p, QStringLiteral("nak-delay"), 0, &f.nakDelayMs, &error) ||
        !parseDurationMs(p, QStringLiteral("wait"), 2000, &f.fetchWaitMs, &error))
        return fail(error, kExitUsage);
    f.name = f.title();

    Connection c(r.options);
    int code = kExitOk;
    if (!connectOrFail(c, r.timeoutMs, &code))
        return code;
    faults::FaultInjector injector;
    injector.setReason(QStringLiteral("jetdeck-cli"));
    injector.setConnection(&c);
    injector.setWait([](int ms) {
        QThread::msleep(ulong(ms));
        return !interrupted();
    });
    auto res = injector.start(f);
    if (!res)
        return fail(res.error().toString());
    if (json) {
        QJsonObject o{{QStringLiteral("fault"), what}, {QStringLiteral("stream"), f.stream}};
        if (!f.consumer.isEmpty())
            o.insert(QStringLiteral("consumer"), f.consumer);
        const QJsonObject& m = res.value().measured;
        for (auto it = m.begin(); it != m.end(); ++it)
            o.insert(it.key(), it.value());
        printJson(o);
    } else {
        out(QStringLiteral("%1 %2%3: %4")
                .arg(what, f.stream,
                     f.consumer.isEmpty() ? QString() : QStringLiteral(" > ") + f.consumer,
                     res.value().detail));
    }
    return kExitOk;
}

} // namespace

QList<Command> scenarioCommands() {
    return {
        {"scenario", "run FILE|NAME | check FILE|NAME | list",
         "Run a JSON scenario (publish, faults, assertions) and report each step; exit 1 when "
         "an assertion fails. NAME is a built-in scenario (see 'scenario list')",
         scenarioOptions, cmdScenario},
        {"fault", "withhold-acks|nak-burst|term STREAM CONSUMER | stepdown STREAM [CONSUMER]",
         "Misbehave on purpose: take messages from a pull consumer and never ack, NAK or term "
         "them; or make a stream's or consumer's leader step down",
         faultOptions, cmdFault},
    };
}

} // namespace jetdeck::cli
