// ferry inspect REF [--raw] [--config] [--platform P] [--creds U[:P]] [--output text|json]
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/access_flags.hpp"
#include "cli/runtime.hpp"
#include "manifest/index.hpp"
#include "manifest/platform.hpp"
#include "store/store.hpp"

namespace ferry::cli {
namespace {

struct InspectArgs {
    std::string reference;
    bool raw = false;
    bool config = false;
    std::string platform;
    std::string output = "text";
    SideAccess access;  ///< --creds
};

nlohmann::json descriptor_json(const manifest::Descriptor& d) {
    nlohmann::json j = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
    if (d.platform) j["platform"] = d.platform->str();
    if (!d.annotations.empty()) j["annotations"] = d.annotations;
    return j;
}

nlohmann::json manifest_json(const std::string& reference, const manifest::ParsedManifest& m) {
    nlohmann::json j = {{"reference", reference}, {"digest", m.digest.str()},
                        {"mediaType", m.media_type}, {"size", m.raw.size()}};
    if (m.is_index()) {
        j["manifests"] = nlohmann::json::array();
        for (const auto& d : m.index().manifests) j["manifests"].push_back(descriptor_json(d));
    } else {
        j["config"] = descriptor_json(m.image().config);
        j["layers"] = nlohmann::json::array();
        for (const auto& d : m.image().layers) j["layers"].push_back(descriptor_json(d));
    }
    return j;
}

void print_text(const std::string& reference, const manifest::ParsedManifest& m) {
    std::cout << fmt::format("Reference:  {}\nDigest:     {}\nMedia type: {}\nSize:       {}\n",
                             reference, m.digest.str(), m.media_type, m.raw.size());
    if (m.is_index()) {
        std::cout << "Manifests:\n";
        for (const auto& d : m.index().manifests) {
            std::string platform = d.platform ? d.platform->str() : "-";
            if (d.is_attestation()) platform = "attestation";
            std::cout << fmt::format("  {:<22} {}  {}\n", platform, d.digest.str(), d.size);
        }
        return;
    }
    std::cout << fmt::format("Config:     {}  {}\nLayers:\n", m.image().config.digest.str(),
                             m.image().config.size);
    for (const auto& d : m.image().layers)
        std::cout << fmt::format("  {}  {}  {}\n", d.digest.str(), d.size, d.media_type);
}

/// For --config and --platform: the image manifest of the wanted platform.
core::Result<manifest::ParsedManifest> pick_image(store::Store& s, manifest::ParsedManifest m,
                                                  const std::string& platform_text) {
    if (!m.is_index()) return m;
    auto wanted = manifest::Platform::parse(platform_text.empty() ? "linux/amd64" : platform_text);
    if (!wanted) return std::unexpected(wanted.error());
    for (const auto& d : m.index().manifests)
        if (d.platform && !d.is_attestation() && d.platform->matches(*wanted))
            return s.get_manifest(d.digest.str());
    return core::fail(core::ErrorKind::NotFound,
                      "no manifest for platform " + wanted->str() + " in " + m.digest.str() +
                          "; available platforms: " + manifest::available_platforms(m.index()));
}

ExitCode inspect(Runtime& rt, const InspectArgs& a) {
    auto clients = side_pool(rt, a.access, "");
    if (!clients) return report_error(clients.error());
    auto opened = rt.open_in(clients->pool, a.reference, true, Runtime::Access::Read);
    if (!opened) return report_error(clients->explain(opened.error(), a.reference));
    auto& s = *opened->store;
    auto m = s.get_manifest(opened->ref);
    if (!m) return report_error(clients->explain(m.error().with_context("inspecting " + s.describe()), a.reference));
    if (a.config || !a.platform.empty()) {
        auto image = pick_image(s, *m, a.platform);
        if (!image) return report_error(image.error());
        if (!a.config) {
            *m = std::move(*image);
        } else {
            auto config = store::read_blob_text(s, image->image().config, 8u << 20);
            if (!config) return report_error(config.error().with_context("reading image config"));
            std::cout << *config << (config->ends_with('\n') ? "" : "\n");
            return ExitCode::Ok;
        }
    }
    if (a.raw) {
        std::cout << m->raw << std::flush;
        return ExitCode::Ok;
    }
    if (a.output == "json")
        std::cout << manifest_json(a.reference, *m).dump(2) << "\n";
    else
        print_text(a.reference, *m);
    return ExitCode::Ok;
}

}  // namespace

void add_inspect_verb(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<InspectArgs>();
    auto* verb = app.add_subcommand("inspect", "show a manifest, an index's platforms, or an image config");
    verb->add_option("reference", args->reference, "docker://HOST/REPO:TAG|@DIGEST, oci:DIR[:REF], oci-archive:FILE[:REF]")->required();
    verb->add_flag("--raw", args->raw, "print the exact manifest bytes");
    verb->add_flag("--config", args->config, "print the image config of the resolved platform");
    verb->add_option("--platform", args->platform, "os/arch[/variant] to pick from an index");
    add_creds_flag(*verb, args->access);
    add_output_flag(*verb, args->output);
    verb->callback([&rt, &body, args] { body = [&rt, args] { return inspect(rt, *args); }; });
}

}  // namespace ferry::cli
