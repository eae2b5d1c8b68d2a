// The streams and consumers page, offscreen, against a real nats-server with JetStream.
#include "core/jetstream/jetstream.h"
#include "tests/support/testsupport.h"
#include "tests/support/verify.h"
#include "ui/dialogs/consumerdialog.h"
#include "ui/dialogs/streamdialog.h"
#include "ui/mainwindow.h"
#include "ui/models/sortproxy.h"
#include "ui/models/streamtreemodel.h"
#include "ui/pages/streamspage.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTreeView>

using namespace jetdeck;
using namespace jetdeck::test;

namespace {

void setText(QWidget* dialog, const char* name, const QString& text) {
    auto* e = dialog->findChild<QLineEdit*>(QLatin1String(name));
    QVERIFY2(e, name);
    e->setText(text);
}

QPushButton* okButton(QWidget* dialog) {
    return dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
}

} // namespace

class TestStreamsPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void modelUpdatesKeepRows();
    void modelTellsOnlyWhatChanged();
    void namesSortNaturally();
    void streamDialogValidates_data();
    void streamDialogValidates();
    void consumerDialogValidates_data();
    void consumerDialogValidates();
    void createEditDeleteThroughThePage();
    void serverErrorShownInDialog();
    void liveNumbers();

private:
    std::unique_ptr<NatsServerProcess> m_server;
};

void TestStreamsPage::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("JetDeckTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_streamspage"));
    NatsServerConfig cfg;
    cfg.jetstream = true;
    m_server = std::make_unique<NatsServerProcess>(cfg);
    const Status s = m_server->start();
    QVERIFY2(s.ok(), qPrintable(s.toString()));
}

void TestStreamsPage::modelUpdatesKeepRows() {
    StreamTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    js::JetStreamSnapshot snap;
    js::StreamInfo a;
    a.config.name = QStringLiteral("A");
    a.state.messages = 5;
    js::StreamInfo b;
    b.config.name = QStringLiteral("B");
    snap.streams = {a, b};
    js::ConsumerInfo c1;
    c1.stream = QStringLiteral("A");
    c1.name = QStringLiteral("c1");
    c1.numPending = 7;
    snap.consumers.insert(QStringLiteral("A"), {c1});
    model.update(snap);
    QCOMPARE(model.rowCount(), 2);
    const QModelIndex ia = model.indexOfStream(QStringLiteral("A"));
    QCOMPARE(model.rowCount(ia), 1);
    QPersistentModelIndex pa(ia);
    QCOMPARE(model.index(0, StreamTreeModel::UnprocessedColumn, ia).data().toString(),
             QStringLiteral("7"));

    // B goes, A changes, a consumer appears: A's row survives.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    snap.streams = {a};
    c1.numPending = 3;
    js::ConsumerInfo c2 = c1;
    c2.name = QStringLiteral("c2");
    snap.consumers.insert(QStringLiteral("A"), {c1, c2});
    model.update(snap);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(pa.isValid());
    QCOMPARE(model.rowCount(pa), 2);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(model.index(0, StreamTreeModel::UnprocessedColumn, pa).data().toString(),
             QStringLiteral("3"));
    QCOMPARE(model.index(0, StreamTreeModel::UnprocessedColumn, pa)
                 .data(StreamTreeModel::SortRole)
                 .toLongLong(),
             3);
    model.update(js::JetStreamSnapshot{});
    QCOMPARE(model.rowCount(), 0);
}

void TestStreamsPage::namesSortNaturally() {
    // Numbers in names by their value, case ignored, ties by the exact text: the order a
    // person expects from S1..S10 and c9/c10.
    QCOMPARE(naturalCompare(u"S2", u"S10") < 0, true);
    QCOMPARE(naturalCompare(u"S10", u"S2") > 0, true);
    QCOMPARE(naturalCompare(u"n09", u"n10") < 0, true);
    QCOMPARE(naturalCompare(u"orders", u"ORDERS.new") < 0, true);
    QCOMPARE(naturalCompare(u"a99999999999999999999999", u"a100000000000000000000000") < 0, true);
    QCOMPARE(naturalCompare(u"S02", u"S2") != 0, true); // equal as read, still a total order
    QCOMPARE(naturalCompare(u"S2", u"S2"), 0);
    QCOMPARE(naturalCompare(u"", u"a") < 0, true);
    QCOMPARE(naturalCompare(u"x1y2", u"x1y10") < 0, true);

    StreamTreeModel model;
    SortProxy proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(StreamTreeModel::SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    js::JetStreamSnapshot snap;
    for (const char* name : {"S10", "S2", "s1", "ORDERS", "S1"}) {
        js::StreamInfo si;
        si.config.name = QLatin1String(name);
        si.state.messages = 10 - quint64(qstrlen(name));
        snap.streams << si;
    }
    for (const char* name : {"c10", "c9", "C1"}) {
        js::ConsumerInfo ci;
        ci.stream = QStringLiteral("S2");
        ci.name = QLatin1String(name);
        snap.consumers[QStringLiteral("S2")] << ci;
    }
    model.update(snap);
    const auto names = [&](const QModelIndex& parent) {
        QStringList out;
        for (int r = 0; r < proxy.rowCount(parent); ++r)
            out << proxy.index(r, StreamTreeModel::NameColumn, parent).data().toString();
        return out;
    };
    proxy.sort(StreamTreeModel::NameColumn, Qt::AscendingOrder);
    QCOMPARE(names({}),
             (QStringList{QStringLiteral("ORDERS"), QStringLiteral("S1"), QStringLiteral("s1"),
                          QStringLiteral("S2"), QStringLiteral("S10")}));
    const QModelIndex s2 = proxy.index(3, StreamTreeModel::NameColumn);
    QCOMPARE(names(s2),
             (QStringList{QStringLiteral("C1"), QStringLiteral("c9"), QStringLiteral("c10")}));
    proxy.sort(StreamTreeModel::NameColumn, Qt::DescendingOrder);
    QCOMPARE(names({}).first(), QStringLiteral("S10"));
    // Numbers still sort as numbers.
    proxy.sort(StreamTreeModel::MessagesColumn, Qt::AscendingOrder);
    QCOMPARE(names({}).first(), QStringLiteral("ORDERS")); // 4 messages, the fewest
}

void TestStreamsPage::modelTellsOnlyWhatChanged() {
    // A large account's listing comes every few seconds with most consumers idle: only the rows
    // that show something new get dataChanged (each one makes the sorting proxy work).
    StreamTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    js::JetStreamSnapshot snap;
    for (int s = 0; s < 50; ++s) {
        js::StreamInfo si;
        si.config.name = QStringLiteral("S%1").arg(s);
        si.state.messages = 10;
        snap.streams.append(si);
        QList<js::ConsumerInfo> list;
        for (int c = 0; c < 20; ++c) {
            js::ConsumerInfo ci;
            ci.stream = si.config.name;
            ci.name = QStringLiteral("C%1").arg(c);
            ci.numPending = c;
            list.append(ci);
        }
        snap.consumers.insert(si.config.name, list);
    }
    model.update(snap);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.update(snap); // the same listing again
    QCOMPARE(changed.count(), 0);

    // One consumer of S7 has new numbers, S3's stream state moved: two signals, each naming its
    // row only.
    snap.consumers[QStringLiteral("S7")][5].numAckPending = 2;
    snap.streams[3].state.messages = 11;
    model.update(snap);
    QCOMPARE(changed.count(), 2);
    const QModelIndex s7 = model.indexOfStream(QStringLiteral("S7"));
    bool sawConsumer = false, sawStream = false;
    for (const QList<QVariant>& args : std::as_const(changed)) {
        const auto from = args.at(0).value<QModelIndex>();
        const auto to = args.at(1).value<QModelIndex>();
        QCOMPARE(from.row(), to.row());
        if (from.parent() == s7) {
            QCOMPARE(from.row(), 5);
            sawConsumer = true;
        } else {
            QVERIFY(!from.parent().isValid());
            QCOMPARE(from.row(), 3);
            sawStream = true;
        }
    }
    QVERIFY(sawConsumer && sawStream);
    QCOMPARE(model.index(5, StreamTreeModel::AckPendingColumn, s7).data().toString(),
             QStringLiteral("2"));

    // Rates and lag: only the consumer whose numbers moved.
    QHash<QString, double> rates;
    QHash<QString, QList<qreal>> lag;
    for (const js::StreamInfo& si : std::as_const(snap.streams))
        for (const js::ConsumerInfo& ci : snap.consumers.value(si.config.name)) {
            rates.insert(si.config.name + QLatin1Char('/') + ci.name, 0.0);
            lag.insert(si.config.name + QLatin1Char('/') + ci.name, {qreal(ci.numPending)});
        }
    model.setActivity(rates, lag);
    changed.clear();
    model.setActivity(rates, lag);
    QCOMPARE(changed.count(), 0);
    rates[QStringLiteral("S9/C1")] = 4.0;
    model.setActivity(rates, lag);
    QCOMPARE(changed.count(), 1);
    const QModelIndex from = changed.first().at(0).value<QModelIndex>();
    QCOMPARE(from.parent(), model.indexOfStream(QStringLiteral("S9")));
    QCOMPARE(from.row(), 1);
    QCOMPARE(model.index(1, StreamTreeModel::RateColumn, from.parent())
                 .data(StreamTreeModel::SortRole)
                 .toDouble(),
             4.0);

    // A consumer removed in the middle and one added: the rows follow, the rest untouched.
    QList<js::ConsumerInfo>& s2 = snap.consumers[QStringLiteral("S2")];
    s2.removeAt(10);
    js::ConsumerInfo extra = s2.first();
    extra.name = QStringLiteral("NEW");
    s2.append(extra);
    model.update(snap);
    const QModelIndex i2 = model.indexOfStream(QStringLiteral("S2"));
    QCOMPARE(model.rowCount(i2), 20);
    QStringList names;
    for (int r = 0; r < model.rowCount(i2); ++r)
        names << model.index(r, StreamTreeModel::NameColumn, i2).data().toString();
    QVERIFY(!names.contains(QStringLiteral("C10")));
    QVERIFY(names.contains(QStringLiteral("NEW")));
    QVERIFY(names.contains(QStringLiteral("C19")));
}

void TestStreamsPage::streamDialogValidates_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("subjects");
    QTest::addColumn<QString>("maxAge");
    QTest::addColumn<QString>("maxMsgs");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("problem");
    QTest::newRow("good") << "ORDERS"
                          << "orders.>"
                          << "24h"
                          << "" << true << QString();
    QTest::newRow("no name") << ""
                             << "orders.>"
                             << ""
                             << "" << false << "empty";
    QTest::newRow("dot in name") << "OR.DERS"
                                 << "orders.>"
                                 << ""
                                 << "" << false << "'.'";
    QTest::newRow("bad subject") << "ORDERS"
                                 << "orders..x"
                                 << ""
                                 << "" << false << "orders..x";
    QTest::newRow("bad age") << "ORDERS"
                             << "orders.>"
                             << "soon"
                             << "" << false << "Max age";
    QTest::newRow("bad count") << "ORDERS"
                               << "orders.>"
                               << ""
                               << "many" << false << "Max messages";
}

void TestStreamsPage::streamDialogValidates() {
    QFETCH(QString, name);
    QFETCH(QString, subjects);
    QFETCH(QString, maxAge);
    QFETCH(QString, maxMsgs);
    QFETCH(bool, valid);
    QFETCH(QString, problem);
    StreamDialog dlg;
    setText(&dlg, "name", name);
    setText(&dlg, "subjects", subjects);
    setText(&dlg, "maxAge", maxAge);
    setText(&dlg, "maxMsgs", maxMsgs);
    QCOMPARE(okButton(&dlg)->isEnabled(), valid);
    QCOMPARE(dlg.config().ok(), valid);
    if (!valid)
        QVERIFY2(dlg.problemText().contains(problem, Qt::CaseInsensitive),
                 qPrintable(dlg.problemText()));
    else
        QCOMPARE(dlg.config()->maxAgeNs, 24LL * 3600 * 1000000000LL);
}

void TestStreamsPage::consumerDialogValidates_data() {
    QTest::addColumn<bool>("push");
    QTest::addColumn<QString>("deliver");
    QTest::addColumn<QString>("heartbeat");
    QTest::addColumn<bool>("flowControl");
    QTest::addColumn<QString>("backoff");
    QTest::addColumn<QString>("maxDeliver");
    QTest::addColumn<bool>("valid");
    QTest::newRow("pull") << false << ""
                          << "" << false << ""
                          << "" << true;
    QTest::newRow("push") << true << "deliver.x"
                          << "5s" << true << ""
                          << "" << true;
    QTest::newRow("push without subject") << true << ""
                                          << "" << false << ""
                                          << "" << false;
    QTest::newRow("flow control without heartbeat") << true << "deliver.x"
                                                    << "" << true << ""
                                                    << "" << false;
    QTest::newRow("backoff") << false << ""
                             << "" << false << "1s, 5s"
                             << "3" << true;
    QTest::newRow("bad backoff") << false << ""
                                 << "" << false << "1s, never"
                                 << "3" << false;
    QTest::newRow("bad max deliver") << false << ""
                                     << "" << false << ""
                                     << "x" << false;
}

void TestStreamsPage::consumerDialogValidates() {
    QFETCH(bool, push);
    QFETCH(QString, deliver);
    QFETCH(QString, heartbeat);
    QFETCH(bool, flowControl);
    QFETCH(QString, backoff);
    QFETCH(QString, maxDeliver);
    QFETCH(bool, valid);
    ConsumerDialog dlg(QStringLiteral("ORDERS"));
    setText(&dlg, "name", QStringLiteral("workers"));
    dlg.setPush(push);
    setText(&dlg, "deliverSubject", deliver);
    setText(&dlg, "heartbeat", heartbeat);
    dlg.findChild<QCheckBox*>(QStringLiteral("flowControl"))->setChecked(flowControl);
    setText(&dlg, "backoff", backoff);
    setText(&dlg, "maxDeliver", maxDeliver);
    QVERIFY2(dlg.config().ok() == valid, qPrintable(dlg.problemText()));
    QCOMPARE(okButton(&dlg)->isEnabled(), valid);
    if (!valid)
        QVERIFY(!dlg.problemText().isEmpty());
}

void TestStreamsPage::createEditDeleteThroughThePage() {
    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    StreamsPage* page = w.streamsPage();
    QTRY_VERIFY(page->refreshes() > 0);
    w.showPage(MainWindow::Page::Streams);

    // Create a stream through the dialog.
    QSignalSpy done(page, &StreamsPage::actionFinished);
    StreamDialog* sd = page->newStream();
    QVERIFY(sd);
    setText(sd, "name", QStringLiteral("UITEST"));
    setText(sd, "subjects", QStringLiteral("ui.test.>"));
    QVERIFY(okButton(sd)->isEnabled());
    QTest::mouseClick(okButton(sd), Qt::LeftButton);
    QTRY_COMPARE(done.count(), 1);
    QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(1).toString()));
    QTRY_VERIFY(page->model()->indexOfStream(QStringLiteral("UITEST")).isValid());

    // A consumer on it.
    ConsumerDialog* cd = page->newConsumer(QStringLiteral("UITEST"));
    QVERIFY(cd);
    setText(cd, "name", QStringLiteral("workers"));
    setText(cd, "maxDeliver", QStringLiteral("4"));
    QTest::mouseClick(okButton(cd), Qt::LeftButton);
    QTRY_COMPARE(done.count(), 2);
    QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
    QTRY_COMPARE(page->model()->rowCount(page->model()->indexOfStream(QStringLiteral("UITEST"))),
                 1);

    // Edit: raise max messages; the server keeps it.
    StreamDialog* ed = page->editStream(QStringLiteral("UITEST"));
    QVERIFY(ed);
    QVERIFY(ed->findChild<QLineEdit*>(QStringLiteral("name"))->isReadOnly());
    setText(ed, "maxMsgs", QStringLiteral("1000"));
    QTest::mouseClick(okButton(ed), Qt::LeftButton);
    QTRY_COMPARE(done.count(), 3);
    QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
    ConnectionThread check(optionsFor(m_server->url()));
    VERIFY_OK(check->connectSync());
    js::JetStream js(check.connection());
    QTRY_COMPARE(js.streamInfo(QStringLiteral("UITEST"))->config.maxMsgs, 1000);

    // Delete the consumer, then the stream.
    page->deleteConsumer(QStringLiteral("UITEST"), QStringLiteral("workers"), true);
    QTRY_COMPARE(done.count(), 4);
    QVERIFY(done.last().at(0).toBool());
    page->deleteStream(QStringLiteral("UITEST"), true);
    QTRY_COMPARE(done.count(), 5);
    QVERIFY(done.last().at(0).toBool());
    QTRY_VERIFY(!page->model()->indexOfStream(QStringLiteral("UITEST")).isValid());
    QCOMPARE(js.streamInfo(QStringLiteral("UITEST")).error().kind, ErrorKind::NotFound);
}

void TestStreamsPage::serverErrorShownInDialog() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    js::JetStream js(c.connection());
    js::StreamConfig taken;
    taken.name = QStringLiteral("TAKEN");
    taken.subjects = {QStringLiteral("taken.>")};
    QVERIFY(js.addStream(taken).ok());

    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    StreamsPage* page = w.streamsPage();
    QTRY_VERIFY(page->refreshes() > 0);
    QSignalSpy done(page, &StreamsPage::actionFinished);
    StreamDialog* sd = page->newStream();
    // Valid locally, refused by the server: the subjects overlap another stream's.
    setText(sd, "name", QStringLiteral("OVERLAP"));
    setText(sd, "subjects", QStringLiteral("taken.x"));
    QTest::mouseClick(okButton(sd), Qt::LeftButton);
    QTRY_COMPARE(done.count(), 1);
    QVERIFY(!done.first().at(0).toBool());
    QVERIFY2(sd->isVisible(), "the dialog stays open for another try");
    QVERIFY2(sd->problemText().contains(QStringLiteral("overlap"), Qt::CaseInsensitive),
             qPrintable(sd->problemText()));
    sd->reject();
    VERIFY_OK(js.deleteStream(QStringLiteral("TAKEN")));
}

void TestStreamsPage::liveNumbers() {
    ConnectionThread c(optionsFor(m_server->url()));
    VERIFY_OK(c->connectSync());
    js::JetStream js(c.connection());
    js::StreamConfig sc;
    sc.name = QStringLiteral("LIVE");
    sc.subjects = {QStringLiteral("live.>")};
    QVERIFY(js.addStream(sc).ok());
    js::ConsumerConfig cc;
    cc.durableName = QStringLiteral("reader");
    QVERIFY(js.addConsumer(QStringLiteral("LIVE"), cc).ok());

    MainWindow w;
    w.show();
    QVERIFY(w.connectToUrls(m_server->url()));
    StreamsPage* page = w.streamsPage();
    w.session()->setListInterval(200);
    QTRY_VERIFY(page->model()->indexOfStream(QStringLiteral("LIVE")).isValid());
    for (int i = 0; i < 25; ++i)
        QVERIFY(js.publish("live.x", "m").ok());
    const QModelIndex s = page->model()->indexOfStream(QStringLiteral("LIVE"));
    QTRY_COMPARE(page->model()->index(s.row(), StreamTreeModel::MessagesColumn).data().toString(),
                 QStringLiteral("25"));
    QTRY_COMPARE(page->model()->index(0, StreamTreeModel::UnprocessedColumn, s).data().toString(),
                 QStringLiteral("25"));
    QVERIFY(page->statusText().contains(QStringLiteral("stream")));
    // The lag sparkline keeps the readings: 0 before the publishes, 25 after; the rate cell
    // is filled from the registry.
    const QModelIndex lag = page->model()->index(0, StreamTreeModel::LagColumn, s);
    QTRY_VERIFY(lag.data(StreamTreeModel::SparklineRole).value<QList<qreal>>().size() >= 3);
    const QList<qreal> history = lag.data(StreamTreeModel::SparklineRole).value<QList<qreal>>();
    QCOMPARE(history.last(), 25.0);
    QVERIFY2(history.first() == 0.0 || history.contains(25.0), "history of num_pending");
    QVERIFY(lag.data(Qt::ToolTipRole).toString().contains(QStringLiteral("now 25")));
    QVERIFY(page->model()
                ->index(0, StreamTreeModel::RateColumn, s)
                .data()
                .toString()
                .endsWith(QStringLiteral("msgs/s")));
    VERIFY_OK(js.deleteStream(QStringLiteral("LIVE")));
}

QTEST_MAIN(TestStreamsPage)
#include "tst_streamspage.moc"
