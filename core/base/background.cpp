#include "background.h"

namespace jetdeck {

QThreadPool* backgroundPool() {
    // Never destroyed: work still queued at exit must not outlive a pool being torn down.
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool;
        p->setMaxThreadCount(1);
        p->setObjectName(QStringLiteral("jetdeck-background"));
        return p;
    }();
    return pool;
}

} // namespace jetdeck
