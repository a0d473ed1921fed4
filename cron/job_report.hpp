#pragma once
/// Renders Scheduler::snapshot() for the status endpoints: Prometheus families for /metrics
/// (or the textfile collector) and a JSON document for /status. Knows jobs, not what they do.
#include <chrono>
#include <span>
#include <string>

#include "cron/metrics.hpp"
#include "cron/scheduler.hpp"

namespace ferry::cron {

/// Adds ferry_cron_* families (one sample per job, label `job`): runs started/succeeded/failed,
/// skipped overlaps (counters); running, last success, last start/end and next fire as Unix
/// seconds (gauges, omitted while unknown).
void append_job_metrics(PrometheusText& out, std::span<const JobState> jobs);

/// {"jobs":[{"name":…,"schedule":…,"time_zone":"utc|local","running":…,"runs_started":…,
///  "runs_succeeded":…,"runs_failed":…,"skipped_overlaps":…,"last_start":"RFC 3339"|null,
///  "last_end":…,"next_fire":…,"last_success":true|false|null,"last_error":…}]}
std::string job_states_json(std::span<const JobState> jobs);

}  // namespace ferry::cron
