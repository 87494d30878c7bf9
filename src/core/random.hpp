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

// Where a part draws its random ids, behind one interface so tests can fix them.
class RandomSource {
public:
    virtual ~RandomSource() = default;
    // [A-Za-z0-9]{length}
    virtual std::string Alnum(std::size_t length) = 0;
};

// The functions above (OpenSSL RAND_bytes).
class SystemRandom final : public RandomSource {
public:
    std::string Alnum(std::size_t length) override { return RandomAlnum(length); }

    static RandomSource& Instance();
};

}  // namespace ivs
