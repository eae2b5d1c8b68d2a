// Header blocks as HMSG carries them: parse, status line, serialise and parse again.
#include "core/client/message.h"
#include "core/protocol/headers.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArrayView block(reinterpret_cast<const char*>(data), qsizetype(size));
    bool ok = false;
    const Headers h = Headers::fromBlock(block, &ok);
    (void)headerStatus(block);
    if (ok) {
        // What parsed must serialise to a block that parses to the same entries.
        const QByteArray again = h.toBlock();
        bool ok2 = false;
        const Headers h2 = Headers::fromBlock(again, &ok2);
        if (!ok2 || h2.entries() != h.entries())
            __builtin_trap();
    }
    return 0;
}
