#pragma once
/// Mutual exclusion per target image across runs that overlap in time (a scheduled run and
/// an event-driven sync of the same entry): the runner holds an image's lock while it
/// decides and copies it, so the same image is never copied by two runs at once. Unlike
/// core::KeyLocks, a key is forgotten once nobody holds or waits for it, so a long-running
/// daemon does not accumulate every image it ever saw.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace ferry::sync {

class ImageLocks {
public:
    /// Released when it goes out of scope.
    class Held {
    public:
        Held(ImageLocks& owner, std::string key) : owner_(&owner), key_(std::move(key)) {}
        Held(Held&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}
        Held(const Held&) = delete;
        Held& operator=(const Held&) = delete;
        Held& operator=(Held&&) = delete;
        ~Held() {
            if (owner_) owner_->release(key_);
        }

    private:
        ImageLocks* owner_;
        std::string key_;
    };

    /// Blocks until no one else holds `key` ("registry/repository:tag").
    Held lock(const std::string& key) {
        std::unique_lock guard(mutex_);
        auto& slot = slots_[key];
        ++slot.users;
        released_.wait(guard, [&] { return !slot.held; });
        slot.held = true;
        return Held(*this, key);
    }

    /// Keys currently held or waited for (for tests).
    std::size_t size() const {
        std::lock_guard guard(mutex_);
        return slots_.size();
    }

private:
    struct Slot {
        bool held = false;
        int users = 0;  ///< holders and waiters
    };

    void release(const std::string& key) {
        std::lock_guard guard(mutex_);
        auto it = slots_.find(key);
        it->second.held = false;
        if (--it->second.users == 0) slots_.erase(it);
        released_.notify_all();
    }

    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::map<std::string, Slot> slots_;  ///< std::map: references to slots stay valid
};

}  // namespace ferry::sync
