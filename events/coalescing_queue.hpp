#pragma once
/// A work queue that coalesces by key, for event-driven syncs: events for an image that is
/// already waiting replace the waiting item (one sync serves them all); an event for an image
/// whose sync is running waits for that sync to finish and then runs once more (the running
/// sync may have read the source before the new push). Items of one key never run at once.
/// Thread-safe; any number of producers, one or more consumers.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ferry::events {

enum class Enqueued {
    Queued,     ///< a new item: a sync will run for it
    Coalesced,  ///< the key was already waiting: that sync will serve this event too
};

template <class Item>
class CoalescingQueue {
public:
    struct Keyed {
        std::string key;
        Item item;
    };

    /// Adds `item` under `key` (see the class comment for what happens to duplicates).
    Enqueued push(const std::string& key, Item item) {
        std::lock_guard lock(mutex_);
        auto [it, inserted] = waiting_.insert_or_assign(key, std::move(item));
        (void)it;
        if (inserted) order_.push_back(key);
        ready_.notify_all();
        return inserted ? Enqueued::Queued : Enqueued::Coalesced;
    }

    /// Waits up to `timeout` for waiting items whose key is not running, marks them running
    /// and returns them in arrival order. Empty on timeout or once closed.
    std::vector<Keyed> take(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return closed_ || runnable_locked(); });
        std::vector<Keyed> out;
        if (closed_) return out;
        std::vector<std::string> still_waiting;
        for (const auto& key : order_) {
            if (running_.contains(key)) {
                still_waiting.push_back(key);
                continue;
            }
            auto node = waiting_.extract(key);
            running_.insert(key);
            out.push_back(Keyed{key, std::move(node.mapped())});
        }
        order_ = std::move(still_waiting);
        return out;
    }

    /// Marks `keys` (from take) finished; items queued for them meanwhile become runnable.
    void finish(const std::vector<std::string>& keys) {
        std::lock_guard lock(mutex_);
        for (const auto& key : keys) running_.erase(key);
        ready_.notify_all();
    }

    /// Wakes every take() and makes later ones return nothing.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
    }

    std::size_t waiting() const {
        std::lock_guard lock(mutex_);
        return waiting_.size();
    }

private:
    bool runnable_locked() const {
        for (const auto& key : order_)
            if (!running_.contains(key)) return true;
        return false;
    }

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::map<std::string, Item> waiting_;
    std::vector<std::string> order_;  ///< keys of waiting_, oldest first
    std::set<std::string> running_;
    bool closed_ = false;
};

}  // namespace ferry::events
