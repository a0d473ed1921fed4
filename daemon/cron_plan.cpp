#include "daemon/cron_plan.hpp"

#include "cron/cron_expr.hpp"
#include "sync/host_options.hpp"

namespace ferry::daemon {

bool same_schedule(const std::vector<cron::JobSpec>& a, const std::vector<cron::JobSpec>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].schedule.text() != b[i].schedule.text() || a[i].zone != b[i].zone ||
            a[i].jitter != b[i].jitter || a[i].run_at_start != b[i].run_at_start)
            return false;
    }
    return true;
}

core::Result<std::shared_ptr<const CronPlan>> load_cron_plan(const std::string& file,
                                                            const registry::ClientOptions& base) {
    auto plan = plan::load_plan(file);
    if (!plan) return std::unexpected(plan.error());
    if (plan->schedule.empty() && !plan->webhooks)
        return core::fail(core::ErrorKind::Config,
                          file + ": no schedule entries and no webhooks: nothing for ferry cron to run");
    if (plan->webhooks && !plan->webhooks->token_problem.empty())
        return core::fail(core::ErrorKind::Config, plan->webhooks->token_problem);
    auto loaded = std::make_shared<CronPlan>();
    for (const auto& entry : plan->schedule) {
        auto expr = cron::CronExpr::parse(entry.cron);
        if (!expr)  // load_plan already checked every cron expression, with its position
            return core::fail(core::ErrorKind::Internal, file + ": schedule " + entry.name + ": " + expr.error().message);
        loaded->specs.push_back(cron::JobSpec{
            .name = entry.name,
            .schedule = std::move(*expr),
            .zone = entry.timezone == plan::ScheduleTimezone::Local ? cron::TimeZone::Local : cron::TimeZone::Utc,
            .jitter = entry.jitter,
            .run_at_start = entry.run_at_start,
        });
    }
    loaded->client_options = sync::client_options_for(*plan, base);
    loaded->plan = std::move(*plan);
    return std::shared_ptr<const CronPlan>(std::move(loaded));
}

}  // namespace ferry::daemon
