#pragma once
/// Opt-in prune (`prune: true` on a sync entry): after the copies, delete at the target the
/// tags of the entry's target repositories that no entry of the plan writes any more (their
/// source tag is gone or no longer selected). Guards:
///  - only repositories the entry maps a listed source repository to (a source that could not
///    be listed prunes nothing), never under policy immutable, never an artifact tag;
///  - never a tag that any entry of the plan writes (the caller passes the whole plan's tasks);
///  - `max_prune`: more candidates than the limit refuses the entry's whole prune;
///  - dry_run (`ferry plan`, `sync --dry-run`) only lists what would go;
///  - every candidate must lie within the entry's target (sync::check_within_target) or it
///    fails without a request (prune_candidates sets it apart).
/// Deleting: by tag where the registry supports it; docker-registry 2.8 refuses a tag
/// (400 DIGEST_INVALID), so a tag is then deleted by its digest, and only when no kept tag of
/// the repository points at the same digest (else "cannot untag on this registry"). A host
/// with deletes disabled (405 UNSUPPORTED) gets one message, not a failure per tag.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "registry/client.hpp"
#include "plan/plan.hpp"
#include "sync/task.hpp"

namespace ferry::sync {

enum class PruneAction { Pruned, WouldPrune, CannotUntag, Refused, Unsupported, Failed };
std::string_view to_string(PruneAction action);

struct PruneOutcome {
    std::string entry;
    manifest::Reference target;  ///< with the tag
    PruneAction action = PruneAction::Failed;
    manifest::Digest digest;     ///< when it was looked up
    std::string message;         ///< why (refused, cannot untag, failed, unsupported)
};

/// Candidates of one entry: the tags of its target repositories that no task writes.
struct PruneCandidates {
    std::string entry;
    std::vector<manifest::Reference> tags;  ///< target references with tags
    /// Candidates that do not lie within the entry's target (sync::check_within_target), with
    /// why: never deleted, each reported as failed.
    std::vector<std::pair<manifest::Reference, std::string>> outside;
    std::size_t target_tags = 0;            ///< image tags at the entry's targets (for max_prune)
};

/// The pure part: candidates from the target repositories' tag lists.
/// `listed` maps "registry/repository" of each mapped target to its tags (absent = unlisted:
/// that repository prunes nothing); `written` holds "registry/repository:tag" of every task.
PruneCandidates prune_candidates(const plan::SyncEntry& entry, const std::vector<MappedRepository>& repositories,
                                 const std::map<std::string, std::vector<std::string>>& listed,
                                 const std::set<std::string>& written);

struct PruneOptions {
    bool dry_run = false;
    std::vector<std::string> only;  ///< entry names; empty = all
};

/// Prunes every `prune: true` entry (of `only`). `all` is the expansion of the whole plan.
std::vector<PruneOutcome> prune_plan(const plan::Plan& plan, registry::ClientPool& clients, const Expansion& all,
                                     const PruneOptions& options);

}  // namespace ferry::sync
