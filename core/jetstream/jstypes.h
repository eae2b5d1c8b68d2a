#pragma once

// Everything the JetStream JSON API is made of, in one include: policies, times and durations,
// errors and small responses (jscommon.h), streams (streamtypes.h), consumers
// (consumertypes.h).

#include "core/jetstream/consumertypes.h" // IWYU pragma: export
#include "core/jetstream/jscommon.h"      // IWYU pragma: export
#include "core/jetstream/streamtypes.h"   // IWYU pragma: export
