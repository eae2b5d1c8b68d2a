#pragma once

#include "core/jetstream/jstypes.h"

#include <QHash>
#include <QList>

namespace jetdeck {

/// One listing of what the server knows: streams and the consumers of each.
struct JetStreamSnapshot {
    QList<js::StreamInfo> streams;
    QHash<QString, QList<js::ConsumerInfo>> consumers; ///< by stream name
};

} // namespace jetdeck
