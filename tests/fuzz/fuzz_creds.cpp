// .creds files and the JWTs in them.
#include "core/auth/creds.h"
#include "core/auth/jwt.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    auto creds = parseCreds(text);
    if (creds) {
        (void)jwt::decodeClaims(creds->jwt);
        (void)jwt::verify(creds->jwt);
    }
    (void)jwt::decodeClaims(text);
    (void)jwt::verify(text);
    return 0;
}
