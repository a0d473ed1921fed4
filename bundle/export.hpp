#pragma once
/// ferry export: every image a plan selects (platform filters applied) into one OCI image
/// layout — a directory, or a tar when the output ends in ".tar" — each blob stored once,
/// index.json naming each image by its full source reference
/// (org.opencontainers.image.ref.name = "host/repo:tag"), plus ferry-bundle.json.
///
/// Crash safety: a new directory is built as OUT.partial and renamed at the end; an export
/// into an existing bundle directory writes only what is missing there (blobs atomically,
/// index.json and ferry-bundle.json replaced at the end). A tar is staged in
/// OUT.partial.d (kept for reuse after a crash), packed into OUT.partial with every blob
/// re-verified while it is packed, and renamed to OUT.
/// With `since`, layer and config blobs that the earlier bundle's images needed are left
/// out (manifests are always included); the bundle is marked delta and names its base.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "bundle/bundle_manifest.hpp"
#include "store/open.hpp"
#include "plan/plan.hpp"

namespace ferry::bundle {

struct ExportOptions {
    std::filesystem::path output;
    std::optional<std::filesystem::path> since;  ///< earlier bundle dir, tar or ferry-bundle.json
    int jobs = 0;                                ///< parallel blob transfers; 0 = plan default
};

struct ExportSummary {
    BundleManifest manifest;
    std::uint64_t blobs_omitted = 0;  ///< left out because the base carried them
    std::uint64_t bytes_downloaded = 0;
};

core::Result<ExportSummary> export_bundle(const plan::Plan& plan, const store::StoreContext& stores,
                                          const ExportOptions& options);

}  // namespace ferry::bundle
