// The message browser against a real nats-server: pages by sequence, by time, of the newest and
// of the last message of each subject, with subject filters and gaps; that reading takes nothing
// from a work-queue's or an interest stream's consumers and leaves nothing behind; that a stream
// of 200,000 messages opens at any place in a few requests; deleting one message; and the bad
// input the browser refuses before asking the server.
#include "core/jetstream/messagebrowser.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QtTest>

#include <cmath>

using namespace jetdeck;
using namespace jetdeck::js;
using namespace jetdeck::test;

namespace {

QList<quint64> seqs(const BrowsePage& p) {
    QList<quint64> out;
    for (const StoredMessage& m : p.messages)
        out << m.seq;
    return out;
}

QStringList subjects(const BrowsePage& p) {
    QStringList out;
    for (const StoredMessage& m : p.messages)
        out << m.subject;
    return out;
}

StreamConfig memoryStream(const QString& name, const QStringList& subjects) {
    StreamConfig c;
    c.name = name;
    c.subjects = subjects;
    c.storage = StorageType::Memory;
    return c;
}

} // namespace

class TestMessageBrowser : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();

    void pagesBySequenceWithFilterAndGaps();
    void byTime();
    void newest();
    void lastPerSubject();
    void takesNothingFromConsumers();
    void directGetReadsTheSame();
    void largeStreamOpensAnywhere();
    void deleteMessage();
    void badInput();
    void sinceParses_data();
    void sinceParses();
    void recordsAreJson();

private:
    /// Publishes `n` messages to subject(i) with a PubAck each; returns false on a failure.
    bool publish(int n, const std::function<QByteArray(int)>& subject, int first = 0);

    std::unique_ptr<NatsServerProcess> m_server;
    std::unique_ptr<ConnectionThread> m_thread;
    std::unique_ptr<JetStream> m_js;
};

void TestMessageBrowser::initTestCase() {
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    VERIFY_OK(m_server->start());
    m_thread = std::make_unique<ConnectionThread>(fastOptions(m_server->url()));
    VERIFY_OK(m_thread->connection()->connectSync(5000));
    m_js = std::make_unique<JetStream>(m_thread->connection());
}

void TestMessageBrowser::cleanup() {
    if (auto names = m_js->streamNames())
        for (const QString& n : names.value())
            m_js->deleteStream(n);
}

bool TestMessageBrowser::publish(int n, const std::function<QByteArray(int)>& subject, int first) {
    for (int i = first; i < first + n; ++i) {
        const QByteArray body = QByteArray("m") + QByteArray::number(i);
        auto ack = m_js->publish(subject(i), body);
        if (!ack) {
            qWarning() << ack.error().toString();
            return false;
        }
    }
    return true;
}

void TestMessageBrowser::pagesBySequenceWithFilterAndGaps() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("PAGES"), {QStringLiteral("p.>")})));
    // 30 messages (i at sequence i + 1): p.even.i and p.odd.i; 5, 6 and 7 deleted (a gap),
    // 21 too.
    QVERIFY(publish(30, [](int i) -> QByteArray {
        return QByteArray(i % 2 ? "p.odd." : "p.even.") + QByteArray::number(i);
    }));
    for (quint64 s : {5, 6, 7, 21})
        VERIFY_OK(m_js->deleteMessage(QStringLiteral("PAGES"), s));
    MessageBrowser b(*m_js);

    BrowseRequest r;
    r.count = 10;
    auto first = b.read(QStringLiteral("PAGES"), r);
    QVERIFY2(first, qPrintable(first.error().toString()));
    QCOMPARE(seqs(first.value()), (QList<quint64>{1, 2, 3, 4, 8, 9, 10, 11, 12, 13}));
    QCOMPARE(first->total, quint64(26));
    QCOMPARE(first->firstSeq, quint64(1));
    QCOMPARE(first->lastSeq, quint64(30));
    QVERIFY(first->more);
    QCOMPARE(first->next, quint64(14));
    QCOMPARE(first->requests, 11); // the stream's info, then one per message
    QCOMPARE(first->messages[4].data, QByteArray("m7"));
    QCOMPARE(first->messages[4].subject, QStringLiteral("p.odd.7"));

    // Paging on: the next page starts where the last one said, the end says so.
    r.from = BrowseFrom::Sequence;
    r.seq = first->next;
    auto second = b.read(QStringLiteral("PAGES"), r);
    QVERIFY(second);
    QCOMPARE(seqs(second.value()), (QList<quint64>{14, 15, 16, 17, 18, 19, 20, 22, 23, 24}));
    r.seq = second->next;
    auto third = b.read(QStringLiteral("PAGES"), r);
    QVERIFY(third);
    QCOMPARE(seqs(third.value()), (QList<quint64>{25, 26, 27, 28, 29, 30}));
    QVERIFY(!third->more);
    QCOMPARE(third->next, quint64(0));

    // A wildcard filter: only the odd ones (sequence = i + 1, so odd i are even sequences).
    r.from = BrowseFrom::First;
    r.subject = QStringLiteral("p.odd.*");
    auto odd = b.read(QStringLiteral("PAGES"), r);
    QVERIFY(odd);
    QCOMPARE(seqs(odd.value()), (QList<quint64>{2, 4, 8, 10, 12, 14, 16, 18, 20, 22}));
    for (const QString& s : subjects(odd.value()))
        QVERIFY(s.startsWith(QLatin1String("p.odd.")));
    // A literal subject that matches one message, from a sequence after it: nothing.
    r.subject = QStringLiteral("p.even.2");
    auto one = b.read(QStringLiteral("PAGES"), r);
    QVERIFY(one);
    QCOMPARE(seqs(one.value()), (QList<quint64>{3}));
    QVERIFY(!one->more);
    r.from = BrowseFrom::Sequence;
    r.seq = 4;
    auto none = b.read(QStringLiteral("PAGES"), r);
    QVERIFY(none);
    QVERIFY(none->messages.isEmpty());
    // A sequence past the end reads nothing and asks for nothing more than the info.
    r.subject.clear();
    r.seq = 1000;
    auto past = b.read(QStringLiteral("PAGES"), r);
    QVERIFY(past);
    QVERIFY(past->messages.isEmpty());
    QCOMPARE(past->requests, 1);
}

void TestMessageBrowser::byTime() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("TIMED"), {QStringLiteral("t.>")})));
    auto subject = [](int i) -> QByteArray { return QByteArray(i % 3 ? "t.x" : "t.y"); };
    QVERIFY(publish(40, subject));
    QTest::qWait(60);
    const QDateTime between = QDateTime::currentDateTimeUtc();
    QTest::qWait(60);
    QVERIFY(publish(40, subject, 40));
    VERIFY_OK(m_js->deleteMessage(QStringLiteral("TIMED"), 41)); // the first one after

    MessageBrowser b(*m_js);
    int requests = 0;
    auto seq = b.sequenceAt(QStringLiteral("TIMED"), between, {}, &requests);
    QVERIFY2(seq, qPrintable(seq.error().toString()));
    QCOMPARE(seq.value(), quint64(42));
    // A bisection: about log2(80) probes, not a walk.
    QVERIFY2(requests <= 2 + 2 * 7, qPrintable(QString::number(requests)));

    BrowseRequest r;
    r.from = BrowseFrom::Time;
    r.time = between;
    r.count = 5;
    auto page = b.read(QStringLiteral("TIMED"), r);
    QVERIFY(page);
    QCOMPARE(seqs(page.value()), (QList<quint64>{42, 43, 44, 45, 46}));
    for (const StoredMessage& m : page->messages)
        QVERIFY(m.time >= between);
    // With a filter: the first t.y at or after the time (i = 42 -> sequence 43).
    r.subject = QStringLiteral("t.y");
    auto ys = b.read(QStringLiteral("TIMED"), r);
    QVERIFY(ys);
    QCOMPARE(seqs(ys.value()), (QList<quint64>{43, 46, 49, 52, 55}));
    // Before every message: the first; after every message: nothing.
    r.subject.clear();
    r.time = between.addSecs(-3600);
    auto all = b.read(QStringLiteral("TIMED"), r);
    QVERIFY(all);
    QCOMPARE(all->messages.first().seq, quint64(1));
    r.time = QDateTime::currentDateTimeUtc().addSecs(60);
    auto later = b.read(QStringLiteral("TIMED"), r);
    QVERIFY(later);
    QVERIFY(later->messages.isEmpty());
    QVERIFY(!later->more);
}

void TestMessageBrowser::newest() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("NEW"), {QStringLiteral("n.>")})));
    QVERIFY(publish(50, [](int i) -> QByteArray { return QByteArray(i % 5 ? "n.a" : "n.b"); }));
    for (quint64 s : {48, 49})
        VERIFY_OK(m_js->deleteMessage(QStringLiteral("NEW"), s));
    MessageBrowser b(*m_js);
    BrowseRequest r;
    r.from = BrowseFrom::Newest;
    r.count = 5;
    auto page = b.read(QStringLiteral("NEW"), r);
    QVERIFY2(page, qPrintable(page.error().toString()));
    // The gap is filled from before it: still five, oldest first.
    QCOMPARE(seqs(page.value()), (QList<quint64>{44, 45, 46, 47, 50}));
    QVERIFY(!page->scanCapped);
    // Filtered: n.b is every fifth message (i % 5 == 0, sequences 1, 6, ..., 46).
    r.subject = QStringLiteral("n.b");
    r.count = 3;
    auto bs = b.read(QStringLiteral("NEW"), r);
    QVERIFY(bs);
    QCOMPARE(seqs(bs.value()), (QList<quint64>{36, 41, 46}));
    // More than there are: all of them.
    r.count = 100;
    auto allB = b.read(QStringLiteral("NEW"), r);
    QVERIFY(allB);
    QCOMPARE(allB->messages.size(), 10);
    QCOMPARE(allB->messages.first().seq, quint64(1));
}

void TestMessageBrowser::lastPerSubject() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("LAST"), {QStringLiteral("dev.>")})));
    // Twelve devices, three readings each; the last reading of device i is message 24 + i + 1.
    QVERIFY(publish(36, [](int i) -> QByteArray {
        return QByteArray("dev.") + QByteArray::number(i % 12 + 1);
    }));
    MessageBrowser b(*m_js);
    BrowseRequest r;
    r.from = BrowseFrom::LastPerSubject;
    r.count = 5;
    auto page = b.read(QStringLiteral("LAST"), r);
    QVERIFY2(page, qPrintable(page.error().toString()));
    // Natural order: dev.2 before dev.10.
    QCOMPARE(subjects(page.value()),
             (QStringList{QStringLiteral("dev.1"), QStringLiteral("dev.2"), QStringLiteral("dev.3"),
                          QStringLiteral("dev.4"), QStringLiteral("dev.5")}));
    QCOMPARE(seqs(page.value()), (QList<quint64>{25, 26, 27, 28, 29}));
    QCOMPARE(page->subjects, qint64(12));
    QVERIFY(page->more);
    QCOMPARE(page->next, quint64(5));
    r.offset = 10;
    auto tail = b.read(QStringLiteral("LAST"), r);
    QVERIFY(tail);
    QCOMPARE(subjects(tail.value()),
             (QStringList{QStringLiteral("dev.11"), QStringLiteral("dev.12")}));
    QVERIFY(!tail->more);
    // A filter narrows the subjects.
    r.offset = 0;
    r.subject = QStringLiteral("dev.7");
    auto seven = b.read(QStringLiteral("LAST"), r);
    QVERIFY(seven);
    QCOMPARE(seqs(seven.value()), (QList<quint64>{31}));
    QCOMPARE(seven->subjects, qint64(1));
}

// The browser exists so that looking at a stream takes nothing from the services that consume it:
// a work-queue stream keeps every message, its consumer's pending, delivered and ack pending do
// not move, an interest stream's consumer neither, and no consumer is left behind.
void TestMessageBrowser::takesNothingFromConsumers() {
    StreamConfig wq = memoryStream(QStringLiteral("WORK"), {QStringLiteral("work.>")});
    wq.retention = RetentionPolicy::WorkQueue;
    QVERIFY(m_js->addStream(wq));
    StreamConfig interest = memoryStream(QStringLiteral("INTEREST"), {QStringLiteral("int.>")});
    interest.retention = RetentionPolicy::Interest;
    QVERIFY(m_js->addStream(interest));
    for (const auto& [stream, filter] :
         {std::pair{QStringLiteral("WORK"), QStringLiteral("work.>")},
          std::pair{QStringLiteral("INTEREST"), QStringLiteral("int.>")}}) {
        ConsumerConfig c;
        c.durableName = QStringLiteral("workers");
        c.filterSubject = filter;
        auto added = m_js->addConsumer(stream, c);
        QVERIFY2(added, qPrintable(added.error().toString()));
    }
    QVERIFY(publish(
        20, [](int i) -> QByteArray { return QByteArray("work.") + QByteArray::number(i); }));
    QVERIFY(publish(
        20, [](int i) -> QByteArray { return QByteArray("int.") + QByteArray::number(i); }));

    auto before = [&](const QString& s) {
        return m_js->consumerInfo(s, QStringLiteral("workers"));
    };
    auto wqBefore = before(QStringLiteral("WORK"));
    auto intBefore = before(QStringLiteral("INTEREST"));
    QVERIFY(wqBefore && intBefore);
    QCOMPARE(wqBefore->numPending, qint64(20));

    MessageBrowser b(*m_js);
    for (const QString& s : {QStringLiteral("WORK"), QStringLiteral("INTEREST")}) {
        for (BrowseFrom from : {BrowseFrom::First, BrowseFrom::Newest, BrowseFrom::LastPerSubject,
                                BrowseFrom::Time}) {
            BrowseRequest r;
            r.from = from;
            r.time = QDateTime::currentDateTimeUtc().addSecs(-60);
            r.count = 50;
            auto page = b.read(s, r);
            QVERIFY2(page, qPrintable(page.error().toString()));
            QCOMPARE(page->messages.size(), 20);
        }
    }
    for (const QString& s : {QStringLiteral("WORK"), QStringLiteral("INTEREST")}) {
        auto info = m_js->streamInfo(s);
        QVERIFY(info);
        QCOMPARE(info->state.messages, quint64(20));
        QCOMPARE(info->state.consumerCount, 1);
        auto names = m_js->consumerNames(s);
        QVERIFY(names);
        QCOMPARE(names.value(), QStringList{QStringLiteral("workers")});
    }
    auto wqAfter = before(QStringLiteral("WORK"));
    auto intAfter = before(QStringLiteral("INTEREST"));
    QVERIFY(wqAfter && intAfter);
    QCOMPARE(wqAfter->numPending, wqBefore->numPending);
    QCOMPARE(wqAfter->numAckPending, wqBefore->numAckPending);
    QCOMPARE(wqAfter->delivered.streamSeq, wqBefore->delivered.streamSeq);
    QCOMPARE(intAfter->numPending, intBefore->numPending);
    QCOMPARE(intAfter->delivered.streamSeq, intBefore->delivered.streamSeq);
}

// A stream with allow_direct is read with DIRECT.GET (any replica answers): every kind of page is
// the same message for message as through STREAM.MSG.GET, headers and times included.
void TestMessageBrowser::directGetReadsTheSame() {
    StreamConfig c = memoryStream(QStringLiteral("DIRECT"), {QStringLiteral("dir.>")});
    c.allowDirect = true;
    QVERIFY(m_js->addStream(c));
    for (int i = 0; i < 30; ++i) {
        Headers h;
        h.append("Order", QByteArray::number(i));
        const QByteArray subject = QByteArray("dir.") + QByteArray::number(i % 4);
        const QByteArray body = QByteArray("payload ") + QByteArray::number(i);
        QVERIFY(m_js->publish(subject, body, {}, &h));
    }
    for (quint64 s : {3, 4, 17})
        VERIFY_OK(m_js->deleteMessage(QStringLiteral("DIRECT"), s));
    const QDateTime middle = m_js->getMessage(QStringLiteral("DIRECT"), 15)->time;
    MessageBrowser direct(*m_js);
    MessageBrowser viaApi(*m_js);
    viaApi.setUseDirect(false);
    for (BrowseFrom from : {BrowseFrom::First, BrowseFrom::Sequence, BrowseFrom::Time,
                            BrowseFrom::Newest, BrowseFrom::LastPerSubject}) {
        for (const QString& filter : {QString(), QStringLiteral("dir.2")}) {
            BrowseRequest r;
            r.from = from;
            r.seq = 2;
            r.time = middle;
            r.subject = filter;
            r.count = 8;
            auto a = direct.read(QStringLiteral("DIRECT"), r);
            auto b = viaApi.read(QStringLiteral("DIRECT"), r);
            QVERIFY2(a && b, qPrintable(a ? b.error().toString() : a.error().toString()));
            QVERIFY(a->direct);
            QVERIFY(!b->direct);
            QVERIFY2(!a->messages.isEmpty(), qPrintable(QString::number(int(from))));
            QCOMPARE(seqs(a.value()), seqs(b.value()));
            for (qsizetype k = 0; k < a->messages.size(); ++k) {
                const StoredMessage& x = a->messages[k];
                const StoredMessage& y = b->messages[k];
                QCOMPARE(x.subject, y.subject);
                QCOMPARE(x.data, y.data);
                QCOMPARE(x.headers.entries(), y.headers.entries());
                QCOMPARE(x.time.toMSecsSinceEpoch(), y.time.toMSecsSinceEpoch());
            }
        }
    }
    // A gap and the end are "nothing there", not errors.
    BrowseRequest past;
    past.from = BrowseFrom::Sequence;
    past.seq = 31;
    auto none = direct.read(QStringLiteral("DIRECT"), past);
    QVERIFY(none);
    QVERIFY(none->messages.isEmpty());
    // A stream without allow_direct is read with MSG.GET.
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("PLAIN"), {QStringLiteral("plain")})));
    QVERIFY(m_js->publish("plain", "x"));
    auto plain = direct.read(QStringLiteral("PLAIN"), BrowseRequest{});
    QVERIFY(plain);
    QVERIFY(!plain->direct);
    QCOMPARE(plain->messages.size(), 1);
}

// "Paged, so a stream of millions opens at once": a page costs about its size in requests
// wherever it starts, and a start by time a bisection on top.
void TestMessageBrowser::largeStreamOpensAnywhere() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("BIG"), {QStringLiteral("big.>")})));
    constexpr int kMessages = 200000;
    Connection* c = m_thread->connection();
    const QByteArray payload(64, 'x');
    for (int i = 0; i < kMessages; ++i)
        VERIFY_OK(
            c->publish(QByteArray(QByteArray("big.") + QByteArray::number(i % 100)), payload));
    VERIFY_OK(c->flushSync(20000));
    auto stored = [&] {
        auto info = m_js->streamInfo(QStringLiteral("BIG"));
        return info ? info->state.messages : 0;
    };
    QTRY_COMPARE_WITH_TIMEOUT(stored(), quint64(kMessages), 20000);
    const QDateTime middle = QDateTime::currentDateTimeUtc();
    QTest::qWait(20);
    VERIFY_OK(c->publish("big.late", "late"));
    VERIFY_OK(c->flushSync(5000));
    QTRY_COMPARE_WITH_TIMEOUT(stored(), quint64(kMessages + 1), 5000);

    MessageBrowser b(*m_js);
    const int bisection = 2 + 2 * int(std::ceil(std::log2(double(kMessages))));
    for (BrowseFrom from : {BrowseFrom::First, BrowseFrom::Sequence, BrowseFrom::Newest,
                            BrowseFrom::Time, BrowseFrom::LastPerSubject}) {
        BrowseRequest r;
        r.from = from;
        r.seq = 150000;
        r.time = middle;
        r.count = 50;
        QElapsedTimer t;
        t.start();
        auto page = b.read(QStringLiteral("BIG"), r);
        const qint64 took = t.elapsed();
        QVERIFY2(page, qPrintable(page.error().toString()));
        qInfo("from %d: %lld messages in %lld ms, %d requests", int(from),
              qlonglong(page->messages.size()), qlonglong(took), page->requests);
        if (from == BrowseFrom::Time) {
            QCOMPARE(seqs(page.value()), QList<quint64>{quint64(kMessages + 1)});
            QVERIFY2(page->requests <= 2 + bisection, qPrintable(QString::number(page->requests)));
        } else {
            QCOMPARE(page->messages.size(), 50);
            QVERIFY2(page->requests <= 52, qPrintable(QString::number(page->requests)));
        }
        if (from == BrowseFrom::Sequence)
            QCOMPARE(page->messages.first().seq, quint64(150000));
        if (from == BrowseFrom::Newest)
            QCOMPARE(page->messages.last().seq, quint64(kMessages + 1));
        if (from == BrowseFrom::LastPerSubject)
            QCOMPARE(page->subjects, qint64(101));
        // Generous for a loaded machine under sanitizers; typically a few tens of ms.
        QVERIFY2(took < 5000, qPrintable(QString::number(took)));
    }
}

void TestMessageBrowser::deleteMessage() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("DEL"), {QStringLiteral("del")})));
    QVERIFY(publish(3, [](int) -> QByteArray { return QByteArray("del"); }));
    VERIFY_OK(m_js->deleteMessage(QStringLiteral("DEL"), 2));
    VERIFY_OK(m_js->deleteMessage(QStringLiteral("DEL"), 3, /*erase=*/true));
    auto info = m_js->streamInfo(QStringLiteral("DEL"));
    QVERIFY(info);
    QCOMPARE(info->state.messages, quint64(1));
    // Twice: the server's own words.
    const Status again = m_js->deleteMessage(QStringLiteral("DEL"), 2);
    QVERIFY(!again.ok());
    QVERIFY2(again.toString().contains(QLatin1String("not found")), qPrintable(again.toString()));
    QVERIFY(!m_js->deleteMessage(QStringLiteral("DEL"), 0).ok());
    QVERIFY(!m_js->deleteMessage(QStringLiteral("NOPE"), 1).ok());
    QVERIFY(!m_js->deleteMessage(QStringLiteral("bad name"), 1).ok());
}

void TestMessageBrowser::badInput() {
    QVERIFY(m_js->addStream(memoryStream(QStringLiteral("BAD"), {QStringLiteral("bad")})));
    MessageBrowser b(*m_js);
    auto refused = [&](const QString& stream, BrowseRequest r, const char* words) {
        auto page = b.read(stream, r);
        if (page)
            return QStringLiteral("accepted");
        if (!page.error().toString().contains(QLatin1String(words)))
            return page.error().toString();
        return QString();
    };
    BrowseRequest r;
    QCOMPARE(refused(QStringLiteral("NOPE"), r, "not found"), QString());
    QCOMPARE(refused(QStringLiteral("a.b"), r, "stream name"), QString());
    r.count = 0;
    QCOMPARE(refused(QStringLiteral("BAD"), r, "1 to 1000"), QString());
    r.count = 1001;
    QCOMPARE(refused(QStringLiteral("BAD"), r, "1 to 1000"), QString());
    r.count = 10;
    r.subject = QStringLiteral("a..b");
    QCOMPARE(refused(QStringLiteral("BAD"), r, "subject filter"), QString());
    r.subject.clear();
    r.from = BrowseFrom::Sequence;
    r.seq = 0;
    QCOMPARE(refused(QStringLiteral("BAD"), r, "sequences start at 1"), QString());
    r.from = BrowseFrom::Time;
    QCOMPARE(refused(QStringLiteral("BAD"), r, "start time"), QString());
    // An empty stream: an empty page, nothing more.
    r.from = BrowseFrom::Newest;
    auto empty = b.read(QStringLiteral("BAD"), r);
    QVERIFY(empty);
    QVERIFY(empty->messages.isEmpty());
    QVERIFY(!empty->more);
}

void TestMessageBrowser::sinceParses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("secondsBack"); // -1: refused
    QTest::addColumn<QString>("at");
    QTest::newRow("10m") << "10m" << qint64(600) << QString();
    QTest::newRow("1h30m") << "1h30m" << qint64(5400) << QString();
    QTest::newRow("2d") << "2d" << qint64(2 * 86400) << QString();
    QTest::newRow("1d12h") << "1d12h" << qint64(86400 + 43200) << QString();
    QTest::newRow("0") << "0" << qint64(0) << QString();
    QTest::newRow("utc") << "2026-12-07T08:00:00Z" << qint64(0) << "2026-12-07T08:00:00.000Z";
    QTest::newRow("offset") << "2026-12-07T10:00:00+02:00" << qint64(0)
                            << "2026-12-07T08:00:00.000Z";
    QTest::newRow("ms") << "2026-12-07T08:00:00.250Z" << qint64(0) << "2026-12-07T08:00:00.250Z";
    QTest::newRow("negative") << "-5m" << qint64(-1) << QString();
    QTest::newRow("empty") << "" << qint64(-1) << QString();
    QTest::newRow("word") << "yesterday" << qint64(-1) << QString();
    QTest::newRow("unit") << "5x" << qint64(-1) << QString();
    QTest::newRow("days junk") << "2dx" << qint64(-1) << QString();
    QTest::newRow("days huge") << "99999999999d" << qint64(-1) << QString();
    QTest::newRow("date junk") << "2026-13-45T99:00:00Z" << qint64(-1) << QString();
}

void TestMessageBrowser::sinceParses() {
    QFETCH(QString, text);
    QFETCH(qint64, secondsBack);
    QFETCH(QString, at);
    const QDateTime now = QDateTime(QDate(2026, 12, 7), QTime(9, 0), Qt::UTC);
    auto t = parseSince(text, now);
    if (secondsBack < 0) {
        QVERIFY(!t);
        QCOMPARE(t.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(t.error().message.contains(text.isEmpty() ? QStringLiteral("''") : text),
                 qPrintable(t.error().message));
        return;
    }
    QVERIFY2(t, qPrintable(t.error().toString()));
    if (!at.isEmpty())
        QCOMPARE(t->toUTC().toString(Qt::ISODateWithMs), at);
    else
        QCOMPARE(t->secsTo(now), secondsBack);
}

void TestMessageBrowser::recordsAreJson() {
    StoredMessage m;
    m.subject = QStringLiteral("a.b");
    m.seq = 7;
    m.time = QDateTime(QDate(2026, 12, 7), QTime(8, 0, 0, 250), Qt::UTC);
    m.data = QByteArray("{\"x\":1}");
    m.headers.append("Trace", "abc");
    m.headers.append("Trace", "def");
    m.headers.append("Bad", QByteArray("\xff\xfe", 2));
    const nlohmann::json j = messageRecord(QStringLiteral("S"), m);
    QCOMPARE(QString::fromStdString(j["stream"].get<std::string>()), QStringLiteral("S"));
    QCOMPARE(j["seq"].get<quint64>(), quint64(7));
    QCOMPARE(QString::fromStdString(j["time"].get<std::string>()),
             QStringLiteral("2026-12-07T08:00:00.250Z"));
    QCOMPARE(j["headers"]["Trace"].size(), size_t(2));
    QCOMPARE(QString::fromStdString(j["data"].get<std::string>()), QStringLiteral("{\"x\":1}"));
    QVERIFY(!j.contains("encoding"));
    // Bytes that are not UTF-8 never make the dump throw.
    QVERIFY(!j.dump().empty());
    m.data = QByteArray("\x00\x01\xff", 3);
    const nlohmann::json bin = messageRecord(QStringLiteral("S"), m);
    QCOMPARE(QString::fromStdString(bin["encoding"].get<std::string>()), QStringLiteral("base64"));
    QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(bin["data"].get<std::string>())),
             m.data);
}

QTEST_GUILESS_MAIN(TestMessageBrowser)
#include "tst_messagebrowser.moc"
