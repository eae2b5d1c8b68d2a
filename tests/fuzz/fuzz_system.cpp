// What servers say about themselves and announce: $SYS replies (the envelope and VARZ, HEALTHZ,
// CONNZ, JSZ), events (JetStream advisories, client events) on any subject, and the ack
// samples of consumers with sample_freq; the stream infos inside (mirrors and sources).
#include "core/protocol/json.h"
#include "core/system/acksampler.h"
#include "core/system/events.h"
#include "core/system/sysdocs.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    // The first line is the subject an event came on, the rest its payload.
    const qsizetype nl = text.indexOf('\n');
    const QByteArrayView subject = nl < 0 ? QByteArrayView() : text.first(nl);
    const QByteArrayView payload = nl < 0 ? text : text.sliced(nl + 1);
    if (auto e = sys::parseEvent(subject, payload); e && e->has_value()) {
        (void)e.value()->toJsonLine();
        (void)e.value()->where();
    }
    (void)sys::parseServerReply(text);
    (void)sys::parseAckSample(payload);
    const nlohmann::json j = json::parse(text);
    if (j.is_discarded())
        return 0;
    (void)sys::Varz::fromJson(j);
    (void)sys::Healthz::fromJson(j);
    (void)sys::Connz::fromJson(j);
    (void)sys::Jsz::fromJson(j);
    for (const sys::Doc d : {sys::Doc::Routez, sys::Doc::Gatewayz, sys::Doc::Leafz})
        (void)sys::parseLinks(d, j);
    (void)js::StreamInfo::fromJson(j);
    if (j.is_object() && j.contains("data"))
        (void)sys::Jsz::fromJson(j["data"]), (void)sys::Varz::fromJson(j["data"]);
    return 0;
}
