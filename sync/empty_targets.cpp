#include "sync/empty_targets.hpp"

#include "core/log.hpp"

namespace ferry::sync {

bool EmptyTargets::was_empty(store::Store& target) {
    const auto* repo = store::registry_repository(target);
    if (!repo || repo->registry_host().empty()) return false;  // not a registry: nothing to ask
    const std::string key = repo->registry_host() + "/" + repo->repository();
    auto held = listing_.lock(key);
    {
        std::lock_guard lock(mutex_);
        if (auto it = known_.find(key); it != known_.end()) return it->second;
    }
    auto tags = target.list_tags();
    const bool empty = tags ? tags->empty() : tags.error().kind == core::ErrorKind::NotFound;
    if (!tags && !empty) core::log::debug("cannot list {} ({}); its contents are checked one by one", key, tags.error().message);
    std::lock_guard lock(mutex_);
    known_[key] = empty;
    return empty;
}

}  // namespace ferry::sync
