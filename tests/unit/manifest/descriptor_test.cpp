#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "manifest/descriptor.hpp"
#include "manifest/media_type.hpp"

using ferry::core::ErrorKind;
using namespace ferry::manifest;

namespace {
const std::string kDigest = "sha256:" + std::string(64, 'a');
const std::string kImageDigest = "sha256:" + std::string(64, 'b');
}  // namespace

TEST_CASE("Descriptor JSON round trip keeps every field") {
    auto j = nlohmann::json::parse(R"({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example+json",
        "digest": ")" + kDigest + R"(",
        "size": 4096,
        "urls": ["https://example.com/blob"],
        "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.1",
                     "os.features": ["win32k"], "variant": "v2"},
        "annotations": {"a": "1", "b": "2"}
    })");
    auto d = Descriptor::from_json(j);
    REQUIRE(d);
    CHECK(d->media_type == media::kOciManifest);
    CHECK(d->artifact_type == "application/vnd.example+json");
    CHECK(d->digest.str() == kDigest);
    CHECK(d->size == 4096);
    CHECK(d->urls == std::vector<std::string>{"https://example.com/blob"});
    REQUIRE(d->platform);
    CHECK(d->platform->os_version == "10.0.1");
    CHECK(d->platform->os_features == std::vector<std::string>{"win32k"});
    CHECK(d->platform->variant == "v2");
    CHECK(d->annotations.size() == 2);
    CHECK(d->to_json() == j);
    CHECK(Descriptor::from_json(d->to_json()).value().to_json() == j);
}

TEST_CASE("Descriptor::to_ordered_json writes fields in spec order and omits empty ones") {
    Descriptor d;
    d.media_type = std::string(media::kOciManifest);
    d.digest = Digest::parse(kDigest).value();
    d.size = 10;
    CHECK(d.to_ordered_json().dump() ==
          R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + kDigest +
              R"(","size":10})");
    d.platform = Platform::parse("linux/arm64").value();
    d.annotations["k"] = "v";
    CHECK(d.to_ordered_json().dump() ==
          R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + kDigest +
              R"(","size":10,"platform":{"architecture":"arm64","os":"linux","variant":"v8"},)"
              R"("annotations":{"k":"v"}})");
}

TEST_CASE("Descriptor::from_json names the offending field") {
    auto base = [] {
        return nlohmann::json{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                              {"digest", kDigest}, {"size", 1}};
    };
    struct Case {
        nlohmann::json j;
        std::string reason;
    };
    auto with = [&](auto&& mutate) {
        auto j = base();
        mutate(j);
        return j;
    };
    auto c = GENERATE_COPY(
        Case{nlohmann::json::array(), "descriptor must be a JSON object"},
        Case{with([](auto& j) { j.erase("mediaType"); }), "field 'mediaType' is missing"},
        Case{with([](auto& j) { j["mediaType"] = 1; }), "field 'mediaType' must be a string"},
        Case{with([](auto& j) { j.erase("digest"); }), "field 'digest' is missing"},
        Case{with([](auto& j) { j["digest"] = "sha256:ABC"; }), "field 'digest' is invalid"},
        Case{with([](auto& j) { j.erase("size"); }), "field 'size' is missing"},
        Case{with([](auto& j) { j["size"] = 1.5; }), "field 'size' must be a non-negative integer"},
        Case{with([](auto& j) { j["size"] = "1"; }), "field 'size' must be a non-negative integer"},
        Case{with([](auto& j) { j["platform"] = "linux/amd64"; }), "field 'platform' must be an object"},
        Case{with([](auto& j) { j["platform"] = {{"os", "linux"}}; }),
             "field 'platform.architecture' is missing"},
        Case{with([](auto& j) { j["platform"] = {{"os", "linux"}, {"architecture", "amd64"}, {"os.features", "x"}}; }),
             "field 'platform.os.features' must be an array of strings"},
        Case{with([](auto& j) { j["urls"] = {1}; }), "field 'urls[0]' must be a string"},
        Case{with([](auto& j) { j["annotations"] = "x"; }), "field 'annotations' must be an object"});
    INFO(c.j.dump());
    auto d = Descriptor::from_json(c.j);
    REQUIRE_FALSE(d);
    CHECK(d.error().kind == ErrorKind::Protocol);
    CHECK_THAT(d.error().message, Catch::Contains(c.reason));
}

TEST_CASE("Descriptor attestation helpers") {
    Descriptor d;
    d.media_type = std::string(media::kOciManifest);
    CHECK_FALSE(d.is_attestation());
    CHECK_FALSE(d.attests_to());
    d.annotations[std::string(kAnnotationReferenceDigest)] = kImageDigest;
    CHECK_FALSE(d.is_attestation());  // the type annotation decides
    d.annotations[std::string(kAnnotationReferenceType)] = "attestation-manifest";
    CHECK(d.is_attestation());
    REQUIRE(d.attests_to());
    CHECK(d.attests_to()->str() == kImageDigest);
    d.annotations[std::string(kAnnotationReferenceDigest)] = "garbage";
    CHECK(d.is_attestation());
    CHECK_FALSE(d.attests_to());
}
