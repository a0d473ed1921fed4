#pragma once
/// The plan's `manifests:` section, run: each entry's manifest list is assembled from its
/// images and pushed (multiarch::assemble_index), in plan order. A failed entry does not
/// stop the others; its error is kept in its ManifestPush.
#include <string>
#include <vector>

#include "core/cancel.hpp"
#include "multiarch/assemble.hpp"
#include "plan/plan.hpp"
#include "store/open.hpp"

namespace ferry::run {

struct ManifestPush {
    std::string target;  ///< the entry's target ("host/repo:tag")
    core::Result<multiarch::AssembleResult> result;
};

struct ManifestRunOptions {
    bool dry_run = false;  ///< decide and report; write nothing
    int jobs = core::kDefaultJobs;  ///< parallel blob transfers per image
    const core::CancellationToken* cancel = nullptr;
};

/// One ManifestPush per entry of `plan.manifests`, opening registries through `stores`.
std::vector<ManifestPush> push_plan_manifests(const plan::Plan& plan, const store::StoreContext& stores,
                                              const ManifestRunOptions& options);

}  // namespace ferry::run
