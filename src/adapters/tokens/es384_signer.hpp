#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/tokens/es384_key.hpp"
#include "core/error.hpp"

namespace ivs::tokens {

// The library that computes participant-token signatures (TOKEN_SIGNING_LIBRARY). Both give the
// same JWS ES384 format; Nettle signs several times faster than OpenSSL 3 on P-384.
enum class Es384Library { nettle, openssl };

// "nettle" / "openssl".
std::string_view Es384LibraryName(Es384Library library);

// Signs JWS ES384: SHA-384 digest, ECDSA P-384, raw 96-byte r||s (RFC 7518 3.4). Immutable after
// construction; Sign is thread-safe. Nonces come from OpenSSL's CSPRNG in both implementations.
class Es384Signer {
public:
    virtual ~Es384Signer() = default;
    // internal error when signing fails (no private key, the random generator failed).
    virtual Result<std::string> Sign(std::string_view data) const = 0;
    virtual Es384Library Library() const = 0;
};

// `key` must have its private part. Throws std::runtime_error when the key cannot be loaded into
// the library, or (Nettle) when a signature made at construction does not verify with OpenSSL.
std::shared_ptr<const Es384Signer> MakeEs384Signer(const Es384Key& key, Es384Library library);

}  // namespace ivs::tokens
