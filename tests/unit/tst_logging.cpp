// Logging: categories filtered by level, one file per run named after the program, earlier
// files pruned to the number kept, a file that grows too large rolled over.
#include "core/logging/logging.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace jetdeck;

namespace {
QString readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}
} // namespace

class TestLogging : public QObject {
    Q_OBJECT
private slots:
    void levels();
    void filteredByLevel();
    void keepsTheLastFiles();
    void rollsLargeFiles();
    void unwritableDirectory();
    void readableByTheUserOnly();
    void cleanup() { logging::shutdown(); }
};

void TestLogging::levels() {
    QCOMPARE(logging::levelFromName(u"debug"), logging::Level::Debug);
    QCOMPARE(logging::levelFromName(u"INFO"), logging::Level::Info);
    QCOMPARE(logging::levelFromName(u"warn"), logging::Level::Warning);
    QCOMPARE(logging::levelFromName(u" error "), logging::Level::Error);
    QVERIFY(!logging::levelFromName(u"verbose"));
    QVERIFY(!logging::levelFromName(u""));
    QCOMPARE(logging::levelName(logging::Level::Warning), QStringLiteral("warning"));
    QCOMPARE(logging::categories().size(), 7);

    // What the executables' --log-level and --no-log-file make of it.
    auto quiet = logging::setupFromArguments(QStringLiteral("p"), logging::Level::Error,
                                             std::nullopt, false);
    QVERIFY(quiet);
    QCOMPARE(quiet->level, logging::Level::Info);
    QCOMPARE(quiet->stderrLevel, logging::Level::Error);
    QVERIFY(quiet->toFile);
    auto loud = logging::setupFromArguments(QStringLiteral("p"), logging::Level::Error,
                                            QStringLiteral("debug"), true);
    QVERIFY(loud);
    QCOMPARE(loud->level, logging::Level::Debug);
    QCOMPARE(loud->stderrLevel, logging::Level::Debug);
    QVERIFY(!loud->toFile);
    auto bad = logging::setupFromArguments(QStringLiteral("p"), logging::Level::Error,
                                           QStringLiteral("chatty"), false);
    QVERIFY(!bad);
    QVERIFY(bad.error().message.contains(QStringLiteral("got 'chatty'")));
}

void TestLogging::filteredByLevel() {
    QTemporaryDir dir;
    logging::Setup s;
    s.program = QStringLiteral("tst");
    s.directory = dir.path();
    s.level = logging::Level::Info;
    s.stderrLevel = logging::Level::Error;
    VERIFY_OK(logging::install(s));
    const QString file = logging::currentFile();
    QVERIFY(file.startsWith(dir.path() + QStringLiteral("/tst-")));
    QVERIFY(file.endsWith(QStringLiteral(".log")));
    qCDebug(lcClient) << "debug line";
    qCInfo(lcClient) << "info line";
    qCWarning(lcJetStream) << "warning line";
    qCInfo(lcScenario).noquote() << "scenario line";
    QString text = readAll(file);
    QVERIFY(!text.contains(QStringLiteral("debug line")));
    QVERIFY(text.contains(QStringLiteral("info jetdeck.client")));
    QVERIFY(text.contains(QStringLiteral("info line")));
    QVERIFY(text.contains(QStringLiteral("warning jetdeck.jetstream")));
    QVERIFY(text.contains(QStringLiteral("scenario line")));
    // Debug on: it reaches the file too.
    s.level = logging::Level::Debug;
    VERIFY_OK(logging::install(s));
    qCDebug(lcFaults) << "now debug";
    QVERIFY(readAll(logging::currentFile()).contains(QStringLiteral("debug jetdeck.faults")));
    // Only errors: info is dropped.
    s.level = logging::Level::Error;
    VERIFY_OK(logging::install(s));
    qCInfo(lcClient) << "quiet info";
    qCCritical(lcClient) << "loud error";
    text = readAll(logging::currentFile());
    QVERIFY(!text.contains(QStringLiteral("quiet info")));
    QVERIFY(text.contains(QStringLiteral("error jetdeck.client")));
}

void TestLogging::keepsTheLastFiles() {
    QTemporaryDir dir;
    for (int i = 0; i < 15; ++i) {
        QFile f(dir.filePath(QStringLiteral("app-2026010%1-000000-000-%2.log").arg(i % 9).arg(i)));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("old\n");
    }
    QFile other(dir.filePath(QStringLiteral("unrelated.log")));
    QVERIFY(other.open(QIODevice::WriteOnly));
    other.close();
    logging::Setup s;
    s.program = QStringLiteral("app");
    s.directory = dir.path();
    s.keepFiles = 5;
    VERIFY_OK(logging::install(s));
    const QStringList files =
        QDir(dir.path()).entryList({QStringLiteral("app-*.log*")}, QDir::Files);
    QCOMPARE(files.size(), 5); // four earlier ones and this run's
    QVERIFY(files.contains(QFileInfo(logging::currentFile()).fileName()));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("unrelated.log"))));
}

void TestLogging::rollsLargeFiles() {
    QTemporaryDir dir;
    logging::Setup s;
    s.program = QStringLiteral("big");
    s.directory = dir.path();
    s.maxBytes = 4096;
    VERIFY_OK(logging::install(s));
    for (int i = 0; i < 200; ++i)
        qCInfo(lcMetrics) << "line" << i << QString(40, QLatin1Char('x'));
    const QString file = logging::currentFile();
    QVERIFY(QFile::exists(file + QStringLiteral(".1")));
    QVERIFY(QFileInfo(file).size() <= 4096 + 200);
    QVERIFY(QFileInfo(file + QStringLiteral(".1")).size() > 4000);
    QVERIFY(readAll(file).contains(QStringLiteral("line 199")));
}

void TestLogging::unwritableDirectory() {
    logging::Setup s;
    s.program = QStringLiteral("x");
    s.directory = QStringLiteral("/proc/jetdeck-cannot-be-here");
    const Status st = logging::install(s);
    QVERIFY(!st.ok());
    QVERIFY2(st.message.contains(QStringLiteral("/proc/jetdeck-cannot-be-here")),
             qPrintable(st.message));
    QVERIFY(logging::currentFile().isEmpty());
    qCWarning(lcClient) << "still fine without a file"; // does not crash
}

void TestLogging::readableByTheUserOnly() {
    // Logs name servers, subjects and users: the file and its directory are the user's alone.
    QTemporaryDir dir;
    const QString logDir = dir.filePath(QStringLiteral("logs"));
    logging::Setup s;
    s.program = QStringLiteral("private");
    s.directory = logDir;
    VERIFY_OK(logging::install(s));
    const QFile::Permissions file = QFileInfo(logging::currentFile()).permissions();
    QVERIFY(!(file & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup |
                      QFileDevice::WriteOther)));
    const QFile::Permissions d = QFileInfo(logDir).permissions();
    QVERIFY(!(d & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::ExeGroup |
                   QFileDevice::ExeOther)));
}

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
