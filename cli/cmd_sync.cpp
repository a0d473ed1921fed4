// ferry plan -c PLAN [--output text|json]    (the diff; writes nothing)
// ferry sync -c PLAN [--dry-run] [--jobs N] [--only NAME]... [--report FILE] [--shard I/N] [--fail-fast]
//            [--metrics-file FILE]
#include <fstream>
#include <optional>
#include <iostream>

#include "cli/progress.hpp"
#include "cli/runtime.hpp"
#include "cli/sync_metrics.hpp"
#include "core/cancel.hpp"
#include "core/log.hpp"
#include "sync/host_options.hpp"
#include "sync/report.hpp"
#include "sync/runner.hpp"

namespace ferry::cli {
namespace {

struct SyncArgs {
    std::string plan_file;
    bool dry_run = false;
    bool fail_fast = false;
    int jobs = 0;
    std::vector<std::string> only;
    std::string report_file;
    std::string metrics_file;
    std::string shard;
    std::string state_file;
    std::string output = "text";
};

/// Where outcomes go while the run goes on — the --report file (a temp file, renamed once
/// complete) and stdout (the JSON report, or the plan text) — so none is held until the end.
class RunOutputs {
public:
    RunOutputs(const SyncArgs& a, bool plan_only, bool dry_run) : report_path_(a.report_file) {
        if (a.output == "json") stdout_report_.emplace(std::cout, dry_run);
        else if (plan_only) plan_text_.emplace(std::cout);
        if (!report_path_.empty()) {
            file_.open(report_path_ + ".tmp", std::ios::trunc);
            file_report_.emplace(file_, dry_run);
        }
    }

    void add(const sync::TaskOutcome& o) {
        if (file_report_) file_report_->add(o);
        if (stdout_report_) stdout_report_->add(o);
        if (plan_text_) plan_text_->add(o);
    }

    /// Completes every output; the report file is renamed into place only when written whole.
    core::Status finish(const sync::RunResult& result, const std::string& plan_file, bool dry_run) {
        if (stdout_report_) stdout_report_->finish(result, plan_file);
        else if (plan_text_) plan_text_->finish(result);
        else sync::print_summary_text(std::cout, result, dry_run);
        if (!file_report_) return {};
        const std::string tmp = report_path_ + ".tmp";
        file_report_->finish(result, plan_file);
        file_.close();
        if (!file_) return core::fail(core::ErrorKind::Io, "cannot write " + tmp);
        if (std::rename(tmp.c_str(), report_path_.c_str()) != 0)
            return core::fail(core::ErrorKind::Io, "cannot rename " + tmp + " to " + report_path_);
        return {};
    }

private:
    std::string report_path_;
    std::ofstream file_;
    std::optional<sync::ReportWriter> file_report_, stdout_report_;
    std::optional<sync::PlanTextWriter> plan_text_;
};

ExitCode exit_code_of(const sync::RunResult& result) {
    auto s = sync::summarize(result);
    bool cancelled = core::process_cancellation().cancelled();
    if (s.failed > 0 && !cancelled) return ExitCode::Failed;
    if (s.rejected > 0) return ExitCode::Rejected;
    if (s.conflicts > 0) return ExitCode::Conflict;
    if (cancelled) return ExitCode::Interrupted;
    return ExitCode::Ok;
}

core::Result<sync::RunOptions> run_options(const SyncArgs& a, const sync::Plan& plan, bool dry_run) {
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
                                                       : sync::default_state_file(a.plan_file);
    o.cancel = &core::process_cancellation();
    return o;
}

ExitCode run(Runtime& rt, const SyncArgs& a, bool plan_only) {
    auto plan = sync::load_plan(a.plan_file);
    if (!plan) return report_error(plan.error());
    const bool dry_run = plan_only || a.dry_run;
    auto options = run_options(a, *plan, dry_run);
    if (!options) return report_error(options.error());
    auto keys = sync::load_verify_keys(*plan);
    if (!keys) return report_error(keys.error());
    options->keys = &*keys;
    std::unique_ptr<ProgressLine> progress;
    if (!plan_only && a.output != "json" && ProgressLine::wanted()) {
        progress = std::make_unique<ProgressLine>();
        options->on_expanded = [&progress](std::size_t images) { progress->set_total(images); };
        options->on_done = [&progress](const sync::TaskOutcome& o) {
            const bool keep = o.action == sync::Action::Failed || o.action == sync::Action::Rejected;
            progress->image_done(o, keep ? sync::describe_outcome(o) : "");
        };
    } else if (!plan_only) {
        options->on_done = [](const sync::TaskOutcome& o) {
            if (o.action == sync::Action::Failed) core::log::error("{}", sync::describe_outcome(o));
            else if (o.action == sync::Action::Rejected) core::log::warn("{}", sync::describe_outcome(o));
            else core::log::info("{}", sync::describe_outcome(o));
        };
    }
    rt.set_client_options(sync::client_options_for(*plan, rt.client_options()));
    store::StoreContext stores;
    stores.clients = rt.pool();
    RunOutputs outputs(a, plan_only, dry_run);
    options->keep_outcomes = false;
    options->on_outcome = [&outputs](const sync::TaskOutcome& o) { outputs.add(o); };
    auto result = sync::run_sync(*plan, stores, *options);
    progress.reset();
    if (auto st = outputs.finish(result, a.plan_file, dry_run); !st) return report_error(st.error());
    if (!a.metrics_file.empty())
        if (auto st = write_run_metrics_file(a.metrics_file, "sync", result, core::process_cancellation().cancelled()); !st)
            return report_error(st.error());
    ExitCode code = exit_code_of(result);
    // The plan's manifest lists come after its sync entries, so images mirrored above can be
    // assembled; a partial run (--only, --shard) leaves them to a full run.
    if (!plan_only && a.only.empty() && a.shard.empty() && !plan->manifests.empty() &&
        !core::process_cancellation().cancelled()) {
        ManifestPushOptions mo{dry_run, a.jobs > 0 ? a.jobs : plan->defaults.jobs, a.output == "json" ? "" : "text"};
        if (push_plan_manifests(rt, *plan, mo) != ExitCode::Ok && code == ExitCode::Ok) code = ExitCode::Failed;
    }
    return code;
}

void add_common(CLI::App& verb, SyncArgs& a) {
    verb.add_option("-c,--config", a.plan_file, "the plan file (YAML)")->required();
    verb.add_option("--only", a.only, "run only this sync entry (repeatable)");
    verb.add_option("--shard", a.shard, "I/N: do only this worker's part of the plan");
    verb.add_option("-j,--jobs", a.jobs, "parallel transfers (overrides the plan)")->check(CLI::Range(1, 64));
    verb.add_option("--state", a.state_file, "state file for platform-subset digests");
    verb.add_option("--report", a.report_file, "write the JSON report here");
    add_output_flag(verb, a.output);
}

}  // namespace

void add_sync_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto plan_args = std::make_shared<SyncArgs>();
    auto* p = app.add_subcommand("plan", "show what sync would do (new/changed/unchanged/conflict/filtered), writing nothing");
    add_common(*p, *plan_args);
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
