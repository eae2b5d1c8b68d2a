#pragma once

#include "core/jetstream/jetstream.h"

#include <QDateTime>

namespace jetdeck::js {

/// Where a page of a stream's messages starts.
enum class BrowseFrom {
    First,          ///< the oldest message (matching the filter)
    Sequence,       ///< the first message at or after `seq`
    Time,           ///< the first message stored at or after `time`
    Newest,         ///< the newest `count` messages, oldest of them first
    LastPerSubject, ///< the last message of each subject (matching the filter), by subject
};

/// A page of messages to read from a stream.
struct BrowseRequest {
    BrowseFrom from = BrowseFrom::First;
    quint64 seq = 0; ///< BrowseFrom::Sequence
    QDateTime time;  ///< BrowseFrom::Time
    QString subject; ///< filter, wildcards allowed; empty: every subject
    int count = 50;  ///< messages on the page, 1..kMaxCount
    int offset = 0;  ///< BrowseFrom::LastPerSubject: subjects to skip (the page's start)

    static constexpr int kMaxCount = 1000;
    /// A request the browser can answer: InvalidArgument naming the field otherwise.
    Status validate() const;
};

/// One page, oldest first (LastPerSubject: by subject, naturally sorted).
struct BrowsePage {
    QList<StoredMessage> messages;
    /// Where the page after this one starts: a sequence (LastPerSubject: a subject offset);
    /// 0 when nothing can follow.
    quint64 next = 0;
    bool more = false; ///< more messages may follow this page
    /// The stream when the page was read.
    quint64 firstSeq = 0;
    quint64 lastSeq = 0;
    quint64 total = 0;       ///< messages stored
    qint64 subjects = -1;    ///< LastPerSubject: subjects matching the filter
    int requests = 0;        ///< API requests the page took
    bool scanCapped = false; ///< Newest with a filter: stopped at the scan's bound, see below
    bool direct = false;     ///< read with DIRECT.GET (the stream allows it), else MSG.GET
};

/// Reads a stream's messages without a consumer: every message comes from STREAM.MSG.GET (by
/// sequence, the next one on a subject filter, or the last one of a subject), so nothing is
/// taken from the stream's consumers, no interest is added to an interest or work-queue stream
/// and nothing is left behind on the server. A page of N messages costs about N requests (a
/// start by time adds a binary search over the sequences, about 2 log2(messages) requests).
///
/// Newest with a subject filter walks back from the last sequence one message at a time and
/// stops after kNewestScanLimit requests (scanCapped): on a stream where the filter matches
/// rarely, a start by time or by sequence is the way.
class MessageBrowser {
public:
    static constexpr int kNewestScanLimit = 5000;
    /// LastPerSubject reads at most this many subjects' names (the server's first page of
    /// STREAM.INFO's subjects).
    static constexpr int kMaxSubjects = 100000;

    explicit MessageBrowser(const JetStream& js)
        : m_js(js) {}

    /// On a stream with allow_direct, messages are read with DIRECT.GET (any replica answers,
    /// the leader is spared) unless this is off; MSG.GET otherwise. On by default.
    void setUseDirect(bool use) { m_useDirect = use; }

    /// Blocking: call it off the GUI thread.
    Result<BrowsePage> read(const QString& stream, const BrowseRequest& request) const;

    /// The first sequence stored at or after `time` matching `subject` (empty: any), or 0 when
    /// every message is older. `requests` (optional) counts the API requests made.
    Result<quint64> sequenceAt(const QString& stream, const QDateTime& time, const QString& subject,
                               int* requests = nullptr) const;

private:
    /// The first message at or after `seq` on `filter` (">" for any); nullopt when none.
    Result<std::optional<StoredMessage>> nextFrom(const QString& stream, quint64 seq,
                                                  const QString& filter) const;
    /// One message for a MSG.GET / DIRECT.GET body ({seq}, {seq, next_by_subj},
    /// {last_by_subj}); nullopt when there is none.
    Result<std::optional<StoredMessage>> get(const QString& stream,
                                             const nlohmann::json& body) const;
    Result<std::optional<StoredMessage>> directGet(const QString& stream,
                                                   const nlohmann::json& body) const;
    /// The stream's info; notes whether it allows direct gets.
    Result<StreamInfo> info(const QString& stream) const;
    Result<BrowsePage> readForward(const QString& stream, quint64 from, const QString& filter,
                                   int count, BrowsePage page) const;
    Result<BrowsePage> readNewest(const QString& stream, const BrowseRequest& request,
                                  BrowsePage page) const;
    /// Newest: prepends the messages below `below` on `filter` (empty: any), walking back.
    Status walkBack(const QString& stream, quint64 below, const QByteArray& filter, int count,
                    BrowsePage* page) const;
    Result<BrowsePage> readLastPerSubject(const QString& stream, const BrowseRequest& request,
                                          BrowsePage page) const;

    const JetStream& m_js;
    bool m_useDirect = true;
    mutable bool m_direct = false; ///< the stream being read allows DIRECT.GET (and it is on)
};

/// One stored message as a JSON record (a line of an export, `stream view --json`): stream,
/// seq, subject, time (RFC 3339, UTC), headers (name -> list of values), data (text; base64
/// with "encoding": "base64" when the payload is not UTF-8).
nlohmann::json messageRecord(const QString& stream, const StoredMessage& message);

/// "10m", "1h30m", "2d" ago from `now`, or an ISO 8601 / RFC 3339 time ("2026-12-07T08:00:00Z",
/// a local time without zone). InvalidArgument saying what is accepted otherwise.
Result<QDateTime> parseSince(const QString& text, const QDateTime& now);

} // namespace jetdeck::js
