#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <nlohmann/json.hpp>

#include <string>

namespace jetdeck::json {

/// nlohmann's parse and dump throw on bad input (text that is not JSON, strings that are not
/// UTF-8, such as a lone surrogate a Qt string carried in). Every JSON in the project goes
/// through these two instead, so no exception can escape a parser.

/// Parses `text`; a discarded value (is_discarded()) when it is not JSON or not UTF-8.
inline nlohmann::json parse(QByteArrayView text) {
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

/// Serialises `j`; invalid UTF-8 in strings becomes U+FFFD instead of an exception.
inline std::string dump(const nlohmann::json& j, int indent = -1) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline QByteArray dumpBytes(const nlohmann::json& j, int indent = -1) {
    return QByteArray::fromStdString(dump(j, indent));
}

} // namespace jetdeck::json
