#include "core/protocol/parser.h"
#include "tests/support/verify.h"

#include <QtTest>

using namespace jetdeck;

namespace {

/// Records what the parser reports as readable lines.
class Recorder : public ParserHandler {
public:
    QStringList events;
    void onInfo(QByteArrayView json) override {
        events << QStringLiteral("INFO ") + QString::fromUtf8(json);
    }
    void onMsg(const MsgView& m) override {
        events << QStringLiteral("MSG %1 %2 [%3] hdr=[%4] payload=[%5]")
                      .arg(QString::fromUtf8(m.subject))
                      .arg(m.sid)
                      .arg(QString::fromUtf8(m.reply), QString::fromUtf8(m.headers),
                           QString::fromUtf8(m.payload));
    }
    void onPing() override { events << QStringLiteral("PING"); }
    void onPong() override { events << QStringLiteral("PONG"); }
    void onOk() override { events << QStringLiteral("+OK"); }
    void onErr(QByteArrayView t) override {
        events << QStringLiteral("-ERR ") + QString::fromUtf8(t);
    }
};

struct Run {
    QStringList events;
    bool ok = true;
    QString error;
};

Run feedChunks(const QByteArray& input, const QList<qsizetype>& cuts) {
    Recorder rec;
    Parser p(&rec);
    Run r;
    qsizetype start = 0;
    QList<qsizetype> all = cuts;
    all.append(input.size());
    for (qsizetype cut : all) {
        if (!p.feed(input.constData() + start, cut - start)) {
            r.ok = false;
            r.error = p.errorString();
            break;
        }
        start = cut;
    }
    r.events = rec.events;
    return r;
}

} // namespace

class TestParser : public QObject {
    Q_OBJECT
private slots:
    void validFrames_data();
    void validFrames();
    void malformed_data();
    void malformed();
    void largePayloadAcrossManyChunks();
    void payloadLimit();
    void viewsPointIntoChunkWhenComplete();
    void stopFromCallback();
    void resetAfterError();
    void bigInfoSplitInsideOpName();
};

void TestParser::validFrames_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("ping") << QByteArray("PING\r\n") << QStringList{QStringLiteral("PING")};
    QTest::newRow("pong") << QByteArray("PONG\r\n") << QStringList{QStringLiteral("PONG")};
    QTest::newRow("ok") << QByteArray("+OK\r\n") << QStringList{QStringLiteral("+OK")};
    QTest::newRow("lowercase ops")
        << QByteArray("ping\r\npOnG\r\n+ok\r\n")
        << QStringList{QStringLiteral("PING"), QStringLiteral("PONG"), QStringLiteral("+OK")};
    QTest::newRow("err") << QByteArray("-ERR 'Authorization Violation'\r\n")
                         << QStringList{QStringLiteral("-ERR 'Authorization Violation'")};
    QTest::newRow("err tab") << QByteArray("-ERR\t'Stale Connection'\r\n")
                             << QStringList{QStringLiteral("-ERR 'Stale Connection'")};
    QTest::newRow("info") << QByteArray("INFO {\"server_id\":\"X\",\"max_payload\":1048576}\r\n")
                          << QStringList{QStringLiteral(
                                 "INFO {\"server_id\":\"X\",\"max_payload\":1048576}")};
    QTest::newRow("info lower tab")
        << QByteArray("info\t{\"a\":1} \r\n") << QStringList{QStringLiteral("INFO {\"a\":1}")};
    QTest::newRow("msg") << QByteArray("MSG foo.bar 9 5\r\nhello\r\n")
                         << QStringList{QStringLiteral("MSG foo.bar 9 [] hdr=[] payload=[hello]")};
    QTest::newRow("msg reply") << QByteArray("MSG foo 1 _INBOX.x 2\r\nhi\r\n")
                               << QStringList{
                                      QStringLiteral("MSG foo 1 [_INBOX.x] hdr=[] payload=[hi]")};
    QTest::newRow("msg tabs and runs of spaces")
        << QByteArray("msg\tfoo  \t 7\t\t3\r\nabc\r\n")
        << QStringList{QStringLiteral("MSG foo 7 [] hdr=[] payload=[abc]")};
    QTest::newRow("msg empty payload")
        << QByteArray("MSG foo 1 0\r\n\r\n")
        << QStringList{QStringLiteral("MSG foo 1 [] hdr=[] payload=[]")};
    QTest::newRow("msg payload with CRLF inside")
        << QByteArray("MSG foo 1 6\r\na\r\nb\r\n\r\n")
        << QStringList{QStringLiteral("MSG foo 1 [] hdr=[] payload=[a\r\nb\r\n]")};
    const QByteArray hdr = "NATS/1.0\r\nA: 1\r\n\r\n";
    QTest::newRow("hmsg") << (QByteArray("HMSG foo 2 ") + QByteArray::number(hdr.size()) + ' ' +
                              QByteArray::number(hdr.size() + 3) + "\r\n" + hdr + "xyz\r\n")
                          << QStringList{QStringLiteral("MSG foo 2 [] hdr=[") +
                                         QString::fromUtf8(hdr) +
                                         QStringLiteral("] payload=[xyz]")};
    const QByteArray status = "NATS/1.0 503\r\n\r\n";
    QTest::newRow("hmsg reply status only")
        << (QByteArray("HMSG _INBOX.a.b 3 r.s ") + QByteArray::number(status.size()) + ' ' +
            QByteArray::number(status.size()) + "\r\n" + status + "\r\n")
        << QStringList{QStringLiteral("MSG _INBOX.a.b 3 [r.s] hdr=[") + QString::fromUtf8(status) +
                       QStringLiteral("] payload=[]")};
    QTest::newRow("sequence")
        << QByteArray("INFO {}\r\nPING\r\nMSG a 1 1\r\nx\r\nMSG b 2 r 2\r\nyz\r\n+OK\r\nPONG\r\n")
        << QStringList{QStringLiteral("INFO {}"),
                       QStringLiteral("PING"),
                       QStringLiteral("MSG a 1 [] hdr=[] payload=[x]"),
                       QStringLiteral("MSG b 2 [r] hdr=[] payload=[yz]"),
                       QStringLiteral("+OK"),
                       QStringLiteral("PONG")};
    // An INFO above the 4 KiB control-line limit (a big cluster's connect_urls), split
    // everywhere, including inside the op name.
    QByteArray urls;
    for (int i = 0; i < 300; ++i)
        urls += (i ? "," : "") + QByteArray("\"127.0.0.9:") + QByteArray::number(4000 + i) + '"';
    const QByteArray bigInfo = "{\"connect_urls\":[" + urls + "]}";
    QTest::newRow("big info") << (QByteArray("INFO ") + bigInfo + "\r\n")
                              << QStringList{QStringLiteral("INFO ") +
                                             QString::fromLatin1(bigInfo)};
    QTest::newRow("bare LF line end")
        << QByteArray("PING\nPONG\n")
        << QStringList{QStringLiteral("PING"), QStringLiteral("PONG")};
}

void TestParser::validFrames() {
    QFETCH(QByteArray, input);
    QFETCH(QStringList, expected);

    const Run whole = feedChunks(input, {});
    QVERIFY2(whole.ok, qPrintable(whole.error));
    QCOMPARE(whole.events, expected);

    // Every split point of two chunks.
    for (qsizetype cut = 1; cut < input.size(); ++cut) {
        const Run r = feedChunks(input, {cut});
        QVERIFY2(r.ok, qPrintable(QStringLiteral("cut %1: %2").arg(cut).arg(r.error)));
        QVERIFY2(r.events == expected, qPrintable(QStringLiteral("cut at %1").arg(cut)));
    }
    // One byte at a time.
    QList<qsizetype> cuts;
    for (qsizetype i = 1; i < input.size(); ++i)
        cuts.append(i);
    const Run bytes = feedChunks(input, cuts);
    QVERIFY2(bytes.ok, qPrintable(bytes.error));
    QCOMPARE(bytes.events, expected);
}

void TestParser::malformed_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<int>("eventsBefore");

    QTest::newRow("unknown op") << QByteArray("HELLO there\r\n") << QStringLiteral("unknown") << 0;
    QTest::newRow("empty line") << QByteArray("\r\n") << QStringLiteral("empty") << 0;
    QTest::newRow("msg missing size")
        << QByteArray("MSG foo 1\r\n") << QStringLiteral("MSG with 2") << 0;
    QTest::newRow("msg too many args")
        << QByteArray("MSG a 1 b c 5\r\n") << QStringLiteral("too many") << 0;
    QTest::newRow("msg bad size") << QByteArray("MSG foo 1 5x\r\nhello\r\n")
                                  << QStringLiteral("invalid size") << 0;
    QTest::newRow("msg negative size")
        << QByteArray("MSG foo 1 -5\r\n") << QStringLiteral("invalid size") << 0;
    QTest::newRow("msg bad sid") << QByteArray("MSG foo x 5\r\nhello\r\n")
                                 << QStringLiteral("subscription id") << 0;
    QTest::newRow("msg payload longer than size")
        << QByteArray("MSG foo 1 3\r\nhello\r\n") << QStringLiteral("not followed by CRLF") << 0;
    QTest::newRow("msg missing CRLF after payload") << QByteArray("MSG foo 1 5\r\nhelloPING\r\n")
                                                    << QStringLiteral("not followed by CRLF") << 0;
    QTest::newRow("hmsg header larger than total")
        << QByteArray("HMSG foo 1 20 10\r\n0123456789\r\n") << QStringLiteral("larger than total")
        << 0;
    QTest::newRow("hmsg missing total")
        << QByteArray("HMSG foo 1 10\r\n") << QStringLiteral("HMSG with 3") << 0;
    QTest::newRow("ping with junk") << QByteArray("PING now\r\n") << QStringLiteral("PING") << 0;
    QTest::newRow("info without json")
        << QByteArray("INFO hello\r\n") << QStringLiteral("JSON") << 0;
    QTest::newRow("error after good frames")
        << QByteArray("PING\r\nPONG\r\nBOGUS\r\n") << QStringLiteral("unknown") << 2;
    QTest::newRow("oversized control line")
        << (QByteArray("MSG ") + QByteArray(5000, 'a') + " 1 1\r\nx\r\n")
        << QStringLiteral("longer than 4096") << 0;
    QTest::newRow("oversized control line without newline")
        << (QByteArray("-ERR ") + QByteArray(5000, 'e')) << QStringLiteral("longer than 4096") << 0;
}

void TestParser::malformed() {
    QFETCH(QByteArray, input);
    QFETCH(QString, errorContains);
    QFETCH(int, eventsBefore);

    const Run whole = feedChunks(input, {});
    QVERIFY(!whole.ok);
    QVERIFY2(whole.error.contains(errorContains), qPrintable(whole.error));
    QCOMPARE(whole.events.size(), eventsBefore);

    for (qsizetype cut = 1; cut < input.size(); ++cut) {
        const Run r = feedChunks(input, {cut});
        QVERIFY2(!r.ok, qPrintable(QStringLiteral("cut %1 parsed malformed input").arg(cut)));
        QVERIFY2(r.error.contains(errorContains),
                 qPrintable(QStringLiteral("cut %1: %2").arg(cut).arg(r.error)));
    }
}

void TestParser::largePayloadAcrossManyChunks() {
    QByteArray payload(1'000'000, Qt::Uninitialized);
    for (int i = 0; i < payload.size(); ++i)
        payload[i] = char('a' + i % 26);
    const QByteArray frame = "MSG big.subject 42 reply.to " + QByteArray::number(payload.size()) +
                             "\r\n" + payload + "\r\nPING\r\n";
    Recorder rec;
    Parser p(&rec);
    for (qsizetype off = 0; off < frame.size(); off += 4093)
        QVERIFY(p.feed(frame.constData() + off, qMin<qsizetype>(4093, frame.size() - off)));
    QCOMPARE(rec.events.size(), 2);
    QVERIFY(rec.events[0].startsWith(QStringLiteral("MSG big.subject 42 [reply.to]")));
    QVERIFY(rec.events[0].endsWith(QString::fromLatin1(payload.right(50)) + QLatin1Char(']')));
    QCOMPARE(rec.events[1], QStringLiteral("PING"));
}

void TestParser::payloadLimit() {
    Recorder rec;
    Parser p(&rec);
    p.setMaxPayload(100);
    QVERIFY(!p.feed(QByteArrayView("MSG foo 1 101\r\n")));
    QVERIFY(p.errorString().contains(QStringLiteral("exceeds the limit of 100")));
    // Once in error, input is refused until reset().
    QVERIFY(!p.feed(QByteArrayView("PING\r\n")));
    QVERIFY(rec.events.isEmpty());
}

void TestParser::viewsPointIntoChunkWhenComplete() {
    struct Check : ParserHandler {
        const char* begin = nullptr;
        const char* end = nullptr;
        bool inside = false;
        void onInfo(QByteArrayView) override {}
        void onMsg(const MsgView& m) override {
            inside = m.payload.data() >= begin && m.payload.data() + m.payload.size() <= end;
        }
        void onPing() override {}
        void onPong() override {}
        void onOk() override {}
        void onErr(QByteArrayView) override {}
    } check;
    const QByteArray chunk = "MSG a 1 3\r\nabc\r\n";
    check.begin = chunk.constData();
    check.end = chunk.constData() + chunk.size();
    Parser p(&check);
    QVERIFY(p.feed(chunk));
    QVERIFY2(check.inside, "a complete frame must be handed out without copying");
}

void TestParser::stopFromCallback() {
    struct Stopper : Recorder {
        Parser* parser = nullptr;
        void onPing() override {
            Recorder::onPing();
            parser->stop();
        }
    } rec;
    Parser p(&rec);
    rec.parser = &p;
    QVERIFY(p.feed(QByteArrayView("PING\r\nPONG\r\n")));
    QCOMPARE(rec.events, QStringList{QStringLiteral("PING")});
}

void TestParser::resetAfterError() {
    Recorder rec;
    Parser p(&rec);
    QVERIFY(!p.feed(QByteArrayView("NOPE\r\n")));
    QVERIFY(p.hasError());
    p.reset();
    QVERIFY(!p.hasError());
    QVERIFY(p.feed(QByteArrayView("PING\r\n")));
    QCOMPARE(rec.events, QStringList{QStringLiteral("PING")});
}

void TestParser::bigInfoSplitInsideOpName() {
    // "INF", then more than 4 KiB without a line end, then the rest: the INFO limit applies
    // even though the op name was split.
    const QByteArray json = "{\"pad\":\"" + QByteArray(6000, 'p') + "\"}";
    const QByteArray input = "INFO " + json + "\r\n";
    const Run r = feedChunks(input, {3, 5003});
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.events, QStringList{QStringLiteral("INFO ") + QString::fromLatin1(json)});
}

QTEST_GUILESS_MAIN(TestParser)
#include "tst_parser.moc"
