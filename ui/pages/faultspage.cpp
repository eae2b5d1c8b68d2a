#include "faultspage.h"
#include "ui/widgets/confirm.h"

#include "core/client/serverurl.h"
#include "core/demo/demosession.h"
#include "ui/models/toxicsmodel.h"
#include "ui/widgets/format.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace jetdeck {

using faults::Direction;
using faults::FaultKind;
using faults::FaultSpec;
using faults::Toxic;
using faults::ToxicKind;

namespace {

/// The name of the page's proxy_down fault.
const QString kProxyDown = QStringLiteral("proxy_down");

} // namespace

FaultsPage::FaultsPage(QWidget* parent)
    : SessionPage(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<b>Faults</b> — on demand, with their effects on every "
                                    "other page and in the log"),
                                 this));

    auto* net = new QGroupBox(tr("Network: a fault proxy in front of the server"), this);
    auto* netLayout = new QVBoxLayout(net);
    auto* proxyRow = new QHBoxLayout;
    m_proxyLabel = new QLabel(tr("No proxy: the console talks to the server directly."), net);
    m_proxyLabel->setObjectName(QStringLiteral("proxyLabel"));
    m_proxyLabel->setWordWrap(true);
    m_proxyButton = new QPushButton(tr("Route through a fault proxy"), net);
    m_proxyButton->setObjectName(QStringLiteral("proxyButton"));
    m_down = new QCheckBox(tr("Proxy down (refuse and drop connections)"), net);
    m_down->setObjectName(QStringLiteral("down"));
    proxyRow->addWidget(m_proxyLabel, 1);
    proxyRow->addWidget(m_down);
    proxyRow->addWidget(m_proxyButton);
    netLayout->addLayout(proxyRow);

    auto* form = new QHBoxLayout;
    m_type = new QComboBox(net);
    m_type->setObjectName(QStringLiteral("toxicType"));
    for (ToxicKind k : {ToxicKind::Latency, ToxicKind::Bandwidth, ToxicKind::Timeout,
                        ToxicKind::ResetPeer, ToxicKind::Slicer, ToxicKind::LimitData})
        m_type->addItem(faults::toxicKindName(k), int(k));
    m_direction = new QComboBox(net);
    m_direction->addItem(tr("server → client"), int(Direction::Downstream));
    m_direction->addItem(tr("client → server"), int(Direction::Upstream));
    m_direction->addItem(tr("both ways"), int(Direction::Both));
    m_value = new QSpinBox(net);
    m_value->setObjectName(QStringLiteral("toxicValue"));
    m_value->setRange(0, 100'000'000);
    m_jitter = new QSpinBox(net);
    m_jitter->setRange(0, 600000);
    m_jitter->setPrefix(tr("± "));
    m_jitter->setSuffix(tr(" ms"));
    m_toxicity = new QDoubleSpinBox(net);
    m_toxicity->setRange(0, 100);
    m_toxicity->setValue(100);
    m_toxicity->setSuffix(tr(" % of connections"));
    m_add = new QPushButton(tr("Add toxic"), net);
    m_add->setObjectName(QStringLiteral("addToxic"));
    m_remove = new QPushButton(tr("Remove"), net);
    for (QWidget* w : std::initializer_list<QWidget*>{m_type, m_direction, m_value, m_jitter,
                                                      m_toxicity, m_add, m_remove})
        form->addWidget(w);
    form->addStretch(1);
    netLayout->addLayout(form);

    m_toxics = new ToxicsModel(this);
    m_table = new QTableView(net);
    m_table->setObjectName(QStringLiteral("toxics"));
    m_table->setModel(m_toxics);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    netLayout->addWidget(m_table, 1);
    layout->addWidget(net, 1);

    auto* client = new QGroupBox(tr("Client"), this);
    auto* clientLayout = new QHBoxLayout(client);
    m_disconnect = new QPushButton(tr("Force a disconnect"), client);
    m_disconnect->setObjectName(QStringLiteral("forceDisconnect"));
    clientLayout->addWidget(m_disconnect);
    m_stallSeconds = new QSpinBox(client);
    m_stallSeconds->setRange(1, 600);
    m_stallSeconds->setValue(5);
    m_stallSeconds->setSuffix(tr(" s"));
    m_stall = new QPushButton(tr("Stall reading"), client);
    m_stall->setObjectName(QStringLiteral("stallReading"));
    m_stall->setToolTip(tr("Stops reading the socket: the server sees a slow consumer"));
    m_garbage = new QPushButton(tr("Send a malformed line"), client);
    m_garbage->setObjectName(QStringLiteral("malformedLine"));
    m_garbage->setToolTip(tr("The server answers -ERR and closes; the client reconnects"));
    clientLayout->addWidget(m_stallSeconds);
    clientLayout->addWidget(m_stall);
    clientLayout->addWidget(m_garbage);
    clientLayout->addStretch(1);
    layout->addWidget(client);

    auto* server = new QGroupBox(tr("Servers the console started (the demo)"), this);
    auto* serverLayout = new QHBoxLayout(server);
    m_servers = new QComboBox(server);
    m_servers->setObjectName(QStringLiteral("servers"));
    m_kill = new QPushButton(tr("Kill -9"), server);
    m_kill->setObjectName(QStringLiteral("kill"));
    m_restart = new QPushButton(tr("Restart"), server);
    m_restart->setObjectName(QStringLiteral("restart"));
    m_ldm = new QPushButton(tr("Lame duck mode"), server);
    m_ldm->setObjectName(QStringLiteral("lameDuck"));
    for (QWidget* w : std::initializer_list<QWidget*>{m_servers, m_kill, m_restart, m_ldm})
        serverLayout->addWidget(w);
    serverLayout->addStretch(1);
    layout->addWidget(server);

    auto* jsBox = new QGroupBox(tr("JetStream: consumers and leaders"), this);
    auto* jsLayout = new QHBoxLayout(jsBox);
    m_jsStream = new QComboBox(jsBox);
    m_jsStream->setObjectName(QStringLiteral("jsStream"));
    m_jsStream->setEditable(true);
    m_jsStream->setPlaceholderText(tr("stream"));
    m_jsStream->setMinimumContentsLength(10);
    m_jsConsumer = new QComboBox(jsBox);
    m_jsConsumer->setObjectName(QStringLiteral("jsConsumer"));
    m_jsConsumer->setEditable(true);
    m_jsConsumer->setMinimumContentsLength(10);
    m_jsCount = new QSpinBox(jsBox);
    m_jsCount->setObjectName(QStringLiteral("jsCount"));
    m_jsCount->setRange(1, 10000);
    m_jsCount->setValue(20);
    m_jsCount->setSuffix(tr(" msgs"));
    m_withhold = new QPushButton(tr("Withhold acks"), jsBox);
    m_withhold->setObjectName(QStringLiteral("withholdAcks"));
    m_withhold->setToolTip(tr("Take N messages from the pull consumer and never answer: the "
                              "server redelivers them when AckWait runs out"));
    m_nakBurst = new QPushButton(tr("NAK burst"), jsBox);
    m_nakBurst->setObjectName(QStringLiteral("nakBurst"));
    m_nakBurst->setToolTip(tr("Take N messages and NAK them all at once"));
    m_term = new QPushButton(tr("Term"), jsBox);
    m_term->setObjectName(QStringLiteral("term"));
    m_term->setToolTip(tr("Take N messages and terminate them: never redelivered"));
    m_streamStepDown = new QPushButton(tr("Stream leader step-down"), jsBox);
    m_streamStepDown->setObjectName(QStringLiteral("streamStepDown"));
    m_consumerStepDown = new QPushButton(tr("Consumer leader step-down"), jsBox);
    m_consumerStepDown->setObjectName(QStringLiteral("consumerStepDown"));
    jsLayout->addWidget(new QLabel(tr("Stream"), jsBox));
    jsLayout->addWidget(m_jsStream);
    jsLayout->addWidget(new QLabel(tr("Consumer"), jsBox));
    jsLayout->addWidget(m_jsConsumer);
    for (QWidget* w : std::initializer_list<QWidget*>{m_jsCount, m_withhold, m_nakBurst, m_term,
                                                      m_streamStepDown, m_consumerStepDown})
        jsLayout->addWidget(w);
    jsLayout->addStretch(1);
    layout->addWidget(jsBox);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    m_injector = new faults::FaultInjector(this);
    m_injector->setReason(QStringLiteral("the faults page"));
    connect(m_injector, &faults::FaultInjector::faultEvent, this, &FaultsPage::faultEvent);
    connect(m_proxyButton, &QPushButton::clicked, this, [this] {
        if (proxy())
            stopProxy();
        else
            startProxy();
    });
    connect(m_down, &QCheckBox::toggled, this, &FaultsPage::setProxyDown);
    connect(m_type, &QComboBox::currentIndexChanged, this, &FaultsPage::updateForm);
    connect(m_add, &QPushButton::clicked, this, &FaultsPage::addFromForm);
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (const QString name = m_toxics->nameAt(m_table->currentIndex().row()); !name.isEmpty())
            removeToxic(name);
    });
    connect(m_toxics, &ToxicsModel::enabledChangeRequested, this, &FaultsPage::setToxicEnabled);
    connect(m_disconnect, &QPushButton::clicked, this, &FaultsPage::forceDisconnect);
    connect(m_stall, &QPushButton::clicked, this,
            [this] { stallReading(m_stallSeconds->value()); });
    connect(m_garbage, &QPushButton::clicked, this, &FaultsPage::sendMalformedLine);
    connect(m_kill, &QPushButton::clicked, this, [this] {
        if (Status s = killServer(m_servers->currentIndex()); !s.ok())
            setStatus(s.toString(), true);
    });
    connect(m_restart, &QPushButton::clicked, this, [this] {
        if (Status s = restartServer(m_servers->currentIndex()); !s.ok())
            setStatus(s.toString(), true);
    });
    connect(m_ldm, &QPushButton::clicked, this, [this] {
        if (Status s = lameDuck(m_servers->currentIndex()); !s.ok())
            setStatus(s.toString(), true);
    });
    auto consumerFault = [this](faults::ConsumerFaultKind kind) {
        faults::ConsumerFault f;
        f.kind = kind;
        f.stream = m_jsStream->currentText().trimmed();
        f.consumer = m_jsConsumer->currentText().trimmed();
        f.count = m_jsCount->value();
        injectConsumerFault(f);
    };
    connect(m_withhold, &QPushButton::clicked, this,
            [consumerFault] { consumerFault(faults::ConsumerFaultKind::WithholdAcks); });
    connect(m_nakBurst, &QPushButton::clicked, this,
            [consumerFault] { consumerFault(faults::ConsumerFaultKind::NakBurst); });
    connect(m_term, &QPushButton::clicked, this,
            [consumerFault] { consumerFault(faults::ConsumerFaultKind::Term); });
    connect(m_streamStepDown, &QPushButton::clicked, this,
            [this] { stepDownLeader(m_jsStream->currentText().trimmed()); });
    connect(m_consumerStepDown, &QPushButton::clicked, this, [this] {
        stepDownLeader(m_jsStream->currentText().trimmed(), m_jsConsumer->currentText().trimmed());
    });
    addEmptyState(m_table, [this] {
        return connection() ? tr("No fault active. Choose one above (latency, a cut, a slow "
                                 "link...) and Add: it applies between JetDeck and the server.")
                            : notConnectedText();
    });
    setRefreshInterval(1000);
    updateForm();
    updateServers();
    refresh();
}

FaultsPage::~FaultsPage() = default;

void FaultsPage::connectionChanged(const std::shared_ptr<ConnectionThread>& connection) {
    m_conn = connection;
    m_injector->setConnection(m_conn ? m_conn->connection() : nullptr, m_conn);
    refresh();
}

void FaultsPage::setDemo(DemoSession* demo) {
    m_demo = demo;
    m_injector->setServers(m_demo ? m_demo->servers() : QList<NatsServerProcess*>());
    updateServers();
}

faults::FaultProxyThread* FaultsPage::proxy() const {
    return m_injector->proxy();
}

void FaultsPage::updateServers() {
    m_servers->clear();
    if (m_demo)
        for (NatsServerProcess* p : m_demo->servers())
            m_servers->addItem(QStringLiteral("%1 (%2)").arg(p->name(), p->url()));
    const bool any = m_servers->count() > 0;
    for (QWidget* w : std::initializer_list<QWidget*>{m_servers, m_kill, m_restart, m_ldm})
        w->setEnabled(any);
    if (!any)
        m_servers->addItem(tr("none: start the console with --demo"));
}

void FaultsPage::updateForm() {
    const auto kind = ToxicKind(m_type->currentData().toInt());
    m_jitter->setVisible(kind == ToxicKind::Latency);
    switch (kind) {
    case ToxicKind::Latency:
        m_value->setSuffix(tr(" ms"));
        m_value->setValue(100);
        break;
    case ToxicKind::Bandwidth:
        m_value->setSuffix(tr(" KiB/s"));
        m_value->setValue(64);
        break;
    case ToxicKind::Timeout:
        m_value->setSuffix(tr(" ms, then close (0: never)"));
        m_value->setValue(0);
        break;
    case ToxicKind::ResetPeer:
        m_value->setSuffix(tr(" ms, then reset"));
        m_value->setValue(0);
        break;
    case ToxicKind::Slicer:
        m_value->setSuffix(tr(" bytes a slice"));
        m_value->setValue(16);
        break;
    case ToxicKind::LimitData:
        m_value->setSuffix(tr(" bytes, then close"));
        m_value->setValue(100000);
        break;
    }
}

void FaultsPage::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

QString FaultsPage::statusText() const {
    return m_status->text();
}

bool FaultsPage::startProxy() {
    if (proxy())
        return true;
    if (!m_conn || !m_conn->connection()->isConnected()) {
        setStatus(tr("Connect to a server first: the proxy goes in front of the one in use."),
                  true);
        return false;
    }
    const QString server = m_conn->connection()->currentServer(); // host:port
    auto upstream = parseServerUrl(server);
    if (!upstream) {
        setStatus(upstream.error().toString(), true);
        return false;
    }
    if (Status s = m_injector->startProxy(upstream.value()); !s.ok()) {
        setStatus(s.toString(), true);
        return false;
    }
    const QString url = m_injector->proxyUrl();
    m_proxyLabel->setText(tr("Proxy %1 → %2").arg(url, server));
    m_proxyButton->setText(tr("Stop the proxy, back to the server"));
    emit faultEvent(tr("fault proxy %1 in front of %2 started").arg(url, server), true);
    emit routeThroughProxy(url);
    setStatus(tr("The console now connects through the proxy; add toxics below."), false);
    refresh();
    return true;
}

void FaultsPage::stopProxy() {
    if (!proxy())
        return;
    const QString url = m_injector->proxyUrl();
    m_injector->stopProxy();
    {
        const QSignalBlocker block(m_down);
        m_down->setChecked(false);
    }
    m_proxyLabel->setText(tr("No proxy: the console talks to the server directly."));
    m_proxyButton->setText(tr("Route through a fault proxy"));
    emit faultEvent(tr("fault proxy %1 stopped; every toxic ended").arg(url), false);
    emit routeDirect();
    refresh();
}

void FaultsPage::addFromForm() {
    Toxic t;
    t.kind = ToxicKind(m_type->currentData().toInt());
    t.direction = Direction(m_direction->currentData().toInt());
    t.toxicity = m_toxicity->value() / 100.0;
    const int v = m_value->value();
    switch (t.kind) {
    case ToxicKind::Latency:
        t.latencyMs = v;
        t.jitterMs = m_jitter->value();
        break;
    case ToxicKind::Bandwidth:
        t.rateBytesPerSec = qint64(v) * 1024;
        break;
    case ToxicKind::Timeout:
    case ToxicKind::ResetPeer:
        t.timeoutMs = v;
        break;
    case ToxicKind::Slicer:
        t.sliceBytes = qMax(1, v);
        t.sliceVariation = t.sliceBytes / 4;
        t.sliceDelayUs = 100;
        break;
    case ToxicKind::LimitData:
        t.limitBytes = v;
        break;
    }
    // A name per kind and direction, numbered when there are several.
    const QString base =
        faults::toxicKindName(t.kind) + QLatin1Char('_') + faults::directionName(t.direction);
    t.name = base;
    for (int n = 2; m_injector->isActive(t.name); ++n)
        t.name = base + QLatin1Char('_') + QString::number(n);
    if (Status s = addToxic(t); !s.ok())
        setStatus(s.toString(), true);
}

Status FaultsPage::addToxic(const Toxic& toxic) {
    if (!proxy())
        return Error{ErrorKind::InvalidArgument,
                     tr("Route the console through a fault proxy first.")};
    FaultSpec spec;
    spec.kind = FaultKind::Toxic;
    spec.name = toxic.name;
    spec.toxic = toxic;
    if (auto r = m_injector->start(spec); !r)
        return r.error();
    setStatus(tr("Toxic %1 added.").arg(toxic.name), false);
    refresh();
    return {};
}

void FaultsPage::setToxicEnabled(const QString& name, bool enabled) {
    m_injector->setToxicEnabled(name, enabled);
    refresh();
}

void FaultsPage::removeToxic(const QString& name) {
    m_injector->clear(name);
    refresh();
}

void FaultsPage::setProxyDown(bool down) {
    if (!proxy()) {
        if (down) {
            const QSignalBlocker block(m_down);
            m_down->setChecked(false);
            setStatus(tr("Route the console through a fault proxy first."), true);
        }
        return;
    }
    if (down && !m_injector->isActive(kProxyDown)) {
        FaultSpec spec;
        spec.kind = FaultKind::ProxyDown;
        spec.name = kProxyDown;
        if (auto r = m_injector->start(spec); !r)
            setStatus(r.error().toString(), true);
    } else if (!down) {
        m_injector->clear(kProxyDown);
    }
    if (m_down->isChecked() != down) {
        const QSignalBlocker block(m_down);
        m_down->setChecked(down);
    }
}

bool FaultsPage::startClientFault(FaultKind kind, qint64 durationMs) {
    if (!m_conn) {
        setStatus(tr("Not connected."), true);
        return false;
    }
    FaultSpec spec;
    spec.kind = kind;
    spec.name = faults::faultKindName(kind);
    spec.durationMs = durationMs;
    if (auto r = m_injector->start(spec); !r) {
        setStatus(r.error().toString(), true);
        return false;
    }
    return true;
}

void FaultsPage::forceDisconnect() {
    startClientFault(FaultKind::Disconnect);
}

void FaultsPage::stallReading(int seconds) {
    startClientFault(FaultKind::StallReading, qint64(seconds) * 1000);
}

void FaultsPage::sendMalformedLine() {
    if (!m_conn || !m_conn->connection()->isConnected()) {
        setStatus(tr("Not connected."), true);
        return;
    }
    startClientFault(FaultKind::MalformedLine);
}

Status FaultsPage::serverFault(FaultKind kind, int index) {
    // The demo's servers as they are now (the demo may be gone).
    const QList<NatsServerProcess*> servers =
        m_demo ? m_demo->servers() : QList<NatsServerProcess*>();
    m_injector->setServers(servers);
    if (index < 0 || index >= servers.size())
        return Error{ErrorKind::InvalidArgument, tr("no such server the console started")};
    FaultSpec spec;
    spec.kind = kind;
    spec.server = index + 1;
    // One name per server, so that killing a second one does not end the first kill.
    spec.name = spec.title();
    auto r = m_injector->start(spec);
    if (!r)
        return r.error();
    const QString name = servers[index]->name();
    switch (kind) {
    case FaultKind::KillServer:
        setStatus(tr("%1 killed; Restart brings it back with its store.").arg(name), false);
        break;
    case FaultKind::RestartServer:
        setStatus(tr("%1 is running again.").arg(name), false);
        break;
    default:
        setStatus(tr("%1 is shutting down gracefully; Restart brings it back.").arg(name), false);
    }
    return {};
}

Status FaultsPage::killServer(int index) {
    return serverFault(FaultKind::KillServer, index);
}

Status FaultsPage::restartServer(int index) {
    return serverFault(FaultKind::RestartServer, index);
}

Status FaultsPage::lameDuck(int index) {
    return serverFault(FaultKind::LameDuck, index);
}

void FaultsPage::setJetStreamTarget(const QString& stream, const QString& consumer) {
    m_jsStream->setCurrentText(stream);
    m_jsConsumer->setCurrentText(consumer);
}

bool FaultsPage::injectConsumerFault(const faults::ConsumerFault& fault) {
    if (fault.stream.isEmpty() || fault.consumer.isEmpty()) {
        setStatus(tr("Name the stream and the pull consumer to misbehave on."), true);
        return false;
    }
    return runJetStreamFault(faults::consumerFaultSpec(fault));
}

bool FaultsPage::stepDownLeader(const QString& stream, const QString& consumer) {
    if (stream.isEmpty()) {
        setStatus(tr("Name the stream whose leader should step down."), true);
        return false;
    }
    FaultSpec spec;
    spec.kind =
        consumer.isEmpty() ? FaultKind::StreamLeaderStepDown : FaultKind::ConsumerLeaderStepDown;
    spec.stream = stream;
    spec.consumer = consumer;
    return runJetStreamFault(spec);
}

bool FaultsPage::runJetStreamFault(FaultSpec spec) {
    spec.name = spec.title();
    const QString label = spec.title();
    if (!m_conn || !m_conn->connection()->isConnected()) {
        setStatus(tr("Not connected."), true);
        return false;
    }
    if (m_jsBusy) {
        setStatus(tr("A JetStream fault is still running."), true);
        return false;
    }
    // The demo's streams are JetDeck's own; anything else is somebody's data.
    if (!m_demo &&
        !Confirm::destructive(
            this, tr("JetStream fault on a live system"),
            tr("%1\n\nThis acts on a stream or consumer of %2, which JetDeck did not set up: "
               "messages taken now are NAKed, terminated or redelivered late to the real "
               "workers, a leader step-down moves the leader. Go ahead?")
                .arg(label, m_conn->connection()->currentServer()))) {
        setStatus(tr("%1: not done.").arg(label), false);
        return false;
    }
    m_jsBusy = true;
    refresh();
    setStatus(label + tr(" ..."), false);
    // The page owns the injector: when the page goes, the outcome is dropped.
    m_injector->startInBackground(spec, [this, label](const Result<faults::FaultOutcome>& r) {
        m_jsBusy = false;
        refresh();
        if (!r) {
            const QString text = tr("%1 failed: %2").arg(label, r.error().toString());
            setStatus(text, true);
            emit jetStreamFaultDone(false, text);
            return;
        }
        setStatus(r.value().what, false);
        emit jetStreamFaultDone(true, r.value().what);
    });
    return true;
}

void FaultsPage::refresh() {
    const bool proxied = proxy() != nullptr;
    for (QWidget* w : std::initializer_list<QWidget*>{m_withhold, m_nakBurst, m_term,
                                                      m_streamStepDown, m_consumerStepDown})
        w->setEnabled(m_conn != nullptr && !m_jsBusy);
    for (QWidget* w : std::initializer_list<QWidget*>{m_add, m_remove, m_down, m_table})
        w->setEnabled(proxied);
    for (QWidget* w : std::initializer_list<QWidget*>{m_disconnect, m_stall, m_garbage})
        w->setEnabled(m_conn != nullptr);
    if (!proxied) {
        m_toxics->update({});
        return;
    }
    // One trip to the proxy's thread for every counter (the GUI thread waits for it).
    QList<ToxicRow> rows;
    faults::ProxyStats ps;
    proxy()->call([&](faults::FaultProxy& p) {
        for (const Toxic& t : p.toxics())
            rows << ToxicRow{t, p.toxicStats(t.name)};
        ps = p.stats();
    });
    m_toxics->update(rows);
    m_proxyLabel->setText(
        tr("Proxy %1: %2 open connection(s), %3 up, %4 down%5")
            .arg(m_injector->proxyUrl())
            .arg(ps.connectionsOpen)
            .arg(format::bytes(qint64(ps.bytesUpstream)), format::bytes(qint64(ps.bytesDownstream)),
                 ps.refused > 0 ? tr(", %1 refused").arg(ps.refused) : QString()));
}

} // namespace jetdeck
