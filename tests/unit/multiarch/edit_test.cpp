#include <catch2/catch.hpp>

#include "manifest/media_type.hpp"
#include "multiarch/edit.hpp"

using namespace ferry;
namespace media = manifest::media;

namespace {

manifest::Descriptor entry(char digit, const std::string& platform) {
    manifest::Descriptor d;
    d.media_type = std::string(media::kOciManifest);
    d.digest = manifest::Digest::parse("sha256:" + std::string(64, digit)).value();
    d.size = 500;
    d.platform = manifest::Platform::parse(platform).value();
    return d;
}

manifest::Index three_platforms(std::string_view media_type = media::kOciIndex) {
    manifest::Index index;
    index.media_type = std::string(media_type);
    auto arm64 = entry('2', "linux/arm64");
    arm64.platform->variant.clear();  // as buildx may write it
    manifest::Descriptor att = entry('4', "unknown/unknown");
    att.annotations = {{"vnd.docker.reference.type", "attestation-manifest"},
                       {"vnd.docker.reference.digest", arm64.digest.str()}};
    index.manifests = {entry('1', "linux/amd64"), arm64, entry('3', "linux/arm/v7"), att};
    return index;
}

std::vector<std::string> platforms_of(const manifest::Index& index) {
    std::vector<std::string> out;
    for (const auto& d : index.manifests) out.push_back(d.is_attestation() ? "attestation" : d.platform->str());
    return out;
}

}  // namespace

TEST_CASE("edit_entry changes one entry named by platform or digest, as docker manifest annotate") {
    const auto index = three_platforms();
    SECTION("a variant set on the platform's entry") {
        multiarch::EntryChanges c;
        c.variant = "v8";
        auto out = multiarch::edit_entry(index, "linux/arm64", c);
        REQUIRE(out);
        CHECK(platforms_of(*out) == std::vector<std::string>{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "attestation"});
    }
    SECTION("by digest prefix: os features and annotations, nothing else") {
        multiarch::EntryChanges c;
        c.os_features = std::vector<std::string>{"sse4"};
        c.annotations = {{"org.example", "yes"}};
        auto out = multiarch::edit_entry(index, "sha256:111111111111", c);
        REQUIRE(out);
        CHECK(out->manifests[0].platform->os_features == std::vector<std::string>{"sse4"});
        CHECK(out->manifests[0].annotations.at("org.example") == "yes");
        CHECK(out->manifests[1] == index.manifests[1]);
    }
    SECTION("a new architecture without a variant states none (no invented v8)") {
        multiarch::EntryChanges c;
        c.architecture = "arm64";
        auto moved = multiarch::edit_entry(index, "linux/arm/v7", c);
        REQUIRE_FALSE(moved);  // arm64 is taken by the second entry
        CHECK_THAT(moved.error().message, Catch::Contains("duplicate platform linux/arm64"));
        c.architecture = "s390x";
        auto out = multiarch::edit_entry(index, "linux/arm/v7", c);
        REQUIRE(out);
        CHECK(out->manifests[2].platform->str() == "linux/s390x");
    }
    SECTION("no match, an attestation, Docker annotations and a short digest are refused") {
        multiarch::EntryChanges c;
        c.os = "windows";
        auto none = multiarch::edit_entry(index, "linux/ppc64le", c);
        REQUIRE_FALSE(none);
        CHECK_THAT(none.error().message, Catch::Contains("available platforms: linux/amd64, linux/arm64, linux/arm/v7"));
        auto att = multiarch::edit_entry(index, "sha256:444444444444", c);
        REQUIRE_FALSE(att);
        CHECK_THAT(att.error().message, Catch::Contains("attestation"));
        CHECK_FALSE(multiarch::edit_entry(index, "sha256:11", c));
        multiarch::EntryChanges a;
        a.annotations = {{"k", "v"}};
        auto docker = multiarch::edit_entry(three_platforms(media::kDockerList), "linux/amd64", a);
        REQUIRE_FALSE(docker);
        CHECK_THAT(docker.error().message, Catch::Contains("Docker manifest list"));
    }
}

TEST_CASE("drop_platforms removes images and their attestations, and never everything") {
    const auto index = three_platforms();
    auto out = multiarch::drop_platforms(index, {manifest::Platform::parse("linux/arm64").value()});
    REQUIRE(out);
    CHECK(platforms_of(*out) == std::vector<std::string>{"linux/amd64", "linux/arm/v7"});
    auto arm = multiarch::drop_platforms(index, {manifest::Platform::parse("linux/arm").value()});
    REQUIRE(arm);
    CHECK(platforms_of(*arm) == std::vector<std::string>{"linux/amd64", "linux/arm64", "attestation"});
    auto missing = multiarch::drop_platforms(index, {manifest::Platform::parse("linux/s390x").value()});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == core::ErrorKind::NotFound);
    CHECK_THAT(missing.error().message, Catch::Contains("available platforms: linux/amd64, linux/arm64, linux/arm/v7"));
    std::vector<manifest::Platform> all;
    for (const char* p : {"linux/amd64", "linux/arm64", "linux/arm"}) all.push_back(manifest::Platform::parse(p).value());
    auto empty = multiarch::drop_platforms(index, all);
    REQUIRE_FALSE(empty);
    CHECK_THAT(empty.error().message, Catch::Contains("no image"));
}
