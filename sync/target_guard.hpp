#pragma once
/// Where a sync entry may write and delete: the one check between a name (from the plan, a
/// catalog, a tag list or a webhook event) and any write or delete at a target.
///
/// An entry's target is its target repository (`DST/repo`, `DST/repo:tag`) or, for a target
/// prefix `DST/prefix/`, every repository `prefix/...` of DST (every repository of DST for
/// `DST/`). A target reference lies within it when it names the same registry, its repository
/// is valid by the distribution grammar (manifest::is_valid_repository: so no "..", "." or
/// empty component can climb out of the prefix after a join) and lies under the prefix, and its
/// tag, if any, is a valid tag.
///
/// map_target is how expansion and webhook matching build a task's target; check_within_target
/// is asserted again by sync::run_task before anything is read or written at the target and
/// by prune before each delete, so a write or delete outside the entry's target is impossible
/// by construction, not only because the names were filtered where they came in.
#include <string>

#include "core/error.hpp"
#include "manifest/reference.hpp"
#include "plan/plan.hpp"

namespace ferry::sync {

/// Ok when `target` lies within `entry`'s target (see above). Errors: InvalidInput naming the
/// entry, the target (control characters escaped) and why ("outside the target prefix
/// DST/quarantine/", "not a valid repository name").
core::Status check_within_target(const plan::SyncEntry& entry, const manifest::Reference& target);

/// The target repository (no tag, no digest) that `source_repository` of `entry` maps to: the
/// entry's target repository, or the prefix joined with the source path. Errors: InvalidInput
/// when `source_repository` is not a valid repository name or the joined name is not within
/// the entry's target (over 255 characters, say).
core::Result<manifest::Reference> map_target(const plan::SyncEntry& entry, const std::string& source_repository);

/// The sync entry named `name` in `plan`, or nullptr.
const plan::SyncEntry* find_entry(const plan::Plan& plan, const std::string& name);

}  // namespace ferry::sync
