#pragma once
/// A bounded blocking queue between one producer (the plan's expansion) and the image workers,
/// so images start while later repositories are still being listed and a registry of any
/// size never sits in memory at once: push() waits while the queue is full.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace ferry::sync {

template <typename T>
class WorkQueue {
public:
    explicit WorkQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    /// Waits for room, then adds `item`. After close() the item is dropped.
    void push(T item) {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
        if (closed_) return;
        items_.push_back(std::move(item));
        ready_.notify_one();
    }

    /// The next item, waiting for one; nullopt once the queue is closed and empty.
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        room_.notify_one();
        return item;
    }

    /// No more items: pop() drains what is queued, then returns nullopt; push() drops.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
        room_.notify_all();
    }

private:
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace ferry::sync
