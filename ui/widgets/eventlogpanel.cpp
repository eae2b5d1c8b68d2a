#include "eventlogpanel.h"

#include "ui/models/eventlogmodel.h"

#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace jetdeck {

EventLogPanel::EventLogPanel(QWidget* parent)
    : QWidget(parent) {
    auto* logLayout = new QVBoxLayout(this);
    logLayout->setContentsMargins(0, 0, 0, 0);
    auto* logHead = new QHBoxLayout;
    auto* logTitle = new QLabel(tr("<b>Events</b>"), this);
    m_filterEdit = new QLineEdit(this);
    m_filterEdit->setObjectName(QStringLiteral("eventFilter"));
    m_filterEdit->setPlaceholderText(tr("Filter events"));
    m_filterEdit->setClearButtonEnabled(true);
    auto* exportEvents = new QPushButton(tr("E&xport..."), this);
    exportEvents->setObjectName(QStringLiteral("exportEvents"));
    exportEvents->setToolTip(tr("Save the events the filter shows as CSV"));
    logHead->addWidget(logTitle);
    logHead->addStretch(1);
    logHead->addWidget(m_filterEdit);
    logHead->addWidget(exportEvents);
    logLayout->addLayout(logHead);

    m_events = new EventLogModel(kCapacity, this);
    m_filter = new QSortFilterProxyModel(this);
    m_filter->setSourceModel(m_events);
    m_filter->setFilterKeyColumn(-1);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_filterEdit, &QLineEdit::textChanged, m_filter,
            &QSortFilterProxyModel::setFilterFixedString);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("eventView"));
    m_view->setModel(m_filter);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setColumnWidth(EventLogModel::TimeColumn, 110);
    m_view->setColumnWidth(EventLogModel::KindColumn, 120);
    m_view->setColumnWidth(EventLogModel::ServerColumn, 150);
    logLayout->addWidget(m_view);
    // Keep the newest event in view unless the user scrolled up to read older ones.
    connect(m_events, &QAbstractItemModel::rowsInserted, this, [this] {
        auto* sb = m_view->verticalScrollBar();
        if (sb->value() >= sb->maximum() - 2)
            m_view->scrollToBottom();
    });
    connect(exportEvents, &QPushButton::clicked, this, &EventLogPanel::exportRequested);
}

Status EventLogPanel::exportCsv(const QString& path) const {
    QList<int> rows;
    for (int r = 0; r < m_filter->rowCount(); ++r)
        rows.append(m_filter->mapToSource(m_filter->index(r, 0)).row());
    QFile f(path);
    const QByteArray csv = m_events->toCsv(rows);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(csv) != csv.size())
        return Error{ErrorKind::InvalidArgument,
                     tr("cannot write the events to %1: %2").arg(path, f.errorString())};
    return {};
}

} // namespace jetdeck
