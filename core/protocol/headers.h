#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace jetdeck {

/// Status codes the server puts on the `NATS/1.0 <code>` line of a header block.
namespace status {
constexpr int None = 0;
constexpr int ControlMessage = 100; ///< idle heartbeat or flow-control request (JetStream push)
constexpr int BadRequest = 400;
constexpr int NotFound = 404;       ///< pull: no messages
constexpr int RequestTimeout = 408; ///< pull: request expired
constexpr int Conflict = 409;     ///< pull: batch completed, consumer deleted, leadership change...
constexpr int NoResponders = 503; ///< a request reached no subscriber
} // namespace status

/// NATS message headers: an ordered list of key/value pairs (keys keep their case and may
/// repeat) plus the optional status code and description of the version line.
class Headers {
public:
    using Entry = QPair<QByteArray, QByteArray>;

    Headers() = default;

    /// Parses a complete header block, `NATS/1.0[ code[ description]]\r\n(Key: Value\r\n)*\r\n`.
    /// Returns false (and leaves *this empty) when the block is malformed.
    bool parse(QByteArrayView block);
    static Headers fromBlock(QByteArrayView block, bool* ok = nullptr);

    /// The wire form, including the terminating blank line.
    QByteArray toBlock() const;
    void appendTo(QByteArray& out) const;
    /// Size of toBlock() without building it.
    qsizetype blockSize() const;

    bool isEmpty() const { return m_entries.isEmpty() && m_status == status::None; }
    int status() const { return m_status; }
    QByteArray description() const { return m_description; }
    void setStatus(int code, QByteArray description = {}) {
        m_status = code;
        m_description = std::move(description);
    }

    /// First value for key (exact case first, then case-insensitive), empty when absent.
    QByteArray value(QByteArrayView key) const;
    QList<QByteArray> values(QByteArrayView key) const;
    bool contains(QByteArrayView key) const;
    /// Adds a value, keeping any earlier ones for the same key.
    void append(QByteArray key, QByteArray value);
    /// Replaces all values of key with one value.
    void set(QByteArray key, QByteArray value);
    void remove(QByteArrayView key);
    const QList<Entry>& entries() const { return m_entries; }

    /// Checks that a key/value can go on the wire (no CR/LF, key has no ':' or spaces).
    static bool isValidKey(QByteArrayView key);
    static bool isValidValue(QByteArrayView value);

    friend bool operator==(const Headers& a, const Headers& b) {
        return a.m_status == b.m_status && a.m_description == b.m_description &&
               a.m_entries == b.m_entries;
    }

private:
    int m_status = status::None;
    QByteArray m_description;
    QList<Entry> m_entries;
};

/// The header the console puts on what it publishes: the sender's wall clock in microseconds
/// since the epoch, for end-to-end latency.
inline constexpr char kSentHeader[] = "JetDeck-Sent-Us";

/// The value of the JetDeck-Sent-Us header in a raw header block, without parsing the block;
/// 0 when absent or malformed.
qint64 sentTimestampUs(QByteArrayView headerBlock);

} // namespace jetdeck
