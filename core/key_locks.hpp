#pragma once
/// Mutual exclusion per string key (e.g. "target repository@manifest digest"), for work that
/// must not run twice at once for the same key. Keys are kept for the object's lifetime.
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace ferry::core {

class KeyLocks {
public:
    /// Blocks until no other holder of `key` remains; the lock is released when the result dies.
    std::unique_lock<std::mutex> lock(const std::string& key) {
        std::mutex* m = nullptr;
        {
            std::lock_guard guard(mutex_);
            auto& slot = locks_[key];
            if (!slot) slot = std::make_unique<std::mutex>();
            m = slot.get();
        }
        return std::unique_lock(*m);
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

}  // namespace ferry::core
