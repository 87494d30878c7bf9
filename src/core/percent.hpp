#pragma once

#include <string>
#include <string_view>

namespace ivs {

// Percent-decodes a URL path segment or query component into `out` ('+' becomes a space only
// when `plus_is_space`). Returns false, leaving `out` unspecified, on a malformed escape.
bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space = false);

// As above, but keeps `in` as it is when an escape in it is malformed.
std::string PercentDecodeOrKeep(std::string_view in, bool plus_is_space = false);

}  // namespace ivs
