#pragma once

#include "core/client/connection.h"
#include "core/client/connectionthread.h"
#include "core/demo/natsserverprocess.h"
#include "core/scenario/report.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QString>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <vector>

namespace jetdeck::test {

/// Starts a real nats-server on a free loopback port; fails the current test when it cannot.
#define JETDECK_START_SERVER(var, ...)                                                             \
    auto var = std::make_unique<jetdeck::NatsServerProcess>(__VA_ARGS__);                          \
    do {                                                                                           \
        const jetdeck::Status s_ = var->start();                                                   \
        QVERIFY2(s_.ok(), qPrintable(s_.toString()));                                              \
    } while (false)

/// Options pointing at one server, with settings that keep tests fast.
Options optionsFor(const QString& url);
/// optionsFor with quick reconnects (50 ms at first, 250 ms at most) and a 2 s connect
/// timeout: for tests that kill and restart servers.
Options fastOptions(const QString& urls);

/// Writes `contents` to `name` in `dir` and returns its path; stops the run when it cannot.
QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& contents);

/// The steps of a scenario run that failed or erred, each line whole, then the setup error:
/// what a failure message needs first (QtTest cuts long messages, so a whole report would
/// lose the line that says what failed).
QString failedSteps(const scenario::ScenarioReport& report);

using Servers = std::vector<std::unique_ptr<NatsServerProcess>>;

/// Starts `n` clustered servers on loopback, each with routes to all the others, and appends
/// them to `out` (also those started before a failure, so the caller stops them). With
/// `jetstream` every member runs JetStream; each has its own store directory and server name,
/// as a JetStream cluster needs.
Status startCluster(int n, Servers* out, const QString& clusterName = QStringLiteral("jetdeck"),
                    bool jetstream = false);

/// Waits until a message published on each member reaches a subscriber on every other member:
/// the routes are up and the subscription interest has spread.
Status waitForMesh(const Servers& servers, int timeoutMs = 10000);

/// Certificates made at test time with the openssl command: a CA, a server certificate for
/// localhost / 127.0.0.1 signed by it, a client certificate, and an unrelated second CA.
struct TlsFiles {
    QString ca, serverCert, serverKey, clientCert, clientKey, otherCa;
};
/// Empty Error on success; the files land in dir.
Status makeTlsFiles(const QString& dir, TlsFiles* out);

/// A stream `stream` on `subject`'s tokens (`<subject's first token>.>`) with a durable pull
/// consumer `durable` (explicit acks) and `messages` published to `subject`: what several suites
/// set up as "somebody's data".
Status makeStreamWithConsumer(Connection* c, const QString& stream, const QByteArray& subject,
                              const QString& durable, int messages);

/// Runs an external command; returns its exit code (-1 when it could not start).
int run(const QString& program, const QStringList& args, QByteArray* output = nullptr,
        int timeoutMs = 30000);

/// `n` clustered JetStream servers with monitoring ports and an accounts block: SYS (user
/// sys, password sys) is the system account, APP (user app, password app) has JetStream.
/// Named prefix-1, prefix-2, ... (prefix: the cluster's name when empty).
Status startSystemCluster(int n, Servers* out, const QString& clusterName,
                          const QString& namePrefix = {});

/// An HTTP/1.0 GET on loopback (no chunking): the body, or empty (or the whole reply when the
/// status is not 200) with *ok false. The event loop keeps running meanwhile.
QByteArray httpGet(quint16 port, const QByteArray& pathAndQuery, bool* ok = nullptr);

/// For what must NOT happen: true when `cond` holds throughout the next `ms` milliseconds
/// (events run meanwhile), false as soon as it does not. The window is part of the claim ("no
/// fourth delivery within an ack wait", "no further attempt"), not a guess at how long
/// something takes: what a test waits FOR is waited for with QTRY_* and a deadline.
template <class Cond>
[[nodiscard]] bool holdsFor(int ms, Cond&& cond) {
    const QDeadlineTimer deadline(ms);
    for (;;) {
        if (!cond())
            return false;
        if (deadline.hasExpired())
            return true;
        QTest::qWait(int(std::clamp<qint64>(deadline.remainingTime(), 1, 10)));
    }
}

/// The GUI thread's turns: a timer every `intervalMs` on this thread, and how long each gap
/// between two of its turns really was, so a stall shows as a long gap.
class TurnGaps {
public:
    explicit TurnGaps(int intervalMs = 5);
    void start();
    void stop();
    qsizetype count() const { return m_gapsMs.size(); }
    /// The gap at percentile `p` (0..100) and the longest, in milliseconds; -1 without any.
    qint64 percentileMs(int p) const;
    qint64 maxMs() const;

private:
    QTimer m_timer;
    QElapsedTimer m_since;
    QList<qint64> m_gapsMs;
};

} // namespace jetdeck::test
