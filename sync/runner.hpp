#pragma once
/// Runs a plan's sync entries: expand into image tasks, decide each by policy (HEAD the
/// source — mirrors first — and the target), copy what is new or changed with the copy
/// engine, sharing one blob ledger across the whole plan so a blob crosses the wire once per
/// target registry and is mounted into every other target repository there.
/// Keeps going when one image fails unless fail_fast. Never overwrites under `immutable`.
#include <chrono>
#include <filesystem>
#include <functional>
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
    int jobs = 0;            ///< overrides every entry's jobs when > 0
    ExpandOptions expand;
    std::filesystem::path state_file;  ///< subset state; empty = none
    const core::CancellationToken* cancel = nullptr;
    /// Called once the plan is expanded, with the number of outcomes to come (images to decide
    /// and entries whose listing failed).
    std::function<void(std::size_t images)> on_expanded;
    /// Called (from worker threads, serialised) when an image is done; first, from the calling
    /// thread, for each entry whose listing failed (the expansion's failures).
    std::function<void(const TaskOutcome&)> on_done;
    /// Keys for `verify:`, loaded by the caller (see load_verify_keys); null = load them here.
    const VerifyKeys* keys = nullptr;
    /// Where registries are reached; null = through `stores` (PoolAccess).
    RegistryAccess* registries = nullptr;
    /// Shared with other runs that may overlap this one: each image is decided and copied
    /// while its target reference is locked. Null = this run is alone.
    ImageLocks* image_locks = nullptr;
};

struct RunResult {
    std::vector<TaskOutcome> outcomes;
    std::vector<FilteredImage> filtered;
    std::vector<PruneOutcome> pruned;  ///< of `prune: true` entries (would-prune in a dry run)
    std::vector<registry::HostReport> hosts;  ///< rate limits and health per registry host
    std::chrono::nanoseconds duration{};
};

/// With `prune: true` entries among those run, the whole plan is expanded (so no tag that
/// another entry writes is pruned) and the prune follows the copies (see prune.hpp).
RunResult run_sync(const plan::Plan& plan, const store::StoreContext& stores, const RunOptions& options);

/// Runs already expanded work (an event-driven sync builds its tasks itself): the tasks of
/// `expansion`, with its filtered images and failures carried into the result.
/// `options.expand` is not used.
RunResult run_expansion(const plan::Plan& plan, const store::StoreContext& stores, Expansion expansion,
                        const RunOptions& options);

/// The default state file for a plan: "<dir>/.<plan file name>.state.json".
std::filesystem::path default_state_file(const std::filesystem::path& plan_file);

}  // namespace ferry::sync
