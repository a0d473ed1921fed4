#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "sync/shard.hpp"
#include "sync/state.hpp"

using namespace ferry;

TEST_CASE("shards partition target repositories: complete, disjoint, stable") {
    std::vector<std::string> repos;
    for (int i = 0; i < 500; ++i) repos.push_back("registry.example.com/mirror/repo" + std::to_string(i));
    for (std::uint32_t n : {1u, 2u, 3u, 7u}) {
        std::multiset<std::string> owned;
        for (std::uint32_t i = 0; i < n; ++i) {
            auto shard = sync::Shard::parse(std::to_string(i) + "/" + std::to_string(n)).value();
            for (const auto& r : repos)
                if (shard.owns(r)) owned.insert(r);
        }
        CHECK(owned.size() == repos.size());  // each exactly once
        CHECK(std::set<std::string>(owned.begin(), owned.end()).size() == repos.size());
    }
    // Stable: the hash is a fixed function of the text, not of the process.
    CHECK(sync::fnv1a64("") == 14695981039346656037ull);
    CHECK(sync::fnv1a64("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("shard specs are validated") {
    CHECK_FALSE(sync::Shard::parse("3/3"));
    CHECK_FALSE(sync::Shard::parse("1/0"));
    CHECK_FALSE(sync::Shard::parse("a/2"));
    CHECK_FALSE(sync::Shard::parse("1"));
    CHECK(sync::Shard::parse("0/1"));
}

TEST_CASE("subset state remembers built digests across loads, platform order ignored") {
    auto path = std::filesystem::temp_directory_path() / "ferry-state-test.json";
    std::filesystem::remove(path);
    auto src = manifest::Digest::of("source index");
    auto built = manifest::Digest::of("built index");
    auto amd = manifest::Platform::parse("linux/amd64").value();
    auto arm = manifest::Platform::parse("linux/arm64").value();
    {
        sync::SubsetState state(path);
        CHECK_FALSE(state.built_for(src, {amd, arm}));
        state.remember(src, {amd, arm}, built);
        REQUIRE(state.save());
    }
    sync::SubsetState again(path);
    REQUIRE(again.built_for(src, {arm, amd}));
    CHECK(*again.built_for(src, {arm, amd}) == built);
    CHECK_FALSE(again.built_for(src, {amd}));
    std::filesystem::remove(path);
}
