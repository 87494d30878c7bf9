#include "adapters/tokens/es384_signer.hpp"

#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/sha2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <gmp.h>
#include <sys/random.h>

#include <array>
#include <climits>
#include <cstdint>
#include <stdexcept>

namespace ivs::tokens {
namespace {

constexpr std::size_t kScalarBytes = 48;  // P-384

class OpenSslSigner final : public Es384Signer {
public:
    explicit OpenSslSigner(Es384Key key) : key_(std::move(key)) {}
    Result<std::string> Sign(std::string_view data) const override { return key_.Sign(data); }
    Es384Library Library() const override { return Es384Library::openssl; }

private:
    Es384Key key_;
};

// Per-signature state of the nonce generator: Nettle's random callback cannot report failure.
struct NonceSource {
    bool failed = false;
};

// Nettle asks for the bytes of the ECDSA nonce k. They come from OpenSSL's DRBG (per thread,
// reseeded from the kernel, fork-safe); the kernel directly if that ever fails. When both fail
// the bytes are a fixed non-zero pattern (so Nettle's rejection loop ends) and the signature
// is thrown away.
void NonceBytes(void* ctx, std::size_t length, std::uint8_t* dst) {
    auto* source = static_cast<NonceSource*>(ctx);
    if (length <= static_cast<std::size_t>(INT_MAX) &&
        RAND_bytes(dst, static_cast<int>(length)) == 1) {
        return;
    }
    std::size_t got = 0;
    while (got < length) {
        ssize_t n = ::getrandom(dst + got, length - got, 0);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got == length) return;
    source->failed = true;
    for (std::size_t i = 0; i < length; ++i) dst[i] = 0x5a;
}

class NettleSigner final : public Es384Signer {
public:
    explicit NettleSigner(const Es384Key& key) {
        auto scalar = key.PrivateScalar();
        if (!scalar || scalar->size() != kScalarBytes) {
            throw std::runtime_error("cannot read the P-384 private key for Nettle");
        }
        // Big-endian bytes to little-endian limbs, read in place by GMP (no heap copy of the key).
        constexpr std::size_t kLimbBytes = sizeof(mp_limb_t);
        std::array<mp_limb_t, kScalarBytes / kLimbBytes> limbs{};
        for (std::size_t i = 0; i < kScalarBytes; ++i) {
            auto byte = static_cast<unsigned char>((*scalar)[kScalarBytes - 1 - i]);
            limbs[i / kLimbBytes] |= static_cast<mp_limb_t>(byte) << (8 * (i % kLimbBytes));
        }
        OPENSSL_cleanse(scalar->data(), scalar->size());
        mpz_t z;
        mpz_roinit_n(z, limbs.data(), static_cast<mp_size_t>(limbs.size()));
        ecc_scalar_init(&key_, nettle_get_secp_384r1());
        bool ok = ecc_scalar_set(&key_, z) == 1;
        OPENSSL_cleanse(limbs.data(), sizeof limbs);
        if (!ok) {
            Clear();
            throw std::runtime_error("the P-384 private key is out of range for Nettle");
        }
        // A wrong conversion would give tokens IVS refuses: check one against OpenSSL now.
        auto probe = Sign("ivs-server ES384 self-check");
        if (!probe || !key.Verify("ivs-server ES384 self-check", *probe)) {
            Clear();
            throw std::runtime_error("Nettle's ES384 signature does not verify with OpenSSL");
        }
    }
    ~NettleSigner() override { Clear(); }
    NettleSigner(const NettleSigner&) = delete;
    NettleSigner& operator=(const NettleSigner&) = delete;

    Result<std::string> Sign(std::string_view data) const override {
        std::uint8_t digest[SHA384_DIGEST_SIZE];
        sha384_ctx sha;
        sha384_init(&sha);
        sha384_update(&sha, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
        sha384_digest(&sha, sizeof digest, digest);

        NonceSource nonce;
        dsa_signature sig;
        dsa_signature_init(&sig);
        ecdsa_sign(&key_, &nonce, &NonceBytes, sizeof digest, digest, &sig);
        std::string out;
        if (!nonce.failed) {
            out.assign(2 * kScalarBytes, '\0');
            auto* raw = reinterpret_cast<std::uint8_t*>(out.data());
            nettle_mpz_get_str_256(kScalarBytes, raw, sig.r);
            nettle_mpz_get_str_256(kScalarBytes, raw + kScalarBytes, sig.s);
        }
        dsa_signature_clear(&sig);
        if (nonce.failed) return Error(Errc::internal, "no random bytes for the ES384 nonce");
        return out;
    }
    Es384Library Library() const override { return Es384Library::nettle; }

private:
    void Clear() {
        if (key_.p == nullptr) return;
        OPENSSL_cleanse(key_.p, static_cast<std::size_t>(ecc_size(key_.ecc)) * sizeof(mp_limb_t));
        ecc_scalar_clear(&key_);
        key_.p = nullptr;
    }

    ecc_scalar key_{};
};

}  // namespace

std::string_view Es384LibraryName(Es384Library library) {
    return library == Es384Library::nettle ? "nettle" : "openssl";
}

std::shared_ptr<const Es384Signer> MakeEs384Signer(const Es384Key& key, Es384Library library) {
    if (!key.HasPrivate()) throw std::runtime_error("the token key has no private part");
    if (library == Es384Library::openssl) return std::make_shared<OpenSslSigner>(key);
    return std::make_shared<NettleSigner>(key);
}

}  // namespace ivs::tokens
