// run/: the verdict on a plan run (the one source of exit codes, metrics labels and cron job
// states) and which runs are whole enough for the `manifests:` section.
#include <catch2/catch.hpp>

#include "plan/plan.hpp"
#include "run/plan_run.hpp"
#include "run/run_metrics.hpp"
#include "run/run_plan.hpp"

using namespace ferry;

namespace {

run::PlanRun with(std::initializer_list<sync::Action> actions, bool cancelled = false) {
    run::PlanRun r;
    for (auto a : actions) {
        sync::TaskOutcome o;
        o.action = a;
        r.sync.summary.add(o);
        r.sync.outcomes.push_back(o);
    }
    r.cancelled = cancelled;
    return r;
}

void add_manifest_failure(run::PlanRun& r) {
    r.manifests.push_back({"dst.test/app:1", core::fail(core::ErrorKind::NotFound, "no such image")});
}

}  // namespace

TEST_CASE("outcome_of: a failed run whose every failure is an auth failure, or something absent, is its own class") {
    using O = run::Outcome;
    const auto failed = [](core::ErrorKind kind) {
        sync::TaskOutcome o;
        o.action = sync::Action::Failed;
        o.error = core::make_error(kind, "x");
        return o;
    };
    const auto run_of = [](std::vector<sync::TaskOutcome> outcomes) {
        run::PlanRun r;
        for (auto& o : outcomes) r.sync.summary.add(o);
        r.sync.outcomes = std::move(outcomes);
        return r;
    };
    CHECK(run::outcome_of(run_of({failed(core::ErrorKind::Auth), failed(core::ErrorKind::Denied)})) == O::AuthFailed);
    CHECK(run::outcome_of(run_of({failed(core::ErrorKind::NotFound)})) == O::NotFound);
    CHECK(run::outcome_of(run_of({failed(core::ErrorKind::NotFound), failed(core::ErrorKind::Auth)})) == O::Failed);
    auto cancelled = run_of({failed(core::ErrorKind::Auth)});
    cancelled.cancelled = true;
    CHECK(run::outcome_of(cancelled) == O::Cancelled);
    CHECK(run::runs_label(O::AuthFailed) == "failed");
    CHECK(run::runs_label(O::NotFound) == "failed");
    CHECK(run::to_string(O::NotFound) == "failed");
}

TEST_CASE("outcome_of: failures, refusals, conflicts and cancellation by precedence") {
    using A = sync::Action;
    using O = run::Outcome;
    CHECK(run::outcome_of(with({A::New, A::Unchanged})) == O::Succeeded);
    CHECK(run::outcome_of(with({A::Failed, A::Rejected, A::Conflict})) == O::Failed);
    CHECK(run::outcome_of(with({A::Rejected, A::Conflict})) == O::Rejected);
    CHECK(run::outcome_of(with({A::Conflict, A::New})) == O::Conflict);
    // The images a cancellation left unfinished are failed as a consequence, not a cause.
    CHECK(run::outcome_of(with({A::Failed, A::New}, true)) == O::Cancelled);
    CHECK(run::outcome_of(with({A::Rejected}, true)) == O::Rejected);

    auto manifests_failed = with({A::New});
    add_manifest_failure(manifests_failed);
    CHECK(run::failed_manifests(manifests_failed) == 1);
    CHECK(run::outcome_of(manifests_failed) == O::Failed);
    auto conflict_and_manifest = with({A::Conflict});
    add_manifest_failure(conflict_and_manifest);
    CHECK(run::outcome_of(conflict_and_manifest) == O::Conflict);
}

TEST_CASE("the metrics' outcome label follows the verdict, a signature refusal is not a failed run") {
    CHECK(run::runs_label(run::Outcome::Succeeded) == "succeeded");
    CHECK(run::runs_label(run::Outcome::Rejected) == "succeeded");
    CHECK(run::runs_label(run::Outcome::Failed) == "failed");
    CHECK(run::runs_label(run::Outcome::Conflict) == "failed");
    CHECK(run::runs_label(run::Outcome::Cancelled) == "cancelled");

    run::SyncMetrics metrics;
    auto failed = with({sync::Action::New});
    add_manifest_failure(failed);
    metrics.record("nightly", failed, std::chrono::system_clock::now());
    metrics.record("nightly", with({sync::Action::Unchanged}), std::chrono::system_clock::now());
    auto json = metrics.to_json();
    CHECK(json["nightly"]["runs"]["failed"] == 1);
    CHECK(json["nightly"]["runs"]["succeeded"] == 1);
    CHECK(json["nightly"]["images"]["synced"] == 1);
    CHECK(json["nightly"]["images"]["unchanged"] == 1);
}

TEST_CASE("covers_whole_plan: manifests run only after a run of every entry, unsharded") {
    auto plan = plan::parse_plan(R"(version: 1
sync:
  - {name: a, source: src.test/a, target: dst.test/a}
  - {name: b, source: src.test/b, target: dst.test/b}
)", "p.yaml").value();
    CHECK(run::covers_whole_plan(plan, {}));
    CHECK(run::covers_whole_plan(plan, {.only = {"b", "a"}}));
    CHECK_FALSE(run::covers_whole_plan(plan, {.only = {"a"}}));
    CHECK_FALSE(run::covers_whole_plan(plan, {.shard = {0, 2}}));
    CHECK(run::covers_whole_plan(plan, {.shard = {0, 1}}));
}
