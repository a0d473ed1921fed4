#pragma once
/// ferry import: verify a bundle completely (bundle_reader.hpp), then push each image to its
/// target registry with the copy engine (present blobs skipped, blobs before manifests,
/// children before the index, the tag last), so a rerun is a no-op and a failed run can be
/// repeated. Nothing is pushed unless the whole bundle verified.
/// A delta bundle's missing blobs must already be at the target: each is looked up by HEAD
/// in the image's target repository and then in the other target repositories of this
/// bundle and of its base (and mounted from there); if any is absent nowhere, the import is
/// refused before anything is pushed, with the list of what is missing.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/defaults.hpp"
#include "bundle/bundle_manifest.hpp"
#include "store/open.hpp"

namespace ferry::bundle {

struct ImportOptions {
    std::filesystem::path bundle;
    /// "REGISTRY[/PREFIX]": target = REGISTRY/PREFIX/<source repository path>:<tag>;
    /// nullopt = the targets recorded in the bundle (the plan's mapping).
    std::optional<std::string> to;
    int jobs = core::kDefaultJobs;
};

struct ImportedImage {
    std::string source;
    std::string target;
    manifest::Digest digest;
    bool unchanged = false;
    std::uint64_t blobs_copied = 0, blobs_mounted = 0, blobs_skipped = 0, bytes_copied = 0;
};

struct ImportSummary {
    std::uint64_t files_verified = 0, bytes_verified = 0;
    std::vector<ImportedImage> images;
};

/// Target reference for `source` under a --to "REGISTRY[/PREFIX]" mapping.
core::Result<std::string> map_to_prefix(const std::string& source, const std::string& to);

core::Result<ImportSummary> import_bundle(const store::StoreContext& stores, const ImportOptions& options);

}  // namespace ferry::bundle
