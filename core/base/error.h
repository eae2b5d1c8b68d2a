#pragma once

#include <QByteArray>
#include <QString>

#include <utility>
#include <variant>

namespace jetdeck {

/// What went wrong, as a category the UI and the CLI can act on. The human text lives in
/// Error::message; the server's own words, when there are any, in Error::serverText.
enum class ErrorKind {
    None,
    InvalidArgument,     ///< bad input from the user: subject, queue, URL, option value
    InvalidSubject,      ///< subject or queue group that NATS would reject
    MaxPayload,          ///< header + payload larger than the server's max_payload
    NotConnected,        ///< operation needs a connection and there is none
    ConnectionClosed,    ///< the connection was closed by the user or for good
    ConnectFailed,       ///< TCP connect, DNS, or the INFO/CONNECT handshake failed
    Timeout,             ///< a deadline passed (connect, request, flush)
    NoResponders,        ///< a request found no subscriber (status 503)
    Authorization,       ///< the server refused our credentials
    AuthExpired,         ///< user authentication expired or revoked
    PermissionViolation, ///< the server refused a publish or subscribe for this user
    StaleConnection,     ///< the server (or we) declared the connection stale
    MaxConnections,      ///< the server has no room for another connection
    SlowConsumer,        ///< messages dropped because a subscription's pending limits were hit
    Protocol,            ///< malformed frame or unexpected data from the server
    Tls,                 ///< TLS handshake or certificate verification failed
    Credentials,         ///< unreadable or invalid seed / creds / key files
    Server,              ///< any other -ERR from the server
    QueueFull,           ///< the outbound queue refused an operation (fail-closed)
    Io,                  ///< socket or file I/O error
    Unsupported,         ///< the server lacks a feature we were asked to use
    JetStream,           ///< a JetStream API error not covered below (see Error::apiErrCode)
    NotFound,            ///< stream, consumer or message not found
    AlreadyExists,       ///< stream or consumer name in use with a different configuration
    JetStreamNotEnabled, ///< JetStream is off on the server or for the account
    WrongLastSequence,   ///< an expected-last-sequence / msg-id check failed
};

QString errorKindName(ErrorKind kind);

/// An error as a value: a kind, a message written for a person, and the server's text.
struct Error {
    ErrorKind kind = ErrorKind::None;
    QString message;
    QByteArray serverText;
    int apiCode = 0;    ///< JetStream API error: HTTP-like code (400, 404, 503...)
    int apiErrCode = 0; ///< JetStream API error: err_code (10059 stream not found...)

    Error() = default;
    Error(ErrorKind k, QString msg, QByteArray server = {})
        : kind(k)
        , message(std::move(msg))
        , serverText(std::move(server)) {}

    /// True when nothing went wrong. The one test of success for a Status, as ok() is for a
    /// Result: an Error has no conversion to bool, so `if (status)` cannot mean either thing.
    bool ok() const { return kind == ErrorKind::None; }
    /// "kind: message" plus the server's words when they add something.
    QString toString() const;
};

/// Either a value or an Error. Small on purpose: ok(), value(), error().
template <typename T>
class Result {
public:
    Result(T value)
        : m_v(std::move(value)) {}
    Result(Error error)
        : m_v(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(m_v); }
    T& value() & { return std::get<T>(m_v); }
    T&& value() && { return std::get<T>(std::move(m_v)); }
    const T* operator->() const { return &std::get<T>(m_v); }
    T* operator->() { return &std::get<T>(m_v); }
    const Error& error() const {
        static const Error none;
        return ok() ? none : std::get<Error>(m_v);
    }

private:
    std::variant<T, Error> m_v;
};

/// Result for operations that return nothing but may fail.
using Status = Error;

} // namespace jetdeck
