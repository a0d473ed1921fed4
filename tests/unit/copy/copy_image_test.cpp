#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "copy/copy_image.hpp"
#include "support/images.hpp"

using namespace ferry;
using ferry::testing::MemoryStore;
namespace media = manifest::media;

namespace {

/// Adds a two-layer image for `arch` to `store`; the base layer is shared by all images.
manifest::ParsedManifest add_image(MemoryStore& store, const std::string& arch,
                                   const std::string& variant = "") {
    return testing::add_test_image(store, {.arch = arch, .variant = variant,
                                      .layers = {"base layer bytes", "layer for " + arch + variant}});
}

manifest::ParsedManifest add_index(MemoryStore& store, const std::string& tag) {
    auto amd = add_image(store, "amd64");
    auto arm = add_image(store, "arm64", "v8");
    return testing::add_test_index(store, {testing::index_entry(amd, "amd64"), testing::index_entry(arm, "arm64", "v8")}, tag);
}

}  // namespace

TEST_CASE("copy_image copies an index with every child and blob, digests unchanged") {
    MemoryStore src("src.example", "app"), dst("dst.example", "app");
    auto index = add_index(src, "1.0");
    copy::CopyOptions options;
    options.source_ref = "1.0";
    options.target_tag = "1.0";
    auto result = copy::copy_image(src, dst, options);
    REQUIRE(result);
    CHECK(result->target_digest == index.digest);
    CHECK_FALSE(result->built_subset);
    CHECK(dst.tags.at("1.0") == index.digest);
    CHECK(dst.manifests.size() == 3);
    CHECK(result->stats.blobs_copied == 5);  // base + 2 own layers + 2 configs
    CHECK(dst.blob_puts == 5);
    CHECK(result->stats.manifests_pushed == 3);

    SECTION("a second copy writes nothing") {
        int puts_before = dst.blob_puts + dst.manifest_puts;
        auto again = copy::copy_image(src, dst, options);
        REQUIRE(again);
        CHECK(again->unchanged);
        CHECK(dst.blob_puts + dst.manifest_puts == puts_before);
    }
}

TEST_CASE("copy_image with a platform subset builds a consistent smaller index") {
    MemoryStore src("src.example", "app"), dst("dst.example", "app");
    auto index = add_index(src, "1.0");
    copy::CopyOptions options;
    options.source_ref = "1.0";
    options.target_tag = "1.0";
    options.platforms = {manifest::Platform::parse("linux/arm64").value()};
    auto result = copy::copy_image(src, dst, options);
    REQUIRE(result);
    CHECK(result->built_subset);
    CHECK(result->target_digest != index.digest);
    auto pushed = dst.get_manifest("1.0").value();
    REQUIRE(pushed.is_index());
    REQUIRE(pushed.index().manifests.size() == 1);
    CHECK(pushed.index().manifests[0].platform->architecture == "arm64");
    CHECK(dst.manifests.size() == 2);  // the arm64 image and the new index only
    CHECK(dst.blob_puts == 3);
}

TEST_CASE("copy_image refuses a corrupted blob and leaves the tag untouched") {
    MemoryStore src("src.example", "app"), dst("dst.example", "app");
    add_index(src, "1.0");
    src.blobs.begin()->second += "corruption";
    copy::CopyOptions options;
    options.source_ref = "1.0";
    options.target_tag = "1.0";
    options.retries = 0;
    auto result = copy::copy_image(src, dst, options);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == core::ErrorKind::Integrity);
    CHECK(dst.tags.empty());
    CHECK(dst.manifest_puts == 0);
}

TEST_CASE("a plan-wide ledger mounts blobs another image already brought to the host") {
    MemoryStore src("src.example", "app");
    MemoryStore dst_a("dst.example", "a"), dst_b("dst.example", "b");
    auto index = add_index(src, "1.0");
    copy::BlobLedger ledger;
    copy::CopyOptions options;
    options.source_ref = "1.0";
    options.target_tag = "1.0";
    options.ledger = &ledger;
    REQUIRE(copy::copy_image(src, dst_a, options));
    for (const auto& [digest, _] : dst_a.blobs) dst_b.mountable.insert(digest);
    auto second = copy::copy_image(src, dst_b, options);
    REQUIRE(second);
    CHECK(second->stats.blobs_mounted == 5);
    CHECK(second->stats.blobs_copied == 0);
    CHECK(dst_b.blob_puts == 0);
    CHECK(dst_b.tags.at("1.0") == index.digest);
}

TEST_CASE("dry run counts what would move and writes nothing") {
    MemoryStore src("src.example", "app"), dst("dst.example", "app");
    add_index(src, "1.0");
    copy::CopyOptions options;
    options.source_ref = "1.0";
    options.target_tag = "1.0";
    options.dry_run = true;
    auto result = copy::copy_image(src, dst, options);
    REQUIRE(result);
    CHECK(result->stats.blobs_copied == 5);
    CHECK(result->stats.manifests_pushed == 3);
    CHECK(dst.blob_puts == 0);
    CHECK(dst.manifest_puts == 0);
}
