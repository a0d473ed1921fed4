#pragma once
/// A plan as the cron daemon holds it: validated, with its `schedule:` entries turned into
/// scheduler jobs and the registry client options configured from its `registries:` section.
/// Immutable once loaded; a SIGHUP reload builds a new one.
#include <memory>
#include <string>
#include <vector>

#include "cron/scheduler.hpp"
#include "plan/plan.hpp"
#include "registry/client.hpp"

namespace ferry::daemon {

struct CronPlan {
    plan::Plan plan;
    std::vector<cron::JobSpec> specs;  ///< one per schedule entry, in plan order
    /// Every run builds a fresh client pool from these (credentials looked up again, tokens,
    /// hosts found down and spent rate limits forgotten between runs).
    registry::ClientOptions client_options;
};

/// Loads `file` for `ferry cron`. `base` holds the client options from the command line.
/// Errors: those of plan::load_plan; Config when the plan has neither schedule entries nor
/// webhooks, or a cron
/// expression does not parse ("FILE: schedule NAME: cron \"EXPR\": why").
core::Result<std::shared_ptr<const CronPlan>> load_cron_plan(const std::string& file,
                                                            const registry::ClientOptions& base);

/// True when both lists schedule the same jobs the same way (names, expressions, zones,
/// jitter, run_at_start), so a reload need not restart the scheduler.
bool same_schedule(const std::vector<cron::JobSpec>& a, const std::vector<cron::JobSpec>& b);

}  // namespace ferry::daemon
