#pragma once

#include <string>
#include <string_view>

namespace ivs {

// Thin wrappers over OpenSSL. All functions are thread-safe and work on raw byte strings.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);  // no padding
// Returns false on malformed input.
bool Base64UrlDecode(std::string_view in, std::string& out);
bool Base64Decode(std::string_view in, std::string& out);

// Compares in time independent of where the inputs differ (length leaks only through size).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// Compares two digests of the same algorithm in constant time (false when sizes differ).
bool DigestEquals(std::string_view a, std::string_view b);

}  // namespace ivs
