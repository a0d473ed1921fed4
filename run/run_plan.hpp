#pragma once
/// The library's one entry point for running a plan, used by `ferry sync`, `ferry plan` and
/// the cron daemon alike:
///
///   sync entries (sync::run_sync: expand → decide → artifacts → copy)
///     → `manifests:` (push_plan_manifests; only after a whole run, see below)
///     → metrics (into a SyncMetrics accumulator and/or a textfile)
///     → the JSON report file.
///
/// The manifests section runs when the run covers the whole plan — every sync entry (no
/// `only`, or an `only` naming them all), no shard — was not cancelled, and `manifests` is
/// set: a partial run leaves manifest lists to a whole one, since their images may not be
/// mirrored yet. Printing is the caller's.
#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>
#include <string>

#include "plan/plan.hpp"
#include "run/plan_run.hpp"
#include "run/run_metrics.hpp"
#include "store/open.hpp"
#include "sync/runner.hpp"

namespace ferry::run {

struct PlanRunOptions {
    sync::RunOptions sync;  ///< entries, shard, jobs, dry run, state file, cancel token, callbacks
    bool manifests = true;  ///< false: never run `manifests:` (`ferry plan`)
    /// Where the JSON report (sync::ReportWriter) goes, written while the run goes on into a
    /// temp file renamed into place at the end; empty = nowhere.
    std::filesystem::path report_file;
    /// Where the run's metrics go in the textfile format (job label `metrics_job`); empty = nowhere.
    std::filesystem::path metrics_file;
    std::string metrics_job = "sync";
    /// An accumulator that records the run under `metrics_job` (the daemon's); null = none.
    SyncMetrics* metrics = nullptr;
    /// Already matched work (a webhook's images) instead of the plan's expansion: these tasks
    /// run (sync::run_expansion; `sync.expand` is not used) and `manifests:` does not (the
    /// run is not the whole plan).
    std::optional<std::vector<sync::ImageTask>> tasks;
    /// With `tasks`: an image whose source was not found (no source digest learnt) is tried
    /// again after each of these delays in turn, until it is found; a wait ends early when
    /// the run is cancelled. The metrics and report count each image once, as it ended.
    std::vector<std::chrono::milliseconds> not_found_retries;
};

/// Runs `plan` as described above. Image and manifest failures are in the PlanRun (see
/// outcome_of); the error result is for a report or metrics file that cannot be written (Io),
/// after the run itself has finished.
core::Result<PlanRun> run_plan(const plan::Plan& plan, const store::StoreContext& stores,
                               const PlanRunOptions& options);

/// True when `expand` selects every sync entry of `plan` and the whole of it (no shard).
bool covers_whole_plan(const plan::Plan& plan, const sync::ExpandOptions& expand);

}  // namespace ferry::run
