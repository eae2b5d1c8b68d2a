// The protocol parser, fed a server's byte stream cut into chunks at points the input chooses:
// every frame split at any byte must parse the same, and nothing may read out of bounds.
#include "core/client/message.h"
#include "core/protocol/headers.h"
#include "core/protocol/parser.h"

#include <cstddef>
#include <cstdint>

using namespace jetdeck;

namespace {

class Sink final : public ParserHandler {
public:
    void onInfo(QByteArrayView json) override { touch(json); }
    void onMsg(const MsgView& m) override {
        touch(m.subject);
        touch(m.reply);
        touch(m.payload);
        if (!m.headers.isEmpty()) {
            touch(m.headers);
            bool ok = false;
            const Headers h = Headers::fromBlock(m.headers, &ok);
            sum += quint64(h.entries().size()) + quint64(headerStatus(m.headers));
        }
    }
    void onPing() override { ++sum; }
    void onPong() override { ++sum; }
    void onOk() override { ++sum; }
    void onErr(QByteArrayView text) override { touch(text); }
    quint64 sum = 0;

private:
    void touch(QByteArrayView v) {
        for (char c : v)
            sum += quint8(c);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2)
        return 0;
    // Byte 0: how many cuts (0..7); then one byte per cut: where, in 1/256ths of the rest.
    const size_t cuts = data[0] % 8;
    if (size < 1 + cuts)
        return 0;
    const uint8_t* cutAt = data + 1;
    const char* stream = reinterpret_cast<const char*>(data + 1 + cuts);
    const qsizetype len = qsizetype(size - 1 - cuts);
    Sink sink;
    Parser parser(&sink);
    parser.setMaxPayload(1 << 20);
    qsizetype pos = 0;
    for (size_t i = 0; i <= cuts && pos < len; ++i) {
        const qsizetype end = i == cuts ? len : qMax(pos, qsizetype(len * cutAt[i] / 256));
        if (!parser.feed(stream + pos, end - pos)) {
            // After an error the parser refuses input until reset, as the client does it.
            (void)parser.errorString();
            parser.reset();
        }
        pos = end;
    }
    return 0;
}
