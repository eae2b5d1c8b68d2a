#include "chartcsv.h"

#include <QChart>
#include <QChartView>
#include <QFile>
#include <QFileDialog>
#include <QLineSeries>
#include <QMenu>
#include <QMessageBox>

#include <map>

namespace jetdeck {

QByteArray chartToCsv(const QChart* chart, const QByteArray& xName) {
    QList<const QXYSeries*> series;
    for (const QAbstractSeries* s : chart->series())
        if (const auto* xy = qobject_cast<const QXYSeries*>(s);
            xy && !xy->property("jetdeckFaultMark").toBool()) // marks are not data
            series.append(xy);
    QByteArray out = xName;
    for (const QXYSeries* s : std::as_const(series)) {
        QByteArray name = s->name().toUtf8();
        name.replace(',', ' ');
        out += ',' + name;
    }
    out += '\n';
    std::map<double, QList<QByteArray>> rows;
    for (qsizetype i = 0; i < series.size(); ++i)
        for (const QPointF& p : series[i]->points()) {
            QList<QByteArray>& row = rows[p.x()];
            row.resize(series.size());
            row[i] = QByteArray::number(p.y(), 'g', 10);
        }
    for (const auto& [x, cells] : rows) {
        out += QByteArray::number(x, 'f', 3);
        for (const QByteArray& cell : cells)
            out += ',' + cell;
        out += '\n';
    }
    return out;
}

Status saveChartCsv(const QChart* chart, const QByteArray& xName, const QString& path) {
    QFile f(path);
    const QByteArray csv = chartToCsv(chart, xName);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(csv) != csv.size())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("cannot write %1: %2").arg(path, f.errorString())};
    return {};
}

void addCsvExport(QChartView* view, const QByteArray& xName) {
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(view, &QWidget::customContextMenuRequested, view, [view, xName](QPoint pos) {
        QMenu menu(view);
        QAction* save = menu.addAction(QObject::tr("Save as CSV..."));
        if (menu.exec(view->mapToGlobal(pos)) != save)
            return;
        const QString path = QFileDialog::getSaveFileName(view, QObject::tr("Save chart as CSV"),
                                                          QStringLiteral("chart.csv"),
                                                          QObject::tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        if (Status s = saveChartCsv(view->chart(), xName, path); !s.ok())
            QMessageBox::warning(view, QObject::tr("Save chart"), s.toString());
    });
}

} // namespace jetdeck
