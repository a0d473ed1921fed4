#pragma once
/// Turns a plan's sync entries into concrete image tasks: lists the catalog (namespace and
/// registry sources, once per host) and tag lists (once per repository), applies the repo
/// and tag filters, maps source paths to targets, and keeps only the caller's entries and
/// shard. Under policy `missing` it lists each target repository's tags once and marks the
/// tags already there, so they cost no manifest request.
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "sync/registry_access.hpp"
#include "sync/shard.hpp"
#include "sync/task.hpp"

namespace ferry::sync {

struct ExpandOptions {
    std::vector<std::string> only;  ///< entry names; empty = all
    Shard shard;
};

/// Never fails as a whole: an entry whose listing fails becomes a failure outcome and the
/// other entries go on.
Expansion expand_plan(const plan::Plan& plan, RegistryAccess& registries, const ExpandOptions& options);

/// Where a source repository lands: the target repository itself, or target prefix + the
/// full source repository path.
std::string target_repository_for(const plan::SyncEntry& entry, const std::string& source_repository);

}  // namespace ferry::sync
