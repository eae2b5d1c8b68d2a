#include "streamspage.h"

#include "core/jetstream/jetstream.h"
#include "core/metrics/registry.h"
#include "ui/dialogs/consumerdialog.h"
#include "ui/dialogs/streamdialog.h"
#include "ui/models/sortproxy.h"
#include "ui/widgets/background.h"
#include "ui/widgets/sparklinedelegate.h"
#include "ui/widgets/theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace jetdeck {

namespace {

QToolButton* toolButton(QWidget* parent, const QString& text, const QString& name) {
    auto* b = new QToolButton(parent);
    b->setText(text);
    b->setObjectName(name);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

} // namespace

StreamsPage::StreamsPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    auto* newStreamButton = toolButton(this, tr("New &stream..."), QStringLiteral("newStream"));
    m_newConsumerButton = toolButton(this, tr("New co&nsumer..."), QStringLiteral("newConsumer"));
    m_editButton = toolButton(this, tr("&Edit..."), QStringLiteral("edit"));
    m_deleteButton = toolButton(this, tr("&Delete..."), QStringLiteral("delete"));
    m_messagesButton = toolButton(this, tr("&Messages"), QStringLiteral("messages"));
    m_messagesButton->setToolTip(tr("Browse the stream's messages (read without a consumer)"));
    auto* refreshButton = toolButton(this, tr("&Refresh"), QStringLiteral("refresh"));
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("streamFilter"));
    m_filter->setPlaceholderText(tr("Filter streams and consumers"));
    m_filter->setClearButtonEnabled(true);
    for (QWidget* w :
         {static_cast<QWidget*>(newStreamButton), static_cast<QWidget*>(m_newConsumerButton),
          static_cast<QWidget*>(m_editButton), static_cast<QWidget*>(m_deleteButton),
          static_cast<QWidget*>(m_messagesButton), static_cast<QWidget*>(refreshButton)})
        bar->addWidget(w);
    bar->addStretch(1);
    bar->addWidget(m_filter);
    layout->addLayout(bar);

    m_model = new StreamTreeModel(this);
    m_proxy = new SortProxy(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(StreamTreeModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setRecursiveFilteringEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("streamTree"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(StreamTreeModel::NameColumn, Qt::AscendingOrder);
    m_view->setAlternatingRowColors(true);
    m_view->setUniformRowHeights(true);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(StreamTreeModel::SubjectsColumn, QHeaderView::Stretch);
    m_view->setColumnWidth(StreamTreeModel::NameColumn, 160);
    m_view->setColumnWidth(StreamTreeModel::TypeColumn, 150);
    for (int c = StreamTreeModel::MessagesColumn; c <= StreamTreeModel::WaitingColumn; ++c)
        m_view->setColumnWidth(c, 85);
    m_view->setColumnWidth(StreamTreeModel::BackpressureColumn, 90);
    m_view->setItemDelegateForColumn(StreamTreeModel::LagColumn,
                                     new SparklineDelegate(StreamTreeModel::SparklineRole, m_view));
    m_view->setColumnWidth(StreamTreeModel::LagColumn, 100);
    m_view->setColumnWidth(StreamTreeModel::LeaderColumn, 100);
    layout->addWidget(m_view, 1);
    // New streams and consumers show up expanded.
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex& parent, int first, int last) {
                if (!parent.isValid())
                    for (int r = first; r <= last; ++r)
                        m_view->expand(m_proxy->index(r, 0));
            });

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("streamsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    connect(newStreamButton, &QToolButton::clicked, this, [this] { newStream(); });
    connect(m_newConsumerButton, &QToolButton::clicked, this,
            [this] { newConsumer(selectedStream()); });
    connect(m_editButton, &QToolButton::clicked, this, [this] {
        if (!selectedConsumer().isEmpty())
            editConsumer(selectedStream(), selectedConsumer());
        else if (!selectedStream().isEmpty())
            editStream(selectedStream());
    });
    connect(m_deleteButton, &QToolButton::clicked, this, [this] {
        if (!selectedConsumer().isEmpty())
            deleteConsumer(selectedStream(), selectedConsumer());
        else if (!selectedStream().isEmpty())
            deleteStream(selectedStream());
    });
    connect(m_messagesButton, &QToolButton::clicked, this, [this] {
        if (!selectedStream().isEmpty())
            emit messagesRequested(selectedStream());
    });
    connect(refreshButton, &QToolButton::clicked, this, &StreamsPage::refresh);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &StreamsPage::updateActions);
    connect(m_view, &QTreeView::customContextMenuRequested, this, &StreamsPage::contextMenu);
    // A consumer opens in the consumer page; a stream opens its edit dialog.
    connect(m_view, &QTreeView::doubleClicked, this, [this] {
        const QString consumer = selectedConsumer();
        if (consumer.isEmpty())
            m_editButton->click();
        else
            emit consumerActivated(selectedStream(), consumer);
    });

    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        if (!m_listingError.isEmpty())
            return tr("No streams to show: %1").arg(m_listingError);
        if (m_refreshes == 0)
            return tr("Reading the account's streams ...");
        if (!m_filter->text().isEmpty())
            return tr("No stream or consumer matches '%1'.").arg(m_filter->text());
        return tr("No streams in this account yet: New stream... creates one (or jetdeck-cli "
                  "stream add).");
    });
    updateActions();
    setStatus(tr("Not connected"), false);
}

StreamsPage::~StreamsPage() = default;

void StreamsPage::attached() {
    connect(session(), &Session::jetStreamListed, this, &StreamsPage::apply);
}

void StreamsPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    m_model->clear();
    if (connection)
        showWaiting();
    else
        setStatus(tr("Not connected"), false);
    updateActions();
}

void StreamsPage::stateChanged(const SessionState& state) {
    if (state.state != ConnectionState::Connected)
        showWaiting();
}

void StreamsPage::showWaiting() {
    setStatus(tr("Waiting for the connection (%1)").arg(connectionStateName(sessionState().state)),
              false);
}

void StreamsPage::refresh() {
    if (session())
        session()->listJetStream();
}

void StreamsPage::apply(const Result<js::JetStreamSnapshot>& snapshot) {
    if (!snapshot) {
        m_listingError = snapshot.error().toString();
        setStatus(m_listingError, true);
        updateEmptyStates();
        return;
    }
    m_listingError.clear();
    m_model->update(snapshot.value());
    // The session gave the listing's numbers to the registry: backpressure and rates from there,
    // the lag sparkline from the last kLagReadings listings.
    QHash<QString, metrics::BackpressureStatus> statuses;
    QHash<QString, double> rates;
    for (const metrics::ConsumerMetrics& m : registry()->consumers()) {
        statuses.insert(m.stream + QLatin1Char('/') + m.consumer, m.backpressure);
        rates.insert(m.stream + QLatin1Char('/') + m.consumer, m.deliveriesPerSec);
    }
    m_model->setBackpressure(statuses);
    QHash<QString, QList<qreal>> lag;
    for (auto it = snapshot->consumers.cbegin(); it != snapshot->consumers.cend(); ++it)
        for (const js::ConsumerInfo& c : it.value()) {
            const QString key = it.key() + QLatin1Char('/') + c.name;
            QList<qreal> h = m_lag.value(key);
            h.append(qreal(c.numPending));
            if (h.size() > kLagReadings)
                h.remove(0, h.size() - kLagReadings);
            lag.insert(key, h);
        }
    m_lag = lag; // consumers that went away are forgotten
    m_model->setActivity(rates, m_lag);
    ++m_refreshes;
    int consumers = 0;
    for (const auto& list : snapshot->consumers)
        consumers += int(list.size());
    // How old the listing is and what it cost: with many streams the request budget stretches
    // the listing, and the table says so instead of looking live.
    QString cost = tr("%n request(s) in %1 s", nullptr, snapshot->requests)
                       .arg(double(snapshot->tookMs) / 1000.0, 0, 'f', 1);
    if (snapshot->throughSystem)
        cost = tr("one JSZ round through the system account: %1").arg(cost);
    else if (const js::JetStreamLister* lister = session()->lister();
             lister && snapshot->tookMs > session()->listInterval())
        cost +=
            tr(", slowed to %1 requests/s by the request budget").arg(lister->maxRate(), 0, 'f', 0);
    setStatus(tr("%n stream(s), ", nullptr, int(snapshot->streams.size())) +
                  tr("%n consumer(s) as of %1 (%2)", nullptr, consumers)
                      .arg(snapshot->taken.toString(QStringLiteral("HH:mm:ss")), cost),
              false);
    updateActions();
    updateEmptyStates();
    emit refreshed();
}

void StreamsPage::setStatus(const QString& text, bool error) {
    if (error)
        m_lastError = text;
    m_status->setText(text);
    m_status->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
}

QString StreamsPage::statusText() const {
    return m_status->text();
}

QString StreamsPage::selectedStream() const {
    const QModelIndex idx = m_proxy->mapToSource(m_view->currentIndex());
    return idx.isValid() ? idx.data(StreamTreeModel::StreamNameRole).toString() : QString();
}

QString StreamsPage::selectedConsumer() const {
    const QModelIndex idx = m_proxy->mapToSource(m_view->currentIndex());
    return idx.isValid() ? idx.data(StreamTreeModel::ConsumerNameRole).toString() : QString();
}

void StreamsPage::updateActions() {
    const bool connected = connection() != nullptr;
    const bool any = !selectedStream().isEmpty();
    m_newConsumerButton->setEnabled(connected && any);
    m_editButton->setEnabled(connected && any);
    m_deleteButton->setEnabled(connected && any);
    m_messagesButton->setEnabled(connected && any);
}

QStringList StreamsPage::streamNames() const {
    QStringList out;
    for (int r = 0; r < m_model->rowCount(); ++r)
        if (const js::StreamInfo* info = m_model->streamAt(m_model->index(r, 0)))
            out << info->config.name;
    return out;
}

QList<QPair<QString, QString>> StreamsPage::consumerList() const {
    QList<QPair<QString, QString>> out;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const QModelIndex streamIndex = m_model->index(r, 0);
        for (int c = 0; c < m_model->rowCount(streamIndex); ++c)
            if (const js::ConsumerInfo* info =
                    m_model->consumerAt(m_model->index(c, 0, streamIndex)))
                out.append({info->stream, info->name});
    }
    return out;
}

void StreamsPage::contextMenu(const QPoint& pos) {
    if (!connection())
        return;
    QMenu menu(this);
    const QString stream = selectedStream();
    const QString consumer = selectedConsumer();
    menu.addAction(tr("New stream..."), this, [this] { newStream(); });
    if (!stream.isEmpty()) {
        menu.addAction(tr("Browse messages of %1").arg(stream), this,
                       [this, stream] { emit messagesRequested(stream); });
        menu.addAction(tr("New consumer on %1...").arg(stream), this,
                       [this, stream] { newConsumer(stream); });
        menu.addSeparator();
        if (consumer.isEmpty()) {
            menu.addAction(tr("Edit stream %1...").arg(stream), this,
                           [this, stream] { editStream(stream); });
            menu.addAction(tr("Delete stream %1...").arg(stream), this,
                           [this, stream] { deleteStream(stream); });
        } else {
            menu.addAction(tr("Open consumer %1").arg(consumer), this,
                           [this, stream, consumer] { emit consumerActivated(stream, consumer); });
            menu.addAction(tr("Edit consumer %1...").arg(consumer), this,
                           [this, stream, consumer] { editConsumer(stream, consumer); });
            menu.addAction(tr("Delete consumer %1...").arg(consumer), this,
                           [this, stream, consumer] { deleteConsumer(stream, consumer); });
        }
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

// --- actions -----------------------------------------------------------------------------

StreamDialog* StreamsPage::newStream() {
    if (!connection())
        return nullptr;
    auto* dlg = new StreamDialog(this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &StreamDialog::submitted, this, [this, dlg](const js::StreamConfig& config) {
        dlg->setBusy(true);
        const bool editing = dlg->isEditing();
        runInBackground(
            dlg,
            [conn = connection(), js = session()->jetStream(), config, editing] {
                return editing ? js.updateStream(config) : js.addStream(config);
            },
            [this, dlg, editing](const Result<js::StreamInfo>& r) {
                if (!r) {
                    dlg->showServerError(r.error().toString());
                    emit actionFinished(false, r.error().toString());
                    return;
                }
                const QString msg = editing ? tr("Stream %1 updated").arg(r->config.name)
                                            : tr("Stream %1 created").arg(r->config.name);
                setStatus(msg, false);
                dlg->accept();
                refresh();
                emit actionFinished(true, msg);
            });
    });
    dlg->show();
    return dlg;
}

StreamDialog* StreamsPage::editStream(const QString& name) {
    const QModelIndex idx = m_model->indexOfStream(name);
    const js::StreamInfo* info = m_model->streamAt(idx);
    if (!info)
        return nullptr;
    StreamDialog* dlg = newStream();
    if (dlg)
        dlg->setConfig(info->config, true);
    return dlg;
}

ConsumerDialog* StreamsPage::newConsumer(const QString& stream) {
    if (!connection() || stream.isEmpty())
        return nullptr;
    auto* dlg = new ConsumerDialog(stream, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &ConsumerDialog::submitted, this, [this, dlg](const js::ConsumerConfig& config) {
        dlg->setBusy(true);
        const QString stream = dlg->stream();
        const bool editing = dlg->isEditing();
        runInBackground(
            dlg,
            [conn = connection(), js = session()->jetStream(), stream, config] {
                return js.addConsumer(stream, config);
            },
            [this, dlg, editing](const Result<js::ConsumerInfo>& r) {
                if (!r) {
                    dlg->showServerError(r.error().toString());
                    emit actionFinished(false, r.error().toString());
                    return;
                }
                const QString msg =
                    (editing ? tr("Consumer %1 on %2 updated") : tr("Consumer %1 on %2 created"))
                        .arg(r->name, r->stream);
                setStatus(msg, false);
                dlg->accept();
                refresh();
                emit actionFinished(true, msg);
            });
    });
    dlg->show();
    return dlg;
}

ConsumerDialog* StreamsPage::editConsumer(const QString& stream, const QString& consumer) {
    const QModelIndex s = m_model->indexOfStream(stream);
    for (int r = 0; r < m_model->rowCount(s); ++r) {
        const js::ConsumerInfo* c = m_model->consumerAt(m_model->index(r, 0, s));
        if (c && c->name == consumer) {
            ConsumerDialog* dlg = newConsumer(stream);
            if (dlg)
                dlg->setConfig(c->config, true);
            return dlg;
        }
    }
    return nullptr;
}

void StreamsPage::deleteStream(const QString& name, bool confirmed) {
    if (!connection())
        return;
    if (!confirmed &&
        QMessageBox::warning(this, tr("Delete stream"),
                             tr("Delete stream %1 with all its messages and consumers?").arg(name),
                             QMessageBox::Yes | QMessageBox::Cancel,
                             QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    runInBackground(
        this,
        [conn = connection(), js = session()->jetStream(), name] { return js.deleteStream(name); },
        [this, name](const Status& s) {
            const QString msg = !s.ok() ? s.toString() : tr("Stream %1 deleted").arg(name);
            setStatus(msg, !s.ok());
            refresh();
            emit actionFinished(s.ok(), msg);
        });
}

void StreamsPage::deleteConsumer(const QString& stream, const QString& consumer, bool confirmed) {
    if (!connection())
        return;
    if (!confirmed &&
        QMessageBox::warning(
            this, tr("Delete consumer"),
            tr("Delete consumer %1 on %2? Its delivery state is lost.").arg(consumer, stream),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    runInBackground(
        this,
        [conn = connection(), js = session()->jetStream(), stream, consumer] {
            return js.deleteConsumer(stream, consumer);
        },
        [this, stream, consumer](const Status& s) {
            const QString msg =
                !s.ok() ? s.toString() : tr("Consumer %1 on %2 deleted").arg(consumer, stream);
            setStatus(msg, !s.ok());
            refresh();
            emit actionFinished(s.ok(), msg);
        });
}

} // namespace jetdeck
