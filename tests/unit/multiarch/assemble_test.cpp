#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "multiarch/assemble.hpp"
#include "support/images.hpp"

using namespace ferry;
using ferry::testing::MemoryStore;
namespace media = manifest::media;

namespace {

/// Adds a one-layer image whose config names `arch`/`variant`; tags it when `tag` is set.
manifest::ParsedManifest add_image(MemoryStore& store, const std::string& arch, const std::string& variant,
                                   const std::optional<std::string>& tag, bool docker = false) {
    return testing::add_test_image(store, {.arch = arch, .variant = variant,
                                      .layers = {"layer of " + arch + variant + store.repository()},
                                      .docker = docker, .diff_ids = false},
                              tag);
}

/// Locations "mem:NAME:REF" resolve to the registered stores.
class MemoryOpener : public multiarch::StoreOpener {
public:
    std::map<std::string, MemoryStore*> stores;
    core::Result<store::OpenedStore> open(const std::string& location) override {
        auto rest = location.substr(4);
        auto colon = rest.find(':');
        auto name = rest.substr(0, colon);
        auto it = stores.find(name);
        if (it == stores.end()) return core::fail(core::ErrorKind::NotFound, "no store " + name);
        std::string ref = colon == std::string::npos ? "" : rest.substr(colon + 1);
        return store::OpenedStore{std::shared_ptr<store::Store>(it->second, [](store::Store*) {}), ref};
    }
};

std::vector<std::string> platforms_of(const manifest::ParsedManifest& m) {
    std::vector<std::string> out;
    for (const auto& d : m.index().manifests) out.push_back(d.platform ? d.platform->str() : "-");
    return out;
}

struct Fixture {
    MemoryStore amd{"dst.example", "team/app"}, arm{"dst.example", "team/other"}, v7{"src.example", "corpus"};
    MemoryStore target{"dst.example", "team/app"};
    MemoryOpener opener;
    manifest::ParsedManifest amd_image, arm_image, v7_image;

    explicit Fixture(bool docker = false) {
        amd_image = add_image(amd, "amd64", "", "1.0-amd64", docker);
        arm_image = add_image(arm, "arm64", "", "arm", docker);  // no variant in the config
        v7_image = add_image(v7, "arm", "v7", std::nullopt, docker);
        opener.stores = {{"amd", &amd}, {"arm", &arm}, {"v7", &v7}, {"target", &target}};
    }
    multiarch::AssembleSpec spec() const {
        multiarch::AssembleSpec s;
        s.target = "mem:target:1.0";
        s.sources = {{"mem:amd:1.0-amd64", {}}, {"mem:arm:arm", {}}, {"mem:v7:" + v7_image.digest.str(), {}}};
        return s;
    }
    int writes() const { return target.blob_puts + target.manifest_puts; }
};

}  // namespace

TEST_CASE("assemble_index copies every source into the target repository, then tags the index") {
    Fixture f;
    auto result = multiarch::assemble_index(f.spec(), f.opener);
    REQUIRE(result);
    CHECK_FALSE(result->unchanged);
    CHECK(result->index.media_type == media::kOciIndex);
    // The arm64 config names no variant: the entry names none either (as the config says).
    CHECK(platforms_of(result->index) == std::vector<std::string>{"linux/amd64", "linux/arm64", "linux/arm/v7"});
    CHECK(f.target.tags.at("1.0") == result->index.digest);
    for (const auto* child : {&f.amd_image, &f.arm_image, &f.v7_image}) CHECK(f.target.manifests.count(child->digest));
    CHECK(result->stats.manifests_pushed == 4);
    CHECK(result->entries[2].source == "mem:v7:" + f.v7_image.digest.str());
    CHECK(result->target == "mem://dst.example/team/app:1.0");

    SECTION("a second run writes nothing and says so") {
        int before = f.writes();
        auto again = multiarch::assemble_index(f.spec(), f.opener);
        REQUIRE(again);
        CHECK(again->unchanged);
        CHECK(again->index.digest == result->index.digest);
        CHECK(again->previous == result->index.digest);
        CHECK(f.writes() == before);
    }
    SECTION("--append replaces one platform and keeps the rest") {
        auto new_arm = add_image(f.arm, "arm64", "v8", "arm-2");
        auto spec = f.spec();
        spec.append = true;
        spec.sources = {{"mem:arm:arm-2", {}}};
        auto appended = multiarch::assemble_index(spec, f.opener);
        REQUIRE(appended);
        const auto& entries = appended->index.index().manifests;
        REQUIRE(entries.size() == 3);
        CHECK(entries[0].digest == f.amd_image.digest);
        CHECK(entries[1].digest == new_arm.digest);
        CHECK(entries[2].digest == f.v7_image.digest);
        CHECK(f.target.tags.at("1.0") == appended->index.digest);
    }
}

TEST_CASE("assemble_index uses --platform-for instead of the image config") {
    Fixture f;
    auto spec = f.spec();
    spec.sources[2].platform = manifest::Platform::parse("linux/arm/v6").value();
    auto result = multiarch::assemble_index(spec, f.opener);
    REQUIRE(result);
    CHECK(platforms_of(result->index)[2] == "linux/arm/v6");
}

TEST_CASE("assemble_index refuses duplicate platforms, naming both sources, and writes nothing") {
    Fixture f;
    add_image(f.v7, "amd64", "", "other-amd64");
    auto spec = f.spec();
    spec.sources.push_back({"mem:v7:other-amd64", {}});
    auto result = multiarch::assemble_index(spec, f.opener);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == core::ErrorKind::InvalidInput);
    CHECK_THAT(result.error().message,
               Catch::Contains("duplicate platform linux/amd64: mem:amd:1.0-amd64 and mem:v7:other-amd64"));
    CHECK(f.writes() == 0);
}

TEST_CASE("assemble_index: a missing source fails unless ignore_missing leaves it out") {
    Fixture f;
    auto spec = f.spec();
    spec.sources.push_back({"mem:arm:no-such-tag", {}});
    auto failed = multiarch::assemble_index(spec, f.opener);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().kind == core::ErrorKind::NotFound);
    CHECK_THAT(failed.error().message, Catch::Contains("source mem:arm:no-such-tag not found"));
    CHECK(f.writes() == 0);

    spec.ignore_missing = true;
    spec.sources.push_back({"mem:nowhere:1", {}});
    auto result = multiarch::assemble_index(spec, f.opener);
    REQUIRE(result);
    CHECK(result->index.index().manifests.size() == 3);
    REQUIRE(result->warnings.size() == 2);
    CHECK_THAT(result->warnings[0], Catch::Contains("mem:arm:no-such-tag"));

    spec.sources = {{"mem:arm:gone", {}}};
    auto nothing = multiarch::assemble_index(spec, f.opener);
    REQUIRE_FALSE(nothing);
    CHECK_THAT(nothing.error().message, Catch::Contains("no source image found"));
}

TEST_CASE("assemble_index in Docker format") {
    SECTION("builds a Docker manifest list from Docker images") {
        Fixture f(/*docker=*/true);
        auto spec = f.spec();
        spec.format = manifest::IndexFormat::Docker;
        auto result = multiarch::assemble_index(spec, f.opener);
        REQUIRE(result);
        CHECK(result->index.media_type == media::kDockerList);
        CHECK(f.target.tags.at("1.0") == result->index.digest);
    }
    SECTION("refuses OCI children and annotations with clear messages") {
        Fixture f;
        auto spec = f.spec();
        spec.format = manifest::IndexFormat::Docker;
        auto oci = multiarch::assemble_index(spec, f.opener);
        REQUIRE_FALSE(oci);
        CHECK_THAT(oci.error().message, Catch::Contains("mem:amd:1.0-amd64 is an OCI manifest"));
        Fixture d(true);
        auto annotated = d.spec();
        annotated.format = manifest::IndexFormat::Docker;
        annotated.annotations = {{"org.opencontainers.image.version", "1.0"}};
        auto refused = multiarch::assemble_index(annotated, d.opener);
        REQUIRE_FALSE(refused);
        CHECK_THAT(refused.error().message, Catch::Contains("cannot carry annotations"));
        CHECK(f.writes() + d.writes() == 0);
    }
}

TEST_CASE("assemble_index takes over an index source's entries, attestations included") {
    Fixture f;
    auto attestation = add_image(f.arm, "unknown", "", std::nullopt);
    auto entry = [](const manifest::ParsedManifest& m, nlohmann::json platform) {
        return nlohmann::json{{"mediaType", m.media_type}, {"digest", m.digest.str()},
                              {"size", m.raw.size()}, {"platform", platform}};
    };
    auto att = entry(attestation, {{"architecture", "unknown"}, {"os", "unknown"}});
    att["annotations"] = {{"vnd.docker.reference.type", "attestation-manifest"},
                          {"vnd.docker.reference.digest", f.arm_image.digest.str()}};
    nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", media::kOciIndex},
                            {"manifests", {entry(f.arm_image, {{"architecture", "arm64"}, {"os", "linux"}, {"variant", "v8"}}), att}}};
    f.arm.add_manifest(index.dump(), media::kOciIndex, "multi");
    auto spec = f.spec();
    spec.sources = {{"mem:amd:1.0-amd64", {}}, {"mem:arm:multi", {}}};
    auto result = multiarch::assemble_index(spec, f.opener);
    REQUIRE(result);
    const auto& entries = result->index.index().manifests;
    REQUIRE(entries.size() == 3);
    CHECK(entries[2].is_attestation());
    CHECK(f.target.manifests.count(attestation.digest));

    spec.sources[1].platform = manifest::Platform::parse("linux/arm64").value();
    auto refused = multiarch::assemble_index(spec, f.opener);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("it is an index"));
}

TEST_CASE("assemble_index dry run decides without writing, a target needs a tag") {
    Fixture f;
    auto spec = f.spec();
    spec.dry_run = true;
    auto result = multiarch::assemble_index(spec, f.opener);
    REQUIRE(result);
    CHECK(result->dry_run);
    CHECK(result->stats.manifests_pushed == 4);
    CHECK(f.writes() == 0);
    CHECK(f.target.tags.empty());

    spec.target = "mem:target:" + f.amd_image.digest.str();
    auto no_tag = multiarch::assemble_index(spec, f.opener);
    REQUIRE_FALSE(no_tag);
    CHECK_THAT(no_tag.error().message, Catch::Contains("must name a tag"));
}
