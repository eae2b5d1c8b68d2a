#include "messagebrowser.h"

#include "core/base/naturalsort.h"
#include "core/protocol/json.h"
#include "core/protocol/subject.h"

#include <algorithm>

namespace jetdeck::js {

namespace {

constexpr int kNoMessageFound = 10037; // STREAM.MSG.GET: nothing at or after that sequence

bool isNoMessage(const Error& e) {
    return e.apiErrCode == kNoMessageFound || (e.apiCode == 404 && e.apiErrCode == 0);
}

QString filterOrAll(const QString& subject) {
    return subject.isEmpty() ? QStringLiteral(">") : subject;
}

} // namespace

Status BrowseRequest::validate() const {
    if (count < 1 || count > kMaxCount)
        return Error{
            ErrorKind::InvalidArgument,
            QStringLiteral("a page holds 1 to %1 messages, not %2").arg(kMaxCount).arg(count)};
    if (!subject.isEmpty()) {
        if (Status s = subject::validateSubscribe(subject.toUtf8()); !s.ok())
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("subject filter: %1").arg(s.message)};
    }
    if (from == BrowseFrom::Sequence && seq == 0)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("sequences start at 1; give a sequence of 1 or more")};
    if (from == BrowseFrom::Time && !time.isValid())
        return Error{ErrorKind::InvalidArgument, QStringLiteral("a start time is needed")};
    if (offset < 0)
        return Error{ErrorKind::InvalidArgument,
                     QStringLiteral("a subject offset is not negative")};
    return {};
}

Result<StreamInfo> MessageBrowser::info(const QString& stream) const {
    auto i = m_js.streamInfo(stream);
    m_direct = i && m_useDirect && i->config.allowDirect;
    return i;
}

Result<std::optional<StoredMessage>> MessageBrowser::get(const QString& stream,
                                                         const nlohmann::json& body) const {
    if (m_direct)
        return directGet(stream, body);
    auto r = m_js.request(QByteArray("STREAM.MSG.GET." + stream.toUtf8()), body);
    if (!r) {
        if (isNoMessage(r.error()))
            return std::optional<StoredMessage>{};
        return r.error();
    }
    auto m = StoredMessage::fromJson(r.value());
    if (!m) {
        if (isNoMessage(m.error()))
            return std::optional<StoredMessage>{};
        return m.error();
    }
    return std::optional<StoredMessage>{std::move(m).value()};
}

Result<std::optional<StoredMessage>> MessageBrowser::directGet(const QString& stream,
                                                               const nlohmann::json& body) const {
    // The answer is the stored message itself: its headers plus Nats-Stream, Nats-Subject,
    // Nats-Sequence and Nats-Time-Stamp; a status 404 when there is none.
    const QByteArray subject = m_js.apiSubject(QByteArray("DIRECT.GET." + stream.toUtf8()));
    auto r =
        m_js.connection()->requestSync(subject, json::dumpBytes(body), m_js.options().timeoutMs);
    if (!r)
        return r.error();
    const Message& reply = r.value();
    const int status = reply.status();
    if (status == 404)
        return std::optional<StoredMessage>{};
    Headers h = reply.headers();
    if (status != 0)
        return Error{ErrorKind::Protocol, QStringLiteral("DIRECT.GET on %1 answered %2 %3")
                                              .arg(stream)
                                              .arg(status)
                                              .arg(QString::fromUtf8(h.description()))};
    StoredMessage m;
    bool ok = false;
    m.seq = h.value("Nats-Sequence").toULongLong(&ok);
    m.subject = QString::fromUtf8(h.value("Nats-Subject"));
    // As MSG.GET's "time" is read, so that both ways give the same millisecond.
    m.time = fromRfc3339Nano(QString::fromLatin1(h.value("Nats-Time-Stamp")));
    if (!ok || m.subject.isEmpty())
        return Error{ErrorKind::Protocol,
                     QStringLiteral("DIRECT.GET on %1: a reply without Nats-Sequence or "
                                    "Nats-Subject")
                         .arg(stream)};
    for (const char* own :
         {"Nats-Stream", "Nats-Subject", "Nats-Sequence", "Nats-Time-Stamp", "Nats-Last-Sequence"})
        h.remove(own);
    m.headers = h;
    m.data = reply.payload().toByteArray();
    return std::optional<StoredMessage>{std::move(m)};
}

Result<std::optional<StoredMessage>> MessageBrowser::nextFrom(const QString& stream, quint64 seq,
                                                              const QString& filter) const {
    return get(stream, nlohmann::json{{"seq", seq}, {"next_by_subj", filter.toStdString()}});
}

Result<quint64> MessageBrowser::sequenceAt(const QString& stream, const QDateTime& time,
                                           const QString& subject, int* requests) const {
    auto info = this->info(stream);
    if (requests)
        ++*requests;
    if (!info)
        return info.error();
    const QString filter = filterOrAll(subject);
    // Stored times never go back within a stream: the first message at or after `time` is
    // found by bisecting the sequences. Each probe reads the first message at or after the
    // middle, so gaps (deleted messages) and a filter only move the probe forward.
    quint64 lo = qMax<quint64>(info->state.firstSeq, 1);
    quint64 hi = info->state.lastSeq + 1; // the answer is in [lo, hi]; hi: none found yet
    quint64 found = 0;
    while (lo < hi) {
        const quint64 mid = lo + (hi - lo) / 2;
        auto m = nextFrom(stream, mid, filter);
        if (requests)
            ++*requests;
        if (!m)
            return m.error();
        if (!m.value() || m.value()->time >= time) {
            if (m.value()) {
                found = m.value()->seq;
                hi = mid; // something at or after mid is late enough: look left of mid
            } else {
                hi = mid; // nothing at or after mid: look left of it
            }
        } else {
            lo = m.value()->seq + 1; // too early, and so is everything up to it
        }
    }
    return found;
}

Result<BrowsePage> MessageBrowser::readForward(const QString& stream, quint64 from,
                                               const QString& filter, int count,
                                               BrowsePage page) const {
    quint64 seq = qMax<quint64>(from, 1);
    while (page.messages.size() < count && seq <= page.lastSeq) {
        auto m = nextFrom(stream, seq, filter);
        ++page.requests;
        if (!m)
            return m.error();
        if (!m.value()) {
            seq = page.lastSeq + 1; // nothing more on this filter
            break;
        }
        seq = m.value()->seq + 1;
        page.messages.append(std::move(*m.value()));
    }
    page.more = seq <= page.lastSeq && page.messages.size() == count;
    page.next = page.more ? seq : 0;
    return page;
}

Status MessageBrowser::walkBack(const QString& stream, quint64 below, const QByteArray& filter,
                                int count, BrowsePage* page) const {
    // One message at a time from `below` down, prepending what matches, until the page is
    // full, the stream begins or the walk reaches its bound.
    quint64 seq = below;
    int scanned = 0;
    while (page->messages.size() < count && seq > page->firstSeq && seq > 1 &&
           scanned < kNewestScanLimit) {
        --seq;
        ++scanned;
        auto m = get(stream, nlohmann::json{{"seq", seq}});
        ++page->requests;
        if (!m)
            return m.error();
        if (!m.value())
            continue; // a gap
        if (filter.isEmpty() || subject::matches(filter, m.value()->subject.toUtf8()))
            page->messages.prepend(std::move(*m.value()));
    }
    page->scanCapped = scanned >= kNewestScanLimit && page->messages.size() < count;
    page->more = false;
    page->next = 0;
    return {};
}

Result<BrowsePage> MessageBrowser::readNewest(const QString& stream, const BrowseRequest& request,
                                              BrowsePage page) const {
    if (page.lastSeq == 0 || page.total == 0)
        return page;
    quint64 below = page.lastSeq + 1;
    if (request.subject.isEmpty()) {
        // Without a filter the newest N are the last N sequences, less any gaps among them:
        // read forward from there, then walk back from before them for what the gaps took.
        below =
            page.lastSeq >= quint64(request.count) ? page.lastSeq - quint64(request.count) + 1 : 1;
        below = qMax(below, page.firstSeq);
        auto forward =
            readForward(stream, below, QString(QStringLiteral(">")), request.count, page);
        if (!forward)
            return forward;
        page = forward.value();
    }
    // Then back: before the forward read for what the gaps took, or (with a filter) from the
    // last sequence, keeping what matches.
    if (Status s = walkBack(stream, below, request.subject.toUtf8(), request.count, &page); !s.ok())
        return s;
    return page;
}

Result<BrowsePage> MessageBrowser::readLastPerSubject(const QString& stream,
                                                      const BrowseRequest& request,
                                                      BrowsePage page) const {
    auto info =
        m_js.request(QByteArray("STREAM.INFO." + stream.toUtf8()),
                     nlohmann::json{{"subjects_filter", filterOrAll(request.subject).toStdString()},
                                    {"offset", 0}});
    ++page.requests;
    if (!info)
        return info.error();
    QStringList subjects;
    const nlohmann::json& j = info.value();
    if (j.contains("state") && j["state"].is_object() && j["state"].contains("subjects") &&
        j["state"]["subjects"].is_object()) {
        for (auto it = j["state"]["subjects"].begin(); it != j["state"]["subjects"].end(); ++it) {
            if (subjects.size() >= kMaxSubjects)
                break;
            subjects << QString::fromStdString(it.key());
        }
    }
    std::sort(subjects.begin(), subjects.end(),
              [](const QString& a, const QString& b) { return naturalCompare(a, b) < 0; });
    page.subjects = subjects.size();
    const qsizetype end =
        qMin<qsizetype>(subjects.size(), qsizetype(request.offset) + request.count);
    for (qsizetype i = request.offset; i < end; ++i) {
        auto m = get(stream, nlohmann::json{{"last_by_subj", subjects[i].toStdString()}});
        ++page.requests;
        if (!m)
            return m.error();
        if (m.value()) // else removed since the listing
            page.messages.append(std::move(*m.value()));
    }
    page.more = end < subjects.size();
    page.next = page.more ? quint64(end) : 0;
    return page;
}

Result<BrowsePage> MessageBrowser::read(const QString& stream, const BrowseRequest& request) const {
    if (Status s = validateName(stream, QStringLiteral("stream name")); !s.ok())
        return s;
    if (Status s = request.validate(); !s.ok())
        return s;
    BrowsePage page;
    auto info = this->info(stream);
    ++page.requests;
    if (!info)
        return info.error();
    page.direct = m_direct;
    page.firstSeq = info->state.firstSeq;
    page.lastSeq = info->state.lastSeq;
    page.total = info->state.messages;
    const QString filter = filterOrAll(request.subject);
    switch (request.from) {
    case BrowseFrom::First:
        return readForward(stream, page.firstSeq, filter, request.count, page);
    case BrowseFrom::Sequence:
        return readForward(stream, request.seq, filter, request.count, page);
    case BrowseFrom::Time: {
        int requests = 0;
        auto seq = sequenceAt(stream, request.time, request.subject, &requests);
        page.requests += requests;
        if (!seq)
            return seq.error();
        if (seq.value() == 0)
            return page; // every message is older
        return readForward(stream, seq.value(), filter, request.count, page);
    }
    case BrowseFrom::Newest:
        return readNewest(stream, request, page);
    case BrowseFrom::LastPerSubject:
        return readLastPerSubject(stream, request, page);
    }
    return page;
}

nlohmann::json messageRecord(const QString& stream, const StoredMessage& m) {
    nlohmann::json o{{"stream", stream.toStdString()},
                     {"seq", m.seq},
                     {"subject", m.subject.toStdString()},
                     {"time", m.time.toUTC().toString(Qt::ISODateWithMs).toStdString()}};
    if (!m.headers.isEmpty()) {
        nlohmann::json h = nlohmann::json::object();
        for (const auto& e : m.headers.entries())
            // Through QString: bytes that are not UTF-8 become U+FFFD instead of a JSON dump
            // that throws.
            h[QString::fromUtf8(e.first).toStdString()].push_back(
                QString::fromUtf8(e.second).toStdString());
        o["headers"] = std::move(h);
    }
    const QString text = QString::fromUtf8(m.data);
    if (text.toUtf8() == m.data) {
        o["data"] = text.toStdString();
    } else {
        o["data"] = m.data.toBase64().toStdString();
        o["encoding"] = "base64";
    }
    return o;
}

Result<QDateTime> parseSince(const QString& text, const QDateTime& now) {
    const QString t = text.trimmed();
    const Error bad{ErrorKind::InvalidArgument,
                    QStringLiteral("'%1' is neither a duration (10m, 1h30m, 2d) nor a time "
                                   "(2026-12-07T08:00:00Z)")
                        .arg(text)};
    if (t.isEmpty())
        return bad;
    // Days first ("2d", "1d12h"): Go's durations, which parseDurationNs reads, have none.
    qint64 days = 0;
    QStringView rest = t;
    if (const qsizetype d = t.indexOf(QLatin1Char('d')); d > 0) {
        bool ok = false;
        days = t.left(d).toLongLong(&ok);
        if (!ok || days < 0 || days > 100000)
            return bad;
        rest = QStringView(t).sliced(d + 1);
    }
    if (rest.isEmpty() && days > 0)
        return now.addDays(-days);
    if (auto ns = parseDurationNs(rest)) {
        if (*ns < 0)
            return Error{ErrorKind::InvalidArgument,
                         QStringLiteral("'%1': a duration back in time is positive").arg(text)};
        return now.addDays(-days).addMSecs(-(*ns / 1000000));
    }
    if (days > 0)
        return bad;
    QDateTime at = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!at.isValid())
        at = QDateTime::fromString(t, Qt::ISODate);
    if (!at.isValid())
        return bad;
    return at.toUTC();
}

} // namespace jetdeck::js
