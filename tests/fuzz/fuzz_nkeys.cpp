// NKey seeds and public keys: base32, CRC, prefixes; a valid seed must sign and verify.
#include "core/auth/nkeys.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    (void)nkeys::publicKeyType(text);
    auto kp = nkeys::KeyPair::fromSeed(text);
    if (kp) {
        const QByteArray sig = kp->sign("nonce");
        if (!nkeys::KeyPair::verify(kp->publicKey(), "nonce", sig))
            __builtin_trap();
    }
    return 0;
}
