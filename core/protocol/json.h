#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
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

/// An integer from a JSON number: integers in range, and floats that are whole numbers in range
/// (some tools write 1e9 for a second). Nothing else, so a huge float is never cast (which
/// would be undefined behaviour).
inline std::optional<qint64> toInt64(const nlohmann::json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<qint64>::max()))
            return std::nullopt;
        return static_cast<qint64>(u);
    }
    if (v.is_number_integer())
        return v.get<std::int64_t>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && d >= -9.2e18 && d <= 9.2e18)
            return static_cast<qint64>(d);
    }
    return std::nullopt;
}

inline std::optional<quint64> toUInt64(const nlohmann::json& v) {
    if (v.is_number_unsigned())
        return v.get<std::uint64_t>();
    if (v.is_number_integer()) {
        const auto i = v.get<std::int64_t>();
        if (i < 0)
            return std::nullopt;
        return static_cast<quint64>(i);
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && d >= 0 && d <= 1.8e19)
            return static_cast<quint64>(d);
    }
    return std::nullopt;
}

} // namespace jetdeck::json
