#include "daemon/run_history.hpp"

#include "core/units.hpp"
#include "cron/job_report.hpp"
#include "sync/report.hpp"

namespace ferry::daemon {
namespace {

/// Errors of failed images, at most `limit` of them (a run where everything fails would
/// otherwise fill the page).
nlohmann::json image_errors(const sync::RunResult& result, std::size_t limit) {
    auto out = nlohmann::json::array();
    for (const auto& o : result.outcomes) {
        if (!o.error || out.size() >= limit) continue;
        if (o.action != sync::Action::Failed && o.action != sync::Action::Rejected && o.action != sync::Action::Conflict)
            continue;
        if (o.error->kind == core::ErrorKind::Cancelled) continue;
        out.push_back({{"image", o.task.source.str() + " -> " + o.task.target.str()}, {"error", o.error->message}});
    }
    for (const auto& p : result.pruned)
        if (p.action == sync::PruneAction::Failed && out.size() < limit)
            out.push_back({{"image", "prune " + p.target.str()}, {"error", p.message}});
    return out;
}

template <class T>
void push_bounded(std::deque<T>& list, T item, std::size_t max) {
    list.push_front(std::move(item));
    while (list.size() > max) list.pop_back();
}

}  // namespace

void RunHistory::record_run(const std::string& job, std::string_view trigger,
                            std::chrono::system_clock::time_point started, const run::PlanRun& plan_run) {
    const sync::RunResult& result = plan_run.sync;
    const auto s = sync::summarize(result);
    nlohmann::json run = {
        {"job", job},
        {"trigger", trigger},
        {"started", core::format_rfc3339(started)},
        {"outcome", run::to_string(run::outcome_of(plan_run))},
        {"seconds", std::chrono::duration<double>(plan_run.duration).count()},
        {"images",
         {{"new", s.created}, {"changed", s.changed}, {"unchanged", s.unchanged}, {"failed", s.failed},
          {"rejected", s.rejected}, {"conflicts", s.conflicts}, {"pruned", s.pruned}}},
        {"bytes", {{"copied", s.stats.bytes_copied}, {"mounted", s.stats.bytes_mounted}}},
        {"errors", image_errors(result, 20)},
    };
    std::lock_guard lock(mutex_);
    push_bounded(runs_, std::move(run), max_runs_);
}

void RunHistory::record_event(WebhookEventRecord event) {
    nlohmann::json e = {
        {"time", core::format_rfc3339(event.time)}, {"format", event.format}, {"event", event.event},
        {"result", event.result}, {"triggered", event.triggered}, {"notes", event.notes},
    };
    std::lock_guard lock(mutex_);
    ++received_;
    push_bounded(events_, std::move(e), max_events_);
}

void RunHistory::count_refused() {
    std::lock_guard lock(mutex_);
    ++refused_;
}

nlohmann::json RunHistory::runs_json() const {
    std::lock_guard lock(mutex_);
    return nlohmann::json(runs_);
}

nlohmann::json RunHistory::webhooks_json() const {
    std::lock_guard lock(mutex_);
    return {{"received", received_}, {"refused", refused_}, {"events", nlohmann::json(events_)}};
}

}  // namespace ferry::daemon
