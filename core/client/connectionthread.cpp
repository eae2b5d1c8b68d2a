#include "connectionthread.h"

namespace jetdeck {

ConnectionThread::ConnectionThread(Options options, const QString& threadName)
    : m_thread(std::make_unique<QThread>()) {
    m_thread->setObjectName(threadName);
    m_conn = new Connection(std::move(options));
    m_conn->moveToThread(m_thread.get());
    m_thread->start();
}

void ConnectionThread::close() {
    m_conn->close();
}

ConnectionThread::~ConnectionThread() {
    Q_ASSERT(QThread::currentThread() != m_thread.get());
    Connection* conn = m_conn;
    m_conn = nullptr;
    bool deleted = false;
    if (m_thread->isRunning()) {
        // Close and delete on the connection's own thread: its socket and timers live there.
        QMetaObject::invokeMethod(
            conn,
            [conn, &deleted] {
                conn->closeSync();
                delete conn;
                deleted = true;
            },
            Qt::BlockingQueuedConnection);
        m_thread->quit();
        m_thread->wait();
    }
    // Not run (the thread had ended, or Qt dropped the event because it was posted while the
    // application was being destroyed, by a thread-pool task that QCoreApplication's
    // destructor waited for): the thread has stopped, so its objects are deleted here.
    if (!deleted)
        delete conn;
}

} // namespace jetdeck
