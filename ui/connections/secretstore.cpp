#include "secretstore.h"

#ifdef JETDECK_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>

#include <QEventLoop>
#include <QTimer>
#endif

namespace jetdeck {

namespace {
constexpr char kService[] = "JetDeck";
} // namespace

Status MemorySecretStore::store(const QString& key, const QString& secret) {
    m_secrets.insert(key, secret);
    return {};
}

Result<QString> MemorySecretStore::load(const QString& key) {
    const auto it = m_secrets.constFind(key);
    if (it == m_secrets.cend())
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("no secret stored for %1").arg(key)};
    return *it;
}

Status MemorySecretStore::erase(const QString& key) {
    m_secrets.remove(key);
    return {};
}

Status NoSecretStore::store(const QString&, const QString&) {
    return Error{ErrorKind::InvalidArgument, m_reason};
}

Result<QString> NoSecretStore::load(const QString&) {
    return Error{ErrorKind::InvalidArgument, m_reason};
}

#ifdef JETDECK_HAVE_KEYCHAIN
namespace {

/// Runs a QtKeychain job to its end (or a timeout: a keyring that never answers is none).
bool runJob(QKeychain::Job* job, QString* error) {
    QEventLoop loop;
    bool done = false;
    QObject::connect(job, &QKeychain::Job::finished, &loop, [&] {
        done = true;
        loop.quit();
    });
    QTimer::singleShot(5000, &loop, &QEventLoop::quit);
    job->setAutoDelete(false);
    job->start();
    if (!done)
        loop.exec();
    if (!done) {
        *error = QStringLiteral("the keyring did not answer within 5 s");
        return false;
    }
    const bool ok = job->error() == QKeychain::NoError;
    if (!ok)
        *error = job->errorString();
    return ok;
}

class KeychainStore : public SecretStore {
public:
    bool isAvailable() override {
        probe();
        return m_available;
    }
    QString description() override {
        probe();
        return m_available ? QStringLiteral("the system keyring")
                           : QStringLiteral("no system keyring (%1)").arg(m_reason);
    }
    Status store(const QString& key, const QString& secret) override {
        if (!isAvailable())
            return Error{ErrorKind::InvalidArgument, description()};
        QKeychain::WritePasswordJob job{QString::fromLatin1(kService)};
        job.setKey(key);
        job.setTextData(secret);
        QString error;
        if (!runJob(&job, &error))
            return Error{ErrorKind::Io, QStringLiteral("keyring: %1").arg(error)};
        return {};
    }
    Result<QString> load(const QString& key) override {
        if (!isAvailable())
            return Error{ErrorKind::InvalidArgument, description()};
        QKeychain::ReadPasswordJob job{QString::fromLatin1(kService)};
        job.setKey(key);
        QString error;
        if (!runJob(&job, &error))
            return Error{ErrorKind::InvalidArgument, QStringLiteral("keyring: %1").arg(error)};
        return job.textData();
    }
    Status erase(const QString& key) override {
        if (!isAvailable())
            return {};
        QKeychain::DeletePasswordJob job{QString::fromLatin1(kService)};
        job.setKey(key);
        QString error;
        runJob(&job, &error); // absent already is fine
        return {};
    }

private:
    void probe() {
        if (m_probed)
            return;
        m_probed = true;
        // A keyring exists when a write and a delete of a probe entry both work.
        QKeychain::WritePasswordJob write{QString::fromLatin1(kService)};
        write.setKey(QStringLiteral("jetdeck-probe"));
        write.setTextData(QStringLiteral("probe"));
        QString error;
        m_available = runJob(&write, &error);
        if (!m_available) {
            // QtKeychain says "Unknown error" when no Secret Service or KWallet answers.
            m_reason = error.isEmpty() || error == QLatin1String("Unknown error")
                           ? QStringLiteral("no Secret Service or KWallet answered")
                           : error;
            return;
        }
        QKeychain::DeletePasswordJob del{QString::fromLatin1(kService)};
        del.setKey(QStringLiteral("jetdeck-probe"));
        runJob(&del, &error);
    }

    bool m_probed = false;
    bool m_available = false;
    QString m_reason;
};

} // namespace

std::unique_ptr<SecretStore> SecretStore::system() {
    if (qEnvironmentVariableIsSet("JETDECK_NO_KEYRING"))
        return std::make_unique<NoSecretStore>(
            QStringLiteral("no system keyring (JETDECK_NO_KEYRING is set)"));
    return std::make_unique<KeychainStore>();
}
#else
std::unique_ptr<SecretStore> SecretStore::system() {
    return std::make_unique<NoSecretStore>(
        QStringLiteral("no system keyring (JetDeck was built without QtKeychain)"));
}
#endif

} // namespace jetdeck
