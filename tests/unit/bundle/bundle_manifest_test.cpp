#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "bundle/bundle_manifest.hpp"
#include "bundle/bundle_reader.hpp"
#include "bundle/import.hpp"
#include "core/sha256.hpp"

using namespace ferry;
using namespace ferry::bundle;

namespace {

manifest::Digest digest_of(std::string_view s) { return manifest::Digest::of(s); }

BundleManifest sample() {
    BundleManifest m;
    m.id = "abc";
    m.created = "2024-01-01T00:00:00Z";
    m.plan_file = "plan.yaml";
    m.plan_sha256 = std::string(64, 'a');
    BundleImage img;
    img.entry = "e";
    img.source = "127.0.0.1:5101/corpus/alpine:3.19";
    img.target = "127.0.0.1:5102/mirror/alpine:3.19";
    img.ref_name = img.source;
    img.digest = digest_of("root");
    img.media_type = "application/vnd.oci.image.index.v1+json";
    img.blobs = {digest_of("root"), digest_of("layer")};
    m.images.push_back(img);
    m.files.push_back({"oci-layout", std::string(64, 'b'), 30});
    m.files.push_back({manifest::layout_blob_path(digest_of("root")), digest_of("root").hex(), 4});
    m.blob_count = 1;
    m.total_bytes = 34;
    return m;
}

}  // namespace

TEST_CASE("bundle manifest round-trips through JSON") {
    auto m = sample();
    m.delta = true;
    m.base = BundleBase{"base-id", "sha256:" + std::string(64, 'c'), {{"a:1", "b:1"}}};
    auto parsed = parse_bundle_manifest(to_json(m).dump(), "x");
    REQUIRE(parsed);
    CHECK(parsed->images.at(0).source == m.images[0].source);
    CHECK(parsed->images.at(0).blobs == m.images[0].blobs);
    CHECK(parsed->files.size() == 2);
    CHECK(parsed->delta);
    REQUIRE(parsed->base);
    CHECK(parsed->base->images.at(0).second == "b:1");
    CHECK(parsed->closure() == std::set{digest_of("root"), digest_of("layer")});
    CHECK(parsed->carried_blobs() == std::set{digest_of("root")});
}

TEST_CASE("bundle manifest refuses unsafe paths, bad hashes and deltas without base") {
    for (std::string bad : {"/etc/passwd", "../x", "blobs/../../x", "a//b", "ferry-bundle.json", ""}) {
        auto j = to_json(sample());
        j["files"][0]["path"] = bad;
        auto parsed = parse_bundle_manifest(j.dump(), "bundle.json");
        INFO(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().message.find("bundle.json") == 0);
    }
    auto j = to_json(sample());
    j["files"][0]["sha256"] = "XYZ";
    CHECK_FALSE(parse_bundle_manifest(j.dump(), "x"));
    j = to_json(sample());
    j["delta"] = true;
    CHECK_FALSE(parse_bundle_manifest(j.dump(), "x"));
    CHECK_FALSE(parse_bundle_manifest("{not json", "x"));
}

TEST_CASE("blob paths map to digests and back") {
    auto d = digest_of("hello");
    CHECK(manifest::layout_blob_path(d) == "blobs/sha256/" + d.hex());
    CHECK(manifest::digest_of_layout_blob_path(manifest::layout_blob_path(d)) == d);
    CHECK_FALSE(manifest::digest_of_layout_blob_path("blobs/sha256/xyz"));
    CHECK_FALSE(manifest::digest_of_layout_blob_path("index.json"));
}

TEST_CASE("the --to option maps a source onto REGISTRY[/PREFIX]") {
    CHECK(map_to_prefix("127.0.0.1:5101/corpus/alpine:3.19", "reg:5000").value() == "reg:5000/corpus/alpine:3.19");
    CHECK(map_to_prefix("127.0.0.1:5101/corpus/alpine:3.19", "reg:5000/air/gap/").value() ==
          "reg:5000/air/gap/corpus/alpine:3.19");
    CHECK_FALSE(map_to_prefix("127.0.0.1:5101/corpus/alpine:3.19", "/x"));
}

TEST_CASE("verification finds a file whose bytes changed") {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("ferry-bundle-unit-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "blobs/sha256");
    auto write = [&](const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; };
    const std::string layout = R"({"imageLayoutVersion":"1.0.0"})";
    const std::string index = R"({"schemaVersion":2,"manifests":[]})";
    const std::string blob = "layer bytes";
    write(dir / "oci-layout", layout);
    write(dir / "index.json", index);
    write(dir / manifest::layout_blob_path(digest_of(blob)), blob);
    BundleManifest m;
    m.id = "x";
    m.files = {{"oci-layout", core::sha256_hex(layout), layout.size()},
               {"index.json", core::sha256_hex(index), index.size()},
               {manifest::layout_blob_path(digest_of(blob)), digest_of(blob).hex(), blob.size()}};
    m.blob_count = 1;
    m.total_bytes = layout.size() + index.size() + blob.size();
    write(dir / "ferry-bundle.json", to_json(m).dump());

    auto ok = open_bundle(dir);
    REQUIRE(ok);
    auto v = verify_bundle(*ok);
    REQUIRE(v);
    CHECK(v->files_checked == 3);

    write(dir / manifest::layout_blob_path(digest_of(blob)), "layer bytez");
    auto opened = open_bundle(dir);
    REQUIRE(opened);
    auto bad = verify_bundle(*opened);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == core::ErrorKind::Integrity);
    CHECK(bad.error().message.find(digest_of(blob).hex()) != std::string::npos);
    fs::remove_all(dir);
}
