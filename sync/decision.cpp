#include "sync/decision.hpp"

namespace ferry::sync {

bool unchanged_without_graph(plan::CopyPolicy policy, const manifest::Digest& current,
                             const std::optional<manifest::Digest>& expected) {
    if (policy == plan::CopyPolicy::Missing) return true;
    return expected && current == *expected;
}

Action action_for(plan::CopyPolicy policy, const std::optional<manifest::Digest>& current,
                  const manifest::Digest& built) {
    if (!current) return Action::New;
    if (*current == built) return Action::Unchanged;
    if (policy == plan::CopyPolicy::Immutable) return Action::Conflict;
    return Action::Changed;
}

}  // namespace ferry::sync
