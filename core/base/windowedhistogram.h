#pragma once

#include "core/base/histogram.h"

#include <QList>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace jetdeck::metrics {

enum class Window { Last10s, Last1m, Last5m };

/// Seconds a window covers, and its short name ("10s", "1m", "5m").
int windowSeconds(Window w);
QString windowName(Window w);
/// "10s", "1m", "5m" (also "10 s", "60s", "300s"); nullopt otherwise.
std::optional<Window> windowFromName(const QString& text);

/// Cumulative counts at Prometheus bucket bounds since creation, with count and sum.
struct CumulativeBuckets {
    QList<double> boundsSeconds; ///< the `le` bounds, ascending, without +Inf
    QList<quint64> counts;       ///< samples <= each bound
    quint64 count = 0;           ///< all samples (the +Inf bucket)
    double sumSeconds = 0;       ///< each sample counted at the middle of its bucket
};

/// Latency samples over sliding windows of 10 s, 1 min and 5 min, and since creation.
///
/// record() is lock-free and allocation-free from any thread: one relaxed atomic increment in
/// the slot being written. Every 2 s (tick()) that slot is sealed, and the one sealed before it,
/// which no writer can still hold, is folded into running totals per window; slots leaving a
/// window are subtracted from its total. A snapshot therefore reads three count arrays (the
/// window's total, the sealed slot, the current slot) whatever the window's length. Windows
/// slide in 2 s steps (10 s), 12 s steps (1 min) and 60 s steps (5 min), so a window holds
/// between its length and one step more.
class WindowedHistogram {
public:
    using Clock = std::function<qint64()>; ///< milliseconds, monotonic

    static constexpr int kSlotMs = 2000;

    /// The `le` bounds of the Prometheus histogram, in seconds: 100 µs .. 60 s.
    static QList<double> defaultBoundsSeconds();

    explicit WindowedHistogram(Clock clock = {}, QList<double> boundsSeconds = {});
    ~WindowedHistogram();
    WindowedHistogram(const WindowedHistogram&) = delete;
    WindowedHistogram& operator=(const WindowedHistogram&) = delete;

    void record(quint64 us) noexcept {
        quint32* slot = m_current.load(std::memory_order_acquire);
        std::atomic_ref<quint32>(slot[layout::indexOf(us)]).fetch_add(1, std::memory_order_relaxed);
    }

    /// Seals and folds the slots whose time is over; snapshot() and buckets() call it too. A
    /// sample counts in the slot current when it is recorded, so something must call this a few
    /// times a second (the metrics registry's timer does) for samples to land in their slot.
    void tick();
    Percentiles snapshot(Window window);
    /// Since creation (or the last reset), at the bounds given to the constructor. Samples count
    /// here once folded, up to two slots (4 s) after they were recorded: exposition then costs
    /// a copy of a few counters, whatever the number of samples.
    CumulativeBuckets buckets();
    /// Forgets every sample.
    void reset();

private:
    /// A count array of the pool, with a bound on its non-zero indexes (kCountsLen when writers
    /// may be adding to it).
    struct Array {
        quint32* counts = nullptr;
        int hi = 0;
    };
    /// One window: the base slots folded into steps, the closed steps it keeps, their total.
    struct Level {
        int slotsPerStep = 1;
        int keepSteps = 4;
        int builtSlots = 0;
        int building = -1; ///< array being filled with the current step's slots
        QList<int> closed; ///< arrays of closed steps, oldest first
        int total = -1;    ///< closed steps + building
    };

    void tickLocked();
    void rotateLocked();
    void foldLocked(int slot);
    void addInto(int to, int from);
    void subtractFrom(int from, int what);
    void release(int array);
    int acquire();
    int highestNonZero(int array) const;

    Clock m_clock;
    std::mutex m_mu;
    std::unique_ptr<quint32[], void (*)(void*)> m_block; ///< every count array, zeroed
    QList<Array> m_arrays;
    QList<int> m_free;
    std::atomic<quint32*> m_current;
    int m_currentId = -1;
    int m_sealedId = -1; ///< the slot before the current one, not yet folded
    qint64 m_slotStartMs = 0;
    Level m_levels[3];
    QList<double> m_bounds;
    QList<quint64> m_lifetimeByBound; ///< per bound, not cumulative; the last is +Inf
    quint64 m_lifetimeCount = 0;
    double m_lifetimeSumUs = 0;
};

} // namespace jetdeck::metrics
