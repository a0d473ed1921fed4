#pragma once
/// Runs a plan's sync entries: expand into image tasks, decide each by policy (HEAD the
/// source — mirrors first — and the target), copy what is new or changed with the copy
/// engine. The expansion runs beside the image workers and feeds them through a bounded
/// queue, so images start while later repositories are still being listed. One blob ledger
/// serves the whole plan, so a blob crosses the wire once per target registry and is
/// mounted into every other target repository there.
/// Keeps going when one image fails unless fail_fast. Never overwrites under `immutable`.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/cancel.hpp"
#include "store/open.hpp"
#include "sync/expand.hpp"
#include "plan/plan.hpp"
#include "sync/image_locks.hpp"
#include "sync/prune.hpp"
#include "sync/task.hpp"
#include "sync/verify_keys.hpp"

namespace ferry::sync {

struct RunOptions {
    bool dry_run = false;    ///< decide and count only (ferry plan, sync --dry-run)
    bool fail_fast = false;  ///< stop starting work after the first failure
    int jobs = 0;            ///< overrides every entry's jobs when > 0 (see effective_jobs)
    /// Image tasks running at once, as a multiple of jobs (the plan's, or `jobs` above):
    /// deciding is manifest HEADs and copying small images is mounts and manifest PUTs,
    /// cheap for a registry and, across a real distance, round trips to wait on. Blob
    /// transfers are bounded for the whole run at 2 × jobs (CopyOptions::transfers); the
    /// http layer's per-host `max_requests` bounds every request.
    int deciders_per_job = 4;
    ExpandOptions expand;
    std::filesystem::path state_file;  ///< subset state; empty = none
    const core::CancellationToken* cancel = nullptr;
    /// Called once the plan is expanded (images may be running already), from the expanding
    /// thread, with the number of outcomes to come (images to decide and entries whose listing
    /// failed).
    std::function<void(std::size_t images)> on_expanded;
    /// Called from the expanding thread for each outcome expansion adds (so a progress line
    /// can show the total found so far before on_expanded gives the final one).
    std::function<void()> on_found;
    /// Called (from worker threads, serialised) when an image is done, and for each entry whose
    /// listing failed (an outcome of the run like any image).
    std::function<void(const TaskOutcome&)> on_done;
    /// Called (serialised) with every outcome in expansion order — failed entries as they are
    /// found — so reports can be written while the run goes on.
    std::function<void(const TaskOutcome&)> on_outcome;
    /// false: RunResult::outcomes stays empty (use on_outcome and RunResult::summary), and a
    /// run's memory does not grow with its number of images: expansion waits while more than
    /// kOutcomeWindow images are done or running ahead of the oldest unfinished one.
    bool keep_outcomes = true;
    /// Keys for `verify:`, loaded by the caller (see load_verify_keys); null = load them here.
    const VerifyKeys* keys = nullptr;
    /// Where registries are reached; null = through `stores` (PoolAccess).
    RegistryAccess* registries = nullptr;
    /// Shared with other runs that may overlap this one: each image is decided and copied
    /// while its target reference is locked. Null = this run is alone.
    ImageLocks* image_locks = nullptr;
};

/// The one rule for parallelism: a `--jobs` flag (`flag` > 0, 1..core::kMaxJobs, checked by
/// the command line) wins over the plan's value (`configured`, checked by the plan reader to the
/// same bounds). Used for image workers, each task's blob transfers, manifest lists and export.
inline int effective_jobs(int flag, int configured) { return flag > 0 ? flag : configured; }

/// True for an image a stop signal cancelled: reported as interrupted, not failed.
bool interrupted(const TaskOutcome& outcome);
/// True for an image (or listing) that failed because a registry refused authentication
/// (401/403, or its token server refused a token).
bool auth_failed(const TaskOutcome& outcome);

/// Counts of a run's outcomes.
struct Summary {
    std::size_t images = 0, created = 0, changed = 0, unchanged = 0, conflicts = 0, rejected = 0, failed = 0, filtered = 0;
    std::size_t interrupted = 0;  ///< stopped by SIGINT/SIGTERM or by --fail-fast, begun or not (not counted in `failed`)
    std::size_t auth_failed = 0;  ///< of `failed`: refused authentication (401/403, a refused token)
    std::size_t not_found = 0;    ///< of `failed`: something absent (a repository, tag, manifest or blob)
    std::size_t artifacts_copied = 0, artifacts_present = 0;  ///< copied = would copy in a plan
    std::size_t pruned = 0;         ///< tags deleted (in a plan: that would be deleted)
    std::size_t prune_skipped = 0;  ///< prune candidates not deleted (refused, cannot untag, unsupported, failed)
    copy::CopyStats stats;
    /// Failed images per shared cause (core::Error::cause: a host down, a spent rate limit).
    std::map<std::string, std::size_t> failure_causes;
    void add(const TaskOutcome& outcome);
    void add(const PruneOutcome& outcome);
};

struct RunResult {
    std::vector<TaskOutcome> outcomes;  ///< in expansion order (empty unless keep_outcomes)
    std::vector<FilteredImage> filtered;
    std::vector<PruneOutcome> pruned;  ///< of `prune: true` entries (would-prune in a dry run)
    std::vector<registry::HostReport> hosts;  ///< rate limits and health per registry host
    std::vector<std::string> warnings;  ///< registry Warning headers received during the run
    Summary summary;  ///< every outcome counted, kept or not; filtered = filtered.size()
    std::chrono::nanoseconds duration{};
};

/// The most images done or running ahead of the oldest unfinished one (keep_outcomes false).
inline constexpr std::size_t kOutcomeWindow = 1024;

/// With `prune: true` entries among those run, the whole plan is expanded first (so no tag
/// that another entry writes is pruned; the run then holds every task of the plan), and the
/// prune follows the copies (see prune.hpp). Otherwise the expansion streams.
RunResult run_sync(const plan::Plan& plan, const store::StoreContext& stores, const RunOptions& options);

/// Runs already expanded work (an event-driven sync builds its tasks itself): the tasks of
/// `expansion`, with its filtered images and failures carried into the result.
/// `options.expand` is not used.
RunResult run_expansion(const plan::Plan& plan, const store::StoreContext& stores, Expansion expansion,
                        const RunOptions& options);

/// The default state file for a plan: "<dir>/.<plan file name>.state.json".
std::filesystem::path default_state_file(const std::filesystem::path& plan_file);

}  // namespace ferry::sync
