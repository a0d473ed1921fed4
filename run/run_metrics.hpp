#pragma once
/// Per-job totals over plan runs, rendered as Prometheus families (ferry_sync_*) and JSON.
/// Fed by run_plan(): accumulated by `ferry cron` (/metrics, /status) and written as a
/// textfile by `ferry sync --metrics-file`.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cron/metrics.hpp"
#include "run/plan_run.hpp"

namespace ferry::run {

/// The `outcome` label of ferry_sync_runs_total for a run's Outcome: "succeeded" (also for
/// Rejected: a signature refusal is a policy decision, counted as images{result="rejected"}),
/// "failed" (Failed, Conflict) or "cancelled".
std::string_view runs_label(Outcome outcome);

struct SyncJobTotals {
    std::uint64_t runs_succeeded = 0, runs_failed = 0, runs_cancelled = 0;
    std::optional<std::chrono::system_clock::time_point> last_success;
    std::uint64_t bytes_copied = 0, bytes_mounted = 0, bytes_skipped = 0;
    std::uint64_t images_synced = 0;     ///< new or changed
    std::uint64_t images_unchanged = 0;
    std::uint64_t images_conflict = 0;
    std::uint64_t images_rejected = 0;  ///< refused by the signature policy
    std::uint64_t images_failed = 0;     ///< failed for a reason other than cancellation
    std::uint64_t images_pruned = 0;     ///< target tags deleted by `prune: true`
    double last_run_seconds = 0;
    double run_seconds_total = 0;
};

/// Thread-safe accumulator, keyed by job name.
class SyncMetrics {
public:
    /// Adds one finished run of `job`.
    void record(const std::string& job, const PlanRun& run, std::chrono::system_clock::time_point finished);
    /// ferry_sync_runs_total{job,outcome}, ferry_sync_last_success_timestamp_seconds{job},
    /// ferry_sync_bytes_total{job,kind=copied|mounted|skipped},
    /// ferry_sync_images_total{job,result=synced|unchanged|conflict|rejected|failed|pruned},
    /// ferry_sync_last_run_duration_seconds{job}, ferry_sync_run_duration_seconds_total{job}.
    void append_to(cron::PrometheusText& out) const;
    /// {"<job>": {"runs": {"succeeded","failed","cancelled"}, "last_success_unix": seconds|null,
    ///  "bytes": {...}, "images": {...}, "last_run_seconds", "run_seconds_total"}}
    nlohmann::json to_json() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, SyncJobTotals> jobs_;
};

/// The metrics of one run (label job=`job`) written atomically to `path` in the
/// node_exporter textfile format.
core::Status write_run_metrics_file(const std::filesystem::path& path, const std::string& job, const PlanRun& run);

}  // namespace ferry::run
