#pragma once
/// Webhook-triggered syncs for `ferry cron`. The HTTP thread only judges a delivery (token,
/// payload) and hands its push events over; a matcher thread matches each event against the
/// current plan (sync/event_match.hpp) and queues the matching images, coalescing duplicates
/// (events/coalescing_queue.hpp); a runner thread syncs whatever is queued, in batches,
/// through the `run` hook (the daemon runs them like a scheduled run: same options, image
/// locks shared with the scheduled jobs, metrics and history under the job name "webhook").
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/run_history.hpp"
#include "core/cancel.hpp"
#include "cron/http_status.hpp"
#include "events/coalescing_queue.hpp"
#include "events/push_event.hpp"
#include "registry/client.hpp"
#include "plan/plan.hpp"
#include "sync/event_match.hpp"
#include "sync/task.hpp"

namespace ferry::daemon {

class WebhookService {
public:
    struct Hooks {
        /// The plan as it is now (it may be reloaded between events).
        std::function<std::shared_ptr<const plan::Plan>()> plan;
        /// Lists a repository's tags, for entries whose filters need them (the plan's own
        /// hosts only: match_push asks for the source of an entry).
        sync::TagLister list_tags;
        /// Syncs `tasks` and returns when done; `cancel` trips when the service stops.
        std::function<void(std::vector<sync::ImageTask> tasks, core::CancellationToken& cancel)> run;
    };

    WebhookService(Hooks hooks, RunHistory& history);
    ~WebhookService();  ///< stop()
    WebhookService(const WebhookService&) = delete;
    WebhookService& operator=(const WebhookService&) = delete;

    /// The POST route for the status server, at `settings.path`; the token is read from the
    /// current plan on every request, so a reloaded token applies at once.
    cron::PostRoute route(const plan::WebhookSettings& settings);

    /// Cancels a running sync, drops queued events and joins the threads.
    void stop();

    struct Counts {
        std::uint64_t received = 0;      ///< push events accepted for matching
        std::uint64_t coalesced = 0;     ///< matched images already waiting for a run
        std::uint64_t runs_started = 0;  ///< syncs started (one per batch of due images)
    };
    Counts counts() const;

private:
    cron::HttpReply receive(std::string_view authorization, std::string_view body);
    void match_loop();
    void run_loop();
    void match_one(const events::PushEvent& event);

    Hooks hooks_;
    RunHistory& history_;
    core::CancellationToken cancel_;
    events::CoalescingQueue<sync::ImageTask> queue_;

    std::mutex inbox_mutex_;
    std::condition_variable inbox_ready_;
    std::vector<events::PushEvent> inbox_;  ///< guarded by inbox_mutex_
    bool stopping_ = false;                 ///< guarded by inbox_mutex_

    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> runs_started_{0};

    std::thread matcher_;
    std::thread runner_;
};

}  // namespace ferry::daemon
