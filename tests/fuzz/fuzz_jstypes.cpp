// Everything the client decodes from a server's JSON: INFO, every JetStream API answer, and
// the metadata in an ack reply subject.
#include "core/client/serverinfo.h"
#include "core/jetstream/consumertypes.h"
#include "core/jetstream/jscommon.h"
#include "core/jetstream/jsmessage.h"
#include "core/jetstream/streamtypes.h"
#include "core/protocol/json.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    (void)ServerInfo::parse(text);
    (void)js::JsMetadata::parse(text);
    const nlohmann::json j = json::parse(text);
    if (j.is_discarded())
        return 0;
    (void)js::StreamConfig::fromJson(j);
    (void)js::StreamInfo::fromJson(j);
    (void)js::StreamNamesPage::fromJson(j);
    (void)js::StreamListPage::fromJson(j);
    (void)js::StoredMessage::fromJson(j);
    (void)js::ConsumerConfig::fromJson(j);
    (void)js::ConsumerInfo::fromJson(j);
    (void)js::ConsumerNamesPage::fromJson(j);
    (void)js::ConsumerListPage::fromJson(j);
    (void)js::AccountInfo::fromJson(j);
    (void)js::PubAck::fromJson(j);
    (void)js::ClusterInfo::fromJson(j);
    (void)json::dump(j);
    return 0;
}
