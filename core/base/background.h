#pragma once

#include <QObject>
#include <QThreadPool>

#include <functional>
#include <utility>

namespace jetdeck {

/// One worker thread for what must not hold up the GUI thread and need not be quick: reading
/// large server answers (sys::fanoutOffThread) and freeing large data. One thread, so that
/// such work never takes both cores of a small machine and runs in the order it was given.
QThreadPool* backgroundPool();

/// Runs `work` on the background thread; the function it returns then runs on `context`'s
/// thread, and not at all when `context` is destroyed first. `work` must not touch `context`.
void runInBackground(QObject* context, std::function<std::function<void()>()> work);

/// Lets the last reference to `value` go on the background thread: freeing the previous
/// listing of tens of thousands of consumers costs a GUI thread milliseconds it has not got.
/// Only for data nothing else touches anymore (implicitly shared Qt containers are fine: their
/// reference counts are atomic).
template <typename T>
void releaseInBackground(T&& value) {
    backgroundPool()->start([dropped = std::forward<T>(value)]() mutable {
        [[maybe_unused]] auto gone = std::move(dropped);
    });
}

} // namespace jetdeck
