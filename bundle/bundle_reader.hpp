#pragma once
/// Opening and verifying an export bundle (directory or tar) before anything is imported.
/// A tar is opened through the archive store, which scans it first: absolute names, "..",
/// links, devices, duplicate entries and oversized index.json / oci-layout /
/// ferry-bundle.json are refused with an error naming the bundle, before any byte is read
/// or written elsewhere.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bundle/bundle_manifest.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace ferry::bundle {

struct OpenedBundle {
    std::filesystem::path path;
    bool archive = false;
    BundleManifest manifest;
    std::string manifest_text;  ///< raw ferry-bundle.json bytes
    std::unique_ptr<store::Store> layout;  ///< the bundle's OCI layout, read only
    store::LayoutFiles* files = nullptr;   ///< the files of `layout`

    /// Opens a file of the bundle by its relative path (NotFound naming the bundle when
    /// absent or, in a directory, not a regular file).
    core::Result<std::unique_ptr<store::BlobReader>> open_file(const std::string& rel) const;
};

/// Opens a bundle directory or tar (read only) and parses its ferry-bundle.json.
core::Result<OpenedBundle> open_bundle(const std::filesystem::path& path);

/// Reads only the bundle manifest of a bundle directory, tar, or a ferry-bundle.json file
/// itself (what --since accepts). Returns the parsed manifest and its raw bytes.
core::Result<std::pair<BundleManifest, std::string>> read_bundle_manifest(const std::filesystem::path& path);

struct Verification {
    std::uint64_t files_checked = 0;
    std::uint64_t bytes_checked = 0;
    /// Blobs the images need that the (delta) bundle does not carry, with the indexes of
    /// the images that need them: they must already be at the target.
    std::map<manifest::Digest, std::vector<std::size_t>> external;
};

/// Checks everything before an import: every listed file exists and has its size and
/// sha256 (a blob's content also matches its digest name), the counts and totals agree,
/// each image's ref name in index.json points at its recorded digest, each image's
/// manifests are carried and verify, and the blobs it needs match the recorded list. A full
/// bundle must carry every blob. Integrity errors for content, Protocol for inconsistencies.
core::Result<Verification> verify_bundle(OpenedBundle& bundle);

/// sha256 (hex) and size of everything `reader` yields.
core::Result<std::pair<std::string, std::uint64_t>> hash_stream(store::BlobReader& reader);

}  // namespace ferry::bundle
