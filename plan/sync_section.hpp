#pragma once
/// The plan's `sync:` section: one entry per source → target mapping. Keys per entry: name,
/// source, target, tags (allow, deny, semver, newest, include_prerelease), repos (allow,
/// deny), platforms, policy, referrers, verify, jobs, prune, max_prune. Settings not given come from
/// `defaults:`, so every SyncEntry holds its effective settings.
#include <string>
#include <string_view>
#include <algorithm>
#include <optional>
#include <vector>

#include "core/defaults.hpp"
#include "manifest/reference.hpp"
#include "plan/defaults_section.hpp"
#include "plan/entry_settings.hpp"
#include "plan/tag_filter.hpp"

namespace ferry::plan {

/// What a sync entry's `source` names.
enum class SourceKind {
    Image,       ///< "host/repo:tag" or "host/repo@sha256:…": one image
    Repository,  ///< "host/repo": all tags, filtered by `tags`
    Namespace,   ///< "host/ns/*": every repository under ns (catalog), filtered by `repos`
    Registry,    ///< "host/*": every repository of the registry (catalog)
};
std::string_view to_string(SourceKind kind);

/// Repository filter for namespace/registry sources: regexes matched against the repository
/// path relative to the namespace ("alpine" for "host/corpus/alpine" under "host/corpus/*").
struct RepoFilter {
    std::vector<TagPattern> allow;  ///< empty = all
    std::vector<TagPattern> deny;
};

/// `max_prune`: the most tags one prune of an entry may delete, as a count or a percentage of
/// the entry's target tags (rounded down, but at least 1: the default 10 % of a repository
/// with fewer than 10 tags would otherwise never prune); beyond it the entry's whole prune is
/// refused. A count is exact (`max_prune: 0` prunes nothing).
struct PruneLimit {
    std::optional<int> count;
    double percent = 10;
    /// The limit for an entry with `target_tags` tags at its targets.
    std::size_t for_tags(std::size_t target_tags) const {
        if (count) return static_cast<std::size_t>(*count);
        return std::max<std::size_t>(1, static_cast<std::size_t>(target_tags * percent / 100.0));
    }
};

struct SyncEntry {
    std::string name;  ///< unique in the plan
    std::string source_text;  ///< as written (after ${ENV} expansion)
    SourceKind source_kind = SourceKind::Repository;
    /// Image: the full reference. Repository: registry + repository. Namespace: registry +
    /// the namespace path ("corpus"). Registry: registry only (repository empty).
    manifest::Reference source;
    std::string target_text;
    /// True when the target ends in '/': source paths are kept under target.repository
    /// (which may be empty: the target registry's root).
    bool target_is_prefix = false;
    /// Registry + repository (or prefix without the trailing '/'); a tag only for Image sources.
    manifest::Reference target;
    TagFilter tags;  ///< Repository/Namespace/Registry sources only
    RepoFilter repos;  ///< Namespace/Registry sources only
    PlatformSelection platforms;
    CopyPolicy policy = CopyPolicy::Changed;
    ReferrerSelection referrers;
    std::optional<VerifySettings> verify;
    int jobs = core::kDefaultJobs;
    /// `prune: true`: delete target tags (in this entry's target repositories only) whose
    /// source tag is gone or no longer selected, unless another entry writes them.
    bool prune = false;
    PruneLimit max_prune;

    /// Where a source repository lands: the target repository itself, or the target prefix
    /// plus the full source repository path.
    std::string target_repository(const std::string& source_repository) const;
};

namespace detail {

class PlanReader;
struct PlanNode;

/// Reads `sync:`, filling what an entry leaves out from `defaults`.
std::vector<SyncEntry> read_sync(PlanReader& reader, const PlanNode& node, const Defaults& defaults);
/// `prune` and `max_prune` of one entry (after its source and policy are known).
void read_prune(PlanReader& reader, const PlanNode& node, std::string_view path, SyncEntry& entry);

}  // namespace detail
}  // namespace ferry::plan
