// natscli context files, then the options JetDeck makes of them.
#include "core/client/connectoptions.h"
#include "core/client/natscontext.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const QProcessEnvironment env = [] {
        QProcessEnvironment e;
        e.insert(QStringLiteral("HOME"), QStringLiteral("/nonexistent-home"));
        e.insert(QStringLiteral("X"), QStringLiteral("x"));
        return e;
    }();
    const QByteArray text(reinterpret_cast<const char*>(data), qsizetype(size));
    auto ctx = parseNatsContextJson(text, QStringLiteral("fuzz"), QStringLiteral("fuzz.json"), env);
    if (ctx) {
        (void)optionsFromContext(ctx.value(), env);
        (void)natsServerUrls(ctx.value().url);
    }
    return 0;
}
