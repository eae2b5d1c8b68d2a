// Scenario files: any text gives a scenario or a FILE:LINE error, never an exception.
#include "core/scenario/scenario.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray text(reinterpret_cast<const char*>(data), qsizetype(size));
    auto sc = scenario::Scenario::parse(text, QStringLiteral("fuzz.json"));
    if (sc) {
        (void)sc.value().foreignTargets();
        (void)sc.value().connectionOptions(Options());
    } else if (!sc.error().message.startsWith(QStringLiteral("fuzz.json"))) {
        __builtin_trap(); // every error names the file (and line)
    }
    return 0;
}
