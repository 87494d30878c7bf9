#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace ivs {

// Serializes `v` as boost::json::serialize does, except that every number is written as a
// plain decimal ("0.13", "6.919983614", "1700000000"): Boost.JSON writes doubles in exponent
// form ("1.3E-1"), which scripts and log pipelines written for the Node server misread.
// Non-finite doubles are written as null. Thread-safe (no shared state).
std::string SerializeJson(const boost::json::value& v);

// As SerializeJson, appending the text to `out` (a reply body written around it).
void AppendJson(std::string& out, const boost::json::value& v);

// Appends `s` as a JSON string literal, quoted and escaped as SerializeJson writes strings.
void AppendJsonString(std::string& out, std::string_view s);

// Rewrites the exponent-form number tokens of serialized JSON `text` as plain decimals;
// strings are left untouched. `text` must be valid JSON.
std::string PlainJsonNumbers(std::string_view text);

}  // namespace ivs
