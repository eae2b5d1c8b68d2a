#pragma once

#include "connection.h"

#include <QThread>

#include <memory>

namespace jetdeck {

/// Runs a Connection on a worker thread of its own, the way the console and the tests use
/// it. Destroying it closes the connection, deletes it on its thread, and joins the thread.
///
/// Background work (a page's JetStream snapshot on the thread pool) may hold a reference, so
/// the last one can be dropped on any thread, also while the application is being torn down.
/// An owner that is done with the connection calls close(): whatever still holds it then
/// fails fast instead of keeping a replaced connection alive until its requests time out.
class ConnectionThread {
public:
    explicit ConnectionThread(Options options, const QString& threadName = QStringLiteral("nats"));
    ~ConnectionThread();
    ConnectionThread(const ConnectionThread&) = delete;
    ConnectionThread& operator=(const ConnectionThread&) = delete;

    /// Closes the connection (asynchronously; buffered publishes are still written out within
    /// Options::closeWriteTimeoutMs). Requests waiting on it end at once with NotConnected.
    void close();

    Connection* connection() const { return m_conn; }
    Connection* operator->() const { return m_conn; }
    QThread* thread() const { return m_thread.get(); }

private:
    std::unique_ptr<QThread> m_thread;
    Connection* m_conn = nullptr;
};

} // namespace jetdeck
