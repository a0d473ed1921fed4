// sync/target_guard: where an entry may write and delete.
#include <catch2/catch.hpp>

#include "sync/target_guard.hpp"
#include "unit/sync/memory_registries.hpp"

using namespace ferry;
using ferry::testing::plan_of;
using manifest::Reference;

namespace {

/// A reference built field by field, bypassing Reference::parse (as a hostile name would be).
Reference raw(std::string registry, std::string repository, std::optional<std::string> tag = std::nullopt) {
    Reference r;
    r.registry = std::move(registry);
    r.repository = std::move(repository);
    r.tag = std::move(tag);
    return r;
}

}  // namespace

TEST_CASE("target guard: under a prefix target only valid repositories below the prefix are within") {
    auto plan = plan_of(R"(sync:
  - {name: q, source: src.test/*, target: dst.test/quarantine/}
  - {name: root, source: src.test/*, target: dst.test/}
)");
    const auto& q = plan.sync[0];
    CHECK(sync::check_within_target(q, raw("dst.test", "quarantine/x/app", "1.0")));
    CHECK(sync::check_within_target(q, raw("dst.test", "quarantine/app")));
    for (const char* bad : {"mirror/nginx", "quarantine", "quarantine/x/../../mirror/nginx", "quarantine/../mirror/nginx",
                            "quarantine/./x", "quarantine2/x", "quarantine/%2e%2e/mirror", "quarantine/X",
                            "quarantine//x", "quarantine/x\n"}) {
        INFO(bad);
        auto st = sync::check_within_target(q, raw("dst.test", bad, "1.0"));
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::InvalidInput);
        CHECK(st.error().message.find('\n') == std::string::npos);  // shown escaped
    }
    CHECK_FALSE(sync::check_within_target(q, raw("other.test", "quarantine/x")));
    CHECK_FALSE(sync::check_within_target(q, raw("dst.test", "quarantine/x", "1.0/../../x")));
    CHECK_FALSE(sync::check_within_target(q, raw("dst.test", "quarantine/" + std::string(250, 'a'))));
    CHECK_THAT(sync::check_within_target(q, raw("dst.test", "mirror/nginx")).error().message,
               Catch::Contains("outside the entry's target prefix dst.test/quarantine/"));
    // A target at the registry's root takes any valid repository, and only valid ones.
    const auto& root = plan.sync[1];
    CHECK(sync::check_within_target(root, raw("dst.test", "mirror/nginx")));
    CHECK_FALSE(sync::check_within_target(root, raw("dst.test", "x/../../mirror/nginx")));
}

TEST_CASE("target guard: a repository target is exactly that repository") {
    auto plan = plan_of("sync:\n  - {name: app, source: src.test/app, target: dst.test/team/app}\n");
    const auto& e = plan.sync[0];
    CHECK(sync::check_within_target(e, raw("dst.test", "team/app", "2.0")));
    CHECK_FALSE(sync::check_within_target(e, raw("dst.test", "team/app/sub", "2.0")));
    CHECK_FALSE(sync::check_within_target(e, raw("dst.test", "team/other", "2.0")));
    CHECK_FALSE(sync::check_within_target(e, raw("dst.test", "team", "2.0")));
}

TEST_CASE("target guard: map_target joins validated names only") {
    auto plan = plan_of(R"(sync:
  - {name: q, source: src.test/*, target: dst.test/quarantine/}
  - {name: app, source: src.test/app, target: dst.test/team/app}
)");
    CHECK(sync::map_target(plan.sync[0], "x/app").value().str() == "dst.test/quarantine/x/app");
    CHECK(sync::map_target(plan.sync[1], "app").value().str() == "dst.test/team/app");
    for (const char* bad : {"x/../../mirror/nginx", "..", ".", "%2e%2e/x", "Upper/case", "a\x1b[31m", ""}) {
        INFO(bad);
        auto mapped = sync::map_target(plan.sync[0], bad);
        REQUIRE_FALSE(mapped);
        CHECK_THAT(mapped.error().message, Catch::Contains("not a valid repository name"));
        CHECK(mapped.error().message.find('\x1b') == std::string::npos);
    }
    // Valid alone (245 characters), too long once joined to the prefix (256; 255 at most).
    const std::string long_name = std::string(122, 'a') + "/" + std::string(122, 'b');
    REQUIRE(manifest::is_valid_repository(long_name));
    CHECK_FALSE(sync::map_target(plan.sync[0], long_name));
}
