#include "connectionthread.h"

namespace jetdeck {

ConnectionThread::ConnectionThread(Options options, const QString& threadName)
    : m_thread(std::make_unique<QThread>()) {
    m_thread->setObjectName(threadName);
    m_conn = new Connection(std::move(options));
    m_conn->moveToThread(m_thread.get());
    m_thread->start();
}

ConnectionThread::~ConnectionThread() {
    Q_ASSERT(QThread::currentThread() != m_thread.get());
    if (m_thread->isRunning()) {
        Connection* conn = m_conn;
        // Close and delete on the connection's own thread: its socket and timers live there.
        QMetaObject::invokeMethod(
            conn,
            [conn] {
                conn->closeSync();
                delete conn;
            },
            Qt::BlockingQueuedConnection);
        m_thread->quit();
        m_thread->wait();
    } else {
        delete m_conn;
    }
    m_conn = nullptr;
}

} // namespace jetdeck
