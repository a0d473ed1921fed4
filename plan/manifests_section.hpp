#pragma once
/// The plan's `manifests:` section: manifest lists (OCI indexes or Docker manifest lists)
/// assembled from per-platform images and pushed after the sync entries have run.
/// Keys per entry: target (must name a tag), format (oci|docker), annotations, images
/// (references, or {image, platform}), ignore_missing.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/platform.hpp"
#include "manifest/reference.hpp"

namespace ferry::plan {

enum class ManifestFormat { Oci, Docker };

struct ManifestImage {
    manifest::Reference image;
    std::optional<manifest::Platform> platform;  ///< nullopt = read it from the image config
};

struct ManifestEntry {
    manifest::Reference target;  ///< always has a tag
    ManifestFormat format = ManifestFormat::Oci;
    std::map<std::string, std::string> annotations;
    std::vector<ManifestImage> images;  ///< not empty
    bool ignore_missing = false;  ///< skip absent images instead of failing
};

namespace detail {

class PlanReader;
struct PlanNode;

/// Reads `manifests:`.
std::vector<ManifestEntry> read_manifests(PlanReader& reader, const PlanNode& node);

}  // namespace detail
}  // namespace ferry::plan
