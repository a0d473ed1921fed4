// plan/target_writers: one writer per target tag, decided from the plan where it can be.
#include <catch2/catch.hpp>

#include "plan/plan.hpp"
#include "plan/target_writers.hpp"

using namespace ferry::plan;

namespace {

/// The plan, version 1, parsed as p.yaml.
ferry::core::Result<Plan> parse(const std::string& yaml) { return parse_plan("version: 1\n" + yaml, "p.yaml"); }

}  // namespace

TEST_CASE("two entries writing one target tag are a plan error naming both places") {
    struct Case {
        const char* what;
        std::string yaml;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"two images renamed onto one tag",
         "sync:\n  - {name: a, source: s.io/x:1, target: t.io/m:stable}\n"
         "  - {name: b, source: s.io/y:2, target: t.io/m:stable}\n",
         "p.yaml:4:41: sync[1].target: writes t.io/m:stable, which sync[0] 'a' (p.yaml:3:41) also writes: "
         "a target tag has one writer"},
        {"an image kept under a prefix and an image renamed onto the same tag",
         "sync:\n  - {name: a, source: s.io/lib/nginx:1.25, target: t.io/mirror/}\n"
         "  - {name: b, source: u.io/nginx:1.25.3, target: t.io/mirror/lib/nginx:1.25}\n",
         "p.yaml:4:50: sync[1].target: writes t.io/mirror/lib/nginx:1.25, which sync[0] 'a' (p.yaml:3:52) also "
         "writes: a target tag has one writer"},
        {"a manifest list onto an image entry's tag",
         "sync:\n  - {name: a, source: s.io/x:1, target: t.io/m:1}\n"
         "manifests:\n  - {target: t.io/m:1, images: [s.io/x:1]}\n",
         "p.yaml:5:14: manifests[0].target: writes t.io/m:1, which sync[0] 'a' (p.yaml:3:41) also writes: "
         "a target tag has one writer"},
        {"a manifest list and a digest-pinned image with a tag",
         "sync:\n  - {name: a, source: 's.io/x@sha256:0000000000000000000000000000000000000000000000000000000000000000', "
         "target: t.io/m:latest}\nmanifests:\n  - {target: t.io/m:latest, images: [s.io/x:1]}\n",
         "p.yaml:5:14: manifests[0].target: writes t.io/m:latest, which sync[0] 'a' (p.yaml:3:113) also writes: "
         "a target tag has one writer"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        auto plan = parse(c.yaml);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().kind == ferry::core::ErrorKind::Config);
        CHECK(plan.error().message == c.error);
    }
}

TEST_CASE("entries that cannot meet statically are accepted") {
    // Disjoint tags, different repositories or registries, a digest pushed without a tag, and
    // what only the run can decide: repository sources (their tags are their source's, so
    // c and d may even share tags with a and the list) and namespace sources.
    auto plan = parse(R"(sync:
  - {name: a, source: s.io/x:1, target: t.io/m:one}
  - {name: b, source: s.io/x:2, target: t.io/m:two}
  - {name: c, source: s.io/x, target: t.io/m}
  - {name: d, source: s.io/y, target: t.io/m, tags: {allow: ['^one$']}}
  - {name: e, source: s.io/x:1, target: u.io/m:one}
  - {name: f, source: 's.io/x@sha256:0000000000000000000000000000000000000000000000000000000000000000', target: t.io/m}
  - {name: g, source: s.io/ns/*, target: t.io/}
  - {name: h, source: v.io/ns/x:one, target: t.io/}
manifests:
  - {target: t.io/m:list, images: [s.io/x:1]}
)");
    REQUIRE(plan);
    CHECK(plan->sync.size() == 8);
}

TEST_CASE("target scopes: which entries may meet at run time") {
    auto plan = parse(R"(sync:
  - {name: ns, source: s.io/x/*, target: t.io/m/}
  - {name: repo, source: u.io/x/nginx, target: t.io/m/}
  - {name: other, source: u.io/y/nginx, target: t.io/m/}
  - {name: all, source: w.io/*, target: t.io/}
  - {name: pinned, source: 's.io/p@sha256:0000000000000000000000000000000000000000000000000000000000000000', target: t.io/m/x/p}
  - {name: elsewhere, source: s.io/x/*, target: z.io/m/}
)");
    REQUIRE(plan);
    auto scope = [&](std::size_t i) { return target_scope(plan->sync[i]); };
    CHECK(scope(0).subtree);
    CHECK(scope(0).repository == "m/x");
    CHECK(scope(1).repository == "m/x/nginx");
    CHECK(scopes_overlap(scope(0), scope(1)));
    CHECK_FALSE(scopes_overlap(scope(0), scope(2)));  // m/y/nginx is not under m/x
    CHECK(scopes_overlap(scope(3), scope(0)));        // the registry root holds everything
    CHECK(scopes_overlap(scope(3), scope(2)));
    CHECK_FALSE(scopes_overlap(scope(0), scope(4)));  // an untagged digest writes no tag
    CHECK_FALSE(scopes_overlap(scope(0), scope(5)));  // another registry
    CHECK_FALSE(statically_shared_tag(scope(0), scope(1)));  // only the catalog tells
}
