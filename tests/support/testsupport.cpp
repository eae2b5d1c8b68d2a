#include "testsupport.h"

#include "core/jetstream/jetstream.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTcpSocket>

#include <atomic>

namespace jetdeck::test {

Options optionsFor(const QString& url) {
    auto o = Options::fromUrls(url);
    Q_ASSERT(o.ok());
    Options opts = o.value();
    opts.name = QStringLiteral("jetdeck-test");
    opts.connectTimeoutMs = 3000;
    return opts;
}

Options fastOptions(const QString& urls) {
    Options o = optionsFor(urls);
    o.reconnectDelayMs = 50;
    o.maxReconnectDelayMs = 250;
    o.connectTimeoutMs = 2000;
    return o;
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& contents) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

Status makeStreamWithConsumer(Connection* c, const QString& stream, const QByteArray& subject,
                              const QString& durable, int messages) {
    const js::JetStream js(c);
    js::StreamConfig sc;
    sc.name = stream;
    sc.subjects = {QString::fromUtf8(subject.split('.').first()) + QStringLiteral(".>")};
    if (auto r = js.addStream(sc); !r)
        return r.error();
    js::ConsumerConfig cc;
    cc.durableName = durable;
    if (auto r = js.addConsumer(stream, cc); !r)
        return r.error();
    for (int i = 0; i < messages; ++i)
        if (auto r = js.publish(subject, "real"); !r)
            return r.error();
    return {};
}

Status startCluster(int n, Servers* out, const QString& clusterName, bool jetstream) {
    return startLocalCluster(n, out, clusterName, jetstream);
}

Status startSystemCluster(int n, Servers* out, const QString& clusterName,
                          const QString& namePrefix) {
    NatsServerConfig base;
    base.clusterName = clusterName;
    base.jetstream = true;
    base.monitorPort = 1; // a free one each
    base.extraConfig = QStringLiteral(R"(
accounts {
  SYS { users: [{user: sys, password: sys}] }
  APP { jetstream: enabled, users: [{user: app, password: app}] }
}
system_account: SYS
)");
    return startLocalCluster(n, out, base, namePrefix.isEmpty() ? clusterName : namePrefix);
}

Status waitForMesh(const Servers& servers, int timeoutMs) {
    const int n = int(servers.size());
    std::vector<std::atomic<int>> got(size_t(n * n)); // outlives the connections below
    std::vector<std::unique_ptr<ConnectionThread>> conns;
    for (int i = 0; i < n; ++i) {
        conns.push_back(std::make_unique<ConnectionThread>(optionsFor(servers[i]->url())));
        if (Status s = (*conns.back())->connectSync(); !s.ok())
            return s;
        auto sub = (*conns.back())->subscribeInline("mesh.probe", [&got, i, n](const MsgView& m) {
            const int from = m.payload.toByteArray().toInt();
            if (from >= 0 && from < n)
                ++got[size_t(i * n + from)];
        });
        if (!sub)
            return sub.error();
        if (Status s = (*conns.back())->flushSync(); !s.ok())
            return s;
    }
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        for (int i = 0; i < n; ++i)
            (*conns[size_t(i)])->publish("mesh.probe", QByteArray::number(i));
        QTest::qWait(50);
        bool all = true;
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                all = all && (i == j || got[size_t(i * n + j)] > 0);
        if (all)
            return {};
    }
    return Error{ErrorKind::Timeout, QStringLiteral("the cluster routes did not come up")};
}

int run(const QString& program, const QStringList& args, QByteArray* output, int timeoutMs) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForStarted(timeoutMs))
        return -1;
    p.waitForFinished(timeoutMs);
    if (output)
        *output = p.readAll();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

Status makeTlsFiles(const QString& dirPath, TlsFiles* out) {
    QDir dir(dirPath);
    auto path = [&](const char* name) { return dir.filePath(QLatin1String(name)); };
    const QString openssl = QStringLiteral("openssl");
    auto step = [&](const QStringList& args) -> Status {
        QByteArray log;
        if (run(openssl, args, &log) != 0)
            return Error{ErrorKind::Io,
                         QStringLiteral("openssl %1 failed: %2")
                             .arg(args.join(QLatin1Char(' ')), QString::fromUtf8(log))};
        return {};
    };
    QFile ext(path("server.ext"));
    if (!ext.open(QIODevice::WriteOnly))
        return Error{ErrorKind::Io, QStringLiteral("cannot write server.ext")};
    ext.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    ext.close();
    QFile cext(path("client.ext"));
    if (!cext.open(QIODevice::WriteOnly))
        return Error{ErrorKind::Io, QStringLiteral("cannot write client.ext")};
    cext.write("extendedKeyUsage=clientAuth\n");
    cext.close();

    const QStringList cmds[] = {
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
         QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
         QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=JetDeck Test CA"),
         QStringLiteral("-keyout"), path("ca.key"), QStringLiteral("-out"), path("ca.pem")},
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
         QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
         QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=Other CA"),
         QStringLiteral("-keyout"), path("other.key"), QStringLiteral("-out"), path("other.pem")},
        {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
         QStringLiteral("-nodes"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
         QStringLiteral("-keyout"), path("server.key"), QStringLiteral("-out"), path("server.csr")},
        {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), path("server.csr"),
         QStringLiteral("-CA"), path("ca.pem"), QStringLiteral("-CAkey"), path("ca.key"),
         QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
         QStringLiteral("-extfile"), path("server.ext"), QStringLiteral("-out"),
         path("server.pem")},
        {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
         QStringLiteral("-nodes"), QStringLiteral("-subj"), QStringLiteral("/CN=jetdeck-client"),
         QStringLiteral("-keyout"), path("client.key"), QStringLiteral("-out"), path("client.csr")},
        {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), path("client.csr"),
         QStringLiteral("-CA"), path("ca.pem"), QStringLiteral("-CAkey"), path("ca.key"),
         QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
         QStringLiteral("-extfile"), path("client.ext"), QStringLiteral("-out"),
         path("client.pem")},
    };
    for (const QStringList& c : cmds)
        if (Status s = step(c); !s.ok())
            return s;
    out->ca = path("ca.pem");
    out->otherCa = path("other.pem");
    out->serverCert = path("server.pem");
    out->serverKey = path("server.key");
    out->clientCert = path("client.pem");
    out->clientKey = path("client.key");
    return {};
}

QString failedSteps(const scenario::ScenarioReport& report) {
    QStringList lines;
    for (qsizetype i = 0; i < report.steps.size() && i < report.results.size(); ++i) {
        const scenario::StepStatus st = report.results[i].status;
        if (st == scenario::StepStatus::Failed || st == scenario::StepStatus::Error)
            lines << scenario::stepLine(report.steps[i], report.results[i]);
    }
    if (!report.setupError.isEmpty())
        lines << QStringLiteral("setup: ") + report.setupError;
    return lines.join(QLatin1Char('\n'));
}

QByteArray httpGet(quint16 port, const QByteArray& pathAndQuery, bool* ok) {
    // The event loop keeps running: JetDeck's own endpoint lives on this thread.
    QTcpSocket s;
    if (ok)
        *ok = false;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return s.state() == QAbstractSocket::ConnectedState; }, 3000))
        return {};
    s.write("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray reply;
    (void)QTest::qWaitFor(
        [&] {
            reply += s.readAll();
            return s.state() == QAbstractSocket::UnconnectedState;
        },
        10000);
    reply += s.readAll();
    const qsizetype split = reply.indexOf("\r\n\r\n");
    if (split < 0 || !reply.startsWith("HTTP/1.") || !reply.left(split).contains(" 200 "))
        return reply;
    if (ok)
        *ok = true;
    return reply.mid(split + 4);
}

TurnGaps::TurnGaps(int intervalMs) {
    m_timer.setInterval(intervalMs);
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer,
                     [this] { m_gapsMs.append(m_since.restart()); });
}

void TurnGaps::start() {
    m_gapsMs.clear();
    m_since.start();
    m_timer.start();
}

void TurnGaps::stop() {
    m_timer.stop();
    std::sort(m_gapsMs.begin(), m_gapsMs.end());
}

qint64 TurnGaps::percentileMs(int p) const {
    if (m_gapsMs.isEmpty())
        return -1;
    return m_gapsMs.value(qMin(m_gapsMs.size() - 1, m_gapsMs.size() * p / 100));
}

qint64 TurnGaps::maxMs() const {
    return m_gapsMs.isEmpty() ? -1 : m_gapsMs.last();
}

} // namespace jetdeck::test
