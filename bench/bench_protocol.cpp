// Micro benchmarks of the protocol hot paths: parsing MSG frames and building PUB frames.
#include "core/client/message.h"
#include "core/protocol/frames.h"
#include "core/protocol/parser.h"
#include "core/protocol/subject.h"

#include <benchmark/benchmark.h>

using namespace jetdeck;

namespace {

struct Counting : ParserHandler {
    qint64 msgs = 0;
    qint64 bytes = 0;
    void onInfo(QByteArrayView) override {}
    void onMsg(const MsgView& m) override {
        ++msgs;
        bytes += m.payload.size();
    }
    void onPing() override {}
    void onPong() override {}
    void onOk() override {}
    void onErr(QByteArrayView) override {}
};

QByteArray msgStream(int count, int size, bool headers) {
    QByteArray out;
    const QByteArray payload(size, 'x');
    const QByteArray hdr = "NATS/1.0\r\nNats-Msg-Id: 0123456789\r\n\r\n";
    for (int i = 0; i < count; ++i) {
        if (headers) {
            out += "HMSG orders.created 12 _INBOX.abc.1 " + QByteArray::number(hdr.size()) + ' ' +
                   QByteArray::number(hdr.size() + size) + "\r\n" + hdr + payload + "\r\n";
        } else {
            out += "MSG orders.created 12 " + QByteArray::number(size) + "\r\n" + payload + "\r\n";
        }
    }
    return out;
}

void BM_ParseMsg(benchmark::State& state) {
    const QByteArray stream = msgStream(1000, int(state.range(0)), state.range(1) != 0);
    const qsizetype chunk = 64 * 1024;
    Counting h;
    Parser p(&h);
    for (auto _ : state) {
        for (qsizetype off = 0; off < stream.size(); off += chunk)
            p.feed(stream.constData() + off, qMin(chunk, stream.size() - off));
    }
    state.SetItemsProcessed(h.msgs);
    state.SetBytesProcessed(qint64(state.iterations()) * stream.size());
}
BENCHMARK(BM_ParseMsg)->Args({16, 0})->Args({128, 0})->Args({4096, 0})->Args({128, 1});

void BM_CopyToMessage(benchmark::State& state) {
    const QByteArray payload(int(state.range(0)), 'x');
    MsgView v;
    v.subject = "orders.created";
    v.payload = payload;
    v.sid = 1;
    for (auto _ : state) {
        Message m(v);
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CopyToMessage)->Arg(128)->Arg(4096);

void BM_BuildPub(benchmark::State& state) {
    const QByteArray payload(int(state.range(0)), 'x');
    QByteArray out;
    out.reserve(1 << 20);
    for (auto _ : state) {
        out.resize(0);
        for (int i = 0; i < 1000; ++i)
            frames::appendPub(out, "orders.created", {}, payload);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(qint64(state.iterations()) * 1000);
}
BENCHMARK(BM_BuildPub)->Arg(16)->Arg(128)->Arg(4096);

void BM_ValidateSubject(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(subject::validatePublish("orders.eu.created.v1"));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateSubject);

} // namespace

BENCHMARK_MAIN();
