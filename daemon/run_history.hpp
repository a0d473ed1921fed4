#pragma once
/// The daemon's memory of its recent runs (scheduled and webhook-triggered) and of the
/// webhook events it received, newest first and bounded, for /status and the status page.
/// Thread-safe. Holds references, digests and error messages (already redacted): no secrets.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/plan_run.hpp"

namespace ferry::daemon {

/// One webhook delivery and what it led to.
struct WebhookEventRecord {
    std::chrono::system_clock::time_point time;
    std::string format;  ///< "distribution" / "harbor"
    std::string event;   ///< "host/repo:tag"
    std::string result;  ///< "queued", "coalesced", "no matching entry", ...
    std::vector<std::string> triggered;  ///< "entry: source -> target"
    std::vector<std::string> notes;      ///< why covering entries left the tag out
};

class RunHistory {
public:
    explicit RunHistory(std::size_t max_runs = 50, std::size_t max_events = 100)
        : max_runs_(max_runs), max_events_(max_events) {}

    /// Remembers a finished run of `job`, started by `trigger` ("schedule" or "webhook").
    void record_run(const std::string& job, std::string_view trigger, std::chrono::system_clock::time_point started,
                    const run::PlanRun& run);
    void record_event(WebhookEventRecord event);
    /// A request refused before its events were read (401, 400, 413).
    void count_refused();

    /// [{job, trigger, started, outcome, seconds, images:{new, changed, unchanged, failed,
    ///   rejected, conflicts, pruned}, bytes:{copied, mounted}, errors:[{image, error}]}]
    nlohmann::json runs_json() const;
    /// {received, refused, events:[{time, format, event, result, triggered, notes}]}
    nlohmann::json webhooks_json() const;

private:
    const std::size_t max_runs_, max_events_;
    mutable std::mutex mutex_;
    std::deque<nlohmann::json> runs_;    ///< newest first
    std::deque<nlohmann::json> events_;  ///< newest first
    std::uint64_t received_ = 0, refused_ = 0;
};

}  // namespace ferry::daemon
