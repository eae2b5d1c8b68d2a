#include "connectiondialog.h"

#include "ui/widgets/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace jetdeck {

ConnectionDialog::ConnectionDialog(const SavedConnection& initial, const QString& keyringNote,
                                   const QStringList& takenNames, QWidget* parent)
    : QDialog(parent)
    , m_taken(takenNames)
    , m_originalName(initial.name) {
    setWindowTitle(initial.name.isEmpty() ? tr("New connection")
                                          : tr("Edit connection %1").arg(initial.name));
    auto* form = new QFormLayout(this);
    m_name = new QLineEdit(initial.name, this);
    m_name->setObjectName(QStringLiteral("name"));
    form->addRow(tr("&Name:"), m_name);
    m_urls = new QLineEdit(initial.urls, this);
    m_urls->setObjectName(QStringLiteral("urls"));
    m_urls->setPlaceholderText(tr("nats://host1:4222, nats://host2:4222 (tls:// for TLS)"));
    form->addRow(tr("&Servers:"), m_urls);
    m_auth = new QComboBox(this);
    m_auth->setObjectName(QStringLiteral("auth"));
    m_auth->addItem(tr("None"), int(AuthKind::None));
    m_auth->addItem(tr("User and password"), int(AuthKind::UserPassword));
    m_auth->addItem(tr("Token"), int(AuthKind::Token));
    m_auth->addItem(tr("Credentials file (.creds)"), int(AuthKind::Creds));
    m_auth->addItem(tr("NKey seed file"), int(AuthKind::NKey));
    m_auth->setCurrentIndex(m_auth->findData(int(initial.auth)));
    form->addRow(tr("&Authentication:"), m_auth);
    m_user = new QLineEdit(initial.user, this);
    m_user->setObjectName(QStringLiteral("user"));
    form->addRow(tr("&User:"), m_user);
    m_secret = new QLineEdit(this);
    m_secret->setObjectName(QStringLiteral("secret"));
    m_secret->setEchoMode(QLineEdit::Password);
    m_secretLabel = new QLabel(tr("&Password:"), this);
    m_secretLabel->setBuddy(m_secret);
    form->addRow(m_secretLabel, m_secret);
    m_keyringNote = new QLabel(keyringNote, this);
    m_keyringNote->setObjectName(QStringLiteral("keyringNote"));
    m_keyringNote->setWordWrap(true);
    form->addRow(QString(), m_keyringNote);
    m_creds =
        fileField(QStringLiteral("creds"), tr("Credentials (*.creds);;All files (*)"), &m_credsRow);
    m_creds->setText(initial.credsPath);
    form->addRow(tr("&Credentials file:"), m_credsRow);
    m_nkey =
        fileField(QStringLiteral("nkey"), tr("NKey seeds (*.nk *.txt);;All files (*)"), &m_nkeyRow);
    m_nkey->setText(initial.nkeyPath);
    form->addRow(tr("N&Key seed file:"), m_nkeyRow);
    QWidget* row = nullptr;
    m_ca = fileField(QStringLiteral("ca"), tr("Certificates (*.pem *.crt);;All files (*)"), &row);
    m_ca->setText(initial.caPath);
    form->addRow(tr("TLS C&A file:"), row);
    m_cert =
        fileField(QStringLiteral("cert"), tr("Certificates (*.pem *.crt);;All files (*)"), &row);
    m_cert->setText(initial.certPath);
    form->addRow(tr("Client c&ertificate:"), row);
    m_key = fileField(QStringLiteral("key"), tr("Keys (*.pem *.key);;All files (*)"), &row);
    m_key->setText(initial.keyPath);
    form->addRow(tr("Client &key:"), row);
    m_tlsFirst = new QCheckBox(tr("TLS handshake before the server's INFO (tls_first)"), this);
    m_tlsFirst->setChecked(initial.tlsFirst);
    form->addRow(QString(), m_tlsFirst);
    m_ignoreDiscovered =
        new QCheckBox(tr("Only these servers: ignore those the cluster advertises"), this);
    m_ignoreDiscovered->setObjectName(QStringLiteral("ignoreDiscovered"));
    m_ignoreDiscovered->setToolTip(
        tr("Servers advertise the cluster's other members (INFO connect_urls), and the client "
           "sends them the same credentials. Tick this to connect only to the URLs above, for "
           "example when a server could be misconfigured or is not fully trusted."));
    m_ignoreDiscovered->setChecked(initial.ignoreDiscovered);
    form->addRow(QString(), m_ignoreDiscovered);
    // A user of the system account beside the connection's own: what the servers, clients
    // and JetStream pages need when the connection's user is not one.
    auto* sysTitle = new QLabel(tr("<b>System account</b> (optional): for the servers, clients "
                                   "and JetStream pages when the user above is not in it"),
                                this);
    sysTitle->setWordWrap(true);
    form->addRow(sysTitle);
    m_sysUser = new QLineEdit(initial.sysUser, this);
    m_sysUser->setObjectName(QStringLiteral("sysUser"));
    m_sysUser->setPlaceholderText(tr("a user of the system account"));
    form->addRow(tr("System &user:"), m_sysUser);
    m_sysSecret = new QLineEdit(this);
    m_sysSecret->setObjectName(QStringLiteral("sysSecret"));
    m_sysSecret->setEchoMode(QLineEdit::Password);
    m_sysSecret->setPlaceholderText(tr("kept in the keyring like the password above"));
    form->addRow(tr("System pass&word:"), m_sysSecret);
    m_sysCreds =
        fileField(QStringLiteral("sysCreds"), tr("Credentials (*.creds);;All files (*)"), &row);
    m_sysCreds->setText(initial.sysCredsPath);
    form->addRow(tr("System cre&ds file:"), row);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(textStyle(ColorRole::Bad));
    form->addRow(m_error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectionDialog::tryAccept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
    connect(m_auth, &QComboBox::currentIndexChanged, this, &ConnectionDialog::updateFields);
    updateFields();
}

QLineEdit* ConnectionDialog::fileField(const QString& objectName, const QString& filter,
                                       QWidget** row) {
    *row = new QWidget(this);
    auto* layout = new QHBoxLayout(*row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* edit = new QLineEdit(*row);
    edit->setObjectName(objectName);
    auto* browse = new QPushButton(tr("Browse..."), *row);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, filter] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Choose a file"), edit->text(), filter);
        if (!path.isEmpty())
            edit->setText(path);
    });
    return edit;
}

void ConnectionDialog::updateFields() {
    const auto kind = AuthKind(m_auth->currentData().toInt());
    m_user->setEnabled(kind == AuthKind::UserPassword);
    m_secret->setEnabled(kind == AuthKind::UserPassword || kind == AuthKind::Token);
    m_secretLabel->setText(kind == AuthKind::Token ? tr("&Token:") : tr("&Password:"));
    m_credsRow->setEnabled(kind == AuthKind::Creds);
    m_nkeyRow->setEnabled(kind == AuthKind::NKey);
    m_keyringNote->setVisible(kind == AuthKind::UserPassword || kind == AuthKind::Token);
}

SavedConnection ConnectionDialog::connection() const {
    SavedConnection c;
    c.name = m_name->text().trimmed();
    c.urls = m_urls->text().trimmed();
    c.auth = AuthKind(m_auth->currentData().toInt());
    c.user = c.auth == AuthKind::UserPassword ? m_user->text().trimmed() : QString();
    c.credsPath = c.auth == AuthKind::Creds ? m_creds->text().trimmed() : QString();
    c.nkeyPath = c.auth == AuthKind::NKey ? m_nkey->text().trimmed() : QString();
    c.caPath = m_ca->text().trimmed();
    c.certPath = m_cert->text().trimmed();
    c.keyPath = m_key->text().trimmed();
    c.tlsFirst = m_tlsFirst->isChecked();
    c.ignoreDiscovered = m_ignoreDiscovered->isChecked();
    c.sysUser = m_sysUser->text().trimmed();
    c.sysCredsPath = m_sysCreds->text().trimmed();
    return c;
}

QString ConnectionDialog::systemSecret() const {
    return m_sysUser->text().trimmed().isEmpty() ? QString() : m_sysSecret->text();
}

QString ConnectionDialog::secret() const {
    return m_secret->isEnabled() ? m_secret->text() : QString();
}

bool ConnectionDialog::tryAccept() {
    const SavedConnection c = connection();
    if (Status s = c.validate(); !s.ok()) {
        m_error->setText(s.message);
        return false;
    }
    if (c.name != m_originalName && m_taken.contains(c.name)) {
        m_error->setText(tr("Name: a connection called %1 exists already").arg(c.name));
        return false;
    }
    m_error->clear();
    accept();
    return true;
}

QString ConnectionDialog::errorText() const {
    return m_error->text();
}

} // namespace jetdeck
