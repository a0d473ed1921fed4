// ferry bundle ls BUNDLE [-o text|json]: what an export bundle holds.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "bundle/bundle_reader.hpp"
#include "cli/runtime.hpp"
#include "core/units.hpp"

namespace ferry::cli {
namespace {

struct LsArgs {
    std::string bundle;
    std::string output = "text";
};

/// Bytes of the files an image needs that this bundle carries (a delta leaves some out).
std::uint64_t carried_bytes(const bundle::BundleImage& image, const std::map<std::string, std::uint64_t>& sizes) {
    std::uint64_t total = 0;
    for (const auto& d : image.blobs)
        if (auto it = sizes.find("blobs/sha256/" + d.hex()); it != sizes.end()) total += it->second;
    return total;
}

nlohmann::json listing_json(const std::string& path, const bundle::BundleManifest& m,
                            const std::map<std::string, std::uint64_t>& sizes) {
    nlohmann::json images = nlohmann::json::array();
    for (const auto& img : m.images)
        images.push_back({{"entry", img.entry}, {"source", img.source}, {"target", img.target},
                          {"refName", img.ref_name}, {"digest", img.digest.str()}, {"mediaType", img.media_type},
                          {"blobs", img.blobs.size()}, {"bytesCarried", carried_bytes(img, sizes)}});
    nlohmann::json j = {{"bundle", path}, {"id", m.id}, {"created", m.created}, {"plan", m.plan_file},
                        {"delta", m.delta}, {"blobs", m.blob_count}, {"bytes", m.total_bytes}, {"images", images}};
    j["base"] = m.base ? nlohmann::json{{"id", m.base->id}, {"manifestDigest", m.base->manifest_digest}}
                       : nlohmann::json(nullptr);
    return j;
}

void print_text(const std::string& path, const bundle::BundleManifest& m,
                const std::map<std::string, std::uint64_t>& sizes) {
    std::cout << fmt::format("Bundle:  {}\nID:      {}\nCreated: {}\nPlan:    {}\n", path, m.id, m.created, m.plan_file);
    if (m.base) std::cout << fmt::format("Delta:   against bundle {} (ferry-bundle.json {})\n", m.base->id, m.base->manifest_digest);
    else std::cout << "Delta:   no (a full bundle)\n";
    std::cout << fmt::format("Content: {} {}, {} blobs, {}\n", m.images.size(), m.images.size() == 1 ? "image" : "images",
                             m.blob_count, core::format_bytes(m.total_bytes));
    for (const auto& img : m.images)
        std::cout << fmt::format("  {}\n    digest {}  {} blobs, {} carried\n    -> {}\n", img.source, img.digest.str(),
                                 img.blobs.size(), core::format_bytes(carried_bytes(img, sizes)), img.target);
    std::cout << "Address an image as oci-archive:FILE:SOURCE (or oci:DIR:SOURCE for a directory).\n";
}

ExitCode list_bundle(const LsArgs& a) {
    auto opened = bundle::open_bundle(a.bundle);
    if (!opened) return report_error(opened.error());
    std::map<std::string, std::uint64_t> sizes;
    for (const auto& f : opened->manifest.files) sizes[f.path] = f.size;
    if (a.output == "json") std::cout << listing_json(a.bundle, opened->manifest, sizes).dump(2) << "\n";
    else print_text(a.bundle, opened->manifest, sizes);
    return ExitCode::Ok;
}

}  // namespace

void add_bundle_ls_verb(CLI::App& app, VerbBody& body) {
    auto* group = app.add_subcommand("bundle", "look into export bundles: bundle ls BUNDLE");
    group->require_subcommand(1);
    auto args = std::make_shared<LsArgs>();
    auto* ls = group->add_subcommand("ls", "list a bundle's images, digests, targets, sizes and delta base");
    ls->add_option("bundle", args->bundle, "bundle directory or .tar")->required();
    add_output_flag(*ls, args->output);
    ls->callback([&body, args] { body = [args] { return list_bundle(*args); }; });
}

}  // namespace ferry::cli
