// The latency engine's histograms: accuracy against exact percentiles over a million samples
// of several shapes, merging and resetting, and windows that forget on time (injected clock).

#include "core/base/histogram.h"
#include "core/base/windowedhistogram.h"
#include "tests/support/verify.h"

#include <QtTest>

#include <algorithm>
#include <random>
#include <thread>

using namespace jetdeck::metrics;

class TestHistogram : public QObject {
    Q_OBJECT
private slots:
    void layoutRoundTrips();
    void accuracy_data();
    void accuracy();
    void emptyAndSingle();
    void mergeAndReset();
    void clampsOutOfRange();
    void cumulativeCounts();
    void windowsForgetOnTime();
    void windowsAfterLongPause();
    void windowedMatchesPlain();
    void windowedConcurrentWriters();
    void windowedLifetimeBuckets();
    void windowNames();
};

void TestHistogram::layoutRoundTrips() {
    // Every value lands in a bucket whose range holds it, and is never more than 1/1024 of the
    // value away from either end.
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> bits(0, 31);
    for (int n = 0; n < 200000; ++n) {
        const quint64 v = rng() >> (32 + bits(rng)) % 64;
        const quint64 clamped = qMin(v, layout::kMaxValueUs);
        const int i = layout::indexOf(v);
        QVERIFY(i >= 0 && i < layout::kCountsLen);
        QVERIFY2(layout::lowestOf(i) <= clamped && clamped <= layout::highestOf(i),
                 qPrintable(QString::number(v)));
        QVERIFY(double(layout::highestOf(i) - layout::lowestOf(i)) <=
                qMax(0.0, double(clamped) / 1024.0));
    }
    for (quint64 v = 0; v < 5000; ++v)
        QCOMPARE(layout::lowestOf(layout::indexOf(v)) <= v, true);
    QCOMPARE(layout::indexOf(0), 0);
    QCOMPARE(layout::highestOf(layout::indexOf(2047)), quint64(2047));
    QVERIFY(layout::indexOf(layout::kMaxValueUs) < layout::kCountsLen);
}

namespace {

enum class Shape { Uniform, LogNormal, Bimodal, Outliers, Constant };

std::vector<quint64> samples(Shape shape, int n, quint64 seed) {
    std::mt19937_64 rng(seed);
    std::vector<quint64> out;
    out.reserve(size_t(n));
    std::uniform_real_distribution<double> uni(50, 50000);
    std::lognormal_distribution<double> logn(std::log(800.0), 0.9);
    std::normal_distribution<double> fast(300, 40);
    std::normal_distribution<double> slow(25000, 3000);
    std::bernoulli_distribution pickSlow(0.3);
    std::bernoulli_distribution outlier(0.002);
    std::uniform_real_distribution<double> huge(1e6, 3e9);
    for (int i = 0; i < n; ++i) {
        double v = 0;
        switch (shape) {
        case Shape::Uniform:
            v = uni(rng);
            break;
        case Shape::LogNormal:
            v = logn(rng);
            break;
        case Shape::Bimodal:
            v = pickSlow(rng) ? slow(rng) : fast(rng);
            break;
        case Shape::Outliers:
            v = outlier(rng) ? huge(rng) : logn(rng);
            break;
        case Shape::Constant:
            v = 1234;
            break;
        }
        out.push_back(quint64(std::max(1.0, v)));
    }
    return out;
}

quint64 exactAt(const std::vector<quint64>& sorted, double percentile) {
    const auto rank = quint64(std::ceil(percentile / 100.0 * double(sorted.size()) - 1e-9));
    return sorted[size_t(std::clamp<quint64>(rank, 1, sorted.size()) - 1)];
}

void checkClose(quint64 got, quint64 exact, const char* what) {
    const double err = std::abs(double(got) - double(exact)) / double(std::max<quint64>(exact, 1));
    QVERIFY2(err <= 0.01, qPrintable(QStringLiteral("%1: got %2, exact %3 (%4 %)")
                                         .arg(QLatin1String(what))
                                         .arg(got)
                                         .arg(exact)
                                         .arg(err * 100, 0, 'f', 3)));
}

} // namespace

void TestHistogram::accuracy_data() {
    QTest::addColumn<int>("shape");
    QTest::newRow("uniform") << int(Shape::Uniform);
    QTest::newRow("log-normal") << int(Shape::LogNormal);
    QTest::newRow("bimodal") << int(Shape::Bimodal);
    QTest::newRow("with outliers") << int(Shape::Outliers);
    QTest::newRow("constant") << int(Shape::Constant);
}

void TestHistogram::accuracy() {
    QFETCH(int, shape);
    std::vector<quint64> values = samples(Shape(shape), 1000000, 42 + quint64(shape));
    Histogram h;
    for (quint64 v : values)
        h.record(v);
    std::sort(values.begin(), values.end());
    const Percentiles p = h.percentiles();
    QCOMPARE(p.count, quint64(values.size()));
    checkClose(p.p50, exactAt(values, 50), "P50");
    checkClose(p.p90, exactAt(values, 90), "P90");
    checkClose(p.p95, exactAt(values, 95), "P95");
    checkClose(p.p99, exactAt(values, 99), "P99");
    checkClose(p.p999, exactAt(values, 99.9), "P99.9");
    checkClose(p.max, values.back(), "max");
    checkClose(h.valueAt(99), exactAt(values, 99), "valueAt(99)");
    double sum = 0;
    for (quint64 v : values)
        sum += double(v);
    QVERIFY(std::abs(p.meanUs - sum / double(values.size())) <= 0.01 * sum / double(values.size()));

    // The windowed recorder reads the same numbers (all samples inside the current slot).
    qint64 now = 0;
    WindowedHistogram w([&] { return now; });
    for (quint64 v : values)
        w.record(v);
    const Percentiles wp = w.snapshot(Window::Last10s);
    QCOMPARE(wp.count, p.count);
    QCOMPARE(wp.p50, p.p50);
    QCOMPARE(wp.p99, p.p99);
    QCOMPARE(wp.p999, p.p999);
    QCOMPARE(wp.max, p.max);
}

void TestHistogram::emptyAndSingle() {
    Histogram h;
    Percentiles p = h.percentiles();
    QCOMPARE(p.count, quint64(0));
    QCOMPARE(p.p99, quint64(0));
    QCOMPARE(h.valueAt(50), quint64(0));
    h.record(0);
    p = h.percentiles();
    QCOMPARE(p.count, quint64(1));
    QCOMPARE(p.p50, quint64(0));
    QCOMPARE(p.max, quint64(0));
    h.record(777);
    QCOMPARE(h.valueAt(100), quint64(777));
    QCOMPARE(h.valueAt(50), quint64(0));
}

void TestHistogram::mergeAndReset() {
    Histogram a;
    Histogram b;
    Histogram both;
    const auto va = samples(Shape::LogNormal, 100000, 1);
    const auto vb = samples(Shape::Bimodal, 100000, 2);
    for (quint64 v : va) {
        a.record(v);
        both.record(v);
    }
    for (quint64 v : vb) {
        b.record(v);
        both.record(v);
    }
    a.merge(b);
    const Percentiles pa = a.percentiles();
    const Percentiles pboth = both.percentiles();
    QCOMPARE(pa.count, quint64(200000));
    QCOMPARE(pa.p50, pboth.p50);
    QCOMPARE(pa.p95, pboth.p95);
    QCOMPARE(pa.p999, pboth.p999);
    QCOMPARE(pa.max, pboth.max);
    a.reset();
    QCOMPARE(a.count(), quint64(0));
    QCOMPARE(a.percentiles().max, quint64(0));
    a.record(5);
    QCOMPARE(a.percentiles().max, quint64(5));
    QCOMPARE(a.count(), quint64(1));
}

void TestHistogram::clampsOutOfRange() {
    Histogram h;
    h.record(~quint64(0));
    h.record(layout::kMaxValueUs * 10);
    const Percentiles p = h.percentiles();
    QCOMPARE(p.count, quint64(2));
    QVERIFY(p.max >= layout::kMaxValueUs &&
            p.max <= layout::kMaxValueUs + layout::kMaxValueUs / 1000);
}

void TestHistogram::cumulativeCounts() {
    Histogram h;
    for (quint64 v = 1; v <= 1000; ++v)
        h.record(v);
    QCOMPARE(h.countAtOrBelow(0), quint64(0));
    QCOMPARE(h.countAtOrBelow(500), quint64(500));
    QCOMPARE(h.countAtOrBelow(1000), quint64(1000));
    QCOMPARE(h.countAtOrBelow(1000000), quint64(1000));
    QCOMPARE(h.approximateSumUs(), 500500.0);
}

void TestHistogram::windowsForgetOnTime() {
    qint64 now = 1000000;
    WindowedHistogram w([&] { return now; }, {0.001, 0.01, 0.1});
    for (int i = 0; i < 100; ++i)
        w.record(1000); // at t = 0
    QCOMPARE(w.snapshot(Window::Last10s).count, quint64(100));

    // Still inside every window a little later.
    now += 5000;
    w.tick(); // as the metrics registry's timer does, several times a second
    for (int i = 0; i < 10; ++i)
        w.record(50000); // at t = 5 s
    QCOMPARE(w.snapshot(Window::Last10s).count, quint64(110));
    QCOMPARE(w.snapshot(Window::Last10s).max, layout::highestOf(layout::indexOf(50000)));

    // The 10 s window slides in 2 s steps: the t = 0 samples are gone by t = 12 s, the
    // t = 5 s ones by t = 17 s; the longer windows still hold them.
    now = 1000000 + 12000;
    Percentiles p = w.snapshot(Window::Last10s);
    QCOMPARE(p.count, quint64(10));
    QCOMPARE(w.snapshot(Window::Last1m).count, quint64(110));
    now = 1000000 + 17000;
    QCOMPARE(w.snapshot(Window::Last10s).count, quint64(0));
    QCOMPARE(w.snapshot(Window::Last1m).count, quint64(110));

    // The 1 min window slides in 12 s steps: gone between 60 and 72 s.
    now = 1000000 + 59000;
    QCOMPARE(w.snapshot(Window::Last1m).count, quint64(110));
    now = 1000000 + 73000;
    QCOMPARE(w.snapshot(Window::Last1m).count, quint64(0));
    QCOMPARE(w.snapshot(Window::Last5m).count, quint64(110));

    // The 5 min window slides in 60 s steps: gone between 300 and 360 s.
    now = 1000000 + 299000;
    QCOMPARE(w.snapshot(Window::Last5m).count, quint64(110));
    now = 1000000 + 363000;
    QCOMPARE(w.snapshot(Window::Last5m).count, quint64(0));

    // Since creation, nothing is forgotten.
    const CumulativeBuckets b = w.buckets();
    QCOMPARE(b.count, quint64(110));
    QCOMPARE(b.counts, QList<quint64>({100, 100, 110}));
    QVERIFY(std::abs(b.sumSeconds - (100 * 0.001 + 10 * 0.05)) < 0.001);
}

void TestHistogram::windowsAfterLongPause() {
    qint64 now = 0;
    WindowedHistogram w([&] { return now; });
    w.record(10);
    now += 3600 * 1000; // nobody looked for an hour
    QCOMPARE(w.snapshot(Window::Last5m).count, quint64(0));
    w.record(20);
    const Percentiles p = w.snapshot(Window::Last10s);
    QCOMPARE(p.count, quint64(1));
    QCOMPARE(p.max, quint64(20));
    // Counted since creation once folded: two slots later.
    QCOMPARE(w.buckets().count, quint64(1));
    now += 2 * WindowedHistogram::kSlotMs;
    QCOMPARE(w.buckets().count, quint64(2));
    w.reset();
    QCOMPARE(w.snapshot(Window::Last5m).count, quint64(0));
    QCOMPARE(w.buckets().count, quint64(0));
    w.record(30);
    QCOMPARE(w.snapshot(Window::Last1m).count, quint64(1));
}

void TestHistogram::windowedMatchesPlain() {
    // A minute of samples, a slot at a time, against a plain histogram of the same minute.
    qint64 now = 0;
    WindowedHistogram w([&] { return now; });
    Histogram last10;
    Histogram all;
    std::mt19937_64 rng(3);
    std::lognormal_distribution<double> logn(std::log(2000.0), 1.0);
    for (int slot = 0; slot < 30; ++slot) {
        if (slot == 25)
            last10.reset();
        for (int i = 0; i < 10000; ++i) {
            const auto v = quint64(logn(rng));
            w.record(v);
            all.record(v);
            if (slot >= 25)
                last10.record(v);
        }
        now += WindowedHistogram::kSlotMs;
        w.tick();
    }
    const Percentiles p10 = w.snapshot(Window::Last10s);
    const Percentiles e10 = last10.percentiles();
    QVERIFY(p10.count >= e10.count);
    QCOMPARE(w.snapshot(Window::Last1m).count, all.count());
    QCOMPARE(w.snapshot(Window::Last1m).p99, all.percentiles().p99);
    QCOMPARE(w.snapshot(Window::Last5m).p50, all.percentiles().p50);
}

void TestHistogram::windowedConcurrentWriters() {
    WindowedHistogram w;
    constexpr int kPerThread = 500000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&w, t] {
            for (int i = 0; i < kPerThread; ++i)
                w.record(quint64(100 + t));
        });
    // Readers while writing.
    for (int i = 0; i < 50; ++i)
        QVERIFY(w.snapshot(Window::Last10s).count <= quint64(4 * kPerThread));
    for (auto& t : threads)
        t.join();
    const Percentiles p = w.snapshot(Window::Last1m);
    QCOMPARE(p.count, quint64(4 * kPerThread));
    QCOMPARE(p.max, quint64(103));
}

void TestHistogram::windowedLifetimeBuckets() {
    qint64 now = 0;
    WindowedHistogram w([&] { return now; }, {0.05, 0.1, 0.2});
    for (int s = 0; s < 200; ++s) { // 400 s: older than every window
        w.record(quint64(s) * 1000);
        now += 2000;
        w.tick();
    }
    // Slots 0..198 folded: four closed 60 s steps (slots 60..179), 19 slots building, and the
    // sealed slot 199.
    QCOMPARE(w.snapshot(Window::Last5m).count, quint64(140));
    now += 2 * WindowedHistogram::kSlotMs; // the last sample folded
    const CumulativeBuckets b = w.buckets();
    QCOMPARE(b.count, quint64(200));
    QCOMPARE(b.counts, QList<quint64>({51, 101, 200}));
}

void TestHistogram::windowNames() {
    QCOMPARE(windowFromName(QStringLiteral("10s")), std::optional<Window>(Window::Last10s));
    QCOMPARE(windowFromName(QStringLiteral("1m")), std::optional<Window>(Window::Last1m));
    QCOMPARE(windowFromName(QStringLiteral("5 m")), std::optional<Window>(Window::Last5m));
    QCOMPARE(windowFromName(QStringLiteral("300s")), std::optional<Window>(Window::Last5m));
    QVERIFY(!windowFromName(QStringLiteral("2h")));
    QVERIFY(!windowFromName(QString()));
    QCOMPARE(windowName(Window::Last1m), QStringLiteral("1m"));
    QCOMPARE(windowSeconds(Window::Last5m), 300);
}

QTEST_GUILESS_MAIN(TestHistogram)
#include "tst_histogram.moc"
