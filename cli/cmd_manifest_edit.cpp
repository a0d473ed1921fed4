// ferry manifest annotate TARGET ENTRY [--os OS] [--arch ARCH] [--variant V] [--os-version V]
//                         [--os-features F]... [--annotation K=V]... [--dry-run] [-o json]
// ferry manifest rm TARGET PLATFORM... [--dry-run] [-o json]
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/runtime.hpp"
#include "multiarch/context_opener.hpp"
#include "multiarch/edit.hpp"

namespace ferry::cli {
namespace {

struct AnnotateArgs {
    std::string target, entry;
    std::string os, arch, variant, os_version;
    std::vector<std::string> os_features, annotations;
    bool dry_run = false;
    std::string output = "text";
};

struct RemoveArgs {
    std::string target;
    std::vector<std::string> platforms;
    bool dry_run = false;
    std::string output = "text";
};

ExitCode print_edit(const core::Result<multiarch::EditResult>& r, const std::string& output) {
    if (!r) return report_error(r.error());
    if (output == "json") {
        nlohmann::json entries = nlohmann::json::array();
        for (const auto& d : r->index.index().manifests) entries.push_back(d.to_json());
        std::cout << nlohmann::json{{"target", r->target}, {"previousDigest", r->previous.str()},
                                    {"digest", r->index.digest.str()}, {"unchanged", r->unchanged},
                                    {"dryRun", r->dry_run}, {"manifests", entries}}
                         .dump(2)
                  << "\n";
        return ExitCode::Ok;
    }
    if (r->unchanged) {
        std::cout << fmt::format("{} already at {}: nothing written\n", r->target, r->index.digest.str());
        return ExitCode::Ok;
    }
    std::cout << fmt::format("{} {} {} (was {})\n", r->dry_run ? "would push" : "pushed", r->target,
                             r->index.digest.str(), r->previous.str());
    for (const auto& d : r->index.index().manifests)
        std::cout << fmt::format("  {:<22} {}\n", d.is_attestation() ? "attestation" : d.platform ? d.platform->str() : "-",
                                 d.digest.str());
    return ExitCode::Ok;
}

core::Result<multiarch::EntryChanges> changes_of(const AnnotateArgs& a) {
    multiarch::EntryChanges c;
    const auto set = [](std::optional<std::string>& field, const std::string& value) {
        if (!value.empty()) field = value;
    };
    set(c.os, a.os);
    set(c.architecture, a.arch);
    set(c.variant, a.variant);
    set(c.os_version, a.os_version);
    if (!a.os_features.empty()) c.os_features = a.os_features;
    for (const auto& item : a.annotations) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            return core::fail(core::ErrorKind::InvalidInput, fmt::format("--annotation \"{}\": expected KEY=VALUE", item));
        c.annotations[item.substr(0, eq)] = item.substr(eq + 1);
    }
    if (!c.os && !c.architecture && !c.variant && !c.os_version && !c.os_features && c.annotations.empty())
        return core::fail(core::ErrorKind::Config,
                          "nothing to change: give --os, --arch, --variant, --os-version, --os-features or --annotation");
    return c;
}

ExitCode run_annotate(Runtime& rt, const AnnotateArgs& a) {
    auto changes = changes_of(a);
    if (!changes) return report_error(changes.error());
    const store::StoreContext stores{rt.pool(), {}};
    multiarch::ContextOpener opener(stores);
    const auto edit = [&](const manifest::Index& index) { return multiarch::edit_entry(index, a.entry, *changes); };
    return print_edit(multiarch::edit_index(a.target, opener, edit, a.dry_run), a.output);
}

ExitCode run_remove(Runtime& rt, const RemoveArgs& a) {
    std::vector<manifest::Platform> platforms;
    for (const auto& text : a.platforms) {
        auto p = manifest::Platform::parse(text);
        if (!p) return report_error(p.error());
        platforms.push_back(*p);
    }
    const store::StoreContext stores{rt.pool(), {}};
    multiarch::ContextOpener opener(stores);
    const auto edit = [&](const manifest::Index& index) { return multiarch::drop_platforms(index, platforms); };
    return print_edit(multiarch::edit_index(a.target, opener, edit, a.dry_run), a.output);
}

}  // namespace

void add_manifest_edit_verbs(CLI::App& group, Runtime& rt, VerbBody& body) {
    auto an = std::make_shared<AnnotateArgs>();
    auto* annotate = group.add_subcommand("annotate", "set the platform or annotations of one entry of a manifest list "
                                                      "(as docker manifest annotate) and push it again");
    annotate->add_option("target", an->target, "the list: docker://HOST/REPO:TAG, oci:DIR:TAG")->required();
    annotate->add_option("entry", an->entry, "which entry: its digest (sha256:…, 12+ hex digits) or its platform")
        ->required();
    annotate->add_option("--os", an->os, "the entry's os");
    annotate->add_option("--arch", an->arch, "the entry's architecture (its variant is cleared unless --variant)");
    annotate->add_option("--variant", an->variant, "the entry's variant (v8, v7, …)");
    annotate->add_option("--os-version", an->os_version, "the entry's os.version (Windows builds)");
    add_repeatable(*annotate, "--os-features", an->os_features, "the entry's os.features (repeatable)");
    add_repeatable(*annotate, "--annotation", an->annotations, "KEY=VALUE on the entry (OCI only; repeatable)");
    annotate->add_flag("--dry-run", an->dry_run, "show the result; write nothing");
    add_output_flag(*annotate, an->output);
    annotate->callback([&rt, &body, an] { body = [&rt, an] { return run_annotate(rt, *an); }; });

    auto rm = std::make_shared<RemoveArgs>();
    auto* remove = group.add_subcommand("rm", "drop platforms (and their attestations) from a manifest list and push it again");
    remove->add_option("target", rm->target, "the list: docker://HOST/REPO:TAG, oci:DIR:TAG")->required();
    remove->add_option("platforms", rm->platforms, "os/arch[/variant] to drop (linux/arm drops every arm variant)")
        ->required();
    remove->add_flag("--dry-run", rm->dry_run, "show the result; write nothing");
    add_output_flag(*remove, rm->output);
    remove->callback([&rt, &body, rm] { body = [&rt, rm] { return run_remove(rt, *rm); }; });
}

}  // namespace ferry::cli
