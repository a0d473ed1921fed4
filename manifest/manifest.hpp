#pragma once
/// Image manifests and indexes, parsed from raw bytes which are always kept: a copied
/// manifest is written back byte for byte, so its digest never changes. Only an index built
/// anew (platform subset, manifest create) is serialised by ferry.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"

namespace ferry::manifest {

/// An OCI image manifest or a Docker schema2 manifest.
struct ImageManifest {
    std::string media_type;
    Descriptor config;
    std::vector<Descriptor> layers;
    std::optional<Descriptor> subject;  ///< OCI 1.1 referrers
    std::string artifact_type;
    std::map<std::string, std::string> annotations;
};

/// An OCI image index or a Docker manifest list.
struct Index {
    std::string media_type;
    std::vector<Descriptor> manifests;
    std::optional<Descriptor> subject;
    std::string artifact_type;
    std::map<std::string, std::string> annotations;

    /// Serialises canonically (2-space free compact JSON, fields in spec order, annotations
    /// omitted when empty). Docker lists never get annotations (see build rules in index.hpp).
    std::string serialize() const;
};

/// A manifest as fetched: the exact bytes, its digest, and the parsed view.
struct ParsedManifest {
    std::string raw;
    std::string media_type;
    Digest digest;  ///< sha256 of raw
    std::variant<ImageManifest, Index> content;

    bool is_index() const { return std::holds_alternative<Index>(content); }
    const Index& index() const { return std::get<Index>(content); }
    const ImageManifest& image() const { return std::get<ImageManifest>(content); }
    /// Every blob/manifest descriptor this manifest references directly (config + layers, or
    /// the index's manifests), subject excluded.
    std::vector<Descriptor> children() const;
};

/// Maximum manifest size accepted (bytes) unless configured otherwise.
inline constexpr std::size_t kDefaultMaxManifestBytes = 4 * 1024 * 1024;

/// Parses `raw`. `content_type` (from the HTTP header or the descriptor) is used when the
/// JSON has no mediaType field; when both exist and disagree, the JSON wins unless it is
/// unknown. Errors: Protocol for malformed JSON or missing fields, naming the field.
core::Result<ParsedManifest> parse_manifest(std::string raw, std::string_view content_type);

}  // namespace ferry::manifest
