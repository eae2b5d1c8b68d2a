// Server URL lists as typed in the console's bar or given with -s; errors never carry the
// password.
#include "core/client/serverurl.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    auto list = parseServerList(text);
    if (list)
        for (const ServerUrl& u : list.value())
            (void)u.redacted();
    (void)redactUrlText(text);
    return 0;
}
