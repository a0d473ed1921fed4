#include <catch2/catch.hpp>

#include "manifest/media_type.hpp"
#include "multiarch/entries.hpp"

using namespace ferry;
using multiarch::SourcedEntry;
namespace media = manifest::media;

namespace {

manifest::Descriptor image(char digit, const std::string& platform,
                           std::string_view media_type = media::kOciManifest) {
    manifest::Descriptor d;
    d.media_type = std::string(media_type);
    d.digest = manifest::Digest::parse("sha256:" + std::string(64, digit)).value();
    d.size = 500;
    d.platform = manifest::Platform::parse(platform).value();
    return d;
}

manifest::Descriptor attestation_of(char digit, const manifest::Descriptor& subject) {
    manifest::Descriptor d = image(digit, "unknown/unknown");
    d.annotations = {{"vnd.docker.reference.type", "attestation-manifest"},
                     {"vnd.docker.reference.digest", subject.digest.str()}};
    return d;
}

std::vector<std::string> digits_of(const std::vector<SourcedEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.descriptor.digest.hex().substr(0, 1));
    return out;
}

}  // namespace

TEST_CASE("parse_platform_override splits at the last '='") {
    auto parsed = multiarch::parse_platform_override("127.0.0.1:5000/app:1.0-arm=linux/arm/7");
    REQUIRE(parsed);
    CHECK(parsed->first == "127.0.0.1:5000/app:1.0-arm");
    CHECK(parsed->second.str() == "linux/arm/v7");
    auto arm64 = multiarch::parse_platform_override("oci:/tmp/x:a=linux/aarch64");
    REQUIRE(arm64);
    CHECK(arm64->first == "oci:/tmp/x:a");
    CHECK(arm64->second.str() == "linux/arm64");  // as stated: no variant invented
    CHECK(multiarch::parse_platform_override("app:1=linux/arm64/8")->second.str() == "linux/arm64/v8");
    for (const char* bad : {"no-equals", "=linux/amd64", "app:1=", "app:1=linux"}) {
        INFO(bad);
        auto r = multiarch::parse_platform_override(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == core::ErrorKind::InvalidInput);
        CHECK_THAT(r.error().message, Catch::Contains(bad));
    }
}

TEST_CASE("platform_from_config reads and normalises the config's platform") {
    SECTION("arm64 without a variant keeps none, with one keeps it") {
        auto p = multiarch::platform_from_config(R"({"architecture":"arm64","os":"linux","rootfs":{}})");
        REQUIRE(p);
        CHECK(p->str() == "linux/arm64");
        CHECK(multiarch::platform_from_config(R"({"architecture":"aarch64","os":"linux","variant":"v8"})")->str() ==
              "linux/arm64/v8");
    }
    SECTION("arm keeps its variant; a bare arm becomes arm/v7") {
        CHECK(multiarch::platform_from_config(R"({"architecture":"arm","os":"linux","variant":"v6"})")->str() ==
              "linux/arm/v6");
        CHECK(multiarch::platform_from_config(R"({"architecture":"arm","os":"linux"})")->str() == "linux/arm/v7");
    }
    SECTION("Windows os.version and os.features are kept") {
        auto p = multiarch::platform_from_config(
            R"({"architecture":"amd64","os":"windows","os.version":"10.0.20348.1850","os.features":["win32k"]})");
        REQUIRE(p);
        CHECK(p->str() == "windows/amd64");
        CHECK(p->os_version == "10.0.20348.1850");
        CHECK(p->os_features == std::vector<std::string>{"win32k"});
    }
    SECTION("malformed configs are refused with the reason") {
        auto not_json = multiarch::platform_from_config("{nope");
        REQUIRE_FALSE(not_json);
        CHECK_THAT(not_json.error().message, Catch::Contains("not JSON"));
        auto no_os = multiarch::platform_from_config(R"({"architecture":"amd64"})");
        REQUIRE_FALSE(no_os);
        CHECK_THAT(no_os.error().message, Catch::Contains("--platform-for"));
        auto bad_variant = multiarch::platform_from_config(R"({"architecture":"arm","os":"linux","variant":7})");
        REQUIRE_FALSE(bad_variant);
        CHECK_THAT(bad_variant.error().message, Catch::Contains("variant"));
    }
}

TEST_CASE("check_unique_platforms names both sources of a duplicate platform") {
    auto amd = image('1', "linux/amd64");
    auto arm = image('2', "linux/arm64");
    auto arm_again = image('3', "linux/arm64/v8");
    CHECK(multiarch::check_unique_platforms({{amd, "a"}, {arm, "b"}, {attestation_of('4', amd), "a"},
                                             {attestation_of('5', arm), "b"}}));
    auto dup = multiarch::check_unique_platforms({{amd, "a"}, {arm, "reg/x:arm"}, {arm_again, "reg/y:arm"}});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().kind == core::ErrorKind::InvalidInput);
    CHECK(dup.error().message == "duplicate platform linux/arm64/v8: reg/x:arm and reg/y:arm");
    auto v6 = image('6', "linux/arm/v6"), v7 = image('7', "linux/arm/v7");
    CHECK(multiarch::check_unique_platforms({{v6, "a"}, {v7, "b"}}));
}

TEST_CASE("check_docker_children refuses OCI manifests, naming the source") {
    auto docker = image('1', "linux/amd64", media::kDockerManifest);
    auto oci = image('2', "linux/arm64", media::kOciManifest);
    CHECK(multiarch::check_docker_children({{docker, "d"}}));
    auto refused = multiarch::check_docker_children({{docker, "d"}, {oci, "reg/app:oci"}});
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("reg/app:oci is an OCI manifest"));
    CHECK_THAT(refused.error().message, Catch::Contains("--format oci"));
}

TEST_CASE("merge_for_append replaces same platforms in place and keeps the rest") {
    auto amd = image('1', "linux/amd64"), arm = image('2', "linux/arm64"), v7 = image('3', "linux/arm/v7");
    std::vector<SourcedEntry> existing = {{amd, "old"}, {arm, "old"}, {v7, "old"},
                                          {attestation_of('4', amd), "old"}, {attestation_of('5', arm), "old"}};
    SECTION("a new image for an existing platform takes its place; its old attestation goes") {
        auto new_arm = image('6', "linux/arm64/v8");
        auto merged = multiarch::merge_for_append(existing, {{new_arm, "new"}, {attestation_of('7', new_arm), "new"}});
        CHECK(digits_of(merged) == std::vector<std::string>{"1", "6", "3", "4", "7"});
        CHECK(merged[1].source == "new");
        CHECK(merged[3].source == "old");
        CHECK(merged[4].source == "new");
    }
    SECTION("a new platform is added at the end") {
        auto ppc = image('8', "linux/ppc64le");
        auto merged = multiarch::merge_for_append(existing, {{attestation_of('b', ppc), "new"}, {ppc, "new"}});
        CHECK(digits_of(merged) == std::vector<std::string>{"1", "2", "3", "4", "5", "8", "b"});
    }
    SECTION("appending the same entries again changes nothing") {
        auto merged = multiarch::merge_for_append(existing, {{arm, "again"}, {attestation_of('5', arm), "again"}});
        CHECK(digits_of(merged) == digits_of(existing));
    }
    SECTION("a replacement without an old attestation brings its own right after it") {
        auto new_v7 = image('9', "linux/arm/v7");
        auto merged = multiarch::merge_for_append(existing, {{attestation_of('a', new_v7), "new"}, {new_v7, "new"}});
        CHECK(digits_of(merged) == std::vector<std::string>{"1", "2", "9", "a", "4", "5"});
    }
}
