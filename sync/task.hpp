#pragma once
/// One unit of sync work: one source image (tag or digest) to one target tag, and what
/// happened to it. Produced by expand_plan(), consumed by the runner and the report.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/defaults.hpp"
#include "copy/copy_image.hpp"
#include "core/error.hpp"
#include "manifest/reference.hpp"
#include "referrers/carry.hpp"
#include "plan/plan.hpp"

namespace ferry::sync {

struct ImageTask {
    std::string entry;            ///< the sync entry's name
    manifest::Reference source;   ///< with a tag or a digest
    manifest::Reference target;   ///< with a tag, or none (push by digest only)
    std::vector<manifest::Platform> platforms;  ///< empty = all
    plan::CopyPolicy policy = plan::CopyPolicy::Changed;
    int jobs = core::kDefaultJobs;
    int retries = core::kDefaultRetries;
    /// Set by expansion under policy `missing` when the target's tag list already has the
    /// tag: nothing to ask, nothing to do.
    bool known_present = false;
    /// Set by expansion when it listed the target repository (policy `missing`): whether the
    /// repository held no tag then. Unset: not listed (the runner asks if it needs to know).
    std::optional<bool> target_was_empty;
    plan::ReferrerSelection referrers;  ///< artifacts that travel with the image
    /// Copy only images signed (cosign) by this public key; empty = no check.
    std::filesystem::path verify_key;
    /// The artifact tags (cosign, referrers fallback) of the source repository, from its tag
    /// list; null when it was not listed.
    std::shared_ptr<const std::set<std::string>> artifact_tags;
    /// Set by expansion when an earlier writer of the plan ("entry 'a'", "manifests[0]") owns
    /// the target tag (sync/target_claims.hpp): the task is a conflict and writes nothing.
    std::string conflicts_with;
};

/// Rejected: the signature policy (`verify`) refused the image; nothing was copied.
enum class Action { New, Changed, Unchanged, Conflict, Rejected, Failed };
std::string_view to_string(Action action);

struct TaskOutcome {
    ImageTask task;
    Action action = Action::Failed;
    manifest::Digest source_digest;
    manifest::Digest target_digest;    ///< what the target tag points at afterwards (or would)
    manifest::Digest previous_digest;  ///< what it pointed at before ("" = absent)
    std::string source_used;           ///< the host read from (a mirror or the source)
    bool built_subset = false;
    copy::CopyStats stats;  ///< the image and its artifacts
    /// Dry runs: the image's blob decisions as if it were alone, until the run settles them in
    /// plan order (copy::DryRunSplit; then cleared).
    std::vector<copy::BlobDecision> decisions;
    std::vector<referrers::ArtifactOutcome> artifacts;  ///< those that travelled or were already there
    std::chrono::nanoseconds duration{};
    std::optional<core::Error> error;
};

/// A tag left out by the entry's filters (for `ferry plan`).
struct FilteredImage {
    std::string entry;
    std::string repository;
    std::string tag;
    std::string reason;
};

/// A source repository whose tags were listed, and the target repository it maps to.
struct MappedRepository {
    std::string entry;
    manifest::Reference source;  ///< registry + repository
    manifest::Reference target;  ///< registry + repository
};

struct Expansion {
    std::vector<ImageTask> tasks;
    std::vector<MappedRepository> repositories;  ///< of repository and namespace entries
    std::vector<FilteredImage> filtered;
    std::vector<TaskOutcome> failures;  ///< entries that failed before any image was known
};

}  // namespace ferry::sync
