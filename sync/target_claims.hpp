#pragma once
/// One writer per target tag, at run time: the overlaps only expansion reveals (a namespace
/// or registry source mapping a repository onto another entry's target, two repository
/// sources whose tag lists share a tag). Expansion claims every target tag of the entries
/// whose target scope overlaps another's (plan/target_writers.hpp) before it hands the task
/// on; the first claim wins, so the first entry in plan order (sync entries in file order,
/// manifest lists before all of them, as they always write) keeps the tag and a later writer's
/// task is marked with the winner's name and reported `conflict` without touching anything.
/// Entries that meet nobody are not recorded, so memory grows only with contested tags.
/// Not thread-safe: expansion delivers tasks from one thread.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/reference.hpp"
#include "plan/plan.hpp"

namespace ferry::sync {

class TargetClaims {
public:
    explicit TargetClaims(const plan::Plan& plan);

    /// Claims `target` (with a tag) for `entry` (a sync entry of the plan). Returns the name of
    /// the writer that claimed it first ("entry 'a'", "manifests[0]"), or nullopt when the tag
    /// is `entry`'s (first claim, a claim of its own, an untagged target or an uncontested entry).
    std::optional<std::string> claim(const plan::SyncEntry& entry, const manifest::Reference& target);

    /// Whether `entry` may share target repositories with another entry.
    bool contested(const plan::SyncEntry& entry) const;

private:
    std::vector<const plan::SyncEntry*> contested_;
    std::map<std::string, std::string> owners_;  ///< "host/repo:tag" -> writer
};

}  // namespace ferry::sync
