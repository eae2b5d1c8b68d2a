#pragma once

#include "core/base/error.h"

#include <QHash>
#include <QString>

#include <memory>

namespace jetdeck {

/// Where the console keeps passwords and tokens of saved connections: the system keyring
/// (Secret Service, KWallet... through QtKeychain) when there is one, and nowhere otherwise:
/// without a keyring the console stores only paths to credential files and asks for a
/// password when it connects. Calls block for at most a few seconds.
class SecretStore {
public:
    virtual ~SecretStore() = default;
    /// True when secrets can be stored (probed once, on first use).
    virtual bool isAvailable() = 0;
    /// "the system keyring", or why there is none ("no keyring: ...").
    virtual QString description() = 0;
    virtual Status store(const QString& key, const QString& secret) = 0;
    /// The secret; NotFound-kind error when there is none.
    virtual Result<QString> load(const QString& key) = 0;
    virtual Status erase(const QString& key) = 0;

    /// The system keyring when JetDeck was built with QtKeychain, else a store that holds
    /// nothing and says why.
    static std::unique_ptr<SecretStore> system();
};

/// Holds secrets in memory only (tests; and what a session without keyring remembers).
class MemorySecretStore : public SecretStore {
public:
    bool isAvailable() override { return true; }
    QString description() override { return QStringLiteral("memory (this session only)"); }
    Status store(const QString& key, const QString& secret) override;
    Result<QString> load(const QString& key) override;
    Status erase(const QString& key) override;

private:
    QHash<QString, QString> m_secrets;
};

/// No keyring: stores nothing, and every call says so.
class NoSecretStore : public SecretStore {
public:
    explicit NoSecretStore(QString reason)
        : m_reason(std::move(reason)) {}
    bool isAvailable() override { return false; }
    QString description() override { return m_reason; }
    Status store(const QString&, const QString&) override;
    Result<QString> load(const QString&) override;
    Status erase(const QString&) override { return {}; }

private:
    QString m_reason;
};

} // namespace jetdeck
