#include "connectionsidebar.h"

#include "core/client/connectoptions.h"
#include "ui/connections/connectiondialog.h"
#include "ui/widgets/statebadge.h"
#include "ui/widgets/theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace jetdeck {

namespace {

constexpr int KeyRole = Qt::UserRole + 1;

QString savedKey(const QString& name) {
    return QStringLiteral("saved:") + name;
}
QString contextKey(const QString& name) {
    return QStringLiteral("context:") + name;
}

} // namespace

ConnectionSidebar::ConnectionSidebar(std::unique_ptr<SecretStore> secrets, QWidget* parent)
    : QWidget(parent)
    , m_secrets(std::move(secrets))
    , m_contextDir(natsContextDir()) {
    m_prompt = [this](const QString& what) -> std::optional<QString> {
        bool ok = false;
        const QString s =
            QInputDialog::getText(this, tr("Connect"), what, QLineEdit::Password, QString(), &ok);
        return ok ? std::optional<QString>(s) : std::nullopt;
    };
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("connections"));
    m_tree->setHeaderHidden(true);
    m_tree->setRootIsDecorated(false);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_savedRoot = new QTreeWidgetItem(m_tree, {tr("Saved connections")});
    m_contextRoot = new QTreeWidgetItem(m_tree, {tr("natscli contexts")});
    for (QTreeWidgetItem* root : {m_savedRoot, m_contextRoot}) {
        root->setFlags(Qt::ItemIsEnabled);
        QFont f = m_tree->font();
        f.setBold(true);
        root->setFont(0, f);
    }
    layout->addWidget(m_tree, 1);
    auto* buttons = new QHBoxLayout;
    buttons->setSpacing(2);
    m_connect = new QPushButton(tr("Connect"), this);
    m_connect->setObjectName(QStringLiteral("connect"));
    m_disconnect = new QPushButton(tr("Disconnect"), this);
    m_new = new QPushButton(tr("New..."), this);
    m_edit = new QPushButton(tr("Edit..."), this);
    m_delete = new QPushButton(tr("Delete"), this);
    for (QPushButton* b : {m_connect, m_disconnect})
        buttons->addWidget(b);
    layout->addLayout(buttons);
    auto* buttons2 = new QHBoxLayout;
    buttons2->setSpacing(2);
    for (QPushButton* b : {m_new, m_edit, m_delete})
        buttons2->addWidget(b);
    layout->addLayout(buttons2);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    m_status->hide(); // until there is something to say
    layout->addWidget(m_status);
    // Where secrets go, in one line; what it means on demand.
    m_keyring = new QLabel(this);
    m_keyring->setObjectName(QStringLiteral("keyring"));
    m_keyring->setTextFormat(Qt::RichText);
    m_keyring->setTextInteractionFlags(Qt::LinksAccessibleByMouse);
    const bool keyring = m_secrets->isAvailable();
    const QString details =
        keyring ? tr("Passwords and tokens of saved connections are kept in %1, never in the "
                     "settings file.")
                      .arg(m_secrets->description())
                : tr("%1: passwords and tokens are not saved. JetDeck keeps paths to credential "
                     "files and asks for a password when it connects.")
                      .arg(m_secrets->description());
    m_keyring->setText(
        (keyring ? tr("Secrets: system keyring") : tr("Secrets: not saved (no keyring)")) +
        QStringLiteral(" <a href=\"#\">%1</a>").arg(tr("why?")));
    m_keyring->setToolTip(details);
    connect(m_keyring, &QLabel::linkActivated, this,
            [this, details] { QMessageBox::information(this, tr("Where secrets go"), details); });
    layout->addWidget(m_keyring);

    connect(m_tree, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        const QString key = item->data(0, KeyRole).toString();
        if (!key.isEmpty())
            connectTo(key);
    });
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &ConnectionSidebar::updateButtons);
    connect(m_tree, &QTreeWidget::customContextMenuRequested, this,
            &ConnectionSidebar::contextMenu);
    connect(m_connect, &QPushButton::clicked, this, [this] {
        if (!selectedKey().isEmpty())
            connectTo(selectedKey());
    });
    connect(m_disconnect, &QPushButton::clicked, this,
            [this] { emit disconnectRequested(disconnectKey()); });
    connect(m_new, &QPushButton::clicked, this, [this] { newConnection()->open(); });
    connect(m_edit, &QPushButton::clicked, this, [this] {
        const QString key = selectedKey();
        if (key.startsWith(QLatin1String("saved:")))
            editConnection(key.mid(6))->open();
        else if (key.startsWith(QLatin1String("context:")))
            saveContextAs(key.mid(8))->open();
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QString key = selectedKey();
        if (key.startsWith(QLatin1String("saved:")))
            deleteConnection(key.mid(6));
    });
    reload();
}

QString ConnectionSidebar::keyringText() const {
    return m_keyring->text() + QLatin1Char('\n') + m_keyring->toolTip();
}

ConnectionSidebar::~ConnectionSidebar() = default;

void ConnectionSidebar::setContextDir(const QString& dir) {
    m_contextDir = dir;
    reload();
}

void ConnectionSidebar::setSecretPrompt(
    std::function<std::optional<QString>(const QString&)> prompt) {
    m_prompt = std::move(prompt);
}

void ConnectionSidebar::reload() {
    const QString selected = selectedKey();
    QSettings settings;
    m_saved = loadSavedConnections(settings);
    qDeleteAll(m_savedRoot->takeChildren());
    qDeleteAll(m_contextRoot->takeChildren());
    for (const SavedConnection& c : std::as_const(m_saved)) {
        auto* item = new QTreeWidgetItem(m_savedRoot, {c.name});
        item->setData(0, KeyRole, savedKey(c.name));
        item->setToolTip(0, QStringLiteral("%1\n%2").arg(c.urls, authKindName(c.auth)));
    }
    for (const QString& name : listNatsContexts(m_contextDir)) {
        auto* item = new QTreeWidgetItem(m_contextRoot, {name});
        item->setData(0, KeyRole, contextKey(name));
        auto ctx = loadNatsContext(name, m_contextDir);
        item->setToolTip(0, ctx ? (ctx->description.isEmpty()
                                       ? ctx->url
                                       : ctx->description + QLatin1Char('\n') + ctx->url)
                                : ctx.error().toString());
    }
    if (m_saved.isEmpty()) {
        auto* hint = new QTreeWidgetItem(m_savedRoot, {tr("none yet: New... adds one")});
        hint->setFlags(Qt::NoItemFlags);
    }
    m_contextRoot->setHidden(m_contextRoot->childCount() == 0);
    m_tree->expandAll();
    if (QTreeWidgetItem* item = itemFor(selected))
        item->setSelected(true);
    paintDots();
    updateButtons();
}

QStringList ConnectionSidebar::keys() const {
    QStringList out;
    for (QTreeWidgetItem* root : {m_savedRoot, m_contextRoot})
        for (int i = 0; i < root->childCount(); ++i)
            if (const QString key = root->child(i)->data(0, KeyRole).toString(); !key.isEmpty())
                out << key;
    return out;
}

QTreeWidgetItem* ConnectionSidebar::itemFor(const QString& key) const {
    for (QTreeWidgetItem* root : {m_savedRoot, m_contextRoot})
        for (int i = 0; i < root->childCount(); ++i)
            if (root->child(i)->data(0, KeyRole).toString() == key)
                return root->child(i);
    return nullptr;
}

QString ConnectionSidebar::selectedKey() const {
    const QList<QTreeWidgetItem*> items = m_tree->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(0, KeyRole).toString();
}

bool ConnectionSidebar::connectTo(const QString& key) {
    Result<Options> options = Error{ErrorKind::InvalidArgument, tr("unknown entry %1").arg(key)};
    QString label;
    SystemCredentials system;
    if (key.startsWith(QLatin1String("saved:"))) {
        const QString name = key.mid(6);
        const auto it = std::find_if(m_saved.cbegin(), m_saved.cend(),
                                     [&](const SavedConnection& c) { return c.name == name; });
        if (it == m_saved.cend()) {
            setStatus(tr("No saved connection called %1").arg(name), true);
            return false;
        }
        QString secret;
        if (it->needsSecret()) {
            const QString what = it->auth == AuthKind::Token
                                     ? tr("Token for %1:").arg(name)
                                     : tr("Password of %1 on %2:").arg(it->user, name);
            auto stored = m_secrets->isAvailable() ? m_secrets->load(it->secretKey())
                                                   : m_session.load(it->secretKey());
            if (stored) {
                secret = stored.value();
            } else {
                const auto typed = m_prompt ? m_prompt(what) : std::nullopt;
                if (!typed) {
                    setStatus(tr("Not connecting to %1: no password given").arg(name), false);
                    return false;
                }
                secret = *typed;
                m_session.store(it->secretKey(), secret);
            }
        }
        QString sysSecret;
        if (it->needsSystemSecret()) {
            auto stored = m_secrets->isAvailable() ? m_secrets->load(it->systemSecretKey())
                                                   : m_session.load(it->systemSecretKey());
            if (stored) {
                sysSecret = stored.value();
            } else {
                const auto typed =
                    m_prompt ? m_prompt(tr("Password of the system account user %1 on %2:")
                                            .arg(it->sysUser, name))
                             : std::nullopt;
                if (!typed) {
                    setStatus(
                        tr("Not connecting to %1: no system account password given").arg(name),
                        false);
                    return false;
                }
                sysSecret = *typed;
                m_session.store(it->systemSecretKey(), sysSecret);
            }
        }
        options = it->toOptions(secret);
        system = it->systemCredentials(sysSecret);
        label = name;
    } else if (key.startsWith(QLatin1String("context:"))) {
        const QString name = key.mid(8);
        auto ctx = loadNatsContext(name, m_contextDir);
        if (!ctx) {
            setStatus(tr("Context %1: %2").arg(name, ctx.error().toString()), true);
            return false;
        }
        options = optionsFromContext(ctx.value());
        label = tr("context %1").arg(name);
    }
    if (!options) {
        setStatus(tr("%1: %2").arg(label.isEmpty() ? key : label, options.error().message), true);
        return false;
    }
    Options o = options.value();
    if (o.name.isEmpty())
        o.name = QStringLiteral("jetdeck");
    o.retryOnFailedConnect = true;
    setActive(key, ConnectionState::Connecting);
    setStatus(tr("Connecting to %1 ...").arg(label), false);
    emit connectRequested(o, key, label, system);
    return true;
}

void ConnectionSidebar::setActive(const QString& key, ConnectionState state, bool failed) {
    m_activeKey = key;
    setEntryState(key, state, failed);
}

void ConnectionSidebar::setEntryState(const QString& key, ConnectionState state, bool failed) {
    if (!key.isEmpty())
        m_states.insert(key, EntryState{state, failed});
    paintDots();
    updateButtons();
}

void ConnectionSidebar::clearEntryState(const QString& key) {
    m_states.remove(key);
    if (key == m_activeKey)
        m_activeKey.clear();
    paintDots();
    updateButtons();
}

QString ConnectionSidebar::disconnectKey() const {
    auto live = [this](const QString& key) {
        const auto it = m_states.constFind(key);
        return it != m_states.cend() && it->state != ConnectionState::Closed &&
               it->state != ConnectionState::Disconnected;
    };
    const QString selected = selectedKey();
    if (live(selected))
        return selected;
    return live(m_activeKey) ? m_activeKey : QString();
}

QString ConnectionSidebar::dotColor(const QString& key) const {
    const EntryState st = m_states.value(key); // not open: grey
    return stateDotColorName(st.state, st.failed);
}

void ConnectionSidebar::paintDots() {
    for (const QString& key : keys())
        if (QTreeWidgetItem* item = itemFor(key)) {
            const EntryState st = m_states.value(key); // not open: grey
            item->setIcon(0, stateDot(st.state, st.failed));
            QFont f = m_tree->font();
            f.setBold(key == m_activeKey);
            item->setFont(0, f);
        }
}

ConnectionDialog* ConnectionSidebar::openDialog(const SavedConnection& initial,
                                                const QString& originalName) {
    QStringList taken;
    for (const SavedConnection& c : std::as_const(m_saved))
        taken << c.name;
    QString note;
    if (!m_secrets->isAvailable())
        note =
            tr("Not saved (%1): you will be asked when connecting.").arg(m_secrets->description());
    else if (!originalName.isEmpty())
        note = tr("Kept in %1; leave empty to keep the stored one.").arg(m_secrets->description());
    else
        note = tr("Kept in %1.").arg(m_secrets->description());
    auto* d = new ConnectionDialog(initial, note, taken, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &QDialog::accepted, this,
            [this, d, originalName] { onDialogAccepted(d, originalName); });
    return d;
}

ConnectionDialog* ConnectionSidebar::newConnection() {
    SavedConnection initial;
    initial.urls = QString::fromLatin1(kNatsDefaultUrl);
    return openDialog(initial, QString());
}

ConnectionDialog* ConnectionSidebar::editConnection(const QString& name) {
    const auto it = std::find_if(m_saved.cbegin(), m_saved.cend(),
                                 [&](const SavedConnection& c) { return c.name == name; });
    return openDialog(it != m_saved.cend() ? *it : SavedConnection{}, name);
}

ConnectionDialog* ConnectionSidebar::saveContextAs(const QString& contextName) {
    auto ctx = loadNatsContext(contextName, m_contextDir);
    SavedConnection initial = ctx ? SavedConnection::fromContext(ctx.value()) : SavedConnection{};
    initial.name = contextName;
    ConnectionDialog* d = openDialog(initial, QString());
    if (ctx)
        d->secretEdit()->setText(ctx->token.isEmpty() ? ctx->password : ctx->token);
    return d;
}

void ConnectionSidebar::onDialogAccepted(ConnectionDialog* dialog, const QString& originalName) {
    const SavedConnection c = dialog->connection();
    QSettings settings;
    if (!originalName.isEmpty() && originalName != c.name) {
        removeSavedConnection(settings, originalName);
        SavedConnection old;
        old.name = originalName;
        m_secrets->erase(old.secretKey());
        m_secrets->erase(old.systemSecretKey());
    }
    saveConnection(settings, c);
    QString note;
    if (c.needsSecret() && !dialog->secret().isEmpty()) {
        if (m_secrets->isAvailable()) {
            if (Status s = m_secrets->store(c.secretKey(), dialog->secret()); !s.ok())
                note = tr(" The secret was not stored: %1").arg(s.message);
        } else {
            m_session.store(c.secretKey(), dialog->secret());
            note =
                tr(" The secret is kept for this session only (%1).").arg(m_secrets->description());
        }
    } else if (!c.needsSecret()) {
        m_secrets->erase(c.secretKey());
    }
    if (c.needsSystemSecret() && !dialog->systemSecret().isEmpty()) {
        if (m_secrets->isAvailable()) {
            if (Status s = m_secrets->store(c.systemSecretKey(), dialog->systemSecret()); !s.ok())
                note += tr(" The system account password was not stored: %1").arg(s.message);
        } else {
            m_session.store(c.systemSecretKey(), dialog->systemSecret());
        }
    } else if (!c.needsSystemSecret()) {
        m_secrets->erase(c.systemSecretKey());
        m_session.erase(c.systemSecretKey());
    }
    reload();
    if (QTreeWidgetItem* item = itemFor(savedKey(c.name))) {
        m_tree->clearSelection();
        item->setSelected(true);
    }
    setStatus(tr("Saved %1.").arg(c.name) + note, false);
}

void ConnectionSidebar::deleteConnection(const QString& name, bool confirmed) {
    if (!confirmed &&
        QMessageBox::question(this, tr("Delete connection"),
                              tr("Delete the saved connection %1?").arg(name)) != QMessageBox::Yes)
        return;
    QSettings settings;
    removeSavedConnection(settings, name);
    SavedConnection c;
    c.name = name;
    m_secrets->erase(c.secretKey());
    m_session.erase(c.secretKey());
    m_secrets->erase(c.systemSecretKey());
    m_session.erase(c.systemSecretKey());
    reload();
    setStatus(tr("Deleted %1.").arg(name), false);
}

void ConnectionSidebar::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
    m_status->setStyleSheet(error ? textStyle(ColorRole::Bad) : QString());
}

QString ConnectionSidebar::statusText() const {
    return m_status->text();
}

void ConnectionSidebar::updateButtons() {
    const QString key = selectedKey();
    m_connect->setEnabled(!key.isEmpty());
    m_edit->setEnabled(!key.isEmpty());
    m_edit->setText(key.startsWith(QLatin1String("context:")) ? tr("Save as...") : tr("Edit..."));
    m_delete->setEnabled(key.startsWith(QLatin1String("saved:")));
    m_disconnect->setEnabled(!disconnectKey().isEmpty());
}

void ConnectionSidebar::contextMenu(const QPoint& pos) {
    QTreeWidgetItem* item = m_tree->itemAt(pos);
    const QString key = item ? item->data(0, KeyRole).toString() : QString();
    QMenu menu(this);
    if (!key.isEmpty())
        menu.addAction(tr("Connect"), this, [this, key] { connectTo(key); });
    if (key.startsWith(QLatin1String("saved:"))) {
        const QString name = key.mid(6);
        menu.addAction(tr("Edit..."), this, [this, name] { editConnection(name)->open(); });
        menu.addAction(tr("Delete"), this, [this, name] { deleteConnection(name); });
    } else if (key.startsWith(QLatin1String("context:"))) {
        const QString name = key.mid(8);
        menu.addAction(tr("Save as a connection..."), this,
                       [this, name] { saveContextAs(name)->open(); });
    }
    menu.addSeparator();
    menu.addAction(tr("New connection..."), this, [this] { newConnection()->open(); });
    menu.addAction(tr("Reload contexts"), this, [this] { reload(); });
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

} // namespace jetdeck
