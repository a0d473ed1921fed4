#include "daemon/cron_service.hpp"

#include <csignal>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "core/log.hpp"
#include "cron/job_report.hpp"
#include "run/run_plan.hpp"
#include "sync/report.hpp"

namespace ferry::daemon {
namespace {

void log_manifests(const std::string& job, const run::PlanRun& run) {
    for (const auto& m : run.manifests) {
        if (!m.result) core::log::error("{}: manifest list {}: {}", job, m.target, m.result.error().message);
        else core::log::info("{}: manifest list {} {}", job, m.target, m.result->index.digest.str());
    }
}

}  // namespace

core::Status job_status(const run::PlanRun& run) {
    switch (run::outcome_of(run)) {
        case run::Outcome::Succeeded:
        case run::Outcome::Rejected: return {};
        case run::Outcome::Cancelled: return core::fail(core::ErrorKind::Cancelled, "cancelled");
        case run::Outcome::Failed:
        case run::Outcome::Conflict: break;
    }
    const auto s = sync::summarize(run.sync);
    auto kind = core::ErrorKind::Conflict;
    for (const auto& o : run.sync.outcomes)
        if (o.error) kind = o.error->kind;
    std::string message = std::to_string(s.failed) + " of " + std::to_string(s.images) + " images failed, " +
                          std::to_string(s.conflicts) + " conflicts";
    if (const auto manifests = run::failed_manifests(run); manifests > 0) {
        if (s.failed == 0 && s.conflicts == 0)
            for (const auto& m : run.manifests)
                if (!m.result) kind = m.result.error().kind;
        message += ", " + std::to_string(manifests) + " manifest lists failed";
    }
    return core::fail(kind, message);
}

CronService::CronService(DaemonOptions options, registry::ClientOptions base, std::shared_ptr<const CronPlan> plan)
    : options_(std::move(options)), base_(std::move(base)), loaded_(std::move(plan)),
      signals_(control_, SIGTERM, SIGINT, SIGHUP) {}

core::Status CronService::run() {
    if (!options_.listen.empty()) {
        auto server = start_status_server();
        if (!server) return std::unexpected(server.error());
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
    return {};
}

core::Result<std::unique_ptr<cron::HttpStatusServer>> CronService::start_status_server() {
    auto endpoint = cron::parse_listen_address(options_.listen);
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
bool CronService::run_one_scheduler() {
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

core::Status CronService::run_job(const std::string& job, core::CancellationToken& cancel) {
    const auto current = plan();
    const plan::ScheduleEntry* entry = nullptr;
    for (const auto& e : current->plan.schedule)
        if (e.name == job) entry = &e;
    if (!entry) return core::fail(core::ErrorKind::Config, "schedule " + job + " is no longer in the plan");
    run::PlanRunOptions options;
    options.sync.jobs = options_.jobs;
    options.sync.expand.only = entry->jobs;
    options.sync.state_file = !current->plan.defaults.state_file.empty() ? current->plan.defaults.state_file
                                                                         : sync::default_state_file(options_.plan_file);
    options.sync.cancel = &cancel;
    options.sync.on_done = [&job](const sync::TaskOutcome& o) {
        if (o.action == sync::Action::Failed) core::log::error("{}: {}", job, sync::describe_outcome(o));
        else core::log::info("{}: {}", job, sync::describe_outcome(o));
    };
    options.metrics = &sync_metrics_;
    options.metrics_job = job;
    store::StoreContext stores;
    stores.clients = current->clients;
    const auto run = run::run_plan(current->plan, stores, options);
    if (!run) return std::unexpected(run.error());
    log_manifests(job, *run);
    return job_status(*run);
}

void CronService::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) reload();
        else stop(signal);
        wait_for_signal();
    });
}

void CronService::stop(int signal) {
    core::log::info("cron: received signal {}: starting nothing new, cancelling running jobs", signal);
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (scheduler_) scheduler_->request_stop(cron::StopMode::CancelRunning);
}

void CronService::reload() {
    auto fresh = load_cron_plan(options_.plan_file, base_);
    if (!fresh) {
        core::log::error("cron: SIGHUP: keeping the current plan: {}", fresh.error().message);
        return;
    }
    std::lock_guard lock(mutex_);
    const bool restart = !same_schedule(loaded_->specs, (*fresh)->specs);
    loaded_ = std::move(*fresh);
    core::log::info("cron: SIGHUP: plan {} reloaded", options_.plan_file);
    if (restart && scheduler_) scheduler_->request_stop(cron::StopMode::LetRunningFinish);
}

std::shared_ptr<const CronPlan> CronService::plan() const {
    std::lock_guard lock(mutex_);
    return loaded_;
}

std::vector<cron::JobState> CronService::job_states() const {
    std::lock_guard lock(mutex_);
    return scheduler_ ? scheduler_->snapshot() : finished_states_;
}

std::string CronService::metrics_text() const {
    cron::PrometheusText text;
    cron::append_job_metrics(text, job_states());
    sync_metrics_.append_to(text);
    auto rendered = text.render();
    return rendered ? *rendered : "# " + rendered.error().message + "\n";
}

std::string CronService::status_json() const {
    auto doc = nlohmann::json::parse(cron::job_states_json(job_states()));
    doc["plan"] = options_.plan_file;
    doc["sync"] = sync_metrics_.to_json();
    return doc.dump(2) + "\n";
}

}  // namespace ferry::daemon
