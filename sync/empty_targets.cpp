#include "sync/empty_targets.hpp"

#include "core/log.hpp"

namespace ferry::sync {

namespace {

/// "host/repository" of a registry store; empty for any other store (nothing to ask).
std::string key_of(store::Store& target) {
    const auto* repo = store::registry_repository(target);
    if (!repo || repo->registry_host().empty()) return {};
    return repo->registry_host() + "/" + repo->repository();
}

}  // namespace

bool EmptyTargets::known_empty(store::Store& target) {
    const std::string key = key_of(target);
    if (key.empty()) return false;
    std::lock_guard lock(mutex_);
    auto it = known_.find(key);
    return it != known_.end() && it->second;
}

bool EmptyTargets::was_empty(store::Store& target) {
    const std::string key = key_of(target);
    if (key.empty()) return false;
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
