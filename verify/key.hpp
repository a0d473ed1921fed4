#pragma once
/// Public keys for signature verification (cosign's keyed mode): PEM SubjectPublicKeyInfo
/// holding an ECDSA P-256 or an RSA (>= 2048 bits) key, checked with OpenSSL.
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace ferry::verify {

/// A public key loaded from PEM (ECDSA P-256 or RSA). Movable, owns an EVP_PKEY.
class PublicKey {
public:
    /// Parses PEM text ("-----BEGIN PUBLIC KEY-----"). `origin` names the source in errors
    /// (a file path). Errors: Config for text that is no public key or an unsupported kind.
    static core::Result<PublicKey> from_pem(std::string_view pem, std::string_view origin);

    /// "ecdsa-p256" or "rsa-<bits>".
    const std::string& algorithm() const { return algorithm_; }
    /// The OpenSSL key (never null for a loaded key).
    evp_pkey_st* get() const { return key_.get(); }

private:
    struct Free {
        void operator()(evp_pkey_st* key) const;
    };
    PublicKey(evp_pkey_st* key, std::string algorithm) : key_(key), algorithm_(std::move(algorithm)) {}

    std::unique_ptr<evp_pkey_st, Free> key_;
    std::string algorithm_;
};

/// Loads a PEM public key file; errors name the file (kind Config when unreadable/unsupported).
core::Result<PublicKey> load_public_key(const std::string& pem_path);

/// Verifies `signature` (DER for ECDSA, PKCS#1 v1.5 for RSA) over sha256(data).
bool verify_signature(const PublicKey& key, std::string_view data, std::string_view signature);

}  // namespace ferry::verify
