// sync/runner: a whole run of a plan's sync entries (expand → decide → copy) on in-memory
// registries, and sync/report: what it tells people and machines about the run.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <unistd.h>

#include "sync/report.hpp"
#include "sync/runner.hpp"
#include "sync/state.hpp"
#include "unit/sync/memory_registries.hpp"

using namespace ferry;
using ferry::testing::MemoryRegistries;
using ferry::testing::plan_of;
using ferry::testing::put_image;

namespace {

const std::string kApp = R"(defaults: {referrers: none, jobs: 2}
sync:
  - {name: app, source: src.test/app, target: dst.test/app}
)";
const std::string kAppAndPinned = kApp + "  - {name: pinned, source: src.test/lib, target: dst.test/lib, policy: immutable}\n";

struct Run {
    MemoryRegistries registries;
    plan::Plan plan = plan_of(kApp);
    std::vector<std::string> done;  ///< describe_outcome of each finished image, in order

    sync::RunResult run(sync::RunOptions options = {}) {
        options.registries = &registries;
        options.on_done = [this](const sync::TaskOutcome& o) { done.push_back(sync::describe_outcome(o)); };
        return sync::run_sync(plan, store::StoreContext{}, options);
    }
};

std::map<std::string, sync::Action> actions(const sync::RunResult& r) {
    std::map<std::string, sync::Action> out;
    for (const auto& o : r.outcomes) out[o.task.target.str()] = o.action;
    return out;
}

}  // namespace

TEST_CASE("runner: every selected tag is decided and copied, a conflict does not stop the others") {
    Run r;
    r.plan = plan_of(kAppAndPinned);
    for (const char* tag : {"1", "2", "3"}) put_image(r.registries.repo("src.test", "app"), tag, "amd64", tag);
    put_image(r.registries.repo("src.test", "lib"), "lib new", "amd64", "1");
    put_image(r.registries.repo("dst.test", "lib"), "lib old", "amd64", "1");

    auto result = r.run();
    CHECK(actions(result) == std::map<std::string, sync::Action>{{"dst.test/app:1", sync::Action::New},
                                                                 {"dst.test/app:2", sync::Action::New},
                                                                 {"dst.test/app:3", sync::Action::New},
                                                                 {"dst.test/lib:1", sync::Action::Conflict}});
    CHECK(r.done.size() == 4);
    CHECK(r.registries.repo("dst.test", "app").tags.size() == 3);

    auto s = sync::summarize(result);
    CHECK(s.images == 4);
    CHECK(s.created == 3);
    CHECK(s.conflicts == 1);
    CHECK(s.failed == 0);
    CHECK(s.stats.blobs_copied == 4);  // three layers and the config they share (the ledger)

    std::ostringstream written;
    sync::ReportWriter writer(written, false);
    for (const auto& o : result.outcomes) writer.add(o);
    writer.finish(result, "p.yaml");
    auto report = nlohmann::json::parse(written.str());
    CHECK(report["plan"] == "p.yaml");
    CHECK(report["dryRun"] == false);
    CHECK(report["summary"]["conflicts"] == 1);
    CHECK(report["images"].size() == 4);

    SECTION("a rerun finds everything in place and writes nothing") {
        auto& dst = r.registries.repo("dst.test", "app");
        const int writes = dst.blob_puts + dst.manifest_puts;
        auto again = r.run();
        CHECK(sync::summarize(again).unchanged == 3);
        CHECK(sync::summarize(again).conflicts == 1);
        CHECK(dst.blob_puts + dst.manifest_puts == writes);
        std::ostringstream text;
        sync::print_summary_text(text, again, false);
        CHECK_THAT(text.str(), Catch::Contains("3 unchanged"));
    }
}

TEST_CASE("runner: a dry run reports what it would copy and writes nothing") {
    Run r;
    put_image(r.registries.repo("src.test", "app"), "one", "amd64", "1");
    sync::RunOptions options;
    options.dry_run = true;
    auto result = r.run(options);
    CHECK(actions(result) == std::map<std::string, sync::Action>{{"dst.test/app:1", sync::Action::New}});
    CHECK(r.registries.repo("dst.test", "app").tags.empty());
    std::ostringstream text;
    sync::PlanTextWriter plan_text(text);
    for (const auto& o : result.outcomes) plan_text.add(o);
    plan_text.finish(result);
    CHECK_THAT(text.str(), Catch::Contains("app:\n  new       src.test/app:1 -> dst.test/app:1"));
}

TEST_CASE("runner: a cancelled run starts no image, fail-fast stops after the first failure") {
    Run r;
    for (const char* tag : {"1", "2"}) put_image(r.registries.repo("src.test", "app"), tag, "amd64", tag);
    SECTION("cancelled before the start") {
        core::CancellationToken cancel;
        cancel.cancel();
        sync::RunOptions options;
        options.cancel = &cancel;
        auto result = r.run(options);
        REQUIRE(result.outcomes.size() == 2);
        for (const auto& o : result.outcomes) {
            CHECK(o.action == sync::Action::Failed);
            REQUIRE(o.error);
            CHECK(o.error->kind == core::ErrorKind::Cancelled);
        }
        CHECK(r.registries.repo("dst.test", "app").tags.empty());
    }
    SECTION("fail-fast after an entry that cannot be listed") {
        r.plan = plan_of(R"(defaults: {referrers: none, jobs: 1}
sync:
  - {name: gone, source: down.test/x, target: dst.test/x}
  - {name: app, source: src.test/app, target: dst.test/app}
)");
        r.registries.down.insert("down.test");
        sync::RunOptions options;
        options.fail_fast = true;
        auto result = r.run(options);
        auto s = sync::summarize(result);
        // The entry that could not be listed failed; the two images fail-fast never started are
        // interrupted, not failed: one failure is the cause, the rest were stopped because of it.
        CHECK(s.failed == 1);
        CHECK(s.interrupted == 2);
        CHECK(s.created == 0);
        CHECK(r.registries.repo("dst.test", "app").tags.empty());
    }
}

TEST_CASE("runner: platform-subset digests are saved to the state file and reused by the next run") {
    Run r;
    r.plan = plan_of(R"(defaults: {referrers: none}
sync:
  - {name: app, source: src.test/app, target: dst.test/app, platforms: [linux/arm64]}
)");
    auto index = testing::put_index(r.registries.repo("src.test", "app"), "multi", {"amd64", "arm64"}, "1");
    const auto state_file = std::filesystem::temp_directory_path() /
                            ("ferry-runner-state-" + std::to_string(::getpid()) + ".json");
    std::filesystem::remove(state_file);
    sync::RunOptions options;
    options.state_file = state_file;
    auto first = r.run(options);
    REQUIRE(first.outcomes.size() == 1);
    CHECK(first.outcomes[0].action == sync::Action::New);
    REQUIRE(std::filesystem::exists(state_file));
    sync::SubsetState saved(state_file);
    auto built = saved.built_for(index.digest, {manifest::Platform::parse("linux/arm64").value()});
    REQUIRE(built);
    CHECK(*built == first.outcomes[0].target_digest);

    // The source index is gone from the source's blobs: a rerun must decide from the state.
    auto& src = r.registries.repo("src.test", "app");
    src.blobs.clear();
    auto second = r.run(options);
    CHECK(second.outcomes[0].action == sync::Action::Unchanged);
    std::filesystem::remove(state_file);
}

TEST_CASE("report: one line per image names entry, source, target, action and digest") {
    sync::TaskOutcome o;
    o.task.entry = "app";
    o.task.source = manifest::Reference::parse("src.test/app:1").value();
    o.task.target = manifest::Reference::parse("dst.test/app:1").value();
    o.action = sync::Action::Conflict;
    o.target_digest = manifest::Digest::of("x");
    o.error = core::make_error(core::ErrorKind::Conflict, "policy immutable");
    CHECK(sync::describe_outcome(o) == "app: src.test/app:1 -> dst.test/app:1 conflict " +
                                           o.target_digest.short_str() + ": policy immutable");
}

TEST_CASE("runner: two entries writing one target tag - the first in plan order writes, the second is a conflict") {
    // Two sources with the same path (x/nginx) on two registries: "a" maps the namespace under
    // dst.test/m/, "b" the one repository under the same prefix. Only the catalog shows that
    // both land on dst.test/m/x/nginx.
    Run r;
    r.plan = plan_of(R"(defaults: {referrers: none, jobs: 2}
sync:
  - {name: a, source: one.test/x/*, target: dst.test/m/}
  - {name: b, source: two.test/x/nginx, target: dst.test/m/}
  - {name: c, source: two.test/other, target: dst.test/other}
)");
    auto first = put_image(r.registries.repo("one.test", "x/nginx"), "from one", "amd64", "1.0");
    put_image(r.registries.repo("one.test", "x/nginx"), "only one", "amd64", "1.1");
    put_image(r.registries.repo("two.test", "x/nginx"), "from two", "amd64", "1.0");
    put_image(r.registries.repo("two.test", "x/nginx"), "only two", "amd64", "2.0");
    put_image(r.registries.repo("two.test", "other"), "other", "amd64", "1.0");

    for (int run = 0; run < 2; ++run) {
        INFO("run " << run);
        auto result = r.run();
        const auto expected_first = run == 0 ? sync::Action::New : sync::Action::Unchanged;
        std::map<std::string, sync::Action> by_entry_and_target;
        for (const auto& o : result.outcomes) by_entry_and_target[o.task.entry + " " + o.task.target.str()] = o.action;
        CHECK(by_entry_and_target == std::map<std::string, sync::Action>{
                                         {"a dst.test/m/x/nginx:1.0", expected_first},
                                         {"a dst.test/m/x/nginx:1.1", expected_first},
                                         {"b dst.test/m/x/nginx:1.0", sync::Action::Conflict},
                                         {"b dst.test/m/x/nginx:2.0", expected_first},
                                         {"c dst.test/other:1.0", expected_first}});
        CHECK(r.registries.repo("dst.test", "m/x/nginx").tags.at("1.0") == first.digest);
        CHECK(sync::summarize(result).conflicts == 1);
        for (const auto& o : result.outcomes) {
            if (o.action != sync::Action::Conflict) continue;
            REQUIRE(o.error);
            CHECK(o.error->message == "dst.test/m/x/nginx:1.0 is also written by entry 'a', earlier in the plan, "
                                      "which keeps it: not written (a target tag has one writer)");
        }
    }
}

TEST_CASE("runner: a tag added to a mirrored repository is the adding entry's until the source lists it too") {
    Run r;
    r.plan = plan_of(R"(defaults: {referrers: none, jobs: 2}
sync:
  - {name: app, source: src.test/app, target: dst.test/app}
  - {name: extra, source: src.test/lib:1, target: dst.test/app:extra}
)");
    auto app = put_image(r.registries.repo("src.test", "app"), "app 1", "amd64", "1");
    auto lib = put_image(r.registries.repo("src.test", "lib"), "lib", "amd64", "1");
    auto actions_now = [&] {
        std::map<std::string, sync::Action> out;
        for (const auto& o : r.run().outcomes) out[o.task.entry + " " + o.task.target.str()] = o.action;
        return out;
    };
    CHECK(actions_now() == std::map<std::string, sync::Action>{{"app dst.test/app:1", sync::Action::New},
                                                               {"extra dst.test/app:extra", sync::Action::New}});
    CHECK(r.registries.repo("dst.test", "app").tags.at("extra") == lib.digest);
    // The source now lists "extra" as well: the entry first in the plan writes it.
    put_image(r.registries.repo("src.test", "app"), "app extra", "amd64", "extra");
    const auto app_extra = r.registries.repo("src.test", "app").tags.at("extra");
    for (int run = 0; run < 2; ++run) {
        INFO("run " << run);
        CHECK(actions_now() == std::map<std::string, sync::Action>{
                                   {"app dst.test/app:1", sync::Action::Unchanged},
                                   {"app dst.test/app:extra", run == 0 ? sync::Action::Changed : sync::Action::Unchanged},
                                   {"extra dst.test/app:extra", sync::Action::Conflict}});
        CHECK(r.registries.repo("dst.test", "app").tags.at("extra") == app_extra);
    }
    CHECK(app.digest != lib.digest);
}
