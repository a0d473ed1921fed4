#include <catch2/catch.hpp>

#include <string>

#include "manifest/digest.hpp"

using ferry::core::ErrorKind;
using ferry::manifest::Digest;

namespace {
const std::string kHex64(64, 'a');
}

TEST_CASE("Digest::of is the sha256 of the bytes") {
    // sha256("") and sha256("abc") are well-known test vectors.
    CHECK(Digest::of("").str() ==
          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    auto abc = Digest::of("abc");
    CHECK(abc.algorithm() == "sha256");
    CHECK(abc.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(abc.short_str() == "sha256:ba7816bf8f01");
    CHECK(Digest::parse(abc.str()).value() == abc);
}

TEST_CASE("Digest::parse accepts sha256 and sha512") {
    auto d = Digest::parse("sha256:" + kHex64);
    REQUIRE(d);
    CHECK(d->algorithm() == "sha256");
    CHECK(d->hex() == kHex64);
    auto long_digest = Digest::parse("sha512:" + std::string(128, '0'));
    REQUIRE(long_digest);
    CHECK(long_digest->algorithm() == "sha512");
    CHECK(long_digest->str() == "sha512:" + std::string(128, '0'));
    CHECK(*d != *long_digest);
    CHECK_FALSE(d->empty());
    CHECK(Digest{}.empty());
}

TEST_CASE("Digest::parse rejects malformed digests naming the input") {
    struct Case {
        std::string text;
        std::string reason;
    };
    auto c = GENERATE(
        Case{"sha256:xyz", "hex digits [0-9a-f]"},
        Case{"sha256:abc", "sha256 needs 64 hex digits, got 3"},
        Case{"sha256:" + std::string(64, 'A'), "must be lower case"},
        Case{"sha256:" + std::string(65, 'a'), "got 65"},
        Case{"sha512:" + std::string(64, 'a'), "sha512 needs 128 hex digits"},
        Case{"md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm \"md5\""},
        Case{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "<algorithm>:<hex>"},
        Case{"", "<algorithm>:<hex>"},
        Case{"sha256:", "got 0"});
    auto d = Digest::parse(c.text);
    REQUIRE_FALSE(d);
    CHECK(d.error().kind == ErrorKind::InvalidInput);
    CHECK_THAT(d.error().message, Catch::Contains("invalid digest \"" + c.text + "\""));
    CHECK_THAT(d.error().message, Catch::Contains(c.reason));
}

TEST_CASE("Digest orders and hashes by value") {
    auto a = Digest::sha256(std::string(64, 'a'));
    auto b = Digest::sha256(std::string(64, 'b'));
    CHECK(a < b);
    CHECK(std::hash<Digest>()(a) == std::hash<Digest>()(Digest::parse(a.str()).value()));
}
