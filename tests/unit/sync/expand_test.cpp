// sync/expand: a plan's sync entries turned into image tasks, on in-memory registries.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sync/expand.hpp"
#include "sync/target_guard.hpp"
#include "unit/sync/memory_registries.hpp"

using namespace ferry;
using ferry::testing::MemoryRegistries;
using ferry::testing::plan_of;
using ferry::testing::put_image;

namespace {

std::vector<std::string> targets(const sync::Expansion& e) {
    std::vector<std::string> out;
    for (const auto& t : e.tasks) out.push_back(t.target.str());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("expand: a repository source lists its tags once and keeps those the tag filter selects") {
    MemoryRegistries registries;
    auto& src = registries.repo("src.test", "app");
    for (const char* tag : {"1.0.0", "1.1.0", "2.0.0", "2.0.0-rc1", "latest"}) put_image(src, tag, "amd64", tag);
    auto image = put_image(src, "signature", "amd64");
    src.tags["sha256-" + image.digest.hex() + ".sig"] = image.digest;  // an artifact tag, never an image task
    auto plan = plan_of(R"(sync:
  - name: app
    source: src.test/app
    target: dst.test/mirror/app
    tags: {semver: ">=1.1", deny: ['^latest$']}
)");
    auto e = sync::expand_plan(plan, registries, {});
    CHECK(targets(e) == std::vector<std::string>{"dst.test/mirror/app:1.1.0", "dst.test/mirror/app:2.0.0"});
    CHECK(registries.tag_listings == 1);
    REQUIRE(e.tasks.size() == 2);
    CHECK(e.tasks[0].entry == "app");
    CHECK(e.tasks[0].source.str() == "src.test/app:1.1.0");
    REQUIRE(e.tasks[0].artifact_tags);
    CHECK(e.tasks[0].artifact_tags->count("sha256-" + image.digest.hex() + ".sig") == 1);
    std::vector<std::string> filtered;
    for (const auto& f : e.filtered) filtered.push_back(f.tag + ": " + f.reason);
    std::sort(filtered.begin(), filtered.end());
    CHECK(filtered == std::vector<std::string>{"1.0.0: outside semver range '>=1.1'",
                                               "2.0.0-rc1: outside semver range '>=1.1'",
                                               "latest: denied by '^latest$'"});
    CHECK(e.failures.empty());
}

TEST_CASE("expand: a namespace source maps every selected repository under the target prefix") {
    MemoryRegistries registries;
    put_image(registries.repo("src.test", "corpus/alpine"), "a", "amd64", "3.19");
    put_image(registries.repo("src.test", "corpus/busybox"), "b", "amd64", "1.36");
    put_image(registries.repo("src.test", "corpus/huge"), "h", "amd64", "1");
    put_image(registries.repo("src.test", "other/app"), "o", "amd64", "1");
    auto plan = plan_of(R"(sync:
  - name: corpus
    source: src.test/corpus/*
    target: dst.test/mirror/
    repos: {deny: ['^huge$']}
)");
    auto e = sync::expand_plan(plan, registries, {});
    CHECK(targets(e) == std::vector<std::string>{"dst.test/mirror/corpus/alpine:3.19",
                                                 "dst.test/mirror/corpus/busybox:1.36"});
    CHECK(plan.sync[0].target_repository("corpus/alpine") == "mirror/corpus/alpine");
    CHECK(sync::map_target(plan.sync[0], "corpus/alpine").value().str() == "dst.test/mirror/corpus/alpine");
}

TEST_CASE("expand: under policy missing, tags already at the target are marked known present") {
    MemoryRegistries registries;
    put_image(registries.repo("src.test", "app"), "one", "amd64", "1");
    put_image(registries.repo("src.test", "app"), "two", "amd64", "2");
    put_image(registries.repo("dst.test", "app"), "other", "amd64", "1");
    auto plan = plan_of("sync:\n  - {name: app, source: src.test/app, target: dst.test/app, policy: missing}\n");
    auto e = sync::expand_plan(plan, registries, {});
    REQUIRE(e.tasks.size() == 2);
    for (const auto& t : e.tasks) CHECK(t.known_present == (t.target.tag == "1"));
}

TEST_CASE("expand: a listing failure fails its entry only, `only` and shards select entries and targets") {
    MemoryRegistries registries;
    put_image(registries.repo("src.test", "a"), "a", "amd64", "1");
    put_image(registries.repo("src.test", "b"), "b", "amd64", "1");
    auto plan = plan_of(R"(sync:
  - {name: a, source: src.test/a, target: dst.test/a}
  - {name: b, source: src.test/b, target: dst.test/b}
  - {name: gone, source: down.test/x, target: dst.test/x}
)");
    registries.down.insert("down.test");

    auto all = sync::expand_plan(plan, registries, {});
    CHECK(targets(all) == std::vector<std::string>{"dst.test/a:1", "dst.test/b:1"});
    REQUIRE(all.failures.size() == 1);
    CHECK(all.failures[0].task.entry == "gone");
    CHECK(all.failures[0].action == sync::Action::Failed);
    REQUIRE(all.failures[0].error);
    CHECK(all.failures[0].error->kind == core::ErrorKind::Network);

    auto only_b = sync::expand_plan(plan, registries, {.only = {"b"}});
    CHECK(targets(only_b) == std::vector<std::string>{"dst.test/b:1"});
    CHECK(only_b.failures.empty());

    std::vector<std::string> union_of_shards;
    for (std::uint32_t i = 0; i < 2; ++i) {
        auto part = sync::expand_plan(plan, registries, {.only = {"a", "b"}, .shard = {i, 2}});
        for (const auto& t : targets(part)) union_of_shards.push_back(t);
    }
    std::sort(union_of_shards.begin(), union_of_shards.end());
    CHECK(union_of_shards == std::vector<std::string>{"dst.test/a:1", "dst.test/b:1"});
}

TEST_CASE("expand: a catalog name that climbs out of the target prefix becomes a failure, never a task") {
    // The registry client drops such names where the catalog comes in; this is the second
    // guard (sync/target_guard) for a RegistryAccess that hands them on anyway.
    MemoryRegistries registries;
    put_image(registries.repo("src.test", "x/app"), "good", "amd64", "1.0");
    put_image(registries.repo("src.test", "x/../../mirror/nginx"), "evil", "amd64", "1.0");
    put_image(registries.repo("src.test", "x/%2e%2e/mirror"), "evil2", "amd64", "1.0");
    auto plan = plan_of(R"(sync:
  - name: quarantine
    source: src.test/x/*
    target: dst.test/quarantine/
)");
    auto e = sync::expand_plan(plan, registries, {});
    CHECK(targets(e) == std::vector<std::string>{"dst.test/quarantine/x/app:1.0"});
    REQUIRE(e.failures.size() == 2);
    for (const auto& f : e.failures) {
        REQUIRE(f.error);
        CHECK(f.error->kind == core::ErrorKind::InvalidInput);
        CHECK_THAT(f.error->message, Catch::Contains("not a valid repository name"));
    }
    CHECK_FALSE(registries.has("dst.test", "mirror/nginx"));
}
