#pragma once
/// A process-wide count of HTTP body bytes received, for live progress displays. Counting is
/// one relaxed atomic add per body chunk.
#include <atomic>
#include <cstdint>

namespace ferry::core::meter {

inline std::atomic<std::uint64_t>& received_counter() {
    static std::atomic<std::uint64_t> counter{0};
    return counter;
}

inline void add_received(std::uint64_t bytes) { received_counter().fetch_add(bytes, std::memory_order_relaxed); }

/// Body bytes received since the process started.
inline std::uint64_t received() { return received_counter().load(std::memory_order_relaxed); }

}  // namespace ferry::core::meter
