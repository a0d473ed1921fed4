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

/// True when the process token has tripped or `extra` (a narrower stop, e.g. the cron daemon's
/// own; null = none) has: what every wait below a verb polls.
inline bool stop_requested(const CancellationToken* extra) noexcept {
    return process_cancellation().cancelled() || (extra != nullptr && extra->cancelled());
}

}  // namespace ferry::core
