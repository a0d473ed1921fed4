#pragma once
/// A work queue that coalesces by key, for event-driven syncs: events for an image that is
/// already waiting replace the waiting item (one sync serves them all); an event for an image
/// whose sync is running waits for that sync to finish and then runs once more (the running
/// sync may have read the source before the new push), however many such events arrive.
/// Items of one key never run at once. With a debounce, an item becomes runnable only once
/// the debounce has passed since the first event that queued it, so a burst of events for
/// one image (a CI pipeline re-pushing, a registry retrying a delivery) within the window
/// becomes one run. Counts what it received, coalesced and handed out.
/// Thread-safe; any number of producers, one or more consumers.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <optional>
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

/// What a queue has seen so far.
struct QueueCounts {
    std::uint64_t received = 0;   ///< push() calls
    std::uint64_t coalesced = 0;  ///< of those, served by an item already waiting
    std::uint64_t taken = 0;      ///< items handed out by take()
};

template <class Item>
class CoalescingQueue {
public:
    using Clock = std::chrono::steady_clock;
    struct Keyed {
        std::string key;
        Item item;
    };

    explicit CoalescingQueue(std::chrono::milliseconds debounce = std::chrono::milliseconds(0)) : debounce_(debounce) {}

    /// The window for items queued from now on.
    void set_debounce(std::chrono::milliseconds debounce) {
        std::lock_guard lock(mutex_);
        debounce_ = debounce;
    }

    /// Adds `item` under `key` (see the class comment for what happens to duplicates). A
    /// coalesced item replaces the waiting one but keeps its due time.
    Enqueued push(const std::string& key, Item item) {
        std::lock_guard lock(mutex_);
        ++counts_.received;
        auto found = waiting_.find(key);
        if (found != waiting_.end()) {
            found->second.item = std::move(item);
            ++counts_.coalesced;
            return Enqueued::Coalesced;
        }
        waiting_.emplace(key, Waiting{std::move(item), Clock::now() + debounce_});
        order_.push_back(key);
        ready_.notify_all();
        return Enqueued::Queued;
    }

    /// Waits up to `timeout` for waiting items that are due and whose key is not running,
    /// marks them running and returns them in arrival order. Empty on timeout or once closed.
    std::vector<Keyed> take(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (closed_) return {};
            const auto now = Clock::now();
            std::optional<Clock::time_point> next_due;
            for (const auto& key : order_) {
                if (running_.contains(key)) continue;
                const auto due = waiting_.at(key).due;
                if (!next_due || due < *next_due) next_due = due;
            }
            if (next_due && *next_due <= now) break;
            if (now >= deadline) return {};
            ready_.wait_until(lock, next_due ? std::min(*next_due, deadline) : deadline);
        }
        std::vector<Keyed> out;
        const auto now = Clock::now();
        std::vector<std::string> still_waiting;
        for (const auto& key : order_) {
            if (running_.contains(key) || waiting_.at(key).due > now) {
                still_waiting.push_back(key);
                continue;
            }
            auto node = waiting_.extract(key);
            running_.insert(key);
            out.push_back(Keyed{key, std::move(node.mapped().item)});
        }
        order_ = std::move(still_waiting);
        counts_.taken += out.size();
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

    QueueCounts counts() const {
        std::lock_guard lock(mutex_);
        return counts_;
    }

private:
    struct Waiting {
        Item item;
        Clock::time_point due;  ///< runnable from then on
    };

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::chrono::milliseconds debounce_;
    QueueCounts counts_;
    std::map<std::string, Waiting> waiting_;
    std::vector<std::string> order_;  ///< keys of waiting_, oldest first
    std::set<std::string> running_;
    bool closed_ = false;
};

}  // namespace ferry::events
