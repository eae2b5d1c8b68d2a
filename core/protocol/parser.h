#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace jetdeck {

/// One MSG or HMSG frame as views. The views stay valid only during the callback that
/// receives them; copy what must outlive it.
struct MsgView {
    QByteArrayView subject;
    QByteArrayView reply;
    QByteArrayView headers; ///< raw header block (HMSG), empty for MSG
    QByteArrayView payload;
    quint64 sid = 0;
};

/// Receives parsed server operations. Called synchronously from Parser::feed().
class ParserHandler {
public:
    virtual ~ParserHandler() = default;
    virtual void onInfo(QByteArrayView json) = 0;
    virtual void onMsg(const MsgView& msg) = 0;
    virtual void onPing() = 0;
    virtual void onPong() = 0;
    virtual void onOk() = 0;
    /// The text after -ERR, trimmed, quotes kept (classification normalises it).
    virtual void onErr(QByteArrayView text) = 0;
};

/// Incremental parser for the server side of the NATS protocol.
///
/// Frames may be split at any byte. Complete control lines and payloads that arrive in one
/// chunk are handed out as views into that chunk without copying; only a frame split across
/// chunks is assembled in an internal buffer that keeps its capacity between frames.
class Parser {
public:
    /// Control lines longer than this are a protocol error (the server's own limit).
    static constexpr qsizetype MaxControlLine = 4096;
    /// INFO is the exception: a large cluster's connect_urls can outgrow 4 KiB.
    static constexpr qsizetype MaxInfoLine = 256 * 1024;
    /// The largest max_payload a server can be configured with.
    static constexpr qint64 DefaultMaxPayload = 64 * 1024 * 1024;

    explicit Parser(ParserHandler* handler);

    /// Parses the next chunk. Returns false on a protocol error (see errorString()); the
    /// parser then refuses more input until reset(). Also returns early, true, when the
    /// handler called stop() from a callback.
    bool feed(const char* data, qsizetype size);
    bool feed(QByteArrayView chunk) { return feed(chunk.data(), chunk.size()); }

    /// Forget any partial frame and error; used for a fresh connection. Called from a callback,
    /// it also stops the running feed(): the rest of that chunk belongs to the old connection.
    void reset();
    /// Makes the running feed() return after the current callback, dropping the rest of the
    /// chunk (connection closing, or a TLS upgrade: nothing after INFO is trusted until TLS).
    void stop() { m_stopped = true; }

    bool hasError() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }
    /// True while a partial frame is buffered.
    bool isMidFrame() const { return m_state != State::ControlLine || !m_line.isEmpty(); }

    void setMaxPayload(qint64 bytes) { m_maxPayload = bytes; }
    qint64 maxPayload() const { return m_maxPayload; }

private:
    enum class State { ControlLine, Payload };

    bool processLine(QByteArrayView line, const char* data, qsizetype size, qsizetype& pos);
    bool parseMsgArgs(QByteArrayView args, bool withHeaders);
    bool fail(QString message);
    void emitMsg(QByteArrayView payloadAndHeaders);

    ParserHandler* m_handler;
    State m_state = State::ControlLine;
    bool m_stopped = false;
    bool m_feeding = false;
    qint64 m_maxPayload = DefaultMaxPayload;
    QString m_error;

    QByteArray m_line;    ///< partial control line carried between chunks
    QByteArray m_args;    ///< subject + reply of a split MSG, copied out of the chunk
    QByteArray m_payload; ///< headers + payload + CRLF of a split MSG

    // The MSG/HMSG being read.
    QByteArrayView m_subject;
    QByteArrayView m_reply;
    quint64 m_sid = 0;
    qint64 m_hdrLen = 0;
    qint64 m_totalLen = 0;
};

} // namespace jetdeck
