#pragma once
/// Which target repositories were empty when this run first looked at them. Asked once per
/// repository (its tag list), and only for an image whose target tag turned out absent, so a
/// no-op run never asks. An empty repository lets the copy skip every presence check
/// (copy::CopyOptions::target_empty): on a cold target that is a manifest HEAD per manifest
/// and a blob HEAD per blob saved for one listing per repository.
#include <map>
#include <mutex>
#include <string>

#include "core/key_locks.hpp"
#include "store/store.hpp"

namespace ferry::sync {

class EmptyTargets {
public:
    /// True when `target`'s repository had no tag, or did not exist, at the first look.
    /// A listing that fails in any other way counts as not empty (the usual checks run).
    bool was_empty(store::Store& target);
    /// True when `target`'s repository has already been found empty by was_empty in this
    /// run; never asks the registry. A tag of such a repository needs no HEAD to be known
    /// absent (this run's own pushes aside, which only the same target tag twice could meet).
    bool known_empty(store::Store& target);

private:
    core::KeyLocks listing_;  // one listing per repository, the others wait for it
    std::mutex mutex_;        // guards known_
    std::map<std::string, bool> known_;
};

}  // namespace ferry::sync
