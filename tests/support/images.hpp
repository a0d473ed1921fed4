#pragma once
// Building small images for unit tests: one helper for every test that needs an image, an
// index or a descriptor's JSON in an in-memory store.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manifest/media_type.hpp"
#include "support/memory_store.hpp"

namespace ferry::testing {

/// What add_test_image builds: a config naming the platform, then the layers in order.
struct ImageSpec {
    std::string arch = "amd64";
    std::string variant;              ///< "" = no variant in the config
    std::vector<std::string> layers;  ///< layer contents; each becomes a blob
    bool docker = false;              ///< Docker media types instead of OCI
    bool diff_ids = true;             ///< write rootfs.diff_ids (empty) into the config
};

/// Adds the image's config and layer blobs and its manifest (tagged when `tag` is set) to
/// `store`; returns the manifest.
inline manifest::ParsedManifest add_test_image(MemoryStore& store, const ImageSpec& spec,
                                          const std::optional<std::string>& tag = {}) {
    namespace media = manifest::media;
    const auto manifest_type = spec.docker ? media::kDockerManifest : media::kOciManifest;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : spec.layers)
        layers.push_back(store.add_blob(layer, std::string(spec.docker ? media::kDockerLayerGzip : media::kOciLayerGzip))
                             .to_json());
    nlohmann::json rootfs = {{"type", "layers"}};
    if (spec.diff_ids) rootfs["diff_ids"] = nlohmann::json::array();
    nlohmann::json config = {{"architecture", spec.arch}, {"os", "linux"}, {"rootfs", rootfs}};
    if (!spec.variant.empty()) config["variant"] = spec.variant;
    auto cfg = store.add_blob(config.dump(), std::string(spec.docker ? media::kDockerConfig : media::kOciConfig));
    nlohmann::json m = {{"schemaVersion", 2}, {"mediaType", manifest_type}, {"config", cfg.to_json()}, {"layers", layers}};
    return store.add_manifest(m.dump(), manifest_type, tag);
}

/// The index entry of `m` for platform linux/`arch`[/`variant`].
inline nlohmann::json index_entry(const manifest::ParsedManifest& m, const std::string& arch,
                                  const std::string& variant = "") {
    nlohmann::json j = {{"mediaType", m.media_type}, {"digest", m.digest.str()}, {"size", m.raw.size()},
                        {"platform", {{"architecture", arch}, {"os", "linux"}}}};
    if (!variant.empty()) j["platform"]["variant"] = variant;
    return j;
}

/// Adds an OCI index listing `entries` (see index_entry) to `store`; returns it.
inline manifest::ParsedManifest add_test_index(MemoryStore& store, const nlohmann::json& entries,
                                          const std::optional<std::string>& tag = {}) {
    nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", manifest::media::kOciIndex}, {"manifests", entries}};
    return store.add_manifest(index.dump(), manifest::media::kOciIndex, tag);
}

}  // namespace ferry::testing
