#pragma once

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <string_view>

namespace ivs::log {

enum class Format { text, json };

// Sets up the process-wide logger (stderr). `level` is a spdlog level name
// ("trace", "debug", "info", "warn", "error"). Call once at start; safe to call again in tests.
void Init(std::string_view level, Format format);
Format CurrentFormat();

// One structured line: in JSON mode `fields` are merged into the line's object; in text mode
// they follow the message as key=value pairs.
void Structured(spdlog::level::level_enum level, std::string_view message,
                const boost::json::object& fields);

}  // namespace ivs::log
