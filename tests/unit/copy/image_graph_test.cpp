#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "copy/image_graph.hpp"
#include "support/images.hpp"

using namespace ferry;
using ferry::testing::MemoryStore;
namespace media = manifest::media;

namespace {

nlohmann::json entry_of(const manifest::ParsedManifest& m) { return testing::index_entry(m, "amd64"); }

/// The same one-layer image every time.
manifest::ParsedManifest add_image(MemoryStore& store) { return testing::add_test_image(store, {.layers = {"graph layer"}}); }

manifest::ParsedManifest add_index(MemoryStore& store, const std::vector<manifest::ParsedManifest>& children,
                                   const std::optional<std::string>& tag = {}) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : children) list.push_back(entry_of(c));
    return testing::add_test_index(store, list, tag);
}

}  // namespace

TEST_CASE("a child shared by two nested indexes (a diamond) loads once, before its parents") {
    MemoryStore src("src.example", "app");
    auto image = add_image(src);
    auto left = add_index(src, {image});
    nlohmann::json other = {{"schemaVersion", 2}, {"mediaType", media::kOciIndex},
                            {"annotations", {{"side", "right"}}}, {"manifests", {entry_of(image)}}};
    auto right = src.add_manifest(other.dump(), media::kOciIndex);
    add_index(src, {left, right}, "top");
    auto graph = copy::load_image_graph(src, "top", {});
    REQUIRE(graph);
    REQUIRE(graph->children.size() == 3);
    CHECK(graph->children.front().digest == image.digest);
}

TEST_CASE("an index listing the same child twice loads it once") {
    MemoryStore src("src.example", "app");
    auto image = add_image(src);
    add_index(src, {image, image}, "dup");
    auto graph = copy::load_image_graph(src, "dup", {});
    REQUIRE(graph);
    CHECK(graph->children.size() == 1);
}

TEST_CASE("index nesting deeper than max_depth is a Protocol error naming the depth") {
    MemoryStore src("src.example", "app");
    auto level = add_index(src, {add_image(src)});
    for (int i = 0; i < 5; ++i) level = add_index(src, {level});
    src.tags["deep"] = level.digest;
    copy::GraphOptions options;
    options.max_depth = 4;
    auto graph = copy::load_image_graph(src, "deep", options);
    REQUIRE_FALSE(graph);
    CHECK(graph.error().kind == core::ErrorKind::Protocol);
    CHECK_THAT(graph.error().message, Catch::Contains("deeper than 4"));
    options.max_depth = 6;
    CHECK(copy::load_image_graph(src, "deep", options));
}
