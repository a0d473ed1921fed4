#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "manifest/index.hpp"
#include "manifest/media_type.hpp"
#include "support/manifest_fixtures.hpp"

using ferry::core::ErrorKind;
using namespace ferry::manifest;
namespace fixtures = ferry::testing::fixtures;

namespace {

Index oci_index() { return parse_manifest(fixtures::kOciIndex, "").value().index(); }

std::vector<Platform> platforms(std::initializer_list<std::string_view> texts) {
    std::vector<Platform> out;
    for (auto t : texts) out.push_back(Platform::parse(t).value());
    return out;
}

std::vector<std::string> digests_of(const Index& index) {
    std::vector<std::string> out;
    for (const auto& d : index.manifests) out.push_back(d.digest.str().substr(7, 1));
    return out;
}

Descriptor entry(char hex, std::string_view platform, std::string_view media_type = media::kOciManifest) {
    Descriptor d;
    d.media_type = std::string(media_type);
    d.digest = Digest::sha256(std::string(64, hex));
    d.size = 100 + hex;
    if (!platform.empty()) d.platform = Platform::parse(platform).value();
    return d;
}

Descriptor attestation_for(char hex, const Descriptor& image) {
    Descriptor d = entry(hex, "unknown/unknown");
    d.annotations[std::string(kAnnotationReferenceType)] = "attestation-manifest";
    d.annotations[std::string(kAnnotationReferenceDigest)] = image.digest.str();
    return d;
}

}  // namespace

TEST_CASE("filter_platforms keeps matching images with their attestations, in order") {
    auto source = oci_index();  // 1=amd64, 2=arm64/v8, 3=arm/v7, 4..6 attest 1..3
    SECTION("one platform") {
        auto subset = filter_platforms(source, platforms({"linux/arm64"}));
        REQUIRE(subset);
        CHECK(digests_of(*subset) == std::vector<std::string>{"2", "5"});
    }
    SECTION("two platforms keep the source order, not the filter order") {
        auto subset = filter_platforms(source, platforms({"linux/arm/v7", "linux/amd64"}));
        REQUIRE(subset);
        CHECK(digests_of(*subset) == std::vector<std::string>{"1", "3", "4", "6"});
        CHECK(subset->media_type == media::kOciIndex);
        CHECK(subset->annotations == source.annotations);
        CHECK(subset->manifests[2].annotations == source.manifests[3].annotations);
    }
    SECTION("arm without variant matches every arm variant, arm64 is not arm") {
        auto subset = filter_platforms(source, platforms({"linux/arm"}));
        REQUIRE(subset);
        CHECK(digests_of(*subset) == std::vector<std::string>{"3", "6"});
    }
    SECTION("an empty filter keeps everything") {
        auto subset = filter_platforms(source, {});
        REQUIRE(subset);
        CHECK(subset->manifests.size() == source.manifests.size());
    }
}

TEST_CASE("filter_platforms fails with NotFound listing the available platforms") {
    auto subset = filter_platforms(oci_index(), platforms({"linux/s390x", "windows/amd64"}));
    REQUIRE_FALSE(subset);
    CHECK(subset.error().kind == ErrorKind::NotFound);
    CHECK_THAT(subset.error().message, Catch::Contains("linux/s390x, windows/amd64"));
    CHECK_THAT(subset.error().message,
               Catch::Contains("available platforms: linux/amd64, linux/arm64/v8, linux/arm/v7"));
    CHECK_THAT(subset.error().message, !Catch::Contains("unknown/unknown"));
}

TEST_CASE("filter_platforms drops entries without platform and orphan attestations") {
    Index source;
    source.media_type = std::string(media::kOciIndex);
    auto amd = entry('1', "linux/amd64");
    auto arm = entry('2', "linux/arm64");
    source.manifests = {amd, entry('3', ""), attestation_for('4', arm), attestation_for('5', amd), arm};
    auto subset = filter_platforms(source, platforms({"linux/amd64"}));
    REQUIRE(subset);
    CHECK(digests_of(*subset) == std::vector<std::string>{"1", "5"});
}

TEST_CASE("filter_keeps_all tells when the original bytes can be copied") {
    auto source = oci_index();
    CHECK(filter_keeps_all(source, {}));
    CHECK(filter_keeps_all(source, platforms({"linux/amd64", "linux/arm64", "linux/arm"})));
    CHECK_FALSE(filter_keeps_all(source, platforms({"linux/amd64", "linux/arm64"})));
    CHECK_FALSE(filter_keeps_all(source, platforms({"linux/s390x"})));
}

TEST_CASE("Index::serialize writes canonical compact JSON") {
    Index index;
    index.media_type = std::string(media::kOciIndex);
    auto e = entry('1', "linux/arm64");
    e.annotations["k"] = "v";
    index.manifests = {e};
    index.annotations["org.opencontainers.image.created"] = "now";
    auto hex = std::string(64, '1');
    CHECK(index.serialize() ==
          R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
          R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" + hex +
              R"(","size":149,"platform":{"architecture":"arm64","os":"linux","variant":"v8"},)"
              R"("annotations":{"k":"v"}}],"annotations":{"org.opencontainers.image.created":"now"}})");
}

TEST_CASE("Index::serialize of a filtered index parses back to the same entries") {
    auto subset = filter_platforms(oci_index(), platforms({"linux/arm64"})).value();
    auto bytes = subset.serialize();
    auto reparsed = parse_manifest(bytes, "");
    REQUIRE(reparsed);
    CHECK(reparsed->media_type == media::kOciIndex);
    CHECK(reparsed->index().manifests == subset.manifests);
    CHECK(reparsed->index().annotations == subset.annotations);
    CHECK(reparsed->index().serialize() == bytes);
    CHECK(reparsed->digest == Digest::of(bytes));
}

TEST_CASE("build_index is deterministic") {
    auto amd = entry('1', "linux/amd64");
    auto arm = entry('2', "linux/arm64");
    std::map<std::string, std::string> annotations{{"b", "2"}, {"a", "1"}};
    auto first = build_index(IndexFormat::Oci, {amd, arm, attestation_for('3', amd)}, annotations);
    auto second = build_index(IndexFormat::Oci, {amd, arm, attestation_for('3', amd)}, annotations);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->media_type == media::kOciIndex);
    CHECK(first->serialize() == second->serialize());
    CHECK(Digest::of(first->serialize()) == Digest::of(second->serialize()));
    auto reordered = build_index(IndexFormat::Oci, {arm, amd, attestation_for('3', amd)}, annotations);
    CHECK(Digest::of(reordered->serialize()) != Digest::of(first->serialize()));  // order is kept
}

TEST_CASE("build_index of Docker format produces a plain manifest list") {
    auto amd = entry('1', "linux/amd64", media::kDockerManifest);
    auto arm = entry('2', "linux/arm/v7", media::kDockerManifest);
    auto list = build_index(IndexFormat::Docker, {amd, arm}, {});
    REQUIRE(list);
    CHECK(list->media_type == media::kDockerList);
    auto json = nlohmann::json::parse(list->serialize());
    CHECK(json["mediaType"] == media::kDockerList);
    CHECK_FALSE(json.contains("annotations"));
    CHECK(json["manifests"][1]["platform"]["variant"] == "v7");
}

TEST_CASE("build_index refuses invalid entries with clear messages") {
    auto amd = entry('1', "linux/amd64");
    struct Case {
        IndexFormat format;
        std::vector<Descriptor> entries;
        std::map<std::string, std::string> annotations;
        std::string reason;
    };
    auto annotated_docker = entry('2', "linux/arm64", media::kDockerManifest);
    annotated_docker.annotations["k"] = "v";
    auto c = GENERATE_COPY(
        Case{IndexFormat::Oci, {amd, entry('2', "linux/x86_64")}, {},
             "duplicate platform linux/amd64: sha256:" + std::string(64, '1') + " and sha256:" +
                 std::string(64, '2')},
        Case{IndexFormat::Oci, {entry('1', "linux/arm64"), entry('2', "linux/aarch64/v8")}, {},
             "duplicate platform"},
        Case{IndexFormat::Oci, {amd, entry('2', "")}, {}, "entry sha256:222222222222 has no platform"},
        Case{IndexFormat::Oci, {entry('2', "linux/amd64", media::kOciLayerGzip)}, {},
             "not a manifest type"},
        Case{IndexFormat::Docker, {entry('1', "linux/amd64", media::kDockerManifest)}, {{"a", "b"}},
             "a Docker manifest list cannot carry annotations"},
        Case{IndexFormat::Docker, {annotated_docker}, {}, "has annotations"},
        Case{IndexFormat::Docker, {amd}, {},
             "is an OCI manifest (application/vnd.oci.image.manifest.v1+json), which a Docker "
             "manifest list cannot reference"},
        Case{IndexFormat::Docker, {attestation_for('3', amd)}, {}, "cannot"});
    INFO(c.reason);
    auto built = build_index(c.format, c.entries, c.annotations);
    REQUIRE_FALSE(built);
    CHECK(built.error().kind == ErrorKind::InvalidInput);
    CHECK_THAT(built.error().message, Catch::StartsWith("building index: "));
    CHECK_THAT(built.error().message, Catch::Contains(c.reason));
}

TEST_CASE("build_index accepts distinct variants and Windows builds") {
    auto win1 = entry('1', "windows/amd64");
    win1.platform->os_version = "10.0.17763.1";
    auto win2 = entry('2', "windows/amd64");
    win2.platform->os_version = "10.0.20348.1";
    auto built = build_index(IndexFormat::Oci,
                             {win1, win2, entry('3', "linux/arm/v6"), entry('4', "linux/arm/v7"),
                              entry('5', "linux/amd64"), entry('6', "linux/amd64/v3")},
                             {});
    REQUIRE(built);
    CHECK(built->manifests.size() == 6);
}
