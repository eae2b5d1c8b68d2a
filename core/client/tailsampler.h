#pragma once

#include "core/client/message.h"

#include <QDateTime>
#include <QList>

#include <mutex>

namespace jetdeck {

/// Between a subscription and a viewer: every message is counted, at most `keepPerTake` are
/// copied between two take() calls (the first ones after each take), the rest only counted. The
/// subscription's side (offer(), on the connection's thread) is a lock, two additions and, for
/// a kept message, one copy, so a tail at hundreds of thousands of messages a second costs the
/// connection little and the viewer a bounded batch per tick, whatever the rate.
class TailSampler {
public:
    struct Kept {
        Message message;
        QDateTime received; ///< UTC
    };
    struct Batch {
        QList<Kept> kept;
        quint64 arrived = 0;      ///< messages since the last take
        quint64 arrivedBytes = 0; ///< their header and payload bytes
        quint64 skipped = 0;      ///< arrived and not kept
    };

    explicit TailSampler(int keepPerTake = 100);

    /// On the connection's thread, for every message.
    void offer(const MsgView& message);
    /// What came since the last take.
    Batch take();
    int keepPerTake() const { return m_keepPerTake; }
    /// Since the sampler was made.
    quint64 totalArrived() const;
    quint64 totalSkipped() const;

private:
    const int m_keepPerTake;
    mutable std::mutex m_mu;
    Batch m_batch;
    quint64 m_totalArrived = 0;
    quint64 m_totalSkipped = 0;
};

} // namespace jetdeck
