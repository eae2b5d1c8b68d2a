#pragma once

#include "serverurl.h"

#include <QList>
#include <QStringList>

namespace jetdeck {

/// The servers a connection may use: the configured ones plus those the cluster advertised
/// in INFO connect_urls. Keeps per-server attempt counts and the rotation order.
class ServerPool {
public:
    struct Entry {
        ServerUrl url;
        int attempts = 0; ///< failed attempts since the last successful connect
        qint64 lastAttemptMs = 0;
        bool authFailedLast = false; ///< the last attempt on it ended in an auth error
    };

    void setServers(const QList<ServerUrl>& configured, bool randomize);
    bool isEmpty() const { return m_entries.isEmpty(); }
    qsizetype size() const { return m_entries.size(); }
    const QList<Entry>& entries() const { return m_entries; }

    /// The server to try next; it moves to the back of the rotation.
    Entry* takeNext();
    Entry* current();
    const Entry* current() const;
    void markConnected();
    void markFailed(qint64 nowMs);
    /// Removes the current server (it refused us for good); the next takeNext() continues
    /// with the others.
    void removeCurrent();

    /// Adds servers from connect_urls (host:port strings); credentials and the TLS flag are
    /// inherited from the first configured server. Implicit servers no longer advertised are
    /// pruned (never the current one). Returns the host:port of the servers added.
    QStringList updateDiscovered(const QStringList& connectUrls, bool randomize);

private:
    QList<Entry> m_entries;
    int m_current = -1;
};

} // namespace jetdeck
