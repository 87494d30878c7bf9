#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/time_format.hpp"

namespace ivs::json_fields {

// Lenient readers of one field of a JSON object the server stored or received: a missing
// field or one of another type reads as the empty value.

inline std::string String(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::int64_t Int64(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->get_int64() : std::int64_t{0};
}

inline bool Bool(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_bool() && v->get_bool();
}

// A time stored as Unix milliseconds.
inline SystemTime UnixMillis(const boost::json::object& o, std::string_view key) {
    return FromUnixMillis(Int64(o, key));
}

}  // namespace ivs::json_fields
