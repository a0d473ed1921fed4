#pragma once
/// The process_* metrics every Prometheus client library exports (client_golang's process
/// collector names and units), read from /proc/self on Linux: resident and virtual memory,
/// open and maximum file descriptors, CPU seconds, start time; plus the thread count.
#include <cstdint>
#include <optional>

#include "cron/metrics.hpp"

namespace ferry::cron {

struct ProcessStats {
    double cpu_seconds = 0;          ///< user + system
    double start_time_seconds = 0;   ///< since the Unix epoch
    std::uint64_t resident_bytes = 0;
    std::uint64_t virtual_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;       ///< the soft RLIMIT_NOFILE
    std::uint64_t threads = 0;
};

/// This process's figures; nullopt where /proc/self/stat cannot be read (not Linux).
std::optional<ProcessStats> read_process_stats();

/// process_cpu_seconds_total, process_start_time_seconds, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds, and process_threads
/// (as the Python client names it); nothing when the figures cannot be read.
void append_process_metrics(PrometheusText& out);

}  // namespace ferry::cron
