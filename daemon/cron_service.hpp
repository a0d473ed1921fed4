#pragma once
/// The `ferry cron` daemon: runs the plan's `schedule:` entries (each firing runs the whole
/// plan path, run::run_plan, over the entry's sync entries) until SIGTERM/SIGINT, reloads the
/// plan on SIGHUP (restarting the scheduler only when the schedule changed; running jobs
/// finish first; the webhook route follows the new plan; a failed reload keeps the running
/// plan and shows on /status and in /metrics), and serves / (the status page), /healthz,
/// /metrics (cron job, ferry_sync_*, webhook and process_* families), /status and the plan's
/// webhook path on the --listen address.
/// Webhook-triggered syncs (daemon/webhook_service.hpp) run beside the schedule, also through
/// run::run_plan; the image locks they share keep both off the same image at once.
/// Every run uses one client pool (connections, tokens until they expire), rebuilt only
/// when a reload changes the plan; its requests stop waiting the moment the daemon stops.
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cron/http_status.hpp"
#include "cron/scheduler.hpp"
#include "daemon/cron_plan.hpp"
#include "daemon/run_history.hpp"
#include "daemon/webhook_service.hpp"
#include "run/plan_run.hpp"
#include "run/run_metrics.hpp"

namespace ferry::daemon {

struct DaemonOptions {
    std::string plan_file;
    std::string listen;  ///< "ADDR:PORT" for the status server; empty = none
    int jobs = 0;        ///< overrides the plan's jobs when > 0
    std::size_t max_connections = 256;  ///< status server connections served at once
    /// Where runs reach registries instead of the client pool (unit tests: in-memory
    /// registries); null = the pool. Must outlive the service.
    sync::RegistryAccess* registries = nullptr;
};

/// The state a cron job records for one run: success for Succeeded and Rejected (a refusal by
/// the signature policy is not a failed run), Cancelled for Cancelled, otherwise an error of
/// the last failure's kind (Conflict when only conflicts) counting failed images, conflicts
/// and failed manifest lists.
core::Status job_status(const run::PlanRun& run);

class CronService {
public:
    /// `base`: client options from the command line; `plan`: the plan loaded at start.
    CronService(DaemonOptions options, registry::ClientOptions base, std::shared_ptr<const CronPlan> plan);

    /// Serves --listen (when given), then runs schedulers until a stop signal. Errors: the
    /// status server could not start (bad address, port in use); nothing has run then.
    core::Status run();

    /// What SIGTERM does (start nothing new, cancel running jobs and their waits); any thread.
    void request_stop();
    /// What SIGHUP does (reload the plan file), on the daemon's control thread; any thread.
    void request_reload();
    /// The /status document: jobs, runs, webhooks, reloads.
    nlohmann::json status() const { return status_document(); }

private:
    core::Result<std::unique_ptr<cron::HttpStatusServer>> start_status_server();
    bool run_one_scheduler();
    static void log_job(const cron::JobSpec& spec);  ///< its schedule and next firing, at start
    core::Status run_job(const std::string& job, core::CancellationToken& cancel);
    void wait_for_signal();
    void stop(int signal);
    /// SIGHUP: starts load_and_apply() on the reload thread (or asks it for one more round
    /// when it is busy), so the control thread, which serves /healthz, never waits for a load.
    void reload();
    void reload_rounds();    ///< the reload thread: load_and_apply() until no SIGHUP is pending
    void load_and_apply();   ///< loads the plan file; keeps the current plan when it fails
    std::shared_ptr<const CronPlan> plan() const;
    std::vector<cron::JobState> job_states() const;
    std::string metrics_text() const;
    std::string status_json() const;
    /// The /status document; the status page renders the same one.
    nlohmann::json status_document() const;
    /// Options every run shares: --jobs, the state file, the image locks, the log.
    sync::RunOptions run_options(const CronPlan& current, const std::string& job, core::CancellationToken& cancel);
    void start_webhooks();
    void run_webhook_tasks(std::vector<sync::ImageTask> tasks, core::CancellationToken& cancel);
    /// The client pool every run shares (rebuilt by a reload).
    std::shared_ptr<registry::ClientPool> clients() const;
    std::shared_ptr<registry::ClientPool> make_pool(const CronPlan& plan);
    nlohmann::json reload_json() const;

    DaemonOptions options_;
    registry::ClientOptions base_;
    boost::asio::io_context control_;  ///< signals and the status server
    mutable std::mutex mutex_;
    /// Tripped by stop(): cuts every wait of the pool's requests short (back-offs, 429
    /// pauses, token fetches, stalled transfers).
    core::CancellationToken stop_;
    std::shared_ptr<const CronPlan> loaded_;       ///< guarded by mutex_
    std::shared_ptr<registry::ClientPool> pool_;   ///< guarded by mutex_
    std::uint64_t reloads_ = 0, reload_failures_ = 0;  ///< guarded by mutex_
    std::string last_reload_error_;                ///< guarded by mutex_; "" after a success
    std::optional<std::chrono::system_clock::time_point> last_reload_;  ///< guarded by mutex_
    cron::Scheduler* scheduler_ = nullptr;         ///< guarded by mutex_
    /// The last scheduler's, between restarts; before the first, the plan's jobs unstarted.
    std::vector<cron::JobState> finished_states_;
    bool stopping_ = false;                        ///< guarded by mutex_
    boost::asio::signal_set signals_;
    std::unique_ptr<cron::HttpStatusServer> server_;
    std::string endpoint_host_;
    run::SyncMetrics sync_metrics_;
    RunHistory history_;
    sync::ImageLocks image_locks_;
    std::unique_ptr<WebhookService> webhooks_;  ///< when the plan has webhooks
    std::mutex reload_mutex_;
    bool reloading_ = false;     ///< guarded by reload_mutex_
    bool reload_again_ = false;  ///< guarded by reload_mutex_: a SIGHUP came during a load
    std::jthread reloader_;      ///< last member: joined before anything it uses goes away
};

}  // namespace ferry::daemon
