#pragma once

// What the files that implement Connection share (connection.cpp, connectionwire.cpp,
// connectionpublish.cpp, connectionsubscribe.cpp, connectionrequest.cpp). Not for other users.

#include <QString>
#include <QtGlobal>

namespace jetdeck::connection_internal {

inline constexpr qsizetype kReadChunk = 256 * 1024;
/// On the connection's own thread a publish writes synchronously once this much is buffered,
/// like nats.c's 32 KiB write buffer: a tight loop then streams instead of piling up.
inline constexpr qsizetype kInlineWriteThreshold = 64 * 1024;
inline constexpr int kRequestTimerIntervalMs = 10;
inline constexpr int kQueueTimerIntervalMs = 250;
inline constexpr int kDrainPollMs = 20;

inline QString delayText(qint64 ms) {
    return ms < 1000 ? QString::number(ms) + QStringLiteral(" ms")
                     : QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

inline QString sizeText(qint64 bytes) {
    return QString::number(bytes) + QStringLiteral(" bytes");
}

} // namespace jetdeck::connection_internal
