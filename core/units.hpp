#pragma once
/// Human-readable sizes and durations for reports and progress lines.
#include <chrono>
#include <cstdint>
#include <string>

namespace ferry::core {

/// 1536 -> "1.5 KiB", 0 -> "0 B".
std::string format_bytes(std::uint64_t bytes);
/// 1.234 s -> "1.23s", 75 s -> "1m15s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace ferry::core
