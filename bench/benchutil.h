#pragma once

#include "core/base/histogram.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QThread>
#include <QTimer>

#include <functional>

namespace jetdeck::bench {

/// Resident memory of this process in KiB (VmRSS), -1 when /proc is not there.
inline qint64 rssKiB() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

/// Runs this thread's event loop until `cond` holds (checked every 5 ms) or `timeoutMs` passed;
/// returns cond(). The loop sleeps between events: a processEvents() loop would spin, and on a
/// small machine take a core from the work being measured.
inline bool waitFor(const std::function<bool()>& cond, int timeoutMs) {
    if (cond())
        return true;
    QElapsedTimer t;
    t.start();
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(5);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cond() || t.elapsed() > timeoutMs)
            loop.quit();
    });
    poll.start();
    loop.exec();
    return cond();
}

/// The peak of rssKiB() from start() on, read every 100 ms by a timer on this thread.
class RssPeak {
public:
    RssPeak() {
        m_timer.setInterval(100);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { sample(); });
    }
    void start() {
        sample();
        m_timer.start();
    }
    void stop() {
        sample();
        m_timer.stop();
    }
    qint64 peakKiB() const { return m_peak; }

private:
    void sample() { m_peak = qMax(m_peak, rssKiB()); }
    QTimer m_timer;
    qint64 m_peak = 0;
};

/// How late a 10 ms timer on this thread fires, from start() to stop(): the responsiveness of
/// a GUI thread (a stall of N ms shows as one sample N ms late).
class LatenessProbe {
public:
    LatenessProbe() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(10);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 lateUs = qMax<qint64>(0, (now - m_last) / 1000 - 10000);
            m_last = now;
            m_lateness.record(quint64(lateUs));
            m_maxLateUs = qMax(m_maxLateUs, lateUs);
            if (lateUs > 100000)
                ++m_stalls;
        });
    }
    void start() {
        m_clock.start();
        m_last = m_clock.nsecsElapsed();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    metrics::Percentiles percentiles() const { return m_lateness.percentiles(); }
    qint64 maxLateUs() const { return m_maxLateUs; }
    /// Samples more than 100 ms late.
    qint64 stalls() const { return m_stalls; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    metrics::Histogram m_lateness;
    qint64 m_last = 0;
    qint64 m_maxLateUs = 0;
    qint64 m_stalls = 0;
};

} // namespace jetdeck::bench
