#include "daemon/cron_service.hpp"

#include <utility>

#include <fmt/format.h>

#include <ctime>

#include <csignal>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "core/units.hpp"
#include "core/log.hpp"
#include "cron/job_report.hpp"
#include "cron/status_page.hpp"
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

/// Whether an image failed because its source was not found (no source digest was learnt).
bool source_not_found(const sync::TaskOutcome& o) {
    return o.action == sync::Action::Failed && o.error && o.error->kind == core::ErrorKind::NotFound &&
           o.source_digest.empty();
}

/// Sleeps `delay` unless `cancel` trips first; false when it did.
bool pause(std::chrono::milliseconds delay, const core::CancellationToken& cancel) {
    for (auto left = delay; left.count() > 0; left -= std::chrono::milliseconds(50)) {
        if (cancel.cancelled()) return false;
        std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
    }
    return !cancel.cancelled();
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
      signals_(control_, SIGTERM, SIGINT, SIGHUP) {
    // Until the first scheduler runs, /status and /metrics list the jobs, none run yet.
    for (const auto& spec : loaded_->specs)
        finished_states_.push_back(cron::JobState{.name = spec.name, .schedule = spec.schedule.text(), .zone = spec.zone});
}

core::Status CronService::run() {
    if (plan()->plan.webhooks) {
        if (options_.listen.empty())
            return core::fail(core::ErrorKind::Config, options_.plan_file + ": webhooks need --listen ADDR:PORT to receive them");
        start_webhooks();
    }
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
    if (webhooks_) webhooks_->stop();
    control_.stop();
    control.join();
    if (reloader_.joinable()) reloader_.join();  // no SIGHUP is handled any more
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
    handlers.page = [this] { return cron::render_status_page(status_document()); };
    if (webhooks_) handlers.post = webhooks_->route(*plan()->plan.webhooks);
    return cron::HttpStatusServer::start(control_, options, std::move(handlers));
}

/// "cron: job nightly: "0 2 * * *" (UTC), next run 2026-11-30T02:00:00Z, jitter up to 5m".
void CronService::log_job(const cron::JobSpec& spec) {
    const auto next = spec.schedule.next_after(std::chrono::system_clock::now(), spec.zone);
    std::string when = "never";
    if (next) {
        const std::time_t t = std::chrono::system_clock::to_time_t(*next);
        std::tm tm{};
        if (spec.zone == cron::TimeZone::Utc) gmtime_r(&t, &tm);
        else localtime_r(&t, &tm);
        char text[40];
        std::strftime(text, sizeof text, spec.zone == cron::TimeZone::Utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S%z", &tm);
        when = text;
    }
    core::log::info("cron: job {}: \"{}\" ({}), next run {}{}{}", spec.name, spec.schedule.text(),
                    spec.zone == cron::TimeZone::Utc ? "UTC" : "local time", when,
                    spec.jitter.count() > 0 ? fmt::format(", jitter up to {}s", std::chrono::duration_cast<std::chrono::seconds>(spec.jitter).count()) : "",
                    spec.run_at_start ? ", and once now (run_at_start)" : "");
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
        else log_job(spec);
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
    const auto started = std::chrono::system_clock::now();
    run::PlanRunOptions options;
    options.sync = run_options(*current, job, cancel);
    options.sync.expand.only = entry->jobs;
    options.metrics = &sync_metrics_;
    options.metrics_job = job;
    store::StoreContext stores;
    stores.clients = std::make_shared<registry::ClientPool>(current->client_options);  // fresh for every run
    const auto run = run::run_plan(current->plan, stores, options);
    if (!run) return std::unexpected(run.error());
    history_.record_run(job, "schedule", started, *run);
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
    std::lock_guard lock(reload_mutex_);
    if (reloading_) {
        reload_again_ = true;
        return;
    }
    reloading_ = true;
    if (reloader_.joinable()) reloader_.join();  // the previous one has finished its rounds
    reloader_ = std::jthread([this] { reload_rounds(); });
}

void CronService::reload_rounds() {
    for (;;) {
        load_and_apply();
        std::lock_guard lock(reload_mutex_);
        if (!std::exchange(reload_again_, false)) {
            reloading_ = false;
            return;
        }
    }
}

void CronService::load_and_apply() {
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

nlohmann::json CronService::status_document() const {
    auto doc = nlohmann::json::parse(cron::job_states_json(job_states()));
    doc["plan"] = options_.plan_file;
    doc["generated"] = core::format_rfc3339(std::chrono::system_clock::now());
    doc["sync"] = sync_metrics_.to_json();
    doc["runs"] = history_.runs_json();
    if (const auto& hooks = plan()->plan.webhooks) {
        doc["webhooks"] = history_.webhooks_json();
        doc["webhooks"]["path"] = hooks->path;
    }
    return doc;
}

std::string CronService::status_json() const { return status_document().dump(2) + "\n"; }

sync::RunOptions CronService::run_options(const CronPlan& current, const std::string& job,
                                          core::CancellationToken& cancel) {
    sync::RunOptions options;
    options.jobs = options_.jobs;
    options.state_file = !current.plan.defaults.state_file.empty() ? current.plan.defaults.state_file
                                                                    : sync::default_state_file(options_.plan_file);
    options.cancel = &cancel;
    options.image_locks = &image_locks_;
    options.on_done = [job](const sync::TaskOutcome& o) {
        if (sync::interrupted(o)) core::log::warn("{}: {}", job, sync::describe_outcome(o));
        else if (o.action == sync::Action::Failed) core::log::error("{}: {}", job, sync::describe_outcome(o));
        else core::log::info("{}: {}", job, sync::describe_outcome(o));
    };
    return options;
}

void CronService::start_webhooks() {
    WebhookService::Hooks hooks;
    hooks.plan = [this] {
        auto current = plan();
        return std::shared_ptr<const plan::Plan>(current, &current->plan);
    };
    hooks.clients = [this] { return std::make_shared<registry::ClientPool>(plan()->client_options); };
    hooks.run = [this](std::vector<sync::ImageTask> tasks, core::CancellationToken& cancel) {
        run_webhook_tasks(std::move(tasks), cancel);
    };
    webhooks_ = std::make_unique<WebhookService>(std::move(hooks), history_);
}

/// A webhook-triggered sync: the images the events asked for, with the options, metrics and
/// history of a scheduled run (job name "webhook").
/// A notification can arrive before its tag is readable: docker-registry/distribution's
/// manifest PUT handler stores the manifest (which fires the "push" event through its
/// notification listener) and only then writes the tag (registry/handlers/manifests.go,
/// PutManifest: manifests.Put, then tags.Tag). So an image whose source is not found yet is
/// tried again after 0.5, 1 and 2 s before it counts as failed.
void CronService::run_webhook_tasks(std::vector<sync::ImageTask> tasks, core::CancellationToken& cancel) {
    const auto current = plan();
    const auto started = std::chrono::system_clock::now();
    const auto options = run_options(*current, "webhook", cancel);
    const auto attempt = [&](std::vector<sync::ImageTask> batch) {
        store::StoreContext stores;
        stores.clients = std::make_shared<registry::ClientPool>(current->client_options);  // fresh for every run
        sync::Expansion expansion;
        expansion.tasks = std::move(batch);
        return sync::run_expansion(current->plan, stores, std::move(expansion), options);
    };
    run::PlanRun run;
    run.sync = attempt(std::move(tasks));
    for (const auto delay : {std::chrono::milliseconds(500), std::chrono::milliseconds(1000), std::chrono::milliseconds(2000)}) {
        std::vector<sync::ImageTask> again;
        for (const auto& o : run.sync.outcomes)
            if (source_not_found(o)) again.push_back(o.task);
        if (again.empty()) break;
        core::log::info("webhook: {} image(s) not readable at the source yet; trying again in {} ms", again.size(), delay.count());
        if (!pause(delay, cancel)) break;
        auto retried = attempt(std::move(again));
        std::size_t next = 0;
        run.sync.summary = {};
        for (auto& o : run.sync.outcomes) {
            if (source_not_found(o)) o = std::move(retried.outcomes[next++]);
            run.sync.summary.add(o);
        }
        run.sync.duration += retried.duration;
        run.sync.hosts = std::move(retried.hosts);
    }
    run.cancelled = cancel.cancelled();
    run.duration = std::chrono::system_clock::now() - started;
    sync_metrics_.record("webhook", run, std::chrono::system_clock::now());
    history_.record_run("webhook", "webhook", started, run);
    core::log::info("webhook: sync of {} image(s) {} in {:.2f} s", run.sync.outcomes.size(),
                    run::to_string(run::outcome_of(run)), std::chrono::duration<double>(run.duration).count());
}

}  // namespace ferry::daemon
