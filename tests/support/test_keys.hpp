#pragma once
// Keys and signatures made in-process with OpenSSL, for the verify unit tests.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::testing {

/// A freshly generated private key: its public half as PEM, and a signer.
class TestKey {
public:
    static TestKey ec(const char* curve = "P-256") { return TestKey(EVP_EC_gen(curve)); }
    static TestKey rsa(unsigned bits = 2048) { return TestKey(EVP_RSA_gen(bits)); }

    /// "-----BEGIN PUBLIC KEY-----..." (SubjectPublicKeyInfo).
    std::string public_pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) throw std::runtime_error("PEM export");
        char* data = nullptr;
        long n = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    }

    /// "-----BEGIN PRIVATE KEY-----..." (PKCS#8, unencrypted).
    std::string private_pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        if (PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
            throw std::runtime_error("PEM export");
        char* data = nullptr;
        long n = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    }

    /// Signature over sha256(data): DER ECDSA or RSA PKCS#1 v1.5.
    std::string sign(std::string_view data) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
        std::size_t n = 0;
        const auto* in = reinterpret_cast<const unsigned char*>(data.data());
        if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
            EVP_DigestSign(ctx.get(), nullptr, &n, in, data.size()) != 1)
            throw std::runtime_error("sign init");
        std::string out(n, '\0');
        if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, in, data.size()) != 1)
            throw std::runtime_error("sign");
        out.resize(n);
        return out;
    }

private:
    explicit TestKey(EVP_PKEY* key) : key_(key, &EVP_PKEY_free) {
        if (!key) throw std::runtime_error("key generation failed");
    }
    std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace ferry::testing
