#include "background.h"

#include <QFuture>
#include <QPromise>

#include <memory>

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

void runInBackground(QObject* context, std::function<std::function<void()>()> work) {
    // A continuation attached with a context runs on its thread and is dropped with it.
    auto promise = std::make_shared<QPromise<std::function<void()>>>();
    promise->future().then(context, [](const std::function<void()>& deliver) {
        if (deliver)
            deliver();
    });
    backgroundPool()->start([promise, work = std::move(work)] {
        promise->start();
        promise->addResult(work());
        promise->finish();
    });
}

} // namespace jetdeck
