#include "overviewpage.h"

#include "ui/models/sortproxy.h"
#include "ui/widgets/emptystate.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace jetdeck {

OverviewPage::OverviewPage(QWidget* parent)
    : QWidget(parent)
    , m_model(new ConnectionsModel(this))
    , m_proxy(new SortProxy(this))
    , m_view(new QTableView(this))
    , m_summary(new QLabel(this))
    , m_show(new QPushButton(tr("&Show its pages"), this))
    , m_close(new QPushButton(tr("C&lose connection"), this))
    , m_timer(new QTimer(this)) {
    setObjectName(QStringLiteral("overviewPage"));
    auto* title = new QLabel(tr("<b>All connections</b>"), this);
    m_summary->setObjectName(QStringLiteral("overviewSummary"));
    m_summary->setWordWrap(true);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ConnectionsModel::SortRole);
    m_view->setObjectName(QStringLiteral("connectionsTable"));
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::AscendingOrder); // the order they were opened in
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_empty = std::make_unique<EmptyState>(m_view, [] {
        return tr("No connection is open. Type a server URL above and press Enter, or pick a "
                  "saved connection or a natscli context on the left; each one opens beside the "
                  "others.");
    });
    auto* newButton = new QPushButton(tr("&New connection"), this);
    newButton->setToolTip(tr("Open another connection beside these (Ctrl+T)"));
    m_show->setObjectName(QStringLiteral("overviewShow"));
    m_close->setObjectName(QStringLiteral("overviewClose"));
    m_close->setToolTip(tr("Disconnect and close this connection's pages; the others stay"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_show);
    buttons->addWidget(m_close);
    buttons->addStretch();
    buttons->addWidget(newButton);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);

    connect(m_view, &QTableView::activated, this, [this](const QModelIndex& index) {
        emit showRequested(index.data(ConnectionsModel::IdRole).toULongLong());
    });
    // One click on a connection's name goes there; the other cells select its row.
    connect(m_view, &QTableView::clicked, this, [this](const QModelIndex& index) {
        if (index.column() == ConnectionsModel::NameColumn)
            emit showRequested(index.data(ConnectionsModel::IdRole).toULongLong());
    });
    connect(m_show, &QPushButton::clicked, this, [this] {
        if (const quint64 id = selectedId())
            emit showRequested(id);
    });
    connect(m_close, &QPushButton::clicked, this, [this] {
        if (const quint64 id = selectedId())
            emit closeRequested(id);
    });
    connect(newButton, &QPushButton::clicked, this, &OverviewPage::newConnectionRequested);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &OverviewPage::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &OverviewPage::updateButtons);
    m_timer->setInterval(kRefreshMs);
    connect(m_timer, &QTimer::timeout, this, &OverviewPage::refresh);
    updateButtons();
}

OverviewPage::~OverviewPage() = default;

void OverviewPage::setSource(std::function<QList<ConnectionRow>()> source) {
    m_source = std::move(source);
    refresh();
}

void OverviewPage::refresh() {
    const QList<ConnectionRow> rows = m_source ? m_source() : QList<ConnectionRow>();
    m_model->update(rows);
    int connected = 0, failing = 0, unread = 0, critical = 0;
    for (const ConnectionRow& r : rows) {
        connected += r.state == ConnectionState::Connected;
        failing += r.state != ConnectionState::Connected && r.failed;
        unread += r.unreadErrors;
        critical += r.worst == metrics::BackpressureLevel::Critical;
    }
    QStringList parts;
    parts << tr("%n open", nullptr, int(rows.size())) << tr("%n connected", nullptr, connected);
    if (failing > 0)
        parts << tr("%n failing", nullptr, failing);
    if (critical > 0)
        parts << tr("%n with a consumer in CRITICAL backpressure", nullptr, critical);
    if (unread > 0)
        parts << tr("%n unread error(s)", nullptr, unread);
    m_summary->setText(rows.isEmpty() ? QString() : parts.join(QStringLiteral(" · ")));
    m_empty->update();
    updateButtons();
}

QString OverviewPage::summaryText() const {
    return m_summary->text();
}

quint64 OverviewPage::selectedId() const {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.first().data(ConnectionsModel::IdRole).toULongLong();
}

bool OverviewPage::select(quint64 id) {
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const QModelIndex index = m_proxy->index(row, 0);
        if (index.data(ConnectionsModel::IdRole).toULongLong() == id) {
            m_view->selectRow(row);
            return true;
        }
    }
    return false;
}

void OverviewPage::updateButtons() {
    const bool selected = selectedId() != 0;
    m_show->setEnabled(selected);
    m_close->setEnabled(selected);
}

void OverviewPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    m_timer->start();
}

void OverviewPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_timer->stop();
}

} // namespace jetdeck
