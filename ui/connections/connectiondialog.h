#pragma once

#include "ui/connections/savedconnection.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace jetdeck {

/// Creates or edits a saved connection: name, URL list, authentication (user and password,
/// token, .creds file, NKey seed file), TLS files. Checks every field before it closes; the
/// secret goes to the keyring, and the dialog says where it goes (or that it is not kept).
class ConnectionDialog : public QDialog {
    Q_OBJECT
public:
    /// `keyringNote` tells the user where a password or token would be kept.
    ConnectionDialog(const SavedConnection& initial, const QString& keyringNote,
                     const QStringList& takenNames, QWidget* parent = nullptr);

    SavedConnection connection() const;
    QString secret() const;
    /// Checks the fields; on success accepts, otherwise shows the error and stays open.
    bool tryAccept();
    QString errorText() const;

    // For tests and presets.
    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* urlsEdit() const { return m_urls; }
    QComboBox* authCombo() const { return m_auth; }
    QLineEdit* userEdit() const { return m_user; }
    QLineEdit* secretEdit() const { return m_secret; }
    QLineEdit* credsEdit() const { return m_creds; }
    QLineEdit* systemUserEdit() const { return m_sysUser; }
    QLineEdit* systemSecretEdit() const { return m_sysSecret; }
    QLineEdit* systemCredsEdit() const { return m_sysCreds; }
    /// The system account user's password as typed (empty: keep the stored one).
    QString systemSecret() const;

private:
    void updateFields();
    QLineEdit* fileField(const QString& objectName, const QString& filter, QWidget** row);

    QStringList m_taken;
    QString m_originalName;
    QLineEdit* m_name;
    QLineEdit* m_urls;
    QComboBox* m_auth;
    QLineEdit* m_user;
    QLineEdit* m_sysUser;
    QLineEdit* m_sysSecret;
    QLineEdit* m_sysCreds;
    QLineEdit* m_secret;
    QLabel* m_secretLabel;
    QLabel* m_keyringNote;
    QLineEdit* m_creds;
    QLineEdit* m_nkey;
    QLineEdit* m_ca;
    QLineEdit* m_cert;
    QLineEdit* m_key;
    QWidget* m_credsRow;
    QWidget* m_nkeyRow;
    QCheckBox* m_tlsFirst;
    QCheckBox* m_ignoreDiscovered;
    QLabel* m_error;
};

} // namespace jetdeck
