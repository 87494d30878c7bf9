#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

struct evp_pkey_st;

namespace ivs::tokens {

// An ECDSA P-384 key (private+public, or public only) for ES384 JSON Web Signatures.
// Immutable after construction; copies share the key. Thread-safe.
class Es384Key {
public:
    // Parses a PEM private key ("EC PRIVATE KEY" or PKCS#8). invalid_argument when it is not
    // a P-384 EC key.
    static Result<Es384Key> FromPrivatePem(std::string_view pem);
    // Parses a PEM SubjectPublicKeyInfo ("PUBLIC KEY"). invalid_argument when it is not P-384.
    static Result<Es384Key> FromPublicPem(std::string_view pem);
    // A fresh random key pair. Throws std::runtime_error when OpenSSL fails.
    static Es384Key Generate();

    bool HasPrivate() const { return has_private_; }
    std::string PublicPem() const;   // "-----BEGIN PUBLIC KEY-----..."
    std::string PrivatePem() const;  // PKCS#8 "-----BEGIN PRIVATE KEY-----..."; empty if public only
    std::string PublicDer() const;   // DER SubjectPublicKeyInfo
    // The private scalar d, 48 bytes big-endian (for another ECDSA implementation). internal
    // error when the key has no private part. The caller should wipe it after use.
    Result<std::string> PrivateScalar() const;

    // JWS ES384 signature of `data`: raw r||s, 96 bytes (RFC 7518 3.4), not DER.
    // internal error when the key has no private part or OpenSSL fails.
    Result<std::string> Sign(std::string_view data) const;
    // Checks a 96-byte r||s signature over `data`.
    bool Verify(std::string_view data, std::string_view signature) const;

private:
    Es384Key(std::shared_ptr<evp_pkey_st> key, bool has_private)
        : key_(std::move(key)), has_private_(has_private) {}
    std::shared_ptr<evp_pkey_st> key_;
    bool has_private_ = false;
};

// Loads the private key in `path`; when the file does not exist, generates a key pair and
// writes it there (mode 0600, parent directory created). Throws std::runtime_error with the
// path in the message when the file cannot be read, parsed or written.
Es384Key LoadOrCreateKeyFile(const std::string& path);

// Loads an existing PEM private key file. Throws std::runtime_error naming the file.
Es384Key LoadKeyFile(const std::string& path);

// Colon-separated hex pairs of the MD5 digest of the DER public key ("98:0d:1a:...").
std::string PublicKeyFingerprint(const Es384Key& key);

}  // namespace ivs::tokens
