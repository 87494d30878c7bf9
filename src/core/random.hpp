#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ivs {

// Cryptographically strong random strings (OpenSSL RAND_bytes, drawn a block at a time per
// thread). Thread-safe.
std::string RandomString(std::size_t length, std::string_view alphabet);
// [A-Za-z0-9]{length}
std::string RandomAlnum(std::size_t length);
// Random UUID v4, lowercase.
std::string RandomUuid();
// `n` random bytes.
std::string RandomBytes(std::size_t n);
std::uint64_t RandomU64();

}  // namespace ivs
