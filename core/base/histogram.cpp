#include "histogram.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <new>

namespace jetdeck::metrics {

namespace detail {

quint64 rankOf(double percentile, quint64 count) {
    const double exact = percentile / 100.0 * double(count);
    // 99.9 % of 1000 is 999 exactly, not 999.0000000001.
    const auto rank = quint64(std::ceil(exact - 1e-9));
    return std::clamp<quint64>(rank, 1, count);
}

} // namespace detail

void Histogram::Free::operator()(quint64* p) const noexcept {
    std::free(p);
}

Histogram::Histogram()
    : m_countsStorage(static_cast<quint64*>(std::calloc(layout::kCountsLen, sizeof(quint64))))
    , m_counts(m_countsStorage.get()) {
    if (!m_counts)
        throw std::bad_alloc();
}

void Histogram::recordCount(quint64 us, quint64 n) noexcept {
    if (n == 0)
        return;
    const int i = layout::indexOf(us);
    m_counts[size_t(i)] += n;
    m_hi = qMax(m_hi, i + 1);
    m_count += n;
}

void Histogram::merge(const Histogram& other) noexcept {
    for (int i = 0; i < other.m_hi; ++i)
        m_counts[size_t(i)] += other.m_counts[size_t(i)];
    m_hi = qMax(m_hi, other.m_hi);
    m_count += other.m_count;
}

void Histogram::reset() noexcept {
    std::fill(m_counts, m_counts + m_hi, quint64(0));
    m_hi = 0;
    m_count = 0;
}

quint64 Histogram::valueAt(double percentile) const {
    if (m_count == 0)
        return 0;
    const quint64 rank = detail::rankOf(std::clamp(percentile, 0.0, 100.0), m_count);
    quint64 seen = 0;
    for (int i = 0; i < m_hi; ++i) {
        seen += m_counts[size_t(i)];
        if (seen >= rank)
            return layout::highestOf(i);
    }
    return layout::highestOf(m_hi - 1);
}

Percentiles Histogram::percentiles() const {
    return percentilesOf([this](int i) { return m_counts[size_t(i)]; }, m_hi);
}

quint64 Histogram::countAtOrBelow(quint64 us) const {
    // A sample stands for the middle of its bucket (as in the sum): a bucket counts whole when
    // its middle is <= us.
    quint64 n = 0;
    for (int i = 0; i < m_hi && layout::middleOf(i) <= us; ++i)
        n += m_counts[size_t(i)];
    return n;
}

double Histogram::approximateSumUs() const {
    double sum = 0;
    for (int i = 0; i < m_hi; ++i)
        sum += double(m_counts[size_t(i)]) * double(layout::middleOf(i));
    return sum;
}

} // namespace jetdeck::metrics
