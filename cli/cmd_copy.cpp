// ferry copy SRC DST [--platform P]... [--jobs N] [--output text|json]
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "core/defaults.hpp"
#include "cli/runtime.hpp"
#include "copy/copy_image.hpp"
#include "core/cancel.hpp"
#include "core/units.hpp"
#include "manifest/platform.hpp"

namespace ferry::cli {
namespace {

struct CopyArgs {
    std::string source;
    std::string target;
    std::vector<std::string> platforms;
    int jobs = core::kDefaultJobs;
    std::string output = "text";
};

nlohmann::json stats_json(const copy::CopyStats& s) {
    return {{"blobsCopied", s.blobs_copied},     {"blobsMounted", s.blobs_mounted},
            {"blobsSkipped", s.blobs_skipped},   {"bytesCopied", s.bytes_copied},
            {"bytesMounted", s.bytes_mounted},   {"bytesSkipped", s.bytes_skipped},
            {"manifestsPushed", s.manifests_pushed}, {"manifestsSkipped", s.manifests_skipped}};
}

void print_result(const CopyArgs& a, const std::string& from, const std::string& to,
                  const copy::CopyResult& r) {
    const double seconds = std::chrono::duration<double>(r.duration).count();
    if (a.output == "json") {
        nlohmann::json j = {{"source", from}, {"target", to},
                            {"sourceDigest", r.source_digest.str()}, {"targetDigest", r.target_digest.str()},
                            {"mediaType", r.media_type}, {"builtSubset", r.built_subset},
                            {"unchanged", r.unchanged}, {"seconds", seconds}, {"stats", stats_json(r.stats)}};
        std::cout << j.dump(2) << "\n";
        return;
    }
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

ExitCode run_copy(Runtime& rt, const CopyArgs& a) {
    auto src = rt.open(a.source);
    if (!src) return report_error(src.error());
    auto dst = rt.open(a.target, /*default_latest=*/false, Runtime::Access::Write);
    if (!dst) return report_error(dst.error());
    copy::CopyOptions options;
    options.source_ref = src->ref;
    options.jobs = a.jobs;
    options.cancel = &core::process_cancellation();
    // The target tag: the one DST names, else the source's tag (not a digest).
    std::string tag = dst->ref.empty() ? src->ref : dst->ref;
    if (!tag.empty() && !tag.starts_with("sha256:")) options.target_tag = tag;
    for (const auto& p : a.platforms) {
        auto platform = manifest::Platform::parse(p);
        if (!platform) return report_error(platform.error());
        options.platforms.push_back(*platform);
    }
    auto result = copy::copy_image(*src->store, *dst->store, options);
    if (!result) return report_error(result.error());
    if (auto st = dst->store->commit(); !st) return report_error(st.error());
    print_result(a, src->store->describe(), dst->store->describe(), *result);
    return ExitCode::Ok;
}

}  // namespace

void add_copy_verb(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<CopyArgs>();
    auto* verb = app.add_subcommand("copy", "copy one image (all platforms by default) between any two locations");
    verb->add_option("source", args->source, "docker://…, HOST/REPO:TAG, oci:DIR[:REF], oci-archive:FILE[:REF]")->required();
    verb->add_option("target", args->target, "same forms; the source tag is kept when the target names none")->required();
    verb->add_option("--platform", args->platforms, "copy only this os/arch[/variant] (repeatable)");
    verb->add_option("-j,--jobs", args->jobs, "parallel blob transfers")->check(CLI::Range(1, 64))->capture_default_str();
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return run_copy(rt, *args); }; });
}

}  // namespace ferry::cli
