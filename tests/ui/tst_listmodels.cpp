// The tables that a snapshot replaces every tick (ListTableModel) match rows by identity: when a
// bounded history loses its oldest rows, a queue drains from the front or a new row appears in
// the middle, a selected row stays on the same run, publish or probe, under
// QAbstractItemModelTester. No server needed: the rows come from a real OutboundQueue and
// from the page's own row types.
#include "core/client/outboundqueue.h"
#include "ui/models/latencymodel.h"
#include "ui/models/outboundqueuemodel.h"
#include "ui/models/publishrunmodel.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QtTest>

using namespace jetdeck;

namespace {

PublishRun run(quint64 id) {
    PublishRun r;
    r.id = id;
    r.subject = QStringLiteral("run.%1").arg(id);
    return r;
}

QList<PublishRun> runs(quint64 first, quint64 last) {
    QList<PublishRun> out;
    for (quint64 id = first; id <= last; ++id)
        out << run(id);
    return out;
}

QString subjectAt(const QAbstractItemModel& m, int row, int column) {
    return m.index(row, column).data().toString();
}

metrics::ProbeSnapshot probe(const QString& name, const QString& subject) {
    metrics::ProbeSnapshot s;
    s.probe = name;
    s.labels = {{QStringLiteral("subject"), subject}};
    return s;
}

} // namespace

class TestListModels : public QObject {
    Q_OBJECT
private slots:
    void historyTrimmedAtTheFront();
    void queueDrainedFromTheFront();
    void rowInsertedInTheMiddle();
    void reorderedSnapshotResets();
};

void TestListModels::historyTrimmedAtTheFront() {
    // The publish page keeps the newest runs: a new run pushes the oldest out.
    PublishRunModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&model);
    model.update(runs(1, 5));
    selection.select(model.index(2, 0),
                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(subjectAt(model, 2, PublishRunModel::SubjectColumn), QStringLiteral("run.3"));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.update(runs(3, 7)); // two new runs, the two oldest gone
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed[0][1].toInt(), 0);
    QCOMPARE(removed[0][2].toInt(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted[0][1].toInt(), 3);
    QCOMPARE(inserted[0][2].toInt(), 4);
    // The selection followed its run: row 0 now, still run 3 (by position it would be run 5).
    const QModelIndexList sel = selection.selectedRows(PublishRunModel::SubjectColumn);
    QCOMPARE(sel.size(), 1);
    QCOMPARE(sel[0].row(), 0);
    QCOMPARE(sel[0].data().toString(), QStringLiteral("run.3"));

    // Its run pushed out too: nothing is selected rather than another run.
    model.update(runs(4, 8));
    QVERIFY(selection.selectedRows().isEmpty());
    QCOMPARE(subjectAt(model, 0, PublishRunModel::SubjectColumn), QStringLiteral("run.4"));
}

void TestListModels::queueDrainedFromTheFront() {
    // A real outbound queue in fail-open mode: full, each new publish evicts the oldest.
    OutboundQueue q;
    OutboundQueue::Limits limits;
    limits.maxOps = 4;
    limits.failOpen = true;
    q.setLimits(limits);
    for (int i = 1; i <= 4; ++i)
        QVERIFY(
            q.enqueue(OutboundQueue::Kind::Data, "q." + QByteArray::number(i), "PUB x 0\r\n\r\n", 0)
                .accepted);
    OutboundQueueModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&model);
    model.update(q.entries(0));
    QCOMPARE(model.rowCount(), 4);
    const int subject = OutboundQueueModel::SubjectColumn;
    selection.select(model.index(3, 0),
                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(subjectAt(model, 3, subject), QStringLiteral("q.4"));

    QCOMPARE(q.enqueue(OutboundQueue::Kind::Data, "q.5", "PUB x 0\r\n\r\n", 10).evicted, 1);
    QCOMPARE(q.enqueue(OutboundQueue::Kind::Data, "q.6", "PUB x 0\r\n\r\n", 20).evicted, 1);
    model.update(q.entries(30));
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(subjectAt(model, 0, subject), QStringLiteral("q.3"));
    QCOMPARE(subjectAt(model, 3, subject), QStringLiteral("q.6"));
    const QModelIndexList sel = selection.selectedRows(subject);
    QCOMPARE(sel.size(), 1);
    QCOMPARE(sel[0].data().toString(), QStringLiteral("q.4"));
    QCOMPARE(sel[0].row(), 1);
    // Positions are shown: they moved with the queue.
    QCOMPARE(model.index(1, OutboundQueueModel::PositionColumn).data().toString(),
             QStringLiteral("2"));

    // The same subject published twice is two rows, each followed on its own.
    QVERIFY(q.enqueue(OutboundQueue::Kind::Data, "q.4", "PUB x 0\r\n\r\n", 40).accepted);
    model.update(q.entries(50));
    QCOMPARE(subjectAt(model, 0, subject), QStringLiteral("q.4"));
    QCOMPARE(subjectAt(model, 3, subject), QStringLiteral("q.4"));
    QCOMPARE(selection.selectedRows().size(), 1);
    QCOMPARE(selection.selectedRows()[0].row(), 0);

    // Drained (sent after a reconnect): empty, nothing selected.
    (void)q.takeAll();
    model.update(q.entries(60));
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(selection.selectedRows().isEmpty());
}

void TestListModels::rowInsertedInTheMiddle() {
    LatencyModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&model);
    model.update({probe(QStringLiteral("publish_ack"), QStringLiteral("a")),
                  probe(QStringLiteral("publish_ack"), QStringLiteral("c"))});
    selection.select(model.index(1, 0),
                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.update({probe(QStringLiteral("publish_ack"), QStringLiteral("a")),
                  probe(QStringLiteral("publish_ack"), QStringLiteral("b")),
                  probe(QStringLiteral("publish_ack"), QStringLiteral("c")),
                  probe(QStringLiteral("ping_rtt"), QStringLiteral("d"))});
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted[0][1].toInt(), 1);
    QCOMPARE(inserted[1][1].toInt(), 3);
    const QModelIndexList sel = selection.selectedRows();
    QCOMPARE(sel.size(), 1);
    QCOMPARE(sel[0].row(), 2);
    QCOMPARE(model.snapshotAt(2)->label(QStringLiteral("subject")), QStringLiteral("c"));
}

void TestListModels::reorderedSnapshotResets() {
    // Not something the console produces today; if a snapshot ever reorders rows, the model
    // starts over rather than leave a selection on another row.
    PublishRunModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&model);
    model.update(runs(1, 3));
    selection.select(model.index(0, 0),
                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.update({run(3), run(2), run(1)});
    QCOMPARE(reset.size(), 1);
    QVERIFY(selection.selectedRows().isEmpty());
    QCOMPARE(subjectAt(model, 0, PublishRunModel::SubjectColumn), QStringLiteral("run.3"));
    // Two rows claiming one identity: the same.
    model.update({run(1), run(1)});
    QCOMPARE(reset.size(), 2);
    QCOMPARE(model.rowCount(), 2);
}

QTEST_MAIN(TestListModels)
#include "tst_listmodels.moc"
