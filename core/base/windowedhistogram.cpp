#include "windowedhistogram.h"

#include "core/base/clock.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace jetdeck::metrics {

namespace {

// current + sealed + spare, and per window: building + total + kept steps + one closing.
constexpr int kPoolSize = 3 + 3 * (2 + 4 + 1);

quint32 loadRelaxed(const quint32* counts, int i) {
    return std::atomic_ref<quint32>(const_cast<quint32&>(counts[i]))
        .load(std::memory_order_relaxed);
}

} // namespace

int windowSeconds(Window w) {
    switch (w) {
    case Window::Last10s:
        return 10;
    case Window::Last1m:
        return 60;
    case Window::Last5m:
        return 300;
    }
    return 0;
}

QString windowName(Window w) {
    switch (w) {
    case Window::Last10s:
        return QStringLiteral("10s");
    case Window::Last1m:
        return QStringLiteral("1m");
    case Window::Last5m:
        return QStringLiteral("5m");
    }
    return {};
}

std::optional<Window> windowFromName(const QString& text) {
    const QString t = text.simplified().remove(QLatin1Char(' ')).toLower();
    if (t == QLatin1String("10s"))
        return Window::Last10s;
    if (t == QLatin1String("1m") || t == QLatin1String("60s") || t == QLatin1String("1min"))
        return Window::Last1m;
    if (t == QLatin1String("5m") || t == QLatin1String("300s") || t == QLatin1String("5min"))
        return Window::Last5m;
    return std::nullopt;
}

QList<double> WindowedHistogram::defaultBoundsSeconds() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
}

WindowedHistogram::WindowedHistogram(Clock clock, QList<double> boundsSeconds)
    : m_clock(clock ? std::move(clock) : Clock([] { return steadyNowMs(); }))
    , m_block(static_cast<quint32*>(
                  std::calloc(size_t(kPoolSize) * layout::kCountsLen, sizeof(quint32))),
              std::free) {
    if (!m_block)
        throw std::bad_alloc();
    for (int i = 0; i < kPoolSize; ++i) {
        m_arrays.append(Array{m_block.get() + size_t(i) * layout::kCountsLen, 0});
        m_free.append(kPoolSize - 1 - i);
    }
    // Steps: 1 slot (10 s window), 6 slots = 12 s (1 min), 30 slots = 60 s (5 min); four closed
    // steps kept plus the one being built, plus the sealed and current slots.
    const int perStep[3] = {1, 6, 30};
    for (int l = 0; l < 3; ++l) {
        m_levels[l].slotsPerStep = perStep[l];
        m_levels[l].building = acquire();
        m_levels[l].total = acquire();
    }
    m_currentId = acquire();
    m_arrays[m_currentId].hi = layout::kCountsLen;
    m_current.store(m_arrays[m_currentId].counts, std::memory_order_release);
    m_slotStartMs = m_clock();
    m_bounds = boundsSeconds.isEmpty() ? defaultBoundsSeconds() : std::move(boundsSeconds);
    std::sort(m_bounds.begin(), m_bounds.end());
    m_lifetimeByBound.fill(0, m_bounds.size() + 1);
}

WindowedHistogram::~WindowedHistogram() = default;

int WindowedHistogram::acquire() {
    Q_ASSERT(!m_free.isEmpty());
    return m_free.takeLast();
}

void WindowedHistogram::release(int array) {
    Array& a = m_arrays[array];
    std::memset(a.counts, 0, size_t(a.hi) * sizeof(quint32));
    a.hi = 0;
    m_free.append(array);
}

int WindowedHistogram::highestNonZero(int array) const {
    const Array& a = m_arrays[array];
    for (int i = a.hi - 1; i >= 0; --i)
        if (loadRelaxed(a.counts, i) != 0)
            return i + 1;
    return 0;
}

void WindowedHistogram::addInto(int to, int from) {
    Array& t = m_arrays[to];
    const Array& f = m_arrays[from];
    for (int i = 0; i < f.hi; ++i)
        t.counts[i] += f.counts[i];
    t.hi = qMax(t.hi, f.hi);
}

void WindowedHistogram::subtractFrom(int from, int what) {
    Array& f = m_arrays[from];
    const Array& w = m_arrays[what];
    for (int i = 0; i < w.hi; ++i)
        f.counts[i] -= w.counts[i];
}

void WindowedHistogram::tick() {
    std::lock_guard lock(m_mu);
    tickLocked();
}

void WindowedHistogram::tickLocked() {
    const qint64 now = m_clock();
    if (now - m_slotStartMs < kSlotMs)
        return;
    const qint64 due = (now - m_slotStartMs) / kSlotMs;
    m_slotStartMs += due * kSlotMs;
    // After a long pause the windows only need enough empty rotations to forget everything:
    // 5 min of steps (150 slots) plus the sealed and current slots.
    const qint64 rotations = qMin<qint64>(due, 300 / (kSlotMs / 1000) + 10);
    for (qint64 i = 0; i < rotations; ++i)
        rotateLocked();
}

void WindowedHistogram::rotateLocked() {
    // The slot sealed at the previous rotation has had a whole slot's time for writers that
    // loaded it to finish their increment: fold it now.
    if (m_sealedId >= 0)
        foldLocked(m_sealedId);
    m_sealedId = m_currentId;
    m_currentId = acquire();
    m_arrays[m_currentId].hi = layout::kCountsLen; // writers may touch any bucket
    m_current.store(m_arrays[m_currentId].counts, std::memory_order_release);
}

void WindowedHistogram::foldLocked(int slot) {
    Array& s = m_arrays[slot];
    s.hi = highestNonZero(slot);
    // Since creation: each sample counts at the middle of its bucket, in the first bound that
    // holds it (the last entry is +Inf).
    for (int i = 0; i < s.hi; ++i) {
        const quint32 n = s.counts[i];
        if (n == 0)
            continue;
        const double us = double(layout::middleOf(i));
        const auto at = std::lower_bound(m_bounds.cbegin(), m_bounds.cend(), us / 1e6);
        m_lifetimeByBound[at - m_bounds.cbegin()] += n;
        m_lifetimeCount += n;
        m_lifetimeSumUs += double(n) * us;
    }
    for (Level& level : m_levels) {
        addInto(level.building, slot);
        addInto(level.total, slot);
        if (++level.builtSlots < level.slotsPerStep)
            continue;
        level.closed.append(level.building);
        level.building = acquire();
        level.builtSlots = 0;
        if (level.closed.size() > level.keepSteps) {
            const int oldest = level.closed.takeFirst();
            subtractFrom(level.total, oldest);
            release(oldest);
        }
    }
    release(slot);
}

Percentiles WindowedHistogram::snapshot(Window window) {
    std::lock_guard lock(m_mu);
    tickLocked();
    const Level& level = m_levels[int(window)];
    const Array& total = m_arrays[level.total];
    const quint32* sealed = m_sealedId >= 0 ? m_arrays[m_sealedId].counts : nullptr;
    const quint32* current = m_arrays[m_currentId].counts;
    // Writers may be adding to the sealed and current slots: read those atomically.
    return percentilesOf(
        [&](int i) {
            quint64 n = total.counts[i];
            if (sealed)
                n += loadRelaxed(sealed, i);
            return n + loadRelaxed(current, i);
        },
        layout::kCountsLen);
}

CumulativeBuckets WindowedHistogram::buckets() {
    std::lock_guard lock(m_mu);
    tickLocked();
    CumulativeBuckets b;
    b.boundsSeconds = m_bounds;
    quint64 running = 0;
    for (qsizetype k = 0; k < m_bounds.size(); ++k) {
        running += m_lifetimeByBound[k];
        b.counts.append(running);
    }
    b.count = m_lifetimeCount;
    b.sumSeconds = m_lifetimeSumUs / 1e6;
    return b;
}

void WindowedHistogram::reset() {
    std::lock_guard lock(m_mu);
    // Writers keep adding to the current slot while it is cleared: what they add now counts.
    for (int i = 0; i < layout::kCountsLen; ++i)
        std::atomic_ref<quint32>(m_arrays[m_currentId].counts[i])
            .store(0, std::memory_order_relaxed);
    if (m_sealedId >= 0) {
        m_arrays[m_sealedId].hi = layout::kCountsLen;
        release(m_sealedId);
        m_sealedId = -1;
    }
    for (Level& level : m_levels) {
        for (int id : std::as_const(level.closed))
            release(id);
        level.closed.clear();
        level.builtSlots = 0;
        for (int id : {level.building, level.total})
            std::memset(m_arrays[id].counts, 0, size_t(m_arrays[id].hi) * sizeof(quint32));
        m_arrays[level.building].hi = 0;
        m_arrays[level.total].hi = 0;
    }
    m_lifetimeByBound.fill(0);
    m_lifetimeCount = 0;
    m_lifetimeSumUs = 0;
    m_slotStartMs = m_clock();
}

} // namespace jetdeck::metrics
