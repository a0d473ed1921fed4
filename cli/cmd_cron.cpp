// ferry cron -c PLAN [--listen ADDR:PORT] [--jobs N] [--max-connections N]
// Runs the plan's `schedule:` entries until SIGTERM/SIGINT; SIGHUP reloads the plan (daemon/).
#include "cli/runtime.hpp"
#include "core/defaults.hpp"
#include "daemon/cron_service.hpp"

namespace ferry::cli {
namespace {

ExitCode run_cron(Runtime& rt, const daemon::DaemonOptions& options) {
    auto loaded = daemon::load_cron_plan(options.plan_file, rt.client_options());
    if (!loaded) return report_error(loaded.error());
    daemon::CronService service(options, rt.client_options(), std::move(*loaded));
    if (auto st = service.run(); !st) return report_error(st.error());
    return ExitCode::Ok;
}

}  // namespace

void add_cron_verb(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<daemon::DaemonOptions>();
    auto* verb = app.add_subcommand("cron", "run the plan's schedule entries until SIGTERM (SIGHUP reloads the plan)");
    verb->add_option("-c,--config", args->plan_file, "the plan file (YAML)")->required();
    verb->add_option("--listen", args->listen, "serve / (status page), /healthz, /metrics, /status and the plan's webhook path on ADDR:PORT");
    verb->add_option("-j,--jobs", args->jobs, "parallel transfers (overrides the plan)")->check(CLI::Range(1, core::kMaxJobs));
    verb->add_option("--max-connections", args->max_connections,
                     "connections the --listen server serves at once; more wait in the backlog")
        ->check(CLI::Range(std::size_t{1}, std::size_t{65536}))
        ->capture_default_str();
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_cron(rt, *args); }; });
}

}  // namespace ferry::cli
