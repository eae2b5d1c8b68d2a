#include "tailsampler.h"

namespace jetdeck {

TailSampler::TailSampler(int keepPerTake)
    : m_keepPerTake(qMax(1, keepPerTake)) {}

void TailSampler::offer(const MsgView& view) {
    const quint64 bytes = quint64(view.headers.size() + view.payload.size());
    // One lock for the counts and the copy: every message is in exactly one batch, counted as
    // kept or skipped; take() waits at most for one message's copy.
    std::lock_guard lock(m_mu);
    ++m_batch.arrived;
    m_batch.arrivedBytes += bytes;
    ++m_totalArrived;
    if (m_batch.kept.size() >= m_keepPerTake) {
        ++m_batch.skipped;
        ++m_totalSkipped;
        return;
    }
    m_batch.kept.append(Kept{Message(view), QDateTime::currentDateTimeUtc()});
}

TailSampler::Batch TailSampler::take() {
    std::lock_guard lock(m_mu);
    Batch out = std::move(m_batch);
    m_batch = Batch{};
    return out;
}

quint64 TailSampler::totalArrived() const {
    std::lock_guard lock(m_mu);
    return m_totalArrived;
}

quint64 TailSampler::totalSkipped() const {
    std::lock_guard lock(m_mu);
    return m_totalSkipped;
}

} // namespace jetdeck
