// ferry cron -c PLAN [--listen ADDR:PORT] [--jobs N]
// Runs the plan's `schedule:` entries until SIGTERM/SIGINT; SIGHUP reloads the plan.
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli/runtime.hpp"
#include "cli/sync_metrics.hpp"
#include "core/log.hpp"
#include "cron/http_status.hpp"
#include "cron/job_report.hpp"
#include "cron/scheduler.hpp"
#include "sync/host_options.hpp"
#include "sync/report.hpp"
#include "sync/runner.hpp"

namespace ferry::cli {
namespace {

struct CronArgs {
    std::string plan_file;
    std::string listen;
    int jobs = 0;
};

/// A validated plan with what its runs need: the cron jobs.
struct LoadedPlan {
    sync::Plan plan;
    std::vector<cron::JobSpec> specs;
};

bool same_schedule(const std::vector<cron::JobSpec>& a, const std::vector<cron::JobSpec>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].schedule.text() != b[i].schedule.text() || a[i].zone != b[i].zone ||
            a[i].jitter != b[i].jitter || a[i].run_at_start != b[i].run_at_start)
            return false;
    }
    return true;
}

core::Result<std::shared_ptr<const LoadedPlan>> load(const std::string& file) {
    auto plan = sync::load_plan(file);
    if (!plan) return std::unexpected(plan.error());
    if (plan->schedule.empty())
        return core::fail(core::ErrorKind::Config, file + ": no schedule entries: nothing for ferry cron to run");
    auto loaded = std::make_shared<LoadedPlan>();
    for (const auto& entry : plan->schedule) {
        auto expr = cron::CronExpr::parse(entry.cron);
        if (!expr)
            return core::fail(core::ErrorKind::Config,
                              file + ": schedule " + entry.name + ": cron \"" + entry.cron + "\": " + expr.error().message);
        loaded->specs.push_back(cron::JobSpec{
            .name = entry.name,
            .schedule = std::move(*expr),
            .zone = entry.timezone == sync::ScheduleTimezone::Local ? cron::TimeZone::Local : cron::TimeZone::Utc,
            .jitter = entry.jitter,
            .run_at_start = entry.run_at_start,
        });
    }
    loaded->plan = std::move(*plan);
    return std::shared_ptr<const LoadedPlan>(std::move(loaded));
}

class CronService {
public:
    CronService(const CronArgs& args, registry::ClientOptions base, std::shared_ptr<const LoadedPlan> plan)
        : args_(args), base_(std::move(base)), loaded_(std::move(plan)), signals_(control_, SIGTERM, SIGINT, SIGHUP) {}

    /// Serves --listen (when given), then runs schedulers until a stop signal.
    ExitCode run() {
        if (!args_.listen.empty()) {
            auto server = start_status_server();
            if (!server) return report_error(server.error());
            server_ = std::move(*server);
            core::log::info("cron: status on http://{}:{}/", endpoint_host_, server_->port());
        }
        wait_for_signal();
        const auto keep = boost::asio::make_work_guard(control_);
        std::jthread control([this] { control_.run(); });
        while (run_one_scheduler()) core::log::info("cron: schedule changed: restarted");
        control_.stop();
        control.join();
        server_.reset();
        core::log::info("cron: stopped");
        return ExitCode::Ok;
    }

private:
    core::Result<std::unique_ptr<cron::HttpStatusServer>> start_status_server() {
        auto endpoint = cron::parse_listen_address(args_.listen);
        if (!endpoint) return std::unexpected(endpoint.error());
        endpoint_host_ = endpoint->address().to_string();
        cron::HttpStatusOptions options;
        options.endpoint = *endpoint;
        cron::StatusHandlers handlers;
        handlers.healthy = [this] {
            std::lock_guard lock(mutex_);
            return !stopping_;
        };
        handlers.metrics = [this] { return metrics_text(); };
        handlers.status = [this] { return status_json(); };
        return cron::HttpStatusServer::start(control_, options, std::move(handlers));
    }

    /// Returns true when the scheduler ended for a reload with a changed schedule.
    bool run_one_scheduler() {
        auto current = plan();
        auto scheduler = std::make_unique<cron::Scheduler>(cron::SchedulerOptions{.workers = current->specs.size()});
        for (const auto& spec : current->specs) {
            auto added = scheduler->add_job(spec, [this](const std::string& job, core::CancellationToken& cancel) {
                return run_job(job, cancel);
            });
            if (!added) core::log::error("cron: {}", added.error().message);
        }
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return false;
            scheduler_ = scheduler.get();
        }
        scheduler->run();
        std::lock_guard lock(mutex_);
        finished_states_ = scheduler->snapshot();
        scheduler_ = nullptr;
        return !stopping_;
    }

    core::Status run_job(const std::string& job, core::CancellationToken& cancel) {
        const auto current = plan();
        const sync::ScheduleEntry* entry = nullptr;
        for (const auto& e : current->plan.schedule)
            if (e.name == job) entry = &e;
        if (!entry) return core::fail(core::ErrorKind::Config, "schedule " + job + " is no longer in the plan");
        sync::RunOptions options;
        options.jobs = args_.jobs;
        options.expand.only = entry->jobs;
        options.state_file = !current->plan.defaults.state_file.empty() ? current->plan.defaults.state_file
                                                                         : sync::default_state_file(args_.plan_file);
        options.cancel = &cancel;
        options.on_done = [&job](const sync::TaskOutcome& o) {
            if (o.action == sync::Action::Failed) core::log::error("{}: {}", job, sync::describe_outcome(o));
            else core::log::info("{}: {}", job, sync::describe_outcome(o));
        };
        store::StoreContext stores;
        // Fresh clients for every run: credentials (helpers, auth files) are looked up again,
        // tokens, a host found down or a spent rate limit do not outlive the run.
        stores.clients = std::make_shared<registry::ClientPool>(sync::client_options_for(current->plan, base_));
        const auto result = sync::run_sync(current->plan, stores, options);
        const auto s = sync::summarize(result);
        switch (sync_metrics_.record(job, result, cancel.cancelled(), std::chrono::system_clock::now())) {
            case RunOutcome::Succeeded: return {};
            case RunOutcome::Cancelled: return core::fail(core::ErrorKind::Cancelled, "cancelled");
            case RunOutcome::Failed: break;
        }
        auto kind = core::ErrorKind::Conflict;
        for (const auto& o : result.outcomes)
            if (o.error) kind = o.error->kind;
        return core::fail(kind, std::to_string(s.failed) + " of " + std::to_string(s.images) +
                                                       " images failed, " + std::to_string(s.conflicts) + " conflicts");
    }

    void wait_for_signal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) reload();
            else stop(signal);
            wait_for_signal();
        });
    }

    void stop(int signal) {
        core::log::info("cron: received signal {}: starting nothing new, cancelling running jobs", signal);
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (scheduler_) scheduler_->request_stop(cron::StopMode::CancelRunning);
    }

    void reload() {
        auto fresh = load(args_.plan_file);
        if (!fresh) {
            core::log::error("cron: SIGHUP: keeping the current plan: {}", fresh.error().message);
            return;
        }
        std::lock_guard lock(mutex_);
        const bool restart = !same_schedule(loaded_->specs, (*fresh)->specs);
        loaded_ = std::move(*fresh);
        core::log::info("cron: SIGHUP: plan {} reloaded", args_.plan_file);
        if (restart && scheduler_) scheduler_->request_stop(cron::StopMode::LetRunningFinish);
    }

    std::shared_ptr<const LoadedPlan> plan() const {
        std::lock_guard lock(mutex_);
        return loaded_;
    }

    std::vector<cron::JobState> job_states() const {
        std::lock_guard lock(mutex_);
        return scheduler_ ? scheduler_->snapshot() : finished_states_;
    }

    std::string metrics_text() const {
        cron::PrometheusText text;
        cron::append_job_metrics(text, job_states());
        sync_metrics_.append_to(text);
        auto rendered = text.render();
        return rendered ? *rendered : "# " + rendered.error().message + "\n";
    }

    std::string status_json() const {
        auto doc = nlohmann::json::parse(cron::job_states_json(job_states()));
        doc["plan"] = args_.plan_file;
        doc["sync"] = sync_metrics_.to_json();
        return doc.dump(2) + "\n";
    }

    CronArgs args_;
    registry::ClientOptions base_;
    boost::asio::io_context control_;  ///< signals and the status server
    mutable std::mutex mutex_;
    std::shared_ptr<const LoadedPlan> loaded_;  ///< guarded by mutex_
    cron::Scheduler* scheduler_ = nullptr;      ///< guarded by mutex_
    std::vector<cron::JobState> finished_states_;  ///< the last scheduler's, between restarts
    bool stopping_ = false;                     ///< guarded by mutex_
    boost::asio::signal_set signals_;
    std::unique_ptr<cron::HttpStatusServer> server_;
    std::string endpoint_host_;
    SyncMetrics sync_metrics_;
};

ExitCode run_cron(Runtime& rt, const CronArgs& args) {
    auto loaded = load(args.plan_file);
    if (!loaded) return report_error(loaded.error());
    CronService service(args, rt.client_options(), std::move(*loaded));
    return service.run();
}

}  // namespace

void add_cron_verb(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<CronArgs>();
    auto* verb = app.add_subcommand("cron", "run the plan's schedule entries until SIGTERM (SIGHUP reloads the plan)");
    verb->add_option("-c,--config", args->plan_file, "the plan file (YAML)")->required();
    verb->add_option("--listen", args->listen, "serve /healthz, /metrics and /status on ADDR:PORT");
    verb->add_option("-j,--jobs", args->jobs, "parallel transfers (overrides the plan)")->check(CLI::Range(1, 64));
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_cron(rt, *args); }; });
}

}  // namespace ferry::cli
