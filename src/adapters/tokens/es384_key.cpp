#include "adapters/tokens/es384_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ivs::tokens {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::shared_ptr<evp_pkey_st> Wrap(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

bool IsP384(EVP_PKEY* key) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return false;
    std::string_view name(group, len);
    return name == "secp384r1" || name == "P-384";
}

std::string BioToString(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// The P-384 key in `pem`: a private key when `private_key`, else a public key (SPKI).
Result<std::shared_ptr<evp_pkey_st>> ReadP384Pem(std::string_view pem, bool private_key) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    EVP_PKEY* key = nullptr;
    if (bio) {
        key = private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                          : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    }
    const std::string kind = private_key ? "private" : "public";
    if (!key) return Error(Errc::invalid_argument, "not a PEM " + kind + " key");
    auto owned = Wrap(key);
    if (!IsP384(key)) {
        return Error(Errc::invalid_argument, "the " + kind + " key is not an EC P-384 key");
    }
    return owned;
}

}  // namespace

Result<Es384Key> Es384Key::FromPrivatePem(std::string_view pem) {
    auto key = ReadP384Pem(pem, true);
    if (!key) return key.error();
    return Es384Key(std::move(*key), true);
}

Result<Es384Key> Es384Key::FromPublicPem(std::string_view pem) {
    auto key = ReadP384Pem(pem, false);
    if (!key) return key.error();
    return Es384Key(std::move(*key), false);
}

Es384Key Es384Key::Generate() {
    EVP_PKEY* key = EVP_EC_gen("secp384r1");
    if (!key) throw std::runtime_error("cannot generate a P-384 key pair");
    return Es384Key(Wrap(key), true);
}

std::string Es384Key::PublicPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return {};
    return BioToString(bio.get());
}

std::string Es384Key::PrivatePem() const {
    if (!has_private_) return {};
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        return {};
    }
    return BioToString(bio.get());
}

std::string Es384Key::PublicDer() const {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key_.get(), &der);
    if (len <= 0) return {};
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

Result<std::string> Es384Key::PrivateScalar() const {
    if (!has_private_) return Error(Errc::internal, "the key has no private part");
    BIGNUM* d = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 || d == nullptr) {
        return Error(Errc::internal, "cannot read the private scalar");
    }
    std::string out(48, '\0');
    bool ok = BN_bn2binpad(d, reinterpret_cast<unsigned char*>(out.data()), 48) == 48;
    BN_clear_free(d);
    if (!ok) return Error(Errc::internal, "the private scalar is not a P-384 scalar");
    return out;
}

Result<std::string> Es384Key::Sign(std::string_view data) const {
    if (!has_private_) return Error(Errc::internal, "the key has no private part");
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t der_len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &der_len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        return Error(Errc::internal, "ES384 signing failed");
    }
    std::string der(der_len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        return Error(Errc::internal, "ES384 signing failed");
    }
    // OpenSSL emits DER (SEQUENCE of two INTEGERs); JWS wants fixed-width r||s.
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
    if (!sig) return Error(Errc::internal, "ES384 signature decoding failed");
    std::string out(96, '\0');
    const BIGNUM* r = ECDSA_SIG_get0_r(sig);
    const BIGNUM* s = ECDSA_SIG_get0_s(sig);
    bool ok = BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 48) == 48 &&
              BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 48, 48) == 48;
    ECDSA_SIG_free(sig);
    if (!ok) return Error(Errc::internal, "ES384 signature encoding failed");
    return out;
}

bool Es384Key::Verify(std::string_view data, std::string_view signature) const {
    if (signature.size() != 96) return false;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    if (!sig) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    BIGNUM* r = BN_bin2bn(raw, 48, nullptr);
    BIGNUM* s = BN_bin2bn(raw + 48, 48, nullptr);
    if (!r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return false;
    }
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (der_len <= 0) return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    bool ok = ctx &&
              EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key_.get()) == 1 &&
              EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len),
                               reinterpret_cast<const unsigned char*>(data.data()),
                               data.size()) == 1;
    OPENSSL_free(der);
    return ok;
}

Es384Key LoadKeyFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the token private key file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto key = Es384Key::FromPrivatePem(ss.str());
    if (!key) {
        throw std::runtime_error("token private key file " + path + ": " + key.error().message);
    }
    return *key;
}

Es384Key LoadOrCreateKeyFile(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return LoadKeyFile(path);
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    Es384Key key = Es384Key::Generate();
    std::string pem = key.PrivatePem();
    // Write to a private temporary file first so the key is never readable by others and a
    // crash never leaves half a key behind.
    std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write the token private key file " + tmp);
    std::size_t done = 0;
    while (done < pem.size()) {
        ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
        if (n <= 0) {
            ::close(fd);
            throw std::runtime_error("cannot write the token private key file " + tmp);
        }
        done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw std::runtime_error("cannot write the token private key file " + path);
    return key;
}

std::string PublicKeyFingerprint(const Es384Key& key) {
    std::string der = key.PublicDer();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(der.data(), der.size(), md, &len, EVP_md5(), nullptr) != 1) return {};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        if (i) out.push_back(':');
        out.push_back(kHex[md[i] >> 4]);
        out.push_back(kHex[md[i] & 15]);
    }
    return out;
}

}  // namespace ivs::tokens
