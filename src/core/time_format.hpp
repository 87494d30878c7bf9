#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace ivs {

// "2025-10-21T10:30:00.000Z" (UTC, milliseconds), the envelope's timestamp format.
std::string FormatIso8601Millis(SystemTime t);
// Appends the same text to `out` (a reply being written), with no string of its own.
void AppendIso8601Millis(std::string& out, SystemTime t);
// "2025-10-21T10:30:00Z" (UTC, whole seconds).
std::string FormatIso8601Seconds(SystemTime t);
// Parses RFC 3339 / ISO-8601 date-times: "Z" or "+hh:mm" offsets, optional fraction. Dates
// that do not exist (2024-02-30) and instants SystemTime cannot hold (about 1678-2262) are
// nullopt, never wrapped or rolled over.
std::optional<SystemTime> ParseIso8601(std::string_view s);

}  // namespace ivs
