#include "core/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <stdexcept>

namespace ivs {

namespace {

// RAND_bytes is thread-safe but takes a lock and walks the DRBG for every call; request ids and
// tokens ask for a few bytes each, many thousand times a second. Each thread keeps a block of
// DRBG output and hands it out once, refilling the whole block when it runs out.
class ThreadPool {
public:
    void Fill(unsigned char* out, std::size_t n) {
        while (n > 0) {
            if (used_ == kBlock) Refill();
            std::size_t take = std::min(n, kBlock - used_);
            std::memcpy(out, block_.data() + used_, take);
            // Bytes handed out are not kept in memory.
            OPENSSL_cleanse(block_.data() + used_, take);
            used_ += take;
            out += take;
            n -= take;
        }
    }

private:
    static constexpr std::size_t kBlock = 4096;
    void Refill() {
        if (RAND_bytes(block_.data(), static_cast<int>(kBlock)) != 1) {
            throw std::runtime_error("RAND_bytes failed");
        }
        used_ = 0;
    }
    std::array<unsigned char, kBlock> block_{};
    std::size_t used_ = kBlock;
};

void Fill(void* out, std::size_t n) {
    thread_local ThreadPool pool;
    pool.Fill(static_cast<unsigned char*>(out), n);
}

}  // namespace

std::string RandomBytes(std::size_t n) {
    std::string out(n, '\0');
    Fill(out.data(), n);
    return out;
}

std::uint64_t RandomU64() {
    std::uint64_t v = 0;
    Fill(&v, sizeof v);
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

RandomSource& SystemRandom::Instance() {
    static SystemRandom random;
    return random;
}

std::string RandomAlnum(std::size_t length) {
    static constexpr std::string_view kAlnum =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return RandomString(length, kAlnum);
}

std::string RandomUuid() {
    std::array<unsigned char, 16> b;
    Fill(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        unsigned char c = b[static_cast<std::size_t>(i)];
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

}  // namespace ivs
