#include "run/run_plan.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <thread>

#include "core/file_io.hpp"
#include "core/log.hpp"
#include "sync/report.hpp"

namespace ferry::run {
namespace {

bool cancelled(const PlanRunOptions& options) { return options.sync.cancel && options.sync.cancel->cancelled(); }

/// The JSON report file, written while the run goes on (one image per line) into a temp file
/// beside it that is published (fsync, rename) once complete, so its size never grows memory
/// and a failed run never leaves half a report.
class ReportFile {
public:
    explicit ReportFile(std::filesystem::path path) : path_(std::move(path)) {}

    core::Status open(bool dry_run) {
        auto dir = path_.parent_path();
        auto tmp = core::fileio::TempFile::create(dir.empty() ? "." : dir, "." + path_.filename().string());
        if (!tmp) return core::fail(core::ErrorKind::Io, "cannot write the report " + path_.string() + ": " + tmp.error().message);
        tmp_.emplace(std::move(*tmp));
        out_.open(tmp_->path(), std::ios::trunc);  // the same file: publish() fsyncs what this wrote
        if (!out_) return core::fail(core::ErrorKind::Io, "cannot write the report " + tmp_->path().string());
        writer_.emplace(out_, dry_run);
        return {};
    }
    void add(const sync::TaskOutcome& outcome) { writer_->add(outcome); }

    core::Status finish(const sync::RunResult& result, const std::string& plan_file) {
        writer_->finish(result, plan_file);
        out_.close();
        if (!out_) return core::fail(core::ErrorKind::Io, "cannot write the report " + tmp_->path().string());
        return tmp_->publish(path_);
    }

private:
    std::filesystem::path path_;
    std::optional<core::fileio::TempFile> tmp_;
    std::ofstream out_;
    std::optional<sync::ReportWriter> writer_;
};

core::Status write_metrics(const PlanRun& run, const PlanRunOptions& options) {
    if (options.metrics) options.metrics->record(options.metrics_job, run, std::chrono::system_clock::now());
    if (!options.metrics_file.empty())
        if (auto st = write_run_metrics_file(options.metrics_file, options.metrics_job, run); !st) return st;
    return {};
}

/// Whether an image failed because its source was not found (no source digest was learnt).
bool source_not_found(const sync::TaskOutcome& o) {
    return o.action == sync::Action::Failed && o.error && o.error->kind == core::ErrorKind::NotFound &&
           o.source_digest.empty();
}

/// Sleeps `delay` unless `cancel` (or the process token) trips first; false when it did.
bool pause(std::chrono::milliseconds delay, const core::CancellationToken* cancel) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
        if (core::stop_requested(cancel)) return false;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
    }
    return !core::stop_requested(cancel);
}

/// Runs `tasks`, then again those whose source was not found, after each delay in turn.
/// Outcomes are handed to `on_outcome` (the report) only once final, so they are kept here.
sync::RunResult run_matched(const plan::Plan& plan, const store::StoreContext& stores, std::vector<sync::ImageTask> tasks,
                            const PlanRunOptions& options, const sync::RunOptions& base) {
    sync::RunOptions attempt_options = base;
    attempt_options.keep_outcomes = true;
    attempt_options.on_outcome = nullptr;
    const auto attempt = [&](std::vector<sync::ImageTask> batch) {
        sync::Expansion expansion;
        expansion.tasks = std::move(batch);
        return sync::run_expansion(plan, stores, std::move(expansion), attempt_options);
    };
    sync::RunResult result = attempt(std::move(tasks));
    for (const auto delay : options.not_found_retries) {
        std::vector<sync::ImageTask> again;
        for (const auto& o : result.outcomes)
            if (source_not_found(o)) again.push_back(o.task);
        if (again.empty()) break;
        core::log::info("{}: {} image(s) not readable at the source yet; trying again in {} ms", options.metrics_job,
                        again.size(), delay.count());
        if (!pause(delay, base.cancel)) break;
        auto retried = attempt(std::move(again));
        std::size_t next = 0;
        result.summary = {};
        for (auto& o : result.outcomes) {
            if (source_not_found(o) && next < retried.outcomes.size()) o = std::move(retried.outcomes[next++]);
            result.summary.add(o);
        }
        result.summary.filtered = result.filtered.size();
        result.duration += retried.duration;
        result.hosts = std::move(retried.hosts);
        for (auto& w : retried.warnings)
            if (std::ranges::find(result.warnings, w) == result.warnings.end()) result.warnings.push_back(std::move(w));
    }
    if (base.on_outcome)
        for (const auto& o : result.outcomes) base.on_outcome(o);
    if (!base.keep_outcomes) result.outcomes.clear();
    return result;
}

}  // namespace

bool covers_whole_plan(const plan::Plan& plan, const sync::ExpandOptions& expand) {
    if (expand.shard.count > 1) return false;
    return expand.only.empty() || std::ranges::all_of(plan.sync, [&](const plan::SyncEntry& e) {
               return std::ranges::find(expand.only, e.name) != expand.only.end();
           });
}

core::Result<PlanRun> run_plan(const plan::Plan& plan, const store::StoreContext& stores,
                               const PlanRunOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    PlanRun run;
    run.dry_run = options.sync.dry_run;
    std::optional<ReportFile> report;
    sync::RunOptions sync_options = options.sync;
    if (!options.report_file.empty()) {
        if (auto st = report.emplace(options.report_file).open(run.dry_run); !st) return std::unexpected(st.error());
        sync_options.on_outcome = [&report, &options](const sync::TaskOutcome& o) {
            report->add(o);
            if (options.sync.on_outcome) options.sync.on_outcome(o);
        };
    }
    run.sync = options.tasks ? run_matched(plan, stores, *options.tasks, options, sync_options)
                             : sync::run_sync(plan, stores, sync_options);
    if (!options.tasks && options.manifests && !plan.manifests.empty() && covers_whole_plan(plan, options.sync.expand) &&
        !cancelled(options)) {
        const int jobs = sync::effective_jobs(options.sync.jobs, plan.defaults.jobs);
        run.manifests = push_plan_manifests(plan, stores, {run.dry_run, jobs, options.sync.cancel});
    }
    run.cancelled = cancelled(options);
    run.duration = std::chrono::steady_clock::now() - started;
    if (report)
        if (auto st = report->finish(run.sync, plan.file.string()); !st) return std::unexpected(st.error());
    if (auto st = write_metrics(run, options); !st) return std::unexpected(st.error());
    return run;
}

}  // namespace ferry::run
