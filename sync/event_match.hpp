#pragma once
/// Which images a registry push event asks to sync: the plan's sync entries whose source
/// covers the pushed repository (same registry host, and the repository is the entry's, or
/// below its namespace and selected by `repos`) and whose tag filter selects the pushed tag.
/// Each match becomes the ImageTask a scheduled run would have made for that tag (same
/// platforms, policy, referrers, verify key). The tasks name only hosts from the plan (the
/// entry's source and target): an event can pick among the plan's images, never add one.
#include <functional>
#include <string>
#include <vector>

#include "events/push_event.hpp"
#include "plan/plan.hpp"
#include "sync/task.hpp"

namespace ferry::sync {

/// Lists a repository's tags at a plan host (for `newest` filters and artifact tags).
using TagLister = std::function<core::Result<std::vector<std::string>>(const std::string& host,
                                                                       const std::string& repository)>;

struct PushMatch {
    std::vector<ImageTask> tasks;    ///< one per entry that selects the pushed tag
    std::vector<std::string> notes;  ///< why an entry covering the repository left the tag out
};

/// Matches `event` against `plan.sync` (only the entries named in `only`, when not empty).
/// An event without a host matches entries of any source host; with one, only entries whose
/// source registry is that host. An event whose repository or tag is not a valid name
/// (manifest::is_valid_repository / is_valid_tag) matches nothing: one warning naming the
/// payload format and host, one note, no listing.
PushMatch match_push(const plan::Plan& plan, const events::PushEvent& event, const TagLister& list_tags,
                     const std::vector<std::string>& only = {});

}  // namespace ferry::sync
