#include "run/run_metrics.hpp"

#include "core/file_io.hpp"
#include "sync/report.hpp"

namespace ferry::run {
namespace {

using cron::MetricType;

double unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

/// Images a stop signal interrupted are not failed (Summary counts them apart).
void add_images(SyncJobTotals& t, const sync::Summary& s, const std::vector<sync::PruneOutcome>& pruned) {
    t.images_synced += s.created + s.changed;
    t.images_unchanged += s.unchanged;
    t.images_conflict += s.conflicts;
    t.images_rejected += s.rejected;
    t.images_failed += s.failed;
    for (const auto& p : pruned)
        if (p.action == sync::PruneAction::Pruned) ++t.images_pruned;
}

void append_job(cron::PrometheusText& out, const std::string& job, const SyncJobTotals& t) {
    const auto runs = [&](std::string_view outcome, std::uint64_t n) {
        out.add("ferry_sync_runs_total", MetricType::Counter, "Sync runs by outcome",
                {{"job", job}, {"outcome", std::string(outcome)}}, static_cast<double>(n));
    };
    runs("succeeded", t.runs_succeeded);
    runs("failed", t.runs_failed);
    runs("cancelled", t.runs_cancelled);
    if (t.last_success)
        out.add("ferry_sync_last_success_timestamp_seconds", MetricType::Gauge,
                "Unix time the last successful sync run ended", {{"job", job}}, unix_seconds(*t.last_success));
    const auto bytes = [&](std::string_view kind, std::uint64_t n) {
        out.add("ferry_sync_bytes_total", MetricType::Counter,
                "Blob bytes copied over the wire, mounted across repositories, or skipped as present",
                {{"job", job}, {"kind", std::string(kind)}}, static_cast<double>(n));
    };
    bytes("copied", t.bytes_copied);
    bytes("mounted", t.bytes_mounted);
    bytes("skipped", t.bytes_skipped);
    const auto images = [&](std::string_view result, std::uint64_t n) {
        out.add("ferry_sync_images_total", MetricType::Counter, "Images by result",
                {{"job", job}, {"result", std::string(result)}}, static_cast<double>(n));
    };
    images("synced", t.images_synced);
    images("unchanged", t.images_unchanged);
    images("conflict", t.images_conflict);
    images("rejected", t.images_rejected);
    images("failed", t.images_failed);
    images("pruned", t.images_pruned);
    out.add("ferry_sync_last_run_duration_seconds", MetricType::Gauge, "Duration of the last sync run",
            {{"job", job}}, t.last_run_seconds);
    out.add("ferry_sync_run_duration_seconds_total", MetricType::Counter, "Time spent in sync runs",
            {{"job", job}}, t.run_seconds_total);
}

}  // namespace

std::string_view runs_label(Outcome outcome) {
    switch (outcome) {
        case Outcome::Succeeded:
        case Outcome::Rejected: return "succeeded";
        case Outcome::Cancelled: return "cancelled";
        case Outcome::Failed:
        case Outcome::AuthFailed:
        case Outcome::NotFound:
        case Outcome::Conflict: return "failed";
    }
    return "failed";
}

void SyncMetrics::record(const std::string& job, const PlanRun& run, std::chrono::system_clock::time_point finished) {
    const std::string_view outcome = runs_label(outcome_of(run));
    const auto summary = sync::summarize(run.sync);
    const auto& stats = summary.stats;
    const double seconds = std::chrono::duration<double>(run.duration).count();
    std::lock_guard lock(mutex_);
    SyncJobTotals& t = jobs_[job];
    ++(outcome == "succeeded" ? t.runs_succeeded : outcome == "failed" ? t.runs_failed : t.runs_cancelled);
    if (outcome == "succeeded") t.last_success = finished;
    t.bytes_copied += stats.bytes_copied;
    t.bytes_mounted += stats.bytes_mounted;
    t.bytes_skipped += stats.bytes_skipped;
    add_images(t, summary, run.sync.pruned);
    t.last_run_seconds = seconds;
    t.run_seconds_total += seconds;
}

void SyncMetrics::append_to(cron::PrometheusText& out) const {
    std::lock_guard lock(mutex_);
    for (const auto& [job, totals] : jobs_) append_job(out, job, totals);
}

nlohmann::json SyncMetrics::to_json() const {
    std::lock_guard lock(mutex_);
    auto all = nlohmann::json::object();
    for (const auto& [job, t] : jobs_) {
        all[job] = {
            {"runs", {{"succeeded", t.runs_succeeded}, {"failed", t.runs_failed}, {"cancelled", t.runs_cancelled}}},
            {"last_success_unix", t.last_success ? nlohmann::json(unix_seconds(*t.last_success)) : nlohmann::json()},
            {"bytes", {{"copied", t.bytes_copied}, {"mounted", t.bytes_mounted}, {"skipped", t.bytes_skipped}}},
            {"images", {{"synced", t.images_synced}, {"unchanged", t.images_unchanged},
                        {"conflict", t.images_conflict}, {"rejected", t.images_rejected}, {"failed", t.images_failed},
                        {"pruned", t.images_pruned}}},
            {"last_run_seconds", t.last_run_seconds},
            {"run_seconds_total", t.run_seconds_total},
        };
    }
    return all;
}

core::Status write_run_metrics_file(const std::filesystem::path& path, const std::string& job, const PlanRun& run) {
    SyncMetrics metrics;
    metrics.record(job, run, std::chrono::system_clock::now());
    cron::PrometheusText text;
    metrics.append_to(text);
    auto rendered = text.render();
    if (!rendered) return std::unexpected(rendered.error());
    if (auto st = core::fileio::write_file_atomic(path, *rendered); !st)
        return std::unexpected(st.error());
    return {};
}

}  // namespace ferry::run
