#pragma once

#include <QtGlobal>

#include <bit>
#include <initializer_list>
#include <memory>

namespace jetdeck::metrics {

/// The bucket layout every latency histogram shares: log-linear (HDR style) over 0 .. 1 h in
/// microseconds with 3 significant digits. Values below 2048 µs have buckets of 1 µs; above,
/// each power of two is split into 1024 equal buckets, so a bucket is never wider than 1/1024
/// of its values. A value maps to its bucket with one count-leading-zeros and two shifts.
namespace layout {

inline constexpr int kHalfBits = 10;
inline constexpr quint64 kSubBucketMask = (quint64(1) << (kHalfBits + 1)) - 1; // 2047
inline constexpr quint64 kMaxValueUs = quint64(3600) * 1000 * 1000;            // 1 h
inline constexpr int kBucketCount = 22;                                        // 2048 << 21 > 1 h
inline constexpr int kCountsLen = (kBucketCount + 1) << kHalfBits;

/// The bucket of `us` (clamped to 1 h).
constexpr int indexOf(quint64 us) noexcept {
    const quint64 v = us > kMaxValueUs ? kMaxValueUs : us;
    const int bucket = 63 - std::countl_zero(v | kSubBucketMask) - kHalfBits;
    return int((quint64(bucket) << kHalfBits) + (v >> bucket));
}

/// The smallest value that falls in bucket `index`.
constexpr quint64 lowestOf(int index) noexcept {
    int bucket = (index >> kHalfBits) - 1;
    quint64 sub = quint64(index & ((1 << kHalfBits) - 1)) + (quint64(1) << kHalfBits);
    if (bucket < 0) {
        bucket = 0;
        sub -= quint64(1) << kHalfBits;
    }
    return sub << bucket;
}

/// The largest value that falls in bucket `index`.
constexpr quint64 highestOf(int index) noexcept {
    const int bucket = qMax(0, (index >> kHalfBits) - 1);
    return lowestOf(index) + (quint64(1) << bucket) - 1;
}

/// The value that stands for bucket `index` in sums and means (its middle).
constexpr quint64 middleOf(int index) noexcept {
    return (lowestOf(index) + highestOf(index)) / 2;
}

} // namespace layout

/// What a window of samples says; values in microseconds. All zero when count == 0.
struct Percentiles {
    quint64 count = 0;
    quint64 p50 = 0;
    quint64 p90 = 0;
    quint64 p95 = 0;
    quint64 p99 = 0;
    quint64 p999 = 0;
    quint64 max = 0;
    double meanUs = 0;
};

namespace detail {
/// The 1-based rank of the sample at `percentile` among `count`.
quint64 rankOf(double percentile, quint64 count);
} // namespace detail

/// Reads percentiles out of counts laid out as above: `countAt(i)` is bucket i's count (a
/// window sums its closed part and the slots still being written). No count at or above `hi`.
template <typename CountAt>
Percentiles percentilesOf(CountAt countAt, int hi) {
    Percentiles p;
    double sum = 0;
    int last = -1;
    for (int i = 0; i < hi; ++i) {
        const quint64 n = countAt(i);
        if (n == 0)
            continue;
        p.count += n;
        sum += double(n) * double(layout::middleOf(i));
        last = i;
    }
    if (p.count == 0)
        return p;
    p.meanUs = sum / double(p.count);
    p.max = layout::highestOf(last);
    const double quantiles[] = {50.0, 90.0, 95.0, 99.0, 99.9};
    quint64* out[] = {&p.p50, &p.p90, &p.p95, &p.p99, &p.p999};
    quint64 ranks[5];
    for (int k = 0; k < 5; ++k)
        ranks[k] = detail::rankOf(quantiles[k], p.count);
    int k = 0;
    quint64 seen = 0;
    for (int i = 0; i <= last && k < 5; ++i) {
        seen += countAt(i);
        while (k < 5 && seen >= ranks[k])
            *out[k++] = layout::highestOf(i);
    }
    return p;
}

/// A histogram of microsecond values for one thread (or under the caller's lock): O(1) record
/// without allocation, mergeable, resettable. The windowed, thread-safe recorder the probes use
/// is WindowedHistogram; this one serves totals, tests and benchmarks.
class Histogram {
public:
    Histogram();

    void record(quint64 us) noexcept {
        const int i = layout::indexOf(us);
        ++m_counts[size_t(i)];
        if (i >= m_hi)
            m_hi = i + 1;
        ++m_count;
    }
    void recordCount(quint64 us, quint64 n) noexcept;
    /// Adds n to bucket `index` of the layout (for folding other count arrays in).
    void addAt(int index, quint64 n) noexcept {
        m_counts[size_t(index)] += n;
        if (index >= m_hi)
            m_hi = index + 1;
        m_count += n;
    }
    void merge(const Histogram& other) noexcept;
    void reset() noexcept;

    quint64 count() const { return m_count; }
    /// The value at `percentile` (0..100): the highest value of the bucket that holds it.
    quint64 valueAt(double percentile) const;
    Percentiles percentiles() const;
    /// How many samples are <= `us`, each counted at the middle of its bucket (for cumulative
    /// Prometheus buckets).
    quint64 countAtOrBelow(quint64 us) const;
    /// Sum of all samples, each counted at the middle of its bucket.
    double approximateSumUs() const;

private:
    struct Free {
        void operator()(quint64* p) const noexcept;
    };
    // calloc: pages no sample touched stay unmapped, so an idle histogram costs little memory.
    std::unique_ptr<quint64[], Free> m_countsStorage;
    quint64* m_counts;
    int m_hi = 0; ///< one past the highest bucket with a count
    quint64 m_count = 0;
};

} // namespace jetdeck::metrics
