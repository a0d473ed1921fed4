#include <catch2/catch.hpp>

#include "unit/sync/plan_text.hpp"

#include "sync/prune.hpp"

using namespace ferry;
using namespace ferry::sync;
using namespace ferry::sync::test;

namespace {

manifest::Reference repo(const std::string& text) { return *manifest::Reference::parse_repository(text); }

std::vector<std::string> strs(const std::vector<manifest::Reference>& refs) {
    std::vector<std::string> out;
    for (const auto& r : refs) out.push_back(r.str());
    return out;
}

}  // namespace

TEST_CASE("prune keys: prune, max_prune as count or percentage, and their guards") {
    auto plan = plan_of(R"(sync:
  - {name: a, source: h.io/x, target: t.io/x, prune: true}
  - {name: b, source: h.io/y, target: t.io/y, prune: true, max_prune: 3}
  - {name: c, source: h.io/z, target: t.io/z, prune: true, max_prune: 25%}
  - {name: d, source: h.io/w, target: t.io/w}
)");
    CHECK(plan.sync[0].prune);
    CHECK(plan.sync[0].max_prune.for_tags(40) == 4);  // default 10 %
    CHECK(plan.sync[0].max_prune.for_tags(9) == 1);  // a small repository may lose one tag by default
    CHECK(plan.sync[0].max_prune.for_tags(0) == 1);
    CHECK(plan.sync[1].max_prune.for_tags(1000) == 3);
    CHECK(plan.sync[2].max_prune.for_tags(10) == 2);
    CHECK_FALSE(plan.sync[3].prune);

    CHECK(errors_of("sync:\n  - {name: a, source: h.io/x, target: t.io/x, policy: immutable, prune: true}\n") ==
          "p.yaml:3:73: sync[0].prune: prune is never done under policy immutable");
    CHECK(errors_of("sync:\n  - {name: a, source: h.io/x:1, target: t.io/x:1, prune: true}\n") ==
          "p.yaml:3:58: sync[0].prune: prune applies to repository and namespace sources, not to one image");
    CHECK(errors_of("sync:\n  - {name: a, source: h.io/x, target: t.io/x, max_prune: 3}\n") ==
          "p.yaml:3:47: sync[0].max_prune: max_prune applies only with prune: true");
    for (const char* bad : {"-1", "120%", "1.5", "lots", "%"}) {
        INFO(bad);
        CHECK_THAT(errors_of(std::string("sync:\n  - {name: a, source: h.io/x, target: t.io/x, prune: true, max_prune: '") +
                             bad + "'}\n"),
                   Catch::Contains("sync[0].max_prune: expected a count (0 or more) or a percentage such as '10%'"));
    }
}

TEST_CASE("prune candidates: unwritten image tags of the entry's listed target repositories only") {
    auto plan = plan_of("sync:\n  - {name: team, source: h.io/team/*, target: t.io/m/, prune: true}\n");
    const plan::SyncEntry& entry = plan.sync[0];
    std::vector<MappedRepository> mapped{
        {"team", repo("h.io/team/a"), repo("t.io/m/team/a")},
        {"team", repo("h.io/team/b"), repo("t.io/m/team/b")},  // not listed (error): never pruned
        {"other", repo("h.io/x"), repo("t.io/m/team/c")},      // another entry's repository
    };
    const std::string sig = "sha256-" + std::string(64, 'e') + ".sig";
    std::map<std::string, std::vector<std::string>> listed{
        {"t.io/m/team/a", {"1.0", "1.1", "old", "kept-by-other", sig}},
        {"t.io/m/team/c", {"zzz"}},
    };
    std::set<std::string> written{"t.io/m/team/a:1.0", "t.io/m/team/a:1.1", "t.io/m/team/a:kept-by-other"};
    auto c = prune_candidates(entry, mapped, listed, written);
    CHECK(strs(c.tags) == std::vector<std::string>{"t.io/m/team/a:old"});
    CHECK(c.target_tags == 4);  // the signature tag is not counted
}

TEST_CASE("prune candidates: a mapped repository outside the entry's target is never a candidate") {
    auto plan = plan_of("sync:\n  - {name: q, source: h.io/*, target: t.io/quarantine/, prune: true}\n");
    const plan::SyncEntry& entry = plan.sync[0];
    // As a hostile catalog name would map without the guard: t.io/quarantine/x/../../mirror/nginx.
    manifest::Reference climbing;
    climbing.registry = "t.io";
    climbing.repository = "quarantine/x/../../mirror/nginx";
    std::vector<MappedRepository> mapped{
        {"q", repo("h.io/ok"), repo("t.io/quarantine/ok")},
        {"q", repo("h.io/mirror/nginx"), repo("t.io/mirror/nginx")},
        {"q", repo("h.io/x"), climbing},
    };
    std::map<std::string, std::vector<std::string>> listed{
        {"t.io/quarantine/ok", {"gone"}},
        {"t.io/mirror/nginx", {"1.0", "other"}},
        {"t.io/quarantine/x/../../mirror/nginx", {"1.0"}},
    };
    auto c = prune_candidates(entry, mapped, listed, {});
    CHECK(strs(c.tags) == std::vector<std::string>{"t.io/quarantine/ok:gone"});
    REQUIRE(c.outside.size() == 3);
    for (const auto& [ref, why] : c.outside) {
        INFO(ref.str());
        CHECK_FALSE(ref.repository.starts_with("quarantine/ok"));
        CHECK_THAT(why, Catch::Contains("nothing is written or deleted there"));
    }
}
