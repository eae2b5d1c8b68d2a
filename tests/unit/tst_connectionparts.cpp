// The parts of a Connection that are pure logic, without a socket or a server: the reconnect
// state machine (time and jitter injected), the handshake (CONNECT, credentials, TLS files),
// the ping tracker, the request muxer, the indexed write buffer and ledger, the event journal.
#include "core/auth/nkeys.h"
#include "core/client/eventjournal.h"
#include "core/client/handshake.h"
#include "core/client/outboundqueue.h"
#include "core/client/pingtracker.h"
#include "core/client/reconnectplan.h"
#include "core/client/requestmuxer.h"
#include "core/client/systemcredentials.h"
#include "core/client/writebuffer.h"
#include "core/client/writeledger.h"
#include "core/protocol/frames.h"
#include "core/protocol/json.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QtTest>

using namespace jetdeck;
using Step = ReconnectPlan::Step;

namespace {

constexpr char kUserSeed[] = "SUACH75SWCM5D2JMJM6EKLR2WDARVGZT4QC6LX3AGHSWOMVAKERABBBRWM";

ReconnectPlan plan(int attempts, bool retryFirst, int initialMs = 500, int maxMs = 4000) {
    ReconnectPlan::Policy p;
    p.reconnectAttempts = attempts;
    p.retryOnFailedConnect = retryFirst;
    p.backoff = BackoffPolicy{initialMs, 2.0, maxMs, 20};
    return ReconnectPlan(p, [] { return 0.0; }); // no jitter: delays are exact
}

/// The CONNECT frame's JSON object.
nlohmann::json connectJson(const QByteArray& frame) {
    const qsizetype start = frame.indexOf(' ') + 1;
    const qsizetype end = frame.indexOf("\r\n");
    return json::parse(QByteArrayView(frame).sliced(start, end - start));
}

QString str(const nlohmann::json& j, const char* key) {
    return j.contains(key) ? QString::fromStdString(j[key].get<std::string>()) : QString();
}

} // namespace

class TestConnectionParts : public QObject {
    Q_OBJECT
private slots:
    // --- system account credentials ---------------------------------------------------------

    void systemCredentialsReplaceEveryOtherKind() {
        auto base = Options::fromUrls(
            QStringLiteral("nats://app:secret@127.0.0.1:4222,nats://tok@127.0.0.1:4223"));
        VERIFY_OK(base.error());
        Options o = base.value();
        o.name = QStringLiteral("console");
        o.auth.nkeySeedFile = QStringLiteral("/some/seed.nk");
        SystemCredentials none;
        QVERIFY(!none.isSet());
        // Nothing given: the same options.
        QCOMPARE(none.applyTo(o).servers.first().password, QStringLiteral("secret"));
        QCOMPARE(none.applyTo(o).name, o.name);
        SystemCredentials sys{QStringLiteral("sys"), QStringLiteral("pw"), {}};
        VERIFY_OK(sys.validate());
        const Options s = sys.applyTo(o);
        QCOMPARE(s.servers.size(), 2);
        for (const ServerUrl& u : s.servers) {
            QVERIFY(u.user.isEmpty());
            QVERIFY(u.password.isEmpty());
            QVERIFY(u.token.isEmpty());
        }
        QCOMPARE(s.auth.user, QStringLiteral("sys"));
        QCOMPARE(s.auth.password, QStringLiteral("pw"));
        QVERIFY(s.auth.nkeySeedFile.isEmpty());
        QCOMPARE(s.name, QStringLiteral("console-sys"));
    }

    void systemCredentialsRefuseWhatCannotWork() {
        const SystemCredentials both{QStringLiteral("sys"), {}, QStringLiteral("/x.creds")};
        QVERIFY(!both.validate().ok());
        const SystemCredentials orphanPassword{{}, QStringLiteral("pw"), {}};
        QVERIFY(!orphanPassword.validate().ok());
        const Status missing =
            SystemCredentials{{}, {}, QStringLiteral("/nonexistent/sys.creds")}.validate();
        QVERIFY(!missing.ok());
        QVERIFY2(missing.message.contains(QStringLiteral("/nonexistent/sys.creds")),
                 qPrintable(missing.message));
        const auto parse = [](const QStringList& args) {
            QCommandLineParser p;
            SystemCredentials::addOptions(p);
            [&] { QVERIFY(p.parse(QStringList{QStringLiteral("jetdeck")} + args)); }();
            return SystemCredentials::fromArguments(p);
        };
        QVERIFY(!parse({}).value().isSet());
        const auto twice = parse({QStringLiteral("--sys-user=a"), QStringLiteral("--sys-creds=b")});
        QVERIFY(!twice);
        QVERIFY(twice.error().message.contains(QStringLiteral("not both")));
        const auto orphan = parse({QStringLiteral("--sys-password=pw")});
        QVERIFY(!orphan);
        QVERIFY(orphan.error().message.contains(QStringLiteral("--sys-user")));
        const auto ok =
            parse({QStringLiteral("--sys-user=sys"), QStringLiteral("--sys-password=x")});
        VERIFY_OK(ok.error());
        QCOMPARE(ok->user, QStringLiteral("sys"));
        QCOMPARE(ok->password, QStringLiteral("x"));
    }

    // --- reconnect plan ---------------------------------------------------------------------

    void firstConnectTriesEveryServerOnceThenStops() {
        ReconnectPlan p = plan(-1, false);
        p.opened();
        auto d = p.attemptFailed(3, 0);
        QCOMPARE(d.step, Step::TryNextServer);
        QCOMPARE(d.failedThisPass, 1);
        QCOMPARE(p.attemptFailed(3, 0).step, Step::TryNextServer);
        d = p.attemptFailed(3, 0);
        QCOMPARE(d.step, Step::FailFirstConnect);
        QCOMPARE(d.attempts, 3);
        QVERIFY(d.neverConnected);
        QCOMPARE(p.nextAttemptAtMs(), -1);
    }

    void retriedFirstConnectBacksOffPassByPass() {
        ReconnectPlan p = plan(-1, true, 500, 1500);
        p.opened();
        QCOMPARE(p.attemptFailed(2, 1000).step, Step::TryNextServer);
        auto d = p.attemptFailed(2, 1000);
        QCOMPARE(d.step, Step::WaitThenRetry);
        QVERIFY(d.neverConnected);
        QCOMPARE(d.delayMs, 500);
        QCOMPARE(p.nextAttemptAtMs(), 1500);
        p.retryDue();
        QCOMPARE(p.nextAttemptAtMs(), -1);
        QCOMPARE(p.attemptFailed(2, 2000).step, Step::TryNextServer);
        QCOMPARE(p.attemptFailed(2, 2000).delayMs, 1000);
        p.retryDue();
        p.attemptFailed(2, 3000);
        d = p.attemptFailed(2, 3000);
        QCOMPARE(d.delayMs, 1500); // capped at the maximum
        QCOMPARE(p.passes(), 3);
        QCOMPARE(d.attempts, 6);
    }

    void lossCountsAttemptsUntilTheLimit() {
        ReconnectPlan p = plan(3, false);
        p.opened();
        p.connected();
        QVERIFY(p.everConnected());
        p.lost();
        auto d = p.attemptFailed(1, 0);
        QCOMPARE(d.step, Step::WaitThenRetry);
        QVERIFY(!d.neverConnected);
        p.retryDue();
        QCOMPARE(p.attemptFailed(1, 0).step, Step::WaitThenRetry);
        p.retryDue();
        d = p.attemptFailed(1, 0);
        QCOMPARE(d.step, Step::GiveUpAttempts);
        QCOMPARE(d.attempts, 3);
    }

    void aReconnectStartsTheCountsOver() {
        ReconnectPlan p = plan(2, false);
        p.opened();
        p.connected();
        p.lost();
        QCOMPARE(p.attemptFailed(1, 0).step, Step::WaitThenRetry);
        QCOMPARE(p.attemptsSinceLoss(), 1);
        p.retryDue();
        p.connected();
        QCOMPARE(p.attemptsSinceLoss(), 0);
        QCOMPARE(p.passes(), 0);
        p.lost();
        QCOMPARE(p.attemptFailed(1, 0).step, Step::WaitThenRetry); // 1 of 2 again, not 2 of 2
        QCOMPARE(p.attemptFailed(1, 0).step, Step::GiveUpAttempts);
    }

    void anEmptyPoolGivesUp() {
        ReconnectPlan p = plan(-1, true);
        p.opened();
        QCOMPARE(p.attemptFailed(0, 0).step, Step::GiveUpNoServer);
    }

    void cancelForgetsTheScheduledPass() {
        ReconnectPlan p = plan(-1, true);
        p.opened();
        QCOMPARE(p.attemptFailed(1, 100).step, Step::WaitThenRetry);
        QCOMPARE(p.nextAttemptAtMs(), 600);
        p.cancel();
        QCOMPARE(p.nextAttemptAtMs(), -1);
    }

    // --- handshake ----------------------------------------------------------------------------

    void connectCarriesUserFromTheUrlFirst() {
        Options o;
        o.name = QStringLiteral("probe");
        o.auth.user = QStringLiteral("opt-user");
        o.auth.password = QStringLiteral("opt-pass");
        ServerInfo info;
        info.headers = true;
        ServerUrl url;
        url.host = QStringLiteral("127.0.0.1");
        auto frame = handshake::connectFrame(o, info, url, false);
        QVERIFY(frame.ok());
        QVERIFY(frame->startsWith("CONNECT {"));
        QVERIFY(frame->endsWith("}\r\nPING\r\n"));
        nlohmann::json j = connectJson(frame.value());
        QCOMPARE(str(j, "user"), QStringLiteral("opt-user"));
        QCOMPARE(str(j, "pass"), QStringLiteral("opt-pass"));
        QCOMPARE(str(j, "name"), QStringLiteral("probe"));
        QVERIFY(j["headers"].get<bool>());
        QVERIFY(j["no_responders"].get<bool>());

        url.user = QStringLiteral("url-user");
        url.password = QStringLiteral("url-pass");
        frame = handshake::connectFrame(o, info, url, true);
        j = connectJson(frame.value());
        QCOMPARE(str(j, "user"), QStringLiteral("url-user"));
        QCOMPARE(str(j, "pass"), QStringLiteral("url-pass"));
        QVERIFY(j["tls_required"].get<bool>());

        Options t;
        t.auth.token = QStringLiteral("s3cret");
        j = connectJson(handshake::connectFrame(t, ServerInfo{}, ServerUrl{}, false).value());
        QCOMPARE(str(j, "auth_token"), QStringLiteral("s3cret"));
        QVERIFY(!j.contains("user"));
        QVERIFY(!j.contains("headers")); // the server did not offer them
    }

    void connectSignsTheNonceWithTheSeed() {
        Options o;
        o.auth.nkeySeed = kUserSeed;
        ServerInfo info;
        info.nonce = "a-nonce-to-sign";
        auto frame = handshake::connectFrame(o, info, ServerUrl{}, false);
        QVERIFY(frame.ok());
        const nlohmann::json j = connectJson(frame.value());
        const QByteArray nkey = str(j, "nkey").toLatin1();
        const QByteArray sig = str(j, "sig").toLatin1();
        QCOMPARE(nkey, nkeys::KeyPair::fromSeed(kUserSeed)->publicKey());
        QVERIFY(nkeys::KeyPair::verify(
            nkey, info.nonce,
            QByteArray::fromBase64(sig, QByteArray::Base64UrlEncoding |
                                            QByteArray::OmitTrailingEquals)));
        QVERIFY(!j.contains("jwt"));

        info.nonce.clear();
        frame = handshake::connectFrame(o, info, ServerUrl{}, false);
        QVERIFY(!frame.ok());
        QCOMPARE(frame.error().kind, ErrorKind::Authorization);
        QVERIFY2(frame.error().message.contains(QLatin1String("no nonce")),
                 qPrintable(frame.error().message));
    }

    void aJwtIsSignedWithTheSeedFromAFileToo() {
        // Before the handshake had one reader, a JWT with a seed *file* passed the check and
        // then failed CONNECT with an empty seed.
        QTemporaryDir dir;
        Options o;
        o.auth.userJwt = "eyJ.a.jwt";
        o.auth.nkeySeedFile = test::writeFile(dir, QStringLiteral("user.nk"), kUserSeed);
        VERIFY_OK(handshake::checkLocalInputs(o));
        ServerInfo info;
        info.nonce = "n";
        auto frame = handshake::connectFrame(o, info, ServerUrl{}, false);
        QVERIFY2(frame.ok(), qPrintable(frame.ok() ? QString() : frame.error().message));
        const nlohmann::json j = connectJson(frame.value());
        QCOMPARE(str(j, "jwt"), QStringLiteral("eyJ.a.jwt"));
        QVERIFY(!str(j, "sig").isEmpty());
        QVERIFY(!j.contains("nkey"));
    }

    void localInputsAreCheckedWithSpecificErrors_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("jwt without seed")
            << "jwt" << int(ErrorKind::Credentials) << "a user JWT needs the user's NKey seed";
        QTest::newRow("missing creds file")
            << "creds" << int(ErrorKind::Credentials) << "/nonexistent/user.creds";
        QTest::newRow("bad inline seed") << "seed" << int(ErrorKind::Credentials) << "seed";
        QTest::newRow("cert without key")
            << "cert" << int(ErrorKind::Tls) << "needs both a certificate file and a key file";
        QTest::newRow("unreadable CA")
            << "ca" << int(ErrorKind::Tls) << "cannot read any PEM certificate from the CA file";
        QTest::newRow("unreadable cert")
            << "certkey" << int(ErrorKind::Tls) << "cannot read a PEM certificate from";
    }
    void localInputsAreCheckedWithSpecificErrors() {
        QFETCH(QString, what);
        QFETCH(int, kind);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString junk = test::writeFile(dir, QStringLiteral("junk.pem"), "not pem\n");
        Options o;
        if (what == QLatin1String("jwt"))
            o.auth.userJwt = "eyJ.a.jwt";
        else if (what == QLatin1String("creds"))
            o.auth.credsFile = QStringLiteral("/nonexistent/user.creds");
        else if (what == QLatin1String("seed"))
            o.auth.nkeySeed = "SUNOTASEED";
        else if (what == QLatin1String("cert"))
            o.tls.certFile = junk;
        else if (what == QLatin1String("ca"))
            o.tls.caFile = junk;
        else if (what == QLatin1String("certkey")) {
            o.tls.certFile = junk;
            o.tls.keyFile = junk;
        }
        const Status s = handshake::checkLocalInputs(o);
        QVERIFY(!s.ok());
        QCOMPARE(int(s.kind), kind);
        QVERIFY2(s.message.contains(expected, Qt::CaseInsensitive), qPrintable(s.message));
    }

    // --- ping tracker -------------------------------------------------------------------------

    void pongsAnswerWaitersInOrder() {
        PingTracker t;
        QVERIFY(t.addPing(100, 2));
        auto sync = std::make_shared<PingTracker::SyncFlush>();
        t.addFlush(200, sync);
        QObject context;
        int called = 0;
        Status got = Error{ErrorKind::Timeout, QStringLiteral("not yet")};
        t.addFlush(
            300, 10'000, [&](const Status& s) { ++called, got = s; }, ContextGuard::make(&context));
        QVERIFY(t.hasAsync());

        PingTracker::Answer a = t.pong();
        QVERIFY(a.any);
        QCOMPARE(a.sentNs, 100);
        QVERIFY(!a.sync);
        a = t.pong();
        QCOMPARE(a.sentNs, 200);
        QCOMPARE(a.sync, sync);
        QVERIFY(!sync->done); // finish() completes it, after the RTT is recorded
        PingTracker::finish(a);
        QVERIFY(sync->done);
        VERIFY_OK(sync->result);
        a = t.pong();
        QCOMPARE(a.sentNs, 300);
        a.callback.post();
        QTRY_COMPARE(called, 1);
        VERIFY_OK(got);
        QVERIFY(!t.pong().any); // an unsolicited PONG answers nobody
    }

    void tooManyUnansweredPingsMeanStale() {
        PingTracker t;
        QVERIFY(t.addPing(1, 2));
        QVERIFY(t.addPing(2, 2));
        QVERIFY(!t.addPing(3, 2));
        t.pong(); // any PONG shows the server is alive
        QVERIFY(t.addPing(4, 2));
        t.resetOutstanding();
        QVERIFY(t.addPing(5, 2));
        QVERIFY(t.addPing(6, 2));
    }

    void lostConnectionFailsEveryFlushAndDeadlinesExpire() {
        PingTracker t;
        QObject context;
        QList<Status> results;
        auto record = [&](const Status& s) { results.append(s); };
        t.addFlush(0, 50, record, ContextGuard::make(&context));
        t.addFlush(0, 500, record, ContextGuard::make(&context));
        auto sync = std::make_shared<PingTracker::SyncFlush>();
        t.addFlush(0, sync);

        const QList<PingTracker::Callback> expired = t.expire(100);
        QCOMPARE(expired.size(), 1);
        QCOMPARE(expired.first().status.kind, ErrorKind::Timeout);
        QVERIFY(t.hasAsync()); // the second one still waits

        const Error lost{ErrorKind::Io, QStringLiteral("gone")};
        const QList<PingTracker::Callback> failed = t.failAll(lost);
        QCOMPARE(failed.size(), 1); // the expired one is not failed twice
        QVERIFY(sync->done);
        QCOMPARE(sync->result.kind, ErrorKind::Io);
        for (const auto& c : expired + failed)
            c.post();
        QTRY_COMPARE(results.size(), 2);
        QCOMPARE(results[0].kind, ErrorKind::Timeout);
        QCOMPARE(results[1].kind, ErrorKind::Io);
        QVERIFY(!t.hasAsync());
        QVERIFY(!t.pong().any);
    }

    // --- request muxer ------------------------------------------------------------------------

    void repliesAreMatchedByToken() {
        RequestMuxer m;
        m.setPrefix("_INBOX.abc.");
        auto a = std::make_shared<RequestMuxer::Request>();
        auto b = std::make_shared<RequestMuxer::Request>();
        const QByteArray ra = m.add(a);
        const QByteArray rb = m.add(b);
        QVERIFY(ra.startsWith("_INBOX.abc."));
        QVERIFY(ra != rb);
        QVERIFY(!m.take("_INBOX.abc."));     // the bare prefix answers nothing
        QVERIFY(!m.take("_INBOX.abd.1"));    // beside the prefix
        QVERIFY(!m.take("_INBOX.abc.nope")); // not a token in flight
        QCOMPARE(m.take(rb), b);
        QVERIFY(!m.take(rb)); // a second reply is late
        m.complete(b, Message("reply", "payload"));
        QVERIFY(m.isDone(b));
        QCOMPARE(b->result.value().subject(), QByteArrayView("reply"));
        QVERIFY(!m.isDone(a));
        // a timed-out blocking request leaves the table; a reply after it is late
        QVERIFY(!m.abandon(a, ra).has_value());
        QVERIFY(!m.take(ra));
    }

    void asyncRequestsExpireAndAreCounted() {
        RequestMuxer m;
        m.setPrefix("_INBOX.x.");
        QObject context;
        QList<Result<Message>> got;
        auto make = [&](qint64 deadline) {
            auto r = std::make_shared<RequestMuxer::Request>();
            r->async = true;
            r->deadlineMs = deadline;
            r->subject = "svc";
            r->callback = [&](const Result<Message>& res) { got.append(res); };
            r->context = ContextGuard::make(&context);
            return r;
        };
        bool first = false;
        m.add(make(100), &first);
        QVERIFY(first);
        const QByteArray late = m.add(make(1000), &first);
        QVERIFY(!first);
        QCOMPARE(m.asyncCount(), 2);
        const auto expired = m.takeExpired(500);
        QCOMPARE(expired.size(), 1);
        QCOMPARE(m.asyncCount(), 1);
        QVERIFY(m.forget(late)); // its publish failed
        QCOMPARE(m.asyncCount(), 0);
        QVERIFY(!m.forget(late)); // gone already: whoever took it gave the outcome
        m.complete(expired.first(), Error{ErrorKind::Timeout, QStringLiteral("late")});
        QTRY_COMPARE(got.size(), 1);
        QCOMPARE(got.first().error().kind, ErrorKind::Timeout);
        const QByteArray closing = m.add(make(5000));
        QCOMPARE(m.takeAll(true).size(), 1); // a close takes it before its publish fails
        QVERIFY(m.prefix().isEmpty());
        QVERIFY(!m.forget(closing));
    }

    // --- write buffer -------------------------------------------------------------------------

    void theWriteBufferIndexesEveryPublish() {
        WriteBuffer w;
        w.appendPub("a.b", {}, {}, "hello");
        frames::appendSub(w.control(), "x.>", {}, 7);
        w.appendPub("c", "reply.to", "NATS/1.0\r\nK: v\r\n\r\n", "");
        w.control().append(frames::Ping);
        w.appendPub("d.e.f", {}, {}, QByteArray(3000, 'z'));
        QCOMPARE(w.publishes(), 3);
        const qsizetype size = w.size();
        FrameBatch b = w.take(1 << 20);
        QVERIFY(w.isEmpty());
        QCOMPARE(w.publishes(), 0);
        QCOMPARE(b.bytes.size(), size);
        QCOMPARE(b.msgs(), 3);
        QCOMPARE(b.payloadBytes, 5 + 18 + 3000);
        QCOMPARE(b.subjectOf(b.pubs[0]), QByteArrayView("a.b"));
        QCOMPARE(b.frameOf(b.pubs[0]), QByteArray("PUB a.b 5\r\nhello\r\n"));
        QCOMPARE(b.subjectOf(b.pubs[1]), QByteArrayView("c"));
        QVERIFY(b.frameOf(b.pubs[1]).startsWith("HPUB c reply.to 18 18\r\n"));
        QCOMPARE(b.subjectOf(b.pubs[2]), QByteArrayView("d.e.f"));
        QVERIFY(b.frameOf(b.pubs[2]).endsWith("zzz\r\n"));
        QCOMPARE(b.pubs[2].end, b.bytes.size());
        // the frames between publishes are in the bytes, not in the index
        QVERIFY(b.bytes.contains("SUB x.> 7\r\n"));
        QVERIFY(b.bytes.contains("PING\r\n"));
    }

    void theWriteBufferLaysOutAgainInRecycledMemory() {
        // A batch the kernel took whole comes back and the next batch is laid out in the same
        // memory; one still shared (the socket holds it) is never reused.
        WriteBuffer w;
        w.appendPub("a", {}, {}, QByteArray(50000, 'a'));
        FrameBatch first = w.takeReusing();
        QVERIFY(w.isEmpty());
        const char* memory = first.bytes.constData();
        const qsizetype capacity = first.bytes.capacity();
        w.recycle(std::move(first));
        QCOMPARE(w.size(), 0); // the spare is not the buffer
        w.appendPub("b", {}, {}, "x");
        FrameBatch second = w.takeReusing(); // laid out before the spare was taken
        QCOMPARE(second.msgs(), 1);
        w.appendPub("c", {}, {}, "y");
        FrameBatch third = w.takeReusing();
        QCOMPARE(third.bytes.constData(), memory);
        QVERIFY(third.bytes.capacity() >= capacity);
        QCOMPARE(third.bytes, QByteArray("PUB c 1\r\ny\r\n"));
        QCOMPARE(third.msgs(), 1);
        QCOMPARE(third.payloadBytes, 1);

        const QByteArray held = third.bytes; // shared, as with the socket
        w.recycle(std::move(third));
        w.appendPub("d", {}, {}, "z");
        FrameBatch fourth = w.takeReusing();
        QVERIFY(fourth.bytes.constData() != held.constData());
        QCOMPARE(held, QByteArray("PUB c 1\r\ny\r\n"));
    }

    void theQueueHandsBackIndexedFrames() {
        OutboundQueue q;
        QByteArray f1, f2;
        frames::appendPub(f1, "data.1", {}, "abc");
        frames::appendHpub(f2, "$JS.ACK.s.c.1", {}, "NATS/1.0\r\n\r\n", "+ACK");
        QVERIFY(q.enqueue(OutboundQueue::Kind::Data, "data.1", f1, 0, 3).accepted);
        QVERIFY(q.enqueue(OutboundQueue::Kind::Control, "$JS.ACK.s.c.1", f2, 0, 16).accepted);
        FrameBatch b;
        frames::appendSub(b.bytes, "s", {}, 1);
        OutboundQueue::Refusal refused;
        q.takeAll(&b, OutboundQueue::Admission{}, &refused);
        QCOMPARE(b.msgs(), 2);
        QCOMPARE(b.payloadBytes, 19);
        QCOMPARE(b.subjectOf(b.pubs[0]), QByteArrayView("$JS.ACK.s.c.1")); // control first
        QCOMPARE(b.frameOf(b.pubs[0]), f2);
        QCOMPARE(b.subjectOf(b.pubs[1]), QByteArrayView("data.1"));
        QCOMPARE(b.frameOf(b.pubs[1]), f1);
        QVERIFY(b.bytes.startsWith("SUB s 1\r\n"));
        QVERIFY(q.isEmpty());
    }

    void theLedgerReturnsUnwrittenBatchesWithTheirIndex() {
        WriteLedger l;
        WriteBuffer w;
        w.appendPub("one", {}, {}, "1");
        w.appendPub("two", {}, {}, "22");
        FrameBatch first = w.take(0);
        const qsizetype firstSize = first.bytes.size();
        l.handed(std::move(first), WriteLedger::Origin::Direct);
        w.appendPub("three", {}, {}, "333");
        l.handed(w.take(0), WriteLedger::Origin::Queue);
        l.handed(FrameBatch::control("PING\r\n"), WriteLedger::Origin::Control);
        // the socket wrote the first batch and 4 bytes of the second
        const qint64 backlog = l.handedBytes() - firstSize - 4;
        const WriteLedger::Settled s = l.settle(backlog);
        QCOMPARE(s.directMsgs, 2);
        QCOMPARE(s.directBytes, 3);
        const QList<WriteLedger::Unwritten> u = l.takeUnwritten(backlog);
        QCOMPARE(u.size(), 2);
        QCOMPARE(u[0].origin, WriteLedger::Origin::Queue);
        QCOMPARE(u[0].writtenPrefix, 4);
        QCOMPARE(u[0].batch.msgs(), 1);
        QCOMPARE(u[0].batch.subjectOf(u[0].batch.pubs[0]), QByteArrayView("three"));
        QCOMPARE(u[1].origin, WriteLedger::Origin::Control);
        QCOMPARE(u[1].batch.msgs(), 0);
        QCOMPARE(l.batches(), 0);
    }

    // --- event journal ------------------------------------------------------------------------

    void theJournalKeepsTheNewestWithinItsBounds() {
        EventJournal j(QStringLiteral("t"), 3, 1);
        for (int i = 0; i < 5; ++i) {
            ConnectionEvent e;
            e.message = QString::number(i);
            j.record(e);
        }
        const auto events = j.events();
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.first().message, QStringLiteral("2"));
        QCOMPARE(events.last().message, QStringLiteral("4"));
        j.recordState(ConnectionState::Connecting, {}, {});
        j.recordState(ConnectionState::Connected, QStringLiteral("h:1"), {});
        j.recordState(ConnectionState::Reconnecting, QStringLiteral("h:1"), QStringLiteral("x"));
        const auto states = j.stateHistory();
        QCOMPARE(states.size(), 2); // at least two spans are kept, whatever the option says
        QCOMPARE(states.first().state, ConnectionState::Connected);
        QCOMPARE(states.last().reason, QStringLiteral("x"));
    }
};

QTEST_GUILESS_MAIN(TestConnectionParts)
#include "tst_connectionparts.moc"
