#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "support/test_keys.hpp"
#include "verify/key.hpp"

using namespace ferry;
using ferry::testing::TestKey;

namespace {

struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& content) {
        path = std::filesystem::temp_directory_path() /
               ("ferry-key-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++) + ".pem");
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { std::filesystem::remove(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

}  // namespace

TEST_CASE("an ECDSA P-256 public key file loads and verifies its signatures") {
    auto signer = TestKey::ec();
    TempFile file(signer.public_pem());
    auto key = verify::load_public_key(file.path.string());
    REQUIRE(key);
    CHECK(key->algorithm() == "ecdsa-p256");
    std::string data = R"({"critical":{}})";
    CHECK(verify::verify_signature(*key, data, signer.sign(data)));
    CHECK_FALSE(verify::verify_signature(*key, data + " ", signer.sign(data)));
}

TEST_CASE("an RSA public key file loads and verifies PKCS#1 v1.5 signatures") {
    auto signer = TestKey::rsa(2048);
    TempFile file(signer.public_pem());
    auto key = verify::load_public_key(file.path.string());
    REQUIRE(key);
    CHECK(key->algorithm() == "rsa-2048");
    CHECK(verify::verify_signature(*key, "payload", signer.sign("payload")));
    CHECK_FALSE(verify::verify_signature(*key, "payload", signer.sign("other")));
}

TEST_CASE("a signature by another key, a flipped byte or an empty signature does not verify") {
    auto signer = TestKey::ec();
    auto other = TestKey::ec();
    auto key = verify::PublicKey::from_pem(signer.public_pem(), "test");
    REQUIRE(key);
    auto good = signer.sign("data");
    REQUIRE(verify::verify_signature(*key, "data", good));
    CHECK_FALSE(verify::verify_signature(*key, "data", other.sign("data")));
    auto flipped = good;
    flipped[flipped.size() / 2] ^= 0x01;
    CHECK_FALSE(verify::verify_signature(*key, "data", flipped));
    CHECK_FALSE(verify::verify_signature(*key, "data", ""));
    CHECK_FALSE(verify::verify_signature(*key, "data", "not DER at all"));
}

TEST_CASE("a moved-from key is replaced by the moved-to one") {
    auto signer = TestKey::ec();
    auto loaded = verify::PublicKey::from_pem(signer.public_pem(), "test");
    REQUIRE(loaded);
    verify::PublicKey moved = std::move(*loaded);
    CHECK(verify::verify_signature(moved, "x", signer.sign("x")));
}

TEST_CASE("a missing key file is a Config error naming the file") {
    auto key = verify::load_public_key("/nonexistent/ferry/key.pem");
    REQUIRE_FALSE(key);
    CHECK(key.error().kind == core::ErrorKind::Config);
    CHECK_THAT(key.error().message, Catch::Contains("/nonexistent/ferry/key.pem"));
}

TEST_CASE("garbage, a private key or an unsupported curve is refused naming the file") {
    auto p384 = TestKey::ec("P-384");
    auto small_rsa = TestKey::rsa(1024);
    std::string pem_body = p384.public_pem();
    std::string truncated = pem_body.substr(0, pem_body.size() / 2);
    struct Case {
        const char* name;
        std::string content;
        const char* reason;
    };
    std::vector<Case> cases = {
        {"garbage", "hello, this is not a key\n", "not a PEM public key"},
        {"truncated PEM", truncated, "not a PEM public key"},
        {"private key", p384.private_pem(), "not a PEM public key"},
        {"P-384", pem_body, "secp384r1"},
        {"RSA 1024", small_rsa.public_pem(), "too small"},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            TempFile file(c.content);
            auto key = verify::load_public_key(file.path.string());
            REQUIRE_FALSE(key);
            CHECK(key.error().kind == core::ErrorKind::Config);
            CHECK_THAT(key.error().message, Catch::Contains(file.path.string()));
            CHECK_THAT(key.error().message, Catch::Contains(c.reason));
        }
    }
}
