#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "copy/copy_image.hpp"
#include "referrers/artifact_tags.hpp"
#include "referrers/carry.hpp"
#include "referrers/fallback_index.hpp"
#include "support/memory_store.hpp"

using namespace ferry;
using ferry::testing::MemoryStore;
namespace media = manifest::media;

namespace {

const std::string kHex(64, 'a');

manifest::Descriptor desc_of(const manifest::ParsedManifest& m, std::string artifact_type = "") {
    return {.media_type = m.media_type, .digest = m.digest, .size = static_cast<std::int64_t>(m.raw.size()),
            .artifact_type = std::move(artifact_type)};
}

/// A one-layer OCI manifest; with `subject` and `artifact_type` it is an OCI 1.1 artifact.
manifest::ParsedManifest add_manifest(MemoryStore& store, const std::string& layer, const std::optional<std::string>& tag,
                                      const manifest::ParsedManifest* subject = nullptr,
                                      const std::string& artifact_type = "") {
    auto config = store.add_blob("{}", std::string(media::kOciConfig));
    auto blob = store.add_blob(layer, std::string(media::kOciLayerGzip));
    nlohmann::json m = {{"schemaVersion", 2}, {"mediaType", media::kOciManifest},
                        {"config", config.to_json()}, {"layers", {blob.to_json()}}};
    if (!artifact_type.empty()) m["artifactType"] = artifact_type;
    if (subject) m["subject"] = desc_of(*subject).to_json();
    return store.add_manifest(m.dump(), media::kOciManifest, tag);
}

}  // namespace

TEST_CASE("artifact tags: cosign suffixes and the referrers fallback tag are recognised") {
    auto sig = referrers::parse_artifact_tag("sha256-" + kHex + ".sig");
    REQUIRE(sig);
    CHECK(sig->subject.str() == "sha256:" + kHex);
    CHECK(sig->cosign == referrers::Category::Signature);
    CHECK(referrers::parse_artifact_tag("sha256-" + kHex + ".att")->cosign == referrers::Category::Attestation);
    CHECK(referrers::parse_artifact_tag("sha256-" + kHex + ".sbom")->cosign == referrers::Category::Sbom);
    auto fallback = referrers::parse_artifact_tag("sha256-" + kHex);
    REQUIRE(fallback);
    CHECK_FALSE(fallback->cosign);
    CHECK_FALSE(referrers::parse_artifact_tag("sha256-" + kHex + ".txt"));
    CHECK_FALSE(referrers::parse_artifact_tag("sha256-" + kHex.substr(1)));
    CHECK_FALSE(referrers::parse_artifact_tag("sha256-" + std::string(64, 'A')));
    CHECK_FALSE(referrers::parse_artifact_tag("v1.0"));
    auto digest = manifest::Digest::sha256(kHex);
    CHECK(referrers::fallback_tag(digest) == "sha256-" + kHex);
    CHECK(referrers::cosign_tag(digest, referrers::Category::Sbom) == "sha256-" + kHex + ".sbom");
}

TEST_CASE("selection: categories, explicit artifact types, all and none") {
    using referrers::Category;
    CHECK(referrers::category_of("application/vnd.dev.cosign.artifact.sig.v1+json") == Category::Signature);
    CHECK(referrers::category_of("application/vnd.cncf.notary.signature") == Category::Signature);
    CHECK(referrers::category_of("application/vnd.in-toto+json") == Category::Attestation);
    CHECK(referrers::category_of("application/spdx+json") == Category::Sbom);
    CHECK(referrers::category_of("application/vnd.example.report") == Category::Other);
    referrers::Selection defaults{.signatures = true, .attestations = true};
    CHECK(defaults.wants(Category::Signature));
    CHECK_FALSE(defaults.wants(Category::Sbom, "application/spdx+json"));
    CHECK_FALSE(defaults.wants(Category::Other, "application/vnd.example.report"));
    referrers::Selection named{.artifact_types = {"application/vnd.example.report"}};
    CHECK(named.wants(Category::Other, "application/vnd.example.report"));
    CHECK_FALSE(named.wants(Category::Signature));
    CHECK(referrers::Selection{.all = true}.wants(Category::Other, "x/y"));
    CHECK(referrers::Selection{}.none());
}

TEST_CASE("fallback index: appends new referrers once, refuses to replace a non-index") {
    MemoryStore store;
    auto a = add_manifest(store, "a", std::nullopt);
    auto b = add_manifest(store, "b", std::nullopt);
    auto first = referrers::merge_fallback_index(std::nullopt, {desc_of(a, "x/a")});
    REQUIRE(first);
    REQUIRE(*first);
    CHECK((*first)->index().manifests.size() == 1);
    CHECK((*first)->index().manifests[0].artifact_type == "x/a");
    auto same = referrers::merge_fallback_index(**first, {desc_of(a, "x/a")});
    REQUIRE(same);
    CHECK_FALSE(*same);
    auto more = referrers::merge_fallback_index(**first, {desc_of(b), desc_of(a, "x/a")});
    REQUIRE(more);
    REQUIRE(*more);
    REQUIRE((*more)->index().manifests.size() == 2);
    CHECK((*more)->index().manifests[0].digest == a.digest);
    CHECK((*more)->index().manifests[1].digest == b.digest);
    auto refused = referrers::merge_fallback_index(a, {desc_of(b)});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == core::ErrorKind::Protocol);
}

TEST_CASE("discover and carry: cosign tags and fallback-tag referrers reach the target once") {
    MemoryStore src("src.example", "app"), dst("dst.example", "app");
    auto image = add_manifest(src, "image layer", "1.0");
    add_manifest(src, "signature payload", referrers::cosign_tag(image.digest, referrers::Category::Signature));
    add_manifest(src, "sbom payload", referrers::cosign_tag(image.digest, referrers::Category::Sbom));
    auto report = add_manifest(src, "report", std::nullopt, &image, "application/vnd.example.report");
    auto index = referrers::merge_fallback_index(std::nullopt, {desc_of(report, "application/vnd.example.report")});
    src.add_manifest((*index)->raw, media::kOciIndex, referrers::fallback_tag(image.digest));
    copy::CopyOptions copy_options;
    copy_options.source_ref = "1.0";
    copy_options.target_tag = "1.0";
    REQUIRE(copy::copy_image(src, dst, copy_options));

    referrers::DiscoverOptions options{.selection = {.signatures = true,
                                                     .artifact_types = {"application/vnd.example.report"}}};
    auto found = referrers::discover(src, {image.digest}, options);
    REQUIRE(found);
    REQUIRE(found->size() == 2);  // the sbom is not selected
    CHECK((*found)[0].tag == referrers::cosign_tag(image.digest, referrers::Category::Signature));
    CHECK((*found)[1].descriptor.digest == report.digest);

    auto carried = referrers::carry(src, dst, *found, {});
    REQUIRE(carried);
    CHECK(carried->artifacts.size() == 2);
    CHECK(carried->artifacts[0].action == referrers::ArtifactAction::Copied);
    CHECK(carried->fallback_indexes_written == 1);
    CHECK(dst.tags.count(referrers::cosign_tag(image.digest, referrers::Category::Signature)));
    CHECK_FALSE(dst.tags.count(referrers::cosign_tag(image.digest, referrers::Category::Sbom)));
    CHECK(dst.manifests.count(report.digest));
    auto target_index = dst.get_manifest(referrers::fallback_tag(image.digest));
    REQUIRE(target_index);
    REQUIRE(target_index->index().manifests.size() == 1);
    CHECK(target_index->index().manifests[0].digest == report.digest);

    const int puts_before = dst.manifest_puts;
    auto again = referrers::carry(src, dst, *found, {});
    REQUIRE(again);
    CHECK(again->artifacts[0].action == referrers::ArtifactAction::Present);
    CHECK(again->artifacts[1].action == referrers::ArtifactAction::Present);
    CHECK(again->fallback_indexes_written == 0);
    CHECK(dst.manifest_puts == puts_before);
}

TEST_CASE("discover with a known tag list asks nothing for subjects without artifacts") {
    MemoryStore src("src.example", "app");
    auto image = add_manifest(src, "image layer", "1.0");
    std::set<std::string> none;
    referrers::DiscoverOptions options{.selection = {.all = true}, .artifact_tags = &none};
    auto found = referrers::discover(src, {image.digest}, options);
    REQUIRE(found);
    CHECK(found->empty());
}
