#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "manifest/manifest.hpp"
#include "manifest/media_type.hpp"
#include "support/manifest_fixtures.hpp"

using ferry::core::ErrorKind;
using namespace ferry::manifest;
namespace fixtures = ferry::testing::fixtures;

namespace {

std::string hex_digest(char c) { return "sha256:" + std::string(64, c); }

/// Parses `raw` expecting failure; returns the message.
ferry::core::Error parse_error(const std::string& raw, std::string_view content_type = "") {
    auto parsed = parse_manifest(raw, content_type);
    REQUIRE_FALSE(parsed);
    return parsed.error();
}

}  // namespace

TEST_CASE("parse_manifest reads a buildx OCI index with attestations") {
    auto parsed = parse_manifest(fixtures::kOciIndex, "");
    REQUIRE(parsed);
    CHECK(parsed->raw == fixtures::kOciIndex);
    CHECK(parsed->digest.str() == fixtures::kOciIndexDigest);
    CHECK(parsed->media_type == media::kOciIndex);
    REQUIRE(parsed->is_index());
    const auto& index = parsed->index();
    CHECK(index.media_type == media::kOciIndex);
    REQUIRE(index.manifests.size() == 6);
    CHECK(index.manifests[0].platform->str() == "linux/amd64");
    CHECK(index.manifests[1].platform->variant == "v8");
    CHECK(index.manifests[2].size == 1236);
    CHECK_FALSE(index.manifests[0].is_attestation());
    CHECK(index.manifests[3].is_attestation());
    CHECK(index.manifests[3].platform->is_unknown());
    CHECK(index.manifests[3].attests_to() == index.manifests[0].digest);
    CHECK(index.manifests[5].attests_to() == index.manifests[2].digest);
    CHECK(index.annotations.at("org.opencontainers.image.created") == "2024-05-01T10:00:00Z");
    CHECK(parsed->children().size() == 6);
    CHECK(parsed->children()[4].digest == index.manifests[4].digest);
}

TEST_CASE("parse_manifest reads a Docker manifest list with Windows platforms") {
    auto parsed = parse_manifest(fixtures::kDockerList, media::kDockerList);
    REQUIRE(parsed);
    CHECK(parsed->digest.str() == fixtures::kDockerListDigest);
    CHECK(parsed->media_type == media::kDockerList);
    const auto& entries = parsed->index().manifests;
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].platform->architecture == "ppc64le");
    CHECK(entries[2].platform->os == "windows");
    CHECK(entries[2].platform->os_version == "10.0.17763.5329");
    CHECK(entries[2].platform->os_features == std::vector<std::string>{"win32k"});
    CHECK(entries[2].digest.str() == hex_digest('9'));
}

TEST_CASE("parse_manifest reads an OCI image manifest with a subject") {
    auto parsed = parse_manifest(fixtures::kOciManifest, "application/vnd.oci.image.manifest.v1+json");
    REQUIRE(parsed);
    CHECK(parsed->digest.str() == fixtures::kOciManifestDigest);
    REQUIRE_FALSE(parsed->is_index());
    const auto& image = parsed->image();
    CHECK(image.media_type == media::kOciManifest);
    CHECK(image.config.media_type == media::kOciConfig);
    CHECK(image.config.size == 7023);
    REQUIRE(image.layers.size() == 2);
    CHECK(image.layers[1].annotations.at("org.opencontainers.image.title") == "app.tar.gz");
    REQUIRE(image.subject);
    CHECK(image.subject->digest.str() == hex_digest('d'));
    CHECK(image.annotations.at("com.example.key1") == "value1");
    auto children = parsed->children();
    REQUIRE(children.size() == 3);  // config + layers, subject excluded
    CHECK(children[0].digest == image.config.digest);
    CHECK(children[2].digest == image.layers[1].digest);
}

TEST_CASE("parse_manifest reads a Docker schema2 manifest with a foreign layer") {
    auto parsed = parse_manifest(fixtures::kDockerManifest, "");
    REQUIRE(parsed);
    CHECK(parsed->digest.str() == fixtures::kDockerManifestDigest);
    CHECK(parsed->media_type == media::kDockerManifest);
    const auto& image = parsed->image();
    CHECK(image.config.media_type == media::kDockerConfig);
    CHECK(image.layers[1].urls.size() == 1);
    CHECK_FALSE(image.subject);
}

TEST_CASE("parse_manifest keeps the raw bytes: whitespace changes the digest") {
    auto compact = nlohmann::json::parse(fixtures::kOciManifest).dump();
    auto a = parse_manifest(fixtures::kOciManifest, "").value();
    auto b = parse_manifest(compact, "").value();
    CHECK(b.raw == compact);
    CHECK(a.digest != b.digest);
    CHECK(b.digest == Digest::of(compact));
    CHECK(a.image().layers == b.image().layers);
}

TEST_CASE("parse_manifest decides the type: JSON mediaType, then content type, then structure") {
    auto without_type = [](const std::string& raw) {
        auto j = nlohmann::json::parse(raw);
        j.erase("mediaType");
        return j.dump();
    };
    SECTION("content type is used when the JSON names none (parameters ignored)") {
        auto parsed = parse_manifest(without_type(fixtures::kDockerList),
                                     "application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8");
        REQUIRE(parsed);
        CHECK(parsed->media_type == media::kDockerList);
    }
    SECTION("the JSON wins over a disagreeing known content type") {
        auto parsed = parse_manifest(fixtures::kDockerManifest, media::kOciManifest);
        REQUIRE(parsed);
        CHECK(parsed->media_type == media::kDockerManifest);
    }
    SECTION("a generic content type falls back to structure") {
        auto index = parse_manifest(without_type(fixtures::kOciIndex), "application/json");
        REQUIRE(index);
        CHECK(index->media_type == media::kOciIndex);
        CHECK(index->is_index());
        auto image = parse_manifest(without_type(fixtures::kOciManifest), "");
        REQUIRE(image);
        CHECK(image->media_type == media::kOciManifest);
        CHECK_FALSE(image->is_index());
    }
    SECTION("an unknown JSON mediaType with no usable content type is unsupported") {
        auto j = nlohmann::json::parse(fixtures::kOciManifest);
        j["mediaType"] = "application/vnd.oci.artifact.manifest.v1+json";
        auto e = parse_error(j.dump());
        CHECK(e.kind == ErrorKind::Unsupported);
        CHECK_THAT(e.message, Catch::Contains("application/vnd.oci.artifact.manifest.v1+json"));
    }
}

TEST_CASE("parse_manifest rejects schema1 with an Unsupported error") {
    std::string schema1 = R"({"schemaVersion": 1, "name": "library/x", "tag": "1", "fsLayers": []})";
    auto e = parse_error(schema1);
    CHECK(e.kind == ErrorKind::Unsupported);
    CHECK_THAT(e.message, Catch::Contains("schema1"));
    auto signed_type = parse_error(schema1, "application/vnd.docker.distribution.manifest.v1+prettyjws");
    CHECK(signed_type.kind == ErrorKind::Unsupported);
}

TEST_CASE("parse_manifest reports malformed manifests as Protocol errors naming the problem") {
    struct Case {
        std::string raw;
        std::string reason;
    };
    auto oci = [](auto&& mutate) {
        auto j = nlohmann::json::parse(fixtures::kOciManifest);
        mutate(j);
        return j.dump();
    };
    auto c = GENERATE_COPY(
        Case{"{\"schemaVersion\": 2,", "not valid JSON"},
        Case{"", "not valid JSON"},
        Case{"[1, 2]", "expected a JSON object, got array"},
        Case{oci([](auto& j) { j.erase("schemaVersion"); }), "field 'schemaVersion' is missing"},
        Case{oci([](auto& j) { j["schemaVersion"] = 3; }), "field 'schemaVersion' is 3"},
        Case{oci([](auto& j) { j["schemaVersion"] = "2"; }), "field 'schemaVersion' must be the integer 2"},
        Case{oci([](auto& j) { j["mediaType"] = 5; }), "field 'mediaType' must be a string"},
        Case{oci([](auto& j) { j.erase("config"); }), "field 'config' is missing"},
        Case{oci([](auto& j) { j.erase("layers"); }), "field 'layers' is missing"},
        Case{oci([](auto& j) { j["layers"] = "x"; }), "field 'layers' must be an array"},
        Case{oci([](auto& j) { j["layers"][1]["digest"] = "sha256:zz"; }),
             "layers[1]: field 'digest' is invalid: invalid digest \"sha256:zz\""},
        Case{oci([](auto& j) { j["layers"][0]["size"] = -1; }),
             "layers[0]: field 'size' must be a non-negative integer"},
        Case{oci([](auto& j) { j["config"].erase("mediaType"); }), "config: field 'mediaType' is missing"},
        Case{oci([](auto& j) { j["annotations"]["k"] = 1; }), "field 'annotations.k' must be a string"},
        Case{oci([](auto& j) { j["subject"] = 1; }), "subject: descriptor must be a JSON object"},
        Case{[] {
                 auto j = nlohmann::json::parse(fixtures::kOciIndex);
                 j["manifests"][2]["platform"].erase("os");
                 return j.dump();
             }(),
             "manifests[2]: field 'platform.os' is missing"},
        Case{[] {
                 auto j = nlohmann::json::parse(fixtures::kOciIndex);
                 j.erase("manifests");
                 return j.dump();
             }(),
             "field 'manifests' is missing"});
    INFO(c.raw);
    auto e = parse_error(c.raw);
    CHECK(e.kind == ErrorKind::Protocol);
    CHECK_THAT(e.message, Catch::StartsWith("parsing manifest sha256:"));
    CHECK_THAT(e.message, Catch::Contains(c.reason));
}

TEST_CASE("media type families") {
    CHECK(media::is_index(media::kOciIndex));
    CHECK(media::is_index(media::kDockerList));
    CHECK_FALSE(media::is_index(media::kOciManifest));
    CHECK(media::is_manifest(media::kDockerManifest));
    CHECK_FALSE(media::is_manifest(media::kOciConfig));
    CHECK(media::is_docker(media::kDockerLayerGzip));
    CHECK_FALSE(media::is_docker(media::kOciLayer));
    CHECK(media::is_known_manifest(media::kOciManifest));
    CHECK_FALSE(media::is_known_manifest("application/json"));
}
