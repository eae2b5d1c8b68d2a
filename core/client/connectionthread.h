#pragma once

#include "connection.h"

#include <QThread>

#include <memory>

namespace jetdeck {

/// Runs a Connection on a worker thread of its own, the way the console and the tests use
/// it. Destroying it closes the connection, deletes it on its thread, and joins the thread.
class ConnectionThread {
public:
    explicit ConnectionThread(Options options, const QString& threadName = QStringLiteral("nats"));
    ~ConnectionThread();
    ConnectionThread(const ConnectionThread&) = delete;
    ConnectionThread& operator=(const ConnectionThread&) = delete;

    Connection* connection() const { return m_conn; }
    Connection* operator->() const { return m_conn; }
    QThread* thread() const { return m_thread.get(); }

private:
    std::unique_ptr<QThread> m_thread;
    Connection* m_conn = nullptr;
};

} // namespace jetdeck
