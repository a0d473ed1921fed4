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
#include "sync/plan.hpp"
#include "sync/task.hpp"

namespace ferry::sync {

struct RunOptions {
    bool dry_run = false;    ///< decide and count only (ferry plan, sync --dry-run)
    bool fail_fast = false;  ///< stop starting work after the first failure
    int jobs = 0;            ///< overrides every entry's jobs when > 0
    ExpandOptions expand;
    std::filesystem::path state_file;  ///< subset state; empty = none
    const core::CancellationToken* cancel = nullptr;
    /// Called (from worker threads, serialised) when an image is done.
    std::function<void(const TaskOutcome&)> on_done;
};

struct RunResult {
    std::vector<TaskOutcome> outcomes;
    std::vector<FilteredImage> filtered;
    std::chrono::nanoseconds duration{};
};

RunResult run_sync(const Plan& plan, const store::StoreContext& stores, const RunOptions& options);

/// The default state file for a plan: "<dir>/.<plan file name>.state.json".
std::filesystem::path default_state_file(const std::filesystem::path& plan_file);

}  // namespace ferry::sync
