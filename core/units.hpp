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

/// RFC 3339 in UTC: "2026-11-29T12:00:00Z", with `milliseconds` "2026-11-29T12:00:00.123Z".
std::string format_rfc3339(std::chrono::system_clock::time_point t, bool milliseconds = false);

}  // namespace ferry::core
