#include "lister.h"

#include "core/base/clock.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace jetdeck::js {

namespace {

template <typename Page>
Result<Page> decodePage(const Result<nlohmann::json>& reply) {
    if (!reply)
        return reply.error();
    return Page::fromJson(reply.value());
}

/// Where the next page starts, or nullopt after the last one.
template <typename Page>
std::optional<int> nextOffset(const Page& page, qsizetype items) {
    const int next = page.offset + int(items);
    if (items == 0 || next >= page.total)
        return std::nullopt;
    return next;
}

} // namespace

JetStreamLister::JetStreamLister(const JetStream& js, RequestBudget* budget, QObject* parent)
    : QObject(parent)
    , m_js(js)
    , m_budget(budget) {
    qRegisterMetaType<JetStreamSnapshot>();
    m_next.setSingleShot(true);
    m_next.setTimerType(Qt::PreciseTimer);
    connect(&m_next, &QTimer::timeout, this, &JetStreamLister::listNow);
    m_pace.setSingleShot(true);
    m_pace.setTimerType(Qt::PreciseTimer);
    connect(&m_pace, &QTimer::timeout, this, &JetStreamLister::sendNext);
}

void JetStreamLister::setInterval(int ms) {
    m_intervalMs = std::max(100, ms);
    if (m_running && m_phase == Phase::Idle && m_next.isActive())
        m_next.start(std::max<qint64>(0, m_roundStartMs + m_intervalMs - steadyNowMs()));
}

void JetStreamLister::setShare(double share) {
    m_share = std::isfinite(share) ? std::clamp(share, 0.01, 1.0) : kDefaultShare;
}

double JetStreamLister::maxRate() const {
    return m_budget ? m_budget->perSecond() * m_share : 0;
}

void JetStreamLister::start() {
    m_running = true;
    listNow();
}

void JetStreamLister::stop() {
    m_running = false;
    ++m_round;
    m_phase = Phase::Idle;
    m_next.stop();
    m_pace.stop();
}

void JetStreamLister::listNow() {
    if (m_phase != Phase::Idle)
        return;
    m_next.stop();
    if (!m_js.connection()->isConnected()) {
        // Nothing to list from; the owner hears about the connection from the connection.
        if (m_running)
            m_next.start(m_intervalMs);
        return;
    }
    ++m_round;
    m_phase = m_withAccount ? Phase::Account : Phase::Streams;
    m_offset = 0;
    m_streamIndex = 0;
    m_building = JetStreamSnapshot{};
    m_roundStartMs = steadyNowMs();
    sendNext();
}

void JetStreamLister::sendNext() {
    if (m_phase == Phase::Idle)
        return;
    if (!m_js.connection()->isConnected()) {
        finish(Error{ErrorKind::NotConnected, QStringLiteral("not connected")});
        return;
    }
    const qint64 now = steadyNowMs();
    qint64 waitMs = std::max<qint64>(0, m_nextSendMs - now);
    if (m_budget)
        waitMs = std::max(waitMs, m_budget->waitMs(1));
    if (waitMs > 0 || (m_budget && !m_budget->tryTake(1))) {
        // Another poller took the token first: try again when the next one is there.
        m_pace.start(int(std::max<qint64>(waitMs, 5)));
        return;
    }
    if (m_budget)
        m_nextSendMs = now + qint64(std::ceil(1000.0 / maxRate()));
    ++m_building.requests;
    const quint64 round = m_round;
    if (m_phase == Phase::Account) {
        m_js.requestAsync("INFO", nlohmann::json(), this,
                          [this, round](const Result<nlohmann::json>& r) { onAccount(round, r); });
        return;
    }
    if (m_phase == Phase::Streams) {
        m_js.requestAsync("STREAM.LIST", nlohmann::json{{"offset", m_offset}}, this,
                          [this, round](const Result<nlohmann::json>& r) { onStreams(round, r); });
        return;
    }
    const QString& stream = m_building.streams.at(m_streamIndex).config.name;
    m_js.requestAsync(QByteArray("CONSUMER.LIST." + stream.toUtf8()),
                      nlohmann::json{{"offset", m_offset}}, this,
                      [this, round](const Result<nlohmann::json>& r) { onConsumers(round, r); });
}

void JetStreamLister::onAccount(quint64 round, const Result<nlohmann::json>& reply) {
    if (round != m_round)
        return;
    Result<AccountInfo> info =
        reply ? AccountInfo::fromJson(reply.value()) : Result<AccountInfo>(reply.error());
    if (!info) {
        finish(info.error());
        return;
    }
    m_building.account = std::move(info).value();
    m_phase = Phase::Streams;
    sendNext();
}

void JetStreamLister::onStreams(quint64 round, const Result<nlohmann::json>& reply) {
    if (round != m_round)
        return;
    Result<StreamListPage> page = decodePage<StreamListPage>(reply);
    if (!page) {
        finish(page.error());
        return;
    }
    m_building.streams.append(page->streams);
    if (const std::optional<int> next = nextOffset(page.value(), page->streams.size())) {
        m_offset = *next;
        sendNext();
        return;
    }
    m_phase = Phase::Consumers;
    m_streamIndex = 0;
    m_offset = 0;
    nextStreamOrFinish();
}

void JetStreamLister::onConsumers(quint64 round, const Result<nlohmann::json>& reply) {
    if (round != m_round)
        return;
    const QString name = m_building.streams.at(m_streamIndex).config.name;
    Result<ConsumerListPage> page = decodePage<ConsumerListPage>(reply);
    if (!page) {
        // The stream may have gone since STREAM.LIST: shown without consumers.
        if (page.error().kind != ErrorKind::NotFound) {
            finish(page.error());
            return;
        }
    } else {
        m_building.consumers[name].append(page->consumers);
        if (const std::optional<int> next = nextOffset(page.value(), page->consumers.size())) {
            m_offset = *next;
            sendNext();
            return;
        }
    }
    ++m_streamIndex;
    m_offset = 0;
    nextStreamOrFinish();
}

void JetStreamLister::nextStreamOrFinish() {
    // A stream without consumers needs no CONSUMER.LIST: its count came with STREAM.LIST.
    while (m_streamIndex < m_building.streams.size() &&
           m_building.streams.at(m_streamIndex).state.consumerCount == 0) {
        m_building.consumers.insert(m_building.streams.at(m_streamIndex).config.name, {});
        ++m_streamIndex;
    }
    if (m_streamIndex < m_building.streams.size()) {
        sendNext();
        return;
    }
    m_building.taken = QDateTime::currentDateTime();
    m_building.tookMs = steadyNowMs() - m_roundStartMs;
    // Moved, not copied: with thousands of consumers a round's snapshot is large.
    finish(Result<JetStreamSnapshot>(std::exchange(m_building, JetStreamSnapshot{})));
}

void JetStreamLister::finish(const Result<JetStreamSnapshot>& result) {
    m_phase = Phase::Idle;
    m_pace.stop();
    m_building = JetStreamSnapshot{};
    if (m_running)
        m_next.start(int(std::max<qint64>(0, m_roundStartMs + m_intervalMs - steadyNowMs())));
    emit listed(result);
}

} // namespace jetdeck::js
