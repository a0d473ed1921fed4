#include "daemon/cron_service.hpp"

#include <utility>

#include <fmt/format.h>

#include <ctime>

#include <csignal>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "core/units.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "cron/job_report.hpp"
#include "cron/process_metrics.hpp"
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

/// One line per finished run: "JOB: OUTCOME in S s: N image(s): a new, b changed, c unchanged,
/// d failed, e interrupted".
void log_run(const std::string& job, const run::PlanRun& run) {
    const auto& s = run.sync.summary;
    core::log::info("{}: {} in {:.2f} s: {} image(s): {} new, {} changed, {} unchanged, {} failed, {} interrupted", job,
                    run::to_string(run::outcome_of(run)), std::chrono::duration<double>(run.duration).count(), s.images,
                    s.created, s.changed, s.unchanged, s.failed, s.interrupted);
}

}  // namespace

core::Status job_status(const run::PlanRun& run) {
    switch (run::outcome_of(run)) {
        case run::Outcome::Succeeded:
        case run::Outcome::Rejected: return {};
        case run::Outcome::Cancelled: return core::fail(core::ErrorKind::Cancelled, "cancelled");
        case run::Outcome::Failed:
        case run::Outcome::AuthFailed:
        case run::Outcome::NotFound:
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
    pool_ = make_pool(*loaded_);
    // Until the first scheduler runs, /status and /metrics list the jobs, none run yet.
    for (const auto& spec : loaded_->specs)
        finished_states_.push_back(cron::JobState{.name = spec.name, .schedule = spec.schedule.text(), .zone = spec.zone});
}

std::shared_ptr<registry::ClientPool> CronService::make_pool(const CronPlan& plan) {
    registry::ClientOptions options = plan.client_options;
    options.cancel = &stop_;
    return std::make_shared<registry::ClientPool>(std::move(options));
}

std::shared_ptr<registry::ClientPool> CronService::clients() const {
    std::lock_guard lock(mutex_);
    return pool_;
}

core::Status CronService::run() {
    if (plan()->plan.webhooks && options_.listen.empty())
        return core::fail(core::ErrorKind::Config, options_.plan_file + ": webhooks need --listen ADDR:PORT to receive them");
    if (!options_.listen.empty()) start_webhooks();  // a reload may add webhooks to the plan
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
    options.max_connections = options_.max_connections;
    cron::StatusHandlers handlers;
    handlers.healthy = [this] {
        std::lock_guard lock(mutex_);
        return !stopping_;
    };
    handlers.metrics = [this] { return metrics_text(); };
    handlers.status = [this] { return status_json(); };
    handlers.page = [this] { return cron::render_status_page(status_document()); };
    if (webhooks_ && plan()->plan.webhooks) handlers.post = webhooks_->route(*plan()->plan.webhooks);
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
        // A reload while this scheduler was being built found none to restart: build again.
        if (loaded_ != current && !same_schedule(loaded_->specs, current->specs)) return true;
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
    stores.clients = clients();
    const auto run = run::run_plan(current->plan, stores, options);
    if (!run) return std::unexpected(run.error());
    history_.record_run(job, "schedule", started, *run);
    log_manifests(job, *run);
    log_run(job, *run);
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

void CronService::request_stop() {
    boost::asio::post(control_, [this] { stop(0); });
}

void CronService::request_reload() {
    boost::asio::post(control_, [this] { reload(); });
}

void CronService::stop(int signal) {
    core::log::info("cron: received signal {}: starting nothing new, cancelling running jobs", signal);
    stop_.cancel();
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
    if (fresh && (*fresh)->plan.webhooks && options_.listen.empty())
        fresh = core::fail(core::ErrorKind::Config, options_.plan_file + ": webhooks need --listen ADDR:PORT to receive them");
    if (!fresh) {
        core::log::error("cron: SIGHUP: keeping the current plan: {}", fresh.error().message);
        std::lock_guard lock(mutex_);
        ++reload_failures_;
        last_reload_ = std::chrono::system_clock::now();
        last_reload_error_ = fresh.error().message;
        return;
    }
    auto pool = make_pool(**fresh);  // the plan's registries may have changed
    if (server_ && webhooks_)
        server_->set_post_route((*fresh)->plan.webhooks ? std::optional(webhooks_->route(*(*fresh)->plan.webhooks))
                                                        : std::nullopt);
    std::lock_guard lock(mutex_);
    const bool restart = !same_schedule(loaded_->specs, (*fresh)->specs);
    loaded_ = std::move(*fresh);
    pool_ = std::move(pool);
    ++reloads_;
    last_reload_ = std::chrono::system_clock::now();
    last_reload_error_.clear();
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

nlohmann::json CronService::reload_json() const {
    std::lock_guard lock(mutex_);
    nlohmann::json doc = {{"reloads", reloads_}, {"failures", reload_failures_}};
    doc["last"] = last_reload_ ? nlohmann::json(core::format_rfc3339(*last_reload_)) : nlohmann::json();
    doc["error"] = last_reload_error_.empty() ? nlohmann::json() : nlohmann::json(last_reload_error_);
    return doc;
}

std::string CronService::metrics_text() const {
    cron::PrometheusText text;
    cron::append_job_metrics(text, job_states());
    sync_metrics_.append_to(text);
    {
        std::lock_guard lock(mutex_);
        text.add("ferry_cron_reloads_total", cron::MetricType::Counter, "SIGHUP reloads of the plan, by result.",
                 {{"result", "succeeded"}}, static_cast<double>(reloads_));
        text.add("ferry_cron_reloads_total", cron::MetricType::Counter, "SIGHUP reloads of the plan, by result.",
                 {{"result", "failed"}}, static_cast<double>(reload_failures_));
        text.add("ferry_cron_last_reload_failed", cron::MetricType::Gauge,
                 "1 when the last SIGHUP reload failed (the daemon kept the plan it had).", {},
                 last_reload_error_.empty() ? 0 : 1);
    }
    if (webhooks_) {
        const auto counts = webhooks_->counts();
        text.add("ferry_webhook_events_received_total", cron::MetricType::Counter,
                 "Push events accepted by the webhook.", {}, static_cast<double>(counts.received));
        text.add("ferry_webhook_events_coalesced_total", cron::MetricType::Counter,
                 "Matched images whose event was served by a run already waiting.", {},
                 static_cast<double>(counts.coalesced));
        text.add("ferry_webhook_runs_started_total", cron::MetricType::Counter, "Webhook-triggered syncs started.", {},
                 static_cast<double>(counts.runs_started));
    }
    text.add("ferry_redaction_secrets", cron::MetricType::Gauge, "Secret values the log redaction masks.", {},
             static_cast<double>(core::secret_count()));
    cron::append_process_metrics(text);
    auto rendered = text.render();
    return rendered ? *rendered : "# " + rendered.error().message + "\n";
}

nlohmann::json CronService::status_document() const {
    auto doc = nlohmann::json::parse(cron::job_states_json(job_states()));
    doc["plan"] = options_.plan_file;
    doc["generated"] = core::format_rfc3339(std::chrono::system_clock::now());
    doc["sync"] = sync_metrics_.to_json();
    doc["runs"] = history_.runs_json();
    doc["reload"] = reload_json();
    if (const auto& hooks = plan()->plan.webhooks) {
        doc["webhooks"] = history_.webhooks_json();
        doc["webhooks"]["path"] = hooks->path;
        if (webhooks_) {
            const auto counts = webhooks_->counts();
            doc["webhooks"]["accepted"] = counts.received;
            doc["webhooks"]["coalesced"] = counts.coalesced;
            doc["webhooks"]["runs_started"] = counts.runs_started;
        }
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
    options.registries = options_.registries;
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
    hooks.list_tags = [this](const std::string& host, const std::string& repo) -> core::Result<std::vector<std::string>> {
        if (options_.registries) return options_.registries->list_tags(host, repo);
        auto client = clients()->get(host);
        if (!client) return std::unexpected(client.error());
        return (*client)->list_tags(repo);
    };
    hooks.run = [this](std::vector<sync::ImageTask> tasks, core::CancellationToken& cancel) {
        run_webhook_tasks(std::move(tasks), cancel);
    };
    webhooks_ = std::make_unique<WebhookService>(std::move(hooks), history_);
}

/// A webhook-triggered sync: the images the events asked for, through run::run_plan with the
/// options, metrics and history of a scheduled run (job name "webhook").
/// A notification can arrive before its tag is readable: docker-registry/distribution's
/// manifest PUT handler stores the manifest (which fires the "push" event through its
/// notification listener) and only then writes the tag (registry/handlers/manifests.go,
/// PutManifest: manifests.Put, then tags.Tag). So an image whose source is not found yet is
/// tried again after 0.5, 1 and 2 s before it counts as failed.
void CronService::run_webhook_tasks(std::vector<sync::ImageTask> tasks, core::CancellationToken& cancel) {
    const auto current = plan();
    const auto started = std::chrono::system_clock::now();
    run::PlanRunOptions options;
    options.sync = run_options(*current, "webhook", cancel);
    options.tasks = std::move(tasks);
    options.not_found_retries = {std::chrono::milliseconds(500), std::chrono::milliseconds(1000),
                                 std::chrono::milliseconds(2000)};
    options.metrics = &sync_metrics_;
    options.metrics_job = "webhook";
    store::StoreContext stores;
    stores.clients = clients();
    const auto run = run::run_plan(current->plan, stores, options);
    if (!run) {
        core::log::error("webhook: {}", run.error().message);
        return;
    }
    history_.record_run("webhook", "webhook", started, *run);
    log_run("webhook", *run);
}

}  // namespace ferry::daemon
