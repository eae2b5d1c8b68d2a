#pragma once

#include "natscontext.h"
#include "options.h"

namespace jetdeck {

/// Connection options from a resolved natscli context (servers, credentials, TLS files).
/// Credential references are resolved to paths; unsupported ones give a clear error.
Result<Options>
optionsFromContext(const NatsContext& context,
                   const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());

} // namespace jetdeck
