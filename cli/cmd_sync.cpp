// ferry plan -c PLAN [--output text|json]    (the diff; writes nothing)
// ferry sync -c PLAN [--dry-run] [--jobs N] [--only NAME]... [--report FILE] [--shard I/N] [--fail-fast]
//            [--metrics-file FILE]
#include <optional>
#include <iostream>

#include "cli/progress.hpp"
#include "cli/auth_note.hpp"
#include "cli/plan_file.hpp"
#include "core/defaults.hpp"
#include "cli/runtime.hpp"
#include "core/cancel.hpp"
#include "core/log.hpp"
#include "run/auth_failures.hpp"
#include "run/run_plan.hpp"
#include "sync/host_options.hpp"
#include "sync/report.hpp"

namespace ferry::cli {
namespace {

struct SyncArgs {
    std::string plan_file;
    bool dry_run = false;
    bool fail_fast = false;
    bool verbose = false;  ///< plan: list every filtered tag
    int jobs = 0;
    std::vector<std::string> only;
    std::string report_file;
    std::string metrics_file;
    std::string shard;
    std::string state_file;
    std::string output = "text";
};

/// What ferry plan/sync print on stdout, written while the run goes on so that no outcome is
/// held until the end: the JSON report (--output json), the plan text (filtered tags listed
/// with `list_filtered`, else counted), or a sync's summary (none with --quiet).
class StdoutOutput {
public:
    StdoutOutput(const std::string& output, bool plan_only, bool dry_run, bool list_filtered, bool quiet)
        : dry_run_(dry_run), quiet_(quiet) {
        if (output == "json") report_.emplace(std::cout, dry_run);
        else if (plan_only) plan_text_.emplace(std::cout, list_filtered);
    }
    void add(const sync::TaskOutcome& o) {
        if (report_) report_->add(o);
        if (plan_text_) plan_text_->add(o);
    }
    void finish(const sync::RunResult& result, const std::string& plan_file, const nlohmann::json& extra = nullptr) {
        if (report_) report_->finish(result, plan_file, extra);
        else if (plan_text_) plan_text_->finish(result);
        else if (!quiet_) {
            sync::print_prune_text(std::cout, result);
            sync::print_summary_text(std::cout, result, dry_run_);
        }
    }

private:
    bool dry_run_;
    bool quiet_;
    std::optional<sync::ReportWriter> report_;
    std::optional<sync::PlanTextWriter> plan_text_;
};

core::Result<sync::RunOptions> sync_options(const SyncArgs& a, const plan::Plan& plan, bool dry_run) {
    sync::RunOptions o;
    o.dry_run = dry_run;
    o.fail_fast = a.fail_fast;
    o.jobs = a.jobs;
    o.expand.only = a.only;
    for (const auto& name : a.only)
        if (!plan.entry(name))
            return core::fail(core::ErrorKind::Config, "--only " + name + ": no sync entry of that name in " + a.plan_file);
    if (!a.shard.empty()) {
        auto shard = sync::Shard::parse(a.shard);
        if (!shard) return std::unexpected(shard.error());
        o.expand.shard = *shard;
    }
    o.state_file = !a.state_file.empty()            ? std::filesystem::path(a.state_file)
                   : !plan.defaults.state_file.empty() ? plan.defaults.state_file
                   : plan_from_stdin(a.plan_file)         ? sync::default_state_file("ferry-plan")  // in the working directory
                                                       : sync::default_state_file(a.plan_file);
    o.cancel = &core::process_cancellation();
    return o;
}

/// The options of the whole run (`ferry plan` runs `manifests:` as a dry run, to show it).
core::Result<run::PlanRunOptions> run_options(const SyncArgs& a, const plan::Plan& plan, bool plan_only) {
    auto sync = sync_options(a, plan, plan_only || a.dry_run);
    if (!sync) return std::unexpected(sync.error());
    run::PlanRunOptions o;
    o.sync = std::move(*sync);
    o.manifests = true;
    o.report_file = a.report_file;
    o.metrics_file = a.metrics_file;
    return o;
}

/// Progress on a terminal; otherwise one log line per image. Authentication failures are told
/// once per host.
void watch_progress(run::PlanRunOptions& options, std::unique_ptr<ProgressLine>& progress, bool plan_only,
                    const std::string& output, run::AuthFailureLog& auth) {
    if (plan_only) return;
    if (output != "json" && ProgressLine::wanted()) {
        progress = std::make_unique<ProgressLine>();
        options.sync.on_found = [&progress] { progress->found_one(); };
        options.sync.on_expanded = [&progress](std::size_t images) { progress->set_total(images); };
        options.sync.on_done = [&progress, &auth](const sync::TaskOutcome& o) {
            // Interrupted images are told in one line at the end (report_interrupted), not one each.
            const bool keep = (o.action == sync::Action::Failed && !sync::interrupted(o)) || o.action == sync::Action::Rejected;
            if (sync::auth_failed(o)) progress->image_done(o, auth.first_for_host(o).value_or(""));
            else progress->image_done(o, keep ? sync::describe_outcome(o) : "");
        };
        return;
    }
    options.sync.on_done = [&auth](const sync::TaskOutcome& o) {
        if (sync::auth_failed(o)) {
            if (auto line = auth.first_for_host(o)) core::log::error("{}", *line);
        } else if (o.action == sync::Action::Failed && !sync::interrupted(o)) core::log::error("{}", sync::describe_outcome(o));
        else if (o.action == sync::Action::Rejected) core::log::warn("{}", sync::describe_outcome(o));
        else if (sync::interrupted(o)) return;  // one line for all of them at the end (report_interrupted)
        else core::log::info("{}", sync::describe_outcome(o));
    };
}

ExitCode run(Runtime& rt, const SyncArgs& a, bool plan_only) {
    auto plan = load_plan_arg(a.plan_file);
    if (!plan) return report_error(plan.error());
    auto options = run_options(a, *plan, plan_only);
    if (!options) return report_error(options.error());
    auto keys = sync::load_verify_keys(*plan);
    if (!keys) return report_error(keys.error());
    options->sync.keys = &*keys;
    std::unique_ptr<ProgressLine> progress;
    rt.set_client_options(sync::client_options_for(*plan, rt.client_options()));
    for (const auto& [host, looked] : sync::missing_docker_config_credentials(*plan, rt.options.authfile))
        core::log::warn("{}: the plan asks for docker-config credentials, but {} holds none for it; its requests go "
                        "anonymous (run `ferry login {}`)", host, looked, host);
    run::AuthFailureLog auth([options = rt.client_options()](const std::string& host) { return credentials_note(options, host, "the plan's registries: entry"); });
    watch_progress(*options, progress, plan_only, a.output, auth);
    store::StoreContext stores;
    stores.clients = rt.pool();
    const bool dry_run = options->sync.dry_run;
    StdoutOutput output(a.output, plan_only, dry_run, a.verbose, rt.options.quiet);
    options->sync.keep_outcomes = false;
    options->sync.on_outcome = [&output](const sync::TaskOutcome& o) { output.add(o); };
    auto result = run::run_plan(*plan, stores, *options);
    progress.reset();
    if (!result) return report_error(result.error());
    ExitCode manifests = ExitCode::Ok;
    if (plan_only) {  // the plan's verdict on its manifests is manifest_plan's (a pending one is no failure)
        nlohmann::json extra = nlohmann::json::object();
        if (a.output == "json") manifests = manifest_plan(result->manifests, a.output, extra["manifests"]);
        output.finish(result->sync, a.plan_file, extra);  // the text: after the plan's summary
        if (a.output != "json") manifests = manifest_plan(result->manifests, a.output, extra["manifests"]);
        result->manifests.clear();
    } else {
        output.finish(result->sync, a.plan_file);
        print_manifest_pushes(result->manifests, a.output == "json" ? "" : "text");
    }
    for (const auto& line : auth.summary()) core::log::error("{}", line);
    if (const auto stopped = result->sync.summary.interrupted; stopped > 0)  // one line, not one per image
        core::log::warn("interrupted: {} {} not finished (nothing half-written; run it again to finish)", stopped,
                        stopped == 1 ? "image" : "images");
    const auto outcome = run::outcome_of(*result);
    if (outcome == run::Outcome::Succeeded && manifests != ExitCode::Ok) return manifests;
    return exit_code_for(outcome);
}

void add_common(CLI::App& verb, SyncArgs& a) {
    verb.add_option("-c,--config", a.plan_file, "the plan file (YAML); - reads it from standard input")->required();
    add_repeatable(verb, "--only", a.only, "run only this sync entry (repeatable)");
    verb.add_option("--shard", a.shard, "I/N: do only this worker's part of the plan");
    verb.add_option("-j,--jobs", a.jobs, "parallel transfers (overrides the plan)")->check(CLI::Range(1, core::kMaxJobs));
    verb.add_option("--state", a.state_file, "state file for platform-subset digests");
    verb.add_option("--report", a.report_file, "write the JSON report here");
    add_output_flag(verb, a.output);
}

}  // namespace

void add_sync_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto plan_args = std::make_shared<SyncArgs>();
    auto* p = app.add_subcommand("plan", "show what sync would do (new/changed/unchanged/conflict/filtered), writing nothing");
    add_common(*p, *plan_args);
    p->add_flag("-v,--verbose", plan_args->verbose, "list every filtered tag (default: a count per entry)");
    p->callback([&rt, &body, plan_args] { body = [&rt, plan_args] { return run(rt, *plan_args, true); }; });

    auto sync_args = std::make_shared<SyncArgs>();
    auto* s = app.add_subcommand("sync", "bring every target of the plan in step with its source");
    add_common(*s, *sync_args);
    s->add_flag("--dry-run", sync_args->dry_run, "decide and report, write nothing");
    s->add_flag("--fail-fast", sync_args->fail_fast, "stop at the first failed image");
    s->add_option("--metrics-file", sync_args->metrics_file, "write Prometheus metrics of the run here (textfile collector)");
    s->callback([&rt, &body, sync_args] { body = [&rt, sync_args] { return run(rt, *sync_args, false); }; });
}

}  // namespace ferry::cli
