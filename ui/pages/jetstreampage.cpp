#include "jetstreampage.h"

#include "core/metrics/registry.h"
#include "ui/models/replicatablemodel.h"
#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace jetdeck {

namespace {
constexpr int kRefreshMs = 1000;

QString limitText(quint64 used, qint64 max, bool bytes) {
    const QString u = bytes ? format::bytes(qint64(used)) : format::count(used);
    if (max < 0)
        return QObject::tr("%1 (no limit)").arg(u);
    const QString m = bytes ? format::bytes(max) : format::count(quint64(max));
    return max > 0 ? QObject::tr("%1 of %2 (%3 %)")
                         .arg(u, m)
                         .arg(double(used) * 100.0 / double(max), 0, 'f', 0)
                   : QObject::tr("%1 of %2").arg(u, m);
}

QTableWidgetItem* item(const QString& text, ColorRole* color = nullptr) {
    auto* it = new QTableWidgetItem(text);
    if (color)
        it->setForeground(roleColor(*color));
    return it;
}
} // namespace

JetStreamPage::JetStreamPage(QWidget* parent)
    : SessionPage(parent)
    , m_model(new ReplicaTableModel(this))
    , m_filter(new ReplicaFilter(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<b>JetStream</b> — the meta group, every stream's and "
                                    "consumer's replicas, mirrors and sources"),
                                 this));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("jetStreamStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    m_account = new QLabel(this);
    m_account->setObjectName(QStringLiteral("accountLimits"));
    m_account->setWordWrap(true);
    m_account->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_account);

    auto* split = new QSplitter(Qt::Vertical, this);
    auto* upper = new QWidget(split);
    auto* upperLayout = new QVBoxLayout(upper);
    upperLayout->setContentsMargins(0, 0, 0, 0);
    m_metaTitle = new QLabel(upper);
    m_metaTitle->setObjectName(QStringLiteral("metaTitle"));
    m_metaTitle->setWordWrap(true);
    upperLayout->addWidget(m_metaTitle);
    m_meta = new QTableWidget(0, 8, upper);
    m_meta->setObjectName(QStringLiteral("metaGroup"));
    m_meta->setHorizontalHeaderLabels({tr("Server"), tr("Role"), tr("State"), tr("Last heard"),
                                       tr("Lag"), tr("JS memory"), tr("JS file"),
                                       tr("API req / err")});
    m_meta->verticalHeader()->hide();
    m_meta->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_meta->setSelectionMode(QAbstractItemView::NoSelection);
    m_meta->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_meta->horizontalHeader()->setStretchLastSection(true);
    upperLayout->addWidget(m_meta);
    split->addWidget(upper);

    auto* lower = new QWidget(split);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    m_text = new QLineEdit(lower);
    m_text->setObjectName(QStringLiteral("replicaFilter"));
    m_text->setPlaceholderText(tr("Filter: account, stream, consumer or server"));
    m_text->setClearButtonEnabled(true);
    m_onlyProblems = new QCheckBox(tr("Only &problems"), lower);
    m_onlyProblems->setObjectName(QStringLiteral("onlyProblems"));
    m_onlyProblems->setToolTip(tr("Only what is lagging, degraded or without a leader"));
    bar->addWidget(m_text, 1);
    bar->addWidget(m_onlyProblems);
    lowerLayout->addLayout(bar);
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(ReplicaTableModel::SortRole);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_filter->setFilterKeyColumn(-1);
    m_view = new QTableView(lower);
    m_view->setObjectName(QStringLiteral("replicas"));
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ReplicaTableModel::HealthColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    lowerLayout->addWidget(m_view);
    split->addWidget(lower);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    layout->addWidget(split, 1);

    connect(m_text, &QLineEdit::textChanged, m_filter,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_onlyProblems, &QCheckBox::toggled, m_filter, &ReplicaFilter::setOnlyProblems);
    addEmptyState(m_view, [this] {
        if (!connection())
            return notConnectedText();
        return tr("No replicas to show: every stream's and consumer's replicas come from the "
                  "servers' JetStream (JSZ) through the system account or --monitor; an "
                  "account without streams has none.");
    });
    addEmptyState(m_meta, [this] {
        return connection() ? tr("The meta group (the cluster's JetStream leader and its "
                                 "peers) shows here once the servers answer.")
                            : notConnectedText();
    });
    setRefreshInterval(kRefreshMs);
    refresh();
}

void JetStreamPage::attached() {
    connect(session(), &Session::jetStreamListed, this, &JetStreamPage::onListed);
    connect(session(), &Session::systemMonitorChanged, this, [this] {
        if (isShown())
            refresh();
    });
}

void JetStreamPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    SessionPage::connectionChanged(connection);
    m_listed = {};
    m_accountInfo.reset();
    m_listedAt = QDateTime();
    m_listError.clear();
    m_shownJsz = QDateTime();
    m_shownListing = QDateTime();
    showRows({});
}

void JetStreamPage::showEvent(QShowEvent* event) {
    // The meta group and every account's replicas come from the system monitor's JSZ rounds.
    if (session())
        session()->watchSystem();
    SessionPage::showEvent(event);
}

void JetStreamPage::setOnlyProblems(bool on) {
    m_onlyProblems->setChecked(on);
}

QString JetStreamPage::statusText() const {
    return m_status->text();
}

QString JetStreamPage::accountText() const {
    return m_account->text();
}

QString JetStreamPage::metaText() const {
    return m_metaTitle->text();
}

void JetStreamPage::onListed(const Result<js::JetStreamSnapshot>& snapshot) {
    if (!snapshot) {
        m_listError = snapshot.error().message;
        return;
    }
    m_listError.clear();
    // Judged when shown, and only without the system monitor's JSZ: kept as it came (shared).
    m_listed = snapshot.value();
    m_accountInfo = snapshot->account;
    m_listedAt = snapshot->taken;
    if (isShown())
        refresh();
}

void JetStreamPage::showAccount() {
    if (!m_accountInfo) {
        // A user of the system account usually has no JetStream of its own: that is no fault
        // when the page shows every account through it.
        sys::SystemMonitor* mon = session() ? session()->systemMonitor() : nullptr;
        const bool system = mon && mon->seesServers();
        m_account->setText(m_listError.isEmpty() ? QString()
                           : system ? tr("This connection's own account: %1 (the streams below are "
                                         "every account's, seen through the system account)")
                                          .arg(m_listError)
                                    : tr("This connection's account: %1").arg(m_listError));
        m_account->setStyleSheet(m_listError.isEmpty() || system ? QString()
                                                                 : textStyle(ColorRole::Bad));
        return;
    }
    const js::AccountInfo& a = *m_accountInfo;
    const auto near = [](quint64 used, qint64 max) {
        return max > 0 && double(used) >= 0.9 * double(max);
    };
    const bool full = near(a.memory, a.limits.maxMemory) || near(a.storage, a.limits.maxStorage) ||
                      near(quint64(a.streams), a.limits.maxStreams) ||
                      near(quint64(a.consumers), a.limits.maxConsumers);
    m_account->setText(
        tr("This connection's account%1: memory %2 · file %3 · streams %4 · consumers %5 · "
           "API %6 request(s), %7 error(s)")
            .arg(a.domain.isEmpty() ? QString() : tr(" (domain %1)").arg(a.domain))
            .arg(limitText(a.memory, a.limits.maxMemory, true))
            .arg(limitText(a.storage, a.limits.maxStorage, true))
            .arg(limitText(quint64(a.streams), a.limits.maxStreams, false))
            .arg(limitText(quint64(a.consumers), a.limits.maxConsumers, false))
            .arg(format::count(a.api.total), format::count(a.api.errors)));
    m_account->setStyleSheet(full ? textStyle(ColorRole::Warning) : QString());
}

void JetStreamPage::showMeta(const sys::JetStreamView& view) {
    const sys::MetaCluster& meta = view.meta;
    m_meta->setRowCount(0);
    if (meta.name.isEmpty()) {
        m_metaTitle->setText(view.at.isValid()
                                 ? tr("Meta group: none (JetStream is not clustered here).")
                                 : tr("Meta group: waiting for the servers' JSZ..."));
        m_metaTitle->setStyleSheet(QString());
        m_meta->setVisible(false);
        return;
    }
    m_meta->setVisible(true);
    const auto usageOf = [&](const QString& server) -> const sys::JetStreamUsage* {
        for (const auto& [name, usage] : view.usageByServer)
            if (name == server)
                return &usage;
        return nullptr;
    };
    struct Peer {
        QString name;
        bool leader;
        const js::PeerInfo* info;
    };
    QList<Peer> peers;
    if (!meta.leader.isEmpty())
        peers.append({meta.leader, true, nullptr});
    for (const js::PeerInfo& p : meta.replicas)
        peers.append({p.name, false, &p});
    m_meta->setRowCount(int(peers.size()));
    int offline = 0, behind = 0;
    for (int i = 0; i < peers.size(); ++i) {
        const Peer& p = peers[i];
        ColorRole color = ColorRole::Good;
        QString state = tr("current");
        if (p.info && p.info->offline) {
            color = ColorRole::Bad;
            state = tr("OFFLINE");
            ++offline;
        } else if (p.info && !p.info->current) {
            color = ColorRole::Warning;
            state = tr("behind");
            ++behind;
        }
        m_meta->setItem(i, 0, item(p.name));
        m_meta->setItem(i, 1, item(p.leader ? tr("leader") : tr("follower")));
        m_meta->setItem(i, 2, item(state, &color));
        m_meta->setItem(i, 3,
                        item(!p.info ? tr("(leader)")
                             : p.info->activeNs < 0
                                 ? tr("never")
                                 : tr("%1 ago").arg(format::duration(p.info->activeNs / 1000000))));
        m_meta->setItem(i, 4, item(p.info ? format::count(p.info->lag) : QStringLiteral("–")));
        if (const sys::JetStreamUsage* u = usageOf(p.name)) {
            m_meta->setItem(i, 5, item(format::bytes(qint64(u->memory))));
            m_meta->setItem(i, 6, item(format::bytes(qint64(u->storage))));
            m_meta->setItem(i, 7,
                            item(QStringLiteral("%1 / %2").arg(format::count(u->apiTotal),
                                                               format::count(u->apiErrors))));
        } else {
            for (int c = 5; c < 8; ++c)
                m_meta->setItem(i, c, item(QStringLiteral("–")));
        }
    }
    m_metaTitle->setText(
        tr("Meta group %1: leader %2 · %3 server(s) · %4 offline, %5 behind · as of %6")
            .arg(meta.name, meta.leader.isEmpty() ? tr("NONE") : meta.leader)
            .arg(meta.clusterSize)
            .arg(offline)
            .arg(behind)
            .arg(view.at.toString(QStringLiteral("HH:mm:ss"))));
    m_metaTitle->setStyleSheet(meta.leader.isEmpty() || offline > 0 ? textStyle(ColorRole::Bad)
                               : behind > 0                         ? textStyle(ColorRole::Warning)
                                                                    : QString());
}

void JetStreamPage::showRows(const QList<sys::ReplicaRow>& rows) {
    m_summary = sys::summarize(rows);
    m_streamCount = int(std::count_if(rows.cbegin(), rows.cend(), [](const sys::ReplicaRow& r) {
        return r.kind == sys::ReplicaRow::Kind::Stream;
    }));
    m_model->update(rows);
}

void JetStreamPage::refresh() {
    showAccount();
    sys::SystemMonitor* mon = session() ? session()->systemMonitor() : nullptr;
    if (!connection()) {
        m_status->setText(tr("Not connected: connect to a server with JetStream to see its "
                             "replicas (with a user of the system account: every account's, "
                             "and the meta group)."));
        m_status->setStyleSheet(QString());
        m_metaTitle->clear();
        m_meta->setRowCount(0);
        return;
    }
    const bool system = mon && mon->seesServers() && mon->jetStream().at.isValid();
    QString source;
    QDateTime at;
    if (system) {
        const sys::JetStreamView& view = mon->jetStream();
        if (view.at != m_shownJsz) {
            m_shownJsz = view.at;
            m_shownListing = QDateTime();
            // The session judged this round's assets already (for the metrics): read, not
            // judged again on the GUI thread.
            showRows(registry()->replicas());
        }
        showMeta(view);
        at = view.at;
        source = mon->access() == sys::Access::MonitorPorts
                     ? tr("every account, from each server's /jsz on its monitoring port, one "
                          "round every %1")
                           .arg(format::duration(qint64(mon->intervalMs()) * 5))
                     : tr("every account, from each server's JSZ through the system account, "
                          "one round every %1")
                           .arg(format::duration(qint64(mon->intervalMs()) * 5));
    } else {
        if (m_shownJsz.isValid() || m_shownListing != m_listedAt) {
            m_shownJsz = QDateTime();
            m_shownListing = m_listedAt;
            showRows(sys::replicaRows(m_listed));
        }
        at = m_listedAt;
        source = tr("this account only, from its STREAM.LIST and CONSUMER.LIST");
        m_meta->setRowCount(0);
        m_meta->setVisible(false);
        m_metaTitle->setText(mon && mon->access() == sys::Access::NoSystemUser
                                 ? tr("Meta group and other accounts: not seen. %1")
                                       .arg(session()->systemAccessHint())
                                 : tr("Meta group: waiting for the system account's answers..."));
        m_metaTitle->setStyleSheet(mon && mon->access() == sys::Access::NoSystemUser
                                       ? textStyle(ColorRole::Warning)
                                       : QString());
    }
    if (!at.isValid()) {
        m_status->setText(m_listError.isEmpty() ? tr("Listing JetStream...")
                                                : tr("JetStream: %1").arg(m_listError));
        m_status->setStyleSheet(m_listError.isEmpty() ? QString() : textStyle(ColorRole::Bad));
        return;
    }
    const int streams = m_streamCount;
    const sys::ReplicaSummary& s = m_summary;
    m_status->setText(tr("%1 stream(s), %2 consumer(s): %3 ok, %4 lagging, %5 degraded, %6 "
                         "without a leader · %7 · data %8 old")
                          .arg(streams)
                          .arg(m_model->rowCount() - streams)
                          .arg(s.ok)
                          .arg(s.lagging)
                          .arg(s.degraded)
                          .arg(s.noLeader)
                          .arg(source)
                          .arg(format::duration(at.msecsTo(QDateTime::currentDateTime()))));
    m_status->setStyleSheet(s.noLeader + s.degraded > 0 ? textStyle(ColorRole::Bad)
                            : s.lagging > 0             ? textStyle(ColorRole::Warning)
                                                        : QString());
}

} // namespace jetdeck
