#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/base64.hpp"
#include "manifest/media_type.hpp"
#include "support/memory_store.hpp"
#include "support/test_keys.hpp"
#include "verify/cosign.hpp"

using namespace ferry;
using ferry::testing::MemoryStore;
using ferry::testing::TestKey;

namespace {

/// The subject: a small image manifest stored in `store`.
manifest::Digest add_subject(MemoryStore& store, const std::string& label) {
    auto config = store.add_blob(R"({"label":")" + label + R"("})", std::string(manifest::media::kOciConfig));
    nlohmann::json m = {{"schemaVersion", 2}, {"mediaType", manifest::media::kOciManifest},
                        {"config", config.to_json()}, {"layers", nlohmann::json::array()}};
    return store.add_manifest(m.dump(), manifest::media::kOciManifest, label).digest;
}

std::string payload_naming(const manifest::Digest& d, const std::string& type = "cosign container image signature") {
    nlohmann::ordered_json p = {
        {"critical", {{"identity", {{"docker-reference", "127.0.0.1:5000/app"}}},
                      {"image", {{"docker-manifest-digest", d.str()}}},
                      {"type", type}}},
        {"optional", nullptr}};
    return p.dump();
}

struct SigLayer {
    std::string payload;
    std::string signature;  // raw bytes; base64-encoded into the annotation
    std::string media_type = std::string(verify::kSimpleSigningMediaType);
};

/// Stores a cosign signature manifest for `subject` with these layers at its .sig tag.
void add_signature(MemoryStore& store, const manifest::Digest& subject, const std::vector<SigLayer>& layers) {
    auto config = store.add_blob("{}", std::string(manifest::media::kOciConfig));
    nlohmann::json m = {{"schemaVersion", 2}, {"mediaType", manifest::media::kOciManifest},
                        {"config", config.to_json()}, {"layers", nlohmann::json::array()}};
    for (const auto& l : layers) {
        auto d = store.add_blob(l.payload, l.media_type);
        d.annotations[std::string(verify::kSignatureAnnotation)] = http::base64_encode(l.signature);
        m["layers"].push_back(d.to_json());
    }
    store.add_manifest(m.dump(), manifest::media::kOciManifest, verify::signature_tag(subject));
}

verify::PublicKey public_key(const TestKey& k) { return verify::PublicKey::from_pem(k.public_pem(), "test").value(); }

SigLayer signed_layer(const TestKey& k, const manifest::Digest& d) {
    auto payload = payload_naming(d);
    return {payload, k.sign(payload)};
}

verify::Verdict check(MemoryStore& store, const manifest::Digest& d, const verify::PublicKey& key) {
    auto verdict = verify::verify_cosign(store, d, key);
    REQUIRE(verdict);
    return *verdict;
}

}  // namespace

TEST_CASE("signature_tag is sha256-<hex>.sig") {
    auto d = manifest::Digest::of("x");
    CHECK(verify::signature_tag(d) == "sha256-" + d.hex() + ".sig");
}

TEST_CASE("a correctly signed image is Verified") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto d = add_subject(store, "1.0");
    add_signature(store, d, {signed_layer(signer, d)});
    auto v = check(store, d, public_key(signer));
    CHECK(v.outcome == verify::Outcome::Verified);
    CHECK_THAT(v.detail, Catch::Contains(d.str()));
}

TEST_CASE("an RSA signature is Verified with the RSA key") {
    MemoryStore store;
    auto signer = TestKey::rsa();
    auto d = add_subject(store, "1.0");
    add_signature(store, d, {signed_layer(signer, d)});
    CHECK(check(store, d, public_key(signer)).outcome == verify::Outcome::Verified);
}

TEST_CASE("an image without a signature tag is Unsigned, naming the digest") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto d = add_subject(store, "1.0");
    auto other = add_subject(store, "2.0");
    add_signature(store, other, {signed_layer(signer, other)});  // signs the neighbour only
    auto v = check(store, d, public_key(signer));
    CHECK(v.outcome == verify::Outcome::Unsigned);
    CHECK_THAT(v.detail, Catch::Contains(d.str()));
}

TEST_CASE("a signed payload naming another digest is Invalid") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto d = add_subject(store, "1.0");
    auto other = add_subject(store, "2.0");
    add_signature(store, d, {signed_layer(signer, other)});  // a genuine signature of `other`
    auto v = check(store, d, public_key(signer));
    CHECK(v.outcome == verify::Outcome::Invalid);
    CHECK_THAT(v.detail, Catch::Contains(d.str()) && Catch::Contains("payload signs " + other.str()));
}

TEST_CASE("a tampered signature or payload is Invalid") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto d = add_subject(store, "1.0");
    auto layer = signed_layer(signer, d);
    SECTION("signature bytes changed") { layer.signature[layer.signature.size() / 2] ^= 0x20; }
    SECTION("payload changed after signing") { layer.payload.insert(1, " "); }
    SECTION("wrong payload type, signed") {
        layer.payload = payload_naming(d, "something else");
        layer.signature = signer.sign(layer.payload);
    }
    add_signature(store, d, {layer});
    auto v = check(store, d, public_key(signer));
    CHECK(v.outcome == verify::Outcome::Invalid);
    CHECK_THAT(v.detail, Catch::Contains(d.str()));
}

TEST_CASE("a signature made with another key is Invalid") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto stranger = TestKey::ec();
    auto d = add_subject(store, "1.0");
    add_signature(store, d, {signed_layer(stranger, d)});
    auto v = check(store, d, public_key(signer));
    CHECK(v.outcome == verify::Outcome::Invalid);
    CHECK_THAT(v.detail, Catch::Contains("does not verify"));
}

TEST_CASE("one good layer among bad ones is enough, other media types are ignored") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto stranger = TestKey::ec();
    auto d = add_subject(store, "1.0");
    auto good = signed_layer(signer, d);
    SigLayer foreign = good;
    foreign.media_type = "application/vnd.example.other+json";
    foreign.payload += " ";  // a distinct blob
    SECTION("good layer last") {
        add_signature(store, d, {signed_layer(stranger, d), foreign, good});
        CHECK(check(store, d, public_key(signer)).outcome == verify::Outcome::Verified);
    }
    SECTION("only the foreign layer") {
        add_signature(store, d, {foreign});
        auto v = check(store, d, public_key(signer));
        CHECK(v.outcome == verify::Outcome::Invalid);
        CHECK_THAT(v.detail, Catch::Contains("no simple-signing layer"));
    }
}

TEST_CASE("a missing payload blob or a missing annotation is Invalid, not an error") {
    MemoryStore store;
    auto signer = TestKey::ec();
    auto d = add_subject(store, "1.0");
    auto layer = signed_layer(signer, d);
    add_signature(store, d, {layer});
    SECTION("payload blob gone") { store.blobs.erase(manifest::Digest::of(layer.payload)); }
    SECTION("annotation empty") {
        add_signature(store, d, {SigLayer{layer.payload, ""}});
    }
    auto v = check(store, d, public_key(signer));
    CHECK(v.outcome == verify::Outcome::Invalid);
}
