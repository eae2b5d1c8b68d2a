// Core publish/subscribe, request/reply and flow control against a real nats-server.
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QSignalSpy>

using namespace jetdeck;
using namespace jetdeck::test;

class TestPubSub : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void connectAndServerInfo();
    void queuedSubscription();
    void callbackSubscriptionOnContextThread();
    void inlineSubscription();
    void wildcards();
    void queueGroupsShareMessages();
    void headersRoundTrip();
    void requestReply();
    void asyncRequest();
    void noResponders();
    void requestTimeout();
    void autoUnsubscribe();
    void autoUnsubscribeLater();
    void unsubscribeStopsDelivery();
    void maxPayloadRejectedBeforeSending();
    void invalidInputRejected();
    void slowConsumerDropsAreCounted();
    void echoOff();
    void flushAndRtt();
    void sameThreadUse();
    void closeEndsEverything();
    void connectRefusedIsClear();
    void publishManyInOrder();
    void directWritesKeepFramesWhole();

private:
    std::unique_ptr<NatsServerProcess> m_server;
};

void TestPubSub::initTestCase() {
    NatsServerConfig cfg;
    cfg.jetstream = false;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestPubSub::cleanupTestCase() {
    m_server.reset();
}

void TestPubSub::connectAndServerInfo() {
    ConnectionThread c(optionsFor(m_server->url()));
    QSignalSpy states(c.connection(), &Connection::stateChanged);
    const Status s = c->connectSync();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
    QCOMPARE(c->state(), ConnectionState::Connected);
    const ServerInfo info = c->serverInfo();
    QVERIFY(info.headers);
    QVERIFY(info.version.startsWith(QStringLiteral("2.")));
    QCOMPARE(info.maxPayload, 1024 * 1024);
    QCOMPARE(c->currentServer(), QStringLiteral("127.0.0.1:%1").arg(m_server->port()));
    QTRY_VERIFY(states.count() >= 2); // CONNECTING, CONNECTED
    const auto events = c->events();
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [](const ConnectionEvent& e) {
        return e.kind == ConnectionEvent::Kind::State && e.state == ConnectionState::Connected;
    }));
}

void TestPubSub::queuedSubscription() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto sub = c->subscribe("q.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 10; ++i)
        VERIFY_OK(c->publish("q.test", QByteArray::number(i)));
    for (int i = 0; i < 10; ++i) {
        auto m = sub.value()->next(2000);
        QVERIFY2(m.ok(), qPrintable(m.error().message));
        QCOMPARE(m->payload(), QByteArrayView(QByteArray::number(i)));
        QCOMPARE(m->subject(), QByteArrayView("q.test"));
    }
    auto none = sub.value()->next(50);
    QCOMPARE(none.error().kind, ErrorKind::Timeout);
    QCOMPARE(sub.value()->stats().delivered, 10u);
}

void TestPubSub::callbackSubscriptionOnContextThread() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    QObject context; // lives on the test's thread
    QList<QByteArray> got;
    bool rightThread = true;
    auto sub = c->subscribe("cb.test", &context, [&](const Message& m) {
        rightThread &= QThread::currentThread() == context.thread();
        got.append(m.payload().toByteArray());
    });
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 100; ++i)
        VERIFY_OK(c->publish("cb.test", QByteArray::number(i)));
    QTRY_COMPARE(got.size(), 100);
    QVERIFY(rightThread);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(got[i], QByteArray::number(i));
}

void TestPubSub::inlineSubscription() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    std::atomic<int> count{0};
    std::atomic<bool> onConnThread{true};
    QThread* connThread = c.thread();
    auto sub = c->subscribeInline("inline.test", [&](const MsgView& m) {
        onConnThread = onConnThread && QThread::currentThread() == connThread;
        if (m.payload == "x")
            ++count;
    });
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 1000; ++i)
        VERIFY_OK(c->publish("inline.test", "x"));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(count.load(), 1000);
    QVERIFY(onConnThread);
}

void TestPubSub::wildcards() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto star = c->subscribe("w.*.end");
    auto full = c->subscribe("w.>");
    QVERIFY(star.ok() && full.ok());
    VERIFY_OK(c->flushSync());
    VERIFY_OK(c->publish("w.a.end", "1"));
    VERIFY_OK(c->publish("w.a.b.end", "2"));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(full.value()->stats().pendingMsgs, 2);
    QCOMPARE(star.value()->stats().pendingMsgs, 1);
    QCOMPARE(star.value()->tryNext()->subject(), QByteArrayView("w.a.end"));
}

void TestPubSub::queueGroupsShareMessages() {
    ConnectionThread a(optionsFor(m_server->url()));
    ConnectionThread b(optionsFor(m_server->url()));
    ConnectionThread pub(optionsFor(m_server->url()));
    QVERIFY(a->connectSync().ok() && b->connectSync().ok() && pub->connectSync().ok());
    SubscribeOptions opts;
    opts.queue = "workers";
    auto sa = a->subscribe("jobs", opts);
    auto sb = b->subscribe("jobs", opts);
    auto plain = b->subscribe("jobs"); // not in the group: gets every message
    QVERIFY(sa.ok() && sb.ok() && plain.ok());
    QVERIFY(a->flushSync().ok() && b->flushSync().ok());
    const int n = 400;
    for (int i = 0; i < n; ++i)
        VERIFY_OK(pub->publish("jobs", QByteArray::number(i)));
    VERIFY_OK(pub->flushSync());
    QTRY_COMPARE(sa.value()->stats().received + sb.value()->stats().received, quint64(n));
    QVERIFY(sa.value()->stats().received > 0);
    QVERIFY(sb.value()->stats().received > 0);
    QTRY_COMPARE(plain.value()->stats().received, quint64(n));
}

void TestPubSub::headersRoundTrip() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto sub = c->subscribe("hdr.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    Headers h;
    h.append("Trace-Id", "t-1");
    h.append("Multi", "first");
    h.append("Multi", "second");
    VERIFY_OK(c->publish("hdr.test", h, "body"));
    auto m = sub.value()->next(2000);
    QVERIFY(m.ok());
    QVERIFY(m->hasHeaders());
    const Headers got = m->headers();
    QCOMPARE(got.value("Trace-Id"), QByteArray("t-1"));
    QCOMPARE(got.values("Multi"), (QList<QByteArray>{"first", "second"}));
    QCOMPARE(m->payload(), QByteArrayView("body"));
    QCOMPARE(m->status(), 0);
}

void TestPubSub::requestReply() {
    ConnectionThread server(optionsFor(m_server->url()));
    ConnectionThread client(optionsFor(m_server->url()));
    QVERIFY(server->connectSync().ok() && client->connectSync().ok());
    Connection* srv = server.connection();
    auto responder = srv->subscribeInline("svc.echo", [srv](const MsgView& m) {
        srv->publish(m.reply, QByteArray(QByteArray("echo:") + m.payload.toByteArray()));
    });
    QVERIFY(responder.ok());
    VERIFY_OK(server->flushSync());
    for (int i = 0; i < 50; ++i) {
        auto r = client->requestSync("svc.echo", QByteArray::number(i), 2000);
        QVERIFY2(r.ok(), qPrintable(r.error().toString()));
        QCOMPARE(r->payload().toByteArray(), QByteArray("echo:" + QByteArray::number(i)));
    }
    Headers h;
    h.append("K", "V");
    auto withHeaders = client->requestSync("svc.echo", "h", 2000, &h);
    QVERIFY(withHeaders.ok());
}

void TestPubSub::asyncRequest() {
    ConnectionThread server(optionsFor(m_server->url()));
    ConnectionThread client(optionsFor(m_server->url()));
    QVERIFY(server->connectSync().ok() && client->connectSync().ok());
    Connection* srv = server.connection();
    auto responder = srv->subscribeInline(
        "svc.async", [srv](const MsgView& m) { srv->publish(m.reply, m.payload); });
    QVERIFY(responder.ok());
    VERIFY_OK(server->flushSync());
    QObject ctx;
    int ok = 0, failed = 0;
    for (int i = 0; i < 20; ++i)
        client->request("svc.async", QByteArray::number(i), 2000, &ctx,
                        [&](const Result<Message>& r) { r.ok() ? ++ok : ++failed; });
    client->request("svc.nobody", "x", 2000, &ctx, [&](const Result<Message>& r) {
        QCOMPARE(r.error().kind, ErrorKind::NoResponders);
        ++failed;
    });
    QTRY_COMPARE(ok + failed, 21);
    QCOMPARE(ok, 20);
}

void TestPubSub::noResponders() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    QElapsedTimer t;
    t.start();
    auto r = c->requestSync("nobody.home", "ping", 5000);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::NoResponders);
    QVERIFY2(t.elapsed() < 1000, "no responders must fail at once, not at the timeout");
    QVERIFY(r.error().message.contains(QStringLiteral("nobody.home")));
}

void TestPubSub::requestTimeout() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto silent = c->subscribe("silent.svc"); // listens, never answers
    QVERIFY(silent.ok());
    VERIFY_OK(c->flushSync());
    QElapsedTimer t;
    t.start();
    auto r = c->requestSync("silent.svc", "x", 300);
    QCOMPARE(r.error().kind, ErrorKind::Timeout);
    QVERIFY(t.elapsed() >= 290);
    QVERIFY(t.elapsed() < 2000);

    QObject ctx;
    bool timedOut = false;
    c->request("silent.svc", "y", 200, &ctx, [&](const Result<Message>& res) {
        timedOut = res.error().kind == ErrorKind::Timeout;
    });
    QTRY_VERIFY_WITH_TIMEOUT(timedOut, 3000);
}

void TestPubSub::autoUnsubscribe() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    SubscribeOptions opts;
    opts.autoUnsubscribeAfter = 5;
    auto sub = c->subscribe("auto.unsub", opts);
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 12; ++i)
        VERIFY_OK(c->publish("auto.unsub", QByteArray::number(i)));
    VERIFY_OK(c->flushSync());
    QTRY_VERIFY(!sub.value()->isActive());
    QCOMPARE(sub.value()->stats().received, 5u);
    // The five that arrived stay readable after the auto-unsubscribe completed.
    QCOMPARE(sub.value()->takeAll().size(), 5);
    QTRY_COMPARE(c->stats().subscriptions, 0);
}

void TestPubSub::autoUnsubscribeLater() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto sub = c->subscribe("auto.later");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    VERIFY_OK(c->publish("auto.later", "1"));
    VERIFY_OK(c->publish("auto.later", "2"));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(sub.value()->stats().received, 2u);
    VERIFY_OK(sub.value()->autoUnsubscribe(4)); // two more, counting the two received
    for (int i = 0; i < 6; ++i)
        VERIFY_OK(c->publish("auto.later", "n"));
    VERIFY_OK(c->flushSync());
    QTRY_VERIFY(!sub.value()->isActive());
    QCOMPARE(sub.value()->stats().received, 4u);
}

void TestPubSub::unsubscribeStopsDelivery() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto sub = c->subscribe("unsub.test");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    VERIFY_OK(c->publish("unsub.test", "a"));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(sub.value()->stats().received, 1u);
    VERIFY_OK(sub.value()->unsubscribe());
    QVERIFY(!sub.value()->isActive());
    VERIFY_OK(c->publish("unsub.test", "b"));
    VERIFY_OK(c->flushSync());
    QCOMPARE(sub.value()->stats().received, 1u);
    QCOMPARE(sub.value()->unsubscribe().kind, ErrorKind::InvalidArgument);
    auto next = sub.value()->next(10);
    QVERIFY(!next.ok());
}

void TestPubSub::maxPayloadRejectedBeforeSending() {
    NatsServerConfig cfg;
    cfg.extraConfig = QStringLiteral("max_payload: 1024\n");
    JETDECK_START_SERVER(small, cfg);
    ConnectionThread c(optionsFor(small->url()));
    VERIFY_OK(c->connectSync());
    QCOMPARE(c->serverInfo().maxPayload, 1024);
    auto sub = c->subscribe("big");
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    const quint64 outBefore = c->stats().outMsgs;
    const Status tooBig = c->publish("big", QByteArray(1025, 'x'));
    QCOMPARE(tooBig.kind, ErrorKind::MaxPayload);
    QVERIFY2(tooBig.message.contains(QStringLiteral("1024")), qPrintable(tooBig.message));
    // Headers count too.
    Headers h;
    h.append("Pad", QByteArray(100, 'p'));
    QCOMPARE(c->publish("big", h, QByteArray(1000, 'x')).kind, ErrorKind::MaxPayload);
    QCOMPARE(c->stats().outMsgs, outBefore);
    VERIFY_OK(c->publish("big", QByteArray(1024, 'x')));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(sub.value()->stats().received, 1u);
    QCOMPARE(c->state(), ConnectionState::Connected);
}

void TestPubSub::invalidInputRejected() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    QCOMPARE(c->publish("bad subject", "x").kind, ErrorKind::InvalidSubject);
    QCOMPARE(c->publish("wild.*", "x").kind, ErrorKind::InvalidSubject);
    QCOMPARE(c->publish("ok", "x", "bad reply").kind, ErrorKind::InvalidSubject);
    QCOMPARE(c->subscribe("a..b").error().kind, ErrorKind::InvalidSubject);
    SubscribeOptions q;
    q.queue = "bad queue";
    QCOMPARE(c->subscribe("ok", q).error().kind, ErrorKind::InvalidSubject);
    Headers h;
    h.append("Bad Key", "v");
    QCOMPARE(c->publish("ok", h, "x").kind, ErrorKind::InvalidArgument);
    Headers h2;
    h2.append("K", "line\r\nbreak");
    QCOMPARE(c->publish("ok", h2, "x").kind, ErrorKind::InvalidArgument);
    QCOMPARE(c->requestSync("ok", "x", 0).error().kind, ErrorKind::InvalidArgument);
    // Nothing of the above reached the server: the connection is healthy.
    VERIFY_OK(c->flushSync());
    QCOMPARE(c->state(), ConnectionState::Connected);
    QCOMPARE(c->stats().serverErrors, 0u);
}

void TestPubSub::slowConsumerDropsAreCounted() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    QSignalSpy errors(c.connection(), &Connection::errorOccurred);
    SubscribeOptions opts;
    opts.pendingMsgsLimit = 10;
    auto sub = c->subscribe("slow.test", opts);
    QVERIFY(sub.ok());
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 100; ++i)
        VERIFY_OK(c->publish("slow.test", "m"));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(sub.value()->stats().received, 100u);
    const SubscriptionStats st = sub.value()->stats();
    QCOMPARE(st.pendingMsgs, 10);
    QCOMPARE(st.dropped, 90u);
    QCOMPARE(st.slowConsumerEpisodes, 1u);
    QCOMPARE(c->stats().slowConsumerDrops, 90u);
    QTRY_COMPARE(errors.count(), 1); // reported once per episode, not per message
    QCOMPARE(errors.first().first().value<Error>().kind, ErrorKind::SlowConsumer);
    // Draining ends the episode; the next overflow is a new one.
    QCOMPARE(sub.value()->takeAll().size(), 10);
    for (int i = 0; i < 20; ++i)
        VERIFY_OK(c->publish("slow.test", "m"));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(sub.value()->stats().slowConsumerEpisodes, 2u);
    QTRY_COMPARE(errors.count(), 2);
    // Byte limit as well.
    SubscribeOptions bytes;
    bytes.pendingBytesLimit = 1000;
    auto sub2 = c->subscribe("slow.bytes", bytes);
    VERIFY_OK(c->flushSync());
    for (int i = 0; i < 5; ++i)
        VERIFY_OK(c->publish("slow.bytes", QByteArray(300, 'b')));
    VERIFY_OK(c->flushSync());
    QTRY_COMPARE(sub2.value()->stats().received, 5u);
    QCOMPARE(sub2.value()->stats().pendingMsgs, 3);
    QCOMPARE(sub2.value()->stats().dropped, 2u);
}

void TestPubSub::echoOff() {
    Options o = optionsFor(m_server->url());
    o.echo = false;
    ConnectionThread c(o);
    ConnectionThread other(optionsFor(m_server->url()));
    QVERIFY(c->connectSync().ok() && other->connectSync().ok());
    auto sub = c->subscribe("echo.test");
    VERIFY_OK(c->flushSync());
    VERIFY_OK(c->publish("echo.test", "self"));
    VERIFY_OK(other->publish("echo.test", "other"));
    QVERIFY(c->flushSync().ok() && other->flushSync().ok());
    auto m = sub.value()->next(2000);
    QVERIFY(m.ok());
    QCOMPARE(m->payload(), QByteArrayView("other"));
    QVERIFY(!sub.value()->next(100).ok());
}

void TestPubSub::flushAndRtt() {
    Options o = optionsFor(m_server->url());
    o.pingIntervalMs = 100;
    ConnectionThread c(o);
    VERIFY_OK(c->connectSync());
    QSignalSpy rtt(c.connection(), &Connection::rttMeasured);
    VERIFY_OK(c->flushSync());
    QTRY_VERIFY(rtt.count() >= 3);
    QVERIFY(c->stats().rttUs >= 0);
    QVERIFY(c->stats().rttUs < 1000000);
    QObject ctx;
    bool flushed = false;
    c->flushAsync(2000, &ctx, [&](const Status& s) { flushed = s.ok(); });
    QTRY_VERIFY(flushed);
}

void TestPubSub::sameThreadUse() {
    // The connection on the test's own thread: sync calls drive the socket themselves.
    Connection c(optionsFor(m_server->url()));
    QSignalSpy connected(&c, &Connection::stateChanged);
    c.open();
    QTRY_COMPARE(c.state(), ConnectionState::Connected);
    Connection* self = &c;
    auto echo = c.subscribeInline("same.echo",
                                  [self](const MsgView& m) { self->publish(m.reply, m.payload); });
    QVERIFY(echo.ok());
    for (int i = 0; i < 100; ++i) {
        auto r = c.requestSync("same.echo", QByteArray::number(i), 2000);
        QVERIFY2(r.ok(),
                 qPrintable(r.error().toString() + QLatin1Char(' ') + c.lastError().toString()));
        QCOMPARE(r->payload(), QByteArrayView(QByteArray::number(i)));
    }
    // A long publishing loop on the connection's thread streams with bounded memory.
    auto sink = c.subscribe("same.sink", SubscribeOptions{{}, 0, 0, 0});
    VERIFY_OK(c.flushSync());
    const QByteArray payload(1000, 'z');
    for (int i = 0; i < 20000; ++i)
        VERIFY_OK(c.publish("same.sink", payload));
    QVERIFY(c.stats().outBufferedBytes < 16 * 1024 * 1024);
    VERIFY_OK(c.flushSync(10000));
    QTRY_COMPARE(sink.value()->stats().received, 20000u);
    c.closeSync();
    QCOMPARE(c.state(), ConnectionState::Closed);
}

void TestPubSub::closeEndsEverything() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    auto sub = c->subscribe("close.test");
    QVERIFY(sub.ok());
    c->closeSync();
    QCOMPARE(c->state(), ConnectionState::Closed);
    QVERIFY(!sub.value()->isActive());
    QCOMPARE(c->publish("close.test", "x").kind, ErrorKind::ConnectionClosed);
    QCOMPARE(c->subscribe("close.more").error().kind, ErrorKind::ConnectionClosed);
    QCOMPARE(c->flushSync().kind, ErrorKind::NotConnected);
    // Reopening works.
    VERIFY_OK(c->connectSync());
    VERIFY_OK(c->flushSync());
}

void TestPubSub::connectRefusedIsClear() {
    const quint16 port = NatsServerProcess::freePort(); // nobody listens there
    ConnectionThread c(optionsFor(QStringLiteral("nats://127.0.0.1:%1").arg(port)));
    const Status s = c->connectSync();
    QCOMPARE(s.kind, ErrorKind::ConnectFailed);
    QVERIFY2(s.message.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(s.message));
    QVERIFY2(s.message.contains(QStringLiteral("refused"), Qt::CaseInsensitive),
             qPrintable(s.message));
    QCOMPARE(c->state(), ConnectionState::Disconnected);
    QCOMPARE(c->lastError().kind, ErrorKind::ConnectFailed);
}

void TestPubSub::publishManyInOrder() {
    ConnectionThread pub(optionsFor(m_server->url()));
    ConnectionThread sub(optionsFor(m_server->url()));
    QVERIFY(pub->connectSync().ok() && sub->connectSync().ok());
    const int n = 200000;
    std::atomic<int> next{0};
    std::atomic<bool> inOrder{true};
    auto s = sub->subscribeInline("order.test", [&](const MsgView& m) {
        bool ok = false;
        const int v = QByteArray::fromRawData(m.payload.data(), m.payload.size()).toInt(&ok);
        if (!ok || v != next.load())
            inOrder = false;
        ++next;
    });
    QVERIFY(s.ok());
    VERIFY_OK(sub->flushSync());
    for (int i = 0; i < n; ++i)
        VERIFY_OK(pub->publish("order.test", QByteArray::number(i)));
    VERIFY_OK(pub->flushSync(20000));
    QTRY_COMPARE_WITH_TIMEOUT(next.load(), n, 20000);
    QVERIFY(inOrder);
    QCOMPARE(pub->stats().outMsgs, quint64(n));
}

void TestPubSub::directWritesKeepFramesWhole() {
    // A publishing loop on the connection's own thread hands large payloads to the kernel
    // beside the write buffer, from the caller's memory: every frame must arrive whole, in
    // order, with its headers and reply subject, whatever mix of sizes lies before it.
    ConnectionThread sub(optionsFor(m_server->url()));
    VERIFY_OK(sub->connectSync());
    const QList<qsizetype> sizes = {12, 100, 1000, 20000, 70000, 300000, 40, 65536, 65000};
    const auto payloadFor = [&](int seq) {
        QByteArray p = QByteArray::number(seq).rightJustified(10, '0');
        p.resize(sizes[seq % sizes.size()], char('a' + seq % 26));
        return p;
    };
    const auto headersFor = [](int seq) {
        Headers h;
        if (seq % 3 == 0)
            h.append("Seq", QByteArray::number(seq));
        return h;
    };
    constexpr int n = 900;
    std::mutex mu;
    QStringList problems;
    std::atomic<int> next{0};
    auto s = sub->subscribeInline(
        "direct.whole",
        [&](const MsgView& m) {
            const int seq = next++;
            const QByteArray want = payloadFor(seq);
            QString problem;
            if (m.payload != QByteArrayView(want))
                problem = QStringLiteral("message %1: %2 bytes, not the %3 published")
                              .arg(seq)
                              .arg(m.payload.size())
                              .arg(want.size());
            else if (const Headers h = headersFor(seq);
                     m.headers != QByteArrayView(h.isEmpty() ? QByteArray() : h.toBlock()))
                problem = QStringLiteral("message %1: headers '%2'")
                              .arg(seq)
                              .arg(QString::fromUtf8(m.headers.toByteArray()));
            else if ((seq % 5 == 0) != (m.reply == "direct.reply"))
                problem = QStringLiteral("message %1: reply '%2'")
                              .arg(seq)
                              .arg(QString::fromUtf8(m.reply));
            if (!problem.isEmpty()) {
                std::lock_guard lock(mu);
                problems << problem;
            }
        },
        SubscribeOptions{{}, 0, 0, 0});
    QVERIFY(s.ok());
    VERIFY_OK(sub->flushSync());

    Connection c(optionsFor(m_server->url()));
    VERIFY_OK(c.connectSync());
    for (int i = 0; i < n; ++i) {
        const QByteArray payload = payloadFor(i);
        const QByteArrayView reply = i % 5 == 0 ? QByteArrayView("direct.reply") : QByteArrayView();
        if (i % 3 == 0)
            VERIFY_OK(c.publish("direct.whole", headersFor(i), payload, reply));
        else
            VERIFY_OK(c.publish("direct.whole", payload, reply));
    }
    VERIFY_OK(c.flushSync(20000));
    QTRY_COMPARE_WITH_TIMEOUT(next.load(), n, 20000);
    {
        std::lock_guard lock(mu);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 5).join(QLatin1Char('\n'))));
    }
    const HealthSnapshot h = c.health();
    QCOMPARE(h.published, quint64(n));
    QCOMPARE(h.sent, h.published);
    QCOMPARE(h.bufferedBytes, qint64(0));
    QCOMPARE(c.stats().outMsgs, quint64(n));
    c.closeSync();
}

QTEST_GUILESS_MAIN(TestPubSub)
#include "tst_pubsub.moc"
