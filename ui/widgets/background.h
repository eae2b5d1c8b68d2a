#pragma once

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>

#include <utility>

namespace jetdeck {

/// Runs `work` (a blocking call such as a JetStream API request) on the global thread pool and
/// hands its result to `done` on the GUI thread, unless `context` was destroyed meanwhile.
/// The UI never waits on the network.
template <typename Work, typename Done>
void runInBackground(QObject* context, Work work, Done done) {
    QPointer<QObject> guard(context);
    QThreadPool::globalInstance()->start(
        [guard, work = std::move(work), done = std::move(done)]() mutable {
            auto result = work();
            // Work that ends while the application is torn down has nobody to tell.
            QCoreApplication* app = QCoreApplication::instance();
            if (!app)
                return;
            QMetaObject::invokeMethod(
                app,
                [guard, done = std::move(done), result = std::move(result)]() mutable {
                    if (guard)
                        done(result);
                },
                Qt::QueuedConnection);
        });
}

} // namespace jetdeck
