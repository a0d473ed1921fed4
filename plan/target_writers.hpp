#pragma once
/// One writer per target tag: what each sync and `manifests:` entry may write at its target,
/// as far as the plan says without asking a registry, and the check that two entries never
/// write the same target tag.
///  - Named by the plan (an image source's target tag, whether renamed or kept under a prefix,
///    and a manifest list's target): two entries naming the same target tag are a plan error,
///    located at the later entry and naming the earlier one's place (check_single_writers, run
///    by parse_plan).
///  - Known only after expansion (namespace and registry sources; a repository source, whose
///    tags are those its source lists, meeting an image entry or another repository source in
///    one target repository): scopes_overlap() says which entries may meet;
///    sync/target_claims.hpp settles them at run time (the first entry in plan order writes,
///    the others report a conflict). A plan that mirrors a repository and adds one more tag to
///    it from elsewhere is valid as long as the source never lists that tag.
/// Plan order: the sync entries in file order, then the manifest lists (they run after them).
#include <optional>
#include <string>
#include <vector>

#include "plan/manifests_section.hpp"
#include "plan/sync_section.hpp"

namespace ferry::plan {

/// The repositories and tags an entry may write at its target.
struct TargetScope {
    std::string registry;
    /// The one target repository, or (subtree) the prefix every written repository lies under
    /// ("" = the registry's root).
    std::string repository;
    bool subtree = false;  ///< namespace and registry sources
    /// The only tag written, when the plan names it (image sources with a tag, manifest lists).
    std::optional<std::string> tag;
    /// Repository sources: the tags written are those the source lists (and `tags:` keeps).
    bool source_tags = false;
    /// True when nothing is tagged (a digest-pinned image into a repository target).
    bool untagged() const { return !subtree && !tag && !source_tags; }
};

/// The scope of a sync entry (after a successful parse) or of a manifest list.
TargetScope target_scope(const SyncEntry& entry);
TargetScope target_scope(const ManifestEntry& entry);

/// Whether the two scopes may write into a common repository.
bool scopes_overlap(const TargetScope& a, const TargetScope& b);

/// When the plan alone shows that both scopes write one tag (both name it): that tag.
std::optional<std::string> statically_shared_tag(const TargetScope& a, const TargetScope& b);

namespace detail {

class PlanReader;
struct PlanNode;

/// Reports every statically shared target tag of the plan's entries (sync_node and
/// manifests_node are the sections the entries were read from, for positions).
void check_single_writers(PlanReader& reader, const std::vector<SyncEntry>& sync, const PlanNode& sync_node,
                          const std::vector<ManifestEntry>& manifests, const PlanNode& manifests_node);

}  // namespace detail
}  // namespace ferry::plan
