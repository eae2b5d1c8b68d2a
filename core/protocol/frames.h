#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace jetdeck {

class Headers;

/// Builders for the client side of the protocol. They append to an existing buffer so that
/// many frames can be batched into one socket write; inputs are assumed validated.
namespace frames {

inline constexpr QByteArrayView Ping = "PING\r\n";
inline constexpr QByteArrayView Pong = "PONG\r\n";

/// Number of decimal digits of v.
int decimalDigits(quint64 v);
/// Writes v in decimal at p (which must have decimalDigits(v) bytes); returns the end.
char* writeDecimal(char* p, quint64 v);
void appendDecimal(QByteArray& out, quint64 v);
/// Reads a plain unsigned decimal (digits only, at most 20); false for anything else.
bool parseDecimal(QByteArrayView v, quint64* out);

/// Bytes appendPub() will add.
qsizetype pubSize(QByteArrayView subject, QByteArrayView reply, qsizetype payloadSize);
/// `PUB <subject> [reply] <size>\r\n<payload>\r\n`
void appendPub(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
               QByteArrayView payload);
/// `HPUB <subject> [reply] <hdr size> <total size>\r\n<headers><payload>\r\n` with a
/// pre-serialised header block (ending in the blank line).
void appendHpub(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
                QByteArrayView headerBlock, QByteArrayView payload);
void appendHpub(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
                const Headers& headers, QByteArrayView payload);
/// `SUB <subject> [queue] <sid>\r\n`
/// Only the control line of a publish ("PUB subject [reply] size\r\n", or HPUB with the
/// header block's size when there is one): what precedes the header block and payload that a
/// writer hands to the kernel beside it, followed by "\r\n" after the payload.
void appendPubHead(QByteArray& out, QByteArrayView subject, QByteArrayView reply,
                   qsizetype headerBytes, qsizetype payloadBytes);

void appendSub(QByteArray& out, QByteArrayView subject, QByteArrayView queue, quint64 sid);
/// `UNSUB <sid> [max]\r\n`; max 0 means now.
void appendUnsub(QByteArray& out, quint64 sid, quint64 max = 0);

} // namespace frames
} // namespace jetdeck
