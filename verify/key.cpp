#include "verify/key.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fmt/format.h>

#include <fstream>
#include <iterator>

namespace ferry::verify {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;
constexpr int kMinRsaBits = 2048;

core::Error config_error(std::string_view origin, std::string_view what) {
    return core::make_error(core::ErrorKind::Config, fmt::format("public key {}: {}", origin, what));
}

/// "ecdsa-p256" / "rsa-<bits>" for a supported key, or the reason it is not supported.
std::expected<std::string, std::string> classify(EVP_PKEY* key) {
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                           &length) != 1)
            return std::unexpected(std::string("an EC key without a named curve"));
        if (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256")
            return std::unexpected(fmt::format("EC curve {} is not supported (only P-256)", group));
        return std::string("ecdsa-p256");
    }
    if (EVP_PKEY_is_a(key, "RSA")) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits < kMinRsaBits)
            return std::unexpected(fmt::format("RSA key of {} bits is too small (at least {})", bits, kMinRsaBits));
        return fmt::format("rsa-{}", bits);
    }
    return std::unexpected(fmt::format("key type {} is not supported (ECDSA P-256 or RSA)",
                                       EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?"));
}

}  // namespace

void PublicKey::Free::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

core::Result<PublicKey> PublicKey::from_pem(std::string_view pem, std::string_view origin) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) return core::fail(config_error(origin, "out of memory"));
    EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    ERR_clear_error();
    if (!raw) return core::fail(config_error(origin, "not a PEM public key (-----BEGIN PUBLIC KEY-----)"));
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, &EVP_PKEY_free);
    auto algorithm = classify(key.get());
    if (!algorithm) return core::fail(config_error(origin, algorithm.error()));
    return PublicKey(key.release(), std::move(*algorithm));
}

core::Result<PublicKey> load_public_key(const std::string& pem_path) {
    std::ifstream in(pem_path, std::ios::binary);
    if (!in) return core::fail(config_error(pem_path, "cannot open the file"));
    std::string text;
    text.resize(kMaxKeyFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return core::fail(config_error(pem_path, "cannot read the file"));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxKeyFileBytes) return core::fail(config_error(pem_path, "file larger than 64 KiB"));
    return PublicKey::from_pem(text, pem_path);
}

bool verify_signature(const PublicKey& key, std::string_view data, std::string_view signature) {
    if (!key.get() || signature.empty()) return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
              EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                               signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                               data.size()) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace ferry::verify
