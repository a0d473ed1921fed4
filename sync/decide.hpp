#pragma once
/// Deciding and doing one image task (see runner.hpp for the whole run).
#include <semaphore>

#include "copy/blob_ledger.hpp"
#include "core/cancel.hpp"
#include "sync/registry_access.hpp"
#include "core/key_locks.hpp"
#include "plan/plan.hpp"
#include "sync/empty_targets.hpp"
#include "sync/state.hpp"
#include "sync/task.hpp"
#include "sync/verify_keys.hpp"

namespace ferry::sync {

struct TaskContext {
    const plan::Plan& plan;
    RegistryAccess& registries;
    copy::BlobLedger& ledger;
    SubsetState& state;
    /// Serialises copies of one manifest into one target repository (several tags of one
    /// digest), so the second copy finds everything present instead of uploading it again.
    core::KeyLocks& pushing;
    EmptyTargets& empty_targets;  ///< target repositories found empty (asked once each)
    bool dry_run = false;
    const core::CancellationToken* cancel = nullptr;
    const VerifyKeys* keys = nullptr;  ///< for tasks with a verify key
    /// The run's blob transfers in flight (CopyOptions::transfers), however many images
    /// decide and copy at once; null = each copy's own `jobs` only.
    std::counting_semaphore<>* transfers = nullptr;
};

/// Decides `task` by its policy and, unless dry_run, copies it. Errors end up in the
/// outcome (action Failed), never thrown. A task whose target does not lie within its entry's
/// target (sync::check_within_target), or that names no entry of the plan, fails before any
/// request to the target.
TaskOutcome run_task(const ImageTask& task, const TaskContext& ctx);

}  // namespace ferry::sync
