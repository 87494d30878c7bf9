#pragma once

// Helpers shared by the SigV4 signer and verifier (not a public API).

#include <optional>
#include <string>
#include <string_view>

#include "adapters/aws/sigv4.hpp"

namespace ivs::aws::detail {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string ToLower(std::string_view s);
bool IsSpace(char c);
// "20150830" of the request time.
std::string DateOnly(SystemTime t);
// First value of a header by lower-case name.
std::optional<std::string> FindHeader(const HttpRequestToSign& r, std::string_view lower_name);

}  // namespace ivs::aws::detail
