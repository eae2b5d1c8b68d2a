// Micro benchmarks of the metrics engine: recording a sample, a window's percentiles, and the
// Prometheus exposition of 1,000 series (targets: < 20 ns, < 50 µs, < 5 ms).
#include "core/base/histogram.h"
#include "core/base/windowedhistogram.h"
#include "core/metrics/registry.h"

#include <QCoreApplication>

#include <benchmark/benchmark.h>

#include <random>

using namespace jetdeck::metrics;

namespace {

std::vector<quint64> latencies(size_t n) {
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> d(std::log(800.0), 1.0);
    std::vector<quint64> v(n);
    for (auto& x : v)
        x = quint64(d(rng));
    return v;
}

void BM_HistogramRecord(benchmark::State& state) {
    Histogram h;
    const auto v = latencies(4096);
    size_t i = 0;
    for (auto _ : state) {
        h.record(v[i++ & 4095]);
    }
    benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_WindowedRecord(benchmark::State& state) {
    static WindowedHistogram w;
    const auto v = latencies(4096);
    size_t i = 0;
    for (auto _ : state) {
        w.record(v[i++ & 4095]);
    }
}
BENCHMARK(BM_WindowedRecord)->Threads(1)->Threads(2);

void BM_WindowSnapshot(benchmark::State& state) {
    // Five minutes of samples spread over every slot, then the window's percentiles.
    qint64 now = 0;
    WindowedHistogram w([&] { return now; });
    const auto v = latencies(1 << 16);
    for (int slot = 0; slot < 150; ++slot) {
        for (size_t i = 0; i < 2000; ++i)
            w.record(v[(size_t(slot) * 2000 + i) & 0xffff]);
        now += WindowedHistogram::kSlotMs;
        w.tick();
    }
    const Window window = Window(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(w.snapshot(window));
    }
}
BENCHMARK(BM_WindowSnapshot)
    ->Arg(int(Window::Last10s))
    ->Arg(int(Window::Last1m))
    ->Arg(int(Window::Last5m))
    ->Unit(benchmark::kMicrosecond);

void BM_Exposition1000Series(benchmark::State& state) {
    // 40 probes (each a 21-line histogram and three window gauges = 24 series) = 960 series,
    // plus the thresholds and the rest.
    MetricsRegistry reg;
    const auto v = latencies(1000);
    for (int p = 0; p < 40; ++p) {
        auto h = reg.probe(QStringLiteral("processing"),
                           {{QStringLiteral("stream"), QStringLiteral("S%1").arg(p / 4)},
                            {QStringLiteral("consumer"), QStringLiteral("C%1").arg(p)}});
        for (quint64 x : v)
            h->record(x);
    }
    qsizetype bytes = 0;
    for (auto _ : state) {
        const QByteArray t = reg.prometheusText();
        bytes = t.size();
        benchmark::DoNotOptimize(t.constData());
    }
    state.counters["bytes"] = double(bytes);
    state.counters["lines"] = double(reg.prometheusText().count('\n'));
}
BENCHMARK(BM_Exposition1000Series)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv); // the registry is a QObject with a timer
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
