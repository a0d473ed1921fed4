#pragma once
/// What a whole plan run did (its sync entries, then its `manifests:` section) and the one
/// verdict on it, `Outcome`, from which the exit code (cli/exit_codes.hpp), the metrics'
/// `outcome` label (run_metrics.hpp) and a cron job's state (daemon/) are all derived.
#include <chrono>
#include <string_view>
#include <vector>

#include "run/plan_manifests.hpp"
#include "sync/runner.hpp"

namespace ferry::run {

struct PlanRun {
    sync::RunResult sync;
    std::vector<ManifestPush> manifests;  ///< in plan order; empty when the section did not run
    bool dry_run = false;
    bool cancelled = false;  ///< the run's cancellation token had tripped when it ended
    std::chrono::nanoseconds duration{};  ///< the whole run (sync.duration: the sync entries only)
};

/// The verdict on a run, by precedence (the first that applies):
///  AuthFailed an image failed, the run was not cancelled, and every failure is an
///            authentication failure (401/403, a refused token: run::only_auth_failures);
///  NotFound  likewise, and every failure is something absent (only_not_found_failures);
///  Failed    an image failed, and the run was not cancelled (a cancelled run's unfinished
///            images fail as a consequence, not as a cause);
///  Rejected  the signature policy (`verify:`) refused an image;
///  Conflict  policy `immutable` refused to overwrite a tag, or an earlier entry writes it;
///  Cancelled the run was cancelled (SIGINT/SIGTERM, or a cron stop);
///  Failed    a `manifests:` entry failed;
///  Succeeded otherwise.
enum class Outcome { Succeeded, Failed, AuthFailed, NotFound, Rejected, Conflict, Cancelled };

Outcome outcome_of(const PlanRun& run);

/// "succeeded", "failed" (also AuthFailed and NotFound: their class shows in the exit code),
/// "rejected", "conflict", "cancelled".
std::string_view to_string(Outcome outcome);

/// How many `manifests:` entries failed.
std::size_t failed_manifests(const PlanRun& run);

}  // namespace ferry::run
