#pragma once
/// Cooperative cancellation, set from a signal handler and polled by long operations
/// between requests and between streamed chunks. Lock-free and async-signal-safe to set.
#include <atomic>

namespace ferry::core {

class CancellationToken {
public:
    void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }
    void reset() noexcept { cancelled_.store(false, std::memory_order_relaxed); }

private:
    std::atomic<bool> cancelled_{false};
};

/// The process-wide token that SIGINT/SIGTERM trip.
CancellationToken& process_cancellation();

}  // namespace ferry::core
