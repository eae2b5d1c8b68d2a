#pragma once

#include "core/client/connection.h"
#include "ui/connections/savedconnection.h"
#include "ui/connections/secretstore.h"

#include <QPointer>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace jetdeck {

class ConnectionDialog;

/// The connections sidebar: saved connections and the natscli contexts found on this
/// machine, each with a coloured dot for its state (green connected, amber connecting or
/// reconnecting, red failed, grey idle), and connect / disconnect / new / edit / delete.
/// Secrets go to the keyring through the SecretStore; without one only paths to credential
/// files are kept and a password is asked for when connecting (the sidebar says so).
class ConnectionSidebar : public QWidget {
    Q_OBJECT
public:
    ConnectionSidebar(std::unique_ptr<SecretStore> secrets, QWidget* parent = nullptr);
    ~ConnectionSidebar() override;

    /// Where natscli contexts are read from (default: natscli's own directory).
    void setContextDir(const QString& dir);
    QString contextDirectory() const { return m_contextDir; }
    /// The keyring's state in one line (the details in its tooltip and behind its link).
    QString keyringText() const;
    /// Asks for a password or token at connect time (when the keyring has none); nullopt
    /// cancels. The default shows an input dialog.
    void setSecretPrompt(std::function<std::optional<QString>(const QString& what)> prompt);
    /// Re-reads the saved connections and the contexts.
    void reload();

    /// "saved:NAME" or "context:NAME" entries, in the order shown.
    QStringList keys() const;
    /// Builds the options for an entry (asking for a secret if needed) and emits
    /// connectRequested. False with the reason in statusText() when it cannot.
    bool connectTo(const QString& key);
    /// The entry the window shows (bold) and its state: colours its dot.
    void setActive(const QString& key, ConnectionState state, bool failed = false);
    /// The state of an entry open in the window, shown or not (several may be open).
    void setEntryState(const QString& key, ConnectionState state, bool failed = false);
    /// The entry is no longer open in the window: its dot goes grey.
    void clearEntryState(const QString& key);
    QString activeKey() const { return m_activeKey; }
    /// The dot colour of an entry: "green", "amber", "red" or "grey".
    QString dotColor(const QString& key) const;

    ConnectionDialog* newConnection();
    ConnectionDialog* editConnection(const QString& name);
    /// Saves a context as a connection of its own (its secret to the keyring, if any).
    ConnectionDialog* saveContextAs(const QString& contextName);
    void deleteConnection(const QString& name, bool confirmed = false);
    QString statusText() const;
    SecretStore* secrets() const { return m_secrets.get(); }

signals:
    /// `system`: the saved connection's system account user (none for contexts and
    /// connections without one).
    void connectRequested(const jetdeck::Options& options, const QString& key, const QString& label,
                          const jetdeck::SystemCredentials& system);
    void disconnectRequested(const QString& key);

private:
    /// A dialog for `initial`; `originalName` is the connection it edits (empty: a new one).
    ConnectionDialog* openDialog(const SavedConnection& initial, const QString& originalName);
    void onDialogAccepted(ConnectionDialog* dialog, const QString& originalName);
    void setStatus(const QString& text, bool error);
    void updateButtons();
    void contextMenu(const QPoint& pos);
    QString selectedKey() const;
    QTreeWidgetItem* itemFor(const QString& key) const;
    void paintDots();

    std::unique_ptr<SecretStore> m_secrets;
    MemorySecretStore m_session; ///< secrets typed this session when there is no keyring
    std::function<std::optional<QString>(const QString&)> m_prompt;
    QString m_contextDir;
    QString m_activeKey;
    struct EntryState {
        ConnectionState state = ConnectionState::Disconnected;
        bool failed = false;
    };
    QHash<QString, EntryState> m_states; ///< the entries open in the window, by key
    /// The entry Disconnect acts on: the selected one when it is open, else the active one.
    QString disconnectKey() const;
    QList<SavedConnection> m_saved;
    QTreeWidget* m_tree;
    QTreeWidgetItem* m_savedRoot;
    QTreeWidgetItem* m_contextRoot;
    QPushButton* m_connect;
    QPushButton* m_disconnect;
    QPushButton* m_new;
    QPushButton* m_edit;
    QPushButton* m_delete;
    QLabel* m_status;
    QLabel* m_keyring;
};

} // namespace jetdeck
