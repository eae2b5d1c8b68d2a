#pragma once

#include "core/base/error.h"

#include <QByteArrayView>

namespace jetdeck::subject {

/// Longest subject we accept; the server caps a control line at 4 KiB and the subject shares
/// it with the reply subject and sizes.
constexpr qsizetype MaxLength = 2048;

/// A subject to publish to (or a reply subject): non-empty dot-separated tokens, no
/// whitespace or control characters, no wildcards.
Status validatePublish(QByteArrayView subject);
/// validatePublish's common case without building a Status, for the publish hot path: true
/// means valid; false means "ask validatePublish" (it has the reason, or may still accept an
/// unusual subject such as one with a '*' inside a token).
bool isPlainPublishSubject(QByteArrayView subject);
/// A subject to subscribe to: as validatePublish, but `*` may be a whole token and `>` the
/// whole last token.
Status validateSubscribe(QByteArrayView subject);
/// A queue group name: non-empty, no whitespace or control characters.
Status validateQueue(QByteArrayView queue);
/// True when the subject contains wildcard tokens.
bool hasWildcards(QByteArrayView subject);
/// True when a concrete subject matches a (possibly wildcard) filter.
bool matches(QByteArrayView filter, QByteArrayView subject);

} // namespace jetdeck::subject
