#pragma once
/// Signatures and other artifacts cross the air gap with their images: the cosign tags
/// (`sha256-<hex>.sig|.att|.sbom`) and referrers fallback tags (`sha256-<hex>`) of an
/// exported image's manifests become bundle images of their own, so import pushes them to the
/// same target repository, after their subject. Pure.
#include <set>
#include <vector>

#include "manifest/digest.hpp"
#include "sync/task.hpp"

namespace ferry::bundle {

/// The export tasks for the artifact tags of `task`'s repository whose subject is one of
/// `subjects` (the exported root and its children) and which the task's `referrers:`
/// selects. A fallback tag index travels when the selection is `all` or names artifact
/// types or SBOMs (its entries are not filtered one by one). Empty when the tag list of
/// the source repository is unknown.
std::vector<sync::ImageTask> artifact_tasks(const sync::ImageTask& task, const std::set<manifest::Digest>& subjects);

}  // namespace ferry::bundle
