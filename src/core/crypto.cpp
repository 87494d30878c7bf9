#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace ivs {

namespace {

// Fetched once: the EVP_sha256() handle makes OpenSSL 3 look the algorithm up again (under a
// lock) on every call.
const EVP_MD* Sha256Md() {
    static EVP_MD* md = [] {
        EVP_MD* m = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
        if (m == nullptr) throw std::runtime_error("SHA-256 is not available from OpenSSL");
        return m;
    }();
    return md;
}

}  // namespace

std::string Sha256(std::string_view data) {
    // One digest context per thread, reused: every API-key request hashes the key it presents,
    // and a context made and freed per call costs more than the hash of a short key.
    struct Context {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Context() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Context local;
    unsigned char md[SHA256_DIGEST_LENGTH];
    if (local.ctx == nullptr || EVP_DigestInit_ex2(local.ctx, Sha256Md(), nullptr) != 1 ||
        EVP_DigestUpdate(local.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(local.ctx, md, nullptr) != 1) {
        throw std::runtime_error("SHA-256 digest failed");
    }
    return std::string(reinterpret_cast<char*>(md), sizeof md);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(Sha256Md(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len)) {
        throw std::runtime_error("HMAC failed");
    }
    return std::string(reinterpret_cast<char*>(md), len);
}

std::string HexEncode(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

std::string Base64Encode(std::string_view bytes) {
    // EVP_EncodeBlock writes 4 characters per 3 bytes (padded) and a terminating NUL.
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
    std::string s = Base64Encode(bytes);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) {
        if (c == '+') c = '-';
        else if (c == '/') c = '_';
    }
    return s;
}

bool Base64Decode(std::string_view in, std::string& out) {
    if (in.size() % 4 != 0) return false;
    // Padding: at most two '=', only at the end; everything before it from the alphabet
    // (EVP_DecodeBlock would skip surrounding whitespace, which this format does not allow).
    std::size_t padding = 0;
    while (padding < 2 && padding < in.size() && in[in.size() - 1 - padding] == '=') ++padding;
    for (char c : in.substr(0, in.size() - padding)) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (!ok) return false;
    }
    out.assign(in.size() / 4 * 3, '\0');
    if (in.empty()) return true;
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    if (n < 0 || static_cast<std::size_t>(n) < padding) return false;
    out.resize(static_cast<std::size_t>(n) - padding);
    return true;
}

bool Base64UrlDecode(std::string_view in, std::string& out) {
    std::string s(in);
    for (char& c : s) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (c == '+' || c == '/' || c == '=') return false;
    }
    while (s.size() % 4 != 0) s.push_back('=');
    return Base64Decode(s, out);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    // Compare digests so the running time never depends on the secret's length or content.
    return DigestEquals(Sha256(a), Sha256(b)) && a.size() == b.size();
}

bool DigestEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ivs
