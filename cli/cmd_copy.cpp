// ferry copy SRC DST [--platform P]... [--keep-index] [--src-creds U[:P]] [--dest-creds U[:P]]
//            [--src-authfile F] [--dest-authfile F] [--src-tls-verify=false] [--dest-tls-verify=false]
//            [--all] [--preserve-digests] [--jobs N] [--output text|json]
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/access_flags.hpp"
#include "cli/copy_target.hpp"
#include "cli/progress.hpp"
#include "core/defaults.hpp"
#include "cli/runtime.hpp"
#include "copy/copy_image.hpp"
#include "core/cancel.hpp"
#include "core/units.hpp"
#include "manifest/index.hpp"
#include "manifest/platform.hpp"

namespace ferry::cli {
namespace {

struct CopyArgs {
    std::string source;
    std::string target;
    std::vector<std::string> platforms;
    bool keep_index = false;
    bool all = true;               ///< skopeo's --all: what ferry does anyway
    bool preserve_digests = true;  ///< skopeo's --preserve-digests: what ferry does anyway
    SideAccess src_access, dest_access;
    int jobs = core::kDefaultJobs;
    std::string output = "text";
};


void print_result(const CopyArgs& a, bool quiet, const std::string& from, const std::string& to,
                  const copy::CopyResult& r) {
    const double seconds = std::chrono::duration<double>(r.duration).count();
    if (a.output == "json") {
        nlohmann::json j = {{"source", from}, {"target", to},
                            {"sourceDigest", r.source_digest.str()}, {"targetDigest", r.target_digest.str()},
                            {"mediaType", r.media_type}, {"builtSubset", r.built_subset},
                            {"unchanged", r.unchanged}, {"seconds", seconds}, {"stats", copy::to_json(r.stats)}};
        std::cout << j.dump(2) << "\n";
        return;
    }
    if (quiet) return;
    const auto& s = r.stats;
    if (r.unchanged) {
        std::cout << fmt::format("{} already at {} ({})\n", to, r.target_digest.str(), from);
        return;
    }
    std::cout << fmt::format("copied {} -> {} {}\n", from, to, r.target_digest.str());
    if (r.built_subset)
        std::cout << fmt::format("  platform subset: new index {} (source index {})\n",
                                 r.target_digest.str(), r.source_digest.str());
    std::cout << fmt::format(
        "  blobs: {} copied ({}), {} mounted ({}), {} skipped ({}); manifests: {} pushed, {} "
        "skipped; {}\n",
        s.blobs_copied, core::format_bytes(s.bytes_copied), s.blobs_mounted,
        core::format_bytes(s.bytes_mounted), s.blobs_skipped, core::format_bytes(s.bytes_skipped),
        s.manifests_pushed, s.manifests_skipped, core::format_duration(r.duration));
}

/// With exactly one --platform and no --keep-index: the source ref becomes that platform's
/// image manifest (what skopeo, crane and regctl copy), and no subset index is built.
core::Status pick_single_platform(store::Store& src, copy::CopyOptions& options) {
    auto root = src.get_manifest(options.source_ref);
    if (!root) return std::unexpected(root.error());
    if (!root->is_index()) {
        options.platforms.clear();
        return {};
    }
    for (const auto& d : root->index().manifests)
        if (d.platform && !d.is_attestation() && d.platform->matches(options.platforms.front())) {
            options.source_ref = d.digest.str();
            options.platforms.clear();
            return {};
        }
    return core::fail(core::ErrorKind::NotFound, fmt::format("{}: no image for platform {} in its index {}; available platforms: {}", src.describe(),
                                                             options.platforms.front().str(), root->digest.str(),
                                                             manifest::available_platforms(root->index())));
}

/// An authentication failure explained for the side it happened on: the side whose host the
/// message names last (the innermost context: "copying A to B: HEAD manifest B/…: 401"), else
/// (one host for both) the destination when the message is about writing, else the source.
core::Error explain_side(const core::Error& error, const CopyNames& names, const SideClients& src,
                         const SideClients& dst) {
    if (error.kind != core::ErrorKind::Auth) return error;
    const auto host_of = [](const std::string& location) {
        auto parsed = store::parse_location(location);
        return parsed && parsed->kind == store::Location::Kind::Registry ? parsed->reference.registry : std::string();
    };
    const std::string src_host = host_of(names.source), dst_host = host_of(names.target);
    const auto last = [&](const std::string& h) {
        const auto at = h.empty() ? std::string::npos : error.message.rfind(h);
        return at == std::string::npos ? -1L : static_cast<long>(at);
    };
    bool dest = last(dst_host) > last(src_host);
    if (src_host == dst_host)
        for (const char* word : {"push", "upload", "PUT", "POST", "mount"})
            if (error.message.find(word) != std::string::npos) dest = true;
    return dest ? dst.explain(error, names.target) : src.explain(error, names.source);
}

ExitCode run_copy(Runtime& rt, const CopyArgs& a) {
    auto names = copy_locations(a.source, a.target);
    if (!names) return report_error(names.error());
    auto src_pool = side_pool(rt, a.src_access, "src");
    if (!src_pool) return report_error(src_pool.error());
    auto dst_pool = side_pool(rt, a.dest_access, "dest");
    if (!dst_pool) return report_error(dst_pool.error());
    const auto fail = [&](const core::Error& e) { return report_error(explain_side(e, *names, *src_pool, *dst_pool)); };
    auto src = rt.open_in(src_pool->pool, names->source, true, Runtime::Access::Read);
    if (!src) return fail(src.error());
    auto dst = rt.open_in(dst_pool->pool, names->target, false, Runtime::Access::Write);
    if (!dst) return fail(dst.error());
    copy::CopyOptions options;
    options.source_ref = src->ref;
    options.jobs = a.jobs;
    options.cancel = &core::process_cancellation();
    options.target_tag = names->target_tag;
    for (const auto& p : a.platforms) {
        auto platform = manifest::Platform::parse(p);
        if (!platform) return report_error(platform.error());
        options.platforms.push_back(*platform);
    }
    if (options.platforms.size() == 1 && !a.keep_index)
        if (auto st = pick_single_platform(*src->store, options); !st) return fail(st.error());
    auto progress = blob_progress("copy", a.output == "json" || rt.options.quiet, options.progress);
    auto result = copy::copy_image(*src->store, *dst->store, options);
    if (!result) return fail(result.error());
    if (auto st = dst->store->commit(); !st) return fail(st.error());
    progress.reset();
    print_result(a, rt.options.quiet, names->source, names->target, *result);
    return ExitCode::Ok;
}

}  // namespace

void add_copy_verb(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<CopyArgs>();
    auto* verb = app.add_subcommand("copy", "copy one image (all platforms by default) between any two locations");
    verb->add_option("source", args->source, "docker://…, HOST/REPO:TAG, oci:DIR[:REF], oci-archive:FILE[:REF]")->required();
    verb->add_option("target", args->target, "same forms; without tag or digest it gets the source's tag, else latest")->required();
    add_repeatable(*verb, "--platform", args->platforms,
                   "copy only this os/arch[/variant] (repeatable); one platform copies its image manifest");
    verb->add_flag("--keep-index", args->keep_index, "with one --platform: write a one-entry index instead");
    verb->add_flag("-a,--all", args->all, "every platform of an index (the default; skopeo's --all)");
    verb->add_flag("--preserve-digests", args->preserve_digests, "keep digests (always; skopeo's --preserve-digests)");
    add_side_access_flags(*verb, "src", args->src_access);
    add_side_access_flags(*verb, "dest", args->dest_access);
    verb->add_option("-j,--jobs", args->jobs, "parallel blob transfers")->check(CLI::Range(1, core::kMaxJobs))->capture_default_str();
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_copy(rt, *args); }; });
}

}  // namespace ferry::cli
