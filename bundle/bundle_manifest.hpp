#pragma once
/// ferry-bundle.json: what an export bundle holds and how to check it. The file sits at the
/// root of the bundle (directory or tar) beside oci-layout and index.json; it lists every
/// other file of the bundle with its sha256, so an import can verify everything before it
/// pushes anything. It never lists itself. A delta bundle ("delta": true) leaves out the
/// layer/config blobs its base already carried; manifests are always included.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "manifest/digest.hpp"

namespace ferry::bundle {

inline constexpr std::string_view kBundleFileName = "ferry-bundle.json";
inline constexpr std::size_t kMaxBundleFileBytes = 64 * 1024 * 1024;

struct BundleImage {
    std::string entry;       ///< the plan's sync entry name
    std::string source;      ///< full source reference, e.g. 127.0.0.1:5101/corpus/alpine:3.19
    std::string target;      ///< full target reference from the plan's mapping
    std::string ref_name;    ///< org.opencontainers.image.ref.name in index.json (== source)
    manifest::Digest digest;  ///< root manifest in the bundle (a subset index when filtered)
    std::string media_type;
    std::vector<manifest::Digest> blobs;  ///< every blob and manifest the image needs
};

struct BundleFile {
    std::string path;  ///< relative, '/'-separated: "index.json", "blobs/sha256/<hex>"
    std::string sha256;  ///< lower-case hex
    std::uint64_t size = 0;
};

/// What a delta bundle was made against.
struct BundleBase {
    std::string id;
    std::string manifest_digest;  ///< sha256 of the base's ferry-bundle.json bytes
    std::vector<std::pair<std::string, std::string>> images;  ///< base (source, target) pairs
};

struct BundleManifest {
    int version = 1;
    std::string id;
    std::string created;  ///< RFC 3339, UTC
    std::string plan_file;
    std::string plan_sha256;
    std::vector<BundleImage> images;
    std::vector<BundleFile> files;
    std::uint64_t blob_count = 0;   ///< blob files in the bundle (manifests included)
    std::uint64_t total_bytes = 0;  ///< sum of the sizes of `files`
    bool delta = false;
    std::optional<BundleBase> base;

    /// Every digest some image needs (union of images[].blobs).
    std::set<manifest::Digest> closure() const;
    /// Digests whose blob files the bundle holds.
    std::set<manifest::Digest> carried_blobs() const;
};

nlohmann::json to_json(const BundleManifest& m);
/// Parses and checks the shape (types, digests, safe relative paths); Protocol errors name
/// `where`.
core::Result<BundleManifest> parse_bundle_manifest(std::string_view text, std::string_view where);

}  // namespace ferry::bundle
