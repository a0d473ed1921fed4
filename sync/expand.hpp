#pragma once
/// Turns a plan's sync entries into concrete image tasks: lists the catalog (namespace and
/// registry sources, once per host) and tag lists (once per repository), applies the repo
/// and tag filters, maps source paths to targets, and keeps only the caller's entries and
/// shard. Under policy `missing` it lists each target repository's tags once and marks the
/// tags already there, so they cost no manifest request.
/// The tag lists of a namespace's repositories are fetched `listers` at a time, and each
/// repository's tasks go to the caller as soon as they are known (in catalog order), so a
/// runner can start images while later repositories are still being listed.
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.hpp"
#include "plan/plan.hpp"
#include "sync/registry_access.hpp"
#include "sync/shard.hpp"
#include "sync/task.hpp"

namespace ferry::sync {

struct ExpandOptions {
    std::vector<std::string> only;  ///< entry names; empty = all
    Shard shard;
    /// Tag lists fetched at once within a namespace (cheap for a registry; across a real
    /// distance each is a round trip). The per-host max_requests bounds them too.
    int listers = 16;
    /// Once tripped, no further repository is listed (what is known is still delivered).
    const core::CancellationToken* cancel = nullptr;
};

/// Where expansion results go as they are found; called from the calling thread only.
struct ExpansionSink {
    std::function<void(ImageTask)> task;
    std::function<void(FilteredImage)> filtered;
    std::function<void(TaskOutcome)> failure;  ///< an entry or repository that could not be listed
    /// A source repository whose tags were listed, with its target (may be empty: not wanted).
    std::function<void(MappedRepository)> repository;
};

/// Never fails as a whole: an entry whose listing fails becomes a failure outcome and the
/// other entries go on. Returns when every entry is expanded.
void expand_plan_into(const plan::Plan& plan, RegistryAccess& registries, const ExpandOptions& options,
                      const ExpansionSink& sink);

/// expand_plan_into, collected.
Expansion expand_plan(const plan::Plan& plan, RegistryAccess& registries, const ExpandOptions& options);

/// A repository's tags: those naming images, and those carrying artifacts of other
/// manifests (never selected as images; they travel with their subject).
struct SplitTags {
    std::vector<std::string> image_tags;
    std::shared_ptr<const std::set<std::string>> artifact_tags;
};
SplitTags split_artifact_tags(const std::vector<std::string>& tags);

/// The task that copies `source` to `target` with `entry`'s settings (platforms, policy,
/// referrers, verify, jobs) and the plan's retries.
ImageTask make_image_task(const plan::Plan& plan, const plan::SyncEntry& entry, manifest::Reference source,
                          manifest::Reference target);

/// Whether a namespace/registry entry's `repos` filter keeps `relative` (the repository path
/// below the namespace).
bool repository_selected(const plan::SyncEntry& entry, std::string_view relative);

}  // namespace ferry::sync
