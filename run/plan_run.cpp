#include "run/plan_run.hpp"

#include <algorithm>

#include "run/auth_failures.hpp"
#include "sync/report.hpp"

namespace ferry::run {

std::size_t failed_manifests(const PlanRun& run) {
    return static_cast<std::size_t>(
        std::ranges::count_if(run.manifests, [](const ManifestPush& m) { return !m.result.has_value(); }));
}

Outcome outcome_of(const PlanRun& run) {
    const auto s = sync::summarize(run.sync);
    if (s.failed > 0 && !run.cancelled) {
        if (only_auth_failures(run.sync)) return Outcome::AuthFailed;
        if (only_not_found_failures(run.sync)) return Outcome::NotFound;
        return Outcome::Failed;
    }
    if (s.rejected > 0) return Outcome::Rejected;
    if (s.conflicts > 0) return Outcome::Conflict;
    if (run.cancelled) return Outcome::Cancelled;
    if (failed_manifests(run) > 0) return Outcome::Failed;
    return Outcome::Succeeded;
}

std::string_view to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::Succeeded: return "succeeded";
        case Outcome::Failed:
        case Outcome::AuthFailed:
        case Outcome::NotFound: return "failed";
        case Outcome::Rejected: return "rejected";
        case Outcome::Conflict: return "conflict";
        case Outcome::Cancelled: return "cancelled";
    }
    return "failed";
}

}  // namespace ferry::run
