#include "core/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ivs {

std::string RandomBytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return out;
}

std::uint64_t RandomU64() {
    std::uint64_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return v;
}

std::string RandomString(std::size_t length, std::string_view alphabet) {
    std::string out;
    out.reserve(length);
    // Rejection sampling keeps the distribution uniform.
    const unsigned limit = 256 - (256 % alphabet.size());
    while (out.size() < length) {
        std::string bytes = RandomBytes(length - out.size() + 8);
        for (unsigned char b : bytes) {
            if (b >= limit) continue;
            out.push_back(alphabet[b % alphabet.size()]);
            if (out.size() == length) break;
        }
    }
    return out;
}

std::string RandomAlnum(std::size_t length) {
    static constexpr std::string_view kAlnum =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return RandomString(length, kAlnum);
}

std::string RandomUuid() {
    std::string b = RandomBytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        auto c = static_cast<unsigned char>(b[i]);
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

}  // namespace ivs
