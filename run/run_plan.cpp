#include "run/run_plan.hpp"

#include <algorithm>
#include <fstream>
#include <optional>

#include "core/file_io.hpp"
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
    run.sync = sync::run_sync(plan, stores, sync_options);
    if (options.manifests && !plan.manifests.empty() && covers_whole_plan(plan, options.sync.expand) &&
        !cancelled(options)) {
        const int jobs = options.sync.jobs > 0 ? options.sync.jobs : plan.defaults.jobs;
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
