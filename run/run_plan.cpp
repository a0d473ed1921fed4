#include "run/run_plan.hpp"

#include <algorithm>

#include "core/file_io.hpp"
#include "sync/report.hpp"

namespace ferry::run {
namespace {

bool cancelled(const PlanRunOptions& options) { return options.sync.cancel && options.sync.cancel->cancelled(); }

core::Status write_outputs(const plan::Plan& plan, const PlanRun& run, const PlanRunOptions& options) {
    if (options.metrics) options.metrics->record(options.metrics_job, run, std::chrono::system_clock::now());
    if (!options.report_file.empty()) {
        const auto report = sync::report_json(run.sync, plan.file.string(), run.dry_run);
        if (auto st = core::fileio::write_file_atomic(options.report_file, report.dump(2) + "\n"); !st) return st;
    }
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
    run.sync = sync::run_sync(plan, stores, options.sync);
    if (options.manifests && !plan.manifests.empty() && covers_whole_plan(plan, options.sync.expand) &&
        !cancelled(options)) {
        const int jobs = options.sync.jobs > 0 ? options.sync.jobs : plan.defaults.jobs;
        run.manifests = push_plan_manifests(plan, stores, {run.dry_run, jobs, options.sync.cancel});
    }
    run.cancelled = cancelled(options);
    run.duration = std::chrono::steady_clock::now() - started;
    if (auto st = write_outputs(plan, run, options); !st) return std::unexpected(st.error());
    return run;
}

}  // namespace ferry::run
