#include "sync/target_claims.hpp"

#include <algorithm>

#include "plan/target_writers.hpp"

namespace ferry::sync {

TargetClaims::TargetClaims(const plan::Plan& plan) {
    std::vector<plan::TargetScope> scopes;
    for (const auto& entry : plan.sync) scopes.push_back(plan::target_scope(entry));
    for (std::size_t i = 0; i < plan.sync.size(); ++i) {
        bool meets = false;
        for (std::size_t j = 0; j < plan.sync.size() && !meets; ++j)
            meets = i != j && plan::scopes_overlap(scopes[i], scopes[j]);
        for (const auto& list : plan.manifests) meets = meets || plan::scopes_overlap(scopes[i], plan::target_scope(list));
        if (meets) contested_.push_back(&plan.sync[i]);
    }
    // Manifest lists always write their target tag: a sync entry that maps onto one loses.
    for (std::size_t k = 0; k < plan.manifests.size(); ++k) {
        const auto& target = plan.manifests[k].target;
        if (target.tag) owners_.emplace(target.str(), "manifests[" + std::to_string(k) + "]");
    }
}

bool TargetClaims::contested(const plan::SyncEntry& entry) const {
    return std::find(contested_.begin(), contested_.end(), &entry) != contested_.end();
}

std::optional<std::string> TargetClaims::claim(const plan::SyncEntry& entry, const manifest::Reference& target) {
    if (!target.tag || !contested(entry)) return std::nullopt;
    manifest::Reference key = target;
    key.digest.reset();
    const std::string writer = "entry '" + entry.name + "'";
    auto [it, first] = owners_.emplace(key.str(), writer);
    if (first || it->second == writer) return std::nullopt;
    return it->second;
}

}  // namespace ferry::sync
