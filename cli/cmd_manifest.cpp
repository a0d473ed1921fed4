// ferry manifest create TARGET SRC... | ferry manifest inspect REF | ferry manifest push -c PLAN
// (annotate and rm: cmd_manifest_edit.cpp)
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/plan_file.hpp"
#include "cli/runtime.hpp"
#include "core/cancel.hpp"
#include "core/defaults.hpp"
#include "core/redact.hpp"
#include "core/units.hpp"
#include "multiarch/assemble.hpp"
#include "multiarch/context_opener.hpp"
#include "plan/plan.hpp"
#include "run/plan_manifests.hpp"
#include "sync/host_options.hpp"

namespace ferry::cli {
namespace {

struct CreateArgs {
    std::string target;
    std::vector<std::string> sources;
    std::string format;  ///< "" = default (oci, or the existing index's format with --append)
    std::vector<std::string> annotations;
    std::vector<std::string> platform_for;
    bool append = false, ignore_missing = false, dry_run = false;
    int jobs = core::kDefaultJobs;
    std::string output = "text";
};

struct InspectArgs {
    std::string reference;
    std::string output = "text";
};

struct PushArgs {
    std::string plan_file;
    bool dry_run = false;
    int jobs = core::kDefaultJobs;
    std::string output = "text";
};

std::string platform_text(const manifest::Descriptor& d) {
    if (!d.platform) return "-";
    std::string text = d.platform->str();
    if (!d.platform->os_version.empty()) text += " (" + d.platform->os_version + ")";
    return text;
}

std::string annotations_text(const std::map<std::string, std::string>& annotations) {
    if (annotations.empty()) return "-";
    std::vector<std::string> pairs;
    for (const auto& [k, v] : annotations) pairs.push_back(k + "=" + v);
    return fmt::format("{}", fmt::join(pairs, ", "));
}

nlohmann::json entry_json(const manifest::Descriptor& d) {
    nlohmann::json j = {{"platform", d.platform ? nlohmann::json(d.platform->str()) : nlohmann::json(nullptr)},
                        {"digest", d.digest.str()}, {"size", d.size}, {"mediaType", d.media_type}};
    if (d.platform && !d.platform->os_version.empty()) j["osVersion"] = d.platform->os_version;
    if (d.platform && !d.platform->os_features.empty()) j["osFeatures"] = d.platform->os_features;
    j["annotations"] = d.annotations;
    return j;
}

nlohmann::json result_json(const multiarch::AssembleResult& r) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : r.entries) {
        auto j = entry_json(e.descriptor);
        j["source"] = e.source;
        entries.push_back(std::move(j));
    }
    const auto& s = r.stats;
    return {{"target", r.target}, {"digest", r.index.digest.str()}, {"mediaType", r.index.media_type},
            {"size", r.index.raw.size()}, {"unchanged", r.unchanged}, {"dryRun", r.dry_run},
            {"previousDigest", r.previous ? nlohmann::json(r.previous->str()) : nlohmann::json(nullptr)},
            {"manifests", entries}, {"warnings", r.warnings},
            {"stats", copy::to_json(s)}};
}

void print_result_text(const multiarch::AssembleResult& r) {
    if (r.unchanged) {
        std::cout << fmt::format("{} already at {}: nothing written\n", r.target, r.index.digest.str());
        return;
    }
    std::cout << fmt::format("{} {} {} ({}, {} entries)\n", r.dry_run ? "would push" : "pushed", r.target,
                             r.index.digest.str(), r.index.media_type, r.entries.size());
    for (const auto& e : r.entries)
        std::cout << fmt::format("  {:<16} {}  {}\n", platform_text(e.descriptor), e.descriptor.digest.str(),
                                 e.source);
    const auto& s = r.stats;
    std::cout << fmt::format("  blobs: {} copied ({}), {} mounted ({}), {} skipped; manifests: {} {}\n",
                             s.blobs_copied, core::format_bytes(s.bytes_copied), s.blobs_mounted,
                             core::format_bytes(s.bytes_mounted), s.blobs_skipped, s.manifests_pushed,
                             r.dry_run ? "to push" : "pushed");
}

core::Result<std::map<std::string, std::string>> parse_annotations(const std::vector<std::string>& items) {
    std::map<std::string, std::string> out;
    for (const auto& item : items) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            return core::fail(core::ErrorKind::InvalidInput,
                              fmt::format("--annotation \"{}\": expected KEY=VALUE", item));
        out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return out;
}

core::Result<std::vector<multiarch::SourceSpec>> source_specs(const CreateArgs& a) {
    std::vector<multiarch::SourceSpec> out;
    for (const auto& s : a.sources) out.push_back({s, std::nullopt});
    for (const auto& text : a.platform_for) {
        auto parsed = multiarch::parse_platform_override(text);
        if (!parsed) return std::unexpected(parsed.error());
        auto it = std::ranges::find(out, parsed->first, &multiarch::SourceSpec::location);
        if (it == out.end())
            return core::fail(core::ErrorKind::InvalidInput,
                              fmt::format("--platform-for {}: {} is not one of the sources", text, parsed->first));
        it->platform = parsed->second;
    }
    return out;
}

core::Result<multiarch::AssembleSpec> create_spec(const CreateArgs& a) {
    multiarch::AssembleSpec spec;
    spec.target = a.target;
    if (!a.format.empty())
        spec.format = a.format == "docker" ? manifest::IndexFormat::Docker : manifest::IndexFormat::Oci;
    auto annotations = parse_annotations(a.annotations);
    if (!annotations) return std::unexpected(annotations.error());
    spec.annotations = std::move(*annotations);
    auto sources = source_specs(a);
    if (!sources) return std::unexpected(sources.error());
    spec.sources = std::move(*sources);
    spec.append = a.append;
    spec.ignore_missing = a.ignore_missing;
    spec.dry_run = a.dry_run;
    spec.jobs = a.jobs;
    spec.cancel = &core::process_cancellation();
    return spec;
}

ExitCode run_create(Runtime& rt, const CreateArgs& a) {
    auto spec = create_spec(a);
    if (!spec) return report_error(spec.error());
    const store::StoreContext stores{rt.pool(), {.archive_access = store::ArchiveAccess::Read}};
    multiarch::ContextOpener opener(stores);
    auto result = multiarch::assemble_index(*spec, opener);
    if (!result) return report_error(result.error());
    if (a.output == "json") std::cout << result_json(*result).dump(2) << "\n";
    else print_result_text(*result);
    return ExitCode::Ok;
}

void print_inspect_text(const std::string& reference, const manifest::ParsedManifest& m,
                        const std::vector<manifest::Descriptor>& entries) {
    std::cout << fmt::format("Reference:  {}\nDigest:     {}\nMedia type: {}\nSize:       {}\n", reference,
                             m.digest.str(), m.media_type, m.raw.size());
    if (m.is_index() && !m.index().annotations.empty())
        std::cout << fmt::format("Annotations: {}\n", annotations_text(m.index().annotations));
    std::cout << fmt::format("{:<16} {:<71} {:>8}  {:<50} {}\n", "PLATFORM", "DIGEST", "SIZE", "MEDIA TYPE",
                             "ANNOTATIONS");
    for (const auto& d : entries)
        std::cout << fmt::format("{:<16} {:<71} {:>8}  {:<50} {}\n", platform_text(d), d.digest.str(), d.size,
                                 d.media_type, annotations_text(d.annotations));
}

ExitCode run_inspect(Runtime& rt, const InspectArgs& a) {
    auto opened = rt.open(a.reference);
    if (!opened) return report_error(opened.error());
    auto& s = *opened->store;
    auto m = s.get_manifest(opened->ref);
    if (!m) return report_error(m.error().with_context("inspecting " + s.describe()));
    auto entries = multiarch::list_platform_entries(s, *m);
    if (!entries) return report_error(entries.error().with_context("inspecting " + s.describe()));
    if (a.output != "json") {
        print_inspect_text(a.reference, *m, *entries);
        return ExitCode::Ok;
    }
    nlohmann::json j = {{"reference", a.reference}, {"digest", m->digest.str()}, {"mediaType", m->media_type},
                        {"size", m->raw.size()}, {"isIndex", m->is_index()},
                        {"annotations", m->is_index() ? m->index().annotations : std::map<std::string, std::string>{}},
                        {"manifests", nlohmann::json::array()}};
    for (const auto& d : *entries) j["manifests"].push_back(entry_json(d));
    std::cout << j.dump(2) << "\n";
    return ExitCode::Ok;
}

ExitCode run_push(Runtime& rt, const PushArgs& a) {
    auto plan = load_plan_arg(a.plan_file);
    if (!plan) return report_error(plan.error());
    if (plan->manifests.empty()) {
        std::cerr << "ferry: " << a.plan_file << " has no manifests: section\n";
        return ExitCode::Usage;
    }
    rt.set_client_options(sync::client_options_for(*plan, rt.client_options()));
    store::StoreContext stores;
    stores.clients = rt.pool();
    auto pushes = run::push_plan_manifests(*plan, stores, {a.dry_run, a.jobs, &core::process_cancellation()});
    return print_manifest_pushes(pushes, a.output);
}

}  // namespace

ExitCode print_manifest_pushes(const std::vector<run::ManifestPush>& pushes, const std::string& output) {
    ExitCode code = ExitCode::Ok;
    nlohmann::json results = nlohmann::json::array();
    for (const auto& push : pushes) {
        if (!push.result) {
            auto failed = report_error(push.result.error());
            if (code == ExitCode::Ok) code = failed;
            results.push_back({{"target", push.target}, {"error", push.result.error().message}});
            continue;
        }
        if (output == "json") results.push_back(result_json(*push.result));
        else if (output == "text") print_result_text(*push.result);
    }
    if (output == "json") std::cout << results.dump(2) << "\n";
    return code;
}

ExitCode manifest_plan(const std::vector<run::ManifestPush>& pushes, const std::string& output, nlohmann::json& json) {
    const bool text = output != "json";
    json = nlohmann::json::array();
    if (pushes.empty()) return ExitCode::Ok;
    ExitCode code = ExitCode::Ok;
    if (text) std::cout << "manifests:\n";
    for (const auto& push : pushes) {
        if (!push.result) {
            const auto& e = push.result.error();
            const bool pending = e.kind == core::ErrorKind::NotFound;  // a source the sync entries would bring first
            const std::string state = pending ? "pending" : "failed";
            if (!pending && code == ExitCode::Ok) code = exit_code_for(e);
            if (!text) {
                json.push_back({{"target", push.target}, {"state", state}, {"error", core::redact(e.message)}});
                continue;
            }
            const std::string why = core::redact(e.message);
            std::cout << fmt::format("  {:<9} {}  {}\n", state, push.target,
                                     pending ? "(assembled after the sync: " + why + ")" : why);
            continue;
        }
        const auto& r = *push.result;
        const std::string state = r.unchanged ? "unchanged" : r.previous ? "changed" : "new";
        if (!text) {
            auto j = result_json(r);
            j["state"] = state;
            json.push_back(std::move(j));
            continue;
        }
        std::string line = fmt::format("  {:<9} {}  {}", state, r.target, r.index.digest.str());
        if (state == "changed") line += " (was " + r.previous->str() + ")";
        std::cout << line << "\n";
        for (const auto& e : r.entries)
            std::cout << fmt::format("    {:<16} {}  {}\n", e.descriptor.is_attestation() ? "attestation" : platform_text(e.descriptor),
                                     e.descriptor.digest.short_str(), e.source);
    }
    return code;
}

namespace {

void add_create(CLI::App& group, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<CreateArgs>();
    auto* verb = group.add_subcommand("create", "build a manifest list from per-platform images and push it");
    verb->add_option("target", args->target, "where the list goes: docker://HOST/REPO:TAG, oci:DIR:TAG")->required();
    verb->add_option("sources", args->sources, "images (or indexes, whose entries are taken over)")->required();
    verb->add_option("--format", args->format, "oci (default; with --append: the existing list's) or docker")
        ->check(CLI::IsMember({"oci", "docker"}));
    add_repeatable(*verb, "--annotation", args->annotations, "KEY=VALUE on the index (OCI only; repeatable)");
    add_repeatable(*verb, "--platform-for", args->platform_for, "SRC=os/arch[/variant]: don't read SRC's config");
    verb->add_flag("--append", args->append, "add to the list at TARGET, replacing entries of the same platform");
    verb->add_flag("--ignore-missing", args->ignore_missing, "leave out sources that do not exist (warning)");
    verb->add_flag("--dry-run", args->dry_run, "decide and report; write nothing");
    verb->add_option("-j,--jobs", args->jobs, "parallel blob transfers")->check(CLI::Range(1, core::kMaxJobs))->capture_default_str();
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_create(rt, *args); }; });
}

void add_inspect(CLI::App& group, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<InspectArgs>();
    auto* verb = group.add_subcommand("inspect", "list the platforms of a manifest list");
    verb->add_option("reference", args->reference, "docker://HOST/REPO:TAG|@DIGEST, oci:DIR[:REF]")->required();
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_inspect(rt, *args); }; });
}

void add_push(CLI::App& group, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<PushArgs>();
    auto* verb = group.add_subcommand("push", "assemble and push the plan's manifests: entries");
    verb->add_option("-c,--config", args->plan_file, "plan file (YAML)")->required();
    verb->add_flag("--dry-run", args->dry_run, "decide and report; write nothing");
    verb->add_option("-j,--jobs", args->jobs, "parallel blob transfers")->check(CLI::Range(1, core::kMaxJobs))->capture_default_str();
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_push(rt, *args); }; });
}

}  // namespace

void add_manifest_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto* group = app.add_subcommand("manifest", "manifest lists: create, inspect, annotate, rm, push -c PLAN");
    group->require_subcommand(1);
    add_create(*group, rt, body);
    add_inspect(*group, rt, body);
    add_push(*group, rt, body);
    add_manifest_edit_verbs(*group, rt, body);
}

}  // namespace ferry::cli
