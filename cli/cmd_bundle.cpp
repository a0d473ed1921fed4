// ferry export -c PLAN BUNDLE(DIR|FILE.tar) [--since PREVIOUS] [--force] [--jobs N]
// ferry import BUNDLE [--to REGISTRY[/PREFIX]] [-c PLAN] [--jobs N]
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/defaults.hpp"
#include "bundle/export.hpp"
#include "bundle/import.hpp"
#include "cli/progress.hpp"
#include "cli/plan_file.hpp"
#include "cli/runtime.hpp"
#include "sync/host_options.hpp"

namespace ferry::cli {
namespace {

struct ExportArgs {
    std::string plan_file;
    std::string bundle;
    std::string since;
    bool force = false;
    int jobs = 0;
    std::string output = "text";
};

struct ImportArgs {
    std::string bundle;
    std::string to;
    std::string plan_file;
    int jobs = core::kDefaultJobs;
};

ExitCode run_export(Runtime& rt, const ExportArgs& a) {
    std::error_code ec;
    if (!a.force && std::filesystem::exists(a.bundle, ec))
        return report_error(core::make_error(core::ErrorKind::Config,
                                             "export: " + a.bundle + " exists (it may be the base of a later delta); "
                                             "give --force to overwrite it, or another path"));
    auto plan = load_plan_arg(a.plan_file);
    if (!plan) return report_error(plan.error());
    rt.set_client_options(sync::client_options_for(*plan, rt.client_options()));
    store::StoreContext stores;
    stores.clients = rt.pool();
    bundle::ExportOptions o;
    o.output = a.bundle;
    if (!a.since.empty()) o.since = a.since;
    o.jobs = a.jobs;
    auto progress = blob_progress("export", rt.options.quiet || a.output == "json", o.progress);
    auto done = bundle::export_bundle(*plan, stores, o);
    progress.reset();
    if (!done) return report_error(done.error());
    const auto& m = done->manifest;
    if (a.output == "json") {
        std::cout << nlohmann::json{{"bundle", a.bundle}, {"id", m.id}, {"images", m.images.size()}, {"blobs", m.blob_count},
                                    {"bytes", m.total_bytes}, {"delta", m.delta}, {"blobsOmitted", done->blobs_omitted}}
                         .dump(2)
                  << "\n";
        return ExitCode::Ok;
    }
    if (rt.options.quiet) return ExitCode::Ok;
    std::cout << "exported " << m.images.size() << (m.images.size() == 1 ? " image" : " images") << " to " << a.bundle << ": " << m.blob_count << " blobs, "
              << m.total_bytes << " bytes" << (m.delta ? " (delta: " + std::to_string(done->blobs_omitted) + " blobs left out)" : "")
              << "\n";
    return ExitCode::Ok;
}

ExitCode run_import(Runtime& rt, const ImportArgs& a) {
    if (!a.plan_file.empty()) {
        auto plan = load_plan_arg(a.plan_file);
        if (!plan) return report_error(plan.error());
        rt.set_client_options(sync::client_options_for(*plan, rt.client_options()));
    }
    store::StoreContext stores;
    stores.clients = rt.pool();
    bundle::ImportOptions o;
    o.bundle = a.bundle;
    if (!a.to.empty()) o.to = a.to;
    o.jobs = a.jobs;
    auto progress = blob_progress("import", rt.options.quiet, o.progress);
    auto done = bundle::import_bundle(stores, o);
    progress.reset();
    if (!done) return report_error(done.error());
    if (rt.options.quiet) return ExitCode::Ok;
    for (const auto& img : done->images)
        std::cout << (img.unchanged ? "unchanged " : "imported  ") << img.target << " " << img.digest.str() << " (" << img.blobs_copied
                  << " blobs copied, " << img.blobs_mounted << " mounted, " << img.blobs_skipped << " present)\n";
    std::cout << "verified " << done->files_verified << " files (" << done->bytes_verified << " bytes); imported "
              << done->images.size() << (done->images.size() == 1 ? " image\n" : " images\n");
    return ExitCode::Ok;
}

}  // namespace

void add_bundle_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto ea = std::make_shared<ExportArgs>();
    auto* e = app.add_subcommand("export", "write every image of the plan into one OCI layout (directory or .tar) for an air gap");
    e->add_option("-c,--config", ea->plan_file, "the plan file (YAML)")->required();
    e->add_option("bundle", ea->bundle, "where the bundle goes: a directory, or FILE.tar")->required();
    e->add_flag("--force", ea->force, "overwrite an existing bundle");
    add_output_flag(*e, ea->output);
    e->add_option("--since", ea->since, "an earlier bundle (dir, tar or its ferry-bundle.json): leave out the blobs it carried");
    e->add_option("-j,--jobs", ea->jobs, "parallel blob transfers")->check(CLI::Range(1, core::kMaxJobs));
    e->callback([&rt, &body, ea] { body = [&rt, ea] { return run_export(rt, *ea); }; });

    auto ia = std::make_shared<ImportArgs>();
    auto* i = app.add_subcommand("import", "verify a bundle, then push its images to their targets");
    i->add_option("bundle", ia->bundle, "bundle directory or .tar")->required();
    i->add_option("--to", ia->to, "REGISTRY[/PREFIX]: push to PREFIX/<source repository> instead of the recorded targets");
    i->add_option("-c,--config", ia->plan_file, "plan file for registry settings (TLS, credentials)");
    i->add_option("-j,--jobs", ia->jobs, "parallel blob transfers")->check(CLI::Range(1, core::kMaxJobs));
    i->callback([&rt, &body, ia] { body = [&rt, ia] { return run_import(rt, *ia); }; });

    add_bundle_ls_verb(app, body);
}

}  // namespace ferry::cli
